// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import "bytes"

// The Scanner's line methods serve files of records one per line (JSON
// Lines, CloudWatch Logs exports), where a fault is confined to its line:
// decoding resumes at the next line that may start a record (see lineStart).

// SetStamped says that lines start with a timestamp (a CloudWatch Logs
// export), so that a line starting with a digit may start a record too.
func (s *Scanner) SetStamped() { s.stamped = true }

// Stamped reports whether SetStamped was called.
func (s *Scanner) Stamped() bool { return s.stamped }

// LineValue is Value for a file of records one per line: a value longer than
// max that runs across a line that may start a record is given up at that
// line (ErrResync, the scanner standing there) rather than discarded to its
// end, since it is a broken line (an unclosed string turns every later quote
// inside out) and discarding on would lose the rest of the file.
func (s *Scanner) LineValue(max int) ([]byte, error) {
	s.resync = true
	v, err := s.Value(max)
	s.resync = false
	return v, err
}

// resyncAt, when s.resync is set, looks in the i bytes of a value about to
// be discarded (past its first byte) for a line that may start a record
// and, if there is one, consumes up to it.
func (s *Scanner) resyncAt(i int) bool {
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
func (s *Scanner) lineAfter(b []byte) int {
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

// SkipToLine consumes the input up to the next line that starts with '{'
// (the next record of a JSON Lines file), or with a digit when stamped (the
// timestamp of the next line of a CloudWatch Logs export), or to the end.
// The next unread byte is consumed in any case.
func (s *Scanner) SkipToLine() {
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
func (s *Scanner) lineStart(c byte) bool {
	return c == '{' || s.stamped && c >= '0' && c <= '9'
}

// SkipToBufferedLine consumes the input up to the next line, past the next
// unread byte, that may start a record, if the buffered input holds one, and
// reports whether it did (it reads nothing).
func (s *Scanner) SkipToBufferedLine() bool {
	if s.pos >= s.end {
		return false
	}
	off := s.lineAfter(s.buf[s.pos+1 : s.end])
	if off < 0 {
		return false
	}
	s.pos += 1 + off
	return true
}
