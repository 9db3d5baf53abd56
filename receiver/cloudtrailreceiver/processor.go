package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// digestPathMarker marks CloudTrail digest files, which are skipped unopened.
const digestPathMarker = "CloudTrail-Digest"

// obsReportFormat is the format reported to receiverhelper.ObsReport.
const obsReportFormat = "cloudtrail"

// outcome is what became of one file in one poll.
type outcome uint8

const (
	// outcomeDone: the file is finished; look at it again only if it changes.
	outcomeDone outcome = iota
	// outcomeLater: look at the file again at the next poll.
	outcomeLater
	// outcomeStop: stop this poll (shutdown, storage failure, or a next
	// consumer that keeps failing); the file is looked at again next poll.
	outcomeStop
)

// deliveryResult is what became of one batch.
type deliveryResult uint8

const (
	delivered   deliveryResult = iota // accepted, or dropped on a permanent error
	notAccepted                       // retries exhausted or disabled: try again next poll
	stopped                           // the receiver is shutting down
)

// processor is the file-processing core shared by every source: it reads a
// file from its checkpoint, sends its selected records downstream in batches,
// retries, de-duplicates, advances the checkpoint after each accepted batch,
// and reports bad input.
type processor struct {
	logger    *zap.Logger
	next      consumer.Logs
	obsrecv   *receiverhelper.ObsReport
	tel       *telemetry
	cps       *checkpoints
	dedup     *dedup
	sel       *cloudtrail.Selector
	decOpts   cloudtrail.DecoderOptions
	mapOpts   cloudtrail.MapOptions
	batchSize int
	retry     configretry.BackOffConfig
	// copyOnRetry: the next consumer may modify what it is given, so each
	// attempt gets a copy and the original is kept for a retry.
	copyOnRetry bool
	now         func() time.Time

	// reported holds, per file key, the index below which record errors
	// were already logged, so a batch read again after a failed delivery
	// does not log them twice.
	reported *reportMarks
	// workers is the number of files processed at once (1 when 0).
	workers int
	// retention forgets the checkpoints of files finished long ago; nil
	// keeps them for ever.
	retention *checkpointRetention
	// progress logs what the polls did; status reports the component
	// status from the failures of the source they met.
	progress *progress
	status   *sourceStatus
	// listFailures bounds the logs of a source that cannot be listed.
	listFailures listFailures
}

// pollOnce processes the files the source offers, in order, or with up to
// p.workers files in flight when it is above 1 (the source must then be safe
// for concurrent use).
func (p *processor) pollOnce(ctx context.Context, src source) {
	files, err := src.poll(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.listFailures.failed(p.logger, p.now(), err)
			p.status.pollDone(src, err)
		}
		return
	}
	p.listFailures.ok(p.logger, p.now())
	var processed atomic.Int64
	fileDone := func() {
		p.progress.fileDone(len(files)-int(processed.Add(1)), hasBacklog(src))
	}
	complete := true
	if p.workers > 1 {
		complete = p.processConcurrently(ctx, src, files, fileDone)
	} else {
		for _, f := range files {
			if ctx.Err() != nil || !p.processAndSettle(ctx, src, f) {
				complete = false
				break
			}
			fileDone()
		}
	}
	if p.retention != nil {
		// Also after a poll cut short by a shutdown (flush does not take
		// the cancellation), so that the files it finished are recorded.
		p.retention.flush(ctx)
		if complete && ctx.Err() == nil {
			// Every offered file was looked at, so the source knows them all.
			p.retention.prune(ctx, src)
		}
	}
	if ctx.Err() == nil {
		p.progress.pollDone(len(files)-int(processed.Load()), hasBacklog(src))
		p.status.pollDone(src, nil)
	}
}

// hasBacklog reports whether the source said it holds more than it offered.
func hasBacklog(src source) bool {
	b, ok := src.(backlogSource)
	return ok && b.backlog()
}

// processAndSettle processes one file and tells the source what became of
// it. It reports false when the poll must stop (outcomeStop).
func (p *processor) processAndSettle(ctx context.Context, src source, f *file) bool {
	outcome := p.processFile(ctx, src, f)
	src.settle(f, outcome == outcomeDone)
	return outcome != outcomeStop
}

// processConcurrently processes files with up to p.workers in flight, each
// worker with its own de-duplication batch state. Files are started in
// order; after an outcomeStop no further file is started. It reports
// whether every file was processed.
func (p *processor) processConcurrently(ctx context.Context, src source, files []*file, fileDone func()) bool {
	var (
		wg      sync.WaitGroup
		stopped atomic.Bool
	)
	sem := make(chan struct{}, p.workers)
	for _, f := range files {
		if ctx.Err() != nil || stopped.Load() {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		// A slot taken just before stopping is simply never given back:
		// nothing else waits for it.
		if ctx.Err() != nil || stopped.Load() {
			break
		}
		w := *p
		w.dedup = p.dedup.fork()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if !w.processAndSettle(ctx, src, f) {
				stopped.Store(true)
				return
			}
			fileDone()
		}()
	}
	wg.Wait()
	return ctx.Err() == nil && !stopped.Load()
}

// completeSource is implemented by sources whose files are complete as soon
// as they are listed (S3 objects are written atomically), so that a recent
// file that cannot be read is not mistaken for one still being written.
type completeSource interface {
	complete() bool
}

// recent reports whether a file modified at t may still be being written.
func (p *processor) recent(src source, t time.Time) bool {
	if c, ok := src.(completeSource); ok && c.complete() {
		return false
	}
	return p.now().Sub(t) < 2*src.interval()
}

func (p *processor) processFile(ctx context.Context, src source, f *file) outcome {
	f.failure = ""
	if strings.Contains(f.path, digestPathMarker) {
		p.logger.Debug("Skipping CloudTrail digest file", zap.String("file", f.path))
		p.tel.file(ctx, resultDigest)
		return outcomeDone
	}
	if f.size == 0 {
		// No content, so no identity to checkpoint under: remembered by
		// the source until the file changes (and once more after a restart).
		if p.recent(src, f.modTime) {
			return outcomeLater // probably just created
		}
		p.logger.Error("CloudTrail file is empty; no records read",
			zap.String("file", f.path), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
			zap.String("reason", fileReasonEmpty))
		p.tel.file(ctx, resultError)
		p.tel.fileError(ctx, fileReasonEmpty)
		f.failure = fileReasonEmpty
		return outcomeDone
	}

	key, cp, o, ok := p.lookup(ctx, src, f)
	if !ok {
		return o
	}
	var start int64
	if cp != nil {
		if cp.Done {
			if cp.Size == f.size {
				if cp.Path != f.path {
					p.logger.Info("CloudTrail file was already processed under another name; skipping it",
						zap.String("file", f.path), zap.String("previous_path", cp.Path))
					cp.Path, cp.ModTime = f.path, f.modTime
					p.saveCheckpoint(ctx, f, key, cp)
				} else {
					p.logger.Debug("CloudTrail file already processed; skipping it", zap.String("file", f.path))
				}
				p.tel.file(ctx, resultSkipped)
				if cp.Error != "" {
					f.failure = cp.Error // it ended in an error when it was read
				}
				return outcomeDone
			}
			p.logger.Info("CloudTrail file changed size since it was processed; resuming after the records already read",
				zap.String("file", f.path), zap.Int64("previous_size", cp.Size), zap.Int64("size", f.size),
				zap.Int64("record_index", cp.Records))
		}
		start = cp.Records
	}
	return p.read(ctx, src, f, key, start)
}

// lookup finds the identity and the checkpoint of a file. ok is false when
// the file cannot be processed now; o then says what became of it.
func (p *processor) lookup(ctx context.Context, src source, f *file) (key string, cp *checkpoint, o outcome, ok bool) {
	key, prevKey, err := src.identify(ctx, f)
	if err != nil {
		return "", nil, p.unreadable(ctx, src, f, err), false
	}
	cp, err = p.cps.get(ctx, key)
	if err != nil {
		p.logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.path), zap.Error(err))
		return "", nil, outcomeStop, false
	}
	if cp == nil && prevKey != "" {
		// The file grew past the bytes its identity was computed over.
		if cp, err = p.cps.get(ctx, prevKey); err != nil {
			p.logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.path), zap.Error(err))
			return "", nil, outcomeStop, false
		}
		if cp != nil {
			if err := p.cps.set(ctx, key, cp); err == nil {
				_ = p.cps.delete(ctx, prevKey)
				if cp.Done && p.retention != nil {
					p.retention.finished(key) // the record names prevKey
				}
			}
			p.reported.rename(prevKey, key)
		}
	}
	if cp != nil && cp.Tail != "" {
		// Same first bytes; check it is the same file (or that file grown).
		same := f.size >= cp.Size
		if same {
			tail, err := src.fingerprintAt(ctx, f, cp.Size)
			if err != nil {
				return "", nil, p.unreadable(ctx, src, f, err), false
			}
			same = tail == cp.Tail
		}
		if !same {
			tail, err := src.fingerprintAt(ctx, f, f.size)
			if err != nil {
				return "", nil, p.unreadable(ctx, src, f, err), false
			}
			p.logger.Warn("CloudTrail file starts with the same bytes as a file already read but differs from it; reading it as a separate file",
				zap.String("file", f.path), zap.String("other_path", cp.Path))
			key += "." + tail
			if cp, err = p.cps.get(ctx, key); err != nil {
				p.logger.Error("Cannot read the checkpoint of a CloudTrail file; retrying at the next poll", zap.String("file", f.path), zap.Error(err))
				return "", nil, outcomeStop, false
			}
		}
	}
	return key, cp, outcomeDone, true
}

// unreadable handles a file that cannot be opened or read at all.
func (p *processor) unreadable(ctx context.Context, src source, f *file, err error) outcome {
	if errors.Is(err, fs.ErrNotExist) {
		return outcomeLater // vanished since the listing (renamed or removed)
	}
	var se *sourceError
	if errors.As(err, &se) {
		f.failure = se.reason
		p.tel.file(ctx, resultError)
		p.tel.fileError(ctx, se.reason)
		if se.retry {
			p.status.fileProblem(err)
			p.logger.Error("Cannot read CloudTrail file; it will be tried again",
				zap.String("file", f.path), zap.String("reason", se.reason), zap.Error(err))
			return outcomeLater
		}
		p.logger.Error("Cannot read CloudTrail file; it is skipped",
			zap.String("file", f.path), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
			zap.String("reason", se.reason), zap.Error(err))
		return outcomeDone
	}
	if p.recent(src, f.modTime) {
		p.logger.Info("Cannot read CloudTrail file yet; retrying at the next poll", zap.String("file", f.path), zap.Error(err))
		return outcomeLater
	}
	p.logger.Error("Cannot read CloudTrail file; it is read again when it changes or after a restart",
		zap.String("file", f.path), zap.Int64("record_index", 0), zap.Int64("byte_offset", 0),
		zap.String("reason", fileReasonRead), zap.Error(err))
	p.tel.file(ctx, resultError)
	p.tel.fileError(ctx, fileReasonRead)
	f.failure = fileReasonRead
	return outcomeDone
}

// read reads the file from record start to its end (or its break).
func (p *processor) read(ctx context.Context, src source, f *file, key string, start int64) outcome {
	rc, err := src.open(ctx, f)
	if err != nil {
		return p.unreadable(ctx, src, f, err)
	}
	defer rc.Close()

	tail, err := src.fingerprintAt(ctx, f, f.size)
	if err != nil {
		return p.unreadable(ctx, src, f, err)
	}
	cp := &checkpoint{Records: start, Size: f.size, ModTime: f.modTime, Path: f.path, Tail: tail}
	fr, err := cloudtrail.NewFileReader(rc, p.sel, p.decOpts)
	if err != nil {
		// The gzip header (or the first bytes) could not be read.
		return p.broken(ctx, src, f, key, cp, &cloudtrail.FileError{Err: err})
	}
	defer fr.Close()

	reported := p.reported.get(key)
	// admitted is the eventID reserved for the record being mapped: Append
	// may still reject it (bad eventTime), and then the reservation is
	// released here, since OnRecordError hears of that failure at once.
	var admitted string
	fr.OnRecordError = func(index int64, err error) {
		if admitted != "" {
			p.dedup.release(admitted)
			admitted = ""
		}
		if index < reported {
			return // logged and counted when this part of the file was first read
		}
		reported = index + 1
		p.reported.set(key, reported)
		reason := cloudtrail.RecordErrorReason(err)
		p.logger.Error("Skipping a CloudTrail record that cannot be decoded; the rest of the file is read",
			zap.String("file", f.path), zap.Int64("record_index", index), zap.String("reason", reason), zap.Error(err))
		p.tel.recordFailed(ctx, reason)
	}
	fr.Admit = func(index int64, r *cloudtrail.Record) bool {
		if id := r.EventID(); !p.dedup.reserve(id) {
			p.logger.Debug("Dropping a duplicate CloudTrail record", zap.String("file", f.path),
				zap.Int64("record_index", index), zap.String("event_id", id))
			p.tel.add(ctx, p.tel.recordsDuplicate, 1)
			return false
		}
		admitted = r.EventID()
		return true
	}
	fr.OnAppend = func(_ int64, _ *cloudtrail.Record, lr plog.LogRecord) {
		admitted = ""
		attrs := lr.Attributes()
		for _, a := range f.attrs {
			attrs.PutStr(a.key, a.value)
		}
	}

	if start > 0 {
		if err := fr.Skip(start); err != nil {
			return p.broken(ctx, src, f, key, cp, err)
		}
	}
	opts := p.mapOpts
	opts.ExtraAttributes = len(f.attrs)
	batch := cloudtrail.NewBatch(opts)
	last := fr.Stats()
	for {
		if ctx.Err() != nil {
			return outcomeStop // shutting down; the checkpoint is at the last accepted batch
		}
		err := fr.ReadBatch(batch, p.batchSize)
		st := fr.Stats()
		p.tel.recordsOf(ctx, st.Records-last.Records, st.Selected-last.Selected, st.Skipped-last.Skipped)
		last = st
		if batch.Len() > 0 {
			switch p.deliver(ctx, f, batch, cp.Records, st.Records) {
			case delivered:
			case notAccepted, stopped:
				return outcomeStop
			}
		}
		cp.Records = st.Records
		switch {
		case err == nil:
			p.saveCheckpoint(ctx, f, key, cp)
		case errors.Is(err, io.EOF):
			cp.Done = true
			p.saveCheckpoint(ctx, f, key, cp)
			p.reported.delete(key)
			if st.Format == cloudtrail.FormatDigest {
				p.logger.Debug("Skipping CloudTrail digest file", zap.String("file", f.path))
				p.tel.file(ctx, resultDigest)
			} else {
				p.logger.Debug("CloudTrail file processed", zap.String("file", f.path),
					zap.Int64("records", st.Records), zap.Int64("selected", st.Selected), zap.Int64("failed", st.Failed), zap.Int64("skipped", st.Skipped))
				p.tel.file(ctx, resultOK)
			}
			return outcomeDone
		default:
			return p.broken(ctx, src, f, key, cp, err)
		}
	}
}

// broken handles a file that cannot be read past some point. Everything
// before it was delivered. If the file may still be being written it is
// retried from its checkpoint at the next poll; otherwise it is logged,
// counted and marked done with its error.
func (p *processor) broken(ctx context.Context, src source, f *file, key string, cp *checkpoint, err error) outcome {
	index, offset := cp.Records, int64(0)
	var fe *cloudtrail.FileError
	if errors.As(err, &fe) {
		index, offset = fe.Index, fe.Offset
		if fe.Err != nil {
			err = fe.Err
		}
	}
	var se *sourceError
	if errors.As(err, &se) && se.retry {
		// The source could not deliver the bytes (not a fault in them).
		p.status.fileProblem(err)
		p.logger.Warn("Reading CloudTrail file failed; reading on from here at the next poll",
			zap.String("file", f.path), zap.Int64("record_index", index), zap.Error(err))
		p.saveCheckpoint(ctx, f, key, cp)
		return outcomeLater
	}
	reason := fileErrorReason(err)
	size, mod, serr := src.stat(ctx, f)
	changed := serr == nil && (size != f.size || !mod.Equal(f.modTime))
	if changed || p.recent(src, f.modTime) {
		p.logger.Info("CloudTrail file ends early, probably because it is still being written; reading on from here at the next poll",
			zap.String("file", f.path), zap.Int64("record_index", index), zap.Int64("byte_offset", offset), zap.Error(err))
		p.saveCheckpoint(ctx, f, key, cp)
		return outcomeLater
	}
	p.logger.Error("CloudTrail file is broken; records before the fault were delivered, the rest of the file cannot be read",
		zap.String("file", f.path), zap.Int64("record_index", index), zap.Int64("byte_offset", offset),
		zap.String("reason", reason), zap.Error(err))
	p.tel.file(ctx, resultError)
	p.tel.fileError(ctx, reason)
	f.failure = reason
	cp.Done = true
	cp.Error = err.Error()
	p.saveCheckpoint(ctx, f, key, cp)
	p.reported.delete(key)
	return outcomeDone
}

func (p *processor) saveCheckpoint(ctx context.Context, f *file, key string, cp *checkpoint) {
	if err := p.cps.set(ctx, key, cp); err != nil {
		// The data was delivered; only a restart would deliver it again.
		p.logger.Error("Cannot save the checkpoint of a CloudTrail file; after a restart its records may be delivered again",
			zap.String("file", f.path), zap.Int64("record_index", cp.Records), zap.Error(err))
		return
	}
	if cp.Done && p.retention != nil {
		p.retention.finished(key)
	}
}

// deliver sends the batch (records [from, to) of the file) to the next
// consumer, retrying retryable errors with backoff.
func (p *processor) deliver(ctx context.Context, f *file, batch *cloudtrail.Batch, from, to int64) deliveryResult {
	logs := batch.Take()
	n := logs.LogRecordCount()
	bo := newBackoff(p.retry, p.now)
	for {
		send := logs
		if p.copyOnRetry && p.retry.Enabled {
			send = plog.NewLogs()
			logs.CopyTo(send)
		}
		opCtx := p.obsrecv.StartLogsOp(ctx)
		err := p.next.ConsumeLogs(opCtx, send)
		p.obsrecv.EndLogsOp(opCtx, obsReportFormat, n, err)
		if err == nil {
			p.dedup.commit()
			return delivered
		}
		if consumererror.IsPermanent(err) {
			p.logger.Error("Next consumer rejected CloudTrail records with a permanent error; they are dropped",
				zap.String("file", f.path), zap.Int64("first_record_index", from), zap.Int64("last_record_index", to-1),
				zap.Int("log_records", n), zap.Error(err))
			p.tel.add(ctx, p.tel.recordsDropped, int64(n))
			p.dedup.commit()
			return delivered
		}
		if ctx.Err() != nil {
			p.dedup.abort()
			return stopped
		}
		wait, ok := bo.next()
		if !ok {
			p.logger.Error("Next consumer keeps failing; the file will be read again from this batch at the next poll",
				zap.String("file", f.path), zap.Int64("first_record_index", from), zap.Int64("last_record_index", to-1),
				zap.Int("log_records", n), zap.Error(err))
			p.dedup.abort()
			return notAccepted
		}
		p.logger.Warn("Next consumer failed; retrying the batch",
			zap.String("file", f.path), zap.Int64("first_record_index", from), zap.Int64("last_record_index", to-1),
			zap.Duration("wait", wait), zap.Error(err))
		p.tel.add(ctx, p.tel.consumeRetries, 1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.dedup.abort()
			return stopped
		case <-t.C:
		}
	}
}

// fileErrorReason is the reason attribute of a file that broke.
func fileErrorReason(err error) string {
	switch {
	case errors.Is(err, cloudtrail.ErrEmpty):
		return fileReasonEmpty
	case errors.Is(err, cloudtrail.ErrNotCloudTrail):
		return fileReasonNotCloudTrail
	case errors.Is(err, cloudtrail.ErrTruncated), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fileReasonTruncated
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return fileReasonGzip
	case errors.Is(err, cloudtrail.ErrDecompress):
		return fileReasonCompression
	case errors.Is(err, cloudtrail.ErrUnsupportedCompression):
		return fileReasonUnsupported
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return fileReasonGzip
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fileReasonRead
	}
	return fileReasonInvalidJSON
}

// reportMarks holds, per file key, the index below which record errors were
// already logged. Workers share it.
type reportMarks struct {
	mu sync.Mutex
	m  map[string]int64
}

func newReportMarks() *reportMarks { return &reportMarks{m: make(map[string]int64)} }

func (r *reportMarks) get(key string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[key]
}

func (r *reportMarks) set(key string, v int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[key] = v
}

func (r *reportMarks) delete(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, key)
}

func (r *reportMarks) rename(from, to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.m[from]; ok {
		r.m[to] = v
		delete(r.m, from)
	}
}
