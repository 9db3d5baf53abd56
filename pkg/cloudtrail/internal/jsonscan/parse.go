// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import (
	"errors"
	"fmt"
)

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

// ParseFields is Parse that also indexes the top-level members fields names,
// as the parser meets them rather than in a second pass over the keys: top,
// of fields.Len() elements, receives the value node of each one (the last
// one wins, as in encoding/json), -1 for those absent. The index is filled
// when the value is an object.
func (d *Doc) ParseFields(src []byte, fields *Fields, top []int32) error {
	for i := range top {
		top[i] = -1
	}
	d.fields, d.top = fields, top[:fields.Len()]
	err := d.Parse(src)
	d.fields, d.top = nil, nil
	return err
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
		d.nodes = append(d.nodes, node{kind: String})
		end, esc, err := d.scanString(p)
		if err != nil {
			return end, err
		}
		n := &d.nodes[idx]
		n.start, n.end, n.esc, n.next = int32(p+1), int32(end-1), esc, int32(idx+1)
		return end, nil
	case 't':
		return d.literal(p, "true", True)
	case 'f':
		return d.literal(p, "false", False)
	case 'n':
		return d.literal(p, "null", Null)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			end, isInt, err := scanNumber(src, p)
			if err != nil {
				return end, err
			}
			d.nodes = append(d.nodes, node{kind: Number, start: int32(p), end: int32(end), next: int32(idx + 1), isInt: isInt})
			return end, nil
		}
		return p, &SyntaxError{p, fmt.Sprintf("unexpected character %q", c)}
	}
}

func (d *Doc) literal(p int, lit string, k Kind) (int, error) {
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
	d.nodes = append(d.nodes, node{kind: Object, start: int32(p)})
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
			d.nodes = append(d.nodes, node{kind: String, start: int32(p + 1), end: int32(end - 1), esc: esc, next: k + 1})
			if d.depth == 1 && d.fields != nil {
				key := d.str[p+1 : end-1]
				if esc {
					key = d.Text(k)
				}
				if f, ok := d.fields.Lookup(key); ok {
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
	d.nodes = append(d.nodes, node{kind: Array, start: int32(p)})
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
