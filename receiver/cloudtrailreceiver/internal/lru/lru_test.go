package lru

import "testing"

func TestSetEvictsLeastRecentlyUsed(t *testing.T) {
	s := New(2)
	s.Add("a")
	s.Add("b")
	if !s.Contains("a") { // a becomes the most recent
		t.Fatal("a missing")
	}
	s.Add("c") // evicts b
	if s.Contains("b") {
		t.Fatal("b should have been evicted")
	}
	if !s.Contains("a") || !s.Contains("c") {
		t.Fatal("a and c should be members")
	}
	s.Add("c")
	if s.Len() != 2 {
		t.Fatalf("len %d, want 2", s.Len())
	}
}

func TestSetMinimumCapacity(t *testing.T) {
	s := New(0)
	s.Add("x")
	s.Add("y")
	if s.Len() != 1 || !s.Contains("y") || s.Contains("x") {
		t.Fatalf("capacity-1 set holds the wrong members")
	}
}
