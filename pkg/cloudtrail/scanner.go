package cloudtrail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// scanner finds the extent of JSON values in a stream without parsing them.
//
// It exists so that the decoder can hand out one record at a time while its
// memory stays bounded by the largest record kept (not by the file), and so
// that records the selector rejects cost one pass over their bytes and no
// allocation. It tracks only strings, escapes and bracket depth; the values it
// returns are validated by the parser afterwards.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	end  int   // end of valid data in buf
	base int64 // stream offset of buf[0]
	rerr error // sticky read error; io.EOF at the end of the stream
	read int64 // bytes read from r so far
	// resync makes value give up on a value longer than its maximum at the
	// next line that may start a record (see resyncAt).
	resync bool
	// stamped: lines start with a timestamp (a CloudWatch Logs export), so
	// a record's line may start with a digit (see lineStart).
	stamped bool
}

const defaultBufferSize = 256 << 10

var errScanEOF = errors.New("unexpected end of input")

// errResync: value, set to resync, gave up on a value longer than its
// maximum that runs across the start of a later line; the scanner stands at
// that line.
var errResync = errors.New("value runs into the next line")

func newScanner(r io.Reader, size int) *scanner {
	if size <= 0 {
		size = defaultBufferSize
	}
	return &scanner{r: r, buf: make([]byte, size)}
}

// offset is the stream offset of the next unread byte.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

// fill drops everything before keep, then reads more data. It grows the
// buffer when keep is 0 and the buffer is full, never beyond limit bytes
// (limit <= 0 means no growth). It reports whether new bytes arrived.
func (s *scanner) fill(keep int, limit int) bool {
	if s.rerr != nil {
		return false
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:s.end])
		s.base += int64(keep)
		s.end = n
		s.pos -= keep
	}
	if s.end == len(s.buf) {
		if limit <= 0 || len(s.buf) >= limit {
			return false
		}
		newSize := 2 * len(s.buf)
		if newSize > limit {
			newSize = limit
		}
		nb := make([]byte, newSize)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		s.read += int64(n)
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// readErr is the error that ended the stream early, or nil at a clean EOF.
func (s *scanner) readErr() error {
	if s.rerr == nil || errors.Is(s.rerr, io.EOF) {
		return nil
	}
	return s.rerr
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// peek skips whitespace and returns the next byte without consuming it.
func (s *scanner) peek() (byte, bool) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if isSpace(c) {
				s.pos++
				continue
			}
			return c, true
		}
		if !s.fill(s.pos, 0) {
			return 0, false
		}
	}
}

// skipByte consumes the byte returned by the last peek.
func (s *scanner) skipByte() { s.pos++ }

// errTooLarge reports a value larger than the configured maximum; the value
// was skipped entirely, so the stream stays usable.
type errTooLarge struct{ size int64 }

func (e errTooLarge) Error() string { return "value too large" }

// value scans the JSON value starting at the next non-space byte and returns
// its bytes, which stay valid until the next scanner call. A value longer than
// max bytes is consumed without being kept, and errTooLarge is returned.
// Running out of input inside the value returns errScanEOF (or the read error).
func (s *scanner) value(max int) ([]byte, error) {
	if _, ok := s.peek(); !ok {
		if err := s.readErr(); err != nil {
			return nil, err
		}
		return nil, errScanEOF
	}
	var (
		i        int      // bytes of the value scanned so far, relative to s.pos
		dropped  int64    // bytes dropped while discarding an oversized value
		box      boxState // an object or array: the splitter's state
		escape   bool     // the previous byte of the string was a backslash
		scalar   bool
		started  bool
		finished bool
	)
	limit := max + 1
	for !finished {
		if s.pos+i >= s.end {
			if int64(i)+dropped > int64(max) {
				// Discard what we have: the value will not be returned.
				if s.resyncAt(i) {
					return nil, errResync
				}
				dropped += int64(i)
				s.pos += i
				i = 0
			}
			if !s.fill(s.pos, limit) {
				if s.end-s.pos == len(s.buf) && s.rerr == nil {
					// Buffer at its limit: start discarding.
					if s.resyncAt(i) {
						return nil, errResync
					}
					dropped += int64(i)
					s.pos += i
					i = 0
					continue
				}
				if scalar && started && s.readErr() == nil {
					finished = true // a scalar may end at EOF
					break
				}
				if err := s.readErr(); err != nil {
					return nil, err
				}
				return nil, errScanEOF
			}
			continue
		}
		b := s.buf[s.pos+i : s.end]
		j := 0
		if !started {
			started = true
			switch b[0] {
			case '{', '[':
				box.depth = 1
			case '"': // a string: the loop below
			default:
				scalar = true
			}
			j = 1
		}
		if box.depth > 0 {
			// Objects and arrays, i.e. every record: the block splitter.
			n, done := box.scan(b[j:])
			i += j + n
			finished = done
			continue
		}
		for j < len(b) {
			if scalar {
				c := b[j]
				if c == ',' || c == ']' || c == '}' || c == ':' || isSpace(c) {
					finished = true
					break
				}
				j++
				continue
			}
			// A string value.
			if escape {
				escape = false
				j++
				continue
			}
			if j += quoteOrEscape(b[j:]); j == len(b) {
				break
			}
			escape = b[j] == '\\'
			j++
			if !escape {
				finished = true
				break
			}
		}
		i += j
	}
	if dropped > 0 || i > max {
		s.pos += i
		return nil, errTooLarge{size: dropped + int64(i)}
	}
	v := s.buf[s.pos : s.pos+i]
	s.pos += i
	return v, nil
}

// resyncAt, when s.resync is set, looks in the i bytes of a value about to
// be discarded (past its first byte) for a line that may start a record
// (see lineStart) and, if there is one, consumes up to it. In a file of
// records one per line, a value longer than its maximum that runs across
// such a line is a broken line (an unclosed string turns every later quote
// inside out): resuming there loses that line only, where discarding on
// would lose the rest of the file.
func (s *scanner) resyncAt(i int) bool {
	if !s.resync || i < 2 {
		return false
	}
	off := s.lineAfter(s.buf[s.pos+1 : s.pos+i])
	if off < 0 {
		return false
	}
	s.pos += 1 + off
	return true
}

// lineAfter returns where in b the first line that may start a record
// begins after a newline, or -1.
func (s *scanner) lineAfter(b []byte) int {
	for off := 0; ; {
		j := bytes.IndexByte(b[off:], '\n')
		if j < 0 || off+j+1 >= len(b) {
			return -1
		}
		off += j + 1
		if s.lineStart(b[off]) {
			return off
		}
	}
}

// skipToObjectLine consumes the input up to the next line that starts with
// '{' (the next record of a JSON Lines file), or with a digit when stamped
// (the timestamp of the next line of a CloudWatch Logs export), or to the
// end. The next unread byte is consumed in any case.
func (s *scanner) skipToObjectLine() {
	if s.pos < s.end {
		s.pos++
	}
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '\n')
		if i < 0 {
			s.pos = s.end
			if !s.fill(s.pos, 0) {
				return
			}
			continue
		}
		s.pos += i + 1
		for s.pos >= s.end {
			if !s.fill(s.pos, 0) {
				return
			}
		}
		if s.lineStart(s.buf[s.pos]) {
			return
		}
	}
}

// lineStart reports whether c may start a record's line.
func (s *scanner) lineStart(c byte) bool {
	return c == '{' || s.stamped && c >= '0' && c <= '9'
}

// peekObject returns the whole object whose '{' is the next unread byte if
// it ends within limit bytes, reading ahead (and growing the buffer up to
// limit) as needed, without consuming anything.
func (s *scanner) peekObject(limit int) ([]byte, bool) {
	box := boxState{depth: 1}
	i := 1
	for {
		if s.pos+i >= s.end {
			if s.end-s.pos >= limit || !s.fill(s.pos, limit) {
				return nil, false
			}
			continue
		}
		n, done := box.scan(s.buf[s.pos+i : s.end])
		i += n
		if done {
			if i > limit {
				return nil, false
			}
			return s.buf[s.pos : s.pos+i], true
		}
	}
}

// nextObjectLine returns how far past the next unread byte the next line
// that may start a record (see lineStart) begins, within the buffered
// input, or -1.
func (s *scanner) nextObjectLine() int {
	if s.pos >= s.end {
		return -1
	}
	if off := s.lineAfter(s.buf[s.pos+1 : s.end]); off >= 0 {
		return 1 + off
	}
	return -1
}

// maxStampLen bounds a CloudWatch Logs export line's timestamp prefix:
// "2025-03-04T10:01:02.123456789+05:30 ".
const maxStampLen = 36

// timestampPrefix returns the length of the RFC 3339 timestamp and the one
// space or tab after it that start the unread input (a CloudWatch Logs
// export line), or 0. The byte after it is buffered too (see at).
func (s *scanner) timestampPrefix() int {
	for s.end-s.pos <= maxStampLen && s.fill(s.pos, maxStampLen+1) {
	}
	return stampLen(s.buf[s.pos:min(s.end, s.pos+maxStampLen)])
}

// at returns the buffered byte i past the next unread one, or 0.
func (s *scanner) at(i int) byte {
	if s.pos+i < s.end {
		return s.buf[s.pos+i]
	}
	return 0
}

// stampCutShort reports whether the rest of the input, to its end, is the
// start of a line's timestamp (an export still being written), after
// timestampPrefix found no whole one.
func (s *scanner) stampCutShort() bool {
	if s.end-s.pos > maxStampLen || s.readErr() != nil || s.rerr == nil {
		return false // more input, or it could not be read
	}
	return stampPrefixOK(s.buf[s.pos:s.end])
}

// stampLayout is the date and time every export timestamp starts with
// (d: a digit; 'T' may be lower case).
const stampLayout = "dddd-dd-ddTdd:dd:dd"

// stampLayoutOK reports whether b, at most len(stampLayout) bytes, follows
// stampLayout.
func stampLayoutOK(b []byte) bool {
	for i, c := range b {
		want := stampLayout[i]
		if want == 'd' && (c < '0' || c > '9') || want != 'd' && c != want && !(want == 'T' && c == 't') {
			return false
		}
	}
	return true
}

// stampPrefixOK reports whether b can begin a timestamp stampLen accepts.
func stampPrefixOK(b []byte) bool {
	n := min(len(b), len(stampLayout))
	if !stampLayoutOK(b[:n]) {
		return false
	}
	for _, c := range b[n:] {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'Z' || c == 'z' || c == '+' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// stampLen matches YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm) and one space
// or tab at the start of b.
func stampLen(b []byte) int {
	if len(b) < len(stampLayout)+2 || !stampLayoutOK(b[:len(stampLayout)]) {
		return 0
	}
	i := len(stampLayout)
	if b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return 0
		}
	}
	switch {
	case i < len(b) && (b[i] == 'Z' || b[i] == 'z'):
		i++
	case i+6 <= len(b) && (b[i] == '+' || b[i] == '-') && isDigits(b[i+1:i+3]) && b[i+3] == ':' && isDigits(b[i+4:i+6]):
		i += 6
	default:
		return 0
	}
	if i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		return i + 1
	}
	return 0
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// maxKeyPeek bounds how far firstKey reads ahead.
const maxKeyPeek = 4096

// firstKey returns the first key of the object whose '{' is the next unread
// byte, without consuming anything. It reads ahead at most maxKeyPeek bytes
// (growing a smaller buffer to that) and reports false when the key is not
// among them.
func (s *scanner) firstKey() ([]byte, bool) {
	for {
		if key, ok := firstKeyOf(s.buf[s.pos:s.end]); ok {
			return key, true
		}
		if s.end-s.pos >= maxKeyPeek || !s.fill(s.pos, maxKeyPeek) {
			return nil, false
		}
	}
}

// consume skips prefix if the unread input starts with it.
func (s *scanner) consume(prefix []byte) bool {
	for s.end-s.pos < len(prefix) {
		if !s.fill(s.pos, 0) {
			break
		}
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], prefix) {
		s.pos += len(prefix)
		return true
	}
	return false
}

const (
	swarOnes   = 0x0101010101010101
	swarHighs  = 0x8080808080808080
	swarQuote  = 0x2222222222222222 // '"' in every byte
	swarBSlash = 0x5C5C5C5C5C5C5C5C // '\\' in every byte
)

// quoteOrEscape returns the index of the first '"' or '\\' in b, or len(b).
//
// It tests eight bytes per step (SWAR: the classic "has zero byte" trick on
// b XOR the wanted byte), which beats both a byte loop and IndexByte's call
// overhead on the short strings that make up most of a CloudTrail record.
// The lowest flagged byte is always a true match, so the first index is exact.
func quoteOrEscape(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, e := x^swarQuote, x^swarBSlash
		m := ((q - swarOnes) &^ q) | ((e - swarOnes) &^ e)
		if m &= swarHighs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' {
			return i
		}
	}
	return len(b)
}
