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
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// presence is a forgetter whose files are the keys in present; ready false
// means it cannot tell now.
type presence struct {
	present map[string]bool
	ready   bool
}

func (p *presence) forgettable() func(string) bool {
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
	client := newMemoryClient()
	cps := &checkpoints{client: client}
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	now := time.Date(2026, 11, 1, 10, 17, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const keep = 24 * time.Hour
	newRetention := func() *checkpointRetention { return newCheckpointRetention(client, keep, clock, zap.NewNop(), tel) }
	r := newRetention()
	assert.Equal(t, time.Hour, r.width, "a 24th of the retention")

	finish := func(keys ...string) {
		for _, k := range keys {
			require.NoError(t, cps.set(ctx, k, &checkpoint{Done: true}))
			r.finished(k)
		}
		r.flush(ctx)
	}
	stored := func() []string {
		var keys []string
		for _, k := range []string{"gone", "stays", "flaps", "late", "back"} {
			if cp, err := cps.get(ctx, k); err == nil && cp != nil {
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
	r.prune(ctx, src)
	assert.Equal(t, all, stored())

	// The first look at the first slot: nothing is deleted on one look.
	now = now.Add(3 * time.Hour) // past a retention after the first slot's end
	src.ready = false
	r.prune(ctx, src)
	src.ready = true
	assert.Len(t, r.slots, 2, "a source that cannot tell leaves the slots alone")
	r.prune(ctx, src)
	assert.Equal(t, all, stored())
	assert.Len(t, r.slots, 2, "first slot carried over into the current one; the late one not due yet")

	// Between the two looks "flaps" comes back and "back" goes.
	src.present["flaps"] = true
	delete(src.present, "back")

	// A restart: the record of finished files is in storage.
	r = newRetention()
	now = now.Add(3 * time.Hour) // the late slot's first look ("late" is gone)
	r.prune(ctx, src)
	assert.Equal(t, all, stored())

	now = now.Add(keep) // second look at the first slot's keys
	r.prune(ctx, src)
	assert.Equal(t, []string{"stays", "flaps", "late", "back"}, stored(), "gone at both looks: forgotten")

	now = now.Add(3 * time.Hour) // second look at "late"
	r.prune(ctx, src)
	assert.Equal(t, []string{"stays", "flaps", "back"}, stored())

	delete(src.present, "flaps") // gone now, but it was there at the last look
	now = now.Add(keep)
	r.prune(ctx, src)
	assert.Equal(t, []string{"stays", "flaps"}, stored(), "back was gone at two looks; flaps only at one")
	now = now.Add(keep + 3*time.Hour)
	r.prune(ctx, src)
	assert.Equal(t, []string{"stays"}, stored())

	// Only the slots still holding keys are left: one per look, each listing "stays".
	for range 5 {
		now = now.Add(keep + time.Hour)
		r.prune(ctx, src)
	}
	assert.Equal(t, []string{"stays"}, stored())
	require.Len(t, r.slots, 1)
	list, err := r.readSlot(ctx, r.slots[0].Start)
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"stays"}}, list)
	var index []doneSlot
	require.NoError(t, r.getJSON(ctx, doneIndexKey, &index))
	assert.Equal(t, r.slots, index, "the stored index is the one in memory")
}

// TestSQSCheckpointsAreForgettable: an SQS object is read because a
// notification names it; only the retention guards against that notification
// coming back.
func TestSQSCheckpointsAreForgettable(t *testing.T) {
	assert.True(t, (&sqsSource{}).forgettable()("s3:bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz"))
}

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
	cp, err := (&checkpoints{client: client}).get(context.Background(), fingerprint(gone))
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
