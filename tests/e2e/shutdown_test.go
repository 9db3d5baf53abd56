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

// shutdownFiles is the trail of the graceful-shutdown tests: 2,200
// Personalize events, a few batches.
const shutdownFiles = 20

// TestSIGTERMWithBatchesInFlight stops config/elasticsearch.yaml with
// SIGTERM while bulk requests are in flight: once while Elasticsearch holds
// them unanswered, once while it answers 503 to everything. Each time the
// collector exits cleanly within stopTimeout, and a restart on the same
// storage indexes every event exactly once: what was in flight either was
// indexed or had not been checkpointed, and was read again.
func TestSIGTERMWithBatchesInFlight(t *testing.T) {
	bin := collectorBinary(t)
	for _, tc := range []struct {
		name  string
		fault func(es *esdouble.Server) (inFlight func() bool)
	}{
		{"held", func(es *esdouble.Server) func() bool {
			release := es.HoldBulk()
			t.Cleanup(release)
			return func() bool { return es.BulkRequests() > 0 }
		}},
		{"outage", func(es *esdouble.Server) func() bool {
			es.FailAllFor(time.Hour, http.StatusServiceUnavailable)
			return func() bool {
				refused := 0
				for _, r := range es.Requests() {
					if r.Status == http.StatusServiceUnavailable {
						refused++
					}
				}
				return refused >= 3 // the exporter is retrying
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trail := filepath.Join(t.TempDir(), "trail")
			writeCrashTrail(t, trail, shutdownFiles)
			want := personalizeOracle(t, trail).Events
			es := esdouble.Start(t, esdouble.Options{APIKey: crashAPIKey})
			t.Setenv("STORAGE_DIR", filepath.Join(t.TempDir(), "storage"))
			t.Setenv("CLOUDTRAIL_DIR", trail)
			t.Setenv("ELASTICSEARCH_URL", es.URL)
			t.Setenv("ELASTICSEARCH_API_KEY", crashAPIKey)
			healthAddr := freeLoopbackAddr(t)
			cfg := shippedConfig(t, "elasticsearch.yaml", map[string]any{
				"extensions.health_check.endpoint": healthAddr,
				"service.telemetry.metrics.level":  "none",
			})

			inFlight := tc.fault(es)
			col := startCollector(t, bin, tc.name+"-1", cfg, healthAddr)
			waitUntil(t, deliverTimeout, inFlight, func() string { return "no bulk request in flight" })
			began := time.Now()
			col.stop() // fails unless it exits cleanly within stopTimeout
			took := time.Since(began)
			before := es.Count(esDataStream)
			es.ClearFaults()

			col = startCollector(t, bin, tc.name+"-2", cfg, healthAddr)
			waitUntil(t, deliverTimeout, func() bool { return es.Count(esDataStream) >= len(want) }, func() string {
				return fmt.Sprintf("after the restart only %d of %d events indexed", es.Count(esDataStream), len(want))
			})
			time.Sleep(settle)
			col.stop()
			checkIndexed(t, es, want)
			t.Logf("SHUTDOWN %s: SIGTERM with bulk requests in flight: exited in %v (limit %v); %d of %d events indexed before it, "+
				"all %d after the restart, %d repeats answered 409",
				tc.name, took.Round(time.Millisecond), stopTimeout, before, len(want), es.Count(esDataStream), es.Conflicts())
		})
	}
}
