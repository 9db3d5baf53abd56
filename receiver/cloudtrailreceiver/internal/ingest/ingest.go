// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package ingest reads one CloudTrail object at a time: from its checkpoint,
// through the decoder, in batches to the next consumer (retried by
// delivery), de-duplicated, advancing the checkpoint after each batch
// accepted, and reporting bad input; then it tells the source what became
// of the object.
package ingest // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/dedup"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/delivery"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// Outcome is what became of one object.
type Outcome uint8

const (
	// Done: the object is finished; look at it again only if it changes.
	Done Outcome = iota
	// Later: have the source offer the object again.
	Later
	// Stop: stop the listing (shutdown, storage failure, or a next
	// consumer that keeps failing); the object is offered again.
	Stop
)

// Settings are what an Ingester works with.
type Settings struct {
	Logger      *zap.Logger
	Telemetry   *telemetry.Telemetry
	Checkpoints *checkpoint.Store
	// Retention, when set, hears of each checkpoint that says done.
	Retention *checkpoint.Retention
	// Dedup is nil when de-duplication is off.
	Dedup     *dedup.Dedup
	Selector  *cloudtrail.Selector
	Decoder   cloudtrail.DecoderOptions
	Mapping   cloudtrail.MapOptions
	BatchSize int
	Delivery  *delivery.Delivery
	// SourceProblem hears of a read that failed for a reason of the source
	// (unreachable, access denied: the object is read again later), for the
	// component status.
	SourceProblem func(error)
}

// Ingester reads objects. Fork gives each worker its own.
type Ingester struct {
	Settings
	now func() time.Time
	// reported holds, per checkpoint key, the index below which record
	// errors were already logged, so a batch read again after a failed
	// delivery does not log them twice. Forks share it.
	reported *reportMarks
	// pend is the batch being filled, across files, and inflight the one
	// delivered meanwhile (pending.go).
	pend     *pending
	inflight *inflight
}

// New returns an Ingester.
func New(s Settings) *Ingester {
	return &Ingester{Settings: s, now: time.Now, reported: newReportMarks()}
}

// Fork returns an Ingester for another worker: its own de-duplication
// batch and batch of records, everything else shared.
func (in *Ingester) Fork() *Ingester {
	w := *in
	w.Dedup = in.Dedup.Fork()
	w.pend, w.inflight = nil, nil
	return &w
}

// object is the object being read, and why it failed, for its settling.
type object struct {
	*source.Object
	failure string
}

// Outcomes of read that Ingest does not pass on.
const (
	// deferred: read to its end, its last records wait in the batch; the
	// flush that delivers them settles it.
	deferred Outcome = iota + 100
	// stopSettled: Stop, and the object was settled by the failed flush.
	stopSettled
)

// Ingest reads the object and settles it, at once or, when its records
// wait in the batch for more files' records, when that batch is delivered
// (Flush, at the latest at the end of the listing). Done then means read.
func (in *Ingester) Ingest(ctx context.Context, o *source.Object) Outcome {
	f := &object{Object: o}
	outcome := in.ingest(ctx, f)
	switch outcome {
	case deferred:
		return Done
	case stopSettled:
		in.abandon()
		return Stop
	case Stop:
		in.abandon()
	}
	o.Settle(source.Result{Done: outcome == Done, Failure: f.failure})
	return outcome
}

// recent reports whether the object may still be being written.
func (in *Ingester) recent(f *object) bool {
	return f.Quiet > 0 && in.now().Sub(f.ModTime) < f.Quiet
}

func (in *Ingester) ingest(ctx context.Context, f *object) Outcome {
	if source.IsDigest(f.Name) {
		in.Logger.Debug("Skipping CloudTrail digest file", zap.String("file", f.Name))
		in.Telemetry.File(ctx, telemetry.ResultDigest)
		return Done
	}
	if f.Err != nil {
		return in.unreadable(ctx, f, f.Err)
	}
	if f.Size == 0 {
		// No content, so no identity to checkpoint under: remembered by
		// the source until the file changes (and once more after a restart).
		if in.recent(f) {
			return Later // probably just created
		}
		in.Logger.Error("CloudTrail file is empty; no records read",
			zap.String("file", f.Name), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
			zap.String("reason", ReasonEmpty))
		in.Telemetry.File(ctx, telemetry.ResultError)
		in.Telemetry.FileError(ctx, ReasonEmpty)
		f.failure = ReasonEmpty
		return Done
	}

	key, cp, o, ok := in.lookup(ctx, f)
	if !ok {
		return o
	}
	var start int64
	if cp != nil {
		if cp.Done {
			if cp.Size == f.Size {
				if cp.Path != f.Name {
					in.Logger.Info("CloudTrail file was already processed under another name; skipping it",
						zap.String("file", f.Name), zap.String("previous_path", cp.Path))
					cp.Path, cp.ModTime = f.Name, f.ModTime
					in.saveCheckpoint(ctx, f, key, cp)
				} else {
					in.Logger.Debug("CloudTrail file already processed; skipping it", zap.String("file", f.Name))
				}
				in.Telemetry.File(ctx, telemetry.ResultSkipped)
				if cp.Error != "" {
					f.failure = cp.Error // it ended in an error when it was read
				}
				return Done
			}
			in.Logger.Info("CloudTrail file changed size since it was processed; resuming after the records already read",
				zap.String("file", f.Name), zap.Int64("previous_size", cp.Size), zap.Int64("size", f.Size),
				zap.Int64("record_index", cp.Records))
		}
		start = cp.Records
	}
	return in.read(ctx, f, key, start)
}

// lookup finds the identity and the checkpoint of a file. ok is false when
// the file cannot be processed now; o then says what became of it.
func (in *Ingester) lookup(ctx context.Context, f *object) (key string, cp *checkpoint.Checkpoint, o Outcome, ok bool) {
	key, prevKey := f.Key, f.PrevKey
	if !in.flushFor(ctx, key, prevKey) {
		return "", nil, Stop, false
	}
	cp, err := in.Checkpoints.Get(ctx, key)
	if err != nil {
		in.Logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.Name), zap.Error(err))
		return "", nil, Stop, false
	}
	if cp == nil && prevKey != "" {
		// The file grew past the bytes its identity was computed over.
		if cp, err = in.Checkpoints.Get(ctx, prevKey); err != nil {
			in.Logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.Name), zap.Error(err))
			return "", nil, Stop, false
		}
		if cp != nil {
			if err := in.Checkpoints.Set(ctx, key, cp); err == nil {
				_ = in.Checkpoints.Delete(ctx, prevKey)
				if cp.Done && in.Retention != nil {
					in.Retention.Finished(key) // the record names prevKey
				}
			}
			in.reported.rename(prevKey, key)
		}
	}
	if cp != nil && cp.Tail != "" {
		// Same first bytes; check it is the same file (or that file grown).
		same := f.Size >= cp.Size
		if same {
			tail, err := f.Content.TailAt(ctx, cp.Size)
			if err != nil {
				return "", nil, in.unreadable(ctx, f, err), false
			}
			same = tail == cp.Tail
		}
		if !same {
			tail, err := f.Content.TailAt(ctx, f.Size)
			if err != nil {
				return "", nil, in.unreadable(ctx, f, err), false
			}
			in.Logger.Warn("CloudTrail file starts with the same bytes as a file already read but differs from it; reading it as a separate file",
				zap.String("file", f.Name), zap.String("other_path", cp.Path))
			key += "." + tail
			if !in.flushFor(ctx, key) {
				return "", nil, Stop, false
			}
			if cp, err = in.Checkpoints.Get(ctx, key); err != nil {
				in.Logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.Name), zap.Error(err))
				return "", nil, Stop, false
			}
		}
	}
	return key, cp, Done, true
}

// unreadable handles a file that cannot be opened or read at all.
func (in *Ingester) unreadable(ctx context.Context, f *object, err error) Outcome {
	if errors.Is(err, fs.ErrNotExist) {
		return Later // vanished since the listing (renamed or removed)
	}
	var se *source.Error
	if errors.As(err, &se) {
		f.failure = se.Reason
		in.Telemetry.File(ctx, telemetry.ResultError)
		in.Telemetry.FileError(ctx, se.Reason)
		if se.Retry {
			in.sourceProblem(err)
			in.Logger.Error("Cannot read CloudTrail file; it will be tried again",
				zap.String("file", f.Name), zap.String("reason", se.Reason), zap.Error(err))
			return Later
		}
		in.Logger.Error("Cannot read CloudTrail file; it is skipped",
			zap.String("file", f.Name), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
			zap.String("reason", se.Reason), zap.Error(err))
		return Done
	}
	if in.recent(f) {
		in.Logger.Info("Cannot read CloudTrail file yet; retrying at the next poll", zap.String("file", f.Name), zap.Error(err))
		return Later
	}
	in.Logger.Error("Cannot read CloudTrail file; it is read again when it changes or after a restart",
		zap.String("file", f.Name), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
		zap.String("reason", source.ReasonRead), zap.Error(err))
	in.Telemetry.File(ctx, telemetry.ResultError)
	in.Telemetry.FileError(ctx, source.ReasonRead)
	f.failure = source.ReasonRead
	return Done
}

// read reads the file from record start to its end (or its break).
func (in *Ingester) read(ctx context.Context, f *object, key string, start int64) Outcome {
	rc, err := f.Content.Open(ctx)
	if err != nil {
		return in.unreadable(ctx, f, err)
	}
	defer rc.Close()

	tail, err := f.Content.TailAt(ctx, f.Size)
	if err != nil {
		return in.unreadable(ctx, f, err)
	}
	cp := &checkpoint.Checkpoint{Records: start, Size: f.Size, ModTime: f.ModTime, Path: f.Name, Tail: tail}
	fr, err := cloudtrail.NewFileReader(rc, in.Selector, in.Decoder)
	if err != nil {
		// The gzip header (or the first bytes) could not be read.
		return in.broken(ctx, f, key, cp, &cloudtrail.FileError{Err: err})
	}
	defer fr.Close()

	reported := in.reported.get(key)
	// admitted is the eventID reserved for the record being mapped: Append
	// may still reject it (bad eventTime), and then the reservation is
	// released here, since OnRecordError hears of that failure at once.
	var admitted string
	fr.OnRecordError = func(index int64, err error) {
		if admitted != "" {
			in.Dedup.Release(admitted)
			admitted = ""
		}
		if index < reported {
			return // logged and counted when this part of the file was first read
		}
		reported = index + 1
		in.reported.set(key, reported)
		reason := cloudtrail.RecordErrorReason(err)
		fields := []zap.Field{zap.String("file", f.Name), zap.Int64("record_index", index), zap.String("reason", reason), zap.Error(err)}
		if f.RecordAttrs != nil {
			for _, a := range f.RecordAttrs(index) {
				fields = append(fields, zap.String(a.Key, a.Value))
			}
		}
		in.Logger.Error("Skipping a CloudTrail record that cannot be decoded; the rest of the file is read", fields...)
		in.Telemetry.RecordFailed(ctx, reason)
	}
	fr.Admit = func(index int64, r *cloudtrail.Record) bool {
		if id := r.EventID(); !in.Dedup.Reserve(id) {
			in.Logger.Debug("Dropping a duplicate CloudTrail record", zap.String("file", f.Name),
				zap.Int64("record_index", index), zap.String("event_id", id))
			in.Telemetry.Duplicates(ctx, 1)
			return false
		}
		admitted = r.EventID()
		return true
	}
	flattened := false
	fr.OnFlattened = func(index int64) {
		in.Telemetry.Flattened(ctx)
		if !flattened && index >= reported {
			flattened = true // once per file: a hostile file may hold millions
			in.Logger.Warn("CloudTrail record nests deeper than a log record can; its deepest parts are delivered as JSON text",
				zap.String("file", f.Name), zap.Int64("record_index", index), zap.Int("max_depth", cloudtrail.MaxBodyDepth))
		}
	}
	fr.OnAppend = func(_ int64, _ *cloudtrail.Record, lr plog.LogRecord) {
		admitted = ""
		attrs := lr.Attributes()
		for _, a := range f.Attrs {
			attrs.PutStr(a.Key, a.Value)
		}
	}

	if start > 0 {
		if err := fr.Skip(start); err != nil {
			return in.broken(ctx, f, key, cp, err)
		}
	}
	p := in.batchFor(f)
	if len(p.files) == 0 && p.batch.Len() == 0 {
		p.since = in.now()
	}
	cur := &pendingFile{f: f, key: key, from: cp.Records, cp: *cp}
	p.files = append(p.files, cur)
	last := fr.Stats()
	for {
		if ctx.Err() != nil {
			return Stop // shutting down; the checkpoint is at the last accepted batch
		}
		err := fr.ReadBatch(p.batch, in.BatchSize)
		st := fr.Stats()
		in.Telemetry.RecordsOf(ctx, st.Records-last.Records, st.Selected-last.Selected, st.Skipped-last.Skipped)
		last = st
		cur.cp.Records = st.Records
		switch {
		case err == nil:
			// The batch is full: deliver it while reading on.
			if !in.flushAsync(ctx) {
				return Stop
			}
			p.since = in.now()
			cur.from = cur.cp.Records
			p.files = append(p.files, cur)
		case errors.Is(err, io.EOF):
			// Settled when the batch holding its last records is accepted.
			cur.cp.Done, cur.finished, cur.st = true, true, st
			if p.due(in.BatchSize, in.now()) && !in.flushAsync(ctx) {
				return stopSettled
			}
			return deferred
		default:
			// Deliver the records before the fault before saying where it is.
			if !in.flush(ctx) {
				return Stop
			}
			*cp = cur.cp
			return in.broken(ctx, f, key, cp, err)
		}
	}
}

// broken handles a file that cannot be read past some point. Everything
// before it was delivered. If the file may still be being written it is
// retried from its checkpoint at the next poll; otherwise it is logged,
// counted and marked done with its error.
func (in *Ingester) broken(ctx context.Context, f *object, key string, cp *checkpoint.Checkpoint, err error) Outcome {
	index, offset := cp.Records, int64(0)
	var fe *cloudtrail.FileError
	if errors.As(err, &fe) {
		index, offset = fe.Index, fe.Offset
		if fe.Err != nil {
			err = fe.Err
		}
	}
	var se *source.Error
	if errors.As(err, &se) && se.Retry {
		// The source could not deliver the bytes (not a fault in them).
		in.sourceProblem(err)
		in.Logger.Warn("Reading CloudTrail file failed; reading on from here at the next poll",
			zap.String("file", f.Name), zap.Int64("record_index", index), zap.Error(err))
		in.saveCheckpoint(ctx, f, key, cp)
		return Later
	}
	reason := fileErrorReason(err)
	if f.Content.Changed(ctx) || in.recent(f) {
		in.Logger.Info("CloudTrail file ends early, probably because it is still being written; reading on from here at the next poll",
			zap.String("file", f.Name), zap.Int64("record_index", index), zap.Int64("byte_offset", offset), zap.Error(err))
		in.saveCheckpoint(ctx, f, key, cp)
		return Later
	}
	in.Logger.Error("CloudTrail file is broken; records before the fault were delivered, the rest of the file cannot be read",
		zap.String("file", f.Name), zap.Int64("record_index", index), zap.Int64("byte_offset", offset),
		zap.String("reason", reason), zap.Error(err))
	in.Telemetry.File(ctx, telemetry.ResultError)
	in.Telemetry.FileError(ctx, reason)
	f.failure = reason
	cp.Done = true
	cp.Error = err.Error()
	in.saveCheckpoint(ctx, f, key, cp)
	in.reported.delete(key)
	return Done
}

func (in *Ingester) saveCheckpoint(ctx context.Context, f *object, key string, cp *checkpoint.Checkpoint) {
	if err := in.Checkpoints.Set(ctx, key, cp); err != nil {
		// The data was delivered; only a restart would deliver it again.
		in.Logger.Error("Cannot save the checkpoint of a CloudTrail file; after a restart its records may be delivered again",
			zap.String("file", f.Name), zap.Int64("record_index", cp.Records), zap.Error(err))
		return
	}
	if cp.Done && in.Retention != nil {
		in.Retention.Finished(key)
	}
}

func (in *Ingester) sourceProblem(err error) {
	if in.SourceProblem != nil {
		in.SourceProblem(err)
	}
}
