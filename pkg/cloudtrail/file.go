// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"errors"
	"io"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// FileStats summarises one pass over a file.
type FileStats struct {
	Format   Format
	Records  int64 // records seen (selected or not), i.e. the next index to read
	Selected int64 // records mapped into the batch
	Failed   int64 // records skipped because of an error
	// Skipped counts values that hold no record and were passed over
	// (Decoder.Skipped): CloudWatch control messages, EventBridge events
	// not from CloudTrail. They are among Records, never Selected.
	Skipped int64
}

// FileReader reads the selected records of one file into a Batch.
//
// It is the whole CloudTrail pipeline minus transport: gzip detection,
// envelope, byte pre-filter, parse, selection and mapping. The receiver drives
// it in steps (ReadBatch) so it can checkpoint between batches; benchmarks and
// tests drive it to the end.
type FileReader struct {
	dec      *Decoder
	sel      *Selector
	rec      Record
	stats    FileStats
	observed func() time.Time
	// OnRecordError is told about each record skipped because of an error,
	// with the record's index. A malformed record that the byte pre-filter
	// already rules out (it cannot contain a wanted eventSource) is skipped as
	// unselected without being parsed, so it is not reported here.
	OnRecordError func(index int64, err error)
	// Admit, if set, gets the last word on a selected record before it is
	// mapped (Append may still reject it, e.g. for a bad eventTime, which is
	// then reported to OnRecordError and OnAppend is not called) (the receiver uses it to drop repeated eventIDs, which it
	// counts). Returning false drops the record.
	Admit func(index int64, r *Record) bool
	// OnAppend, if set, is called with each new log record, so the caller
	// can add attributes of the source (file path, object key).
	OnAppend func(index int64, r *Record, lr plog.LogRecord)
	// OnFlattened, if set, hears of each record appended whose body map
	// holds parts nested deeper than MaxBodyDepth, written as JSON text.
	OnFlattened func(index int64)
}

// NewFileReader starts reading r with the given selector (nil: Personalize).
func NewFileReader(r io.Reader, sel *Selector, opts DecoderOptions) (*FileReader, error) {
	dec, err := NewDecoder(r, opts)
	if err != nil {
		return nil, err
	}
	if sel == nil {
		sel = DefaultSelector()
	}
	return &FileReader{dec: dec, sel: sel, observed: time.Now}, nil
}

// Close releases the decoder.
func (f *FileReader) Close() error { return f.dec.Close() }

// Stats reports progress so far.
func (f *FileReader) Stats() FileStats {
	s := f.stats
	s.Format = f.dec.Format()
	s.Skipped = f.dec.Skipped()
	// Every value the decoder passed, returned or not (a record error, a
	// trailing control message), is read.
	s.Records = f.dec.index
	return s
}

// ReadRest reads the rest of the decompressed file into
// DecoderOptions.Hash (see Decoder.ReadRest).
func (f *FileReader) ReadRest() error { return f.dec.ReadRest() }

// Offset is the number of decompressed bytes read so far.
func (f *FileReader) Offset() int64 { return f.dec.Offset() }

// Skip passes over the next n records without parsing them. It stops early
// at the end of the file (or a file error, which it returns).
func (f *FileReader) Skip(n int64) error {
	for f.dec.index < n {
		if _, err := f.dec.Next(); err != nil {
			var re *RecordError
			if errors.As(err, &re) {
				continue
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}

// ReadBatch maps selected records into b until b holds max records or the
// file ends. It returns io.EOF (possibly with records in b) at the end of the
// file, and a *FileError when the file breaks; records mapped before the
// break are in b. Errors confined to one record go to OnRecordError.
func (f *FileReader) ReadBatch(b *Batch, max int) error {
	for b.Len() < max {
		raw, err := f.dec.Next()
		if err != nil {
			var re *RecordError
			if errors.As(err, &re) {
				f.recordError(re.Index, re.Err)
				continue
			}
			return err
		}
		if !f.sel.MayMatch(raw.Data) {
			continue
		}
		if err := f.rec.Parse(raw.Data); err != nil {
			f.recordError(raw.Index, err)
			continue
		}
		if !f.sel.Match(&f.rec) {
			continue
		}
		if f.Admit != nil && !f.Admit(raw.Index, &f.rec) {
			continue
		}
		lr, err := b.Append(&f.rec, f.observed())
		if err != nil {
			f.recordError(raw.Index, err)
			continue
		}
		f.stats.Selected++
		if f.OnAppend != nil {
			f.OnAppend(raw.Index, &f.rec, lr)
		}
		if b.flattened && f.OnFlattened != nil {
			f.OnFlattened(raw.Index)
		}
	}
	return nil
}

func (f *FileReader) recordError(index int64, err error) {
	f.stats.Failed++
	if f.OnRecordError != nil {
		f.OnRecordError(index, err)
	}
}
