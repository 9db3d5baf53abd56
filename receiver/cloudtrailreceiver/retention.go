package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// The checkpoint of a finished file is what keeps it from being read twice,
// so it is kept as long as the source may offer the file again. After that
// it is only storage that grows with every file ever read: a trail writes a
// file per region every five minutes, an organization trail thousands an
// hour. checkpointRetention forgets those checkpoints. Each is looked at
// checkpoint_retention after its file was finished, and then every
// checkpoint_retention again: it is deleted when the source could not offer
// its file at two such looks in a row (see forgetter), so that a file
// missing for a moment (a sync tool replacing it, a permission being
// fixed) is not read a second time when it is back.
//
// The storage API cannot list keys, so the receiver keeps its own record of
// what it finished: the keys finished in each time slot, under
// doneSlotPrefix+<slot start>, and the list of slots under doneIndexKey.
// Slots are a 24th of the retention wide (at most an hour), so a slot is
// written once per poll and read once when it expires.
const (
	doneIndexKey   = "cloudtrail.done"
	doneSlotPrefix = "cloudtrail.done."
	// maxSlotsPerPrune bounds the expired slots handled after one poll, so
	// that a backlog (after a long stop) is worked off over several polls.
	maxSlotsPerPrune = 8
	// deleteChunk is the number of deletions sent in one storage batch.
	deleteChunk = 500
)

// forgetter is implemented by every source: forgettable returns whether the
// checkpoint stored under key may be deleted because the file cannot be
// offered again, or nil when that cannot be decided now (part of a
// directory tree could not be listed, say).
type forgetter interface {
	forgettable() func(key string) bool
}

// doneList is what a slot holds: the keys finished (or carried over) in it,
// and those carried over because their file was already gone at the look
// before, which are forgotten if it still is.
type doneList struct {
	Keys []string `json:"keys,omitempty"`
	Gone []string `json:"gone,omitempty"`
}

// doneSlot is a time slot [Start, End) (Unix milliseconds) in which the
// files whose keys its list holds were finished.
type doneSlot struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// checkpointRetention records which checkpoints are finished, and when, and
// deletes those past the retention that their source can do without.
type checkpointRetention struct {
	client storage.Client
	keep   time.Duration
	width  time.Duration
	now    func() time.Time
	logger *zap.Logger
	tel    *telemetry

	mu sync.Mutex
	// pending is what the next flush adds to the current slot: keys
	// finished since the last flush, and those carried over.
	pending doneList
	slots   []doneSlot
	loaded  bool
}

func newCheckpointRetention(client storage.Client, keep time.Duration, now func() time.Time, logger *zap.Logger, tel *telemetry) *checkpointRetention {
	return &checkpointRetention{
		client: client,
		keep:   keep,
		width:  min(max(keep/24, time.Millisecond), time.Hour),
		now:    now,
		logger: logger,
		tel:    tel,
	}
}

// finished notes that the checkpoint under key now says its file is done.
// Safe for concurrent use by the processor's workers.
func (r *checkpointRetention) finished(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending.Keys = append(r.pending.Keys, key)
}

// flush adds the keys finished since the last flush to the current slot.
// On a storage error they stay pending for the next flush.
func (r *checkpointRetention) flush(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending.empty() {
		return
	}
	if err := r.flushLocked(context.WithoutCancel(ctx)); err != nil {
		r.logger.Warn("Cannot record finished CloudTrail files for checkpoint retention; trying again after the next poll", zap.Error(err))
	}
}

func (r *checkpointRetention) flushLocked(ctx context.Context) error {
	if err := r.load(ctx); err != nil {
		return err
	}
	now := r.now()
	start := now.Truncate(r.width).UnixMilli()
	i := slices.IndexFunc(r.slots, func(s doneSlot) bool { return s.Start == start })
	var list doneList
	if i >= 0 {
		var err error
		if list, err = r.readSlot(ctx, start); err != nil {
			return err
		}
	}
	list.Keys = union(list.Keys, r.pending.Keys)
	list.Gone = union(list.Gone, r.pending.Gone)
	if err := r.setJSON(ctx, slotKey(start), list); err != nil {
		return err
	}
	if i < 0 {
		slots := append(slices.Clip(r.slots), doneSlot{Start: start, End: start + r.width.Milliseconds()})
		if err := r.setJSON(ctx, doneIndexKey, slots); err != nil {
			return err
		}
		r.slots = slots
	}
	r.pending = doneList{}
	return nil
}

func (l doneList) empty() bool { return len(l.Keys) == 0 && len(l.Gone) == 0 }

// union returns the sorted keys of a and b, each once.
func union(a, b []string) []string {
	out := append(slices.Clip(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// prune takes the expired slots: it deletes the checkpoints src can forget
// for the second look in a row and carries the others over to the current
// slot, to be looked at again one retention later. It is called after a
// poll that went through every file the source offered, so that the source
// knows all its files.
func (r *checkpointRetention) prune(ctx context.Context, src forgetter) {
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
		if s.End <= cutoff && len(expired) < maxSlotsPerPrune {
			expired = append(expired, s)
		}
	}
	if len(expired) == 0 {
		return
	}
	canForget := src.forgettable()
	if canForget == nil {
		return
	}
	var forgotten, kept int
	for _, s := range expired {
		n, k, err := r.pruneSlot(ctx, s, canForget)
		forgotten += n
		kept += k
		if err != nil {
			r.logger.Warn("Cannot forget expired CloudTrail checkpoints; trying again after the next poll", zap.Error(err))
			break
		}
	}
	if forgotten > 0 {
		r.logger.Info("Forgot the checkpoints of CloudTrail files finished and gone for the checkpoint retention",
			zap.Duration("checkpoint_retention", r.keep), zap.Int("forgotten", forgotten), zap.Int("carried_over", kept))
	} else if kept > 0 {
		r.logger.Debug("Carried checkpoints of finished CloudTrail files over to the next look",
			zap.Duration("checkpoint_retention", r.keep), zap.Int("carried_over", kept))
	}
}

// pruneSlot handles one expired slot: keys whose file was gone at the look
// before and still is are deleted, the others carried over (as gone when
// their file is gone now). Deletions come first, then the carried over keys
// are stored, and only then the slot is dropped, so a failure part way
// leaves at worst a key listed twice, never a checkpoint that no list names.
func (r *checkpointRetention) pruneSlot(ctx context.Context, s doneSlot, canForget func(string) bool) (forgotten, kept int, err error) {
	list, err := r.readSlot(ctx, s.Start)
	if err != nil {
		return 0, 0, err
	}
	var forget []string
	for _, k := range list.Gone {
		if canForget(k) {
			forget = append(forget, k)
		} else {
			r.pending.Keys = append(r.pending.Keys, k)
			kept++
		}
	}
	for _, k := range list.Keys {
		if canForget(k) {
			r.pending.Gone = append(r.pending.Gone, k)
		} else {
			r.pending.Keys = append(r.pending.Keys, k)
		}
		kept++
	}
	for c := range slices.Chunk(forget, deleteChunk) {
		ops := make([]*storage.Operation, len(c))
		for i, k := range c {
			ops[i] = storage.DeleteOperation(checkpointKeyPrefix + k)
		}
		if err := r.client.Batch(ctx, ops...); err != nil {
			return forgotten, kept, fmt.Errorf("deleting checkpoints: %w", err)
		}
		forgotten += len(c)
		r.tel.add(ctx, r.tel.checkpointsForgotten, int64(len(c)))
	}
	if !r.pending.empty() {
		if err := r.flushLocked(ctx); err != nil {
			return forgotten, kept, err
		}
	}
	slots := slices.DeleteFunc(slices.Clone(r.slots), func(x doneSlot) bool { return x.Start == s.Start })
	if err := r.setJSON(ctx, doneIndexKey, slots); err != nil {
		return forgotten, kept, err
	}
	r.slots = slots
	if err := r.client.Delete(ctx, slotKey(s.Start)); err != nil {
		r.logger.Debug("Cannot delete an expired list of finished CloudTrail files", zap.Error(err))
	}
	return forgotten, kept, nil
}

// load reads the list of slots once.
func (r *checkpointRetention) load(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	var slots []doneSlot
	if err := r.getJSON(ctx, doneIndexKey, &slots); err != nil {
		return err
	}
	r.slots, r.loaded = slots, true
	return nil
}

func (r *checkpointRetention) readSlot(ctx context.Context, start int64) (doneList, error) {
	var list doneList
	err := r.getJSON(ctx, slotKey(start), &list)
	return list, err
}

func slotKey(start int64) string { return fmt.Sprintf("%s%d", doneSlotPrefix, start) }

// getJSON reads the JSON value stored under key into v, which it leaves
// alone when there is none.
func (r *checkpointRetention) getJSON(ctx context.Context, key string, v any) error {
	b, err := r.client.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", key, err)
	}
	return nil
}

func (r *checkpointRetention) setJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := r.client.Set(ctx, key, b); err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	return nil
}
