package cloudtrailreceiver

import (
	"context"
	"errors"
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
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// presence is a forgetter whose files are the keys in present; ready false
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
	list, err = r.readSlot(ctx, r.slots[0])
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"stays"}}, list)
	var index []doneSlot
	_, err = getJSON(ctx, client, doneIndexKey, &index)
	require.NoError(t, err)
	assert.Equal(t, r.slots, index, "the stored index is the one in memory")
}

// TestSQSCheckpointsAreForgettable: an SQS object is read because a
// notification names it; only the retention guards against that notification
// coming back.
func TestSQSCheckpointsAreForgettable(t *testing.T) {
	assert.True(t, (&sqsSource{}).forgettable(nil)("s3:bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/x.json.gz"))
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

// failingClient is a storage client whose writes fail while fail is set.
type failingClient struct {
	*memoryClient
	fail bool
}

var errStorage = errors.New("injected storage failure")

func (c *failingClient) Set(ctx context.Context, key string, value []byte) error {
	if c.fail {
		return errStorage
	}
	return c.memoryClient.Set(ctx, key, value)
}

func (c *failingClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if c.fail {
		return errStorage
	}
	return c.memoryClient.Batch(ctx, ops...)
}

// TestCheckpointRetentionStorageTrouble: failing writes keep nothing growing
// and lose nothing (the expired slot is taken again once writes work), and
// records that cannot be decoded are dropped instead of stopping retention.
func TestCheckpointRetentionStorageTrouble(t *testing.T) {
	ctx := context.Background()
	client := &failingClient{memoryClient: newMemoryClient()}
	cps := &checkpoints{client: client}
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	now := time.Date(2026, 11, 1, 10, 17, 0, 0, time.UTC)
	const keep = 24 * time.Hour
	r := newCheckpointRetention(client, keep, func() time.Time { return now }, zap.NewNop(), tel)
	src := &presence{present: map[string]bool{}, ready: true}

	var keys []string
	for i := range 100 {
		k := fmt.Sprintf("k%03d", i)
		keys = append(keys, k)
		require.NoError(t, cps.set(ctx, k, &checkpoint{Done: true}))
		r.finished(k)
	}
	r.flush(ctx)
	now = now.Add(keep + time.Hour)
	r.prune(ctx, src) // first look: all gone
	now = now.Add(keep + time.Hour)

	client.fail = true
	for range 50 {
		r.finished("new") // a file finished meanwhile, the same key at every poll
		r.flush(ctx)
		r.prune(ctx, src)
	}
	assert.Len(t, r.pending, 1, "what waits for a flush stays bounded by the distinct keys")
	client.fail = false
	r.flush(ctx)
	r.prune(ctx, src)
	for _, k := range keys {
		cp, err := cps.get(ctx, k)
		require.NoError(t, err)
		assert.Nil(t, cp, "%s is forgotten once writes work", k)
	}
	list, err := r.readSlot(ctx, r.slots[len(r.slots)-1])
	require.NoError(t, err)
	assert.Equal(t, doneList{Keys: []string{"new"}}, list, "the file finished meanwhile is recorded")

	// A slot list and the index that cannot be decoded.
	require.Len(t, r.slots, 1)
	require.NoError(t, client.memoryClient.Set(ctx, slotKey(r.slots[0]), []byte("{not json")))
	now = now.Add(2 * (keep + time.Hour))
	r.prune(ctx, src)
	assert.Empty(t, r.slots, "the undecodable slot is dropped")
	require.NoError(t, client.memoryClient.Set(ctx, doneIndexKey, []byte(`{"start":"x"}`)))
	r = newCheckpointRetention(client, keep, func() time.Time { return now }, zap.NewNop(), tel)
	r.finished("k001")
	r.flush(ctx)
	require.Len(t, r.slots, 1, "a new index replaces the undecodable one")
}

// TestDirectoryForgettable: besides the identities of the files in the
// tree, checkpoints last seen at a path whose file is there but could not
// be identified, or below a directory that could not be listed, are kept.
func TestDirectoryForgettable(t *testing.T) {
	d := &directorySource{known: map[string]*dirEntry{
		"/t/a.json":                        {size: 10, key: "ka", keySize: 10},
		"/t/grew.json":                     {size: 20, key: "kgrew", keySize: 10}, // changed, not identified since
		"/t/unread.json":                   {size: 5},                             // identify failed
		"/t/empty.json":                    {size: 0},
		"/t/x_CloudTrail-Digest_y.json.gz": {size: 9},
	}, unlisted: []string{"/t/locked"}}
	paths := map[string]string{
		"ka.0123": "/t/a.json", "kgrew": "/t/grew.json", "kunread": "/t/unread.json",
		"klocked": "/t/locked/sub/f.json", "klockedx": "/t/lockedx.json", "kold": "/t/old.json",
	}
	forget := d.forgettable(func(k string) (string, error) { return paths[k], nil })
	for key, want := range map[string]bool{
		"ka": false, "ka.0123": false, // in the tree (also as the file starting like it)
		"kgrew":    false, // what the changed file was
		"kunread":  false, // last seen where a file is that could not be identified
		"klocked":  false, // below a directory that could not be listed
		"klockedx": true,  // only a name sharing the prefix
		"kold":     true,
	} {
		assert.Equal(t, want, forget(key), key)
	}
	failing := d.forgettable(func(string) (string, error) { return "", errStorage })
	assert.False(t, failing("kold"), "a checkpoint whose path cannot be read is kept")
}

// TestS3ForgettableFollowsTheStoredPosition: only a listing position that
// was stored protects a restart, so an object's checkpoint is kept while
// storing the position fails; folders not listed in this run are judged by
// their stored position.
func TestS3ForgettableFollowsTheStoredPosition(t *testing.T) {
	store := &failingClient{memoryClient: newMemoryClient()}
	s, err := newS3Source(S3Config{Bucket: testBucket}, nil, store, zap.NewNop())
	require.NoError(t, err)
	rp := s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "us-east-1")
	k1 := ctKey("", "", acctA, "us-east-1", day1, "a000000000000001")
	k2 := ctKey("", "", acctA, "us-east-1", day1.Add(5*time.Minute), "a000000000000002")
	fo := &s3Folder{prefix: rp, loaded: true, pending: []*s3Object{{key: k1, done: true}, {key: k2, done: true}}}
	s.folders[rp] = fo

	store.fail = true
	s.advance(fo)
	assert.Equal(t, k2, fo.committed)
	forget := s.forgettable(nil)
	assert.False(t, forget("s3:"+testBucket+"/"+k1), "the position was not stored")

	store.fail = false
	s.advance(fo) // the next advance stores it
	forget = s.forgettable(nil)
	assert.True(t, forget("s3:"+testBucket+"/"+k1))
	assert.True(t, forget("s3:"+testBucket+"/"+k2+".etag:abc"))
	assert.False(t, forget("s3:"+testBucket+"/"+ctKey("", "", acctA, "us-east-1", day1.Add(time.Hour), "a000000000000003")))
	assert.True(t, forget("s3:other-bucket/"+k1))

	// A folder of another region, not listed in this run.
	west := ctKey("", "", acctA, "eu-west-1", day1, "w000000000000001")
	assert.False(t, forget("s3:"+testBucket+"/"+west), "no stored position")
	require.NoError(t, store.Set(context.Background(), s3ListCheckpointPrefix+testBucket+"/"+s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "eu-west-1"), []byte(`{"start_after":"`+west+`"}`)))
	assert.True(t, s.forgettable(nil)("s3:"+testBucket+"/"+west), "passed by its stored position")
}
