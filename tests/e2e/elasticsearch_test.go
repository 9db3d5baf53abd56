// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

const esDataStream = "logs-cloudtrail.personalize-default"

// esConfig renders cloudtrail -> elasticsearch_audit with checkpoints and a
// persistent sending queue in file_storage, and a dead-letter file.
func esConfig(watchDir, storageDir, deadLetter, healthAddr, esURL string) string {
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
    batch_size: 40
exporters:
  elasticsearch_audit:
    endpoints: [%s]
    mapping:
      mode: ecs
    dead_letter:
      path: %s
    bulk_retry:
      max_retries: 5
      initial_interval: 50ms
      max_interval: 200ms
    sending_queue:
      storage: file_storage
      num_consumers: 2
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
`, yamlString(healthAddr), yamlString(storageDir), yamlString(watchDir), pollInterval,
		yamlString(esURL), yamlString(deadLetter))
}

// TestDistributionIndexesExamplesInElasticsearch runs the built collector
// against the Elasticsearch double with per-item 429s and its first bulk requests refused with 503:
// every Personalize event must be indexed exactly once (_id = eventID) with
// its ECS fields, and a restart must index nothing twice.
func TestDistributionIndexesExamplesInElasticsearch(t *testing.T) {
	bin := collectorBinary(t)
	watchDir, rep := copyExamples(t)
	storageDir, deadLetter := t.TempDir(), filepath.Join(t.TempDir(), "dead-letter.ndjson")

	es := esdouble.Start(t, esdouble.Options{})
	es.FailItems(esdouble.ItemRule{Match: esdouble.EveryNth(7), Status: http.StatusTooManyRequests, Times: 2})
	es.FailBulkRequests(3, http.StatusServiceUnavailable)

	healthAddr := freeLoopbackAddr(t)
	col := startCollector(t, bin, "es1", esConfig(watchDir, storageDir, deadLetter, healthAddr, es.URL), healthAddr)
	waitForCount(t, es, len(rep.Events))
	time.Sleep(settle)
	checkIndexed(t, es, rep.Events)
	col.stop()
	// The faults really happened: whole requests refused, and more items sent
	// than indexed (the per-item 429s were retried, and only those).
	var refused, items int
	for _, r := range es.Requests() {
		if r.Status == http.StatusServiceUnavailable {
			refused++
		}
		items += r.Items
	}
	if refused == 0 {
		t.Error("no bulk request met the 503 window")
	}
	if items <= len(rep.Events) {
		t.Errorf("%d bulk items for %d events: the per-item 429s were not retried", items, len(rep.Events))
	}

	// A restart on the same storage indexes nothing again.
	bulkBefore := es.BulkRequests()
	healthAddr = freeLoopbackAddr(t)
	col = startCollector(t, bin, "es2", esConfig(watchDir, storageDir, deadLetter, healthAddr, es.URL), healthAddr)
	time.Sleep(settle + 5*pollInterval)
	col.stop()
	if n := es.Count(esDataStream); n != len(rep.Events) {
		t.Fatalf("after a restart the data stream holds %d documents, want %d", n, len(rep.Events))
	}
	if extra := es.BulkRequests() - bulkBefore; extra != 0 {
		t.Errorf("the restarted collector sent %d bulk requests for files already indexed", extra)
	}
}

func waitForCount(t *testing.T, es *esdouble.Server, want int) {
	t.Helper()
	waitUntil(t, deliverTimeout, func() bool { return es.Count(esDataStream) >= want }, func() string {
		return fmt.Sprintf("only %d of %d documents indexed in %s (data streams: %v)",
			es.Count(esDataStream), want, esDataStream, es.DataStreams())
	})
}

// checkIndexed asserts one document per expected event, keyed by eventID,
// with the ECS fields Kibana users and detection rules rely on.
func checkIndexed(t *testing.T, es *esdouble.Server, want map[string]expectedEvent) {
	t.Helper()
	docs := es.Docs(esDataStream)
	if len(docs) != len(want) {
		t.Errorf("%d documents, want %d", len(docs), len(want))
	}
	seen := map[string]bool{}
	for _, d := range docs {
		ev, ok := want[d.ID]
		if !ok {
			t.Errorf("unexpected document _id %s", d.ID)
			continue
		}
		if seen[d.ID] {
			t.Errorf("document %s indexed twice", d.ID)
		}
		seen[d.ID] = true
		field := func(path string) any {
			if v := d.Field(path); len(v) == 1 {
				return v[0]
			}
			return nil
		}
		outcome := "success"
		if ev.ErrorCode != "" {
			outcome = "failure"
			if got := field("error.code"); got != ev.ErrorCode {
				t.Errorf("%s: error.code %v, want %s", d.ID, got, ev.ErrorCode)
			}
		}
		checks := map[string]any{
			"event.id":       d.ID,
			"event.action":   ev.EventName,
			"event.provider": personalizeSource,
			"event.outcome":  outcome,
			"cloud.provider": "aws",
			"cloud.region":   ev.Region,
		}
		for path, wantV := range checks {
			if got := field(path); got != wantV {
				t.Errorf("%s: %s = %v, want %v", d.ID, path, got, wantV)
			}
		}
		if ts, _ := field("@timestamp").(string); ev.HasTime {
			if parsed, err := time.Parse(time.RFC3339Nano, ts); err != nil || !parsed.Equal(ev.EventTime) {
				t.Errorf("%s: @timestamp %q, want %v", d.ID, ts, ev.EventTime)
			}
		}
	}
}
