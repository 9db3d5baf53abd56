// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

const (
	testBucket = "trail-bucket"
	acctA      = "111122223333"
	acctB      = "444455556666"
	testOrg    = "o-aa111bb222"
)

// fakeS3 is an in-process S3 server (gofakes3 over an in-memory backend)
// and a real SDK client talking to it.
type fakeS3 struct {
	t       *testing.T
	url     string
	backend *s3mem.Backend
	client  *s3.Client

	mu sync.Mutex
	// gets counts GetObject requests per key.
	gets map[string]int
	// startAfters are the start-after values of the listings, in order.
	startAfters []string
	// faults makes GetObject of a key answer with an HTTP status.
	faults map[string]int
}

// ServeHTTP records the requests and injects the faults before handing them
// to gofakes3.
func (f *fakeS3) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucketPath := "/" + testBucket + "/"
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, bucketPath) && len(r.URL.Path) > len(bucketPath) {
			key := strings.TrimPrefix(r.URL.Path, bucketPath)
			f.mu.Lock()
			f.gets[key]++
			status := f.faults[key]
			if status == cutBody {
				delete(f.faults, key)
			}
			f.mu.Unlock()
			if status == cutBody {
				// Once: send half of the object under its full length, then
				// drop the connection.
				obj, err := f.backend.GetObject(testBucket, key, nil)
				require.NoError(f.t, err)
				defer obj.Contents.Close()
				data, err := io.ReadAll(obj.Contents)
				require.NoError(f.t, err)
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(data[:len(data)/2])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}
			if status != 0 {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(status)
				code := map[int]string{http.StatusNotFound: "NoSuchKey", http.StatusForbidden: "AccessDenied"}[status]
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><Key>%s</Key></Error>`, code, key)
				return
			}
		}
		if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" && r.URL.Query().Get("delimiter") == "" {
			f.mu.Lock()
			f.startAfters = append(f.startAfters, r.URL.Query().Get("start-after"))
			f.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (f *fakeS3) getCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets[key]
}

func (f *fakeS3) totalGets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.gets {
		n += c
	}
	return n
}

func (f *fakeS3) setFault(key string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if status == 0 {
		delete(f.faults, key)
		return
	}
	f.faults[key] = status
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	f := &fakeS3{t: t, backend: backend, gets: map[string]int{}, faults: map[string]int{}}
	srv := httptest.NewServer(f.wrap(gofakes3.New(backend).Server()))
	t.Cleanup(srv.Close)
	staticAWSCredentials(t)
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)})
	require.NoError(t, err)
	f.url, f.client = srv.URL, client
	return f
}

// put uploads an object through the SDK.
func (f *fakeS3) put(key string, data []byte) {
	f.t.Helper()
	_, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(data),
		// CloudTrail sets no Content-Encoding; some copies say gzip. The
		// receiver must not care.
		ContentEncoding: aws.String("gzip"),
	})
	require.NoError(f.t, err)
}

// ctKey is the key of a CloudTrail log file (org "" for an account trail).
func ctKey(prefix, org, acct, region string, at time.Time, unique string) string {
	rp := s3keys.RegionPrefix(prefix, org, acct, s3keys.FolderLogs, region)
	return fmt.Sprintf("%s%s/%s_CloudTrail_%s_%s_%s.json.gz", rp, at.Format("2006/01/02"), acct, region, at.Format("20060102T1504Z"), unique)
}

// putLog uploads a gzipped CloudTrail file of n mixed records and returns
// the IDs of its Personalize records.
func (f *fakeS3) putLog(key string, n int) []string {
	f.t.Helper()
	id := key[strings.LastIndexByte(key, '_')+1 : len(key)-len(".json.gz")]
	recs, want := mixed(id, n)
	f.put(key, gzipBytes(f.t, ctFile(recs...)))
	return want
}

func s3TestConfig(url string) *Config {
	cfg := testConfig("")
	cfg.S3.Bucket = testBucket
	cfg.S3.Endpoint = url
	cfg.S3.ForcePathStyle = true
	cfg.S3.Region = "us-east-1"
	cfg.S3.PollInterval = testPollInterval
	return cfg
}

// cutBody is a fault that sends half of an object, once.
const cutBody = -1

var day1 = time.Date(2024, 5, 1, 10, 5, 0, 0, time.UTC)

// seedTree builds a trail bucket with two accounts (one under an
// organization trail), two regions, digests, an Insight file and another
// service's logs. It returns the Personalize event IDs that must be read.
func seedTree(f *fakeS3, prefix string) []string {
	var want []string
	for i, loc := range []struct{ org, acct, region string }{
		{"", acctA, "us-east-1"},
		{"", acctA, "eu-west-1"},
		{testOrg, acctB, "us-east-1"},
		{testOrg, acctB, "eu-west-1"},
	} {
		for j := range 3 {
			at := day1.Add(time.Duration(j*5) * time.Minute).Add(time.Duration(j) * 24 * time.Hour)
			want = append(want, f.putLog(ctKey(prefix, loc.org, loc.acct, loc.region, at, fmt.Sprintf("u%d%d%014d", i, j, 0)), 6)...)
		}
		// A digest, which must never be read (it would be a non-CloudTrail file).
		digest := s3keys.RegionPrefix(prefix, loc.org, loc.acct, s3keys.FolderDigest, loc.region) +
			fmt.Sprintf("2024/05/01/%s_CloudTrail-Digest_%s_trail_us-east-1_20240501T110000Z.json.gz", loc.acct, loc.region)
		f.put(digest, gzipBytes(f.t, []byte(`{"awsAccountId":"`+loc.acct+`","logFiles":[]}`)))
	}
	// An Insight file: read only with include_insights.
	insight := s3keys.RegionPrefix(prefix, "", acctA, s3keys.FolderInsight, "us-east-1") +
		"2024/05/01/" + acctA + "_CloudTrail-Insight_us-east-1_20240501T1010Z_insightinsight01.json.gz"
	f.put(insight, gzipBytes(f.t, ctFile(ctRecord("insight-0", personalizeSrc, "CreateCampaign"))))
	// Another service's logs in the same bucket.
	f.put(s3keys.AccountPrefix(prefix, "", acctA)+"vpcflowlogs/us-east-1/2024/05/01/"+acctA+"_vpcflowlogs_us-east-1_fl-1_20240501T1000Z_abc.log.gz",
		gzipBytes(f.t, []byte("2 111122223333 eni-1 - - - - - - - - - - NODATA\n")))
	return want
}

func TestS3SourceReadsTheTrailTreeExactlyOnce(t *testing.T) {
	for _, prefix := range []string{"", "audit/prod/trails"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			fs3 := newFakeS3(t)
			want := seedTree(fs3, prefix)
			cfg := s3TestConfig(fs3.url)
			cfg.S3.Prefix = prefix
			rec := newRecorder()
			h := start(t, cfg, rec, nil)
			require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
			h.settle()
			requireExactlyOnce(t, want, rec.accepted())
			require.Empty(t, h.errorLogs())
			require.Equal(t, int64(12), h.counter(metricFiles, attribute.String("result", resultOK)))
			require.Zero(t, h.counter(metricFileErrors))

			// Records carry the object they came from.
			ld := rec.allLogs()[0]
			lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			b, ok := lr.Attributes().Get(attrS3Bucket)
			require.True(t, ok)
			require.Equal(t, testBucket, b.Str())
			k, ok := lr.Attributes().Get(attrS3Key)
			require.True(t, ok)
			_, err := s3keys.Parse(k.Str())
			require.NoError(t, err, "the key attribute is the object's key")
		})
	}
}

// TestS3SourceRestartReadsOnlyNewObjects restarts the receiver on the same
// file_storage: the objects read before are neither fetched nor delivered
// again, and objects added later, while running and while stopped, are.
func TestS3SourceRestartReadsOnlyNewObjects(t *testing.T) {
	fs3 := newFakeS3(t)
	want := seedTree(fs3, "")
	storageDir := t.TempDir()
	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := s3TestConfig(fs3.url)
	cfg.Storage = &id

	rec := newRecorder()
	h := start(t, cfg, rec, host)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)

	// Added while running.
	later := ctKey("", "", acctA, "us-east-1", day1.Add(72*time.Hour), "later00000000001")
	want = append(want, fs3.putLog(later, 6)...)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	h.shutdown()
	stopStorage()
	gets := fs3.totalGets()
	require.Equal(t, 13, gets, "each log file is fetched once; digests, Insights and other logs never")

	// Added while stopped, in an existing folder and in a new region.
	var fresh []string
	fresh = append(fresh, fs3.putLog(ctKey("", testOrg, acctB, "eu-west-1", day1.Add(96*time.Hour), "fresh00000000001"), 6)...)
	fresh = append(fresh, fs3.putLog(ctKey("", "", acctA, "ap-south-1", day1, "fresh00000000002"), 6)...)

	host2, id2, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	require.Eventually(t, func() bool { return len(rec2.accepted()) >= len(fresh) }, waitTimeout, 5*time.Millisecond)
	h2.settle()
	requireExactlyOnce(t, fresh, rec2.accepted())
	require.Equal(t, gets+2, fs3.totalGets(), "only the new objects are fetched after the restart")
	require.Zero(t, h2.counter(metricFiles, attribute.String("result", resultSkipped)), "old objects are not even listed again")
}

func TestS3SourceStartTime(t *testing.T) {
	fs3 := newFakeS3(t)
	oldKey := ctKey("", "", acctA, "us-east-1", day1.Add(-48*time.Hour), "old0000000000001")
	fs3.putLog(oldKey, 6)
	sameDayEarlier := ctKey("", "", acctA, "us-east-1", day1.Add(-time.Hour), "early00000000001")
	fs3.putLog(sameDayEarlier, 6)
	var want []string
	want = append(want, fs3.putLog(ctKey("", "", acctA, "us-east-1", day1, "new0000000000001"), 6)...)
	want = append(want, fs3.putLog(ctKey("", "", acctA, "us-east-1", day1.Add(24*time.Hour), "new0000000000002"), 6)...)

	cfg := s3TestConfig(fs3.url)
	cfg.S3.StartTime = day1.Format(time.RFC3339)
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	require.Zero(t, fs3.getCount(oldKey))
	require.Zero(t, fs3.getCount(sameDayEarlier), "files delivered before start_time on its day are skipped")
	fs3.mu.Lock()
	first := fs3.startAfters[0]
	fs3.mu.Unlock()
	require.Equal(t, s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "us-east-1")+"2024/05/01", first,
		"listing starts at the day folder of start_time")
}

func TestS3SourceIncludeInsightsAndFilters(t *testing.T) {
	fs3 := newFakeS3(t)
	seedTree(fs3, "")
	cfg := s3TestConfig(fs3.url)
	cfg.S3.IncludeInsights = true
	cfg.S3.Accounts = []string{acctA}
	cfg.S3.Regions = []string{"us-east-1"}
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	// 3 log files of acctA in us-east-1 (4 Personalize records each) + the Insight file.
	require.Eventually(t, func() bool { return len(rec.accepted()) >= 13 }, waitTimeout, 5*time.Millisecond)
	h.settle()
	got := rec.accepted()
	require.Len(t, got, 13)
	require.Contains(t, got, "insight-0")
	for _, id := range got {
		require.Truef(t, id == "insight-0" || strings.HasPrefix(id, "u0"), "record %s is not from account %s in us-east-1", id, acctA)
	}
}

// TestS3SourceBadObjects: a corrupt object and a missing one are reported
// with their bucket and key and counted; an object that is access denied is
// retried until it can be read; the other objects are all delivered.
func TestS3SourceBadObjects(t *testing.T) {
	fs3 := newFakeS3(t)
	var want []string
	want = append(want, fs3.putLog(ctKey("", "", acctA, "us-east-1", day1, "good000000000001"), 6)...)
	corrupt := ctKey("", "", acctA, "us-east-1", day1.Add(5*time.Minute), "corrupt000000001")
	fs3.put(corrupt, []byte("this is not gzip, nor JSON"))
	missing := ctKey("", "", acctA, "us-east-1", day1.Add(10*time.Minute), "missing000000001")
	fs3.putLog(missing, 6)
	fs3.setFault(missing, http.StatusNotFound)
	denied := ctKey("", "", acctA, "us-east-1", day1.Add(15*time.Minute), "denied0000000001")
	want = append(want, fs3.putLog(denied, 6)...)
	fs3.setFault(denied, http.StatusForbidden)
	want = append(want, fs3.putLog(ctKey("", "", acctA, "us-east-1", day1.Add(20*time.Minute), "good000000000002"), 6)...)

	cfg := s3TestConfig(fs3.url)
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	h.waitCounter(1, metricFileErrors, attribute.String("reason", fileReasonMissing))
	require.Eventually(t, func() bool {
		return h.counter(metricFileErrors, attribute.String("reason", fileReasonAccessDenied)) >= 2
	}, waitTimeout, 5*time.Millisecond,
		"an access-denied object is retried at every poll")
	require.Eventually(t, func() bool {
		return h.counter(metricFileErrors, attribute.String("reason", fileReasonNotCloudTrail))+h.counter(metricFileErrors, attribute.String("reason", fileReasonInvalidJSON)) == 1
	},
		waitTimeout, 5*time.Millisecond)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= 8 }, waitTimeout, 5*time.Millisecond, "the good objects are read meanwhile")

	byKey := map[string][]string{}
	for _, e := range h.errorLogs() {
		file, _ := field(e, "file")
		reason, _ := field(e, "reason")
		byKey[file] = append(byKey[file], reason)
	}
	for _, key := range []string{corrupt, missing, denied} {
		require.Containsf(t, byKey, "s3://"+testBucket+"/"+key, "no error log names bucket and key of %s", key)
	}
	require.Equal(t, []string{fileReasonMissing}, byKey["s3://"+testBucket+"/"+missing])

	// The policy is fixed: the denied object is read, once.
	fs3.setFault(denied, 0)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	require.Equal(t, 1, fs3.getCount(missing), "a missing object is given up on")
}

// TestS3SourceResumesHalfReadObject stops the receiver while objects are
// half read (several in flight): after a restart on the same storage, every
// record is delivered exactly once over the two runs, and the objects whose
// records were all delivered are not fetched again.
func TestS3SourceResumesHalfReadObject(t *testing.T) {
	fs3 := newFakeS3(t)
	var want []string
	for i := range 6 {
		want = append(want, fs3.putLog(ctKey("", "", acctA, "us-east-1", day1.Add(time.Duration(i)*time.Minute), fmt.Sprintf("obj%013d", i)), 30)...)
	}
	storageDir := t.TempDir()
	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := s3TestConfig(fs3.url)
	cfg.Storage = &id
	cfg.BatchSize = 4
	cfg.S3.MaxConcurrentObjects = 3

	const acceptedCalls = 10
	rec := newRecorder()
	rec.block = func(call int) bool { return call >= acceptedCalls }
	h := start(t, cfg, rec, host)
	select {
	case <-rec.blocking:
	case <-time.After(waitTimeout):
		t.Fatal("the consumer was never called enough")
	}
	h.shutdown()
	stopStorage()
	first := rec.accepted()
	require.NotEmpty(t, first)
	require.Less(t, len(first), len(want))

	host2, id2, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	require.Eventually(t, func() bool { return len(first)+len(rec2.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h2.settle()
	requireExactlyOnce(t, want, append(first, rec2.accepted()...))
	// Each of the 3 workers had an object in flight and may have held the
	// last records of the one before in its batch (30-record objects,
	// batches of 4): only those are fetched twice.
	require.LessOrEqual(t, fs3.totalGets(), 6+2*3, "only the objects in flight at shutdown, or with records in a worker's batch, are fetched twice")
}

// TestS3SourceResumesAfterACutBody: a connection dropped in the middle of an
// object is not taken for a broken file: the object is read again from its
// checkpoint at the next poll, and every record is delivered once.
func TestS3SourceResumesAfterACutBody(t *testing.T) {
	fs3 := newFakeS3(t)
	k := ctKey("", "", acctA, "us-east-1", day1, "cut0000000000001")
	// Random-looking eventIDs keep the gzip stream large enough to cut.
	recs, want := mixed(strings.Repeat("x", 200), 300)
	fs3.put(k, gzipBytes(t, ctFile(recs...)))
	fs3.setFault(k, cutBody)
	cfg := s3TestConfig(fs3.url)
	cfg.BatchSize = 10
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	require.Equal(t, 2, fs3.getCount(k))
	require.Zero(t, h.counter(metricFileErrors), "a cut connection is not a broken file")
	require.Empty(t, h.errorLogs())
	cut := h.logs.FilterMessageSnippet("Reading CloudTrail file failed").All()
	require.Len(t, cut, 1)
	idx, _ := field(cut[0], "record_index")
	require.NotEqual(t, "0", idx, "records before the cut were delivered, and not read again")
}

// TestS3SourceSaysWhenNothingIsInTheLayout: a bucket another tool fills
// (a Firehose delivery) holds no CloudTrail folders; the receiver says so
// once, pointing to SQS mode, and reads the trail's files once they come.
func TestS3SourceSaysWhenNothingIsInTheLayout(t *testing.T) {
	fs3 := newFakeS3(t)
	fs3.put("firehose/2024/05/01/10/ct-stream-1-2024-05-01-10-00-00-abc", gzipBytes(t, ctFile(ctRecord("fh-1", personalizeSrc, "CreateCampaign"))))
	rec := newRecorder()
	h := start(t, s3TestConfig(fs3.url), rec, nil)
	warned := func() int { return h.logs.FilterMessageSnippet("No CloudTrail log folders").Len() }
	require.Eventually(t, func() bool { return warned() == 1 }, waitTimeout, 5*time.Millisecond)
	h.settle()
	require.Equal(t, 1, warned(), "said once, not at every poll")
	require.Contains(t, h.logs.FilterMessageSnippet("No CloudTrail log folders").All()[0].Message, "any_key")

	want := fs3.putLog(ctKey("", "", acctA, "us-east-1", day1, "late000000000001"), 6)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
}
