// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// presence is a source whose files are the keys in present; ready false
// means it cannot tell now.
type presence struct {
	present map[string]bool
	ready   bool
}

func (p *presence) forgettable(func(string) (string, error)) func(string) bool {
	if !p.ready {
		return nil
	}
	return func(k string) bool { return !p.present[k] }
}

// TestCheckpointRetention drives the retention with a fake clock: a
// checkpoint goes only when its file was gone at two looks one retention
// apart, files still there (or back) keep theirs, nothing is decided when
// the source cannot tell, and a restart picks up the record where it was.
func TestCheckpointRetention(t *testing.T) {
	ctx := context.Background()
	client := NewMemoryClient()
	cps := NewStore(client)
	tel, err := telemetry.New(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	now := time.Date(2026, 11, 1, 10, 17, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const keep = 24 * time.Hour
	newRetention := func() *Retention { return NewRetention(client, keep, clock, zap.NewNop(), tel) }
	r := newRetention()
	assert.Equal(t, time.Hour, r.width, "a 24th of the retention")

	finish := func(keys ...string) {
		for _, k := range keys {
			require.NoError(t, cps.Set(ctx, k, &Checkpoint{Done: true}))
			r.Finished(k)
		}
		r.Flush(ctx)
	}
	stored := func() []string {
		var keys []string
		for _, k := range []string{"gone", "stays", "flaps", "late", "back"} {
			if cp, err := cps.Get(ctx, k); err == nil && cp != nil {
				keys = append(keys, k)
			}
		}
		return keys
	}
	all := []string{"gone", "stays", "flaps", "late", "back"}
	src := &presence{present: map[string]bool{"stays": true, "back": true}, ready: true}

	finish("gone", "stays", "flaps", "back")
	now = now.Add(2 * time.Hour)
	finish("late")

	// Not yet a retention after any of them.
	now = now.Add(20 * time.Hour)
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, all, stored())

	// The first look at the first slot: nothing is deleted on one look.
	now = now.Add(3 * time.Hour) // past a retention after the first slot's end
	src.ready = false
	r.Prune(ctx, src.forgettable)
	src.ready = true
	assert.Len(t, r.slots, 2, "a source that cannot tell leaves the slots alone")
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, all, stored())
	require.Len(t, r.slots, 2, "first slot carried over into the current one; the late one not due yet")
	carried := r.slots[1]
	require.True(t, carried.Carry, "carried keys go to the period's carry slot")
	list, err := r.readSlot(ctx, carried)
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"back", "stays"}, Gone: []string{"flaps", "gone"}}, list)
	finish("new") // the same period's own slot: the carried keys are not rewritten with it
	require.Len(t, r.slots, 3)
	list, err = r.readSlot(ctx, r.slots[2])
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"new"}}, list)

	// Between the two looks "flaps" comes back and "back" goes.
	src.present["flaps"] = true
	delete(src.present, "back")

	// A restart: the record of finished files is in storage.
	r = newRetention()
	now = now.Add(3 * time.Hour) // the late slot's first look ("late" is gone)
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, all, stored())

	now = now.Add(keep) // second look at the first slot's keys
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, []string{"stays", "flaps", "late", "back"}, stored(), "gone at both looks: forgotten")

	now = now.Add(3 * time.Hour) // second look at "late"
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, []string{"stays", "flaps", "back"}, stored())

	delete(src.present, "flaps") // gone now, but it was there at the last look
	now = now.Add(keep)
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, []string{"stays", "flaps"}, stored(), "back was gone at two looks; flaps only at one")
	now = now.Add(keep + 3*time.Hour)
	r.Prune(ctx, src.forgettable)
	assert.Equal(t, []string{"stays"}, stored())

	// Only the slots still holding keys are left: one per look, each listing "stays".
	for range 5 {
		now = now.Add(keep + time.Hour)
		r.Prune(ctx, src.forgettable)
	}
	assert.Equal(t, []string{"stays"}, stored())
	require.Len(t, r.slots, 1)
	list, err = r.readSlot(ctx, r.slots[0])
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"stays"}}, list)
	var index []doneSlot
	_, err = GetJSON(ctx, client, doneIndexKey, &index)
	require.NoError(t, err)
	assert.Equal(t, r.slots, index, "the stored index is the one in memory")
}

// TestCheckpointRetentionStorageTrouble: failing writes keep nothing growing
// and lose nothing (the expired slot is taken again once writes work), and
// records that cannot be decoded are dropped instead of stopping retention.
func TestCheckpointRetentionStorageTrouble(t *testing.T) {
	ctx := context.Background()
	client := &receivertest.FailingClient{Client: NewMemoryClient()}
	cps := NewStore(client)
	tel, err := telemetry.New(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	now := time.Date(2026, 11, 1, 10, 17, 0, 0, time.UTC)
	const keep = 24 * time.Hour
	r := NewRetention(client, keep, func() time.Time { return now }, zap.NewNop(), tel)
	src := &presence{present: map[string]bool{}, ready: true}

	var keys []string
	for i := range 100 {
		k := fmt.Sprintf("k%03d", i)
		keys = append(keys, k)
		require.NoError(t, cps.Set(ctx, k, &Checkpoint{Done: true}))
		r.Finished(k)
	}
	r.Flush(ctx)
	now = now.Add(keep + time.Hour)
	r.Prune(ctx, src.forgettable) // first look: all gone
	now = now.Add(keep + time.Hour)

	client.Fail.Store(true)
	for range 50 {
		r.Finished("new") // a file finished meanwhile, the same key at every poll
		r.Flush(ctx)
		r.Prune(ctx, src.forgettable)
	}
	assert.Len(t, r.pending, 1, "what waits for a flush stays bounded by the distinct keys")
	client.Fail.Store(false)
	r.Flush(ctx)
	r.Prune(ctx, src.forgettable)
	for _, k := range keys {
		cp, err := cps.Get(ctx, k)
		require.NoError(t, err)
		assert.Nil(t, cp, "%s is forgotten once writes work", k)
	}
	list, err := r.readSlot(ctx, r.slots[len(r.slots)-1])
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"new"}}, list, "the file finished meanwhile is recorded")

	// A slot list and the index that cannot be decoded.
	require.Len(t, r.slots, 1)
	require.NoError(t, client.Client.Set(ctx, slotKey(r.slots[0]), []byte("{not json")))
	now = now.Add(2 * (keep + time.Hour))
	r.Prune(ctx, src.forgettable)
	assert.Empty(t, r.slots, "the undecodable slot is dropped")
	require.NoError(t, client.Client.Set(ctx, doneIndexKey, []byte(`{"start":"x"}`)))
	r = NewRetention(client, keep, func() time.Time { return now }, zap.NewNop(), tel)
	r.Finished("k001")
	r.Flush(ctx)
	require.Len(t, r.slots, 1, "a new index replaces the undecodable one")
}
