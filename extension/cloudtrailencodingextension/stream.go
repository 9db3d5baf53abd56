// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension // import "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension"

import (
	"context"
	"errors"
	"io"
	"math"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// logsDecoder is one stream being read: cloudtrail.FileReader does the work,
// this cuts its output into batches of the flush sizes.
type logsDecoder struct {
	fr         *cloudtrail.FileReader
	batch      *cloudtrail.Batch
	flushItems int
	flushBytes int64
	offset     int64
	// err is the end of the stream (io.EOF or a payload error), kept for
	// the DecodeLogs call after the batch that reached it, so that the
	// records before a break are delivered before the error is.
	err error
}

var _ encoding.LogsDecoder = (*logsDecoder)(nil)

func (e *cloudtrailExtension) newLogsDecoder(ctx context.Context, r io.Reader, opts encoding.DecoderOptions) (*logsDecoder, error) {
	fr, err := cloudtrail.NewFileReader(r, e.sel, e.decOpts)
	if err != nil {
		return nil, payloadError(err)
	}
	fr.OnRecordError = func(index int64, err error) { e.recordFailed(ctx, index, err) }
	d := &logsDecoder{
		fr:         fr,
		batch:      cloudtrail.NewBatch(e.mapOpts),
		flushItems: int(opts.FlushItems),
		flushBytes: opts.FlushBytes,
		offset:     opts.Offset,
	}
	if d.flushItems <= 0 {
		d.flushItems = math.MaxInt
	}
	if opts.Offset > 0 {
		// Records before the offset were delivered: they are passed over
		// unparsed, and their faults are not reported again.
		if err := fr.Skip(opts.Offset); err != nil {
			fr.Close()
			return nil, payloadError(err)
		}
	}
	return d, nil
}

// DecodeLogs returns the next batch: the last one with a nil error, then
// io.EOF. A stream that breaks (truncated, corrupt gzip, not CloudTrail)
// returns the records before the break first, then the error.
func (d *logsDecoder) DecodeLogs() (plog.Logs, error) {
	if d.err != nil {
		return plog.NewLogs(), d.err
	}
	logs, err := d.read()
	if logs.LogRecordCount() > 0 {
		return logs, nil // an end reached while filling it is in d.err
	}
	return plog.NewLogs(), err // never nil: a batch ends early only at the end
}

// Offset is the index of the next record to read: WithOffset(Offset())
// resumes after the last batch returned.
func (d *logsDecoder) Offset() int64 { return d.offset }

// read fills one batch. It returns the batch's records and, when the stream
// ended while filling it, the end (io.EOF or the payload error), which is
// also kept for the next call.
func (d *logsDecoder) read() (plog.Logs, error) {
	start := d.fr.Offset()
	var err error
	for d.batch.Len() < d.flushItems && err == nil {
		want := d.flushItems
		if d.flushBytes > 0 {
			// One selected record at a time, to look at the bytes read
			// between them.
			want = d.batch.Len() + 1
		}
		err = d.fr.ReadBatch(d.batch, want)
		if d.flushBytes > 0 && d.fr.Offset()-start >= d.flushBytes {
			break
		}
	}
	d.offset = d.fr.Stats().Records
	if err != nil {
		d.fr.Close()
		if !errors.Is(err, io.EOF) {
			err = payloadError(err)
		}
		d.err = err
	}
	return d.batch.Take(), err
}
