// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// TestRealCluster runs the scenarios that need no fault injection against
// the cluster at ELASTICSEARCH_URL (credentials from ELASTICSEARCH_API_KEY,
// or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD). Each run writes to
// its own namespace, and installs the exporter's templates as a deployment
// would.
func TestRealCluster(t *testing.T) {
	url := os.Getenv("ELASTICSEARCH_URL")
	if url == "" {
		t.Skip("ELASTICSEARCH_URL not set: skipping tests against a real Elasticsearch cluster")
	}
	runClusterScenarios(t, cluster{
		url:    strings.Split(url, ",")[0],
		apiKey: os.Getenv("ELASTICSEARCH_API_KEY"),
		user:   os.Getenv("ELASTICSEARCH_USERNAME"),
		pass:   os.Getenv("ELASTICSEARCH_PASSWORD"),
	})
}

// TestClusterScenariosOnDouble keeps the real-cluster scenarios honest where
// no cluster is available: the same code, against the double.
func TestClusterScenariosOnDouble(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	runClusterScenarios(t, cluster{url: s.URL})
}

// cluster talks to Elasticsearch with plain HTTP, so the checks do not go
// through the code under test.
type cluster struct {
	url, apiKey, user, pass string
}

func (c cluster) config() *Config {
	cfg := testConfig(c.url)
	cfg.APIKey = configopaque.String(c.apiKey)
	cfg.User, cfg.Password = c.user, configopaque.String(c.pass)
	cfg.BulkRetry.InitialInterval, cfg.BulkRetry.MaxInterval = 100*time.Millisecond, 2*time.Second
	return cfg
}

func (c cluster) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, strings.TrimRight(c.url, "/")+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch {
	case c.apiKey != "":
		req.Header.Set("Authorization", "ApiKey "+c.apiKey)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func (c cluster) count(t *testing.T, ds string, query map[string]any) int {
	t.Helper()
	c.do(t, http.MethodPost, "/"+ds+"/_refresh", nil)
	body := map[string]any{}
	if query != nil {
		body["query"] = query
	}
	st, m := c.do(t, http.MethodPost, "/"+ds+"/_count", body)
	if st != 200 {
		t.Fatalf("_count on %s: %d %v", ds, st, m)
	}
	n, _ := m["count"].(float64)
	return int(n)
}

func (c cluster) source(t *testing.T, ds, eventID string) map[string]any {
	t.Helper()
	st, m := c.do(t, http.MethodPost, "/"+ds+"/_search", map[string]any{
		"query": map[string]any{"term": map[string]any{"event.id": eventID}}, "size": 1,
	})
	hits, _ := m["hits"].(map[string]any)["hits"].([]any)
	if st != 200 || len(hits) != 1 {
		t.Fatalf("search for %s in %s: %d %v", eventID, ds, st, m)
	}
	h := hits[0].(map[string]any)
	if h["_id"] != eventID {
		t.Fatalf("_id = %v, want the eventID", h["_id"])
	}
	return h["_source"].(map[string]any)
}

func runClusterScenarios(t *testing.T, c cluster) {
	ns := fmt.Sprintf("it%d", time.Now().UnixNano())
	ds := "logs-cloudtrail.personalize-" + ns
	cfg := c.config()
	cfg.DataStream.Namespace = ns
	h := mustStart(t, cfg)
	ld := cloudTrailLogs(t, 0, 20, ct.BodyMap)

	t.Run("templates", func(t *testing.T) {
		st, m := c.do(t, http.MethodGet, "/_index_template/cloudtrail-audit", nil)
		if st != 200 {
			t.Fatalf("index template not installed: %d %v", st, m)
		}
	})
	t.Run("index", func(t *testing.T) {
		if err := h.exp.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatal(err)
		}
		if n := c.count(t, ds, nil); n != 20 {
			t.Fatalf("count %d, want 20", n)
		}
	})
	t.Run("duplicates", func(t *testing.T) {
		if err := h.exp.ConsumeLogs(context.Background(), ld); err != nil {
			t.Fatalf("redelivery must succeed: %v", err)
		}
		if n := c.count(t, ds, nil); n != 20 {
			t.Fatalf("count %d after redelivery, want 20", n)
		}
		if h.counter(t, metricDuplicate) != 20 {
			t.Fatalf("duplicates = %d", h.counter(t, metricDuplicate))
		}
	})
	t.Run("ecs", func(t *testing.T) {
		src := c.source(t, ds, eventID(0))
		ev := src["event"].(map[string]any)
		if ev["action"] != "CreateCampaign" || ev["outcome"] != "success" || src["user"].(map[string]any)["name"] != "PersonalizeAdmin" {
			t.Fatalf("source = %v", src)
		}
		if n := c.count(t, ds, map[string]any{"term": map[string]any{"source.ip": "198.51.100.1"}}); n != 1 {
			t.Fatalf("term on source.ip: %d", n)
		}
		if n := c.count(t, ds, map[string]any{"term": map[string]any{"event.action": "DeleteFilter"}}); n != 5 {
			t.Fatalf("term on event.action: %d", n)
		}
	})
	t.Run("override", func(t *testing.T) {
		one := cloudTrailLogs(t, 100, 1, ct.BodyMap)
		one.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr("data_stream.namespace", ns+"x")
		if err := h.exp.ConsumeLogs(context.Background(), one); err != nil {
			t.Fatal(err)
		}
		if n := c.count(t, "logs-cloudtrail.personalize-"+ns+"x", nil); n != 1 {
			t.Fatalf("override count %d", n)
		}
	})
	t.Run("otel", func(t *testing.T) {
		ocfg := c.config()
		ocfg.DataStream.Namespace = ns + "otel"
		ocfg.Mapping.Mode = "otel"
		oh := mustStart(t, ocfg)
		if err := oh.exp.ConsumeLogs(context.Background(), cloudTrailLogs(t, 0, 3, ct.BodyMap)); err != nil {
			t.Fatal(err)
		}
		if n := c.count(t, "logs-cloudtrail.personalize-"+ns+"otel", map[string]any{"term": map[string]any{"event_name": "ListSolutions"}}); n != 1 {
			t.Fatalf("otel term count %d", n)
		}
	})
}
