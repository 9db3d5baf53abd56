// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package delivery hands batches of log records to the next consumer,
// retrying what it refuses with a retryable error: the receiver's one
// retry layer.
package delivery // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/delivery"

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v7"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// obsReportFormat is the format reported to receiverhelper.ObsReport.
const obsReportFormat = "cloudtrail"

// minRetryWait keeps a zero initial_interval from turning retries into a
// busy loop.
const minRetryWait = time.Millisecond

// Result is what became of a batch.
type Result uint8

const (
	// Delivered: accepted, or dropped on a permanent error (logged and
	// counted); the checkpoint may pass it.
	Delivered Result = iota
	// NotAccepted: retries are exhausted or disabled; the object is read
	// again from its checkpoint later.
	NotAccepted
	// Stopped: the receiver is shutting down.
	Stopped
)

// Batch says where a batch's records come from, for logs: records
// [From, To) of the object named Object, and, for a batch of several
// objects (Object then names them), Records: the input records it covers in
// all of them.
type Batch struct {
	Object   string
	From, To int64
	Records  int64
}

// records is the number of input records the batch covers.
func (b Batch) records() int64 {
	if b.Records > 0 {
		return b.Records
	}
	return b.To - b.From
}

// Delivery sends batches to the next consumer.
type Delivery struct {
	next    consumer.Logs
	obsrecv *receiverhelper.ObsReport
	retry   configretry.BackOffConfig
	logger  *zap.Logger
	tel     *telemetry.Telemetry
	now     func() time.Time
	// copyOnRetry: the next consumer may modify what it is given, so each
	// attempt gets a copy and the original is kept for a retry.
	copyOnRetry bool
}

// New returns a Delivery to next with the retry_on_failure settings.
func New(next consumer.Logs, obsrecv *receiverhelper.ObsReport, retry configretry.BackOffConfig, logger *zap.Logger, tel *telemetry.Telemetry) *Delivery {
	return &Delivery{
		next: next, obsrecv: obsrecv, retry: retry, logger: logger, tel: tel, now: time.Now,
		copyOnRetry: next.Capabilities().MutatesData && retry.Enabled,
	}
}

// Deliver sends logs to the next consumer until it accepts them, rejects
// them with a permanent error, or retries run out. When the consumer says
// that only part of a batch failed (consumererror.Logs), only that part is
// sent again.
func (d *Delivery) Deliver(ctx context.Context, logs plog.Logs, b Batch) Result {
	waits := newWaits(d.retry, d.now)
	fields := func(n int, more ...zap.Field) []zap.Field {
		return append([]zap.Field{zap.String("file", b.Object), zap.Int64("first_record_index", b.From),
			zap.Int64("last_record_index", b.To-1), zap.Int64("input_records", b.records()), zap.Int("log_records", n)}, more...)
	}
	for {
		send := logs
		if d.copyOnRetry {
			send = plog.NewLogs()
			logs.CopyTo(send)
		}
		n := send.LogRecordCount()
		opCtx := d.obsrecv.StartLogsOp(ctx)
		err := d.next.ConsumeLogs(opCtx, send)
		d.obsrecv.EndLogsOp(opCtx, obsReportFormat, n, err)
		if err == nil {
			return Delivered
		}
		if consumererror.IsPermanent(err) {
			d.logger.Error("Next consumer rejected CloudTrail records with a permanent error; they are dropped", fields(n, zap.Error(err))...)
			d.tel.Dropped(ctx, int64(n))
			return Delivered
		}
		var partial consumererror.Logs
		if errors.As(err, &partial) {
			logs = partial.Data() // the records it did not accept
		}
		if ctx.Err() != nil {
			return Stopped
		}
		full := Backpressure(err)
		var wait time.Duration
		var ok bool
		if full {
			wait, ok = waits.capacity()
		} else {
			wait, ok = waits.next()
		}
		if !ok {
			d.logger.Error("Next consumer keeps failing; the file will be read again from this batch at the next poll", fields(n, zap.Error(err))...)
			return NotAccepted
		}
		if full {
			// Not a failure: the pipeline is busy. Logged at debug, counted.
			d.logger.Debug("Next consumer is full; waiting for capacity", fields(n, zap.Duration("wait", wait), zap.Error(err))...)
			d.tel.Backpressure(ctx, wait)
		} else {
			d.logger.Warn("Next consumer failed; retrying the batch", fields(n, zap.Duration("wait", wait), zap.Error(err))...)
			d.tel.Retried(ctx)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return Stopped
		case <-t.C:
		}
	}
}

// Backpressure reports whether err is a refusal for lack of capacity
// rather than a failure: exporterhelper's full sending queue, or the
// memory_limiter refusing data. Both are plain errors of internal packages
// of the collector, so they are known by their messages.
func Backpressure(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "sending queue is full") || strings.Contains(msg, "data refused due to high memory usage")
}

// Waits for capacity: short and growing, so that the receiver sends again
// soon after the queue drains instead of sleeping a failure's back-off.
const (
	firstCapacityWait = 2 * time.Millisecond
	maxCapacityWait   = 100 * time.Millisecond
)

// waits are the waits between the attempts of one batch: cenkalti's
// exponential backoff (as exporterhelper's retry uses), bounded by
// max_elapsed_time (0: no bound). A refusal for lack of capacity waits on
// its own short exponential instead (capacity), within the same bound.
type waits struct {
	cfg   configretry.BackOffConfig
	exp   backoff.ExponentialBackOff
	full  backoff.ExponentialBackOff
	start time.Time
	now   func() time.Time
}

func newWaits(cfg configretry.BackOffConfig, now func() time.Time) *waits {
	w := &waits{cfg: cfg, start: now(), now: now, exp: backoff.ExponentialBackOff{
		InitialInterval:     cfg.InitialInterval,
		RandomizationFactor: cfg.RandomizationFactor,
		Multiplier:          cfg.Multiplier,
		MaxInterval:         cfg.MaxInterval,
	}}
	if w.exp.MaxInterval <= 0 {
		w.exp.MaxInterval = math.MaxInt64 // unbounded, not zero
	}
	w.exp.Reset()
	w.full = backoff.ExponentialBackOff{
		InitialInterval: firstCapacityWait, RandomizationFactor: 0.2, Multiplier: 2,
		MaxInterval: min(maxCapacityWait, max(w.exp.MaxInterval, firstCapacityWait)),
	}
	w.full.Reset()
	return w
}

// capacity returns the wait before the next attempt after a refusal for
// lack of capacity, or false when there must be no more.
func (w *waits) capacity() (time.Duration, bool) {
	if !w.cfg.Enabled {
		return 0, false
	}
	elapsed := w.now().Sub(w.start)
	if w.cfg.MaxElapsedTime > 0 && elapsed >= w.cfg.MaxElapsedTime {
		return 0, false
	}
	wait := w.full.NextBackOff()
	if w.cfg.MaxElapsedTime > 0 {
		wait = min(wait, w.cfg.MaxElapsedTime-elapsed)
	}
	return max(wait, minRetryWait), true
}

// next returns the wait before the next attempt, or false when there must
// be no more.
func (w *waits) next() (time.Duration, bool) {
	if !w.cfg.Enabled {
		return 0, false
	}
	elapsed := w.now().Sub(w.start)
	if w.cfg.MaxElapsedTime > 0 && elapsed >= w.cfg.MaxElapsedTime {
		return 0, false
	}
	wait := w.exp.NextBackOff()
	if w.cfg.MaxElapsedTime > 0 {
		wait = min(wait, w.cfg.MaxElapsedTime-elapsed)
	}
	return max(wait, minRetryWait), true
}
