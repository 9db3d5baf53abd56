// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// The checkpoint of a finished file is what keeps it from being read twice,
// so it is kept as long as the source may offer the file again. After that
// it is only storage that grows with every file ever read: a trail writes a
// file per region every five minutes, an organization trail thousands an
// hour. Retention forgets those checkpoints. Each is looked at
// checkpoint_retention after its file was finished, and then every
// checkpoint_retention again: it is deleted when the source could not offer
// its file at two such looks in a row (see Forgettable), so that a file
// missing for a moment (a sync tool replacing it, a permission being
// fixed) is not read a second time when it is back.
//
// The storage API cannot list keys, so the receiver keeps its own record of
// what it finished: the keys finished in each time slot, under
// doneSlotPrefix+<slot start>, and the list of slots under doneIndexKey.
// Slots are a 24th of the retention wide (at most an hour). The current
// slot is rewritten after each poll that finished files; an expired one is
// read once, its keys deleted or carried over into the current carry slot,
// a second list of the same period written only by prunes, so that the
// keys carried over (after a long stop, every file of a tree at once) are
// not rewritten at every poll with the few files it finishes.
const (
	doneIndexKey   = "cloudtrail.done"
	doneSlotPrefix = "cloudtrail.done."
	// maxKeysPerPrune bounds the keys looked at after one poll (whole slots,
	// at least one), so that a backlog after a long stop is worked off over
	// several polls.
	maxKeysPerPrune = 50_000
	// deleteChunk is the number of deletions sent in one storage batch.
	deleteChunk = 500
)

// Forgettable is a source's Forgettable: whether the checkpoint stored
// under a key may be deleted because its object cannot be offered again, or
// nil when nothing can be decided now. pathOf reads where a checkpoint's
// object was last seen.
type Forgettable func(pathOf func(key string) (string, error)) func(key string) bool

// doneList is what a slot holds: the keys finished (or carried over) in it,
// and those carried over because their file was already gone at the look
// before, which are forgotten if it still is.
type doneList struct {
	Keys []string `json:"keys,omitempty"`
	Gone []string `json:"gone,omitempty"`
}

// doneSlot is a time slot [Start, End) (Unix milliseconds) in which the
// files whose keys its list holds were finished, or, for a carry slot, in
// which they were carried over.
type doneSlot struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	Carry bool  `json:"carry,omitempty"`
}

// keySet is a set of checkpoint keys; sets keep what waits for a flush
// bounded by the distinct keys, however often a failing flush is retried.
type keySet map[string]struct{}

func (s keySet) add(keys ...string) {
	for _, k := range keys {
		s[k] = struct{}{}
	}
}

// Retention records which checkpoints are finished, and when, and
// deletes those past the retention that their source can do without.
type Retention struct {
	client storage.Client
	cps    *Store
	keep   time.Duration
	width  time.Duration
	now    func() time.Time
	logger *zap.Logger
	tel    *telemetry.Telemetry

	mu sync.Mutex
	// pending are the keys finished since the last flush.
	pending keySet
	slots   []doneSlot
	loaded  bool
	// blocked is set while the source cannot tell what to forget, so that
	// this is logged once, not after every poll.
	blocked bool
}

func NewRetention(client storage.Client, keep time.Duration, now func() time.Time, logger *zap.Logger, tel *telemetry.Telemetry) *Retention {
	return &Retention{
		client:  client,
		cps:     &Store{client: client},
		keep:    keep,
		width:   min(max(keep/24, time.Millisecond), time.Hour),
		now:     now,
		logger:  logger,
		tel:     tel,
		pending: keySet{},
	}
}

// Finished notes that the checkpoint under key now says its file is done.
// Safe for concurrent use by the processor's workers.
func (r *Retention) Finished(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending.add(key)
}

// Flush adds the keys waiting to the current slot. On a storage error they
// wait for the next flush.
func (r *Retention) Flush(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.flushLocked(context.WithoutCancel(ctx)); err != nil {
		r.logger.Warn("Cannot record finished CloudTrail files for checkpoint retention; trying again after the next poll", zap.Error(err))
	}
}

func (r *Retention) flushLocked(ctx context.Context) error {
	if len(r.pending) == 0 {
		return nil
	}
	if err := r.addToSlot(ctx, false, r.pending, nil); err != nil {
		return err
	}
	clear(r.pending)
	return nil
}

// addToSlot adds keys, and gone as gone unless also in keys, to the current
// slot (carry: the current carry slot).
func (r *Retention) addToSlot(ctx context.Context, carry bool, keys, gone keySet) error {
	if err := r.load(ctx); err != nil {
		return err
	}
	start := r.now().Truncate(r.width).UnixMilli()
	slot := doneSlot{Start: start, End: start + r.width.Milliseconds(), Carry: carry}
	var list doneList
	if slices.ContainsFunc(r.slots, func(s doneSlot) bool { return s.Start == start && s.Carry == carry }) {
		var err error
		if list, err = r.readSlot(ctx, slot); err != nil {
			return err
		}
	} else {
		// The index first: an index entry without its list reads as an
		// empty list, while a list no index names would stay for ever.
		slots := append(slices.Clip(r.slots), slot)
		if err := SetJSON(ctx, r.client, doneIndexKey, slots); err != nil {
			return err
		}
		r.slots = slots
	}
	all, allGone := keySet{}, keySet{}
	all.add(list.Keys...)
	allGone.add(list.Gone...)
	maps.Copy(all, keys)
	maps.Copy(allGone, gone)
	for k := range all {
		delete(allGone, k)
	}
	list = doneList{Keys: slices.Sorted(maps.Keys(all)), Gone: slices.Sorted(maps.Keys(allGone))}
	return SetJSON(ctx, r.client, slotKey(slot), list)
}

// Prune takes the expired slots: it deletes the checkpoints src can forget
// for the second look in a row and carries the others over to the current
// slot, to be looked at again one retention later. It is called after a
// poll that went through every file the source offered, so that the source
// knows all its files.
func (r *Retention) Prune(ctx context.Context, forgettable Forgettable) {
	ctx = context.WithoutCancel(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		r.logger.Warn("Cannot read the record of finished CloudTrail files; checkpoint retention waits for the next poll", zap.Error(err))
		return
	}
	cutoff := r.now().Add(-r.keep).UnixMilli()
	var expired []doneSlot
	for _, s := range r.slots {
		if s.End <= cutoff {
			expired = append(expired, s)
		}
	}
	if len(expired) == 0 {
		return
	}
	canForget := forgettable(r.pathOf)
	if canForget == nil {
		if !r.blocked {
			r.blocked = true
			r.logger.Warn("Checkpoint retention is waiting: the CloudTrail source cannot tell now which finished files are gone")
		}
		return
	}
	r.blocked = false

	// Every expired slot taken is read whole; the outcome is only written
	// once all are, so a failure part way changes nothing.
	var taken []doneSlot
	var forget []string
	keys, gone := keySet{}, keySet{}
	looked := 0
	for _, s := range expired {
		if looked >= maxKeysPerPrune {
			break
		}
		list, err := r.readSlot(ctx, s)
		switch {
		case Undecodable(err):
			r.logger.Error("Dropping a record of finished CloudTrail files that cannot be decoded; their checkpoints are kept for ever",
				zap.String("key", slotKey(s)), zap.Error(err))
		case err != nil:
			r.logger.Warn("Cannot read a record of finished CloudTrail files; checkpoint retention waits for the next poll", zap.Error(err))
			return
		}
		for _, k := range list.Gone {
			if canForget(k) {
				forget = append(forget, k)
			} else {
				keys.add(k)
			}
		}
		for _, k := range list.Keys {
			if canForget(k) {
				gone.add(k)
			} else {
				keys.add(k)
			}
		}
		looked += len(list.Keys) + len(list.Gone)
		taken = append(taken, s)
	}
	slices.Sort(forget)
	forget = slices.Compact(forget)
	for _, k := range forget {
		delete(gone, k)
	}
	forgotten := 0
	for c := range slices.Chunk(forget, deleteChunk) {
		ops := make([]*storage.Operation, len(c))
		for i, k := range c {
			ops[i] = storage.DeleteOperation(KeyPrefix + k)
		}
		if err := r.client.Batch(ctx, ops...); err != nil {
			r.logger.Warn("Cannot delete expired CloudTrail checkpoints; trying again after the next poll", zap.Error(err))
			return
		}
		forgotten += len(c)
		r.tel.Forgotten(ctx, int64(len(c)))
	}
	if len(keys)+len(gone) > 0 {
		if err := r.addToSlot(ctx, true, keys, gone); err != nil {
			r.logger.Warn("Cannot carry CloudTrail checkpoints over for checkpoint retention; trying again after the next poll", zap.Error(err))
			return
		}
	}
	// The index first, as in addToSlot.
	slots := slices.DeleteFunc(slices.Clone(r.slots), func(x doneSlot) bool { return slices.Contains(taken, x) })
	if err := SetJSON(ctx, r.client, doneIndexKey, slots); err != nil {
		r.logger.Warn("Cannot update the record of finished CloudTrail files; trying again after the next poll", zap.Error(err))
		return
	}
	r.slots = slots
	for _, s := range taken {
		if err := r.client.Delete(ctx, slotKey(s)); err != nil {
			r.logger.Debug("Cannot delete an expired record of finished CloudTrail files", zap.Error(err))
		}
	}
	fields := []zap.Field{zap.Duration("checkpoint_retention", r.keep), zap.Int("forgotten", forgotten),
		zap.Int("carried_over", len(keys)+len(gone))}
	if forgotten > 0 {
		r.logger.Info("Forgot the checkpoints of CloudTrail files whose source could not offer them at two looks one checkpoint_retention apart", fields...)
	} else {
		r.logger.Debug("Carried checkpoints of finished CloudTrail files over to the next look", fields...)
	}
}

// load reads the list of slots once. An index that cannot be decoded is
// replaced by an empty one rather than stopping retention for good.
func (r *Retention) load(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	var slots []doneSlot
	_, err := GetJSON(ctx, r.client, doneIndexKey, &slots)
	if Undecodable(err) {
		r.logger.Error("The record of finished CloudTrail files cannot be decoded; starting a new one (the checkpoints it named are kept for ever)",
			zap.String("key", doneIndexKey), zap.Error(err))
		slots, err = nil, nil
	}
	if err != nil {
		return err
	}
	r.slots, r.loaded = slots, true
	return nil
}

func (r *Retention) readSlot(ctx context.Context, s doneSlot) (doneList, error) {
	var list doneList
	_, err := GetJSON(ctx, r.client, slotKey(s), &list)
	return list, err
}

// pathOf says where the file of the checkpoint under key was last seen.
func (r *Retention) pathOf(key string) (string, error) {
	cp, err := r.cps.Get(context.Background(), key)
	if err != nil || cp == nil {
		return "", err
	}
	return cp.Path, nil
}

func slotKey(s doneSlot) string {
	if s.Carry {
		return fmt.Sprintf("%s%d.carried", doneSlotPrefix, s.Start)
	}
	return fmt.Sprintf("%s%d", doneSlotPrefix, s.Start)
}
