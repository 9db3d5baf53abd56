// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package s3bucket is the source that lists a trail's S3 bucket, region
// folder by region folder, polled on an interval.
package s3bucket // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// Attributes the S3 and SQS sources add to every log record, besides
// log.file.name.
const (
	AttrS3Bucket    = "aws.s3.bucket"
	AttrS3Key       = "aws.s3.key"
	AttrLogFileName = "log.file.name"
)

// ListCheckpointPrefix namespaces the StartAfter checkpoints of the region
// folders: "cloudtrail.s3:<bucket>/<region folder prefix>" holds the last key
// of the folder up to which every object was processed.
const ListCheckpointPrefix = "cloudtrail.s3:"

// maxNewKeysPerFolder bounds the keys a poll lists in one region folder, so
// a large backlog is worked through poll by poll instead of being held in
// memory at once.
const maxNewKeysPerFolder = 1000

// backlogPause is the wait before listing on when the last poll left keys
// unlisted.
const backlogPause = time.Second

// API is the part of the S3 client the source uses.
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// s3Object is a listed object of a region folder.
type s3Object struct {
	key  string
	done bool
	// obj is what the core is handed; nil for a key skipped at listing.
	obj *source.Object
}

// s3Folder is one region folder ([prefix/]AWSLogs/[org/]acct/CloudTrail/region/).
// Keys below it sort in delivery order, so it is listed incrementally.
type s3Folder struct {
	prefix string
	loaded bool
	// after is where the next listing starts (StartAfter).
	after string
	// committed is the listing checkpoint: every key up to it is done.
	committed string
	// stored is the committed key as last stored: a restart lists after
	// it. It lags committed while storing fails.
	stored string
	// pending are the listed keys after committed, in key order.
	pending []*s3Object
}

// Source lists CloudTrail objects in a bucket, region folder by region
// folder. Its Settle callbacks are safe for concurrent use: the core reads
// several objects at once.
type Source struct {
	client          API
	store           storage.Client
	bucket          string
	prefix          string
	accounts        []string
	regions         []string
	includeInsights bool
	startTime       time.Time
	pacer           source.Pacer
	workers         int
	logger          *zap.Logger

	// warnedEmpty: the last discovery found no region folder (logged once).
	warnedEmpty bool

	mu sync.Mutex
	// listErr is the error of the folders the last poll could not list.
	listErr error
	// more: a folder holds keys past those the last poll listed.
	more    bool
	folders map[string]*s3Folder
	owner   map[*s3Object]*s3Folder
}

// New returns the source of cfg; store keeps its listing positions.
func New(cfg Config, client API, store storage.Client, logger *zap.Logger) (*Source, error) {
	start, err := cfg.StartAt()
	if err != nil {
		return nil, err
	}
	return &Source{
		client:          client,
		store:           store,
		bucket:          cfg.Bucket,
		prefix:          strings.TrimSuffix(cfg.Prefix, "/"),
		accounts:        cfg.Accounts,
		regions:         cfg.Regions,
		includeInsights: cfg.IncludeInsights,
		startTime:       start,
		pacer:           source.Pacer{Every: cfg.PollInterval},
		workers:         cfg.MaxConcurrentObjects,
		logger:          logger,
		folders:         make(map[string]*s3Folder),
		owner:           make(map[*s3Object]*s3Folder),
	}, nil
}

// Describe says what the source reads.
func (s *Source) Describe() source.Description {
	return source.Description{
		Kind:     "s3",
		Location: "s3://" + s.bucket + "/" + s3keys.LogsPrefix(s.prefix),
		Watching: "watching for new files every " + source.ShortDuration(s.pacer.Every),
		Interval: s.pacer.Every,
		Workers:  s.workers,
	}
}

// Next waits for the poll interval, discovers the region folders, lists
// each from where its last listing ended, and hands over every listed
// object not yet done.
func (s *Source) Next(ctx context.Context) (source.Listing, error) {
	s.mu.Lock()
	backlog := s.more
	s.mu.Unlock()
	if backlog {
		// The last poll left keys unlisted: list on after a short pause
		// (not a poll interval: a backlog of 25,000 objects would take 9
		// polls), which still keeps a folder that keeps failing from
		// turning into a busy loop.
		t := time.NewTimer(min(s.pacer.Every, backlogPause))
		select {
		case <-ctx.Done():
			t.Stop()
			return source.Listing{}, ctx.Err()
		case <-t.C:
		}
	} else if err := s.pacer.Wait(ctx); err != nil {
		return source.Listing{}, err
	}
	prefixes, err := s.discover(ctx)
	if err != nil {
		return source.Listing{}, err
	}
	if empty := len(prefixes) == 0; empty != s.warnedEmpty {
		s.warnedEmpty = empty
		if empty {
			s.logger.Warn("No CloudTrail log folders in the bucket yet: S3 mode reads the CloudTrail layout only "+
				"([prefix/]AWSLogs/[org/]account/CloudTrail/region/); objects written otherwise (Firehose deliveries, exports) "+
				"are read in SQS mode with any_key", zap.String("bucket", s.bucket), zap.String("listed", s3keys.LogsPrefix(s.prefix)))
		}
	}
	var errs error
	var objects []*source.Object
	s.mu.Lock()
	s.more = false
	s.mu.Unlock()
	for _, rp := range prefixes {
		if err := s.listFolder(ctx, rp); err != nil {
			if ctx.Err() != nil {
				return source.Listing{}, ctx.Err()
			}
			// Other folders are still read.
			errs = errors.Join(errs, err)
		}
	}
	s.mu.Lock()
	for _, rp := range prefixes {
		fo := s.folders[rp]
		if fo == nil {
			continue
		}
		for _, o := range fo.pending {
			if !o.done && o.obj != nil {
				objects = append(objects, o.obj)
			}
		}
	}
	more := s.more
	s.mu.Unlock()
	if errs != nil {
		s.logger.Error("Cannot list some CloudTrail folders in S3; retrying at the next poll", zap.String("bucket", s.bucket), zap.Error(errs))
	}
	return source.Listing{Objects: objects, Backlog: more, Problem: errs}, nil
}

// discover returns the region folder prefixes to list. Accounts (and the
// organization folders holding them) and regions are found with delimited
// listings unless configured; digest folders and other services' logs are
// never listed.
func (s *Source) discover(ctx context.Context) ([]string, error) {
	logs := s3keys.LogsPrefix(s.prefix)
	top, err := s.listNames(ctx, logs)
	if err != nil {
		return nil, err
	}
	type account struct{ org, id string }
	var accounts []account
	for _, name := range top {
		switch {
		case s3keys.IsAccountID(name):
			if len(s.accounts) == 0 || slices.Contains(s.accounts, name) {
				accounts = append(accounts, account{"", name})
			}
		case s3keys.IsOrgID(name):
			if len(s.accounts) > 0 {
				for _, a := range s.accounts {
					accounts = append(accounts, account{name, a})
				}
				continue
			}
			ids, err := s.listNames(ctx, logs+name+"/")
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if s3keys.IsAccountID(id) {
					accounts = append(accounts, account{name, id})
				}
			}
		default:
			s.logger.Debug("Skipping an S3 folder that is not an account or organization", zap.String("bucket", s.bucket), zap.String("prefix", logs+name+"/"))
		}
	}
	folders := []s3keys.Folder{s3keys.FolderLogs}
	if s.includeInsights {
		folders = append(folders, s3keys.FolderInsight)
	}
	var prefixes []string
	for _, a := range accounts {
		for _, f := range folders {
			regions := s.regions
			if len(regions) == 0 {
				names, err := s.listNames(ctx, s3keys.AccountPrefix(s.prefix, a.org, a.id)+string(f)+"/")
				if err != nil {
					return nil, err
				}
				regions = slices.DeleteFunc(names, func(r string) bool { return !s3keys.IsRegion(r) })
			}
			for _, r := range regions {
				prefixes = append(prefixes, s3keys.RegionPrefix(s.prefix, a.org, a.id, f, r))
			}
		}
	}
	return prefixes, nil
}

// listNames returns the names of the folders right below prefix.
func (s *Source) listNames(ctx context.Context, prefix string) ([]string, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(s.bucket),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", s.bucket, prefix, err)
		}
		for _, cp := range out.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if name != "" {
				names = append(names, name)
			}
		}
	}
	return names, nil
}

// listFolder lists the keys of a region folder after the last one listed.
func (s *Source) listFolder(ctx context.Context, rp string) error {
	s.mu.Lock()
	fo := s.folders[rp]
	if fo == nil {
		fo = &s3Folder{prefix: rp}
		s.folders[rp] = fo
	}
	loaded := fo.loaded
	s.mu.Unlock()
	if !loaded {
		committed, err := s.loadCheckpoint(ctx, rp)
		if err != nil {
			return err
		}
		after := committed
		if !s.startTime.IsZero() {
			// Days before start_time are never listed.
			after = max(after, s3keys.DayStartAfter(rp, s.startTime))
		}
		s.mu.Lock()
		fo.loaded, fo.committed, fo.stored, fo.after = true, committed, committed, after
		s.mu.Unlock()
	}

	s.mu.Lock()
	after := fo.after
	s.mu.Unlock()
	var listed []*s3Object
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:     aws.String(s.bucket),
		Prefix:     aws.String(rp),
		StartAfter: aws.String(after),
	})
	var listErr error
	for p.HasMorePages() && len(listed) < maxNewKeysPerFolder {
		out, err := p.NextPage(ctx)
		if err != nil {
			listErr = fmt.Errorf("listing s3://%s/%s after %q: %w", s.bucket, rp, after, err)
			if len(listed) > 0 {
				break // keep what was listed; go on from there next poll
			}
			return listErr
		}
		for _, obj := range out.Contents {
			listed = append(listed, s.entry(rp, obj.Key, obj.ETag, obj.Size, obj.LastModified))
		}
	}
	if len(listed) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Keys are left for the next poll: the bound was reached or a page failed.
	s.more = s.more || p.HasMorePages()
	for _, o := range listed {
		fo.pending = append(fo.pending, o)
		s.owner[o] = fo
	}
	fo.after = listed[len(listed)-1].key
	s.advance(fo)
	return listErr // the keys listed before it are offered all the same
}

// entry makes the pending entry of a listed key. Keys that are not files of
// this folder's layout, or delivered before start_time, are done at once.
func (s *Source) entry(rp string, key, etag *string, size *int64, mod *time.Time) *s3Object {
	o := &s3Object{key: aws.ToString(key)}
	k, err := s3keys.Parse(o.key)
	switch {
	case err != nil || k.RegionPrefix() != rp:
		s.logger.Debug("Skipping an S3 object that is not a CloudTrail log file", zap.String("bucket", s.bucket), zap.String("key", o.key))
		o.done = true
	case !s.startTime.IsZero() && k.Time.Before(s.startTime.Truncate(time.Minute)):
		s.logger.Debug("Skipping a CloudTrail file delivered before start_time", zap.String("bucket", s.bucket), zap.String("key", o.key))
		o.done = true
	default:
		content := &awsclient.S3Object{Client: s.client, Bucket: s.bucket, Key: o.key, ETag: aws.ToString(etag)}
		o.obj = &source.Object{
			Name: content.URL(),
			// An S3 key names one object; the ETag (TailAt) tells an
			// object replaced under the same key from the one read.
			Key:     "s3:" + s.bucket + "/" + o.key,
			Size:    aws.ToInt64(size),
			ModTime: aws.ToTime(mod),
			Attrs: []source.Attr{
				{Key: AttrS3Bucket, Value: s.bucket},
				{Key: AttrS3Key, Value: o.key},
				{Key: AttrLogFileName, Value: path.Base(o.key)},
			},
			Content: content,
			Settle:  func(r source.Result) { s.settle(o, r.Done) },
		}
	}
	return o
}

// advance drops the leading done entries of a folder and stores the last of
// them as its checkpoint: a restart lists after it, and every key before it
// was processed. Keys done after a key that is not stay pending, so the
// checkpoint never passes an object that still needs reading. A checkpoint
// that could not be stored is stored at the next advance. s.mu is held.
func (s *Source) advance(fo *s3Folder) {
	n := 0
	for n < len(fo.pending) && fo.pending[n].done {
		n++
	}
	if n > 0 {
		last := fo.pending[n-1].key
		for _, o := range fo.pending[:n] {
			delete(s.owner, o)
		}
		fo.pending = slices.Delete(fo.pending, 0, n)
		fo.committed = max(fo.committed, last)
	}
	if fo.stored == fo.committed {
		return
	}
	if err := checkpoint.SetJSON(context.Background(), s.store, ListCheckpointPrefix+s.bucket+"/"+fo.prefix, s3ListCheckpoint{StartAfter: fo.committed}); err != nil {
		// The objects were processed; after a restart they are listed again
		// and skipped thanks to their own checkpoints.
		s.logger.Warn("Cannot save the S3 listing checkpoint", zap.String("bucket", s.bucket), zap.String("prefix", fo.prefix), zap.Error(err))
		return
	}
	fo.stored = fo.committed
}

// s3ListCheckpoint is the stored listing position of a region folder.
type s3ListCheckpoint struct {
	StartAfter string `json:"start_after"`
}

func (s *Source) loadCheckpoint(ctx context.Context, rp string) (string, error) {
	var cp s3ListCheckpoint
	if _, err := checkpoint.GetJSON(ctx, s.store, ListCheckpointPrefix+s.bucket+"/"+rp, &cp); err != nil {
		return "", fmt.Errorf("S3 listing checkpoint: %w", err)
	}
	return cp.StartAfter, nil
}

// Forgettable: a restart lists a folder after its stored listing
// checkpoint, so an object's own checkpoint is needed until that stored
// checkpoint passes it. For folders not listed in this run (the regions or
// accounts were narrowed, a folder emptied) the stored checkpoint is read.
// Keys of another bucket (the configuration changed) or outside the
// CloudTrail layout are never listed again.
func (s *Source) Forgettable(func(string) (string, error)) func(key string) bool {
	s.mu.Lock()
	stored := make(map[string]string, len(s.folders))
	for rp, fo := range s.folders {
		if fo.loaded {
			stored[rp] = fo.stored
		}
	}
	s.mu.Unlock()
	return func(key string) bool {
		obj, ok := strings.CutPrefix(key, "s3:"+s.bucket+"/")
		if !ok {
			return true
		}
		// An object replaced under the same key is stored under its key
		// plus "." and the new ETag.
		if i := strings.LastIndex(obj, ".etag:"); i >= 0 {
			obj = obj[:i]
		}
		k, err := s3keys.Parse(obj)
		if err != nil {
			return true
		}
		rp := k.RegionPrefix()
		after, ok := stored[rp]
		if !ok {
			if after, err = s.loadCheckpoint(context.Background(), rp); err != nil {
				return false
			}
			stored[rp] = after
		}
		return obj <= after
	}
}

// settle records what became of a listed object and advances its folder's
// listing position past the objects done.
func (s *Source) settle(o *s3Object, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fo := s.owner[o]
	if fo == nil {
		return // already passed
	}
	o.done = done
	if done {
		s.advance(fo)
	}
}
