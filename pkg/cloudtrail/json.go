package cloudtrail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

// node is one JSON value in a Doc, in document (pre-)order.
//
// Objects are followed by their members as (key, value) node pairs, arrays by
// their elements; next is the index just past a node's subtree, so a reader
// can hop over values it does not need without recursion.
type node struct {
	start, end int32 // string contents (without quotes), number text, or container span
	next       int32
	kind       kind
	esc        bool // string needs unescaping or UTF-8 repair
	isInt      bool // number has no fraction or exponent
}

// Doc is a parsed JSON document that keeps values as spans of its source.
//
// It is the decoder's answer to two product needs at once: a lossless body
// (numbers keep their exact text; int64 when integral) and fast attribute
// extraction without building maps for fields nobody reads. A Doc is reusable:
// Parse resets it and keeps its allocations.
type Doc struct {
	src   []byte
	str   string // src as one string, so unescaped values are free substrings
	nodes []node
	depth int
	// masks classify src by 64-byte blocks (see classify) where that is
	// fast, so that strings, most of a record's bytes, are crossed by
	// finding the next quote bit rather than byte by byte.
	masks []uint64
	// top, when set, receives the value node of each top-level key that
	// names a record field (the last one wins, as in encoding/json).
	top *[numFields]int32
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

// SyntaxError is a JSON syntax error at a byte offset within one record.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// Parse parses src, which must hold exactly one JSON value. The Doc keeps a
// string copy of src; src itself may be reused by the caller afterwards.
func (d *Doc) Parse(src []byte) error {
	d.str = string(src)
	return d.parse(src)
}

func (d *Doc) parse(src []byte) error {
	if len(src) > 1<<31-1 {
		return errors.New("JSON value larger than 2 GiB")
	}
	d.src = src
	d.nodes = d.nodes[:0]
	d.depth = 0
	d.masks = d.masks[:0]
	if fastClassify {
		d.classify(src)
	}
	p := skipWS(src, 0)
	p, err := d.value(p)
	if err != nil {
		return err
	}
	p = skipWS(src, p)
	if p != len(src) {
		return &SyntaxError{p, "unexpected data after the value"}
	}
	// The source buffer belongs to the caller; from here on only str is used.
	d.src = nil
	return nil
}

func skipWS(b []byte, p int) int {
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	return p
}

func (d *Doc) value(p int) (int, error) {
	src := d.src
	if p >= len(src) {
		return p, &SyntaxError{p, "unexpected end of value"}
	}
	idx := len(d.nodes)
	switch c := src[p]; c {
	case '{':
		return d.object(p, idx)
	case '[':
		return d.array(p, idx)
	case '"':
		d.nodes = append(d.nodes, node{kind: kindString})
		end, esc, err := d.scanString(p)
		if err != nil {
			return end, err
		}
		n := &d.nodes[idx]
		n.start, n.end, n.esc, n.next = int32(p+1), int32(end-1), esc, int32(idx+1)
		return end, nil
	case 't':
		return d.literal(p, "true", kindTrue)
	case 'f':
		return d.literal(p, "false", kindFalse)
	case 'n':
		return d.literal(p, "null", kindNull)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			end, isInt, err := scanNumber(src, p)
			if err != nil {
				return end, err
			}
			d.nodes = append(d.nodes, node{kind: kindNumber, start: int32(p), end: int32(end), next: int32(idx + 1), isInt: isInt})
			return end, nil
		}
		return p, &SyntaxError{p, fmt.Sprintf("unexpected character %q", c)}
	}
}

func (d *Doc) literal(p int, lit string, k kind) (int, error) {
	if len(d.src)-p < len(lit) || string(d.src[p:p+len(lit)]) != lit {
		return p, &SyntaxError{p, "invalid literal"}
	}
	idx := len(d.nodes)
	d.nodes = append(d.nodes, node{kind: k, start: int32(p), end: int32(p + len(lit)), next: int32(idx + 1)})
	return p + len(lit), nil
}

func (d *Doc) object(p, idx int) (int, error) {
	d.depth++
	if d.depth > maxDepth {
		return p, &SyntaxError{p, "nesting too deep"}
	}
	src := d.src
	d.nodes = append(d.nodes, node{kind: kindObject, start: int32(p)})
	p = skipWS(src, p+1)
	if p < len(src) && src[p] == '}' {
		p++
	} else {
		for {
			if p >= len(src) || src[p] != '"' {
				return p, &SyntaxError{p, "expected object key"}
			}
			// Keys are always strings: scan them here, without value's dispatch.
			end, esc, err := d.scanString(p)
			if err != nil {
				return end, err
			}
			k := int32(len(d.nodes))
			d.nodes = append(d.nodes, node{kind: kindString, start: int32(p + 1), end: int32(end - 1), esc: esc, next: k + 1})
			if d.depth == 1 && d.top != nil {
				key := d.str[p+1 : end-1]
				if esc {
					key = d.text(k)
				}
				if f, ok := fieldOf(key); ok {
					d.top[f] = k + 1
				}
			}
			p = end
			p = skipWS(src, p)
			if p >= len(src) || src[p] != ':' {
				return p, &SyntaxError{p, "expected ':' after object key"}
			}
			p = skipWS(src, p+1)
			if p, err = d.value(p); err != nil {
				return p, err
			}
			p = skipWS(src, p)
			if p < len(src) && src[p] == ',' {
				p = skipWS(src, p+1)
				continue
			}
			if p < len(src) && src[p] == '}' {
				p++
				break
			}
			return p, &SyntaxError{p, "expected ',' or '}' in object"}
		}
	}
	d.depth--
	n := &d.nodes[idx]
	n.end, n.next = int32(p), int32(len(d.nodes))
	return p, nil
}

func (d *Doc) array(p, idx int) (int, error) {
	d.depth++
	if d.depth > maxDepth {
		return p, &SyntaxError{p, "nesting too deep"}
	}
	src := d.src
	d.nodes = append(d.nodes, node{kind: kindArray, start: int32(p)})
	p = skipWS(src, p+1)
	if p < len(src) && src[p] == ']' {
		p++
	} else {
		for {
			var err error
			if p, err = d.value(p); err != nil {
				return p, err
			}
			p = skipWS(src, p)
			if p < len(src) && src[p] == ',' {
				p = skipWS(src, p+1)
				continue
			}
			if p < len(src) && src[p] == ']' {
				p++
				break
			}
			return p, &SyntaxError{p, "expected ',' or ']' in array"}
		}
	}
	d.depth--
	n := &d.nodes[idx]
	n.end, n.next = int32(p), int32(len(d.nodes))
	return p, nil
}

// strClass marks bytes that need attention inside a JSON string.
var strClass = func() (t [256]byte) {
	for i := range 0x20 {
		t[i] = 1 // control characters are invalid
	}
	t['"'] = 2
	t['\\'] = 3
	for i := 0x80; i < 0x100; i++ {
		t[i] = 4 // non-ASCII: needs UTF-8 validation
	}
	return t
}()

// classify fills d.masks for src, the last partial block zero-padded (zero
// bytes are special and never quotes, so the padding cannot end a string).
func (d *Doc) classify(src []byte) {
	full, n := len(src)/blockSize, (len(src)+blockSize-1)/blockSize
	if cap(d.masks) < n*masksPerBlock {
		d.masks = make([]uint64, n*masksPerBlock)
	}
	d.masks = d.masks[:n*masksPerBlock]
	classify(src[:full*blockSize], d.masks)
	if full < n {
		var pad [blockSize]byte
		copy(pad[:], src[full*blockSize:])
		classify(pad[:], d.masks[full*masksPerBlock:])
	}
}

// scanString is scanString on d.src, through the block masks when there
// are: a string with no backslash, control character or non-ASCII byte (the
// usual case) ends at the next quote bit. Any other string, and any error,
// is left to the byte loop, which validates it.
func (d *Doc) scanString(p int) (end int, esc bool, err error) {
	i := p + 1
	for blk := i / blockSize; blk < len(d.masks)/masksPerBlock; blk++ {
		m := d.masks[blk*masksPerBlock : (blk+1)*masksPerBlock : (blk+1)*masksPerBlock]
		sh := uint(i) % blockSize
		q := m[maskQuote] >> sh
		other := (m[maskBackslash] | m[maskSpecial]) >> sh
		if q != 0 {
			if other&(q&-q-1) != 0 {
				break
			}
			return i + bits.TrailingZeros64(q) + 1, false, nil
		}
		if other != 0 {
			break
		}
		i = (blk + 1) * blockSize
	}
	return scanString(d.src, p)
}

// scanString validates the string starting at the quote at p and returns the
// index just past its closing quote.
func scanString(src []byte, p int) (end int, esc bool, err error) {
	i := p + 1
	for i < len(src) {
		// Skip eight plain bytes at a time: no quote, backslash, control
		// character or non-ASCII byte among them.
		for i+8 <= len(src) && plain8(binary.LittleEndian.Uint64(src[i:])) {
			i += 8
		}
		if i >= len(src) {
			break
		}
		switch strClass[src[i]] {
		case 0:
			i++
		case 2:
			return i + 1, esc, nil
		case 3:
			esc = true
			if i+1 >= len(src) {
				return i, esc, &SyntaxError{i, "unterminated string"}
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) || !isHex4(src[i+2:i+6]) {
					return i, esc, &SyntaxError{i, "invalid \\u escape"}
				}
				i += 6
			default:
				return i, esc, &SyntaxError{i, "invalid escape"}
			}
		case 4:
			esc = true
			i++
		default:
			return i, esc, &SyntaxError{i, "control character in string"}
		}
	}
	return i, esc, &SyntaxError{i, "unterminated string"}
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func scanNumber(src []byte, p int) (end int, isInt bool, err error) {
	i := p
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		return i, false, &SyntaxError{i, "invalid number"}
	}
	isInt = true
	if i < len(src) && src[i] == '.' {
		isInt = false
		i++
		start := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == start {
			return i, false, &SyntaxError{i, "invalid number fraction"}
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		isInt = false
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		start := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == start {
			return i, false, &SyntaxError{i, "invalid number exponent"}
		}
	}
	return i, isInt, nil
}

// ---- reading a Doc ----

const root = 0

func (d *Doc) kind(i int32) kind { return d.nodes[i].kind }

// raw returns the exact source text of node i (containers included).
func (d *Doc) raw(i int32) string {
	n := &d.nodes[i]
	if n.kind == kindString {
		return d.str[n.start-1 : n.end+1]
	}
	return d.str[n.start:n.end]
}

// text returns the decoded value of a string node.
func (d *Doc) text(i int32) string {
	n := &d.nodes[i]
	s := d.str[n.start:n.end]
	if !n.esc || (strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s)) {
		return s
	}
	return unescape(s)
}

// lookup returns the value node of key in object node obj, or -1. The last
// occurrence wins, as with encoding/json.
func (d *Doc) lookup(obj int32, key string) int32 {
	if obj < 0 || d.nodes[obj].kind != kindObject {
		return -1
	}
	found := int32(-1)
	end := d.nodes[obj].next
	for k := obj + 1; k < end; {
		v := k + 1
		if d.keyEquals(k, key) {
			found = v
		}
		k = d.nodes[v].next
	}
	return found
}

func (d *Doc) keyEquals(k int32, key string) bool {
	n := &d.nodes[k]
	if !n.esc {
		return d.str[n.start:n.end] == key
	}
	return unescape(d.str[n.start:n.end]) == key
}

// str returns the string at path below obj, or "" when absent or not a string.
func (d *Doc) strAt(obj int32, path ...string) (string, bool) {
	v := obj
	for _, p := range path {
		v = d.lookup(v, p)
		if v < 0 {
			return "", false
		}
	}
	if d.nodes[v].kind != kindString {
		return "", false
	}
	return d.text(v), true
}

// unescape decodes JSON string contents (no quotes) and repairs invalid UTF-8
// with U+FFFD, as encoding/json does, so that every string handed to pdata is
// valid UTF-8 and survives protobuf encoding.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			switch s[i+1] {
			case '"', '\\', '/':
				b = append(b, s[i+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := rune(hexVal(s[i+2 : i+6]))
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 := rune(hexVal(s[i+2 : i+6]))
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

func hexVal(s string) uint16 {
	var v uint16
	for i := range 4 {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		v = v<<4 | uint16(c)
	}
	return v
}

// number classifies a number node: an int64 when integral and in range, a
// float64 otherwise; exact is false (and text must be kept) when an integral
// value overflows int64.
func (d *Doc) number(i int32) (iv int64, fv float64, isInt, exact bool) {
	n := &d.nodes[i]
	s := d.str[n.start:n.end]
	if n.isInt {
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return v, 0, true, true
		}
		return 0, 0, true, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil { // out of range exponent: keep the text
		return 0, 0, false, false
	}
	return 0, f, false, true
}

// plain8 reports whether none of the eight bytes in x needs attention inside
// a JSON string: all are in 0x20..0x7F and none is '"' or '\\'.
func plain8(x uint64) bool {
	q, e := x^swarQuote, x^swarBSlash
	special := ((q - swarOnes) &^ q) | ((e - swarOnes) &^ e) | // '"' or '\\'
		(x - 0x2020202020202020) | // a byte below 0x20 borrows
		x // a byte of 0x80 or more
	return special&swarHighs == 0
}
