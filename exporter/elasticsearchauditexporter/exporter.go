package elasticsearchauditexporter

import (
	"context"
	"errors"
	"sync"
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

	// readyMu guards the start-up work that a cluster unreachable at start
	// postpones to the first push that finds it back.
	readyMu     sync.Mutex
	infoPending bool // GET / (product check, version) still to do
	tmplPending bool // template installation still to do
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
	e.sender = &sender{es: es, gzipLevel: e.cfg.gzipLevel(), flushBytes: e.cfg.Flush.Bytes, metrics: e.metrics}
	e.infoPending, e.tmplPending = true, e.cfg.Templates.Install
	// Bound the start: a black-holed endpoint must not hold up the
	// collector for dial timeouts × retries; what does not finish here is
	// done before the first push.
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	return e.ensureReady(sctx, true)
}

// startTimeout bounds the network work done in start.
const startTimeout = 15 * time.Second

// ensureReady finishes the start-up work still pending: GET / (the product
// check, and the version that decides require_data_stream), then the
// templates. Only a server that is not Elasticsearch is an error; anything
// else is logged and tried again before the next push.
func (e *auditExporter) ensureReady(ctx context.Context, atStart bool) error {
	e.readyMu.Lock()
	defer e.readyMu.Unlock()
	if e.infoPending {
		ci, err := info(ctx, e.sender.es)
		switch {
		case errors.Is(err, errNotElasticsearch):
			return err
		case err != nil:
			if atStart {
				e.logger.Warn("cannot reach or query Elasticsearch at start; documents wait in the queue until it answers", zap.Error(err))
			}
			return nil
		}
		e.infoPending = false
		e.sender.requireDS.Store(supportsRequireDataStream(ci.Version.Number))
		e.logger.Info("connected to Elasticsearch", zap.String("version", ci.Version.Number))
	}
	if e.tmplPending {
		e.ensureTemplates(ctx)
	}
	return nil
}

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
	if err := e.ensureReady(ctx, false); err != nil {
		return err
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

// deliver sends every item, then resends items answered 429/5xx, with
// backoff, until none is left or the rounds are exhausted. It never resends
// an item that was indexed or was a duplicate. It returns the error that
// stopped a request for good, if any; items it did not settle stay pending.
func (e *auditExporter) deliver(ctx context.Context, b *batch) error {
	idx := make([]int, len(b.items))
	for i := range idx {
		idx[i] = i
	}
	bo := backoff{initial: e.cfg.BulkRetry.InitialInterval, max: e.cfg.BulkRetry.MaxInterval}
	for round := 0; ; round++ {
		if err := e.sender.sendAll(ctx, b, idx); err != nil {
			return err
		}
		retry := idx[:0]
		for _, k := range idx {
			if b.items[k].state == stateRetry {
				retry = append(retry, k)
			}
		}
		if len(retry) == 0 {
			return nil
		}
		if round >= e.cfg.BulkRetry.MaxRetries {
			return nil // exhausted: settle decides what happens to stateRetry items
		}
		e.metrics.add(ctx, e.metrics.retried, len(retry))
		if err := sleep(ctx, bo.delay(round+1)); err != nil {
			return err
		}
		for _, k := range retry {
			b.items[k].state = statePending
		}
		idx = retry
	}
}
