// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import (
	"encoding/binary"
	"math/bits"
)

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

// plain8 reports whether none of the eight bytes in x needs attention inside
// a JSON string: all are in 0x20..0x7F and none is '"' or '\\'.
func plain8(x uint64) bool {
	q, e := x^swarQuote, x^swarBSlash
	special := ((q - swarOnes) &^ q) | ((e - swarOnes) &^ e) | // '"' or '\\'
		(x - 0x2020202020202020) | // a byte below 0x20 borrows
		x // a byte of 0x80 or more
	return special&swarHighs == 0
}
