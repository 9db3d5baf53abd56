// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"go.uber.org/zap"
)

// ensureTemplates installs the templates; the caller holds readyMu. PUT
// replaces a template with the same body, so installing at every start is
// idempotent. Only a failure that may pass is returned:
//
//   - 401/403: the credentials may write documents but not manage
//     templates (manage_index_templates); a warning says so, and the data
//     streams then take whatever template matches (logs-*-* by default);
//   - another 4xx (400: a setting this cluster refuses): warned once, not
//     retried, since it would fail again;
//   - unreachable, 408, 429 or 5xx: returned, so that no bulk request goes
//     out before the templates are in place: the first documents would
//     create the data stream with the wrong mappings.
func (e *auditExporter) ensureTemplates(ctx context.Context) error {
	status, err := e.installTemplates(ctx)
	switch {
	case err == nil:
		e.tmplPending = false
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.tmplPending, e.tmplRefused = false, true
		e.logger.Warn("not allowed to install index templates (the user needs the manage_index_templates privilege); "+
			"continuing without them: data streams will use whatever template matches, and fields may be mapped dynamically. "+
			"Install them once with a privileged user, or set templates::install: false to silence this",
			zap.Int("status", status), zap.Error(err))
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		e.tmplPending, e.tmplRefused = false, true
		e.logger.Warn("Elasticsearch refused the index templates; continuing without them (fix the cause, or set templates::install: false)",
			zap.Int("status", status), zap.Error(err))
	default:
		e.logger.Warn("cannot install index templates yet; no documents are sent until they are", zap.Error(err))
		return fmt.Errorf("installing index templates: %w", err)
	}
	return nil
}

// installTemplates PUTs the component templates, then the index template.
func (e *auditExporter) installTemplates(ctx context.Context) (int, error) {
	ts := Templates(e.cfg.Templates, e.cfg.DataStream.Dataset,
		Cluster{Version: e.cluster.Version.Number, Serverless: e.cluster.Version.BuildFlavor == "serverless"})
	if ts.Warning != "" {
		e.logger.Warn(ts.Warning)
	}
	for _, name := range ts.ComponentNames {
		if status, err := e.put(ctx, "/_component_template/"+url.PathEscape(name), ts.ComponentTemplates[name]); err != nil {
			return status, fmt.Errorf("component template %s: %w", name, err)
		}
	}
	if status, err := e.put(ctx, "/_index_template/"+url.PathEscape(ts.IndexTemplateName), ts.IndexTemplate); err != nil {
		return status, fmt.Errorf("index template %s: %w", ts.IndexTemplateName, err)
	}
	e.logger.Info("index templates installed", zap.String("index_template", ts.IndexTemplateName),
		zap.Any("index_patterns", ts.IndexTemplate["index_patterns"]), zap.String("lifecycle", ts.Lifecycle))
	return http.StatusOK, nil
}

func (e *auditExporter) put(ctx context.Context, path string, body any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.sender.es.Perform(req)
	if err != nil {
		if isProductCheckError(err) {
			return 0, fmt.Errorf("%w (%v)", errNotElasticsearch, err)
		}
		return 0, err
	}
	defer res.Body.Close()
	resp, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("HTTP %d: %s", res.StatusCode, errorSummary(resp))
	}
	return res.StatusCode, nil
}
