// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a node.
type Kind uint8

// The kinds of node.
const (
	Null Kind = iota
	False
	True
	Number
	String
	Object
	Array
)

// node is one JSON value in a Doc, in document (pre-)order.
//
// Objects are followed by their members as (key, value) node pairs, arrays by
// their elements; next is the index just past a node's subtree (After), so a
// reader can hop over values it does not need without recursion.
type node struct {
	start, end int32 // string contents (without quotes), number text, or container span
	next       int32
	kind       Kind
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
	// fields and top, when set (ParseFields), receive the value node of
	// each top-level key that fields names.
	fields *Fields
	top    []int32
}

// Root is the node of the document's value; nodes follow in document order.
const Root = 0

// Kind returns the kind of node i.
func (d *Doc) Kind(i int32) Kind { return d.nodes[i].kind }

// After returns the index of the node just past node i and its subtree: an
// object's members follow it as (key, value) node pairs, an array's elements
// follow it, so that After steps from one member or element to the next.
func (d *Doc) After(i int32) int32 { return d.nodes[i].next }

// Source returns the text the Doc was parsed from.
func (d *Doc) Source() string { return d.str }

// Raw returns the exact source text of node i (containers included).
func (d *Doc) Raw(i int32) string {
	n := &d.nodes[i]
	if n.kind == String {
		return d.str[n.start-1 : n.end+1]
	}
	return d.str[n.start:n.end]
}

// Text returns the decoded value of a string node.
func (d *Doc) Text(i int32) string {
	n := &d.nodes[i]
	s := d.str[n.start:n.end]
	if !n.esc || (strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s)) {
		return s
	}
	return unescape(s)
}

// Lookup returns the value node of key in object node obj, or -1. The last
// occurrence wins, as with encoding/json.
func (d *Doc) Lookup(obj int32, key string) int32 {
	if obj < 0 || d.nodes[obj].kind != Object {
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

// StrAt returns the string at path below obj, if there is one.
func (d *Doc) StrAt(obj int32, path ...string) (string, bool) {
	v := obj
	for _, p := range path {
		v = d.Lookup(v, p)
		if v < 0 {
			return "", false
		}
	}
	if d.nodes[v].kind != String {
		return "", false
	}
	return d.Text(v), true
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

// Number classifies a number node: an int64 when integral and in range, a
// float64 otherwise; exact is false (and text must be kept) when an integral
// value overflows int64.
func (d *Doc) Number(i int32) (iv int64, fv float64, isInt, exact bool) {
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
