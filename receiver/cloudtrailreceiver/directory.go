package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

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
)

// fingerprintSize is the number of leading bytes of a file whose SHA-256 is
// its identity. Gzip headers and the first records (with their unique
// eventIDs) make it distinct for distinct CloudTrail files.
const fingerprintSize = 4 << 10

// Attributes the directory source adds to every log record.
const (
	attrLogFilePath = "log.file.path"
	attrLogFileName = "log.file.name"
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

// directorySource offers the JSON files (*.json, *.jsonl, *.ndjson, each
// possibly .gz) under a directory.
type directorySource struct {
	root    string
	every   time.Duration
	include []string // lower-case glob patterns; empty: isLogFileName
	logger  *zap.Logger
	known   map[string]*dirEntry
	// lastListErr avoids logging the same listing problem at every poll.
	lastListErr string
	// unlisted are the paths of the last poll that could not be listed or
	// looked at (a directory that cannot be read, a file whose stat failed):
	// files may be there that the source does not know.
	unlisted []string
}

func newDirectorySource(cfg DirectoryConfig, logger *zap.Logger) (*directorySource, error) {
	root, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("directory.path %q: %w", cfg.Path, err)
	}
	include := make([]string, len(cfg.Include))
	for i, p := range cfg.Include {
		include[i] = strings.ToLower(p)
	}
	return &directorySource{
		root:    root,
		every:   cfg.PollInterval,
		include: include,
		logger:  logger,
		known:   make(map[string]*dirEntry),
	}, nil
}

func (*directorySource) String() string { return "directory" }

func (d *directorySource) interval() time.Duration { return d.every }

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
func (d *directorySource) wanted(name string) bool {
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

func (d *directorySource) poll(ctx context.Context) ([]*file, error) {
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
			return nil, ctx.Err()
		}
		d.reportListErr(err.Error())
		return nil, fmt.Errorf("listing %s: %w", d.root, err)
	}
	// Lexical order of the full path (WalkDir's order differs from it when a
	// name is a prefix of another's).
	sort.Strings(paths)

	files := make([]*file, 0, len(paths))
	present := make(map[string]struct{}, len(paths))
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
		files = append(files, &file{
			path:    path,
			size:    size,
			modTime: mod,
			attrs: []fileAttr{
				{attrLogFilePath, path},
				{attrLogFileName, filepath.Base(path)},
			},
		})
	}
	for path := range d.known {
		if _, ok := present[path]; !ok {
			delete(d.known, path) // removed or renamed
		}
	}
	d.unlisted = unlisted
	d.reportListErr(strings.Join(problems, "; "))
	return files, nil
}

// pollProblem: parts of the tree that could not be listed in the last poll.
func (d *directorySource) pollProblem() error {
	if d.lastListErr == "" {
		return nil
	}
	return fmt.Errorf("listing %s: %s", d.root, d.lastListErr)
}

func (d *directorySource) reportListErr(msg string) {
	if msg == d.lastListErr {
		return
	}
	d.lastListErr = msg
	if msg != "" {
		d.logger.Warn("Problem listing the CloudTrail directory; the rest of the tree is still read", zap.String("directory", d.root), zap.String("error", msg))
	}
}

func (d *directorySource) identify(_ context.Context, f *file) (key, prevKey string, err error) {
	e := d.known[f.path]
	if e == nil {
		e = &dirEntry{size: f.size, modTime: f.modTime}
		d.known[f.path] = e
	}
	if e.keyFor(f.size, f.modTime) {
		return e.key, "", nil
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return "", "", err
	}
	defer fh.Close()
	buf := make([]byte, fingerprintSize)
	n, err := io.ReadFull(fh, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "", err
	}
	key = fingerprint(buf[:n])
	// A file shorter than fingerprintSize that grew has a new fingerprint;
	// if it starts with the bytes the old one was computed over, it is the
	// same file and its checkpoint lives under the old key.
	if e.key != "" && e.key != key && e.keyLen > 0 && e.keyLen < fingerprintSize && e.keyLen <= n && fingerprint(buf[:e.keyLen]) == e.key {
		prevKey = e.key
	}
	e.key, e.keyLen, e.keySize, e.keyModTime = key, n, f.size, f.modTime
	return key, prevKey, nil
}

func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (*directorySource) fingerprintAt(_ context.Context, f *file, end int64) (string, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	start := max(0, end-fingerprintSize)
	buf := make([]byte, end-start)
	if _, err := fh.ReadAt(buf, start); err != nil {
		return "", fmt.Errorf("reading %d bytes at offset %d: %w", len(buf), start, err)
	}
	return fingerprint(buf), nil
}

func (*directorySource) open(_ context.Context, f *file) (io.ReadCloser, error) {
	return os.Open(f.path)
}

func (*directorySource) stat(_ context.Context, f *file) (int64, time.Time, error) {
	info, err := os.Stat(f.path)
	if err != nil {
		return 0, time.Time{}, err
	}
	return info.Size(), info.ModTime(), nil
}

// forgettable: a checkpoint is needed while a file with its identity is in
// the tree. A file that is there but whose identity is not known (it could
// not be read, or looked at, or its directory listed) might be any file, so
// the checkpoints last seen at its path, or below a directory that could
// not be listed, are kept too. Empty files and digests have no checkpoint.
func (d *directorySource) forgettable(pathOf func(key string) (string, error)) func(key string) bool {
	present := make(map[string]struct{}, len(d.known))
	unclear := slices.Clone(d.unlisted)
	for path, e := range d.known {
		switch {
		case e.keyFor(e.size, e.modTime):
			present[e.key] = struct{}{}
		case e.size > 0 && !strings.Contains(path, digestPathMarker):
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

func (d *directorySource) settle(f *file, done bool) {
	if e := d.known[f.path]; e != nil && e.size == f.size && e.modTime.Equal(f.modTime) {
		e.settled = done
	}
}
