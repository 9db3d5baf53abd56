package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// Attributes the S3 source adds to every log record.
const (
	attrS3Bucket = "aws.s3.bucket"
	attrS3Key    = "aws.s3.key"
)

// s3ListCheckpointPrefix namespaces the StartAfter checkpoints of the region
// folders: "cloudtrail.s3:<bucket>/<region folder prefix>" holds the last key
// of the folder up to which every object was processed.
const s3ListCheckpointPrefix = "cloudtrail.s3:"

// maxNewKeysPerFolder bounds the keys a poll lists in one region folder, so
// a large backlog is worked through poll by poll instead of being held in
// memory at once.
const maxNewKeysPerFolder = 1000

// s3API is the part of the S3 client the source uses.
type s3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// s3Object is a listed object of a region folder.
type s3Object struct {
	key  string
	done bool
	// f is what the processor is offered; nil for a key skipped at listing.
	f *file
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

// s3Source lists CloudTrail objects in a bucket, region folder by region
// folder, and streams them to the processor. It is safe for concurrent use:
// the processor reads several objects at once.
type s3Source struct {
	client          s3API
	store           storage.Client
	bucket          string
	prefix          string
	accounts        []string
	regions         []string
	includeInsights bool
	startTime       time.Time
	every           time.Duration
	logger          *zap.Logger

	// warnedEmpty: the last discovery found no region folder (logged once).
	warnedEmpty bool

	mu sync.Mutex
	// listErr is the error of the folders the last poll could not list.
	listErr error
	// more: a folder holds keys past those the last poll listed.
	more    bool
	folders map[string]*s3Folder
	// byPath finds the folder and entry of an offered file.
	byPath map[string]*s3Object
	owner  map[*s3Object]*s3Folder
}

func newS3Source(cfg S3Config, client s3API, store storage.Client, logger *zap.Logger) (*s3Source, error) {
	start, err := cfg.startTime()
	if err != nil {
		return nil, err
	}
	return &s3Source{
		client:          client,
		store:           store,
		bucket:          cfg.Bucket,
		prefix:          strings.TrimSuffix(cfg.Prefix, "/"),
		accounts:        cfg.Accounts,
		regions:         cfg.Regions,
		includeInsights: cfg.IncludeInsights,
		startTime:       start,
		every:           cfg.PollInterval,
		logger:          logger,
		folders:         make(map[string]*s3Folder),
		byPath:          make(map[string]*s3Object),
		owner:           make(map[*s3Object]*s3Folder),
	}, nil
}

func (*s3Source) String() string { return "s3" }

func (s *s3Source) interval() time.Duration { return s.every }

// complete: S3 objects are written atomically, so a listed object is whole.
func (*s3Source) complete() bool { return true }

func (s *s3Source) objectPath(key string) string { return "s3://" + s.bucket + "/" + key }

// poll discovers the region folders, lists each from where its last listing
// ended, and offers every listed object not yet done.
func (s *s3Source) poll(ctx context.Context) ([]*file, error) {
	prefixes, err := s.discover(ctx)
	if err != nil {
		return nil, err
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
	var files []*file
	s.mu.Lock()
	s.more = false
	s.mu.Unlock()
	for _, rp := range prefixes {
		if err := s.listFolder(ctx, rp); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
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
			if !o.done && o.f != nil {
				files = append(files, o.f)
			}
		}
	}
	s.listErr = errs
	s.mu.Unlock()
	if errs != nil {
		s.logger.Error("Cannot list some CloudTrail folders in S3; retrying at the next poll", zap.String("bucket", s.bucket), zap.Error(errs))
	}
	return files, nil
}

func (s *s3Source) pollProblem() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listErr
}

func (s *s3Source) backlog() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.more
}

// discover returns the region folder prefixes to list. Accounts (and the
// organization folders holding them) and regions are found with delimited
// listings unless configured; digest folders and other services' logs are
// never listed.
func (s *s3Source) discover(ctx context.Context) ([]string, error) {
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
func (s *s3Source) listNames(ctx context.Context, prefix string) ([]string, error) {
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
func (s *s3Source) listFolder(ctx context.Context, rp string) error {
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
		if o.f != nil {
			s.byPath[o.f.path] = o
		}
	}
	fo.after = listed[len(listed)-1].key
	s.advance(fo)
	return listErr // the keys listed before it are offered all the same
}

// entry makes the pending entry of a listed key. Keys that are not files of
// this folder's layout, or delivered before start_time, are done at once.
func (s *s3Source) entry(rp string, key, etag *string, size *int64, mod *time.Time) *s3Object {
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
		o.f = &file{
			path:    s.objectPath(o.key),
			size:    aws.ToInt64(size),
			modTime: aws.ToTime(mod),
			tag:     aws.ToString(etag),
			attrs: []fileAttr{
				{attrS3Bucket, s.bucket},
				{attrS3Key, o.key},
				{attrLogFileName, path.Base(o.key)},
			},
		}
	}
	return o
}

// advance drops the leading done entries of a folder and stores the last of
// them as its checkpoint: a restart lists after it, and every key before it
// was processed. Keys done after a key that is not stay pending, so the
// checkpoint never passes an object that still needs reading. A checkpoint
// that could not be stored is stored at the next advance. s.mu is held.
func (s *s3Source) advance(fo *s3Folder) {
	n := 0
	for n < len(fo.pending) && fo.pending[n].done {
		n++
	}
	if n > 0 {
		last := fo.pending[n-1].key
		for _, o := range fo.pending[:n] {
			delete(s.owner, o)
			if o.f != nil {
				delete(s.byPath, o.f.path)
			}
		}
		fo.pending = slices.Delete(fo.pending, 0, n)
		fo.committed = max(fo.committed, last)
	}
	if fo.stored == fo.committed {
		return
	}
	if err := setJSON(context.Background(), s.store, s3ListCheckpointPrefix+s.bucket+"/"+fo.prefix, s3ListCheckpoint{StartAfter: fo.committed}); err != nil {
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

func (s *s3Source) loadCheckpoint(ctx context.Context, rp string) (string, error) {
	var cp s3ListCheckpoint
	if _, err := getJSON(ctx, s.store, s3ListCheckpointPrefix+s.bucket+"/"+rp, &cp); err != nil {
		return "", fmt.Errorf("S3 listing checkpoint: %w", err)
	}
	return cp.StartAfter, nil
}

// identify: an S3 key names one object; the ETag (see fingerprintAt) tells
// an object replaced under the same key from the one read.
func (s *s3Source) identify(_ context.Context, f *file) (key, prevKey string, err error) {
	return "s3:" + strings.TrimPrefix(f.path, "s3://"), "", nil
}

func (*s3Source) fingerprintAt(_ context.Context, f *file, _ int64) (string, error) {
	return "etag:" + strings.Trim(f.tag, `"`), nil
}

// open streams the object: the body goes straight to the decoder, which
// detects gzip by its magic bytes whatever Content-Encoding says.
func (s *s3Source) open(ctx context.Context, f *file) (io.ReadCloser, error) {
	key := strings.TrimPrefix(f.path, "s3://"+s.bucket+"/")
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s3ReadError(s.bucket, key, err, false)
	}
	return &s3Body{ReadCloser: out.Body, path: f.path}, nil
}

// stat: objects do not change in place (a replaced object has a new ETag
// and is read as a new file), so the listing's values stand.
func (*s3Source) stat(_ context.Context, f *file) (int64, time.Time, error) {
	return f.size, f.modTime, nil
}

// forgettable: a restart lists a folder after its stored listing
// checkpoint, so an object's own checkpoint is needed until that stored
// checkpoint passes it. For folders not listed in this run (the regions or
// accounts were narrowed, a folder emptied) the stored checkpoint is read.
// Keys of another bucket (the configuration changed) or outside the
// CloudTrail layout are never listed again.
func (s *s3Source) forgettable(func(string) (string, error)) func(key string) bool {
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

func (s *s3Source) settle(f *file, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.byPath[f.path]
	if o == nil {
		return
	}
	o.done = done
	if done {
		s.advance(s.owner[o])
	}
}

// s3Body marks the errors of reading an object's body (a connection reset,
// a body cut short) as retryable, so that the processor resumes the object
// from its checkpoint at the next poll rather than taking it for a broken
// file.
type s3Body struct {
	io.ReadCloser
	path string
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &sourceError{reason: fileReasonRead, retry: true, err: fmt.Errorf("reading %s: %w", b.path, err)}
	}
	return n, err
}

// s3ReadError classifies an S3 request error for the processor: a missing
// object (404) is final unless missingRetry, access denied (403) and other
// failures (network, throttling, 5xx) are retried at the next poll.
func s3ReadError(bucket, key string, err error, missingRetry bool) error {
	err = fmt.Errorf("reading bucket %q key %q: %w", bucket, key, err)
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return &sourceError{reason: fileReasonMissing, retry: missingRetry, err: err}
		case http.StatusForbidden:
			return &sourceError{reason: fileReasonAccessDenied, retry: true, err: err}
		}
	}
	return &sourceError{reason: fileReasonRead, retry: true, err: err}
}
