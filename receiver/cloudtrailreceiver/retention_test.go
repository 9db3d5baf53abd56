// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/otel/attribute"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// TestDirectoryCheckpointRetention runs the receiver over a directory with a
// short retention and the real file_storage: the checkpoint of a removed
// file is forgotten, so the file is read again when it comes back after a
// restart, while a file that stayed keeps its checkpoint through every look.
func TestDirectoryCheckpointRetention(t *testing.T) {
	dir := t.TempDir()
	storageDir := t.TempDir()
	gone := ctFile(ctRecord("gone-1", personalizeSrc, "CreateCampaign"), ctRecord("gone-2", personalizeSrc, "DeleteCampaign"))
	writeFile(t, dir, "gone.json", gone)
	writeFile(t, dir, "sub/stays.json", ctFile(ctRecord("stays-1", personalizeSrc, "CreateSolution")))

	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := testConfig(dir)
	cfg.Storage = &id
	cfg.CheckpointRetention = 150 * time.Millisecond
	rec := newRecorder()
	h := start(t, cfg, rec, host)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= 3 }, waitTimeout, 5*time.Millisecond)
	require.NoError(t, os.Remove(filepath.Join(dir, "gone.json")))
	h.waitCounter(1, metricCheckpointsForgotten)
	time.Sleep(3 * cfg.CheckpointRetention) // several more looks at stays.json
	require.Equal(t, int64(1), h.counter(metricCheckpointsForgotten))
	h.shutdown()

	client := storageClient(t, host, id)
	cp, err := checkpoint.NewStore(client).Get(context.Background(), fingerprint(gone))
	require.NoError(t, err)
	require.Nil(t, cp, "the removed file's checkpoint is gone")
	require.NoError(t, client.Close(context.Background()))
	stopStorage()

	// Back after a restart: gone.json is read again, stays.json is not.
	writeFile(t, dir, "gone.json", gone)
	host2, id2, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	require.Eventually(t, func() bool { return len(rec2.accepted()) >= 2 }, waitTimeout, 5*time.Millisecond)
	h2.settle()
	requireExactlyOnce(t, []string{"gone-1", "gone-2"}, rec2.accepted())
	assert.Equal(t, int64(1), h2.counter(metricFiles, attribute.String("result", resultSkipped)), "stays.json kept its checkpoint")
}

// storageClient opens the receiver's storage client of a file_storage host
// (after the receiver is shut down) to look at what it stored.
func storageClient(t *testing.T, host component.Host, id component.ID) storage.Client {
	t.Helper()
	ext := host.GetExtensions()[id].(storage.Extension)
	client, err := ext.GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(t, err)
	return client
}

// TestS3CheckpointRetention: an object's checkpoint is forgotten once its
// folder's listing checkpoint has passed it, never before (objects after one
// that cannot be read yet keep theirs), and a restart then reads nothing
// again.
func TestS3CheckpointRetention(t *testing.T) {
	fs3 := newFakeS3(t)
	want := seedTree(fs3, "")
	denied := ctKey("", "", acctA, "us-east-1", day1, "u00"+fmt.Sprintf("%014d", 0))
	fs3.setFault(denied, http.StatusForbidden)
	storageDir := t.TempDir()
	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := s3TestConfig(fs3.url)
	cfg.Storage = &id
	cfg.CheckpointRetention = 150 * time.Millisecond
	rec := newRecorder()
	h := start(t, cfg, rec, host)

	// 11 objects are read; the two after the denied one in its folder are
	// done, but the listing cannot pass the denied one.
	h.waitCounter(9, metricCheckpointsForgotten)
	time.Sleep(3 * cfg.CheckpointRetention)
	require.Equal(t, int64(9), h.counter(metricCheckpointsForgotten), "objects the listing has not passed keep their checkpoints")

	fs3.setFault(denied, 0)
	h.waitCounter(12, metricCheckpointsForgotten)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	h.shutdown()
	stopStorage()

	gets := fs3.totalGets()
	host2, id2, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	time.Sleep(3 * cfg.CheckpointRetention)
	h2.settle()
	assert.Empty(t, rec2.accepted())
	assert.Equal(t, gets, fs3.totalGets(), "no object is fetched again: the listing starts after them")
}
