// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import "encoding/binary"

// blockSize is the unit of the splitter's classification step: one bit per
// byte in a uint64 mask.
const blockSize = 64

// Masks of one 64-byte block, as classify writes them: bit k is set when byte
// k of the block is that character.
const (
	maskQuote = iota
	maskBackslash
	maskOpen    // '{' or '['
	maskClose   // '}' or ']'
	maskSpecial // a control character (below 0x20) or a non-ASCII byte
	masksPerBlock
)

// classifyGo is the portable classifier: for each 64-byte block of src (whose
// length is a multiple of blockSize) it writes the masks into out. It
// defines what the assembly version must compute, and runs where that one
// cannot.
func classifyGo(src []byte, out []uint64) {
	for blk := 0; blk+blockSize <= len(src); blk += blockSize {
		var q, bs, op, cl, sp uint64
		for w := 0; w < blockSize; w += 8 {
			x := binary.LittleEndian.Uint64(src[blk+w:])
			folded := x | swarCase
			q |= gather(zeroBytes(x^swarQuote)) << w
			bs |= gather(zeroBytes(x^swarBSlash)) << w
			op |= gather(zeroBytes(folded^swarOpen)) << w
			cl |= gather(zeroBytes(folded^swarClose)) << w
			// High bit of (low seven bits + 0x60) says "at least 0x20".
			sp |= gather((x|(((x&swarLow7)+0x6060606060606060)^swarHighs))&swarHighs) << w
		}
		o := out[blk/blockSize*masksPerBlock:]
		o[maskQuote], o[maskBackslash], o[maskOpen], o[maskClose], o[maskSpecial] = q, bs, op, cl, sp
	}
}

// gather packs the high bits of the eight bytes of m (as zeroBytes returns
// them) into the low eight bits, byte 0 first.
func gather(m uint64) uint64 { return (m >> 7) * 0x0102040810204080 >> 56 }

const (
	swarLow7  = 0x7F7F7F7F7F7F7F7F
	swarCase  = 0x2020202020202020 // folds '[' onto '{' and ']' onto '}'
	swarOpen  = 0x7B7B7B7B7B7B7B7B // '{' in every byte
	swarClose = 0x7D7D7D7D7D7D7D7D // '}' in every byte
)

// zeroBytes returns the high bit of every byte of y that is zero, exactly
// (no false positives from borrows, unlike the cheaper "has a zero" test).
func zeroBytes(y uint64) uint64 {
	t := (y & swarLow7) + swarLow7
	return ^(t | y) & swarHighs
}
