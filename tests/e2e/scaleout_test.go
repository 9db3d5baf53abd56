// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/md5" //nolint:gosec // the ETag of a single-part upload is the MD5 of the object
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
	"github.com/personalize-audit/otelcol-personalize/tests/sqsdouble"
)

// The scale-out test runs several collectors on one SQS queue of S3 event
// notifications (the SQS double, in the test process), reading the objects
// from versitygw and indexing into one Elasticsearch double. SQS hands each
// message to one collector; the receiver deletes a message only once the
// records of its object were accepted downstream, and the exporter has no
// sending queue here, so "accepted" means indexed: a collector killed with
// messages in flight loses nothing, its messages come back after their
// visibility timeout and the others finish them.
const (
	scaleOutObjects    = 200
	scaleOutCollectors = 3
	scaleOutBucket     = "personalize-audit-scaleout-111122223333"
	scaleOutQueue      = "trail-notifications"
	// Each _bulk request takes this long in the Elasticsearch double, so
	// that the run lasts a few seconds and a collector always has messages
	// in flight: with max_messages 4 and 2 workers a collector finishes
	// about 4 objects per 2 requests.
	scaleOutBulkLatency = 200 * time.Millisecond
	// The killed collector's messages come back this long after it last
	// extended them; a live collector extends its messages every half of it.
	scaleOutVisibility = 5 * time.Second
	// scaleOutTimeout bounds the wait for the queue to drain. It is not a
	// speed requirement: the runs take 5-20 s; it only turns a hang into a
	// failure with the queue's state.
	scaleOutTimeout = 3 * time.Minute
)

// scaleOutConfig renders cloudtrail (SQS source, file_storage checkpoints)
// -> elasticsearch_audit without a sending queue, so that a batch is
// accepted only once Elasticsearch has answered for it.
func scaleOutConfig(healthAddr, storageDir, queueURL, sqsEndpoint, s3Endpoint, esURL string) string {
	return fmt.Sprintf(`extensions:
  health_check:
    endpoint: %s
  file_storage:
    directory: %s
    create_directory: true
receivers:
  cloudtrail:
    sqs:
      queue_url: %s
      region: %s
      endpoint: %s
      wait_time: 1s
      visibility_timeout: %s
      max_messages: 4
      workers: 2
      max_receive_count: 5
      s3_endpoint: %s
      force_path_style: true
    storage: file_storage
exporters:
  elasticsearch_audit:
    endpoints: [%s]
    mapping:
      mode: ecs
    # No sending queue: ConsumeLogs returns once the documents are indexed,
    # so an SQS message is never deleted while its records sit in the
    # memory of a collector that may be killed.
    sending_queue:
      enabled: false
    bulk_retry:
      max_retries: 5
      initial_interval: 50ms
      max_interval: 200ms
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 500ms
      max_elapsed_time: 0s
service:
  extensions: [health_check, file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [cloudtrail]
      exporters: [elasticsearch_audit]
`, yamlString(healthAddr), yamlString(storageDir), yamlString(queueURL), s3Region, yamlString(sqsEndpoint),
		scaleOutVisibility, yamlString(s3Endpoint), yamlString(esURL))
}

// trailObject is a CloudTrail log file put in the bucket.
type trailObject struct {
	key  string
	size int64
	etag string
}

// s3EventKey encodes a key the way S3 event notifications carry it: each
// path segment form-encoded (a space becomes '+'), the slashes kept.
func s3EventKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.QueryEscape(s)
	}
	return strings.Join(segs, "/")
}

// s3EventNotification returns the S3 event notification (ObjectCreated:Put,
// as S3 sends it to an SQS queue) of an object. It starts from the
// aws-lambda-go sample the receiver's tests use and fills in the bucket and
// the object.
func s3EventNotification(t testing.TB, template []byte, bucket string, o trailObject, seq int) string {
	t.Helper()
	var ev struct {
		Records []map[string]any
	}
	if err := json.Unmarshal(template, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("S3 event template: %v (%d records)", err, len(ev.Records))
	}
	r := ev.Records[0]
	r["awsRegion"] = s3Region
	r["eventTime"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	s3 := r["s3"].(map[string]any)
	b := s3["bucket"].(map[string]any)
	b["name"], b["arn"] = bucket, "arn:aws:s3:::"+bucket
	s3["object"] = map[string]any{
		"key":       s3EventKey(o.key),
		"size":      o.size,
		"eTag":      o.etag,
		"sequencer": fmt.Sprintf("%018X", seq),
	}
	body, err := json.Marshal(map[string]any{"Records": []any{r}})
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestScaleOutSQS: three collectors share one queue of 200 notifications;
// every Personalize event is indexed exactly once. Then again with one
// collector killed (SIGKILL) halfway, with messages in flight: they come
// back after their visibility timeout, the two others finish them, and
// still every event is indexed exactly once.
func TestScaleOutSQS(t *testing.T) {
	bin := collectorBinary(t)
	gw := versityGWBinary(t)
	root := repoRoot(t)
	template, err := os.ReadFile(filepath.Join(root, "receiver", "cloudtrailreceiver", "testdata", "notifications", "s3-event.json"))
	if err != nil {
		t.Fatalf("S3 event notification sample: %v", err)
	}

	// 200 objects of 3 Personalize and 2 other events each, under the
	// real key layout, with the real 16-character random part.
	start := time.Now()
	local, staging := filepath.Join(t.TempDir(), "bucket"), t.TempDir()
	objects := make([]trailObject, 0, scaleOutObjects)
	for i := range scaleOutObjects {
		key, _ := newEventsFile(t, staging, local, fmt.Sprintf("ScaleOut%08d", i))
		data, err := os.ReadFile(filepath.Join(local, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(data) //nolint:gosec // S3's ETag
		objects = append(objects, trailObject{key: key, size: int64(len(data)), etag: hex.EncodeToString(sum[:])})
	}
	rep, err := cloudTrailOracle(local, personalizeSource)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if rep.Files != scaleOutObjects || len(rep.Events) != 3*scaleOutObjects {
		t.Fatalf("oracle: %d files, %d Personalize events; want %d and %d", rep.Files, len(rep.Events), scaleOutObjects, 3*scaleOutObjects)
	}

	srv := startVersityGW(t, gw)
	isolateAWSEnv(t, srv.endpoint)
	srv.createBucket(t, scaleOutBucket)
	if n := srv.uploadTree(t, scaleOutBucket, local); n != scaleOutObjects {
		t.Fatalf("uploaded %d objects, want %d", n, scaleOutObjects)
	}
	t.Logf("%d objects (%d Personalize events) in s3://%s, in %v", len(objects), len(rep.Events), scaleOutBucket, time.Since(start).Round(time.Millisecond))

	notifications := make([]string, len(objects))
	for i, o := range objects {
		notifications[i] = s3EventNotification(t, template, scaleOutBucket, o, i+1)
	}
	env := scaleOutEnv{bin: bin, s3Endpoint: srv.endpoint, notifications: notifications, want: rep.Events}

	t.Run("AllFinish", func(t *testing.T) { env.run(t, false) })
	t.Run("OneKilledHalfway", func(t *testing.T) { env.run(t, true) })
}

type scaleOutEnv struct {
	bin, s3Endpoint string
	notifications   []string
	want            map[string]expectedEvent
}

// run starts a fresh queue, Elasticsearch double and collectors, sends the
// notifications and waits for the queue to drain; with kill, one collector
// is killed once half the events are indexed, while it holds messages.
func (e scaleOutEnv) run(t *testing.T, kill bool) {
	sq, err := sqsdouble.New()
	if err != nil {
		t.Fatalf("SQS double: %v", err)
	}
	t.Cleanup(sq.Close)
	queueURL := sq.CreateQueue(scaleOutQueue)
	es := esdouble.Start(t, esdouble.Options{})
	es.SlowBulk(scaleOutBulkLatency)

	name := "all"
	if kill {
		name = "kill"
	}
	cols := make([]*collector, scaleOutCollectors)
	paths := make([]string, scaleOutCollectors) // each collector's SQS endpoint path, which the double records
	for i := range cols {
		n := fmt.Sprintf("%s-%d", name, i+1)
		paths[i] = "/" + n
		health := freeLoopbackAddr(t)
		cfg := scaleOutConfig(health, filepath.Join(t.TempDir(), "storage"), queueURL, sq.URL()+paths[i], e.s3Endpoint, es.URL)
		cols[i] = startCollector(t, e.bin, n, cfg, health)
	}

	start := time.Now()
	for _, body := range e.notifications {
		sq.Send(scaleOutQueue, body)
	}
	t.Logf("%d notifications sent to %s", len(e.notifications), queueURL)

	victim := -1
	var victimMsgs []string
	if kill {
		half := len(e.want) / 2
		waitUntil(t, scaleOutTimeout, func() bool { return es.Count(esDataStream) >= half },
			func() string { return fmt.Sprintf("%d of %d events indexed", es.Count(esDataStream), half) })
		indexed := es.Count(esDataStream)
		// Hold Elasticsearch: no collector can finish a message now. Once
		// the requests already past the hold are answered and their
		// messages deleted, what is in flight stays in flight.
		release := es.HoldBulk()
		t.Cleanup(release)
		time.Sleep(500 * time.Millisecond)
		held, heldCount := map[string][]string{}, map[string]int{}
		for _, m := range sq.Messages(scaleOutQueue) {
			if !m.Deleted && !m.Visible && m.ReceiveCount > 0 {
				held[m.ReceivedBy] = append(held[m.ReceivedBy], m.ID)
				heldCount[m.ReceivedBy]++
			}
		}
		for i, p := range paths {
			if victim < 0 || len(held[p]) > len(held[paths[victim]]) {
				victim = i
			}
		}
		victimMsgs = held[paths[victim]]
		if len(victimMsgs) == 0 {
			t.Fatalf("no collector holds a message with %d of %d events indexed (in flight by collector: %s)", indexed, len(e.want), byCollector(heldCount, paths))
		}
		t.Logf("%d of %d events indexed after %v; messages in flight by collector: %s", indexed, len(e.want),
			time.Since(start).Round(time.Millisecond), byCollector(heldCount, paths))
		cols[victim].kill()
		t.Logf("killed %s holding messages %v", cols[victim].name, victimMsgs)
		// Let the double see the killed process's connections close, so
		// that its held _bulk requests are dropped, not applied.
		time.Sleep(200 * time.Millisecond)
		release()
	}

	waitUntil(t, scaleOutTimeout, func() bool {
		return allDeleted(sq.Messages(scaleOutQueue)) && es.Count(esDataStream) >= len(e.want)
	}, func() string { return queueState(sq.Messages(scaleOutQueue), es.Count(esDataStream), len(e.want)) })
	elapsed := time.Since(start)
	for i, c := range cols {
		if i != victim {
			c.stop()
		}
	}

	msgs := sq.Messages(scaleOutQueue)
	checkIndexed(t, es, e.want)
	if !allDeleted(msgs) {
		t.Errorf("not every message was deleted: %s", queueState(msgs, es.Count(esDataStream), len(e.want)))
	}
	finishedBy := map[string]int{}
	var again []string
	for _, m := range msgs {
		finishedBy[m.ReceivedBy]++ // deleting takes the latest receipt handle
		if m.ReceiveCount > 1 {
			again = append(again, m.ID)
		}
	}
	sent, bulks := 0, 0
	for _, r := range es.Requests() {
		if strings.HasSuffix(r.Path, "/_bulk") && r.Status == http.StatusOK {
			sent += r.Items
			bulks++
		}
	}
	t.Logf("queue drained in %v: %d messages deleted, finished by collector %v; %d received more than once; "+
		"%d documents indexed from %d items in %d _bulk requests (%d answered 409: already indexed); "+
		"SQS calls: %d ReceiveMessage, %d DeleteMessage, %d ChangeMessageVisibility",
		elapsed.Round(time.Millisecond), len(msgs), byCollector(finishedBy, paths), len(again),
		es.Count(esDataStream), sent, bulks, sent-es.Count(esDataStream),
		sq.Calls("ReceiveMessage"), sq.Calls("DeleteMessage"), sq.Calls("ChangeMessageVisibility"))

	if !kill {
		// SQS handed each message to one collector, which finished it and
		// sent its events once. (A message received twice without a
		// failure would be a ReceiveMessage answer lost by the client:
		// see inMemoryBodyClient in the receiver.)
		if len(again) > 0 {
			t.Errorf("%d messages were received more than once although no collector failed: %v", len(again), head(again, 10))
		}
		if dup := sent - es.Count(esDataStream); dup != 0 {
			t.Errorf("%d events were sent again (409) although no collector failed", dup)
		}
		for i, p := range paths {
			if finishedBy[p] == 0 {
				t.Errorf("%s finished no message: the queue was not shared", cols[i].name)
			}
		}
		return
	}
	// The killed collector's messages came back and the others finished
	// them; no other message came back.
	if !slices.Equal(again, victimMsgs) {
		t.Errorf("messages received more than once: %v; want exactly those the killed %s held: %v", again, cols[victim].name, victimMsgs)
	}
	state := map[string]sqsdouble.Message{}
	for _, m := range msgs {
		state[m.ID] = m
	}
	for _, id := range victimMsgs {
		m := state[id]
		if m.ReceiveCount < 2 || m.ReceivedBy == paths[victim] || !m.Deleted {
			t.Errorf("message %s held by the killed %s: receive count %d, last received by %s, deleted %v; "+
				"want received again and finished by another collector", id, cols[victim].name, m.ReceiveCount, m.ReceivedBy, m.Deleted)
		}
	}
}

func allDeleted(msgs []sqsdouble.Message) bool {
	for _, m := range msgs {
		if !m.Deleted {
			return false
		}
	}
	return true
}

// queueState describes the queue and the index, for failure messages.
func queueState(msgs []sqsdouble.Message, indexed, want int) string {
	var visible, inflight, deleted int
	var pending []string
	for _, m := range msgs {
		switch {
		case m.Deleted:
			deleted++
			continue
		case m.Visible:
			visible++
		default:
			inflight++
		}
		pending = append(pending, fmt.Sprintf("%s(receives %d, last by %s)", m.ID, m.ReceiveCount, m.ReceivedBy))
	}
	return fmt.Sprintf("%d of %d events indexed; %d messages: %d deleted, %d visible, %d in flight; not deleted: %v",
		indexed, want, len(msgs), deleted, visible, inflight, head(pending, 10))
}

// byCollector renders a count per endpoint path, in collector order.
func byCollector(counts map[string]int, paths []string) string {
	parts := make([]string, 0, len(counts))
	for _, p := range paths {
		parts = append(parts, fmt.Sprintf("%s=%d", strings.TrimPrefix(p, "/"), counts[p]))
	}
	var others []string
	for p, n := range counts {
		if !slices.Contains(paths, p) {
			others = append(others, fmt.Sprintf("%q=%d", p, n))
		}
	}
	sort.Strings(others)
	return strings.Join(append(parts, others...), " ")
}
