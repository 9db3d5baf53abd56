// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package runner drives a source: it takes the source's listings one after
// another, has the ingest core read each listing's objects (several at once
// when the source allows), and reports what the listings did: the progress
// log, the component status, bounded logs of a source that cannot be
// listed, and checkpoint retention after each complete listing.
package runner // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/runner"

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// Runner reads what a source lists until its context ends.
type Runner struct {
	logger    *zap.Logger
	src       source.Source
	ingester  *ingest.Ingester
	workers   int
	retention *checkpoint.Retention
	progress  *progress
	status    *sourceStatus
	// listFailures bounds the logs of a source that cannot be listed.
	listFailures listFailures
	now          func() time.Time
}

// Settings are what a Runner works with.
type Settings struct {
	Logger *zap.Logger
	Host   component.Host
	Source source.Source
	// NewIngester makes the ingest core; the runner gives it the callback
	// that reports source problems to the component status.
	NewIngester func(sourceProblem func(error)) *ingest.Ingester
	// Retention is nil when checkpoints are kept for ever.
	Retention    *checkpoint.Retention
	Tally        *telemetry.Tally
	EventSources []string
}

// New returns a Runner.
func New(s Settings) *Runner {
	d := s.Source.Describe()
	r := &Runner{
		logger:    s.Logger,
		src:       s.Source,
		workers:   max(d.Workers, 1),
		retention: s.Retention,
		progress:  newProgress(s.Logger, s.Tally, time.Now, d, s.EventSources),
		status:    newSourceStatus(s.Host),
		now:       time.Now,
	}
	r.ingester = s.NewIngester(r.status.fileProblem)
	return r
}

// Run reads listings until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	for ctx.Err() == nil {
		r.runOnce(ctx)
	}
}

// runOnce reads one listing: its objects in order, or with up to workers
// in flight. Every object handed over is settled, read or not.
func (r *Runner) runOnce(ctx context.Context) {
	l, err := r.src.Next(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.listFailures.failed(r.logger, r.now(), err)
			r.status.pollDone(err)
		}
		return
	}
	r.listFailures.ok(r.logger, r.now())
	var read atomic.Int64
	objectDone := func() {
		r.progress.fileDone(len(l.Objects)-int(read.Add(1)), l.Backlog)
	}
	var complete bool
	if r.workers > 1 {
		complete = r.ingestConcurrently(ctx, l.Objects, objectDone)
	} else {
		complete = r.ingestInOrder(ctx, l.Objects, objectDone)
	}
	if r.retention != nil {
		// Also after a listing cut short by a shutdown (Flush does not take
		// the cancellation), so that the objects it finished are recorded.
		r.retention.Flush(ctx)
		if complete && ctx.Err() == nil {
			// Every object was looked at, so the source knows them all.
			r.retention.Prune(ctx, r.src.Forgettable)
		}
	}
	if ctx.Err() == nil {
		r.progress.pollDone(len(l.Objects)-int(read.Load()), l.Backlog)
		r.status.pollDone(l.Problem)
	}
}

func (r *Runner) ingestInOrder(ctx context.Context, objects []*source.Object, objectDone func()) bool {
	for i, o := range objects {
		if ctx.Err() != nil {
			r.ingester.Flush(ctx) // settles what waits in the batch as not read
			settleUnread(objects[i:])
			return false
		}
		if r.ingester.Ingest(ctx, o) == ingest.Stop { // o is settled
			settleUnread(objects[i+1:])
			return false
		}
		objectDone()
	}
	// The records of the last files wait in the batch.
	return r.ingester.Flush(ctx)
}

// ingestConcurrently reads objects with up to r.workers in flight: each
// worker with its own de-duplication batch and batch of records, taking the
// next object when it is done with one, and delivering what its batch holds
// at the end. Objects are started in order; after a Stop no further object
// is read. It reports whether every object was read.
func (r *Runner) ingestConcurrently(ctx context.Context, objects []*source.Object, objectDone func()) bool {
	var (
		wg      sync.WaitGroup
		stopped atomic.Bool
	)
	next := make(chan *source.Object)
	for range min(r.workers, len(objects)) {
		w := r.ingester.Fork()
		wg.Go(func() {
			for o := range next {
				if ctx.Err() != nil || stopped.Load() {
					o.Settle(source.Result{})
					continue
				}
				if w.Ingest(ctx, o) == ingest.Stop {
					stopped.Store(true)
					continue
				}
				objectDone()
			}
			if !w.Flush(ctx) {
				stopped.Store(true)
			}
		})
	}
	started := 0
	for _, o := range objects {
		if ctx.Err() != nil || stopped.Load() {
			break
		}
		next <- o // every worker takes objects until next is closed
		started++
	}
	close(next)
	wg.Wait()
	settleUnread(objects[started:])
	return ctx.Err() == nil && !stopped.Load()
}

// settleUnread tells the source that objects were not read, so that it
// offers them again (an SQS message whose objects were not all read comes
// back after its visibility timeout).
func settleUnread(objects []*source.Object) {
	for _, o := range objects {
		o.Settle(source.Result{})
	}
}
