// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

const (
	// The outage: every request answered 503, then 30 % of the bulk items
	// answered 429, then a healthy cluster.
	outageDown     = 30 * time.Second
	outageThrottle = 30 * time.Second
	// Each _bulk request takes this long, so that records still flow when
	// the throttling starts and after it ends.
	outageESLatency = time.Second
	// outageRSSCeiling bounds the collector's peak resident set through the
	// outage: the receiver waits for the exporter instead of reading ahead,
	// so the outage costs no memory. Measured: about 110 MiB (2 cores,
	// GOMAXPROCS 2); most of it is the binary and the Go runtime.
	outageRSSCeiling = 256 << 20
	// outageLogCeiling bounds the collector's log lines during the 60 s
	// outage (both runs): it says what happens at a bounded rate instead of
	// a line per failed request.
	outageLogCeiling = 120
)

// logCounter counts a collector's output lines, and its warnings and
// errors, from when it is armed.
type logCounter struct {
	mu            sync.Mutex
	armed         bool
	lines, alerts int
}

func (c *logCounter) line(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.armed {
		return
	}
	c.lines++
	if strings.Contains(s, "\twarn\t") || strings.Contains(s, "\terror\t") {
		c.alerts++
	}
}

func (c *logCounter) arm(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = on
}

func (c *logCounter) counts() (lines, alerts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lines, c.alerts
}

// TestOutageElasticsearch runs config/elasticsearch.yaml through an outage
// of the Elasticsearch double: 30 s of 503 to every request (GET /,
// templates, _bulk), with a restart of the collector (SIGTERM, then a new
// process on the same storage) in the middle, then 30 s of 429 on 30 % of
// the bulk items, then recovery. Every event is indexed exactly once,
// nothing goes to the dead-letter file, the product check and the template
// installation come before the first accepted bulk request, the peak RSS
// stays under outageRSSCeiling and the collector logs at most
// outageLogCeiling lines during the outage.
func TestOutageElasticsearch(t *testing.T) {
	longTest(t)
	bin := collectorBinary(t)
	trail := filepath.Join(t.TempDir(), "trail")
	writeCrashTrail(t, trail, crashFiles)
	want := personalizeOracle(t, trail).Events
	storage := filepath.Join(t.TempDir(), "storage")
	deadLetter := filepath.Join(storage, "elasticsearch-dead-letter.ndjson")

	es := esdouble.Start(t, esdouble.Options{APIKey: crashAPIKey})
	es.SlowBulk(outageESLatency)
	t.Setenv("STORAGE_DIR", storage)
	t.Setenv("CLOUDTRAIL_DIR", trail)
	t.Setenv("ELASTICSEARCH_URL", es.URL)
	t.Setenv("ELASTICSEARCH_API_KEY", crashAPIKey)
	healthAddr := freeLoopbackAddr(t)
	cfg := shippedConfig(t, "elasticsearch.yaml", map[string]any{
		"extensions.health_check.endpoint": healthAddr,
		"service.telemetry.metrics.level":  "none",
	})

	logs := &logCounter{}
	logs.arm(true)
	start := time.Now()
	es.FailAllFor(outageDown, http.StatusServiceUnavailable)
	col := startCollectorWith(t, bin, "outage-1", cfg, healthAddr, logs.line)

	// The restart, in the middle of the 503s.
	time.Sleep(outageDown / 2)
	rss := vmHWM(t, col.cmd.Process.Pid)
	stopped := time.Now()
	col.stop()
	t.Logf("SIGTERM during the outage: exited in %v", time.Since(stopped).Round(time.Millisecond))
	if n := es.Count(esDataStream); n != 0 {
		t.Fatalf("%d documents indexed while Elasticsearch answered 503 to everything", n)
	}
	col = startCollectorWith(t, bin, "outage-2", cfg, healthAddr, logs.line)

	time.Sleep(time.Until(start.Add(outageDown)))
	es.FailItems(esdouble.ItemRule{Match: esdouble.During(outageThrottle, esdouble.Fraction(0.3)), Status: http.StatusTooManyRequests})
	t.Logf("503 phase over: %d documents indexed; 429 on 30%% of the items for %v", es.Count(esDataStream), outageThrottle)
	time.Sleep(outageThrottle)
	logs.arm(false)
	lines, alerts := logs.counts()
	t.Logf("outage over after %v: %d of %d documents indexed; the collector logged %d lines (%d warnings or errors) during it",
		time.Since(start).Round(time.Second), es.Count(esDataStream), len(want), lines, alerts)

	waitUntil(t, crashFinishTimeout, func() bool { return es.Count(esDataStream) >= len(want) }, func() string {
		return fmt.Sprintf("only %d of %d documents indexed after the outage", es.Count(esDataStream), len(want))
	})
	time.Sleep(settle)
	rss = max(rss, vmHWM(t, col.cmd.Process.Pid))
	col.stop()

	checkIndexed(t, es, want)
	var throttled, refused, bulkItems int
	firstInfo, firstTemplate, firstBulk := -1, -1, -1
	for i, r := range es.Requests() {
		if r.Status == http.StatusServiceUnavailable {
			refused++
		}
		switch {
		case r.Status != http.StatusOK:
		case r.Method == http.MethodGet && r.Path == "/" && firstInfo < 0:
			firstInfo = i
		case strings.HasPrefix(r.Path, "/_index_template/") && r.Method == http.MethodPut && firstTemplate < 0:
			firstTemplate = i
		case strings.HasSuffix(r.Path, "/_bulk"):
			if firstBulk < 0 {
				firstBulk = i
			}
			bulkItems += r.Items
		}
	}
	throttled = bulkItems - len(want) - es.Conflicts()
	t.Logf("OUTAGE: %d events, %d indexed, %d repeats answered 409, %d requests refused with 503, about %d items answered 429; "+
		"peak RSS %.1f MiB (ceiling %d MiB); %d log lines during the outage (ceiling %d), %d of them warnings or errors",
		len(want), es.Count(esDataStream), es.Conflicts(), refused, throttled, float64(rss)/(1<<20), outageRSSCeiling>>20,
		lines, outageLogCeiling, alerts)
	if firstInfo < 0 || firstTemplate < 0 || firstBulk < 0 || firstInfo > firstBulk || firstTemplate > firstBulk {
		t.Errorf("request order after recovery: first GET / answered 200 at #%d, first template PUT at #%d, first bulk at #%d; "+
			"want the product check and the templates before the first bulk", firstInfo, firstTemplate, firstBulk)
	}
	if data, err := os.ReadFile(deadLetter); err == nil && len(data) > 0 {
		t.Errorf("the dead-letter file holds %d lines: transient errors were dead-lettered instead of retried", strings.Count(string(data), "\n"))
	}
	if rss > outageRSSCeiling {
		t.Errorf("peak RSS %.1f MiB, above the ceiling of %d MiB", float64(rss)/(1<<20), outageRSSCeiling>>20)
	}
	if lines > outageLogCeiling {
		t.Errorf("%d log lines during the outage, more than %d", lines, outageLogCeiling)
	}
}
