package cloudtrail

import "testing"

// TestFieldTable checks the hashed field lookup against its definition.
func TestFieldTable(t *testing.T) {
	if len(fieldNames) != int(numFields) {
		t.Fatalf("%d field names for %d fields", len(fieldNames), numFields)
	}
	for _, name := range append(fieldNames, "", "x", "ab", "eventname", "EventName", "eventNamf", "userIdentityX", "recipientAccountID") {
		f, ok := fieldOf(name)
		wf, wok := fieldOfSwitch(name)
		if f != wf || ok != wok {
			t.Fatalf("fieldOf(%q) = %v, %v; want %v, %v", name, f, ok, wf, wok)
		}
	}
}
