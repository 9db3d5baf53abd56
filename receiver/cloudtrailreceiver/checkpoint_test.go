// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// storedCheckpoints reads every checkpoint through a fresh client of the
// storage extension (the receiver's client must be closed).
func storedCheckpoint(t *testing.T, host component.Host, id component.ID, path string) *checkpoint.Checkpoint {
	t.Helper()
	client, err := host.GetExtensions()[id].(storage.Extension).GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(t, err)
	defer func() { require.NoError(t, client.Close(context.Background())) }()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	cp, err := checkpoint.NewStore(client).Get(context.Background(), fingerprint(data[:min(len(data), fingerprintSize)]))
	require.NoError(t, err)
	return cp
}

func TestResumeAfterShutdownMidFile(t *testing.T) {
	const accepted = 4 // batches the first run's consumer accepts normally
	modes := []struct {
		name  string
		setup func(r *recorder)
		// batches accepted by the first run
		acceptedBatches int
	}{
		{"consumer blocks until shutdown", func(r *recorder) {
			r.block = func(call int) bool { return call >= accepted }
		}, accepted},
		{"consumer keeps failing", func(r *recorder) {
			r.decide = func(call int, _ plog.Logs) error {
				if call >= accepted {
					if call == accepted+3 {
						close(r.blocking) // a few retries happened
					}
					return errTransient
				}
				return nil
			}
		}, accepted},
		{"slow consumer ignoring shutdown accepts", func(r *recorder) {
			r.decide = func(call int, _ plog.Logs) error {
				if call == accepted {
					close(r.blocking)
					time.Sleep(100 * time.Millisecond) // shutdown is requested meanwhile
				}
				return nil
			}
		}, accepted + 1},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			dataDir, storeDir := t.TempDir(), t.TempDir()
			recs, want := mixed("m", 51) // 34 Personalize records
			path := writeFile(t, dataDir, trailDir+"mid.json.gz", gzipBytes(t, ctFile(recs...)))
			recs2, want2 := mixed("n", 6)
			writeFile(t, dataDir, trailDir+"next.json", ctFile(recs2...))
			want = append(want, want2...)

			host, storageID, stopStorage := startFileStorage(t, storeDir)
			cfg := testConfig(dataDir)
			cfg.Storage = &storageID
			cfg.BatchSize = 3

			first := newRecorder()
			mode.setup(first)
			h1 := start(t, cfg, first, host)
			select {
			case <-first.blocking:
			case <-time.After(waitTimeout):
				t.Fatal("the consumer was never called past the accepted batches")
			}
			h1.shutdown()
			got1 := first.accepted()
			require.Len(t, got1, mode.acceptedBatches*3, "nothing sent after shutdown")
			assert.Zero(t, h1.counter(metricFiles), "no file was finished")

			// The checkpoint is just after the last accepted record.
			cp := storedCheckpoint(t, host, storageID, path)
			require.NotNil(t, cp)
			assert.False(t, cp.Done)
			var lastIndex int64
			_, err := fmt.Sscanf(got1[len(got1)-1], "m-%d", &lastIndex)
			require.NoError(t, err)
			assert.Equal(t, lastIndex+1, cp.Records)
			assert.Equal(t, path, cp.Path)

			// Restart the storage too, as a collector restart would.
			stopStorage()
			host, _, _ = startFileStorage(t, storeDir)
			second := newRecorder()
			h2 := start(t, cfg, second, host)
			h2.waitCounter(2, metricFiles, attribute.String("result", resultOK))
			assert.Equal(t, int64(51)-cp.Records+6, h2.counter(metricRecordsRead), "the second run skipped what the first delivered")

			requireExactlyOnce(t, want, append(got1, second.accepted()...))
		})
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	dataDir := t.TempDir()
	recs, want := mixed("t", 15) // 10 Personalize records
	writeFile(t, dataDir, "trail.json.gz", gzipBytes(t, ctFile(recs...)))
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 4

	const failures = 3
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		if call >= 1 && call <= failures { // the second batch fails three times
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, host)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	assert.Equal(t, int64(failures), h.counter(metricConsumeRetries))
	assert.Equal(t, 3+failures, next.callCount())
	assert.Equal(t, int64(len(want)), h.counter("otelcol_receiver_accepted_log_records"))
	assert.Equal(t, int64(failures*4), h.counter("otelcol_receiver_refused_log_records"))
	assert.Zero(t, h.counter(metricRecordsDropped))
	assert.Equal(t, failures, h.logs.FilterMessageSnippet("Next consumer failed; retrying").Len())
}

func TestRetriesExhaustedRereadNextPoll(t *testing.T) {
	// With retries disabled, a refused batch is not dropped: the file is
	// read again from its checkpoint at the next poll, and the eventIDs of
	// the refused batch are not taken for duplicates.
	dataDir := t.TempDir()
	recs, want := mixed("x", 12)
	writeFile(t, dataDir, "trail.json", ctFile(recs...))
	cfg := testConfig(dataDir)
	cfg.BatchSize = 3
	cfg.RetryOnFailure.Enabled = false
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		if call == 1 || call == 2 {
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	assert.Zero(t, h.counter(metricRecordsDuplicate))
	assert.Zero(t, h.counter(metricConsumeRetries))
	assert.Equal(t, 2, h.logs.FilterMessageSnippet("Next consumer keeps failing").Len())
}

func TestMaxElapsedTimeGivesUpUntilNextPoll(t *testing.T) {
	dataDir := t.TempDir()
	recs, want := mixed("e", 6)
	writeFile(t, dataDir, "trail.json", ctFile(recs...))
	cfg := testConfig(dataDir)
	cfg.RetryOnFailure.MaxElapsedTime = 20 * time.Millisecond
	var failUntil = time.Now().Add(150 * time.Millisecond)
	next := newRecorder()
	next.decide = func(int, plog.Logs) error {
		if time.Now().Before(failUntil) {
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
	assert.Positive(t, h.logs.FilterMessageSnippet("Next consumer keeps failing").Len())
	assert.Positive(t, h.counter(metricConsumeRetries))
}

func TestRestartAfterCompleteRunDeliversNothing(t *testing.T) {
	dataDir, storeDir := t.TempDir(), t.TempDir()
	recsA, wantA := mixed("ra", 9)
	recsB, wantB := mixed("rb", 9)
	writeFile(t, dataDir, "a.json.gz", gzipBytes(t, ctFile(recsA...)))
	writeFile(t, dataDir, "b.json", ctFile(recsB...))
	host, storageID, stopStorage := startFileStorage(t, storeDir)
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID

	first := newRecorder()
	h1 := start(t, cfg, first, host)
	h1.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	h1.shutdown()
	requireExactlyOnce(t, append(wantA, wantB...), first.accepted())

	stopStorage()
	host, _, _ = startFileStorage(t, storeDir)
	second := newRecorder()
	h2 := start(t, cfg, second, host)
	h2.waitCounter(2, metricFiles, attribute.String("result", resultSkipped))
	h2.settle()
	assert.Empty(t, second.accepted())
	assert.Zero(t, second.callCount())
	assert.Zero(t, h2.counter(metricRecordsRead), "done files are not opened again")
	assert.Equal(t, int64(2), h2.counter(metricFiles), "each file counted once")
}

func TestGrownFileResumesFromCheckpoint(t *testing.T) {
	dataDir := t.TempDir()
	recs1, want1 := mixed("g1", 6)
	path := writeFile(t, dataDir, "grow.json.gz", gzipBytes(t, ctFile(recs1...)))
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	next := newRecorder()
	h := start(t, cfg, next, host)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want1, next.accepted())

	// Append a second gzip member holding more records.
	recs2, want2 := mixed("g2", 6)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(gzipBytes(t, ctFile(recs2...)))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, append(want1, want2...), next.accepted())
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("changed size since it was processed").Len())
	assert.Equal(t, int64(12), h.counter(metricRecordsRead), "the first part was skipped, not read again")
	assert.Zero(t, h.counter(metricRecordsDuplicate))
}

func TestSmallFileGrowingKeepsItsCheckpoint(t *testing.T) {
	// A file shorter than the fingerprint changes identity as it grows; the
	// receiver finds its checkpoint under the previous identity.
	dataDir := t.TempDir()
	first := ctRecord("s-1", personalizeSrc, "CreateCampaign")
	path := writeFile(t, dataDir, "small.json", []byte(`[`+first+`]`))
	host, storageID, _ := startFileStorage(t, t.TempDir())
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.Dedup.Enabled = false // prove it is the checkpoint that prevents re-delivery
	next := newRecorder()
	h := start(t, cfg, next, host)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`[` + ctRecord("s-2", personalizeSrc, "CreateCampaign") + `]`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"s-1", "s-2"}, next.accepted())
}

func TestPermanentErrorDropsAndAdvances(t *testing.T) {
	dataDir, storeDir := t.TempDir(), t.TempDir()
	recs, want := mixed("p", 12) // 8 Personalize records
	writeFile(t, dataDir, "trail.json", ctFile(recs...))
	host, storageID, stopStorage := startFileStorage(t, storeDir)
	cfg := testConfig(dataDir)
	cfg.Storage = &storageID
	cfg.BatchSize = 3
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		if call == 1 {
			return consumererror.NewPermanent(assert.AnError)
		}
		return nil
	}
	h := start(t, cfg, next, host)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	// The second batch (records p-004, p-006, p-007) is dropped.
	dropped := want[3:6]
	requireExactlyOnce(t, append(append([]string{}, want[:3]...), want[6:]...), next.accepted())
	assert.Equal(t, int64(3), h.counter(metricRecordsDropped))
	assert.Zero(t, h.counter(metricConsumeRetries), "permanent errors are not retried")
	errs := h.logs.FilterMessageSnippet("permanent error").All()
	require.Len(t, errs, 1)
	assert.Equal(t, "error", errs[0].Level.String())
	fileField, _ := field(errs[0], "file")
	assert.Contains(t, fileField, "trail.json")
	firstIdx, _ := field(errs[0], "first_record_index")
	lastIdx, _ := field(errs[0], "last_record_index")
	assert.Equal(t, "4", firstIdx)
	assert.Equal(t, "7", lastIdx)
	assert.Equal(t, []string{"p-004", "p-006", "p-007"}, dropped)

	// The checkpoint moved past the dropped records: a restart delivers nothing.
	h.shutdown()
	stopStorage()
	host, _, _ = startFileStorage(t, storeDir)
	again := newRecorder()
	h2 := start(t, cfg, again, host)
	h2.waitCounter(1, metricFiles, attribute.String("result", resultSkipped))
	assert.Empty(t, again.accepted())
}

// mutatingRecorder empties what it is given before failing, as a processor
// that modifies data in place would.
func TestMutatingConsumerGetsIntactRetry(t *testing.T) {
	dataDir := t.TempDir()
	recs, want := mixed("mu", 6)
	writeFile(t, dataDir, "trail.json", ctFile(recs...))
	next := newRecorder()
	next.mutates = true
	next.decide = func(call int, ld plog.Logs) error {
		if call == 0 {
			ld.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { return true })
			return errTransient
		}
		return nil
	}
	h := start(t, testConfig(dataDir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
}

func TestMemoryStorageWithoutExtension(t *testing.T) {
	// Without a storage extension checkpoints still hold within the process.
	client := newMemoryClient()
	cps := checkpoint.NewStore(client)
	ctx := context.Background()
	cp, err := cps.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, cp)
	want := &checkpoint.Checkpoint{Records: 7, Done: true, Size: 10, ModTime: oldTime.UTC().Truncate(time.Second), Path: "/x"}
	require.NoError(t, cps.Set(ctx, "k", want))
	cp, err = cps.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, want, cp)
	require.NoError(t, client.Batch(ctx, storage.DeleteOperation(checkpointKeyPrefix+"k")))
	cp, err = cps.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, cp)
}

func TestFilesSharingTheirFirstBytesAreBothRead(t *testing.T) {
	// Two different plain-JSON files whose first record (a duplicate
	// delivery of the same event, larger than the fingerprint) is the same:
	// identical first 4 KiB. Neither may be taken for the other.
	big := strings.Replace(ctRecord("shared", personalizeSrc, "CreateCampaign"), `"eventCategory":"Management"`,
		`"eventCategory":"Management","pad":"`+strings.Repeat("y", 2*fingerprintSize)+`"`, 1)
	tests := []struct {
		name         string
		first, other []string
	}{
		{"same size", []string{"f-1", "f-2"}, []string{"o-1", "o-2"}},
		{"other is larger", []string{"f-1"}, []string{"o-1", "o-2", "o-3"}},
		{"other is smaller", []string{"f-1", "f-2", "f-3"}, []string{"o-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			build := func(ids []string) []byte {
				recs := []string{big}
				for _, id := range ids {
					recs = append(recs, ctRecord(id, personalizeSrc, "CreateCampaign"))
				}
				return ctFile(recs...)
			}
			a, b := build(tt.first), build(tt.other)
			require.Equal(t, a[:fingerprintSize], b[:fingerprintSize])
			writeFile(t, dir, "1.json", a)
			writeFile(t, dir, "2.json", b)
			host, storageID, _ := startFileStorage(t, t.TempDir())
			cfg := testConfig(dir)
			cfg.Storage = &storageID
			cfg.Dedup.Enabled = false
			next := newRecorder()
			h := start(t, cfg, next, host)
			h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
			want := append(append([]string{"shared", "shared"}, tt.first...), tt.other...)
			assert.ElementsMatch(t, want, next.accepted())
			assert.Equal(t, 1, h.logs.FilterMessageSnippet("starts with the same bytes").Len())
		})
	}
}
