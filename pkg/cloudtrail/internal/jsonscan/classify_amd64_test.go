// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan

import "testing"

func init() {
	if fastScanBox {
		boxScanners = append(boxScanners, struct {
			name string
			scan func(*boxState, []byte) (int, bool)
		}{"blocks-without-assembly", func(st *boxState, b []byte) (int, bool) {
			fastScanBox = false
			defer func() { fastScanBox = true }()
			return st.scanBlocks(b)
		}})
	}
}

// TestPortablePath runs the parser's tests with the vector classifier
// switched off, as on CPUs without AVX2 (and other architectures): the
// byte-loop string scan must give the same results. (pkg/cloudtrail's
// TestPortablePath does the same for the decoder and golden tests.)
func TestPortablePath(t *testing.T) {
	if !Vector() {
		t.Skip("this CPU already takes the portable path in every test")
	}
	SetVector(false)
	defer SetVector(true)
	for name, test := range map[string]func(*testing.T){
		"ParseMatchesStdlib": TestParseMatchesStdlib,
	} {
		t.Run(name, test)
	}
}
