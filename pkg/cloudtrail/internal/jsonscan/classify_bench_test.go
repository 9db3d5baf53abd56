// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// BenchmarkClassify measures the splitter's block classifier (AVX2 on amd64
// CPUs that have it) against the portable one, per call size, on about 300
// KB of CloudTrail records (classifying costs the same whatever the bytes).
func BenchmarkClassify(b *testing.B) {
	records, err := os.ReadFile("../../testdata/synthetic/personalize-synthetic.records.json")
	if err != nil {
		b.Fatal(err)
	}
	file := bytes.Repeat(records, 300<<10/len(records)+1)
	impls := []struct {
		name string
		fn   func([]byte, []uint64)
	}{{"platform", classify}, {"portable", classifyGo}}
	for _, blocks := range []int{chunkBlocks, 256} {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("blocks=%d/%s", blocks, impl.name), func(b *testing.B) {
				out := make([]uint64, blocks*masksPerBlock)
				step := blocks * blockSize
				n := len(file) / step * step
				b.SetBytes(int64(n))
				for b.Loop() {
					for p := 0; p+step <= n; p += step {
						impl.fn(file[p:p+step], out)
					}
				}
			})
		}
	}
}
