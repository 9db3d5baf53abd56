// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// DefaultMaxRecordSize bounds the memory one record may take.
const DefaultMaxRecordSize = 8 << 20

// defaultBufferSize is the scanner's first read buffer without
// DecoderOptions.BufferSize.
const defaultBufferSize = 256 << 10

// Errors a decoder reports. Use errors.Is on the error Next returns.
var (
	// ErrEmpty: the file has no bytes (or only whitespace).
	ErrEmpty = errors.New("empty file")
	// ErrNotCloudTrail: the file is JSON but holds neither Records, a
	// CloudWatch Logs envelope nor a digest.
	ErrNotCloudTrail = errors.New("JSON is not a CloudTrail file (no Records, logEvents or digest fields)")
	// ErrTruncated: the input ended inside the envelope or a record.
	ErrTruncated = errors.New("file ends in the middle of the JSON")
	// ErrRecordTooLarge: one record exceeded the maximum record size; it was skipped.
	ErrRecordTooLarge = errors.New("record exceeds max_record_size")
	// ErrUnsupportedCompression: the file is compressed in a format the
	// decoder does not read (zip, bzip2, xz).
	ErrUnsupportedCompression = errors.New("compressed in a format that is not read")
	// ErrDecompress: a zstd or snappy stream is corrupt. (gzip faults keep
	// the gzip package's errors: gzip.ErrChecksum, flate.CorruptInputError.)
	ErrDecompress = errors.New("corrupt compressed data")
)

// RecordError is a failure confined to one record. The decoder has skipped
// the record and Next can be called again.
type RecordError struct {
	Index int64 // position of the record in the file, from 0
	Err   error
}

func (e *RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }
func (e *RecordError) Unwrap() error { return e.Err }

// FileError ends the decoding of a file. Records returned before it are good.
type FileError struct {
	Index  int64 // index of the record being read when the file broke
	Offset int64 // byte offset in the (decompressed) stream
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("at record %d (byte %d): %v", e.Index, e.Offset, e.Err)
}
func (e *FileError) Unwrap() error { return e.Err }

// Raw is one undecoded record.
type Raw struct {
	// Index is the record's position in the file, from 0. It is what
	// checkpoints count, so it includes records the selector drops.
	Index int64
	// Data holds the record's JSON; valid until the next call to Next.
	Data []byte
}

// DecoderOptions tune a Decoder. The zero value is usable.
type DecoderOptions struct {
	// MaxRecordSize is the largest record kept, in bytes (default 8 MiB).
	// Larger records are skipped with a RecordError wrapping ErrRecordTooLarge.
	MaxRecordSize int
	// BufferSize is the initial read buffer (default 256 KiB).
	BufferSize int
	// Hash, when set, is written every decompressed byte as the decoder
	// reads it (digest validation hashes log files this way, in the one
	// pass that decodes them). Decoder.ReadRest feeds it what the decoder
	// did not read.
	Hash io.Writer
}

// Decoder reads the records of one CloudTrail file as a stream.
//
// It accepts plain JSON, gzip, zstd or Snappy (told apart by magic bytes,
// never by a file name or header), the {"Records":[...]} envelope, a bare array of
// records, the CloudWatch Logs subscription envelope, records as top-level
// objects (JSON Lines), EventBridge events wrapping records, LookupEvents
// output, and several of these concatenated back to back (as Firehose may
// write). Digest files are recognised and yield no records.
//
// Each top-level value is sniffed (value) and read by the reader of its
// envelope: records.go streams envelope objects and arrays, cloudwatch.go,
// lookupevents.go and eventbridge.go take records out of the events those
// hold, jsonlines.go reads records as top-level objects and cwexport.go the
// timestamps of a CloudWatch Logs export's lines.
type Decoder struct {
	sc *jsonscan.Scanner
	// closers are the decompressors, outermost first.
	closers   []io.Closer
	maxRecord int
	format    Format
	at        position
	layout    layout
	index     int64
	skipped   int64
	err       error
	env       envelope // the top-level object being streamed
	arr       array    // the array being streamed
	// ev is an event (or a top-level object) parsed to find the record it
	// holds; evBuf holds that record when it is not a span of the input.
	ev    jsonscan.Doc
	evBuf []byte
	// compression names the file's compression ("gzip", "gzip+gzip", ...), "" when plain.
	compression string
	// hashed is the decompressed stream teed into DecoderOptions.Hash, nil
	// without one.
	hashed io.Reader
}

// position is what the scanner stands before, which says which reader reads on.
type position uint8

const (
	atValue   position = iota // a top-level value, or the end: sniffed by value
	atMember                  // a member of a top-level envelope object (records.go)
	atElement                 // an element of an array (records.go)
	atEnd
)

// layout is how the file's top-level values have followed each other so far.
type layout uint8

const (
	layoutNone   layout = iota // no value yet
	layoutValues               // JSON values back to back: a fault ends the file
	layoutLines                // records or events as top-level objects (JSON Lines): a fault costs its line
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// NewDecoder returns a decoder over r. It reads the first bytes to detect
// the compression, and again after each decompression (see
// maxCompressionLayers).
func NewDecoder(r io.Reader, opts DecoderOptions) (*Decoder, error) {
	d := &Decoder{maxRecord: opts.MaxRecordSize}
	if d.maxRecord <= 0 {
		d.maxRecord = DefaultMaxRecordSize
	}
	src := r
	for layer := 0; ; layer++ {
		var comp *compression
		var err error
		if src, comp, err = d.sniff(src); err != nil {
			d.Close()
			return nil, err
		}
		if comp == nil {
			break
		}
		if layer == maxCompressionLayers {
			return nil, fmt.Errorf("%w: %s inside %s", ErrUnsupportedCompression, comp.name, d.compression)
		}
		if d.compression != "" {
			d.compression += "+"
		}
		d.compression += comp.name
		if src, err = d.decompress(comp, src); err != nil {
			d.Close()
			return nil, err
		}
	}
	if opts.Hash != nil {
		src = io.TeeReader(src, opts.Hash)
		d.hashed = src
	}
	size := opts.BufferSize
	if size <= 0 {
		size = defaultBufferSize
	}
	d.sc = jsonscan.NewScannerBuffer(src, getScanBuffer(size))
	return d, nil
}

// Skipped counts values that hold no record and were passed over: the
// logEvents of CloudWatch control messages, and EventBridge events that do
// not come from CloudTrail. They count as records read (their indexes are
// taken), never as selected.
func (d *Decoder) Skipped() int64 { return d.skipped }

// Offset is the number of decompressed bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.sc.Offset() }

// ReadRest reads the decompressed stream to its end past what the decoder
// read (after a fault, or bytes after the last value), so that
// DecoderOptions.Hash has been written all of it. Without Hash it does
// nothing.
func (d *Decoder) ReadRest() error {
	if d.hashed == nil {
		return nil
	}
	_, err := io.Copy(io.Discard, d.hashed)
	return err
}

// Close releases the decompressors and the read buffer (to be reused by
// later decoders: Raw.Data is invalid afterwards). It does not close the
// source.
func (d *Decoder) Close() error {
	if d.sc != nil && d.sc.BufferSize() > 0 {
		putScanBuffer(d.sc.Release())
	}
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	d.closers = nil
	return errors.Join(errs...)
}

func (d *Decoder) fail(err error) error {
	if rerr := d.sc.ReadErr(); rerr != nil && (errors.Is(err, jsonscan.ErrEOF) || errors.Is(err, ErrTruncated)) {
		err = rerr
	}
	if errors.Is(err, jsonscan.ErrEOF) {
		err = ErrTruncated
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w (truncated %s)", err, strings.TrimPrefix(d.compression+" stream?", " "))
	}
	d.err = &FileError{Index: d.index, Offset: d.sc.Offset(), Err: err}
	d.at = atEnd
	return d.err
}

// Next returns the next record. It returns io.EOF after the last record, a
// *RecordError for a record it skipped (call Next again), and a *FileError
// when the file cannot be read further (every later call returns it again).
func (d *Decoder) Next() (Raw, error) {
	for d.err == nil {
		var raw Raw
		var ok bool
		var err error
		switch d.at {
		case atValue:
			raw, ok, err = d.value()
		case atMember:
			err = d.member()
		case atElement:
			raw, ok, err = d.element()
		default:
			return Raw{}, io.EOF
		}
		if ok {
			return raw, nil
		}
		if err != nil {
			var re *RecordError
			if err == io.EOF || errors.As(err, &re) {
				return Raw{}, err
			}
			return Raw{}, d.fail(err)
		}
	}
	return Raw{}, d.err
}

// value sniffs the top-level value (the file, or the next concatenated one)
// and hands it to its reader: a CloudWatch Logs export line's timestamp
// (cwexport.go), an array or an envelope object (records.go), or an object
// that is a record or an event holding one (jsonlines.go).
func (d *Decoder) value() (Raw, bool, error) {
	c, ok := d.sc.Peek()
	if !ok {
		if err := d.sc.ReadErr(); err != nil {
			return Raw{}, false, err
		}
		if d.layout == layoutNone {
			if d.sc.Offset() == 0 {
				return Raw{}, false, ErrEmpty
			}
			return Raw{}, false, fmt.Errorf("%w: only whitespace", ErrEmpty)
		}
		d.at = atEnd
		return Raw{}, false, io.EOF
	}
	first := d.layout == layoutNone
	if first && c == utf8BOM[0] && bytes.HasPrefix(d.sc.Ahead(len(utf8BOM)), utf8BOM) {
		d.sc.Skip(len(utf8BOM))
		return Raw{}, false, nil
	}
	if first {
		d.layout = layoutValues
	}
	if c >= '0' && c <= '9' && (first || d.sc.Stamped()) {
		if done, err := d.exportStamp(); done {
			return Raw{}, false, err
		}
	}
	if d.sc.Stamped() && c != '{' {
		// Every message of a trail's log group is a record.
		return Raw{}, false, d.skipLine(fmt.Errorf("unexpected %q between records", c))
	}
	switch c {
	case '[':
		d.sc.Skip(1)
		d.openArray(arrayValues)
		return Raw{}, false, nil
	case '{':
		if isRecord, parsed := d.isRecordObject(); isRecord {
			d.layout = layoutLines
			return d.object(parsed)
		}
		return Raw{}, false, d.openEnvelope()
	}
	if !first && d.lineOriented() {
		return Raw{}, false, d.skipLine(fmt.Errorf("unexpected %q between records", c))
	}
	if !first {
		return Raw{}, false, fmt.Errorf("unexpected %q after the end of the JSON value", c)
	}
	return Raw{}, false, fmt.Errorf("file does not start with a JSON object or array (found %q)", c)
}
