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

// Flush delivers the batch, saves the checkpoints of its files and settles
// the files read to their end. It reports false when the batch was not
// accepted (or the context ended): those files are then settled as not
// read, to be offered again, and the listing should stop.
func (in *Ingester) Flush(ctx context.Context) bool {
	if ctx.Err() != nil {
		in.abandon()
		return false
	}
	return in.flush(ctx)
}

func (in *Ingester) flush(ctx context.Context) bool {
	p := in.pend
	if p == nil || (len(p.files) == 0 && p.batch.Len() == 0) {
		return true
	}
	files := p.files
	p.files = nil
	if n := p.batch.Len(); n > 0 {
		if in.Delivery.Deliver(ctx, p.batch.Take(), describe(files)) != delivery.Delivered {
			in.Dedup.Abort()
			settleAll(files, false)
			return false
		}
		in.Dedup.Commit()
	}
	// Sources that keep their own position (Event history) hear of what was
	// accepted before the checkpoints are saved.
	for _, pf := range files {
		if pf.f.Accepted != nil {
			pf.f.Accepted(pf.cp.Records)
		}
	}
	in.saveCheckpoints(ctx, files)
	for _, pf := range files {
		if pf.finished {
			in.fileRead(ctx, pf)
		}
	}
	settleAll(files, true)
	return true
}

// flushFor delivers the batch first when a file in it has one of keys (a
// copy of a file, or the same file grown, listed again before the batch was
// delivered), so that the checkpoint read next is the one after it.
func (in *Ingester) flushFor(ctx context.Context, keys ...string) bool {
	if in.pend == nil {
		return true
	}
	for _, pf := range in.pend.files {
		for _, k := range keys {
			if k != "" && pf.key == k {
				return in.flush(ctx)
			}
		}
	}
	return true
}

// abandon drops the batch (shutdown, or a read that stopped): its files
// are settled as not read and read again from their checkpoints.
func (in *Ingester) abandon() {
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
	settleAll(files, false)
}

// settleAll settles the files read to their end.
func settleAll(files []*pendingFile, done bool) {
	for _, pf := range files {
		if pf.finished {
			pf.f.Settle(source.Result{Done: done, Failure: pf.f.failure})
		}
	}
}

// describe names the files of a batch for the delivery's logs.
func describe(files []*pendingFile) delivery.Batch {
	if len(files) == 0 {
		return delivery.Batch{}
	}
	last := files[len(files)-1]
	b := delivery.Batch{Object: last.f.Name, From: last.from, To: last.cp.Records}
	if len(files) > 1 {
		b.Object = fmt.Sprintf("%s and %d other files (from %s)", last.f.Name, len(files)-1, files[0].f.Name)
		for _, pf := range files {
			b.Records += pf.cp.Records - pf.from
		}
	}
	return b
}

// saveCheckpoints writes the checkpoints of a delivered batch's files in
// one storage operation.
func (in *Ingester) saveCheckpoints(ctx context.Context, files []*pendingFile) {
	keys := make([]string, len(files))
	cps := make([]*checkpoint.Checkpoint, len(files))
	for i, pf := range files {
		keys[i], cps[i] = pf.key, &pf.cp
	}
	if err := in.Checkpoints.SetAll(ctx, keys, cps); err != nil {
		// The data was delivered; only a restart would deliver it again.
		for _, pf := range files {
			in.Logger.Error("Cannot save the checkpoint of a CloudTrail file; after a restart its records may be delivered again",
				zap.String("file", pf.f.Name), zap.Int64("record_index", pf.cp.Records), zap.Error(err))
		}
		return
	}
	if in.Retention != nil {
		for _, pf := range files {
			if pf.cp.Done {
				in.Retention.Finished(pf.key)
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
