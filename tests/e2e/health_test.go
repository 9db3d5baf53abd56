// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// componentHealthGate switches the health check extension to component
// status (see "Telemetry and health" in the README).
const componentHealthGate = "--feature-gates=+extension.healthcheck.useComponentStatus"

// healthConfig is esConfig with the health check of the README's component
// health example; recovery_duration is short so the test need not wait.
func healthConfig(t *testing.T, watchDir, storageDir, healthAddr, esURL string) string {
	t.Helper()
	deadLetter := filepath.Join(t.TempDir(), "dead-letter.ndjson")
	cfg := esConfig(watchDir, storageDir, deadLetter, healthAddr, esURL)
	liveness := "  health_check:\n    endpoint: " + yamlString(healthAddr) + "\n"
	if !strings.Contains(cfg, liveness) {
		t.Fatalf("esConfig has no %q to replace", liveness)
	}
	return strings.Replace(cfg, liveness, `  health_check:
    http:
      endpoint: `+yamlString(healthAddr)+`
      status:
        enabled: true
        path: /
    component_health:
      include_recoverable_errors: true
      recovery_duration: 1s
`, 1)
}

// healthState is what the health endpoint answers.
type healthState struct {
	code int
	body string
}

func getHealth(healthAddr string) healthState {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + healthAddr + "/?verbose")
	if err != nil {
		return healthState{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return healthState{code: resp.StatusCode, body: string(b)}
}

// componentStatus finds the status the verbose health answer gives the
// component named id (e.g. "receiver:cloudtrail") in any pipeline.
func (h healthState) componentStatus(id string) string {
	var tree struct {
		Components map[string]struct {
			Components map[string]struct {
				Status string `json:"status"`
				Error  string `json:"error"`
			} `json:"components"`
		} `json:"components"`
	}
	if json.Unmarshal([]byte(h.body), &tree) != nil {
		return ""
	}
	for _, p := range tree.Components {
		if c, ok := p.Components[id]; ok {
			return c.Status + " " + c.Error
		}
	}
	return ""
}

// TestHealthReflectsComponentStatus runs the built collector with the
// component health check the README documents: the endpoint turns unhealthy
// while the receiver's directory cannot be listed and while Elasticsearch
// cannot be reached, names the component and its error, and turns healthy
// again once each recovers; the documents written meanwhile are indexed.
func TestHealthReflectsComponentStatus(t *testing.T) {
	bin := collectorBinary(t)
	watchDir, rep := copyExamples(t)
	storageDir, staging := t.TempDir(), t.TempDir()
	esAddr := freeLoopbackAddr(t)
	es := esdouble.New(esdouble.Options{Addr: esAddr})
	t.Cleanup(func() { es.Close() })

	healthAddr := freeLoopbackAddr(t)
	col := startCollectorWith(t, bin, "health", healthConfig(t, watchDir, storageDir, healthAddr, es.URL), healthAddr, nil, componentHealthGate)
	defer col.stop()
	waitForCount(t, es, len(rep.Events))

	waitHealth := func(what string, healthy bool, component, status string) {
		t.Helper()
		var last healthState
		waitUntil(t, 30*time.Second, func() bool {
			last = getHealth(healthAddr)
			st := last.componentStatus(component)
			return (last.code == http.StatusOK) == healthy && strings.HasPrefix(st, status)
		}, func() string {
			return fmt.Sprintf("%s: health answers %d, %s is %q; body %s", what, last.code, component, last.componentStatus(component), last.body)
		})
		t.Logf("%s: health %d, %s: %s", what, last.code, component, last.componentStatus(component))
	}
	waitHealth("caught up", true, "receiver:cloudtrail", "StatusOK")

	// 1. The directory disappears: listing fails until it is back.
	away := watchDir + ".away"
	if err := os.Rename(watchDir, away); err != nil {
		t.Fatal(err)
	}
	waitHealth("directory gone", false, "receiver:cloudtrail", "StatusRecoverableError")
	if err := os.Rename(away, watchDir); err != nil {
		t.Fatal(err)
	}
	waitHealth("directory back", true, "receiver:cloudtrail", "StatusOK")

	// 2. Elasticsearch goes away while a new file arrives.
	es.Close()
	_, newIDs := newEventsFile(t, staging, watchDir, "health")
	waitHealth("Elasticsearch down", false, "exporter:elasticsearch_audit", "StatusRecoverableError")
	es = esdouble.New(esdouble.Options{Addr: esAddr})
	waitHealth("Elasticsearch back", true, "exporter:elasticsearch_audit", "StatusOK")
	// The new double starts empty: the new file's Personalize events are
	// all it should get.
	waitUntil(t, deliverTimeout, func() bool { return es.Count(esDataStream) >= len(newIDs) }, func() string {
		return fmt.Sprintf("%d documents indexed after Elasticsearch came back, want %d (events %v)", es.Count(esDataStream), len(newIDs), newIDs)
	})
}
