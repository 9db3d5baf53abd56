// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan

import "testing"

func TestQuoteOrEscape(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c == '"' || c == '\\' {
				return i
			}
		}
		return len(b)
	}
	alphabet := []byte{'a', '"', '\\', 0x21, 0x23, 0x5B, 0x5D, 0x01, 0x00, 0xFF, 0x22 ^ 0x80}
	seed := uint32(1)
	for n := range 5000 {
		b := make([]byte, n%40)
		for i := range b {
			seed = seed*1664525 + 1013904223
			if seed>>28 < 12 {
				b[i] = 'x'
			} else {
				b[i] = alphabet[int(seed>>8)%len(alphabet)]
			}
		}
		if got, want := quoteOrEscape(b), naive(b); got != want {
			t.Fatalf("quoteOrEscape(%q) = %d, want %d", b, got, want)
		}
	}
}

// FuzzBoxScan checks the word-at-a-time splitter against the byte-at-a-time
// state machine on arbitrary bytes, split into arbitrary chunks (as buffer
// refills split a record), from every starting state.
func FuzzBoxScan(f *testing.F) {
	f.Add([]byte(`{"a":"b\"}","c":[1,{"d":"]"}]}, trailing`), uint8(7), uint8(0))
	f.Add([]byte(`"x\\"}]}]"y\"z"}}`), uint8(3), uint8(6))
	f.Add([]byte(`[[[[[[[[]]]]]]]]]]`), uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, start uint8) {
		init := boxState{depth: 1 + int(start%3), inStr: start&4 != 0, escape: start&8 != 0}
		want, wantDone := init, false
		wantN, wantRest := 0, boxState{}
		if n, done := want.bytewise(data); done {
			wantN, wantDone, wantRest = n, true, want
		}
		for _, impl := range boxScanners {
			t.Run(impl.name, func(t *testing.T) {
				checkBoxScan(t, data, int(chunk)*3+1, init, impl.scan, want, wantDone, wantN, wantRest)
			})
		}
	})
}

// boxScanners are the splitter implementations FuzzBoxScan holds to the
// bytewise one (classify_amd64_test.go adds the block loop without its
// assembly fast path).
var boxScanners = []struct {
	name string
	scan func(*boxState, []byte) (int, bool)
}{{"blocks", (*boxState).scanBlocks}, {"strings", (*boxState).scanStrings}}

// checkBoxScan feeds data to scan in chunks of size bytes (1 to 766: block
// tails and whole blocks) and compares with the bytewise outcome.
func checkBoxScan(t *testing.T, data []byte, size int, init boxState, scan func(*boxState, []byte) (int, bool),
	want boxState, wantDone bool, wantN int, wantRest boxState) {
	got := init
	pos := 0
	for pos < len(data) {
		end := min(pos+size, len(data))
		n, done := scan(&got, data[pos:end])
		if done {
			if !wantDone || pos+n != wantN {
				t.Fatalf("scan closed at %d, bytewise at %d (done %v)", pos+n, wantN, wantDone)
			}
			if got != wantRest {
				t.Fatalf("state after close %+v, want %+v", got, wantRest)
			}
			return
		}
		if n != end-pos {
			t.Fatalf("scan consumed %d of %d bytes without closing", n, end-pos)
		}
		pos = end
	}
	if wantDone {
		t.Fatalf("bytewise closed at %d, scan did not", wantN)
	}
	if got != want {
		t.Fatalf("state %+v, want %+v", got, want)
	}
}
