// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package jsonscan is the JSON machinery under pkg/cloudtrail's decoder: the
// Scanner, which splits a stream into JSON values (records) without parsing
// them, the block classifier it shares with the parser (AVX2 assembly on
// amd64), and Doc, the parser. It knows nothing of CloudTrail: the decoder's
// envelope readers are written on this API.
package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
)

// Scanner finds the extent of JSON values in a stream without parsing them.
//
// It exists so that the decoder can hand out one record at a time while its
// memory stays bounded by the largest record kept (not by the file), and so
// that records the selector rejects cost one pass over their bytes and no
// allocation. It tracks only strings, escapes and bracket depth; the values it
// returns are validated by the parser afterwards.
type Scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	end  int   // end of valid data in buf
	base int64 // stream offset of buf[0]
	rerr error // sticky read error; io.EOF at the end of the stream
	// resync makes Value give up on a value longer than its maximum at the
	// next line that may start a record (see LineValue).
	resync bool
	// stamped: lines start with a timestamp (a CloudWatch Logs export), so
	// a record's line may start with a digit (see lineStart).
	stamped bool
}

const defaultBufferSize = 256 << 10

// ErrEOF: the input ended inside a value.
var ErrEOF = errors.New("unexpected end of input")

// ErrResync: LineValue gave up on a value longer than its maximum that runs
// across the start of a later line; the scanner stands at that line.
var ErrResync = errors.New("value runs into the next line")

// NewScanner returns a scanner of r with a read buffer of size bytes
// (default 256 KiB), grown only as far as a value kept needs.
func NewScanner(r io.Reader, size int) *Scanner {
	if size <= 0 {
		size = defaultBufferSize
	}
	return &Scanner{r: r, buf: make([]byte, size)}
}

// NewScannerBuffer returns a scanner of r that reads into buf (its whole
// capacity), so that a caller reading many files can reuse one buffer.
func NewScannerBuffer(r io.Reader, buf []byte) *Scanner {
	if cap(buf) == 0 {
		return NewScanner(r, 0)
	}
	return &Scanner{r: r, buf: buf[:cap(buf)]}
}

// Release returns the scanner's buffer (grown or not) for reuse; the
// scanner must not be used afterwards.
func (s *Scanner) Release() []byte {
	b := s.buf
	s.buf, s.r = nil, nil
	return b
}

// Offset is the stream offset of the next unread byte.
func (s *Scanner) Offset() int64 { return s.base + int64(s.pos) }

// fill drops everything before keep, then reads more data. It grows the
// buffer when keep is 0 and the buffer is full, never beyond limit bytes
// (limit <= 0 means no growth). It reports whether new bytes arrived.
func (s *Scanner) fill(keep int, limit int) bool {
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

// ReadErr is the error that ended the stream early, or nil at a clean EOF.
func (s *Scanner) ReadErr() error {
	if s.rerr == nil || errors.Is(s.rerr, io.EOF) {
		return nil
	}
	return s.rerr
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// Peek skips whitespace and returns the next byte without consuming it.
func (s *Scanner) Peek() (byte, bool) {
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

// Skip consumes n bytes that Peek or Ahead returned.
func (s *Scanner) Skip(n int) { s.pos += n }

// Ahead returns the unread input, reading ahead (and growing the buffer)
// until it holds at least n bytes, without consuming anything. It returns
// fewer only at the end of the input (or a read error). The bytes stay valid
// until the next call.
func (s *Scanner) Ahead(n int) []byte {
	for s.end-s.pos < n && s.fill(s.pos, n) {
	}
	return s.buf[s.pos:s.end]
}

// BufferSize is the size the read buffer has grown to.
func (s *Scanner) BufferSize() int { return len(s.buf) }

// TooLargeError reports a value larger than the configured maximum; the value
// was skipped entirely, so the stream stays usable.
type TooLargeError struct{ Size int64 }

func (e TooLargeError) Error() string { return "value too large" }

// Value scans the JSON value starting at the next non-space byte and returns
// its bytes, which stay valid until the next scanner call. A value longer than
// max bytes is consumed without being kept, and TooLargeError is returned.
// Running out of input inside the value returns ErrEOF (or the read error).
func (s *Scanner) Value(max int) ([]byte, error) {
	if _, ok := s.Peek(); !ok {
		if err := s.ReadErr(); err != nil {
			return nil, err
		}
		return nil, ErrEOF
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
					return nil, ErrResync
				}
				dropped += int64(i)
				s.pos += i
				i = 0
			}
			if !s.fill(s.pos, limit) {
				if s.end-s.pos == len(s.buf) && s.rerr == nil {
					// Buffer at its limit: start discarding.
					if s.resyncAt(i) {
						return nil, ErrResync
					}
					dropped += int64(i)
					s.pos += i
					i = 0
					continue
				}
				if scalar && started && s.ReadErr() == nil {
					finished = true // a scalar may end at EOF
					break
				}
				if err := s.ReadErr(); err != nil {
					return nil, err
				}
				return nil, ErrEOF
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
		return nil, TooLargeError{Size: dropped + int64(i)}
	}
	v := s.buf[s.pos : s.pos+i]
	s.pos += i
	return v, nil
}

// PeekObject returns the whole object whose '{' is the next unread byte if
// it ends within limit bytes, reading ahead (and growing the buffer up to
// limit) as needed, without consuming anything.
func (s *Scanner) PeekObject(limit int) ([]byte, bool) {
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

// maxKeyPeek bounds how far FirstKey reads ahead.
const maxKeyPeek = 4096

// FirstKey returns the first key of the object whose '{' is the next unread
// byte, without consuming anything. It reads ahead at most maxKeyPeek bytes
// (growing a smaller buffer to that) and reports false when the key is not
// among them.
func (s *Scanner) FirstKey() ([]byte, bool) {
	for {
		if key, ok := FirstKeyOf(s.buf[s.pos:s.end]); ok {
			return key, true
		}
		if s.end-s.pos >= maxKeyPeek || !s.fill(s.pos, maxKeyPeek) {
			return nil, false
		}
	}
}

// FirstKeyOf returns the first key of the JSON object starting at b[0]
// (as written, escapes and all), if b holds it whole.
func FirstKeyOf(b []byte) ([]byte, bool) {
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
