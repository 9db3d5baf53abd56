// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package directory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// writeFile writes data at dir/rel and dates it an hour back.
func writeFile(t *testing.T, dir, rel string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o600))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))
	return path
}

// next lists src once, with no wait.
func next(t *testing.T, src *Source) []*source.Object {
	t.Helper()
	src.pacer = source.Pacer{}
	l, err := src.Next(context.Background())
	require.NoError(t, err)
	return l.Objects
}

func TestDirectoryListing(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{
		"a.json", "a/b.json.gz", "a/c.JSON", "a/d.json.gz.5f3A1b2c", "a/e.txt", "a-b/f.json", "z.json.gz",
		"l/events.jsonl", "l/events.ndjson.gz", "l/firehose.jsonl.GZ", "l/flow.log.gz", "l/x.gz",
	} {
		writeFile(t, dir, rel, []byte(`{"Records":[]}`+rel))
	}
	// list lists a new source over dir once: the source, its objects and
	// their paths relative to dir.
	list := func(include []string) (*Source, []*source.Object, []string) {
		src, err := New(Config{Path: dir, PollInterval: time.Second, Include: include}, zap.NewNop())
		require.NoError(t, err)
		objects := next(t, src)
		var rels []string
		for _, o := range objects {
			rel, err := filepath.Rel(dir, o.Name)
			require.NoError(t, err)
			rels = append(rels, filepath.ToSlash(rel))
			assert.True(t, filepath.IsAbs(o.Name))
			assert.Equal(t, []source.Attr{{Key: AttrLogFilePath, Value: o.Name}, {Key: AttrLogFileName, Value: filepath.Base(o.Name)}}, o.Attrs)
			assert.NotEmpty(t, o.Key, "identified when listed")
		}
		return src, objects, rels
	}
	src, objects, got := list(nil)
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
	for _, o := range objects {
		o.Settle(source.Result{Done: true})
	}
	assert.Empty(t, next(t, src))
	writeFile(t, dir, "a.json", []byte(`{"Records":[]} changed`))
	objects = next(t, src)
	require.Len(t, objects, 1)
	assert.Equal(t, filepath.Join(dir, "a.json"), objects[0].Name)
	// Not settled as done: offered again.
	objects[0].Settle(source.Result{})
	require.Len(t, next(t, src), 1)
}

func TestFingerprintCache(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "f.json", []byte("0123456789"))
	src, err := New(Config{Path: dir, PollInterval: time.Second}, zap.NewNop())
	require.NoError(t, err)
	objects := next(t, src)
	require.Len(t, objects, 1)
	key := objects[0].Key
	assert.Equal(t, Fingerprint([]byte("0123456789")), key)
	assert.Empty(t, objects[0].PrevKey)

	// Grown: new identity, and the previous one is reported.
	writeFile(t, dir, "f.json", []byte("0123456789abc"))
	objects = next(t, src)
	require.Len(t, objects, 1)
	assert.Equal(t, Fingerprint([]byte("0123456789abc")), objects[0].Key)
	assert.Equal(t, key, objects[0].PrevKey)

	// Rewritten with other content: no previous identity.
	writeFile(t, dir, "f.json", []byte("something else entirely"))
	objects = next(t, src)
	require.Len(t, objects, 1)
	assert.Empty(t, objects[0].PrevKey)

	tail, err := objects[0].Content.TailAt(context.Background(), 4)
	require.NoError(t, err)
	assert.Equal(t, Fingerprint([]byte("some")), tail)
	assert.False(t, objects[0].Content.Changed(context.Background()))
	writeFile(t, dir, "f.json", []byte("something else entirely, and more"))
	assert.True(t, objects[0].Content.Changed(context.Background()))
}

func TestEmptyFilesAndDigestsAreNotIdentified(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty.json", nil)
	writeFile(t, dir, "x_CloudTrail-Digest_y.json.gz", []byte("digest"))
	src, err := New(Config{Path: dir, PollInterval: time.Second}, zap.NewNop())
	require.NoError(t, err)
	objects := next(t, src)
	require.Len(t, objects, 2)
	for _, o := range objects {
		assert.Empty(t, o.Key, o.Name)
		assert.NoError(t, o.Err)
	}
}

var errStorage = errors.New("storage down")

// TestDirectoryForgettable: besides the identities of the files in the
// tree, checkpoints last seen at a path whose file is there but could not
// be identified, or below a directory that could not be listed, are kept.
func TestDirectoryForgettable(t *testing.T) {
	d := &Source{known: map[string]*dirEntry{
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
	forget := d.Forgettable(func(k string) (string, error) { return paths[k], nil })
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
	failing := d.Forgettable(func(string) (string, error) { return "", errStorage })
	assert.False(t, failing("kold"), "a checkpoint whose path cannot be read is kept")
}

// TestDirectoryListingInPages: a large tree is handed over listPage files
// at a time, in order, the later pages without waiting for the poll
// interval or identifying files before their page; nothing is forgotten
// before the last page.
func TestDirectoryListingInPages(t *testing.T) {
	dir := t.TempDir()
	const n = 2*listPage + 17
	for i := range n {
		writeFile(t, dir, fmt.Sprintf("d%d/f%05d.json", i%3, i), fmt.Appendf(nil, `{"Records":[]}%d`, i))
	}
	src, err := New(Config{Path: dir, PollInterval: time.Hour}, zap.NewNop())
	require.NoError(t, err)
	var names []string
	var backlog []bool
	for range 3 {
		// An hour's poll interval: only the first listing may wait for it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		l, err := src.Next(ctx)
		cancel()
		require.NoError(t, err)
		backlog = append(backlog, l.Backlog)
		for _, o := range l.Objects {
			names = append(names, o.Name)
			require.NotEmpty(t, o.Key)
		}
		unidentified := 0
		for _, e := range src.known {
			if e.key == "" {
				unidentified++
			}
		}
		assert.Equal(t, n-len(names), unidentified, "files are fingerprinted with their page")
		if l.Backlog {
			assert.False(t, src.Forgettable(func(string) (string, error) { return "", nil })("any"))
		}
		for _, o := range l.Objects {
			o.Settle(source.Result{Done: true})
		}
	}
	assert.Equal(t, []bool{true, true, false}, backlog)
	require.Len(t, names, n)
	assert.True(t, slices.IsSorted(names))
	assert.Len(t, slices.Compact(slices.Clone(names)), n, "each file once")

	// Everything settled: the next listing waits for the poll interval.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = src.Next(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
