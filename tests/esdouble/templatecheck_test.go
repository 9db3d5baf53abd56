// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTemplateBodiesAsElasticsearchParsesThem: unknown keys, keys newer
// than the cluster's version, bad lifecycles and ILM settings on
// serverless are refused with 400, as Elasticsearch does.
func TestTemplateBodiesAsElasticsearchParsesThem(t *testing.T) {
	const comp = `{"template":{"settings":{"index":{"lifecycle":{"name":"logs"}}}}}`
	for _, tc := range []struct {
		name    string
		opts    Options
		path    string
		body    string
		status  int
		wantErr string
	}{
		{"unknown top-level key", Options{}, "/_index_template/t", `{"index_patterns":["x-*"],"lifecycle":{}}`, 400, "[index_template] unknown field [lifecycle]"},
		{"unknown template key", Options{}, "/_component_template/c", `{"template":{"setings":{}}}`, 400, "[template] unknown field [setings]"},
		{"component without template", Options{}, "/_component_template/c", `{"version":1}`, 400, "required field [template]"},
		{"lifecycle before 8.11", Options{Version: "8.10.4"}, "/_index_template/t", `{"index_patterns":["x-*"],"data_stream":{},"template":{"lifecycle":{"data_retention":"7d"}}}`, 400, "[template] unknown field [lifecycle]"},
		{"lifecycle on 8.11", Options{Version: "8.11.0"}, "/_index_template/t", `{"index_patterns":["x-*"],"data_stream":{},"template":{"lifecycle":{"data_retention":"7d"}}}`, 200, ""},
		{"lifecycle without data stream", Options{}, "/_index_template/t", `{"index_patterns":["x-*"],"template":{"lifecycle":{}}}`, 400, "only be used in combination with a data stream"},
		{"retention without unit", Options{}, "/_index_template/t", `{"index_patterns":["x-*"],"data_stream":{},"template":{"lifecycle":{"data_retention":"30"}}}`, 400, "unit is missing or unrecognized"},
		{"unknown lifecycle key", Options{}, "/_index_template/t", `{"index_patterns":["x-*"],"data_stream":{},"template":{"lifecycle":{"retention":"30d"}}}`, 400, "[lifecycle] unknown field [retention]"},
		{"ignore_missing before 8.7", Options{Version: "8.6.2"}, "/_index_template/t", `{"index_patterns":["x-*"],"ignore_missing_component_templates":["a"]}`, 400, "unknown field [ignore_missing_component_templates]"},
		{"ILM on serverless", Options{Serverless: true}, "/_component_template/c", comp, 400, "[index.lifecycle.name] are not available when running in serverless mode"},
		{"ILM self-managed", Options{}, "/_component_template/c", comp, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, tc.opts)
			st, _, m := do(t, "PUT", s.URL+tc.path, tc.body, nil)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %v", st, tc.status, m)
			}
			if tc.wantErr != "" {
				e, _ := m["error"].(map[string]any)
				if r, _ := e["reason"].(string); !strings.Contains(r, tc.wantErr) {
					t.Fatalf("reason %q, want %q", r, tc.wantErr)
				}
			}
		})
	}
}

// TestDataStreamLifecycle: a data stream takes the lifecycle and ILM policy
// its template composes, and reports who manages it.
func TestDataStreamLifecycle(t *testing.T) {
	s := Start(t, Options{})
	put := func(path, body string) {
		t.Helper()
		if st, _, m := do(t, "PUT", s.URL+path, body, nil); st != 200 {
			t.Fatalf("PUT %s: %d %v", path, st, m)
		}
	}
	put("/_component_template/ilm", `{"template":{"settings":{"index.lifecycle.name":"logs"}}}`)
	put("/_index_template/dsl", `{"index_patterns":["logs-dsl-*"],"priority":200,"data_stream":{},"composed_of":["missing@custom"],"ignore_missing_component_templates":["missing@custom"],"template":{"lifecycle":{"data_retention":"30d"}}}`)
	put("/_index_template/ilm", `{"index_patterns":["logs-ilm-*"],"priority":200,"data_stream":{},"composed_of":["ilm"],"template":{"lifecycle":{}}}`)
	for _, ds := range []string{"logs-dsl-default", "logs-ilm-default"} {
		body := `{"create":{"_index":"` + ds + `"}}` + "\n" + `{"@timestamp":"2026-01-01T00:00:00Z"}` + "\n"
		if st, _, m := do(t, "POST", s.URL+"/_bulk", body, nil); st != 200 || m["errors"] != false {
			t.Fatalf("bulk into %s: %d %v", ds, st, m)
		}
	}
	lc, ilm, managed, ok := s.DataStreamLifecycle("logs-dsl-default")
	if !ok || string(lc) != `{"data_retention":"30d"}` || ilm != "" || managed != "Data stream lifecycle" {
		t.Fatalf("dsl: %s %q %q %v", lc, ilm, managed, ok)
	}
	if _, ilm, managed, _ := s.DataStreamLifecycle("logs-ilm-default"); ilm != "logs" || managed != "Index Lifecycle Management" {
		t.Fatalf("ilm: %q %q", ilm, managed)
	}
	_, _, m := do(t, "GET", s.URL+"/_data_stream/logs-dsl-default", "", nil)
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"lifecycle":{"data_retention":"30d"}`) || !strings.Contains(string(b), `"next_generation_managed_by":"Data stream lifecycle"`) {
		t.Fatalf("GET _data_stream: %s", b)
	}
}
