// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package directory is the source that reads CloudTrail files from a local
// directory tree, polled on an interval.
package directory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// FingerprintSize is the number of leading bytes of a file whose SHA-256 is
// its identity. Gzip headers and the first records (with their unique
// eventIDs) make it distinct for distinct CloudTrail files.
const FingerprintSize = 4 << 10

// Attributes the directory source adds to every log record.
const (
	AttrLogFilePath = "log.file.path"
	AttrLogFileName = "log.file.name"
)

// dirEntry is what the directory source remembers about a path, so that
// unchanged files are neither fingerprinted nor offered again.
type dirEntry struct {
	size    int64
	modTime time.Time
	// key is the fingerprint, computed over keyLen bytes of the file when it
	// had size keySize and modification time keyModTime.
	key        string
	keyLen     int
	keySize    int64
	keyModTime time.Time
	// settled: done with this size and modification time.
	settled bool
}

// keyFor reports whether the entry's fingerprint was computed for the file
// at this size and modification time.
func (e *dirEntry) keyFor(size int64, mod time.Time) bool {
	return e.key != "" && e.keySize == size && e.keyModTime.Equal(mod)
}

// Source offers the JSON files (*.json, *.jsonl, *.ndjson, each possibly
// .gz) under a directory. It hands over one object at a time (Workers 1), so
// it is used by one goroutine.
type Source struct {
	root    string
	pacer   source.Pacer
	include []string // lower-case glob patterns; empty: isLogFileName
	logger  *zap.Logger
	known   map[string]*dirEntry
	// lastListErr avoids logging the same listing problem at every poll.
	lastListErr string
	// unlisted are the paths of the last poll that could not be listed or
	// looked at (a directory that cannot be read, a file whose stat failed):
	// files may be there that the source does not know.
	unlisted []string
	// rest are the paths of the last walk not handed over yet (listPage).
	rest []string
}

// New returns the source of cfg.
func New(cfg Config, logger *zap.Logger) (*Source, error) {
	root, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("directory.path %q: %w", cfg.Path, err)
	}
	include := make([]string, len(cfg.Include))
	for i, p := range cfg.Include {
		include[i] = strings.ToLower(p)
	}
	return &Source{
		root:    root,
		pacer:   source.Pacer{Every: cfg.PollInterval},
		include: include,
		logger:  logger,
		known:   make(map[string]*dirEntry),
	}, nil
}

// Describe says what the source reads.
func (d *Source) Describe() source.Description {
	return source.Description{
		Kind:     "directory",
		Location: d.root,
		Watching: "watching for new files every " + source.ShortDuration(d.pacer.Every),
		Interval: d.pacer.Every,
		Workers:  1,
	}
}

// isLogFileName reports whether the name has the suffix of a file that may
// hold CloudTrail records: CloudTrail's own *.json.gz, plain *.json, and the
// JSON Lines names (*.jsonl, *.ndjson) that exports and Firehose deliveries
// get, each gzipped or not.
func isLogFileName(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	return strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".ndjson")
}

// wanted reports whether a file of this name is read: one with a CloudTrail
// suffix, or one matching directory.include when that is set.
func (d *Source) wanted(name string) bool {
	if len(d.include) == 0 {
		return isLogFileName(name)
	}
	n := strings.ToLower(name)
	for _, p := range d.include {
		if ok, _ := path.Match(p, n); ok {
			return true
		}
	}
	return false
}

// listPage is how many files one listing hands over at most. A tree of a
// million files would otherwise become a million objects (and a million
// fingerprint reads) before the first record is read, all held until the
// listing is done; the rest follow in the next listings, without waiting for
// the poll interval or walking the tree again.
const listPage = 1000

// Next walks the tree once the poll interval has passed and hands over the
// files that are new or changed since they were settled, identified by the
// fingerprint of their first bytes, at most listPage at a time.
func (d *Source) Next(ctx context.Context) (source.Listing, error) {
	if len(d.rest) == 0 {
		if err := d.pacer.Wait(ctx); err != nil {
			return source.Listing{}, err
		}
		if err := d.walk(ctx); err != nil {
			return source.Listing{}, err
		}
	} else if err := ctx.Err(); err != nil {
		return source.Listing{}, err
	}
	page := d.rest[:min(listPage, len(d.rest))]
	d.rest = d.rest[len(page):]
	objects := make([]*source.Object, 0, len(page))
	for _, path := range page {
		e := d.known[path]
		if e == nil {
			continue // gone at a later walk (cannot happen before one)
		}
		objects = append(objects, d.object(path, e))
	}
	if len(d.rest) == 0 {
		d.rest = nil
	}
	return source.Listing{Objects: objects, Backlog: len(d.rest) > 0, Problem: d.listProblem()}, nil
}

// walk lists the tree: it records what it finds in d.known and the paths
// to hand over, in lexical order, in d.rest.
func (d *Source) walk(ctx context.Context) error {
	var paths []string
	var problems, unlisted []string
	err := filepath.WalkDir(d.root, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if path == d.root {
				return err
			}
			problems = append(problems, err.Error())
			unlisted = append(unlisted, path)
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if de.IsDir() || !d.wanted(de.Name()) {
			return nil
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.reportListErr(err.Error())
		return fmt.Errorf("listing %s: %w", d.root, err)
	}
	// Lexical order of the full path (WalkDir's order differs from it when a
	// name is a prefix of another's).
	sort.Strings(paths)

	present := make(map[string]struct{}, len(paths))
	offer := paths[:0]
	for _, path := range paths {
		info, err := os.Stat(path) // follows symbolic links
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, err.Error())
			unlisted = append(unlisted, path)
		}
		if err != nil || !info.Mode().IsRegular() {
			continue // vanished, cannot be looked at, or not a file
		}
		present[path] = struct{}{}
		size, mod := info.Size(), info.ModTime()
		e := d.known[path]
		if e == nil {
			e = &dirEntry{}
			d.known[path] = e
		}
		if e.settled && e.size == size && e.modTime.Equal(mod) {
			continue
		}
		e.size, e.modTime, e.settled = size, mod, false
		offer = append(offer, path)
	}
	for path := range d.known {
		if _, ok := present[path]; !ok {
			delete(d.known, path) // removed or renamed
		}
	}
	d.rest = offer
	d.unlisted = unlisted
	d.reportListErr(strings.Join(problems, "; "))
	return nil
}

// object describes the file at path, as the entry e last saw it.
func (d *Source) object(path string, e *dirEntry) *source.Object {
	size, mod := e.size, e.modTime
	o := &source.Object{
		Name:    path,
		Size:    size,
		ModTime: mod,
		Attrs: []source.Attr{
			{Key: AttrLogFilePath, Value: path},
			{Key: AttrLogFileName, Value: filepath.Base(path)},
		},
		Content: localFile{path: path, size: size, modTime: mod},
		// A file modified within two polls may still be being written.
		Quiet: 2 * d.pacer.Every,
		Settle: func(r source.Result) {
			if e.size == size && e.modTime.Equal(mod) {
				e.settled = r.Done
			}
		},
	}
	// Empty files have no content to identify them; digests are skipped.
	if size > 0 && !source.IsDigest(path) {
		o.Key, o.PrevKey, o.Err = d.identify(path, e, size, mod)
	}
	return o
}

// listProblem: parts of the tree that could not be listed in the last poll.
func (d *Source) listProblem() error {
	if d.lastListErr == "" {
		return nil
	}
	return fmt.Errorf("listing %s: %s", d.root, d.lastListErr)
}

func (d *Source) reportListErr(msg string) {
	if msg == d.lastListErr {
		return
	}
	d.lastListErr = msg
	if msg != "" {
		d.logger.Warn("Problem listing the CloudTrail directory; the rest of the tree is still read", zap.String("directory", d.root), zap.String("error", msg))
	}
}

// identify returns the file's identity: the fingerprint of its first
// FingerprintSize bytes, and the one it had when it was shorter than that
// and has grown since.
func (d *Source) identify(path string, e *dirEntry, size int64, mod time.Time) (key, prevKey string, err error) {
	if e.keyFor(size, mod) {
		return e.key, "", nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer fh.Close()
	buf := make([]byte, FingerprintSize)
	n, err := io.ReadFull(fh, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "", err
	}
	key = Fingerprint(buf[:n])
	// A file shorter than FingerprintSize that grew has a new fingerprint;
	// if it starts with the bytes the old one was computed over, it is the
	// same file and its checkpoint lives under the old key.
	if e.key != "" && e.key != key && e.keyLen > 0 && e.keyLen < FingerprintSize && e.keyLen <= n && Fingerprint(buf[:e.keyLen]) == e.key {
		prevKey = e.key
	}
	e.key, e.keyLen, e.keySize, e.keyModTime = key, n, size, mod
	return key, prevKey, nil
}

// Fingerprint is the hex SHA-256 of b: a file's identity is the one of its
// first FingerprintSize bytes.
func Fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// localFile is the content of a file as it was listed.
type localFile struct {
	path    string
	size    int64
	modTime time.Time
}

func (f localFile) Open(context.Context) (io.ReadCloser, error) { return os.Open(f.path) }

// TailAt fingerprints the FingerprintSize bytes (fewer at the start of the
// file) that end at offset end.
func (f localFile) TailAt(_ context.Context, end int64) (string, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	start := max(0, end-FingerprintSize)
	buf := make([]byte, end-start)
	if _, err := fh.ReadAt(buf, start); err != nil {
		return "", fmt.Errorf("reading %d bytes at offset %d: %w", len(buf), start, err)
	}
	return Fingerprint(buf), nil
}

// Changed reports whether the file's size or modification time changed
// since it was listed.
func (f localFile) Changed(context.Context) bool {
	info, err := os.Stat(f.path)
	return err == nil && (info.Size() != f.size || !info.ModTime().Equal(f.modTime))
}

// Forgettable: a checkpoint is needed while a file with its identity is in
// the tree. A file that is there but whose identity is not known (it could
// not be read, or looked at, or its directory listed) might be any file, so
// the checkpoints last seen at its path, or below a directory that could
// not be listed, are kept too. Empty files and digests have no checkpoint.
func (d *Source) Forgettable(pathOf func(key string) (string, error)) func(key string) bool {
	if len(d.rest) > 0 {
		// Files of this walk are still to be identified: any checkpoint may
		// be theirs until the last page was read.
		return func(string) bool { return false }
	}
	present := make(map[string]struct{}, len(d.known))
	unclear := slices.Clone(d.unlisted)
	for path, e := range d.known {
		switch {
		case e.keyFor(e.size, e.modTime):
			present[e.key] = struct{}{}
		case e.size > 0 && !source.IsDigest(path):
			unclear = append(unclear, path)
			if e.key != "" {
				present[e.key] = struct{}{} // what it was when last identified
			}
		}
	}
	return func(key string) bool {
		// A file that only starts like another is stored under the other's
		// identity plus "." and a fingerprint of its end.
		id, _, _ := strings.Cut(key, ".")
		if _, ok := present[id]; ok {
			return false
		}
		if len(unclear) == 0 {
			return true
		}
		path, err := pathOf(key)
		if err != nil {
			return false
		}
		for _, u := range unclear {
			if path == u || strings.HasPrefix(path, u+string(filepath.Separator)) {
				return false
			}
		}
		return true
	}
}
