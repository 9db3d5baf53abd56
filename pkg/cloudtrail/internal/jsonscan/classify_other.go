// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !amd64

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

// classify fills out with the masks of each 64-byte block of src.
func classify(src []byte, out []uint64) { classifyGo(src, out) }

// classifyBrackets is classify for the splitter.
func classifyBrackets(src []byte, out []uint64) { classifyGo(src, out) }

// fastClassify is false: without vector instructions, splitting by blocks
// would be slower than skipping strings eight bytes at a time.
const fastClassify = false

// fastScanBox is false: there is no assembly block crosser.
const fastScanBox = false

func scanBoxAVX2(*byte, int, int, uint64, *uint64) (int, int, uint64) {
	panic("jsonscan: scanBoxAVX2 without amd64")
}

// Vector is false: the portable paths are the only ones.
func Vector() bool { return false }

// SetVector does nothing: there is no vector path to switch.
func SetVector(bool) {}
