// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package ingest // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/dedup"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/delivery"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// A batch carries the records of many files: a CloudTrail file holds about
// 50 records, a few of them selected, and one ConsumeLogs (one persistent
// queue write, one checkpoint transaction) per file cost several times the
// decoding. The checkpoints of the files in a batch are written together
// once the batch is accepted, and a file read to its end is settled only
// then: a checkpoint never passes records the next consumer has not taken.

// maxPendingAge bounds how long records wait in a batch that is not full
// (a sparse selection over many files), and so how far checkpoints lag.
const maxPendingAge = time.Second

// pending is the batch being filled and the files whose records are in it.
type pending struct {
	batch *cloudtrail.Batch
	files []*pendingFile
	since time.Time // when the first record went in
}

// pendingFile is a file with records in the batch: the checkpoint to save
// once the batch is delivered, and, when it was read to its end, what to
// report then.
type pendingFile struct {
	f        *object
	key      string
	from     int64 // its first record in the batch is at or after this index
	cp       checkpoint.Checkpoint
	finished bool
	st       cloudtrail.FileStats
}

// batchFor returns the batch to read f into.
func (in *Ingester) batchFor(f *object) *pending {
	if in.pend == nil {
		opts := in.Mapping
		opts.ExtraAttributes = len(f.Attrs)
		in.pend = &pending{batch: cloudtrail.NewBatch(opts)}
	}
	return in.pend
}

// due reports whether the batch should be delivered now.
func (p *pending) due(size int, now time.Time) bool {
	return p.batch.Len() >= size || (p.batch.Len() > 0 && now.Sub(p.since) >= maxPendingAge)
}

// Flush delivers the batch (after the one in flight), saves the
// checkpoints of its files and settles the files read to their end. It
// reports false when a batch was not accepted (or the context ended): those
// files are then settled as not read, to be offered again, and the listing
// should stop.
func (in *Ingester) Flush(ctx context.Context) bool {
	if ctx.Err() != nil {
		in.abandon()
		return false
	}
	return in.flush(ctx)
}

// One batch is delivered while the next is read: a synchronous pipeline
// (no sending queue, so that checkpoints follow what the backend accepted)
// would otherwise leave the CPU idle for every round trip, and a backend
// 50 ms away would bound the receiver at batch_size records per 50 ms.
// Checkpoints still advance in batch order, only for accepted batches.

// inflight is the batch handed to the next consumer and not yet answered.
type inflight struct {
	files  []pendingFile // as they were at hand-off: reading goes on
	ids    dedup.Sealed
	result chan delivery.Result
}

// flush delivers the batch being filled and waits for it: nothing of what
// was read is pending afterwards.
func (in *Ingester) flush(ctx context.Context) bool {
	return in.flushAsync(ctx) && in.wait(ctx)
}

// flushAsync hands the batch being filled to the next consumer once the
// batch in flight before it was accepted, and returns while it is
// delivered.
func (in *Ingester) flushAsync(ctx context.Context) bool {
	if !in.wait(ctx) {
		return false
	}
	if ctx.Err() != nil {
		in.dropPending() // stopping: nothing more is handed over
		return false
	}
	p := in.pend
	if p == nil || (len(p.files) == 0 && p.batch.Len() == 0) {
		return true
	}
	f := &inflight{files: make([]pendingFile, len(p.files)), result: make(chan delivery.Result, 1)}
	for i, pf := range p.files {
		f.files[i] = *pf
	}
	p.files = nil
	if p.batch.Len() == 0 {
		f.result <- delivery.Delivered // files with no selected records: only checkpoints
	} else {
		logs, desc := p.batch.Take(), describe(f.files)
		f.ids = in.Dedup.Seal()
		go func() { f.result <- in.Delivery.Deliver(ctx, logs, desc) }()
	}
	in.inflight = f
	return true
}

// wait waits for the batch in flight, then saves the checkpoints of its
// files and settles those read to their end. When it was not accepted the
// batch being filled is dropped too (its files are read again from their
// checkpoints), and wait reports false.
func (in *Ingester) wait(ctx context.Context) bool {
	f := in.inflight
	if f == nil {
		return true
	}
	in.inflight = nil
	if <-f.result != delivery.Delivered {
		in.Dedup.Finish(f.ids, false)
		settleAll(f.files, false)
		if p := in.pend; p != nil && len(p.files) > 0 {
			var n int64
			for _, pf := range p.files {
				n += pf.cp.Records - pf.from
			}
			in.Logger.Debug("Reading again from the checkpoints: the records read after a batch that was not accepted",
				zap.String("file", p.files[len(p.files)-1].f.Name), zap.Int64("input_records", n))
		}
		in.dropPending()
		return false
	}
	in.Dedup.Finish(f.ids, true)
	// Accepted: its checkpoints are saved even if the receiver is stopping.
	ctx = context.WithoutCancel(ctx)
	// Sources that keep their own position (Event history) hear of what was
	// accepted before the checkpoints are saved.
	for i := range f.files {
		if pf := &f.files[i]; pf.f.Accepted != nil {
			pf.f.Accepted(pf.cp.Records)
		}
	}
	in.saveCheckpoints(ctx, f.files)
	for i := range f.files {
		if pf := &f.files[i]; pf.finished {
			in.fileRead(ctx, pf)
		}
	}
	settleAll(f.files, true)
	return true
}

// flushFor delivers the batches first when a file in them has one of keys
// (a copy of a file, or the same file grown, listed again before its batch
// was delivered), so that the checkpoint read next is the one after it.
func (in *Ingester) flushFor(ctx context.Context, keys ...string) bool {
	has := func(key string) bool {
		for _, k := range keys {
			if k != "" && key == k {
				return true
			}
		}
		return false
	}
	if in.inflight != nil {
		for i := range in.inflight.files {
			if has(in.inflight.files[i].key) {
				return in.flush(ctx)
			}
		}
	}
	if in.pend != nil {
		for _, pf := range in.pend.files {
			if has(pf.key) {
				return in.flush(ctx)
			}
		}
	}
	return true
}

// abandon ends the reading (shutdown, or a read that stopped): the batch in
// flight is waited for, and the batch being filled is dropped: its files are
// settled as not read and read again from their checkpoints.
func (in *Ingester) abandon() {
	if in.inflight != nil && !in.wait(context.Background()) {
		return // wait dropped the batch being filled
	}
	in.dropPending()
}

// dropPending drops the batch being filled.
func (in *Ingester) dropPending() {
	p := in.pend
	if p == nil {
		return
	}
	if p.batch.Len() > 0 {
		p.batch.Take()
		in.Dedup.Abort()
	}
	files := p.files
	p.files = nil
	for _, pf := range files {
		if pf.finished {
			pf.f.Settle(source.Result{Done: false, Failure: pf.f.failure})
		}
	}
}

// settleAll settles the files read to their end.
func settleAll(files []pendingFile, done bool) {
	for i := range files {
		if pf := &files[i]; pf.finished {
			pf.f.Settle(source.Result{Done: done, Failure: pf.f.failure})
		}
	}
}

// describe names the files of a batch for the delivery's logs.
func describe(files []pendingFile) delivery.Batch {
	if len(files) == 0 {
		return delivery.Batch{}
	}
	last := files[len(files)-1]
	b := delivery.Batch{Object: last.f.Name, From: last.from, To: last.cp.Records}
	if len(files) > 1 {
		b.Object = fmt.Sprintf("%s and %d other files (from %s)", last.f.Name, len(files)-1, files[0].f.Name)
		for i := range files {
			b.Records += files[i].cp.Records - files[i].from
		}
	}
	return b
}

// saveCheckpoints writes the checkpoints of a delivered batch's files in
// one storage operation.
func (in *Ingester) saveCheckpoints(ctx context.Context, files []pendingFile) {
	keys := make([]string, len(files))
	cps := make([]*checkpoint.Checkpoint, len(files))
	for i := range files {
		keys[i], cps[i] = files[i].key, &files[i].cp
	}
	if err := in.Checkpoints.SetAll(ctx, keys, cps); err != nil {
		// The data was delivered; only a restart would deliver it again.
		for i := range files {
			in.Logger.Error("Cannot save the checkpoint of a CloudTrail file; after a restart its records may be delivered again",
				zap.String("file", files[i].f.Name), zap.Int64("record_index", files[i].cp.Records), zap.Error(err))
		}
		return
	}
	if in.Retention != nil {
		for i := range files {
			if files[i].cp.Done {
				in.Retention.Finished(files[i].key)
			}
		}
	}
}

// fileRead reports a file read to its end whose records were delivered.
func (in *Ingester) fileRead(ctx context.Context, pf *pendingFile) {
	in.reported.delete(pf.key)
	st := pf.st
	if st.Format == cloudtrail.FormatDigest {
		in.Logger.Debug("Skipping CloudTrail digest file", zap.String("file", pf.f.Name))
		in.Telemetry.File(ctx, telemetry.ResultDigest)
		return
	}
	in.Logger.Debug("CloudTrail file processed", zap.String("file", pf.f.Name),
		zap.Int64("records", st.Records), zap.Int64("selected", st.Selected), zap.Int64("failed", st.Failed), zap.Int64("skipped", st.Skipped))
	in.Telemetry.File(ctx, telemetry.ResultOK)
}
