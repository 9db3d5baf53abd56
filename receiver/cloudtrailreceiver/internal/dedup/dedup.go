// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package dedup drops CloudTrail records whose eventID was already delivered.
package dedup // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/dedup"

import (
	"strings"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Dedup drops records whose eventID was already delivered (CloudTrail
// delivers some events more than once, possibly in different files).
//
// An eventID becomes "delivered" only when the batch holding it was accepted
// by the next consumer (Commit). Until then it is reserved: any later copy,
// in this batch or in another worker's, is a duplicate. If the batch fails
// (Abort) its reservations are released, so that re-reading the batch
// delivers them; the worker holding a reservation always either delivers it
// or re-reads it from its checkpoint, so a copy skipped meanwhile is not lost.
//
// Workers processing files at once each use a fork: they share the delivered
// and reserved IDs and keep their own batch.
type Dedup struct {
	shared *dedupShared
	mine   map[string]struct{} // IDs this fork reserved for its current batch
	order  []string            // the same, in batch order
}

type dedupShared struct {
	mu       sync.Mutex
	seen     *simplelru.LRU[string, struct{}] // delivered, most recently seen kept
	reserved map[string]struct{}              // in some fork's current batch
}

// New returns nil when de-duplication is disabled; a nil *Dedup admits
// everything.
func New(enabled bool, cacheSize int) *Dedup {
	if !enabled {
		return nil
	}
	return &Dedup{
		shared: &dedupShared{seen: newSeen(cacheSize), reserved: make(map[string]struct{})},
		mine:   make(map[string]struct{}),
	}
}

// Fork returns a dedup sharing d's delivered and reserved IDs with its own batch.
func (d *Dedup) Fork() *Dedup {
	if d == nil {
		return nil
	}
	return &Dedup{shared: d.shared, mine: make(map[string]struct{})}
}

// Reserve admits a record with this eventID into the current batch, unless it
// was delivered or is reserved (by this batch or another worker's); it then
// reports false: a duplicate. Records without an eventID are always admitted.
//
// The ID is a substring of its record's text; what Reserve keeps is a copy,
// or the cache of delivered IDs would keep every remembered record's whole
// text alive (100,000 records of 1.5 KB with the default cache size).
func (d *Dedup) Reserve(id string) bool {
	if d == nil || id == "" {
		return true
	}
	if _, ok := d.mine[id]; ok {
		return false
	}
	s := d.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.reserved[id]; ok {
		return false
	}
	// Get, not Contains: a duplicate seen again stays remembered longer.
	if _, ok := s.seen.Get(id); ok {
		return false
	}
	id = strings.Clone(id)
	s.reserved[id] = struct{}{}
	d.mine[id] = struct{}{}
	d.order = append(d.order, id)
	return true
}

// Release gives back the reservation of a record that did not make it into
// the batch after all (its mapping failed).
func (d *Dedup) Release(id string) {
	if d == nil || id == "" {
		return
	}
	if _, ok := d.mine[id]; !ok {
		return
	}
	delete(d.mine, id)
	for i := len(d.order) - 1; i >= 0; i-- {
		if d.order[i] == id {
			d.order = append(d.order[:i], d.order[i+1:]...)
			break
		}
	}
	d.shared.mu.Lock()
	delete(d.shared.reserved, id)
	d.shared.mu.Unlock()
}

// Commit marks the current batch's eventIDs as delivered.
func (d *Dedup) Commit() { d.Finish(d.Seal(), true) }

// Abort releases the current batch's eventIDs.
func (d *Dedup) Abort() { d.Finish(d.Seal(), false) }

// Sealed are the eventIDs of a batch handed over for delivery while the
// next batch is filled: they stay reserved until Finish.
type Sealed []string

// Seal ends the current batch: its IDs stay reserved (a copy in the next
// batch is a duplicate) until Finish says whether it was delivered.
func (d *Dedup) Seal() Sealed {
	if d == nil || len(d.order) == 0 {
		return nil
	}
	ids := d.order
	d.order = nil
	clear(d.mine)
	return ids
}

// Finish marks a sealed batch's IDs delivered, or releases them.
func (d *Dedup) Finish(ids Sealed, delivered bool) {
	if d == nil || len(ids) == 0 {
		return
	}
	s := d.shared
	s.mu.Lock()
	for _, id := range ids {
		if delivered {
			s.seen.Add(id, struct{}{})
		}
		delete(s.reserved, id)
	}
	s.mu.Unlock()
}

// newSeen makes the cache of delivered IDs; dedup's mutex guards it, so the
// unsynchronised LRU is enough.
func newSeen(size int) *simplelru.LRU[string, struct{}] {
	seen, err := simplelru.NewLRU[string, struct{}](max(size, 1), nil)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return seen
}
