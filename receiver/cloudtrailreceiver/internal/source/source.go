// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package source is the contract between the receiver's sources and its
// ingest core. A source lists what it has and hands each object over once,
// described in full: identity, size, attributes, how to read it, and a
// callback that hears what became of it. The core never asks the source
// anything about an object it was handed.
package source // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"

import (
	"context"
	"io"
	"strings"
	"time"
)

// Source lists CloudTrail objects. Adding a source means writing one
// package that implements it.
type Source interface {
	// Next waits for the source's turn (its poll interval, a long poll) and
	// lists what it has to hand over now. An error means nothing could be
	// listed; the receiver logs it and asks again.
	Next(ctx context.Context) (Listing, error)
	// Forgettable returns whether the checkpoint stored under a key may be
	// deleted because the source cannot offer its object again, or nil when
	// that cannot be decided now. pathOf reads where a checkpoint's object
	// was last seen, for sources that need it. It is called between
	// listings, after every object of the last one was settled.
	Forgettable(pathOf func(key string) (string, error)) func(key string) bool
	// Describe says what the source is, for logs and for the core.
	Describe() Description
}

// Description is what the receiver logs of a source, and how many of its
// objects may be read at once.
type Description struct {
	// Kind names the source: directory, s3, sqs.
	Kind string
	// Location says where it reads: a path, an s3:// prefix, a queue URL.
	Location string
	// Watching says how the source goes on once caught up, for the
	// caught-up log line.
	Watching string
	// Interval is the time between two listings (0 for a long poll).
	Interval time.Duration
	// Objects names, in the plural, what the source's objects are, for
	// progress logs: "files" when empty.
	Objects string
	// Workers is the number of objects read at once (1 when 0). Above 1,
	// the Settle callbacks must be safe for concurrent use.
	Workers int
}

// Listing is what one call of Next hands over.
type Listing struct {
	// Objects are to be read in this order (in order of start, with
	// several workers). Each is settled exactly once.
	Objects []*Object
	// Backlog says the source holds more than it handed over: an S3 folder
	// listed up to its bound, an SQS receive that returned messages.
	Backlog bool
	// Problem is the error of the parts that could not be listed while the
	// rest was (an S3 folder, a subdirectory), or nil.
	Problem error
}

// Object is one CloudTrail object, with everything the core needs to read
// it, checkpoint it and report what became of it.
type Object struct {
	// Name says where the object is (a path, an s3:// URL) in logs.
	Name string
	// Key is the object's identity, under which its checkpoint is kept; it
	// does not depend on where the object is (a renamed file keeps it).
	// Empty objects have none.
	Key string
	// PrevKey is the identity the object had before it grew past the bytes
	// Key is computed over (a small file being written); its checkpoint is
	// moved to Key.
	PrevKey string
	Size    int64
	ModTime time.Time
	// Attrs are added to every log record made from the object.
	Attrs []Attr
	// Content reads the object.
	Content Content
	// Quiet is how long after ModTime an object that cannot be read to its
	// end is taken for one still being written rather than a broken one;
	// 0 for objects that are whole as listed (S3 writes objects at once).
	Quiet time.Duration
	// Err, when set, is why the source could not describe the object (its
	// first bytes or its metadata could not be read): the core reports it
	// as a failed open, and Key, Size and Content are not set.
	Err error
	// Settle hears, once, what became of the object.
	Settle func(Result)
	// Accepted, when set, hears after each batch the next consumer
	// accepted, before the core saves its checkpoint, how many of the
	// object's records from its start are finished (delivered, not
	// selected, failed, or dropped). A source whose objects are made anew
	// at each poll (Event history) keeps its own exactly-once state with it,
	// since the core's checkpoint is per object.
	Accepted func(records int64)
	// RecordAttrs, when set, names the record at an index the way the
	// source knows it (an eventID, a region), for the log of a record that
	// cannot be decoded.
	RecordAttrs func(index int64) []Attr
}

// Attr is an attribute added to the log records of an object.
type Attr struct{ Key, Value string }

// Content reads an object. Its methods depend on the object alone (a
// path, a bucket and key), not on the source's state.
type Content interface {
	// Open opens the object for reading from its start.
	Open(ctx context.Context) (io.ReadCloser, error)
	// TailAt returns a fingerprint of the bytes ending at offset end.
	// Checked against the one stored with a checkpoint, it tells a file
	// that grew from a different file that only starts the same way.
	// Objects that are replaced, never appended to, return their version
	// (an S3 ETag) whatever end.
	TailAt(ctx context.Context, end int64) (string, error)
	// Changed reports whether the object is no longer as listed (its size
	// or modification time differ), so that a short read of it is not a
	// fault of its bytes.
	Changed(ctx context.Context) bool
}

// Result is what became of an object.
type Result struct {
	// Done means the object needs nothing more unless it changes;
	// otherwise the source offers it again.
	Done bool
	// Failure is the reason the object could not be read, or was read
	// only in part; "" when it was read.
	Failure string
}

// Reasons a source gives in an Error; they are values of the reason
// attribute of otelcol_cloudtrail_file_errors.
const (
	ReasonRead         = "read_error"
	ReasonMissing      = "missing"       // an S3 object named or listed but gone (404)
	ReasonAccessDenied = "access_denied" // an S3 object that cannot be read (403)
)

// Error is an error a source has classified: the core logs it with its
// reason and, when Retry is set, has the object offered again instead of
// giving up on it (an S3 object that is access denied may become readable
// once a policy is fixed; a missing one will not).
type Error struct {
	Reason string
	Retry  bool
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// digestPathMarker marks CloudTrail digest files, which hold no records.
const digestPathMarker = "CloudTrail-Digest"

// IsDigest reports whether the object at this path or key is a CloudTrail
// digest file; sources need not identify those, and the core skips them.
func IsDigest(name string) bool { return strings.Contains(name, digestPathMarker) }

// Pacer spaces a source's listings: the first at once, each next one an
// interval after the start of the one before, or at once when that one
// took longer.
type Pacer struct {
	Every time.Duration
	next  time.Time
}

// Wait waits for the next listing's turn; it fails only when ctx ends.
func (p *Pacer) Wait(ctx context.Context) error {
	if d := time.Until(p.next); !p.next.IsZero() && d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	p.next = time.Now().Add(p.Every)
	return ctx.Err()
}

// ShortDuration writes d without zero trailing units: 1m, not 1m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
