// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"
	"github.com/personalize-audit/otelcol-personalize/tests/sqsdouble"
)

const sqsQueue = "trail-notifications"

// sqsEnv is a fake S3 bucket and an SQS double.
type sqsEnv struct {
	s3  *fakeS3
	sqs *sqsdouble.Server
	url string
}

func newSQSEnv(t *testing.T) *sqsEnv {
	t.Helper()
	fs3 := newFakeS3(t)
	srv, err := sqsdouble.New()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return &sqsEnv{s3: fs3, sqs: srv, url: srv.CreateQueue(sqsQueue)}
}

func (e *sqsEnv) config() *Config {
	cfg := testConfig("")
	cfg.SQS.QueueURL = e.url
	cfg.SQS.Region = "us-east-1"
	cfg.SQS.Endpoint = e.sqs.URL()
	cfg.SQS.S3Endpoint = e.s3.url
	cfg.SQS.ForcePathStyle = true
	cfg.SQS.WaitTime = time.Second
	cfg.SQS.VisibilityTimeout = 2 * time.Second
	cfg.SQS.Workers = 3
	return cfg
}

// s3EventBody is the aws-lambda-go S3 event sample naming the given keys
// (form-encoded, as S3 does) in the test bucket.
func s3EventBody(t *testing.T, keys ...string) string {
	t.Helper()
	var ev map[string][]map[string]any
	require.NoError(t, json.Unmarshal([]byte(readNotification(t, "s3-event.json")), &ev))
	tmpl, err := json.Marshal(ev["Records"][0])
	require.NoError(t, err)
	var records []map[string]any
	for _, k := range keys {
		var r map[string]any
		require.NoError(t, json.Unmarshal(tmpl, &r))
		s3 := r["s3"].(map[string]any)
		s3["bucket"].(map[string]any)["name"] = testBucket
		s3["object"].(map[string]any)["key"] = url.QueryEscape(k)
		records = append(records, r)
	}
	b, err := json.Marshal(map[string]any{"Records": records})
	require.NoError(t, err)
	return string(b)
}

// cloudTrailBody is the AWS documentation's CloudTrail SNS message naming
// the given keys (plain, as CloudTrail does) in the test bucket.
func cloudTrailBody(t *testing.T, keys ...string) string {
	t.Helper()
	var msg map[string]any
	require.NoError(t, json.Unmarshal([]byte(readNotification(t, "cloudtrail-sns-notification-message-2.json")), &msg))
	msg["s3Bucket"], msg["s3ObjectKey"] = testBucket, keys
	b, err := json.Marshal(msg)
	require.NoError(t, err)
	return string(b)
}

// eventBridgeS3Body is an "Object Created" event of the test bucket as an
// EventBridge rule delivers it to the queue (the key plain).
func eventBridgeS3Body(t *testing.T, detailType, key string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": "0f2e4c1a-3b5d-4e6f-8a9b-0c1d2e3f4a5b", "detail-type": detailType, "source": "aws.s3",
		"account": acctA, "time": "2024-05-01T10:05:00Z", "region": "us-east-1", "resources": []string{"arn:aws:s3:::" + testBucket},
		"detail": map[string]any{"version": "0", "bucket": map[string]any{"name": testBucket},
			"object":     map[string]any{"key": key, "size": 1024, "etag": "b1946ac92492d2347c6235b4d2611184"},
			"request-id": "N4N7GDK58NMKJ12R", "requester": "cloudtrail.amazonaws.com", "reason": "PutObject"},
	})
	require.NoError(t, err)
	return string(b)
}

func (e *sqsEnv) waitDeleted(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, m := range e.sqs.Messages(sqsQueue) {
			if !m.Deleted {
				return false
			}
		}
		return true
	}, waitTimeout, 10*time.Millisecond, "messages left: %+v", e.sqs.Messages(sqsQueue))
}

func TestSQSNotificationShapes(t *testing.T) {
	env := newSQSEnv(t)
	var want []string
	key := func(i int, prefix string) string {
		return ctKey(prefix, "", acctA, "us-east-1", day1.Add(time.Duration(i)*time.Minute), "k"+strings.Repeat("0", 14)+string(rune('a'+i)))
	}
	k0, k1, k2, k3, k4, k5 := key(0, ""), key(1, ""), key(2, "audit logs/a+b"), key(3, ""), key(4, ""), key(5, "eb")
	orgKey := ctKey("", testOrg, acctB, "eu-west-1", day1, "orgkey0000000001")
	for _, k := range []string{k0, k1, k2, k3, k4, k5, orgKey} {
		want = append(want, env.s3.putLog(k, 6)...)
	}
	digest := s3keys.RegionPrefix("", "", acctA, s3keys.FolderDigest, "us-east-1") + "2024/05/01/" + acctA + "_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T110000Z.json.gz"
	env.s3.put(digest, gzipBytes(t, []byte(`{"awsAccountId":"111122223333","logFiles":[]}`)))

	bodies := []string{
		s3EventBody(t, k0),                                 // S3 -> SQS
		receivertest.SNSWrap(t, s3EventBody(t, k1)),        // S3 -> SNS -> SQS
		s3EventBody(t, k2),                                 // a key that needs form-decoding
		cloudTrailBody(t, k3, k4),                          // CloudTrail -> SNS -> SQS, raw delivery
		receivertest.SNSWrap(t, cloudTrailBody(t, orgKey)), // CloudTrail -> SNS -> SQS
		receivertest.SNSWrap(t, cloudTrailBody(t, k0)),     // the same object again: not delivered twice
		eventBridgeS3Body(t, "Object Created", k5),         // S3 -> EventBridge -> SQS
		eventBridgeS3Body(t, "Object Deleted", k1),         // names nothing to read: deleted
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-05-01T10:00:00.000Z","Bucket":"trail-bucket","RequestId":"1","HostId":"2"}`,
		receivertest.SNSWrap(t, "CloudTrail validation message."),
		s3EventBody(t, digest), // not a log file: ignored and deleted
	}
	for _, b := range bodies {
		env.sqs.Send(sqsQueue, b)
	}
	rec := newRecorder()
	h := start(t, env.config(), rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	env.waitDeleted(t)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	require.Empty(t, h.errorLogs())
	require.Zero(t, env.s3.getCount(digest), "digests are not read")
	for _, m := range env.sqs.Messages(sqsQueue) {
		require.Equal(t, 1, m.ReceiveCount, "message %s was received again", m.ID)
	}
}

// TestSQSAnyKey: objects outside the AWSLogs/ layout, such as a Firehose
// delivery of EventBridge events, are read only with any_key.
func TestSQSAnyKey(t *testing.T) {
	const key = "firehose/2024/05/01/12/personalize-events-1-2024-05-01-12-00-00-0a1b2c3d"
	body := ebEvent(ebCloudTrail, ctRecord("fh-1", personalizeSrc, "CreateCampaign")) + "\n" +
		ebEvent(ebCloudTrail, ctRecord("fh-2", "s3.amazonaws.com", "GetObject")) + "\n" +
		ebEvent(ebCloudTrail, ctRecord("fh-3", personalizeSrc, "DeleteCampaign")) + "\n"
	for _, anyKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("any_key=%v", anyKey), func(t *testing.T) {
			env := newSQSEnv(t)
			env.s3.put(key, gzipBytes(t, []byte(body)))
			env.sqs.Send(sqsQueue, s3EventBody(t, key))
			digest := "firehose/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz"
			env.s3.put(digest, gzipBytes(t, []byte(`{"awsAccountId":"111122223333","logFiles":[]}`)))
			env.sqs.Send(sqsQueue, s3EventBody(t, digest))
			cfg := env.config()
			cfg.SQS.AnyKey = anyKey
			rec := newRecorder()
			h := start(t, cfg, rec, nil)
			env.waitDeleted(t)
			h.settle()
			if anyKey {
				requireExactlyOnce(t, []string{"fh-1", "fh-3"}, rec.accepted())
			} else {
				require.Empty(t, rec.accepted())
				require.Zero(t, env.s3.getCount(key), "a key outside the layout is not read")
			}
			require.Zero(t, env.s3.getCount(digest), "digests are not read")
			require.Empty(t, h.errorLogs())
		})
	}
}

// TestSQSVisibilityExtendedForSlowConsumer: a consumer slower than the
// visibility timeout does not make the message come back.
func TestSQSVisibilityExtendedForSlowConsumer(t *testing.T) {
	env := newSQSEnv(t)
	k := ctKey("", "", acctA, "us-east-1", day1, "slow000000000001")
	want := env.s3.putLog(k, 6)
	env.sqs.Send(sqsQueue, s3EventBody(t, k))
	rec := newRecorder()
	rec.decide = func(call int, _ plog.Logs) error {
		if call == 0 {
			time.Sleep(3 * time.Second) // longer than the 2s visibility timeout
		}
		return nil
	}
	h := start(t, env.config(), rec, nil)
	env.waitDeleted(t)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	m := env.sqs.Messages(sqsQueue)[0]
	require.Equal(t, 1, m.ReceiveCount, "the message came back while being processed")
	require.GreaterOrEqual(t, m.Extensions, 2)
}

// TestSQSRedeliveryAfterStop: a receiver stopped half way through an object
// leaves the message; it comes back after its visibility timeout and the
// next receiver (same storage) delivers the rest, each record once.
func TestSQSRedeliveryAfterStop(t *testing.T) {
	env := newSQSEnv(t)
	k1 := ctKey("", "", acctA, "us-east-1", day1, "crash00000000001")
	k2 := ctKey("", "", acctA, "us-east-1", day1.Add(time.Minute), "crash00000000002")
	want := append(env.s3.putLog(k1, 30), env.s3.putLog(k2, 30)...)
	env.sqs.Send(sqsQueue, cloudTrailBody(t, k1, k2))

	storageDir := t.TempDir()
	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := env.config()
	cfg.Storage = &id
	cfg.BatchSize = 4
	rec := newRecorder()
	rec.block = func(call int) bool { return call >= 3 }
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
	require.False(t, env.sqs.Messages(sqsQueue)[0].Deleted)

	host2, id2, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	env.waitDeleted(t)
	h2.settle()
	requireExactlyOnce(t, want, append(first, rec2.accepted()...))
	require.Equal(t, 2, env.sqs.Messages(sqsQueue)[0].ReceiveCount)
}

// TestSQSMaxReceiveCount: a message naming a missing or a corrupt object is
// reported with bucket, key and receive count each time it comes back, then
// deleted at max_receive_count, or left for the queue's redrive policy.
func TestSQSMaxReceiveCount(t *testing.T) {
	for _, onMax := range []string{sqsqueue.OnMaxReceiveDelete, sqsqueue.OnMaxReceiveLeave} {
		t.Run(onMax, func(t *testing.T) {
			env := newSQSEnv(t)
			good := ctKey("", "", acctA, "us-east-1", day1, "good000000000001")
			want := env.s3.putLog(good, 6)
			missing := ctKey("", "", acctA, "us-east-1", day1.Add(time.Minute), "missing000000001")
			corrupt := ctKey("", "", acctA, "us-east-1", day1.Add(2*time.Minute), "corrupt000000001")
			env.s3.put(corrupt, []byte("not gzip, not JSON"))
			env.sqs.Send(sqsQueue, s3EventBody(t, good))
			env.sqs.Send(sqsQueue, s3EventBody(t, missing))
			env.sqs.Send(sqsQueue, cloudTrailBody(t, corrupt))
			env.sqs.Send(sqsQueue, `{"detail-type":"Object Created"}`) // not understood

			cfg := env.config()
			cfg.SQS.MaxReceiveCount = 2
			cfg.SQS.OnMaxReceive = onMax
			rec := newRecorder()
			h := start(t, cfg, rec, nil)
			msgs := func() []sqsdouble.Message { return env.sqs.Messages(sqsQueue) }
			if onMax == sqsqueue.OnMaxReceiveDelete {
				env.waitDeleted(t)
			} else {
				require.Eventually(t, func() bool {
					m := msgs()
					return m[0].Deleted && m[1].ReceiveCount >= 3 && m[2].ReceiveCount >= 3 && m[3].ReceiveCount >= 3
				}, waitTimeout, 10*time.Millisecond)
				for _, m := range msgs()[1:] {
					require.False(t, m.Deleted, "on_max_receive: leave never deletes")
				}
			}
			h.shutdown()
			requireExactlyOnce(t, want, rec.accepted())
			require.Equal(t, 1, msgs()[0].ReceiveCount)

			counts := map[string][]string{}
			gaveUp := 0
			for _, e := range h.errorLogs() {
				if k, ok := field(e, "key"); ok {
					b, _ := field(e, "bucket")
					require.Equal(t, testBucket, b)
					n, ok := field(e, "approximate_receive_count")
					require.True(t, ok, "no receive count in %q", e.Message)
					counts[k] = append(counts[k], n)
				}
				if strings.Contains(e.Message, "max_receive_count") {
					gaveUp++
				}
			}
			require.Equal(t, []string{"1", "2"}, counts[missing][:2])
			require.Equal(t, []string{"1", "2"}, counts[corrupt][:2])
			require.GreaterOrEqual(t, gaveUp, 3, "the missing, corrupt and unknown messages are given up on")
			require.Equal(t, 1, env.s3.getCount(corrupt), "a corrupt object is read once; its checkpoint remembers the error")
		})
	}
}

// TestSQSEndpointDown: while SQS is unreachable (refused connections, then
// HTTP 500s), the source keeps trying and loses nothing.
func TestSQSEndpointDown(t *testing.T) {
	env := newSQSEnv(t)
	var want []string
	keys := make([]string, 4)
	for i := range keys {
		keys[i] = ctKey("", "", acctA, "us-east-1", day1.Add(time.Duration(i)*time.Minute), "down00000000000"+string(rune('a'+i)))
		want = append(want, env.s3.putLog(keys[i], 6)...)
	}
	env.sqs.Send(sqsQueue, s3EventBody(t, keys[0]))
	rec := newRecorder()
	h := start(t, env.config(), rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) == 4 }, waitTimeout, 5*time.Millisecond)

	env.sqs.Down(time.Second, sqsdouble.Refuse)
	env.sqs.Send(sqsQueue, s3EventBody(t, keys[1]))
	time.Sleep(1200 * time.Millisecond)
	env.sqs.Down(time.Second, sqsdouble.InternalError)
	env.sqs.Send(sqsQueue, cloudTrailBody(t, keys[2], keys[3]))

	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	env.waitDeleted(t)
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	require.Greater(t, env.sqs.Calls("ReceiveMessage"), 2)
}

// TestSQSEndpointFromQueueURL: with sqs.endpoint and region unset, requests
// go to the queue URL's host (here the SQS double addressed as localhost,
// which is not the SDK's default endpoint), not to AWS's public endpoint.
func TestSQSEndpointFromQueueURL(t *testing.T) {
	env := newSQSEnv(t)
	key := ctKey("", "", acctA, "us-east-1", day1, "endpoint00000001")
	want := env.s3.putLog(key, 3)
	env.sqs.Send(sqsQueue, s3EventBody(t, key))

	cfg := env.config()
	cfg.SQS.Endpoint, cfg.SQS.Region = "", ""
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	cfg.SQS.QueueURL = strings.Replace(env.url, "127.0.0.1", "localhost", 1)
	require.NotEqual(t, env.url, cfg.SQS.QueueURL)
	require.NoError(t, cfg.Validate())

	rec := newRecorder()
	start(t, cfg, rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	env.waitDeleted(t)
	requireExactlyOnce(t, want, rec.accepted())
	assert.Positive(t, env.sqs.Calls("ReceiveMessage"))
	assert.Positive(t, env.sqs.Calls("DeleteMessage"))
}

func readNotification(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "notifications", name))
	require.NoError(t, err)
	return string(b)
}
