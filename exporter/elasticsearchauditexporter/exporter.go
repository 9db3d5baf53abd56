// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"
)

// auditExporter is the exporter behind exporterhelper: it receives batches
// from the sending queue and returns only when every document is confirmed
// by Elasticsearch, dead-lettered, or handed back with an error.
type auditExporter struct {
	cfg     *Config
	set     exporter.Settings
	logger  *zap.Logger
	metrics *metrics
	route   document.Route

	sender *sender
	dlq    *deadLetter

	encoders sync.Pool // *document.Encoder
	batches  sync.Pool // *batch

	// ready is set once GET / and the templates are done (ready.go); a
	// bulk request goes out only when it is set.
	ready atomic.Bool
	// readyMu guards the start-up work that a cluster unreachable at start
	// (or gone since) postpones to the next bulk request.
	readyMu     sync.Mutex
	infoPending bool        // GET / (product check, version) still to do
	tmplPending bool        // template installation still to do
	tmplRefused bool        // templates refused for good (401/403/4xx): not retried
	cluster     clusterInfo // from the last GET /

	health healthReporter
}

func newExporter(cfg *Config, set exporter.Settings) (*auditExporter, error) {
	mode, _ := document.ParseMode(cfg.Mapping.Mode)
	m, err := newMetrics(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &auditExporter{
		cfg:     cfg,
		set:     set,
		logger:  set.Logger,
		metrics: m,
		route:   document.Route{Dataset: cfg.DataStream.Dataset, Namespace: cfg.DataStream.Namespace},
	}
	opts := document.Options{Mode: mode, EventOriginal: cfg.Mapping.EventOriginal}
	e.encoders.New = func() any { return document.NewEncoder(opts) }
	e.batches.New = func() any { return new(batch) }
	return e, nil
}

// start builds the client, checks that the server is Elasticsearch, opens
// the dead-letter file and installs the templates.
//
// An unreachable cluster does not fail the start (the collector must come
// up, and the queue holds data until the cluster does); a server that is
// not Elasticsearch, or a dead-letter file that cannot be opened, does.
func (e *auditExporter) start(ctx context.Context, host component.Host) error {
	es, err := newESClient(ctx, e.cfg, host, e.set.TelemetrySettings)
	if err != nil {
		return err
	}
	if e.cfg.DeadLetter.Path != "" {
		if e.dlq, err = openDeadLetter(e.cfg.DeadLetter.Path); err != nil {
			return err
		}
	}
	e.warnDeliveryRisk()
	e.sender = &sender{es: es, gzipLevel: e.cfg.gzipLevel(), flushBytes: e.cfg.Flush.Bytes, metrics: e.metrics}
	e.infoPending, e.tmplPending = true, e.cfg.Templates.Install
	e.health.start(host)
	// Bound the start: a black-holed endpoint must not hold up the
	// collector for a dial timeout; what does not finish here is done
	// before the first bulk request.
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	switch err := e.ensureReady(sctx); {
	case errors.Is(err, errNotElasticsearch):
		return err
	case err != nil:
		e.logger.Warn("Elasticsearch is not ready at start; no documents are sent until it is (they wait in the queue)", zap.Error(err))
		e.health.failed(err)
	}
	return nil
}

// startTimeout bounds the network work done in start.
const startTimeout = 15 * time.Second

func (e *auditExporter) shutdown(context.Context) error {
	if e.dlq != nil {
		return e.dlq.close()
	}
	return nil
}

// pushLogs indexes one batch. It returns nil only when every record is
// indexed, a duplicate, or in the dead-letter file.
func (e *auditExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	if e.sender == nil {
		return errors.New("exporter not started")
	}
	b := e.batches.Get().(*batch)
	defer e.releaseBatch(b)
	e.encode(ld, b)
	if len(b.items) == 0 {
		return nil
	}
	reqErr := e.deliver(ctx, b)
	return e.settle(ctx, ld, b, reqErr)
}

func (e *auditExporter) releaseBatch(b *batch) {
	if cap(b.arena) > 4*e.cfg.Flush.Bytes {
		return
	}
	b.arena, b.items = b.arena[:0], b.items[:0]
	e.batches.Put(b)
}

// encode renders every record as an action line and a source line.
func (e *auditExporter) encode(ld plog.Logs, b *batch) {
	enc := e.encoders.Get().(*document.Encoder)
	defer e.encoders.Put(enc)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				route := document.Resolve(e.route, rl.Resource(), sl.Scope(), lr.Attributes())
				it := item{index: enc.Index(route), id: enc.ID(rl.Resource(), sl.Scope(), lr), rl: int32(i), sl: int32(j), lr: int32(k)}
				it.start = len(b.arena)
				b.arena = append(b.arena, `{"create":{"_index":`...)
				b.arena = document.AppendString(b.arena, it.index)
				b.arena = append(b.arena, `,"_id":`...)
				b.arena = document.AppendString(b.arena, it.id)
				b.arena = append(b.arena, "}}\n"...)
				it.mid = len(b.arena)
				b.arena = enc.Append(b.arena, rl.Resource(), sl.Scope(), lr, route)
				b.arena = append(b.arena, '\n')
				it.end = len(b.arena)
				b.items = append(b.items, it)
			}
		}
	}
}

// deliver sends every item, then resends what is not settled, with backoff,
// until nothing is left or the rounds are exhausted: items answered 429/5xx,
// and the items of a request that got no answer or a 429/502/503/504 (the
// transport does not retry). Every round first makes sure GET / and the
// templates are done. It never resends an item that was indexed or was a
// duplicate. It returns the error that stopped a request for good, if any;
// items it did not settle stay pending.
func (e *auditExporter) deliver(ctx context.Context, b *batch) error {
	idx := make([]int, len(b.items))
	for i := range idx {
		idx[i] = i
	}
	bo := newRoundBackoff(e.cfg.BulkRetry.InitialInterval, e.cfg.BulkRetry.MaxInterval)
	for round := 0; ; round++ {
		err := e.ensureReady(ctx)
		if err == nil {
			err = e.sender.sendAll(ctx, b, idx)
		}
		var reqErr *requestError
		retry := errors.As(err, &reqErr) && reqErr.retry
		switch {
		case err == nil:
			e.health.ok()
		case ctx.Err() != nil:
			return err
		default:
			e.health.failed(err)
			if !retry {
				return err
			}
			if reqErr.unreachable {
				e.markUnready()
			}
		}
		again := idx[:0]
		for _, k := range idx {
			if st := b.items[k].state; st == stateRetry || st == statePending {
				again = append(again, k)
			}
		}
		if len(again) == 0 {
			return nil
		}
		if round >= e.cfg.BulkRetry.MaxRetries {
			return err // exhausted: settle decides what happens to stateRetry items
		}
		e.metrics.add(ctx, e.metrics.retried, len(again))
		if serr := sleep(ctx, bo.NextBackOff()); serr != nil {
			return serr
		}
		for _, k := range again {
			b.items[k].state = statePending
		}
		idx = again
	}
}
