package cloudtrail

import (
	"fmt"
	"testing"
)

// BenchmarkClassify measures the splitter's block classifier (AVX2 on amd64
// CPUs that have it) against the portable one, per call size.
func BenchmarkClassify(b *testing.B) {
	file := benchFile(200, 20)
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
