package cloudtrailreceiver

import (
	"context"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configretry"
	"go.uber.org/zap"
)

func TestBackoff(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	cfg := configretry.BackOffConfig{Enabled: true, InitialInterval: time.Second, MaxInterval: 4 * time.Second, Multiplier: 2}

	b := newBackoff(cfg, clock)
	var waits []time.Duration
	for range 5 {
		w, ok := b.next()
		require.True(t, ok)
		waits = append(waits, w)
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}, waits)

	cfg.MaxElapsedTime = 3 * time.Second
	b = newBackoff(cfg, clock)
	w, ok := b.next()
	assert.True(t, ok)
	assert.Equal(t, time.Second, w)
	now = now.Add(2500 * time.Millisecond)
	w, ok = b.next()
	assert.True(t, ok)
	assert.Equal(t, 500*time.Millisecond, w, "capped to the time left")
	now = now.Add(time.Second)
	_, ok = b.next()
	assert.False(t, ok, "max_elapsed_time reached")

	cfg.Enabled = false
	_, ok = newBackoff(cfg, clock).next()
	assert.False(t, ok, "retries disabled")

	jitter := configretry.BackOffConfig{Enabled: true, InitialInterval: time.Second, Multiplier: 1, RandomizationFactor: 0.5}
	b = newBackoff(jitter, clock)
	for range 20 {
		w, ok := b.next()
		require.True(t, ok)
		assert.GreaterOrEqual(t, w, 500*time.Millisecond)
		assert.LessOrEqual(t, w, 1500*time.Millisecond)
	}

	zero := configretry.BackOffConfig{Enabled: true}
	w, ok = newBackoff(zero, clock).next()
	assert.True(t, ok)
	assert.Equal(t, minRetryWait, w, "no busy loop with a zero interval")
}

func TestDirectoryListing(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{
		"a.json", "a/b.json.gz", "a/c.JSON", "a/d.json.gz.5f3A1b2c", "a/e.txt", "a-b/f.json", "z.json.gz",
		"l/events.jsonl", "l/events.ndjson.gz", "l/firehose.jsonl.GZ", "l/flow.log.gz", "l/x.gz",
	} {
		writeFile(t, dir, rel, []byte(`{"Records":[]}`+rel))
	}
	// list polls a new source over dir once: the source, its files and their
	// paths relative to dir.
	list := func(include []string) (*directorySource, []*file, []string) {
		src, err := newDirectorySource(DirectoryConfig{Path: dir, PollInterval: time.Second, Include: include}, zap.NewNop())
		require.NoError(t, err)
		files, err := src.poll(context.Background())
		require.NoError(t, err)
		var rels []string
		for _, f := range files {
			rel, err := filepath.Rel(dir, f.path)
			require.NoError(t, err)
			rels = append(rels, filepath.ToSlash(rel))
			assert.True(t, filepath.IsAbs(f.path))
		}
		return src, files, rels
	}
	src, files, got := list(nil)
	// Lexical order of the full path: "a-b/" < "a.json" < "a/" ('-' < '.' < '/').
	assert.Equal(t, []string{"a-b/f.json", "a.json", "a/b.json.gz", "a/c.JSON",
		"l/events.jsonl", "l/events.ndjson.gz", "l/firehose.jsonl.GZ", "z.json.gz"}, got)

	// directory.include replaces the suffixes.
	for _, tc := range []struct {
		include []string
		want    []string
	}{
		{[]string{"*.TXT"}, []string{"a/e.txt"}},
		{[]string{"*.gz.*", "x.gz"}, []string{"a/d.json.gz.5f3A1b2c", "l/x.gz"}},
	} {
		_, _, got := list(tc.include)
		assert.Equal(t, tc.want, got, "include %v", tc.include)
	}

	// Settled files are not offered again until they change.
	for _, f := range files {
		src.settle(f, true)
	}
	files, err := src.poll(context.Background())
	require.NoError(t, err)
	assert.Empty(t, files)
	writeFile(t, dir, "a.json", []byte(`{"Records":[]} changed`))
	files, err = src.poll(context.Background())
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, filepath.Join(dir, "a.json"), files[0].path)
}

func TestFingerprintCache(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "f.json", []byte("0123456789"))
	src, err := newDirectorySource(DirectoryConfig{Path: dir, PollInterval: time.Second}, zap.NewNop())
	require.NoError(t, err)
	files, err := src.poll(context.Background())
	require.NoError(t, err)
	require.Len(t, files, 1)
	key, prev, err := src.identify(context.Background(), files[0])
	require.NoError(t, err)
	assert.Equal(t, fingerprint([]byte("0123456789")), key)
	assert.Empty(t, prev)

	// Grown: new identity, and the previous one is reported.
	writeFile(t, dir, "f.json", []byte("0123456789abc"))
	files, err = src.poll(context.Background())
	require.NoError(t, err)
	require.Len(t, files, 1)
	key2, prev, err := src.identify(context.Background(), files[0])
	require.NoError(t, err)
	assert.Equal(t, fingerprint([]byte("0123456789abc")), key2)
	assert.Equal(t, key, prev)

	// Rewritten with other content: no previous identity.
	writeFile(t, dir, "f.json", []byte("something else entirely"))
	files, err = src.poll(context.Background())
	require.NoError(t, err)
	_, prev, err = src.identify(context.Background(), files[0])
	require.NoError(t, err)
	assert.Empty(t, prev)

	tail, err := src.fingerprintAt(context.Background(), &file{path: path}, 4)
	require.NoError(t, err)
	assert.Equal(t, fingerprint([]byte("some")), tail)
}

func TestDedup(t *testing.T) {
	d := newDedup(DedupConfig{Enabled: true, CacheSize: 10})
	assert.True(t, d.reserve("a"))
	assert.False(t, d.reserve("a"), "already in the batch")
	d.abort()
	assert.True(t, d.reserve("a"), "a failed batch is forgotten")
	d.commit()
	assert.False(t, d.reserve("a"), "delivered")
	assert.True(t, d.reserve(""), "no eventID: never a duplicate")
	assert.True(t, d.reserve(""))

	assert.True(t, d.reserve("b"))
	d.release("b")
	assert.True(t, d.reserve("b"), "a released reservation (mapping failed) is admitted again")

	off := newDedup(DedupConfig{Enabled: false, CacheSize: 10})
	assert.True(t, off.reserve("a"))
	off.commit()
	assert.True(t, off.reserve("a"))
}

// TestDedupKeepsCopies: the eventID handed to reserve is a substring of the
// record's text; the cache must not keep that text alive.
func TestDedupKeepsCopies(t *testing.T) {
	record := `{"eventID":"6f3c1a2e-0000-4000-a000-000000000001","eventSource":"personalize.amazonaws.com"}`
	id := record[12:48]
	d := newDedup(DedupConfig{Enabled: true, CacheSize: 10})
	require.True(t, d.reserve(id))
	lo := uintptr(unsafe.Pointer(unsafe.StringData(record)))
	for kept := range d.shared.reserved {
		p := uintptr(unsafe.Pointer(unsafe.StringData(kept)))
		assert.False(t, p >= lo && p < lo+uintptr(len(record)), "the reservation points into the record's text")
	}
	for _, kept := range d.order {
		p := uintptr(unsafe.Pointer(unsafe.StringData(kept)))
		assert.False(t, p >= lo && p < lo+uintptr(len(record)), "the batch order points into the record's text")
	}
	d.commit()
	assert.False(t, d.reserve(id), "delivered")
}

// TestDedupFork: workers share what was delivered and what is reserved, so two
// workers reading copies of one event at once deliver it once; a worker's
// failed batch releases its IDs for whoever reads them next.
func TestDedupFork(t *testing.T) {
	d := newDedup(DedupConfig{Enabled: true, CacheSize: 10})
	w1, w2 := d.fork(), d.fork()
	assert.True(t, w1.reserve("a"))
	assert.False(t, w2.reserve("a"), "reserved in another worker's batch")
	assert.True(t, w2.reserve("b"))
	w1.commit()
	assert.False(t, w2.reserve("a"), "delivered by another worker")
	assert.False(t, d.reserve("a"))
	w2.abort()
	assert.True(t, w1.reserve("b"), "another worker's failed batch is released")
	assert.Nil(t, (*dedup)(nil).fork(), "disabled stays disabled")
}
