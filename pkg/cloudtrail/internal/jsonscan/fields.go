// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

import "fmt"

// Fields is a set of top-level member names that ParseFields indexes.
//
// The parser looks up every top-level key of every document it is given, so
// a lookup is one probe of a perfect hash table (multipliers searched for, at
// construction, so that the names land in distinct slots) rather than a
// string switch or a map.
type Fields struct {
	table   []fieldSlot
	a, b, c int // hash multipliers of the length, first and third-last byte
	n       int // names
}

type fieldSlot struct {
	name  string
	index int
}

// NewFields returns the set of names; ParseFields reports the member named
// names[i] at index i. Names must be distinct and at least three bytes long
// (the hash reads the third-last byte).
func NewFields(names ...string) *Fields {
	size := 1
	for size < 2*len(names) {
		size *= 2
	}
	for ; ; size *= 2 {
		for a := 1; a < 16; a++ {
			for b := 1; b < 16; b++ {
				for c := 1; c < 16; c++ {
					if f, ok := newFields(names, size, a, b, c); ok {
						return f
					}
				}
			}
		}
		if size > 1<<16 {
			panic(fmt.Sprintf("jsonscan: no perfect hash for %q", names))
		}
	}
}

// newFields fills a table of size slots with the hash (a, b, c), if no two
// names share a slot.
func newFields(names []string, size, a, b, c int) (*Fields, bool) {
	f := &Fields{table: make([]fieldSlot, size), a: a, b: b, c: c, n: len(names)}
	for i, name := range names {
		if len(name) < 3 {
			panic(fmt.Sprintf("jsonscan: field name %q shorter than three bytes", name))
		}
		s := &f.table[f.hash(name)]
		if s.name != "" {
			return nil, false
		}
		*s = fieldSlot{name, i}
	}
	return f, true
}

// Len is the number of names.
func (f *Fields) Len() int { return f.n }

func (f *Fields) hash(k string) int {
	return (len(k)*f.a + int(k[0])*f.b + int(k[len(k)-3])*f.c) & (len(f.table) - 1)
}

// Lookup returns the index of key among the names.
func (f *Fields) Lookup(key string) (int, bool) {
	if len(key) < 3 {
		return 0, false
	}
	s := &f.table[f.hash(key)]
	if s.name == key {
		return s.index, true
	}
	return 0, false
}
