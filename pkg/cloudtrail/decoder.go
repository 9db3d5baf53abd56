package cloudtrail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
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
	stDone
)

// Decoder reads the records of one CloudTrail file as a stream.
//
// It accepts gzip or plain JSON (told apart by the gzip magic bytes, never by
// a file name or header), the {"Records":[...]} envelope, a bare array of
// records, the CloudWatch Logs subscription envelope, and several of these
// concatenated back to back (as Firehose may write). Digest files are
// recognised and yield no records.
type Decoder struct {
	sc         *scanner
	gz         *gzip.Reader
	maxRecord  int
	format     Format
	st         state
	arrayKind  Format // what the array being read holds
	index      int64
	sawAny     bool
	digestKeys bool
	sawRecords bool
	control    bool // CloudWatch CONTROL_MESSAGE: skip its logEvents
	err        error
	cw         Doc
	cwBuf      []byte
	skipped    int64
	needComma  bool // an element was read: ',' or ']' must follow
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte{0xEF, 0xBB, 0xBF}
)

// NewDecoder returns a decoder over r. It reads the first bytes to detect gzip.
func NewDecoder(r io.Reader, opts DecoderOptions) (*Decoder, error) {
	d := &Decoder{maxRecord: opts.MaxRecordSize}
	if d.maxRecord <= 0 {
		d.maxRecord = DefaultMaxRecordSize
	}
	src, isGzip, err := sniffGzip(r)
	if err != nil {
		return nil, err
	}
	if isGzip {
		gz, err := gzip.NewReader(src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		d.gz = gz
		src = gz
	}
	d.sc = newScanner(src, opts.BufferSize)
	return d, nil
}

// sniffGzip looks at the first bytes of r for the gzip magic and returns a
// reader of the whole stream, the sniffed bytes included.
//
// Decompression reads byte by byte through an io.ByteReader, and flate has
// fast paths for the concrete readers a stream most often already is
// (*bufio.Reader, *bytes.Reader, *strings.Reader), so such a reader is
// handed on as it is (peeked, or read and rewound) rather than wrapped again;
// other gzip streams get one bufio.Reader. Plain input goes straight into the
// scanner's buffer with no intermediate copy.
func sniffGzip(r io.Reader) (io.Reader, bool, error) {
	switch r := r.(type) {
	case *bufio.Reader:
		head, err := r.Peek(len(gzipMagic))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		return r, bytes.Equal(head, gzipMagic), nil
	case interface {
		io.ReadSeeker
		io.ByteReader
	}:
		if pos, err := r.Seek(0, io.SeekCurrent); err == nil {
			head, err := readHead(r)
			if err != nil {
				return nil, false, err
			}
			if _, err := r.Seek(pos, io.SeekStart); err == nil {
				return r, bytes.Equal(head, gzipMagic), nil
			}
			return putBack(head, r)
		}
	}
	head, err := readHead(r)
	if err != nil {
		return nil, false, err
	}
	return putBack(head, r)
}

// readHead reads the bytes sniffGzip looks at (fewer if the stream is shorter).
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, len(gzipMagic))
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return head[:n], nil
}

// putBack returns the stream of head followed by the rest of r.
func putBack(head []byte, r io.Reader) (io.Reader, bool, error) {
	src := io.MultiReader(bytes.NewReader(head), r)
	if bytes.Equal(head, gzipMagic) {
		return bufio.NewReaderSize(src, 64<<10), true, nil
	}
	return src, false, nil
}

// Format is the envelope seen so far (final once Next returned io.EOF).
func (d *Decoder) Format() Format { return d.format }

// Skipped counts logEvents of CloudWatch control messages that were skipped.
func (d *Decoder) Skipped() int64 { return d.skipped }

// Offset is the number of decompressed bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.sc.offset() }

// Close releases the gzip reader, if any. It does not close the source.
func (d *Decoder) Close() error {
	if d.gz != nil {
		return d.gz.Close()
	}
	return nil
}

func (d *Decoder) fail(err error) error {
	if rerr := d.sc.readErr(); rerr != nil && (errors.Is(err, errScanEOF) || errors.Is(err, ErrTruncated)) {
		err = rerr
	}
	if errors.Is(err, errScanEOF) {
		err = ErrTruncated
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w (truncated gzip stream?)", err)
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
				return Raw{}, d.fail(err)
			}
		case stTopObject:
			if err := d.topObjectKey(); err != nil {
				return Raw{}, d.fail(err)
			}
		case stArray:
			raw, ok, err := d.element()
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
	switch c {
	case '[':
		d.sc.skipByte()
		d.st, d.arrayKind, d.needComma = stArray, FormatArray, false
		d.setFormat(FormatArray)
		return nil
	case '{':
		d.sc.skipByte()
		d.st = stTopObject
		d.digestKeys, d.sawRecords, d.control = false, false, false
		if c, ok := d.sc.peek(); ok && c == '}' {
			d.sc.skipByte()
			return d.endTopObject()
		}
		return nil
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
	case "Records", "logEvents":
		if c == '[' {
			d.sc.skipByte()
			d.st, d.needComma = stArray, false
			if key == "Records" {
				d.arrayKind = FormatRecords
				d.sawRecords = true
			} else {
				d.arrayKind = FormatCloudWatch
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
	case d.sawRecords || d.format == FormatCloudWatch:
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
	if d.arrayKind != FormatCloudWatch {
		return Raw{Index: idx, Data: v}, true, nil
	}
	if d.control {
		d.skipped++
		return Raw{}, false, nil
	}
	msg, err := d.cloudWatchMessage(v)
	if err != nil {
		return Raw{}, false, &RecordError{Index: idx, Err: err}
	}
	return Raw{Index: idx, Data: msg}, true, nil
}

// cloudWatchMessage extracts logEvents[i].message, which holds one record as
// a JSON string.
func (d *Decoder) cloudWatchMessage(ev []byte) ([]byte, error) {
	if err := d.cw.Parse(ev); err != nil {
		return nil, fmt.Errorf("CloudWatch log event: %w", err)
	}
	m := d.cw.lookup(root, "message")
	if m < 0 || d.cw.kind(m) != kindString {
		return nil, errors.New("CloudWatch log event has no message string")
	}
	d.cwBuf = append(d.cwBuf[:0], d.cw.text(m)...)
	return d.cwBuf, nil
}
