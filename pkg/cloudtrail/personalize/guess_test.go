// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize

import "testing"

// TestGuessedPrimaryAgreesWithTable: the name rule, applied to the
// operations of the table with every ARN member present, finds the table's
// own primary ARN or none, never another one; so for an operation newer than
// the table it is a sound guess.
func TestGuessedPrimaryAgreesWithTable(t *testing.T) {
	found, none := 0, 0
	for _, op := range operations {
		resp, req := guessedPrimary(op.Name)
		if resp == "" && req == "" {
			continue
		}
		// Every member holds its own name, so a value says where it came from.
		has := func(keys []string) Lookuper {
			return func(k string) (string, bool) {
				for _, m := range keys {
					if m == k {
						return "resp-or-req:" + k, true
					}
				}
				return "", false
			}
		}
		respL, reqL := has(op.ResponseARNs), has(op.RequestARNParams)
		want := member(respL, op.primaryResp)
		for _, k := range op.primaryReq {
			if want == "" {
				want = member(reqL, k)
			}
		}
		got := member(respL, resp)
		if got == "" {
			got = member(reqL, req)
		}
		switch {
		case got == "":
			none++
		case got != want:
			t.Errorf("%s: guessed %q, the table says %q", op.Name, got, want)
		default:
			found++
		}
	}
	if found < 45 || none > 2 {
		t.Errorf("the guess finds the table's ARN for %d operations and none for %d", found, none)
	}
	t.Logf("guess = table for %d operations, no guess for %d", found, none)
}
