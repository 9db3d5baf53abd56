package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"sync"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/lru"
)

// dedup drops records whose eventID was already delivered (CloudTrail
// delivers some events more than once, possibly in different files).
//
// An eventID becomes "delivered" only when the batch holding it was accepted
// by the next consumer (commit). Until then it is pending: later copies in the
// same batch are duplicates, but if the batch fails (abort) the IDs are
// forgotten, so that re-reading the batch delivers them.
//
// Workers processing files at once each use a fork: they share the delivered
// IDs and keep their own pending batch. Two workers may still both deliver
// an ID that is pending in both at once; that window is one batch long.
type dedup struct {
	mu      *sync.Mutex // guards seen
	seen    *lru.Set
	pending map[string]struct{}
	order   []string // pending IDs in batch order
}

// newDedup returns nil when de-duplication is disabled; a nil *dedup admits
// everything.
func newDedup(cfg DedupConfig) *dedup {
	if !cfg.Enabled {
		return nil
	}
	return &dedup{mu: new(sync.Mutex), seen: lru.New(cfg.CacheSize), pending: make(map[string]struct{})}
}

// fork returns a dedup sharing d's delivered IDs with its own pending batch.
func (d *dedup) fork() *dedup {
	if d == nil {
		return nil
	}
	return &dedup{mu: d.mu, seen: d.seen, pending: make(map[string]struct{})}
}

// duplicate reports whether a record with this eventID was delivered or is
// already in the current batch. Records without an eventID are never
// duplicates.
func (d *dedup) duplicate(id string) bool {
	if d == nil || id == "" {
		return false
	}
	if _, ok := d.pending[id]; ok {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen.Contains(id)
}

// add records an eventID mapped into the current batch.
func (d *dedup) add(id string) {
	if d == nil || id == "" {
		return
	}
	d.pending[id] = struct{}{}
	d.order = append(d.order, id)
}

// commit marks the current batch's eventIDs as delivered.
func (d *dedup) commit() {
	if d == nil {
		return
	}
	d.mu.Lock()
	for _, id := range d.order {
		d.seen.Add(id)
	}
	d.mu.Unlock()
	d.abort()
}

// abort forgets the current batch's eventIDs.
func (d *dedup) abort() {
	if d == nil {
		return
	}
	clear(d.pending)
	d.order = d.order[:0]
}
