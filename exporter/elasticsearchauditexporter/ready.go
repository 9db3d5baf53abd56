// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// ensureReady does the start-up work still pending before a bulk request
// may go out: GET / (the product check, and the version that decides
// require_data_stream and the lifecycle), then the templates. Until both are
// done no _bulk is sent, so that the first documents never create a data
// stream from the built-in logs template. Once done it costs one atomic load.
//
// The error is a requestError: retried by deliver's next round, except for a
// server that is not Elasticsearch.
func (e *auditExporter) ensureReady(ctx context.Context) error {
	if e.ready.Load() {
		return nil
	}
	e.readyMu.Lock()
	defer e.readyMu.Unlock()
	if e.ready.Load() {
		return nil
	}
	if e.infoPending {
		ci, err := info(ctx, e.sender.es)
		if err != nil {
			return &requestError{err: fmt.Errorf("cannot query Elasticsearch (GET /): %w", err), retry: !errors.Is(err, errNotElasticsearch)}
		}
		e.infoPending = false
		e.cluster = ci
		e.sender.requireDS.Store(supportsRequireDataStream(ci.Version.Number))
		e.logger.Info("connected to Elasticsearch", zap.String("version", ci.Version.Number), zap.String("build_flavor", ci.Version.BuildFlavor))
	}
	if e.tmplPending {
		if err := e.ensureTemplates(ctx); err != nil {
			return &requestError{err: err, retry: true}
		}
	}
	e.ready.Store(true)
	return nil
}

// markUnready makes the next bulk request redo GET / and the template
// installation: after a request got no answer at all, the cluster that
// answers next may be a fresh one (a restarted container, a cluster
// rebuilt behind the same address) without our templates. Both are
// idempotent and cost three small requests.
func (e *auditExporter) markUnready() {
	e.readyMu.Lock()
	defer e.readyMu.Unlock()
	e.ready.Store(false)
	e.infoPending = true
	e.tmplPending = e.cfg.Templates.Install && !e.tmplRefused
}
