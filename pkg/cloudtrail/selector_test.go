// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"testing"
)

// FuzzNeedle checks the rare-byte search against bytes.Contains.
func FuzzNeedle(f *testing.F) {
	f.Add([]byte(`{"eventSource":"personalize.amazonaws.com"}`), "personalize.amazonaws.com")
	f.Add([]byte(`zzzpersonalize.amazonaws.co`), "personalize.amazonaws.com")
	f.Add([]byte(`abc`), "")
	f.Add([]byte(`xyzxyz`), "zx")
	f.Fuzz(func(t *testing.T, raw []byte, s string) {
		n := newNeedle(s)
		if got, want := n.in(raw), bytes.Contains(raw, []byte(s)); got != want {
			t.Fatalf("needle %q in %q = %v, want %v", s, raw, got, want)
		}
	})
}

func TestNeedleAnchorsOnRareByte(t *testing.T) {
	if n := newNeedle(PersonalizeSource); n.b[n.anchor] != 'z' {
		t.Fatalf("anchor %q, want 'z'", n.b[n.anchor])
	}
}
