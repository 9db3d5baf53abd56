// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import "testing"

// TestFieldTable checks the hashed field lookup: every field name finds its
// field, and near misses find nothing.
func TestFieldTable(t *testing.T) {
	for f, name := range fieldNames {
		if name == "" {
			t.Fatalf("field %d has no name", f)
		}
		if got, ok := fieldOf(name); !ok || got != field(f) {
			t.Fatalf("fieldOf(%q) = %v, %v; want %v, true", name, got, ok, field(f))
		}
	}
	for _, name := range []string{"", "x", "ab", "eventname", "EventName", "eventNamf", "userIdentityX", "recipientAccountID", "eventSource "} {
		if f, ok := fieldOf(name); ok {
			t.Fatalf("fieldOf(%q) = %v, want no field", name, f)
		}
	}
}
