// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package dedup

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDedup(t *testing.T) {
	d := New(true, 10)
	assert.True(t, d.Reserve("a"))
	assert.False(t, d.Reserve("a"), "already in the batch")
	d.Abort()
	assert.True(t, d.Reserve("a"), "a failed batch is forgotten")
	d.Commit()
	assert.False(t, d.Reserve("a"), "delivered")
	assert.True(t, d.Reserve(""), "no eventID: never a duplicate")
	assert.True(t, d.Reserve(""))

	assert.True(t, d.Reserve("b"))
	d.Release("b")
	assert.True(t, d.Reserve("b"), "a released reservation (mapping failed) is admitted again")

	off := New(false, 10)
	assert.True(t, off.Reserve("a"))
	off.Commit()
	assert.True(t, off.Reserve("a"))
}

// TestDedupForgetsLeastRecentlySeen: the cache holds cache_size IDs and
// forgets the one delivered or seen again longest ago.
func TestDedupForgetsLeastRecentlySeen(t *testing.T) {
	d := New(true, 2)
	for _, id := range []string{"a", "b"} {
		require.True(t, d.Reserve(id))
	}
	d.Commit()
	assert.False(t, d.Reserve("a"), "seen again: now the most recent")
	require.True(t, d.Reserve("c"))
	d.Commit()
	assert.True(t, d.Reserve("b"), "b was the least recent and is forgotten")
	d.Abort()
	assert.False(t, d.Reserve("a"))
}

// TestDedupKeepsCopies: the eventID handed to Reserve is a substring of the
// record's text; the cache must not keep that text alive.
func TestDedupKeepsCopies(t *testing.T) {
	record := `{"eventID":"6f3c1a2e-0000-4000-a000-000000000001","eventSource":"personalize.amazonaws.com"}`
	id := record[12:48]
	d := New(true, 10)
	require.True(t, d.Reserve(id))
	lo := uintptr(unsafe.Pointer(unsafe.StringData(record)))
	for kept := range d.shared.reserved {
		p := uintptr(unsafe.Pointer(unsafe.StringData(kept)))
		assert.False(t, p >= lo && p < lo+uintptr(len(record)), "the reservation points into the record's text")
	}
	for _, kept := range d.order {
		p := uintptr(unsafe.Pointer(unsafe.StringData(kept)))
		assert.False(t, p >= lo && p < lo+uintptr(len(record)), "the batch order points into the record's text")
	}
	d.Commit()
	assert.False(t, d.Reserve(id), "delivered")
}

// TestDedupFork: workers share what was delivered and what is reserved, so two
// workers reading copies of one event at once deliver it once; a worker's
// failed batch releases its IDs for whoever reads them next.
func TestDedupFork(t *testing.T) {
	d := New(true, 10)
	w1, w2 := d.Fork(), d.Fork()
	assert.True(t, w1.Reserve("a"))
	assert.False(t, w2.Reserve("a"), "reserved in another worker's batch")
	assert.True(t, w2.Reserve("b"))
	w1.Commit()
	assert.False(t, w2.Reserve("a"), "delivered by another worker")
	assert.False(t, d.Reserve("a"))
	w2.Abort()
	assert.True(t, w1.Reserve("b"), "another worker's failed batch is released")
	assert.Nil(t, (*Dedup)(nil).Fork(), "disabled stays disabled")
}
