// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
)

// TestBatchesCarryManyFiles: the records of many small files go out in
// batches of batch_size, not one call per file, and each file's checkpoint
// says done once its records were accepted.
func TestBatchesCarryManyFiles(t *testing.T) {
	dataDir := t.TempDir()
	var want []string
	var paths []string
	for f := range 12 {
		recs, ids := mixed(fmt.Sprintf("f%02d", f), 6) // 4 Personalize records each
		paths = append(paths, writeFile(t, dataDir, fmt.Sprintf("%sfile%02d.json", trailDir, f), ctFile(recs...)))
		want = append(want, ids...)
	}
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 20
	next := newRecorder()
	h := start(t, cfg, next, host)
	h.waitCounter(12, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	var sizes []int
	for _, ld := range next.allLogs() {
		sizes = append(sizes, ld.LogRecordCount())
	}
	// 48 records of 12 files: batches of 20 (20, 20, 8), unless a batch
	// waited a second on a very slow machine and went out early.
	assert.Less(t, len(sizes), 12, "fewer calls than files: %v", sizes)
	assert.Equal(t, 20, slices.Max(sizes), "a batch is batch_size records of several files: %v", sizes)
	h.shutdown() // the storage client is the receiver's until then
	for _, p := range paths {
		cp := storedCheckpoint(t, host, storageID, p)
		require.NotNil(t, cp, p)
		assert.True(t, cp.Done, p)
		assert.Equal(t, int64(6), cp.Records, p)
	}
}

// TestRefusedBatchOfManyFilesIsReadAgain: when a batch holding several
// files' records is not accepted (retries disabled), none of those files is
// checkpointed past what was accepted: they are all read again, and every
// record arrives exactly once.
func TestRefusedBatchOfManyFilesIsReadAgain(t *testing.T) {
	dataDir := t.TempDir()
	var want []string
	for f := range 6 {
		recs, ids := mixed(fmt.Sprintf("g%02d", f), 6)
		writeFile(t, dataDir, fmt.Sprintf("%sfile%02d.json", trailDir, f), ctFile(recs...))
		want = append(want, ids...)
	}
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 10
	cfg.RetryOnFailure.Enabled = false
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		if call == 1 {
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, host)
	h.waitCounter(6, metricFiles, attribute.String("result", resultOK))
	h.settle()
	requireExactlyOnce(t, want, next.accepted())
	assert.Greater(t, next.callCount(), 3, "the refused batch was read and sent again")
}

// TestReadsOnWhileABatchIsDelivered: the next batch is read while one is
// delivered (one in flight, never more). (That checkpoints follow accepted
// batches only is TestResumeAfterShutdownMidFile's and the crash tests'.)
func TestReadsOnWhileABatchIsDelivered(t *testing.T) {
	dataDir := t.TempDir()
	recs, want := mixed("p", 51) // 34 Personalize records: p-000, p-001, p-003, ...
	path := writeFile(t, dataDir, trailDir+"p.json", ctFile(recs...))
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 3

	release := make(chan struct{})
	var calls atomic.Int32
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		calls.Add(1)
		if call == 0 {
			<-release
		}
		return nil
	}
	h := start(t, cfg, next, host)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the harness stops the receiver
	// Batch 1 is records 0-3; batch 2 (records 4-7) is read meanwhile.
	require.Eventually(t, func() bool { return h.counter(metricRecordsRead) >= 8 }, waitTimeout, 5*time.Millisecond,
		"the receiver waited for the delivery instead of reading on")
	h.settle()
	assert.Equal(t, int64(8), h.counter(metricRecordsRead), "no more than the next batch is read ahead")
	assert.Equal(t, int32(1), calls.Load(), "one batch in flight")
	unblock()

	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	h.shutdown()
	cp := storedCheckpoint(t, host, storageID, path)
	require.NotNil(t, cp)
	assert.True(t, cp.Done)
}

// TestFailedBatchDropsTheBatchReadMeanwhile: when the batch in flight is
// not accepted, the one read meanwhile is not sent either; both are read
// again from the checkpoint, and every record arrives once.
func TestFailedBatchDropsTheBatchReadMeanwhile(t *testing.T) {
	dataDir := t.TempDir()
	recs, want := mixed("q", 51)
	writeFile(t, dataDir, trailDir+"q.json", ctFile(recs...))
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 3
	cfg.RetryOnFailure.Enabled = false

	var firsts []string // the first event ID of each call
	next := newRecorder()
	next.decide = func(call int, ld plog.Logs) error {
		firsts = append(firsts, eventIDs(ld)[0])
		if call == 2 {
			time.Sleep(50 * time.Millisecond) // the next batch is read meanwhile
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, host)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	next.mu.Lock()
	defer next.mu.Unlock()
	require.Greater(t, len(firsts), 3)
	assert.Equal(t, firsts[2], firsts[3], "after the failed batch, the same records were sent again, not the batch after it")
}
