// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan

import (
	"bytes"
	"testing"
)

// FuzzClassify checks the platform's block classifier (AVX2 on amd64)
// against the portable definition.
func FuzzClassify(f *testing.F) {
	f.Add(bytes.Repeat([]byte(`{"a":["\\"]}`), 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data)/blockSize*blockSize]
		n := len(data) / blockSize * masksPerBlock
		got, want := make([]uint64, n), make([]uint64, n)
		classify(data, got)
		classifyGo(data, want)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("block %d mask %d: %064b, want %064b", i/masksPerBlock, i%masksPerBlock, got[i], want[i])
			}
		}
		clear(got)
		classifyBrackets(data, got)
		for i := range want {
			if i%masksPerBlock != maskSpecial && got[i] != want[i] {
				t.Fatalf("brackets: block %d mask %d: %064b, want %064b", i/masksPerBlock, i%masksPerBlock, got[i], want[i])
			}
		}
	})
}
