// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package s3bucket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

const (
	testBucket = "trail-bucket"
	acctA      = "111122223333"
)

var day1 = time.Date(2024, 5, 1, 10, 5, 0, 0, time.UTC)

// newTestS3 serves an in-memory bucket (gofakes3) to a real SDK client.
func newTestS3(t *testing.T) *s3.Client {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)})
	require.NoError(t, err)
	return client
}

func put(t *testing.T, client *s3.Client, key string, data []byte) {
	t.Helper()
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	require.NoError(t, err)
}

// ctKey is the key of a CloudTrail log file of an account trail.
func ctKey(acct, region string, at time.Time, unique string) string {
	rp := s3keys.RegionPrefix("", "", acct, s3keys.FolderLogs, region)
	return fmt.Sprintf("%s%s/%s_CloudTrail_%s_%s_%s.json.gz", rp, at.Format("2006/01/02"), acct, region, at.Format("20060102T1504Z"), unique)
}

func testConfig() Config {
	return Config{Bucket: testBucket, PollInterval: time.Minute, MaxConcurrentObjects: 4}
}

func TestS3ListingCheckpointAdvancesOverContiguousKeys(t *testing.T) {
	client := newTestS3(t)
	var keys []string
	for i := range 4 {
		k := ctKey(acctA, "us-east-1", day1.Add(time.Duration(i)*time.Minute), fmt.Sprintf("order%011d", i))
		put(t, client, k, []byte(`{"Records":[]}`))
		keys = append(keys, k)
	}
	// Not a log file of the layout: done at listing, without being offered.
	rp := s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "us-east-1")
	put(t, client, rp+"2024/05/01/README.txt", []byte("hello"))

	store := checkpoint.NewMemoryClient()
	newSource := func() *Source {
		src, err := New(testConfig(), client, store, zap.NewNop())
		require.NoError(t, err)
		return src
	}
	stored := func() string {
		b, err := store.Get(context.Background(), ListCheckpointPrefix+testBucket+"/"+rp)
		require.NoError(t, err)
		if b == nil {
			return ""
		}
		var cp s3ListCheckpoint
		require.NoError(t, json.Unmarshal(b, &cp))
		return cp.StartAfter
	}
	next := func(src *Source) []*source.Object {
		src.pacer = source.Pacer{}
		l, err := src.Next(context.Background())
		require.NoError(t, err)
		return l.Objects
	}
	keysOf := func(objects []*source.Object) []string {
		var out []string
		for _, o := range objects {
			out = append(out, strings.TrimPrefix(o.Name, "s3://"+testBucket+"/"))
			assert.Equal(t, "s3:"+testBucket+"/"+strings.TrimPrefix(o.Name, "s3://"+testBucket+"/"), o.Key)
			assert.Zero(t, o.Quiet, "S3 objects are whole when listed")
		}
		return out
	}

	src := newSource()
	objects := next(src)
	require.Equal(t, keys, keysOf(objects), "log files in key order; the stray object is not offered")

	objects[1].Settle(source.Result{Done: true})
	objects[2].Settle(source.Result{Done: true})
	require.Empty(t, stored(), "key 0 is not done: nothing is passed")
	objects[0].Settle(source.Result{}) // to be read again
	require.Empty(t, stored())

	objects = next(src)
	require.Equal(t, []string{keys[0], keys[3]}, keysOf(objects), "only the keys not done are offered again")
	objects[0].Settle(source.Result{Done: true})
	require.Equal(t, keys[2], stored(), "keys 0 to 2 are done")
	require.Len(t, src.folders[rp].pending, 2, "key 3, and the stray object after it, are not passed yet")

	// A new source (a restart) lists after the stored position.
	require.Equal(t, []string{keys[3]}, keysOf(next(newSource())))
}

// TestS3ForgettableFollowsTheStoredPosition: only a listing position that
// was stored protects a restart, so an object's checkpoint is kept while
// storing the position fails; folders not listed in this run are judged by
// their stored position.
func TestS3ForgettableFollowsTheStoredPosition(t *testing.T) {
	store := &receivertest.FailingClient{Client: checkpoint.NewMemoryClient()}
	s, err := New(Config{Bucket: testBucket}, nil, store, zap.NewNop())
	require.NoError(t, err)
	rp := s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "us-east-1")
	k1 := ctKey(acctA, "us-east-1", day1, "a000000000000001")
	k2 := ctKey(acctA, "us-east-1", day1.Add(5*time.Minute), "a000000000000002")
	fo := &s3Folder{prefix: rp, loaded: true, pending: []*s3Object{{key: k1, done: true}, {key: k2, done: true}}}
	s.folders[rp] = fo

	store.Fail.Store(true)
	s.advance(fo)
	assert.Equal(t, k2, fo.committed)
	forget := s.Forgettable(nil)
	assert.False(t, forget("s3:"+testBucket+"/"+k1), "the position was not stored")

	store.Fail.Store(false)
	s.advance(fo) // the next advance stores it
	forget = s.Forgettable(nil)
	assert.True(t, forget("s3:"+testBucket+"/"+k1))
	assert.True(t, forget("s3:"+testBucket+"/"+k2+".etag:abc"))
	assert.False(t, forget("s3:"+testBucket+"/"+ctKey(acctA, "us-east-1", day1.Add(time.Hour), "a000000000000003")))
	assert.True(t, forget("s3:other-bucket/"+k1))

	// A folder of another region, not listed in this run.
	west := ctKey(acctA, "eu-west-1", day1, "w000000000000001")
	assert.False(t, forget("s3:"+testBucket+"/"+west), "no stored position")
	require.NoError(t, store.Set(context.Background(), ListCheckpointPrefix+testBucket+"/"+s3keys.RegionPrefix("", "", acctA, s3keys.FolderLogs, "eu-west-1"), []byte(`{"start_after":"`+west+`"}`)))
	assert.True(t, s.Forgettable(nil)("s3:"+testBucket+"/"+west), "passed by its stored position")
}
