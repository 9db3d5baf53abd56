// Package lru is a fixed-capacity set of strings that forgets the least
// recently added or looked-up member first.
package lru // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/lru"

import "container/list"

// Set is a least-recently-used set of strings. It is not safe for
// concurrent use.
type Set struct {
	capacity int
	order    *list.List // front: most recent
	members  map[string]*list.Element
}

// New returns a set holding at most capacity members (at least 1).
func New(capacity int) *Set {
	if capacity < 1 {
		capacity = 1
	}
	return &Set{capacity: capacity, order: list.New(), members: make(map[string]*list.Element)}
}

// Contains reports whether s is a member and, if so, marks it recently used.
func (l *Set) Contains(s string) bool {
	e, ok := l.members[s]
	if ok {
		l.order.MoveToFront(e)
	}
	return ok
}

// Add inserts s (or marks it recently used), evicting the least recently
// used member when the set is full.
func (l *Set) Add(s string) {
	if e, ok := l.members[s]; ok {
		l.order.MoveToFront(e)
		return
	}
	if l.order.Len() >= l.capacity {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.members, oldest.Value.(string))
	}
	l.members[s] = l.order.PushFront(s)
}

// Len is the number of members.
func (l *Set) Len() int { return l.order.Len() }
