package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"io"
	"time"
)

// file is one CloudTrail log file a source offers for processing.
type file struct {
	// path says where the file is (an absolute path for the directory
	// source); it names the file in logs.
	path    string
	size    int64
	modTime time.Time
	// attrs are added to every log record made from the file.
	attrs []fileAttr
	// failure is set by the processor to the reason the file could not be
	// read (or was read only in part), for sources that act on it (the SQS
	// source keeps the message that named it).
	failure string
	// tag is the source's version of the file when it was listed (the ETag
	// of an S3 object); "" for the directory source.
	tag string
}

type fileAttr struct{ key, value string }

// source yields the files to process. The directory and S3 sources
// implement it and share the processing core (processor), its checkpoints,
// de-duplication, retries and telemetry.
//
// A source is used by one goroutine at a time, unless the processor runs
// several workers (the S3 source), in which case it must be safe for
// concurrent use.
type source interface {
	// poll lists the files that may need processing, in processing order.
	// It leaves out the files it was told are settled (see settle) and that
	// have not changed since.
	poll(ctx context.Context) ([]*file, error)
	// identify returns the file's identity, the key of its checkpoint, which
	// must not depend on where the file is (a renamed file keeps it). When
	// the identity changed because the file grew (it is computed over fewer
	// bytes than the file now has), prevKey is the identity it had.
	identify(ctx context.Context, f *file) (key, prevKey string, err error)
	// fingerprintAt returns the fingerprint of the fingerprintSize bytes
	// (fewer at the start of the file) that end at offset end. It tells a
	// file that grew from a different file that only starts the same way.
	fingerprintAt(ctx context.Context, f *file, end int64) (string, error)
	// open opens the file for reading from its start.
	open(ctx context.Context, f *file) (io.ReadCloser, error)
	// stat returns the current size and modification time of the file.
	stat(ctx context.Context, f *file) (size int64, modTime time.Time, err error)
	// settle reports what became of the file: done means it needs nothing
	// more unless it changes; otherwise poll offers it again.
	settle(f *file, done bool)
	// interval is the time between two polls.
	interval() time.Duration
	// forgetter says which finished files' checkpoints may be deleted.
	forgetter
}

// sourceError is an error a source knows how to classify: the processor logs
// it with its reason and, when retry is set, offers the file again at the
// next poll instead of giving up on it (an S3 object that is access denied
// may become readable once a policy is fixed; a missing one will not).
type sourceError struct {
	reason string
	retry  bool
	err    error
}

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }
