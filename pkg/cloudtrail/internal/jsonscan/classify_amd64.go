// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import "golang.org/x/sys/cpu"

// classify fills out with the masks of each 64-byte block of src (see
// classifyGo), with AVX2 when the CPU has it: 32 bytes per compare instead of
// eight bytes per SWAR step.
func classify(src []byte, out []uint64) { classifyMasks(src, out, true) }

// classifyBrackets is classify without the special mask (left as it was),
// for the splitter.
func classifyBrackets(src []byte, out []uint64) { classifyMasks(src, out, false) }

func classifyMasks(src []byte, out []uint64, special bool) {
	blocks := len(src) / blockSize
	if blocks == 0 {
		return
	}
	if !fastClassify {
		classifyGo(src, out)
		return
	}
	_ = out[blocks*masksPerBlock-1]
	classifyAVX2(&src[0], blocks, &out[0], special)
}

// fastClassify reports that classify runs in vector instructions, so that
// the splitter works by 64-byte blocks (see boxState).
var fastClassify = cpu.X86.HasAVX2

// fastScanBox reports that the splitter can cross blocks in assembly
// (scanBoxAVX2), which needs a carry-less multiply besides AVX2.
var fastScanBox = fastClassify && cpu.X86.HasPCLMULQDQ && cpu.X86.HasPOPCNT

// Vector reports whether the splitter and the parser classify by vector
// instructions on this CPU (SetVector may have switched that off).
func Vector() bool { return fastClassify }

// SetVector switches the vector paths off (false) or back to what the CPU
// allows (true), so that tests can hold the portable paths, which CPUs
// without AVX2 take, to the same results on any machine. Not for concurrent
// use with decoding.
func SetVector(on bool) {
	fastClassify = on && cpu.X86.HasAVX2
	fastScanBox = fastClassify && cpu.X86.HasPCLMULQDQ && cpu.X86.HasPOPCNT
}

//go:noescape
func scanBoxAVX2(src *byte, blocks int, depth int, inStr uint64, out *uint64) (n int, newDepth int, newInStr uint64)

//go:noescape
func classifyAVX2(src *byte, blocks int, out *uint64, special bool)
