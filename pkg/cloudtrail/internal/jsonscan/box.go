// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import "math/bits"

// boxState is the record splitter's state inside an object or array ("a
// box"): bracket depth, whether the current byte is inside a string, and
// whether the previous byte was an escaping backslash.
//
// The splitter is the only code that touches every byte of every record, and
// most records are dropped right after it, so it is written for throughput,
// after simdjson's stage 1: classify marks quotes, backslashes and brackets
// of 64 bytes at a time in bit masks (AVX2 where the CPU has it), a prefix
// XOR of the quote bits tells which bytes are inside strings, and popcounts
// of the bracket bits outside strings track the depth. Only the block where
// the box may close is walked bracket by bracket, and only blocks holding a
// backslash pay for escape handling; where the CPU allows, the blocks in
// between are crossed by one assembly loop (scanBoxAVX2).
//
// A backslash escapes the next byte wherever it is. Valid JSON has
// backslashes only inside strings; for invalid input the splitter merely has
// to be deterministic, because the parser judges every record it returns.
type boxState struct {
	depth  int
	inStr  bool
	escape bool
}

// chunkBlocks is how many blocks one classify call handles: enough to
// amortise the call, few enough that the masks stay in a small stack array.
const chunkBlocks = 4

// scan consumes b and returns how many bytes it used. done reports that the
// box closed; n is then just past its closing bracket, and the state is zero.
func (st *boxState) scan(b []byte) (n int, done bool) {
	if fastClassify {
		return st.scanBlocks(b)
	}
	return st.scanStrings(b)
}

// scanBlocks is scan by 64-byte blocks, for CPUs with a fast classify.
func (st *boxState) scanBlocks(b []byte) (n int, done bool) {
	var masks [chunkBlocks * masksPerBlock]uint64
	// The state lives in locals in the loop, so that it stays in registers:
	// inStr as a mask (all ones inside a string), applied without a branch.
	depth := st.depth
	var inStr uint64
	if st.inStr {
		inStr = ^uint64(0)
	}
	i := 0
	for len(b)-i >= blockSize {
		nb := min((len(b)-i)/blockSize, chunkBlocks)
		if fastScanBox && !st.escape {
			// Cross the plain blocks in assembly; the block where it stops
			// (a backslash, or the box may close) is left, classified, to
			// the loop below.
			var k int
			k, depth, inStr = scanBoxAVX2(&b[i], (len(b)-i)/blockSize, depth, inStr, &masks[0])
			if i += k * blockSize; len(b)-i < blockSize {
				break
			}
			nb = 1
		} else {
			classifyBrackets(b[i:i+nb*blockSize], masks[:nb*masksPerBlock])
		}
		for k := range nb {
			m := masks[k*masksPerBlock : (k+1)*masksPerBlock : (k+1)*masksPerBlock]
			q, open, close := m[maskQuote], m[maskOpen], m[maskClose]
			if bs := m[maskBackslash]; bs != 0 || st.escape {
				esc := st.escaped(bs)
				q &^= esc
				open &^= esc
				close &^= esc
			}
			// Inclusive prefix XOR: bit k is set when an odd number of quotes
			// lie at or before byte k, i.e. (flipped when the block starts in
			// a string) when byte k is inside a string. Brackets are never
			// quotes, so they are classified exactly.
			str := q ^ q<<1
			str ^= str << 2
			str ^= str << 4
			str ^= str << 8
			str ^= str << 16
			str ^= str << 32
			str ^= inStr
			inStr = uint64(int64(str) >> 63)
			open &^= str
			close &^= str
			nc := bits.OnesCount64(close)
			if depth-nc <= 0 && close != 0 {
				// The box may close in this block: walk its brackets in order.
				for br := open | close; br != 0; br &= br - 1 {
					if open&(br&-br) != 0 {
						depth++
					} else if depth--; depth == 0 {
						*st = boxState{}
						return i + bits.TrailingZeros64(br) + 1, true
					}
				}
			} else {
				depth += bits.OnesCount64(open) - nc
			}
			i += blockSize
		}
	}
	st.depth, st.inStr = depth, inStr != 0
	if k, ok := st.bytewise(b[i:]); ok {
		return i + k, true
	}
	return len(b), false
}

// scanStrings is scan for CPUs without a vector classify: a byte loop
// between strings, which it skips eight bytes at a time (most of a record's
// bytes are in strings).
func (st *boxState) scanStrings(b []byte) (n int, done bool) {
	for j := 0; j < len(b); j++ {
		if st.escape {
			st.escape = false
			continue
		}
		if st.inStr {
			if j += quoteOrEscape(b[j:]); j == len(b) {
				break
			}
			if b[j] == '\\' {
				st.escape = true
			} else {
				st.inStr = false
			}
			continue
		}
		switch b[j] {
		case '\\':
			st.escape = true
		case '"':
			st.inStr = true
		case '{', '[':
			st.depth++
		case '}', ']':
			if st.depth--; st.depth == 0 {
				*st = boxState{}
				return j + 1, true
			}
		}
	}
	return len(b), false
}

// escaped returns the mask of bytes of a block that are escaped, given its
// backslash mask, and carries an escape across the block end.
func (st *boxState) escaped(bs uint64) uint64 {
	var esc uint64
	if st.escape {
		esc, bs = 1, bs&^1 // an escaped backslash escapes nothing
		st.escape = false
	}
	for bs != 0 {
		k := bits.TrailingZeros64(bs)
		if k == 63 {
			st.escape = true
			break
		}
		esc |= 1 << (k + 1)
		bs &^= 3 << k // this backslash, and the byte it escapes
	}
	return esc
}

// bytewise runs the splitter's state machine one byte at a time over b: the
// definition the block path must agree with, and the path for block tails.
func (st *boxState) bytewise(b []byte) (n int, done bool) {
	for j, c := range b {
		switch {
		case st.escape:
			st.escape = false
		case c == '\\':
			st.escape = true
		case st.inStr:
			if c == '"' {
				st.inStr = false
			}
		case c == '"':
			st.inStr = true
		case c == '{' || c == '[':
			st.depth++
		case c == '}' || c == ']':
			if st.depth--; st.depth == 0 {
				*st = boxState{}
				return j + 1, true
			}
		}
	}
	return len(b), false
}
