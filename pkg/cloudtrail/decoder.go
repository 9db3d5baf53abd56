package cloudtrail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Format is the envelope a file turned out to have.
type Format uint8

const (
	// FormatUnknown: nothing has been read yet.
	FormatUnknown Format = iota
	// FormatRecords is the S3 delivery format, {"Records":[...]}.
	FormatRecords
	// FormatArray is a bare JSON array of records, as some exports hold.
	FormatArray
	// FormatCloudWatch is a CloudWatch Logs subscription payload whose
	// logEvents[].message strings each hold one record.
	FormatCloudWatch
	// FormatDigest is a CloudTrail digest file: it holds no records.
	FormatDigest
	// FormatObjects is records as top-level JSON objects, one after the
	// other: JSON Lines (Firehose with CloudWatch message extraction,
	// `jq -c '.Records[]'`, exports) or a file holding one record.
	FormatObjects
	// FormatEventBridge is EventBridge events ("AWS API Call via
	// CloudTrail" and the other "… via CloudTrail" detail types) whose
	// detail is a record, as an EventBridge rule → Firehose → S3 writes them.
	FormatEventBridge
	// FormatLookupEvents is the output of CloudTrail's LookupEvents API
	// (`aws cloudtrail lookup-events`): {"Events":[{"CloudTrailEvent":
	// "<record as a JSON string>", ...}]}.
	FormatLookupEvents
	// FormatCloudWatchExport is a CloudWatch Logs export to S3 of a trail's
	// log group: one log event per line, its timestamp, a space and the
	// message, a record ("2025-03-04T10:01:02.123Z {...}").
	FormatCloudWatchExport
)

func (f Format) String() string {
	switch f {
	case FormatRecords:
		return "records"
	case FormatArray:
		return "array"
	case FormatCloudWatch:
		return "cloudwatch"
	case FormatDigest:
		return "digest"
	case FormatObjects:
		return "objects"
	case FormatEventBridge:
		return "eventbridge"
	case FormatLookupEvents:
		return "lookup-events"
	case FormatCloudWatchExport:
		return "cloudwatch-export"
	}
	return "unknown"
}

// DefaultMaxRecordSize bounds the memory one record may take.
const DefaultMaxRecordSize = 8 << 20

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
}

type state uint8

const (
	stStart state = iota
	stTopObject
	stArray
	stObject // a top-level object that is itself a record (or wraps one)
	stDone
)

// Decoder reads the records of one CloudTrail file as a stream.
//
// It accepts plain JSON, gzip, zstd or Snappy (told apart by magic bytes,
// never by a file name or header), the {"Records":[...]} envelope, a bare array of
// records, the CloudWatch Logs subscription envelope, records as top-level
// objects (JSON Lines), EventBridge events wrapping records, LookupEvents
// output, and several of these concatenated back to back (as Firehose may
// write). Digest files are recognised and yield no records.
type Decoder struct {
	sc *scanner
	// closers are the decompressors, outermost first.
	closers    []io.Closer
	maxRecord  int
	format     Format
	st         state
	arrayKind  Format // what the array being read holds
	index      int64
	sawAny     bool
	digestKeys bool
	sawRecords bool // the top-level object had a Records, logEvents or Events array
	control    bool // CloudWatch CONTROL_MESSAGE: skip its logEvents
	err        error
	cw         Doc
	cwBuf      []byte
	skipped    int64
	needComma  bool // an element was read: ',' or ']' must follow
	objects    bool // a top-level object was read as a record or event
	peeked     bool // d.cw holds the top-level object stObject will read
	// compression names the file's compression ("gzip", "gzip+gzip", ...), "" when plain.
	compression string
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// compression is what a stream's first bytes say it is compressed with.
type compression struct {
	name  string
	magic []byte
	read  bool // the decoder reads it; otherwise ErrUnsupportedCompression
}

// compressions are told apart by magic bytes, never by a file name or a
// Content-Encoding. CloudTrail writes gzip; Firehose deliveries (EventBridge
// events, CloudWatch Logs) may also be Snappy (framing format) or ZIP, and
// archives of trails are sometimes recompressed. The unread ones are named in
// the error, rather than failing as "not JSON".
var compressions = []compression{
	{"gzip", []byte{0x1f, 0x8b}, true},
	{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}, true},
	{"snappy", []byte("\xff\x06\x00\x00sNaPpY"), true},
	{"s2", []byte("\xff\x06\x00\x00S2sTwO"), true},
	{"zip", []byte("PK\x03\x04"), false},
	{"bzip2", []byte("BZh"), false},
	{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, false},
}

// sniffLen is how many first bytes sniff looks at: the longest magic.
const sniffLen = 10

// compressionOf returns the compression whose magic head starts with, or
// nil for plain input.
func compressionOf(head []byte) *compression {
	for i := range compressions {
		if bytes.HasPrefix(head, compressions[i].magic) {
			return &compressions[i]
		}
	}
	return nil
}

// maxCompressionLayers bounds nested compression. Two layers occur: a
// Firehose stream with GZIP compression delivering CloudWatch Logs
// subscription payloads, which are gzipped already, writes gzip in gzip.
const maxCompressionLayers = 2

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
		if src, comp, err = sniff(src); err != nil {
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
	d.sc = newScanner(src, opts.BufferSize)
	return d, nil
}

// decompress returns the decompressed stream of src.
func (d *Decoder) decompress(comp *compression, src io.Reader) (io.Reader, error) {
	switch comp.name {
	case "gzip":
		gz, err := gzip.NewReader(src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		d.closers = append(d.closers, gz)
		return gz, nil
	case "zstd":
		// One goroutine and a bounded window: a file is one stream among
		// many the receiver may read at once.
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(32<<20))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		d.closers = append(d.closers, zstdCloser{zr})
		return decompressErrors{zr, "zstd"}, nil
	case "snappy", "s2":
		return decompressErrors{s2.NewReader(src), comp.name}, nil
	}
	return nil, fmt.Errorf("%w: %s (gzip, zstd and snappy are read)", ErrUnsupportedCompression, comp.name)
}

// zstdCloser closes a zstd decoder, whose Close returns nothing.
type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }

// decompressErrors marks a decompressor's failures (other than the end of
// its input) with ErrDecompress, so that they read as a fault of the
// compressed data rather than of the JSON.
type decompressErrors struct {
	r    io.Reader
	name string
}

func (e decompressErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w (%s): %w", ErrDecompress, e.name, err)
	}
	return n, err
}

// sniff looks at the first bytes of r for a compression's magic and returns
// a reader of the whole stream, the sniffed bytes included.
//
// Decompression reads byte by byte through an io.ByteReader, and flate has
// fast paths for the concrete readers a stream most often already is
// (*bufio.Reader, *bytes.Reader, *strings.Reader), so such a reader is
// handed on as it is (peeked, or read and rewound) rather than wrapped again;
// other compressed streams get one bufio.Reader. Plain input goes straight
// into the scanner's buffer with no intermediate copy.
func sniff(r io.Reader) (io.Reader, *compression, error) {
	switch r := r.(type) {
	case *bufio.Reader:
		head, err := r.Peek(sniffLen)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, nil, err
		}
		return r, compressionOf(head), nil
	case interface {
		io.ReadSeeker
		io.ByteReader
	}:
		if pos, err := r.Seek(0, io.SeekCurrent); err == nil {
			head, err := readHead(r)
			if err != nil {
				return nil, nil, err
			}
			if _, err := r.Seek(pos, io.SeekStart); err == nil {
				return r, compressionOf(head), nil
			}
			return putBack(head, r)
		}
	}
	head, err := readHead(r)
	if err != nil {
		return nil, nil, err
	}
	return putBack(head, r)
}

// readHead reads the bytes sniff looks at (fewer if the stream is shorter).
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return head[:n], nil
}

// putBack returns the stream of head followed by the rest of r.
func putBack(head []byte, r io.Reader) (io.Reader, *compression, error) {
	src := io.MultiReader(bytes.NewReader(head), r)
	if comp := compressionOf(head); comp != nil {
		return bufio.NewReaderSize(src, 64<<10), comp, nil
	}
	return src, nil, nil
}

// Format is the envelope seen so far (final once Next returned io.EOF).
func (d *Decoder) Format() Format { return d.format }

// Skipped counts values that hold no record and were passed over: the
// logEvents of CloudWatch control messages, and EventBridge events that do
// not come from CloudTrail. They count as records read (their indexes are
// taken), never as selected.
func (d *Decoder) Skipped() int64 { return d.skipped }

// Offset is the number of decompressed bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.sc.offset() }

// Close releases the decompressor, if any. It does not close the source.
func (d *Decoder) Close() error {
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	d.closers = nil
	return errors.Join(errs...)
}

func (d *Decoder) fail(err error) error {
	if rerr := d.sc.readErr(); rerr != nil && (errors.Is(err, errScanEOF) || errors.Is(err, ErrTruncated)) {
		err = rerr
	}
	if errors.Is(err, errScanEOF) {
		err = ErrTruncated
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w (truncated %s)", err, strings.TrimPrefix(d.compression+" stream?", " "))
	}
	d.err = &FileError{Index: d.index, Offset: d.sc.offset(), Err: err}
	d.st = stDone
	return d.err
}

// Next returns the next record. It returns io.EOF after the last record, a
// *RecordError for a record it skipped (call Next again), and a *FileError
// when the file cannot be read further (every later call returns it again).
func (d *Decoder) Next() (Raw, error) {
	for {
		if d.err != nil {
			return Raw{}, d.err
		}
		switch d.st {
		case stStart:
			if err := d.start(); err != nil {
				if err == io.EOF {
					return Raw{}, io.EOF
				}
				var re *RecordError
				if errors.As(err, &re) {
					return Raw{}, err
				}
				return Raw{}, d.fail(err)
			}
		case stTopObject:
			if err := d.topObjectKey(); err != nil {
				return Raw{}, d.fail(err)
			}
		case stObject, stArray:
			var raw Raw
			var ok bool
			var err error
			if d.st == stObject {
				raw, ok, err = d.topRecord()
			} else {
				raw, ok, err = d.element()
			}
			if err != nil {
				var re *RecordError
				if errors.As(err, &re) {
					return Raw{}, err
				}
				return Raw{}, d.fail(err)
			}
			if ok {
				return raw, nil
			}
		case stDone:
			return Raw{}, io.EOF
		}
	}
}

// start begins a top-level value (the file, or the next concatenated one).
func (d *Decoder) start() error {
	c, ok := d.sc.peek()
	if !ok {
		if err := d.sc.readErr(); err != nil {
			return err
		}
		if !d.sawAny {
			if d.sc.read == 0 {
				return ErrEmpty
			}
			return fmt.Errorf("%w: only whitespace", ErrEmpty)
		}
		d.st = stDone
		return io.EOF
	}
	if !d.sawAny && c == 0xEF && d.sc.consume(utf8BOM) { // byte order mark
		return nil
	}
	first := !d.sawAny
	d.sawAny = true
	if c >= '0' && c <= '9' && (first || d.sc.stamped) {
		n := d.sc.timestampPrefix()
		switch {
		case n > 0 && (d.sc.stamped || d.sc.at(n) == '{'):
			// A CloudWatch Logs export line (the first one must hold an
			// object): the message, after its timestamp, is read as the
			// next top-level value.
			d.sc.pos += n
			d.sc.stamped = true
			d.setFormat(FormatCloudWatchExport)
			return nil
		case n == 0 && d.sc.stamped && d.sc.stampCutShort():
			// The input ends inside a line's timestamp: cut short, or
			// still being written; the line is read once it is whole.
			return errScanEOF
		}
	}
	if d.sc.stamped && c != '{' {
		// Every message of a trail's log group is a record.
		return d.skipLine(fmt.Errorf("unexpected %q between records", c))
	}
	switch c {
	case '[':
		d.sc.skipByte()
		d.st, d.arrayKind, d.needComma = stArray, FormatArray, false
		d.setFormat(FormatArray)
		return nil
	case '{':
		if d.isRecordObject() {
			// Not an envelope: the object is a record, or an EventBridge or
			// LookupEvents event holding one. Read it whole.
			d.st, d.objects = stObject, true
			return nil
		}
		d.sc.skipByte()
		d.st = stTopObject
		d.digestKeys, d.sawRecords, d.control = false, false, false
		if c, ok := d.sc.peek(); ok && c == '}' {
			d.sc.skipByte()
			return d.endTopObject()
		}
		return nil
	}
	if !first && d.lineOriented() {
		return d.skipLine(fmt.Errorf("unexpected %q between records", c))
	}
	if !first {
		return fmt.Errorf("unexpected %q after the end of the JSON value", c)
	}
	return fmt.Errorf("file does not start with a JSON object or array (found %q)", c)
}

func (d *Decoder) setFormat(f Format) {
	if d.format == FormatUnknown || d.format == FormatDigest {
		d.format = f
	}
}

// topObjectKey reads one member of the top-level object and dispatches on it.
func (d *Decoder) topObjectKey() error {
	c, ok := d.sc.peek()
	if !ok {
		return errScanEOF
	}
	switch c {
	case '}':
		d.sc.skipByte()
		return d.endTopObject()
	case ',':
		d.sc.skipByte()
		c, ok = d.sc.peek()
		if !ok {
			return errScanEOF
		}
	}
	if c != '"' {
		return fmt.Errorf("expected a key in the top-level object, found %q", c)
	}
	kb, err := d.sc.value(4096)
	if err != nil {
		return d.scanErr(err)
	}
	key := string(kb[1 : len(kb)-1])
	if c, ok = d.sc.peek(); !ok {
		return errScanEOF
	} else if c != ':' {
		return fmt.Errorf("expected ':' after key %s, found %q", key, c)
	}
	d.sc.skipByte()
	c, ok = d.sc.peek()
	if !ok {
		return errScanEOF
	}
	switch key {
	case "Records", "logEvents", "Events":
		if c == '[' {
			d.sc.skipByte()
			d.st, d.needComma = stArray, false
			d.sawRecords = true // this envelope holds records, whatever the file's format
			switch key {
			case "Records":
				d.arrayKind = FormatRecords
			case "logEvents":
				d.arrayKind = FormatCloudWatch
			default:
				d.arrayKind = FormatLookupEvents
			}
			d.setFormat(d.arrayKind)
			return nil
		}
		if key == "Records" {
			d.sawRecords = true // null or another value: holds no records
			d.setFormat(FormatRecords)
		}
	case "messageType":
		v, err := d.sc.value(4096)
		if err != nil {
			return d.scanErr(err)
		}
		if string(v) == `"CONTROL_MESSAGE"` {
			d.control = true
			d.setFormat(FormatCloudWatch)
		}
		return nil
	case "logFiles", "digestS3Object", "digestS3Bucket", "digestEndTime", "digestPublicKeyFingerprint":
		d.digestKeys = true
	}
	// Skip the value without keeping it.
	if _, err := d.sc.value(0); err != nil {
		var tl errTooLarge
		if !errors.As(err, &tl) {
			return d.scanErr(err)
		}
	}
	return nil
}

func (d *Decoder) scanErr(err error) error {
	var tl errTooLarge
	if errors.As(err, &tl) {
		return fmt.Errorf("top-level key longer than 4096 bytes")
	}
	return err
}

func (d *Decoder) endTopObject() error {
	d.st = stStart
	switch {
	case d.sawRecords || d.format == FormatCloudWatch || d.format == FormatLookupEvents:
	case d.digestKeys:
		d.setFormat(FormatDigest)
	default:
		return ErrNotCloudTrail
	}
	return nil
}

// element reads the next element of the array being streamed.
func (d *Decoder) element() (Raw, bool, error) {
	c, ok := d.sc.peek()
	if !ok {
		return Raw{}, false, errScanEOF
	}
	if c == ']' {
		d.sc.skipByte()
		if d.arrayKind == FormatArray {
			d.st = stStart
		} else {
			d.st = stTopObject
		}
		return Raw{}, false, nil
	}
	if d.needComma {
		if c != ',' {
			return Raw{}, false, fmt.Errorf("expected ',' or ']' after record %d, found %q", d.index-1, c)
		}
		d.sc.skipByte()
		if c, ok = d.sc.peek(); !ok {
			return Raw{}, false, errScanEOF
		}
		if c == ']' || c == ',' {
			return Raw{}, false, fmt.Errorf("unexpected %q after ',' in the array", c)
		}
		d.needComma = false
	} else if c == ',' {
		return Raw{}, false, fmt.Errorf("unexpected ',' in the array")
	}
	idx := d.index
	v, err := d.sc.value(d.maxRecord)
	if err != nil {
		var tl errTooLarge
		if errors.As(err, &tl) {
			d.index++
			d.needComma = true
			return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%w (%d bytes)", ErrRecordTooLarge, tl.size)}
		}
		return Raw{}, false, err
	}
	d.index++
	d.needComma = true
	switch d.arrayKind {
	case FormatCloudWatch:
		if d.control {
			d.skipped++
			return Raw{}, false, nil
		}
		msg, err := d.parsedMember(v, "message", "CloudWatch log event")
		if err != nil {
			return Raw{}, false, &RecordError{Index: idx, Err: err}
		}
		return Raw{Index: idx, Data: msg}, true, nil
	case FormatLookupEvents:
		msg, err := d.parsedMember(v, "CloudTrailEvent", "LookupEvents event")
		if err != nil {
			return Raw{}, false, &RecordError{Index: idx, Err: err}
		}
		return Raw{Index: idx, Data: msg}, true, nil
	case FormatArray:
		// Exports may hold EventBridge or LookupEvents events rather than
		// records.
		return d.record(idx, v, false)
	}
	return Raw{Index: idx, Data: v}, true, nil
}

// topRecord reads a top-level object that is a record or wraps one.
func (d *Decoder) topRecord() (Raw, bool, error) {
	idx := d.index
	// isRecordObject may have parsed this very object already.
	parsed := d.peeked
	d.peeked = false
	d.sc.resync = d.lineOriented()
	v, err := d.sc.value(d.maxRecord)
	d.sc.resync = false
	// bad, when set, is why the value was passed over as one bad record.
	var bad error
	var tl errTooLarge
	switch {
	case err == nil:
	case errors.Is(err, errResync):
		bad = fmt.Errorf("record does not end within max_record_size (invalid JSON, or too large); skipped to %s", d.nextLine())
	case errors.As(err, &tl):
		bad = fmt.Errorf("%w (%d bytes)", ErrRecordTooLarge, tl.size)
	case errors.Is(err, errScanEOF) && d.sc.readErr() == nil && d.lineOriented():
		// The scan ran to the end of the input. With a line after this one
		// that may start a record, this is a broken line of a JSON Lines
		// file, and the lines after it are records of their own. Without
		// one, the file ends inside its last record: cut short, or still
		// being written (the receiver reads on from this record later), so
		// it is no record error.
		next := d.sc.nextObjectLine()
		if next < 0 {
			return Raw{}, false, err
		}
		d.sc.pos += next // consumed up to that line
		bad = fmt.Errorf("record does not end (invalid JSON); skipped to %s", d.nextLine())
	default:
		return Raw{}, false, err
	}
	d.index++
	d.st = stStart
	if bad != nil {
		return Raw{}, false, &RecordError{Index: idx, Err: bad}
	}
	raw, ok, err := d.record(idx, v, parsed)
	if ok {
		d.setFormat(FormatObjects) // no-op when unwrap named the event's format
	}
	return raw, ok, err
}

// isRecordObject decides, at a top-level '{', whether the object is a record
// or an event holding one (read whole), or an envelope (streamed member by
// member, as a Records file may be any size). The first key nearly always
// tells; when it does not (tools that sort keys put "account" first in an
// EventBridge event), an object that ends within max_record_size is parsed
// without being consumed, and its members decide.
func (d *Decoder) isRecordObject() bool {
	key, ok := d.sc.firstKey()
	if !ok {
		// No key within reach ({}, a broken object): among records, one
		// bad record; as the file's first value, not CloudTrail.
		return d.lineOriented()
	}
	envelopeKey := false
	switch string(key) {
	case "Records", "logEvents", "Events": // envelopes streamed as they may be large
		return false
	case "NextToken", "messageType", "owner", "logGroup", "logStream", "subscriptionFilters", // CloudWatch Logs
		"awsAccountId", "digestStartTime", "digestEndTime", "logFiles": // digests
		if !d.lineOriented() {
			return false
		}
		// Among records, such a small object is parsed: its members say
		// whether it is an envelope after all or one bad record.
		envelopeKey = true
	}
	if isRecordKey(key) || isWrapperKey(key) {
		return true
	}
	v, ok := d.sc.peekObject(d.maxRecord)
	if !ok || d.cw.Parse(v) != nil {
		// In a file of records one per line, a line that is too large,
		// broken or cut short is one bad record (or the end of a file still
		// being written), unless it starts like an envelope: a large
		// CloudWatch Logs payload is streamed.
		return d.lineOriented() && !envelopeKey
	}
	if d.cwHas("Records", "logEvents", "Events", "logFiles") {
		return false
	}
	if !d.objects && !d.cwHas("CloudTrailEvent", "detail-type") && !d.cwHas(recordMarkers...) {
		return false // no record read yet: an envelope, or no CloudTrail
	}
	// d.cw now holds the object topRecord is about to read: it need not
	// parse it again. Among records, an object that is none is one bad
	// record.
	d.peeked = true
	return true
}

// recordMarkers are members that only a record has, whatever its key order.
var recordMarkers = []string{"eventSource", "eventName", "eventTime"}

// cwHas reports whether the object in d.cw has any of the members keys.
func (d *Decoder) cwHas(keys ...string) bool {
	for _, k := range keys {
		if d.cw.lookup(root, k) >= 0 {
			return true
		}
	}
	return false
}

// record returns v, one element or top-level value, as the record it is or
// holds: an object whose first key is a record field is taken as it is,
// anything else is parsed (unless parsed says d.cw holds it already) to look
// for a wrapped record.
func (d *Decoder) record(idx int64, v []byte, parsed bool) (Raw, bool, error) {
	if key, ok := firstKeyOf(v); !ok || isRecordKey(key) {
		return Raw{Index: idx, Data: v}, true, nil
	}
	if !parsed {
		if err := d.cw.Parse(v); err != nil {
			return Raw{}, false, &RecordError{Index: idx, Err: err}
		}
	}
	return d.unwrap(idx, v)
}

// lineOriented reports whether the file holds records (or events) as
// top-level objects, which JSON Lines files hold one per line: a fault there
// is confined to its line.
func (d *Decoder) lineOriented() bool { return d.objects || d.sc.stamped }

// nextLine names where decoding resumes after a broken line.
func (d *Decoder) nextLine() string {
	if d.sc.stamped {
		return "the next line starting with a timestamp or '{'"
	}
	return "the next line starting with '{'"
}

// skipLine passes over the input up to the next line that starts with '{' as
// one bad record: the error it returns is a *RecordError with the next
// record index.
func (d *Decoder) skipLine(err error) error {
	idx := d.index
	d.index++
	d.sc.skipToObjectLine()
	return &RecordError{Index: idx, Err: fmt.Errorf("%w; skipped to %s", err, d.nextLine())}
}

// unwrap returns the record an EventBridge or LookupEvents event v, parsed
// in d.cw, holds, or v itself when it is a record after all (its members,
// not its first key, say so). An EventBridge event that does not come from
// CloudTrail holds none and is skipped (counted by Skipped); any other object
// is an error.
func (d *Decoder) unwrap(idx int64, v []byte) (Raw, bool, error) {
	if d.cwHas("CloudTrailEvent") {
		msg, err := d.stringMember("CloudTrailEvent", "LookupEvents event")
		if err != nil {
			return Raw{}, false, &RecordError{Index: idx, Err: err}
		}
		d.setFormat(FormatLookupEvents)
		return Raw{Index: idx, Data: msg}, true, nil
	}
	dt, ok := d.cw.strAt(root, "detail-type")
	if !ok {
		if d.cwHas(recordMarkers...) {
			return Raw{Index: idx, Data: v}, true, nil
		}
		return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%w: an object that is neither a record nor an event holding one", ErrNotCloudTrail)}
	}
	detail := d.cw.lookup(root, "detail")
	if !strings.HasSuffix(dt, "via CloudTrail") || detail < 0 || d.cw.kind(detail) != kindObject {
		d.skipped++
		return Raw{}, false, nil
	}
	d.setFormat(FormatEventBridge)
	d.cwBuf = append(d.cwBuf[:0], d.cw.raw(detail)...)
	return Raw{Index: idx, Data: d.cwBuf}, true, nil
}

// isRecordKey reports whether key is a top-level field of a CloudTrail
// record, so that an object it starts is a record.
//
// Any documented top-level record field counts, not only those the mapping
// reads: key order is not guaranteed, and tools that sort keys start a
// record with whichever field sorts first.
func isRecordKey(key []byte) bool {
	if _, ok := fieldOf(string(key)); ok {
		return true
	}
	switch string(key) {
	case "serviceEventDetails", "edgeDeviceDetails", "eventContext", "annotation":
		return true
	}
	return false
}

// isWrapperKey reports whether key can be the first key of an EventBridge
// event ("version", as AWS writes them, or "detail-type") or of a
// LookupEvents event ("EventId", or "CloudTrailEvent"). No CloudTrail record
// has these keys; generic ones (id, source, time) are left out, so that other
// JSON is not taken for events.
func isWrapperKey(key []byte) bool {
	switch string(key) {
	case "version", "detail-type", "EventId", "CloudTrailEvent":
		return true
	}
	return false
}

// firstKeyOf returns the first key of the JSON object starting at b[0]
// (as written, escapes and all), if b holds it whole.
func firstKeyOf(b []byte) ([]byte, bool) {
	if len(b) == 0 || b[0] != '{' {
		return nil, false
	}
	i := skipWS(b, 1)
	if i >= len(b) || b[i] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(b[i+1:], '"')
	if end < 0 {
		return nil, false
	}
	return b[i+1 : i+1+end], true
}

// parsedMember parses the object v into d.cw and returns its string member
// key (stringMember). what names the object in errors.
func (d *Decoder) parsedMember(v []byte, key, what string) ([]byte, error) {
	if err := d.cw.Parse(v); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return d.stringMember(key, what)
}

// stringMember returns the string member key of the object in d.cw,
// unescaped: CloudWatch log events and LookupEvents events carry their record
// as a JSON string. what names the object in errors.
func (d *Decoder) stringMember(key, what string) ([]byte, error) {
	m := d.cw.lookup(root, key)
	if m < 0 || d.cw.kind(m) != kindString {
		return nil, fmt.Errorf("%s has no %s string", what, key)
	}
	d.cwBuf = append(d.cwBuf[:0], d.cw.text(m)...)
	return d.cwBuf, nil
}
