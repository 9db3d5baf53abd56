// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

const (
	pollInterval   = 200 * time.Millisecond
	deliverTimeout = 60 * time.Second
	// settle is how long to keep listening once the expected records are in,
	// to catch duplicates and strays (many poll intervals and batch timeouts).
	settle = 2 * time.Second
)

// e2eConfig renders the collector configuration the tests run:
// cloudtrail (with file_storage checkpoints) -> batch -> otlp_http (JSON) to the sink.
func e2eConfig(watchDir, storageDir, healthAddr, sinkURL string) string {
	return fmt.Sprintf(`extensions:
  health_check:
    endpoint: %s
  file_storage:
    directory: %s
    create_directory: true

receivers:
  cloudtrail:
    directory:
      path: %s
      poll_interval: %s
    storage: file_storage

processors:
  batch:
    timeout: 100ms

exporters:
  otlp_http:
    endpoint: %s
    encoding: json
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s

service:
  extensions: [health_check, file_storage]
  telemetry:
    logs:
      level: info
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [cloudtrail]
      processors: [batch]
      exporters: [otlp_http]
`, yamlString(healthAddr), yamlString(storageDir), yamlString(watchDir), pollInterval, yamlString(sinkURL))
}

func TestDistributionDeliversExamplesOverOTLPHTTP(t *testing.T) {
	bin := collectorBinary(t)
	root := repoRoot(t)

	examples := filepath.Join(root, "examples")
	if fi, err := os.Stat(examples); err != nil || !fi.IsDir() {
		t.Fatalf("bundled examples directory %s is missing: %v", examples, err)
	}
	watchDir := filepath.Join(t.TempDir(), "bucket")
	copyTree(t, examples, watchDir)
	// Beside the trail: the same kind of events as other generators write
	// them (JSON Lines export, EventBridge via Firehose, lookup-events).
	otherIDs := writeOtherFormats(t, filepath.Join(watchDir, "other-generators"))
	storageDir := filepath.Join(t.TempDir(), "storage")
	staging := t.TempDir()

	rep, err := cloudTrailOracle(watchDir, personalizeSource)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	for _, s := range rep.Skipped {
		t.Logf("oracle skipped: %s", s)
	}
	t.Logf("oracle: %d CloudTrail files, %d digests, %d Personalize events (%d duplicate eventIDs)",
		rep.Files, rep.Digests, len(rep.Events), rep.Duplicates)
	if len(rep.Events) == 0 {
		t.Fatalf("the examples under %s hold no %s events: nothing to test", examples, personalizeSource)
	}
	for _, id := range otherIDs {
		if _, ok := rep.Events[id]; !ok {
			t.Fatalf("oracle missed event %s of the other generators' files", id)
		}
	}

	sink := newOTLPSink(t)
	healthAddr := freeLoopbackAddr(t)
	cfg := e2eConfig(watchDir, storageDir, healthAddr, sink.URL())

	// 1. Every example event arrives exactly once.
	col := startCollector(t, bin, "run1", cfg, healthAddr)
	got := waitAndSettle(t, sink, 0, len(rep.Events))
	checkDelivered(t, got, rep.Events, contentTypeJSON)
	checkSinkErrors(t, sink)
	if t.Failed() {
		col.stop()
		t.FailNow()
	}

	// 2. After a restart on the same storage, nothing is delivered again.
	col.stop()
	before := sink.Len()
	healthAddr = freeLoopbackAddr(t)
	cfg = e2eConfig(watchDir, storageDir, healthAddr, sink.URL())
	col = startCollector(t, bin, "run2", cfg, healthAddr)
	time.Sleep(settle + 5*pollInterval)
	if after := sink.Len(); after != before {
		recs := sink.Records()[before:]
		t.Fatalf("after restart on the same storage %d records were delivered again; first eventIDs: %v",
			after-before, firstIDs(recs, 10))
	}

	// 3. A new file: its 3 Personalize records arrive, the 2 others do not.
	newKey, newIDs := newEventsFile(t, staging, watchDir, "e2e")
	t.Logf("dropped %s with Personalize events %v", newKey, newIDs)
	fresh := freshEvents(t, watchDir, rep, newIDs)

	got = waitAndSettle(t, sink, before, len(fresh))
	checkDelivered(t, got, fresh, contentTypeJSON)
	for _, r := range got {
		if id, _ := r.attrString("aws.cloudtrail.event_id"); id == newIDs[2] && r.Severity != plog.SeverityNumberError {
			t.Errorf("event %s with errorCode has severity %v, want ERROR", id, r.Severity)
		}
	}
	checkSinkErrors(t, sink)

	col.stop()
}

// waitAndSettle waits (bounded) until want records have arrived after the
// first `from`, then keeps listening for `settle` to catch extras, and
// returns everything that arrived after `from`.
func waitAndSettle(t *testing.T, sink *otlpSink, from, want int) []receivedLog {
	t.Helper()
	start := time.Now()
	if !sink.WaitForLen(from+want, deliverTimeout) {
		got := sink.Records()[from:]
		t.Fatalf("only %d of %d expected records arrived within %v; eventIDs received: %v",
			len(got), want, deliverTimeout, firstIDs(got, 20))
	}
	t.Logf("%d records arrived in %v", want, time.Since(start).Round(time.Millisecond))
	time.Sleep(settle)
	return sink.Records()[from:]
}

// checkDelivered asserts that got holds each expected event exactly once and
// nothing else, and spot-checks the mapping of each record.
func checkDelivered(t *testing.T, got []receivedLog, want map[string]expectedEvent, transport string) {
	t.Helper()
	seen := checkDeliveredAtLeastOnce(t, got, want, transport)
	var dup []string
	for id, n := range seen {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", id, n))
		}
	}
	sort.Strings(dup)
	if len(dup) > 0 {
		t.Errorf("%d events arrived more than once: %v", len(dup), head(dup, 20))
	}
	if len(got) != len(want) {
		t.Errorf("received %d records, want %d", len(got), len(want))
	}
}

// checkDeliveredAtLeastOnce asserts that got holds each expected event and
// nothing else, spot-checks the mapping of each record and returns how often
// each eventID arrived.
func checkDeliveredAtLeastOnce(t *testing.T, got []receivedLog, want map[string]expectedEvent, transport string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	var unexpected []string
	for _, r := range got {
		id, ok := r.attrString("aws.cloudtrail.event_id")
		if !ok {
			t.Errorf("record without aws.cloudtrail.event_id: attributes %v", r.Attributes)
			continue
		}
		seen[id]++
		ev, ok := want[id]
		if !ok {
			unexpected = append(unexpected, id)
			continue
		}
		if seen[id] == 1 {
			checkRecord(t, r, ev, transport)
		}
	}
	if len(unexpected) > 0 {
		sort.Strings(unexpected)
		t.Errorf("%d unexpected records arrived (eventIDs %v)", len(unexpected), head(unexpected, 20))
	}
	var missing []string
	for id := range want {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d expected events never arrived: %v", len(missing), len(want), head(missing, 20))
	}
	return seen
}

func checkRecord(t *testing.T, r receivedLog, ev expectedEvent, transport string) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("event %s (%s): %s", ev.EventID, ev.File, fmt.Sprintf(format, args...))
	}
	wantAttr := func(key, want string) {
		t.Helper()
		if got, ok := r.attrString(key); !ok || got != want {
			errorf("attribute %s = %v (present %v), want %q", key, r.Attributes[key], ok, want)
		}
	}
	wantRes := func(key, want string) {
		t.Helper()
		if got, ok := r.resourceString(key); !ok || got != want {
			errorf("resource attribute %s = %v (present %v), want %q", key, r.Resource[key], ok, want)
		}
	}

	wantAttr("aws.cloudtrail.event_id", ev.EventID)
	wantAttr("aws.cloudtrail.event_source", personalizeSource)
	if ev.EventName != "" {
		wantAttr("aws.cloudtrail.event_name", ev.EventName)
		wantAttr("rpc.method", personalizeSource+"/"+ev.EventName)
	}
	if r.EventName != ev.EventName {
		errorf("log record EventName = %q, want %q", r.EventName, ev.EventName)
	}
	wantRes("cloud.provider", "aws")
	if ev.AccountID != "" {
		wantRes("cloud.account.id", ev.AccountID)
	}
	if ev.Region != "" {
		wantRes("cloud.region", ev.Region)
	}
	if isErr := r.Severity == plog.SeverityNumberError; isErr != (ev.ErrorCode != "") {
		errorf("severity %v (%q) but errorCode is %q", r.Severity, r.SeverityText, ev.ErrorCode)
	}
	switch {
	case ev.HasTime && !r.Timestamp.AsTime().Equal(ev.EventTime):
		errorf("timestamp %v, want eventTime %v", r.Timestamp.AsTime().UTC(), ev.EventTime.UTC())
	case !ev.HasTime && r.Timestamp != 0:
		errorf("timestamp %v for a record without eventTime", r.Timestamp.AsTime().UTC())
	}
	if r.ContentType != transport {
		errorf("arrived as %q, want %q", r.ContentType, transport)
	}
}

func checkSinkErrors(t *testing.T, sink *otlpSink) {
	t.Helper()
	for _, e := range sink.Errors() {
		t.Errorf("OTLP sink: %s", e)
	}
}

func firstIDs(recs []receivedLog, n int) []string {
	var ids []string
	for _, r := range recs {
		id, _ := r.attrString("aws.cloudtrail.event_id")
		ids = append(ids, id)
	}
	return head(ids, n)
}

func head(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
}

// newEventID returns a random UUID-shaped eventID.
func newEventID(t testing.TB) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b[:])
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}
