// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/md5" //nolint:gosec // the ETag of a single-part upload is the MD5 of the object
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
	"github.com/personalize-audit/otelcol-personalize/tests/sqsdouble"
)

// The crash tests run each shipped configuration that writes to
// Elasticsearch or OTLP (config/elasticsearch.yaml, otlp.yaml, s3.yaml,
// sqs.yaml), pointed at the in-repo stand-ins, through a series of SIGKILLs
// at random moments, some of them while a restart is still starting, each
// restart on the same storage. They take several minutes, so they run only
// with E2E_LONG=1 (`make test-long`, which CI runs after `make test`).
const (
	envLong = "E2E_LONG"
	// envCrashSeed fixes the seed of the kill schedule (default: the clock);
	// the seed is printed either way.
	envCrashSeed = "CRASH_SEED"
	// envCrashQueue replaces the exporter's sending_queue of the shipped
	// configuration to measure another design: "persistent" (on
	// file_storage, batching in the queue) or "wait_for_result" (in memory,
	// the caller waits for the export). Unset: the configuration as shipped.
	envCrashQueue = "CRASH_QUEUE"

	crashFiles           = 200 // CloudTrail files (objects) ...
	crashPersonalizeEach = 110 // ... of this many Personalize events ...
	crashOtherEach       = 10  // ... and other events each: 22,000 Personalize events
	crashKills           = 7
	// The backends answer this slowly, so that a run lasts long enough for
	// the kills to land while records are in flight.
	crashESLatency   = 300 * time.Millisecond
	crashOTLPLatency = 200 * time.Millisecond
	// crashFinishTimeout bounds the last run's wait for every event; it is
	// not a speed requirement, it turns a loss into a failure with counts.
	crashFinishTimeout = 5 * time.Minute
	// crashStall ends that wait early when nothing arrives for this long.
	crashStall  = time.Minute
	crashBucket = "personalize-audit-crash-111122223333"
	crashQueue  = "crash-notifications"
	crashAPIKey = "Y3Jhc2g6dGVzdA=="
)

// longTest skips the test unless E2E_LONG=1.
func longTest(t *testing.T) {
	t.Helper()
	if os.Getenv(envLong) != "1" {
		t.Skipf("long end-to-end test: runs with %s=1 (`make test-long`)", envLong)
	}
}

// crashTarget is one shipped configuration and what it reads and writes.
type crashTarget struct {
	config   string // under config/
	source   string // directory, s3, sqs
	exporter string // the exporter id in the configuration
}

// TestCrashShippedConfigs: for each shipped configuration writing to
// Elasticsearch or OTLP, 22,000 Personalize events and 7 SIGKILLs (every
// other one shortly after a restart began), restarts on the same storage,
// then a last run to the end. Elasticsearch: every eventID indexed exactly
// once (a repeat answered 409 is fine). OTLP: every eventID delivered at
// least once; duplicates are counted and printed.
func TestCrashShippedConfigs(t *testing.T) {
	longTest(t)
	bin := collectorBinary(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envCrashSeed); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envCrashSeed, s, err)
		}
		seed = v
	}
	t.Logf("kill schedule seed %d (%s=%d reproduces it); sending queue: %s", seed, envCrashSeed, seed, crashQueueDesign())

	trail := filepath.Join(t.TempDir(), "trail")
	objects := writeCrashTrail(t, trail, crashFiles)
	rep := personalizeOracle(t, trail)
	if len(rep.Events) != crashFiles*crashPersonalizeEach {
		t.Fatalf("oracle: %d Personalize events, want %d", len(rep.Events), crashFiles*crashPersonalizeEach)
	}

	// One versitygw holds the trail for the S3 and SQS targets.
	srv := startVersityGW(t, versityGWBinary(t))
	isolateAWSEnv(t, srv.endpoint)
	srv.createBucket(t, crashBucket)
	if n := srv.uploadTree(t, crashBucket, trail); n != crashFiles {
		t.Fatalf("uploaded %d objects, want %d", n, crashFiles)
	}

	targets := []crashTarget{
		{config: "elasticsearch.yaml", source: "directory", exporter: "elasticsearch_audit"},
		{config: "otlp.yaml", source: "directory", exporter: "otlp_http"},
		{config: "s3.yaml", source: "s3", exporter: "otlp_http"},
		{config: "sqs.yaml", source: "sqs", exporter: "otlp_http"},
	}
	var summary []string
	for i, tg := range targets {
		t.Run(strings.TrimSuffix(tg.config, ".yaml"), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			summary = append(summary, runCrashTarget(t, bin, tg, rng, trail, objects, rep.Events, srv))
		})
	}
	for _, s := range summary {
		t.Log(s)
	}
}

// crashQueueDesign names the sending queue under test.
func crashQueueDesign() string {
	if q := os.Getenv(envCrashQueue); q != "" {
		return q
	}
	return "as shipped"
}

// writeCrashTrail writes files gzip CloudTrail files (crashPersonalizeEach
// Personalize events each) under dir in the real key layout and returns them
// as S3 objects (key, size, ETag).
func writeCrashTrail(t *testing.T, dir string, files int) []trailObject {
	t.Helper()
	staging := t.TempDir()
	const account, region = "111122223333", "us-east-1"
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	names := []string{"DescribeDatasetImportJob", "CreateSolutionVersion", "GetRecommendations", "ListCampaigns", "PutEvents"}
	objects := make([]trailObject, 0, files)
	for f := range files {
		at := base.Add(time.Duration(f) * 5 * time.Minute)
		key := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_crash%04d.json.gz",
			account, region, at.Format("2006/01/02"), account, region, at.Format("20060102T1504Z"), f)
		recs := make([]ctRecord, 0, crashPersonalizeEach+crashOtherEach)
		for r := range crashPersonalizeEach + crashOtherEach {
			src, name := personalizeSource, names[r%len(names)]
			if r%((crashPersonalizeEach+crashOtherEach)/crashOtherEach) == 5 {
				src, name = "s3.amazonaws.com", "GetObject"
			}
			recs = append(recs, newCTRecord(account, region, src, name, at.Add(-time.Duration(r)*time.Second), newEventID(t)))
		}
		path := filepath.Join(dir, filepath.FromSlash(key))
		writeCloudTrailFile(t, staging, path, recs)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(data) //nolint:gosec // S3's ETag
		objects = append(objects, trailObject{key: key, size: int64(len(data)), etag: hex.EncodeToString(sum[:])})
	}
	return objects
}

// crashBackend is the stand-in a target writes to, counted the same way
// whichever it is.
type crashBackend struct {
	es   *esdouble.Server
	sink *otlpSink
}

// distinct is how many different expected eventIDs arrived.
func (b crashBackend) distinct() int {
	if b.es != nil {
		return b.es.Count(esDataStream)
	}
	n, _ := b.sink.Distinct()
	return n
}

// runCrashTarget runs one target through the kills and returns its summary.
func runCrashTarget(t *testing.T, bin string, tg crashTarget, rng *rand.Rand, trail string, objects []trailObject,
	want map[string]expectedEvent, srv *s3Server) string {
	storage := filepath.Join(t.TempDir(), "storage")
	healthAddr := freeLoopbackAddr(t)
	t.Setenv("STORAGE_DIR", storage)
	t.Setenv("CLOUDTRAIL_DIR", trail)

	var be crashBackend
	if tg.exporter == "elasticsearch_audit" {
		be.es = esdouble.Start(t, esdouble.Options{APIKey: crashAPIKey})
		be.es.SlowBulk(crashESLatency)
		t.Setenv("ELASTICSEARCH_URL", be.es.URL)
		t.Setenv("ELASTICSEARCH_API_KEY", crashAPIKey)
	} else {
		be.sink = newOTLPSink(t)
		be.sink.SetLatency(crashOTLPLatency)
		t.Setenv("OTLP_ENDPOINT", be.sink.URL())
	}

	set := map[string]any{
		"extensions.health_check.endpoint": healthAddr,
		"service.telemetry.metrics.level":  "none", // no :8888 listener to collide with
	}
	var sq *sqsdouble.Server
	switch tg.source {
	case "s3":
		t.Setenv("CLOUDTRAIL_BUCKET", crashBucket)
		set["receivers.cloudtrail.s3.endpoint"] = srv.endpoint
		set["receivers.cloudtrail.s3.force_path_style"] = true
	case "sqs":
		var err error
		sq, err = sqsdouble.New()
		if err != nil {
			t.Fatalf("SQS double: %v", err)
		}
		t.Cleanup(sq.Close)
		t.Setenv("SQS_QUEUE_URL", sq.CreateQueue(crashQueue))
		set["receivers.cloudtrail.sqs.endpoint"] = sq.URL()
		set["receivers.cloudtrail.sqs.s3_endpoint"] = srv.endpoint
		set["receivers.cloudtrail.sqs.force_path_style"] = true
		// A killed collector's messages come back after this (5m shipped).
		set["receivers.cloudtrail.sqs.visibility_timeout"] = "5s"
		template, err := os.ReadFile(filepath.Join(repoRoot(t), "receiver", "cloudtrailreceiver", "testdata", "notifications", "s3-event.json"))
		if err != nil {
			t.Fatalf("S3 event notification sample: %v", err)
		}
		for i, o := range objects {
			sq.Send(crashQueue, s3EventNotification(t, template, crashBucket, o, i+1))
		}
	}
	if q := crashQueueOverride(t, tg.exporter); q != nil {
		set["exporters."+tg.exporter+".sending_queue"] = q
	}
	cfg := shippedConfig(t, tg.config, set)

	start := time.Now()
	early := 0
	var kills []string
	for k := range crashKills {
		name := fmt.Sprintf("%s-%d", strings.TrimSuffix(tg.config, ".yaml"), k+1)
		col := launchCollector(t, bin, name, cfg, healthAddr, nil)
		var delay time.Duration
		how := ""
		if k%2 == 1 {
			// Shortly after the restart began: while the exporter and its
			// queue start, or the receiver reads its first object.
			delay = 50*time.Millisecond + time.Duration(rng.Int64N(int64(1200*time.Millisecond)))
			how = "after launch"
			early++
		} else {
			col.waitReady(readyTimeout)
			delay = 300*time.Millisecond + time.Duration(rng.Int64N(int64(3*time.Second)))
			how = "after ready"
		}
		time.Sleep(delay)
		col.kill()
		kills = append(kills, fmt.Sprintf("%v %s (%d delivered)", delay.Round(time.Millisecond), how, be.distinct()))
	}
	t.Logf("%d SIGKILLs: %s", crashKills, strings.Join(kills, "; "))

	// The last run goes to the end.
	col := launchCollector(t, bin, strings.TrimSuffix(tg.config, ".yaml")+"-final", cfg, healthAddr, nil)
	col.waitReady(readyTimeout)
	deadline := time.Now().Add(crashFinishTimeout)
	last, lastChange := -1, time.Now()
	for n := be.distinct(); n < len(want) && time.Now().Before(deadline); n = be.distinct() {
		if n != last {
			last, lastChange = n, time.Now()
		}
		if time.Since(lastChange) > crashStall {
			t.Logf("no progress for %v at %d of %d events: the rest is lost", crashStall, n, len(want))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * settle) // repeats would come now
	col.stop()
	elapsed := time.Since(start).Round(time.Second)

	var summary string
	if be.es != nil {
		docs := be.es.Docs(esDataStream)
		seen := map[string]int{}
		for _, d := range docs {
			seen[d.ID]++
		}
		lost, second := 0, 0
		for id := range want {
			if seen[id] == 0 {
				lost++
			}
		}
		for _, n := range seen {
			second += n - 1
		}
		summary = fmt.Sprintf("CRASH %s (%s source, sending queue %s): %d events, %d SIGKILLs (%d shortly after a restart began), %v: "+
			"indexed %d, lost %d, second documents %d, repeats answered 409: %d",
			tg.config, tg.source, crashQueueDesign(), len(want), crashKills, early, elapsed, len(seen), lost, second, be.es.Conflicts())
		t.Log(summary)
		if lost > 0 || second > 0 {
			t.Errorf("%d of %d events lost, %d indexed twice", lost, len(want), second)
		}
		checkIndexed(t, be.es, want)
	} else {
		recs := be.sink.Records()
		seen := map[string]int{}
		for _, r := range recs {
			if id, ok := r.attrString("aws.cloudtrail.event_id"); ok {
				seen[id]++
			}
		}
		lost, dupRecords, dupEvents := 0, 0, 0
		for id := range want {
			if seen[id] == 0 {
				lost++
			}
		}
		for _, n := range seen {
			if n > 1 {
				dupEvents++
				dupRecords += n - 1
			}
		}
		summary = fmt.Sprintf("CRASH %s (%s source, sending queue %s): %d events, %d SIGKILLs (%d shortly after a restart began), %v: "+
			"delivered %d distinct in %d records, lost %d, duplicates %d records (%d events delivered more than once)",
			tg.config, tg.source, crashQueueDesign(), len(want), crashKills, early, elapsed, len(seen), len(recs), lost, dupRecords, dupEvents)
		t.Log(summary)
		if lost > 0 {
			t.Errorf("%d of %d events lost", lost, len(want))
		}
		checkDeliveredAtLeastOnce(t, recs, want, contentTypeProtobuf)
		checkSinkErrors(t, be.sink)
	}
	if sq != nil {
		if msgs := sq.Messages(crashQueue); !allDeleted(msgs) {
			t.Errorf("not every message was deleted: %s", queueState(msgs, be.distinct(), len(want)))
		}
	}
	return summary
}

// crashQueueOverride returns the sending_queue that CRASH_QUEUE asks for
// (nil: as shipped).
func crashQueueOverride(t *testing.T, exporter string) map[string]any {
	t.Helper()
	batch := map[string]any{"flush_timeout": "1s"}
	if exporter == "elasticsearch_audit" {
		batch = map[string]any{"sizer": "items", "min_size": 2000, "max_size": 5000, "flush_timeout": "1s"}
	}
	switch q := os.Getenv(envCrashQueue); q {
	case "":
		return nil
	case "persistent":
		return map[string]any{"enabled": true, "storage": "file_storage", "sizer": "items", "queue_size": 20000,
			"num_consumers": 4, "block_on_overflow": true, "batch": batch}
	case "wait_for_result":
		return map[string]any{"enabled": true, "wait_for_result": true, "sizer": "items", "queue_size": 20000,
			"num_consumers": 4, "block_on_overflow": true, "batch": batch}
	default:
		t.Fatalf("%s=%q: want persistent or wait_for_result", envCrashQueue, q)
		return nil
	}
}

// shippedConfig returns config/<name> with the values of set put in at their
// dotted paths (maps created as needed); ${env:...} references stay for the
// collector to resolve from the environment the test sets.
func shippedConfig(t *testing.T, name string, set map[string]any) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "config", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("config/%s: %v", name, err)
	}
	for path, v := range set {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
