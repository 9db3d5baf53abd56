// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// do sends a request and decodes the JSON answer.
func do(t *testing.T, method, url, body string, hdr map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("response is not JSON: %q", raw)
		}
	}
	return res.StatusCode, res.Header, m
}

func items(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	arr, _ := m["items"].([]any)
	var out []map[string]any
	for _, e := range arr {
		for _, v := range e.(map[string]any) {
			out = append(out, v.(map[string]any))
		}
	}
	return out
}

func status(it map[string]any) int { n, _ := it["status"].(float64); return int(n) }

func errType(it map[string]any) string {
	e, _ := it["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

const doc1 = `{"@timestamp":"2026-11-20T09:00:00Z","event":{"action":"CreateCampaign"},"user":{"name":"alice"}}`

func TestInfoAndProductHeader(t *testing.T) {
	s := Start(t, Options{Version: "8.15.1"})
	st, hdr, m := do(t, http.MethodGet, s.URL+"/", "", nil)
	if st != 200 || hdr.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("GET / = %d, product %q", st, hdr.Get("X-Elastic-Product"))
	}
	if v := m["version"].(map[string]any)["number"]; v != "8.15.1" {
		t.Fatalf("version = %v", v)
	}
	other := Start(t, Options{Product: "-"})
	if _, hdr, _ := do(t, http.MethodGet, other.URL+"/", "", nil); hdr.Get("X-Elastic-Product") != "" {
		t.Fatal("Product \"-\" must send no X-Elastic-Product header")
	}
}

func TestBulkCreateAndDuplicate(t *testing.T) {
	s := Start(t, Options{})
	body := `{"create":{"_index":"logs-cloudtrail.personalize-default","_id":"a"}}` + "\n" + doc1 + "\n" +
		`{"create":{"_index":"logs-cloudtrail.personalize-default","_id":"b"}}` + "\n" + doc1 + "\n"
	st, _, m := do(t, http.MethodPost, s.URL+"/_bulk", body, nil)
	if st != 200 || m["errors"] != false {
		t.Fatalf("first bulk: %d %v", st, m)
	}
	its := items(t, m)
	if len(its) != 2 || status(its[0]) != 201 || its[0]["_id"] != "a" {
		t.Fatalf("items = %v", its)
	}
	if !strings.HasPrefix(its[0]["_index"].(string), ".ds-logs-cloudtrail.personalize-default-") {
		t.Fatalf("_index should be the backing index, got %v", its[0]["_index"])
	}
	st, _, m = do(t, http.MethodPost, s.URL+"/_bulk", body, nil)
	its = items(t, m)
	if st != 200 || m["errors"] != true || status(its[0]) != 409 || errType(its[0]) != "version_conflict_engine_exception" {
		t.Fatalf("repeat must be 409 version_conflict_engine_exception: %v", m)
	}
	if n := s.Count("logs-cloudtrail.personalize-default"); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	if s.TemplateFor("logs-cloudtrail.personalize-default") != "logs" {
		t.Fatal("data stream should come from the built-in logs template")
	}
	// The same _id in another data stream is another document.
	st, _, m = do(t, http.MethodPost, s.URL+"/logs-other-default/_bulk", `{"create":{"_id":"a"}}`+"\n"+doc1+"\n", nil)
	if st != 200 || status(items(t, m)[0]) != 201 {
		t.Fatalf("same _id in another data stream: %v", m)
	}
}

func TestBulkStrictNDJSON(t *testing.T) {
	s := Start(t, Options{})
	cases := map[string]string{
		"no trailing newline": `{"create":{"_index":"logs-a-b","_id":"x"}}` + "\n" + doc1,
		"unknown op":          `{"upsert":{"_index":"logs-a-b"}}` + "\n" + doc1 + "\n",
		"two ops on a line":   `{"create":{"_index":"logs-a-b"},"index":{}}` + "\n" + doc1 + "\n",
		"missing source":      `{"create":{"_index":"logs-a-b"}}` + "\n",
		"unknown metadata":    `{"create":{"_index":"logs-a-b","_type":"doc"}}` + "\n" + doc1 + "\n",
		"blank line":          "\n" + `{"create":{"_index":"logs-a-b"}}` + "\n" + doc1 + "\n",
		"empty body":          "",
		"no index":            `{"create":{"_id":"x"}}` + "\n" + doc1 + "\n",
		"trailing comma":      `{"create":{"_index":"logs-a-b","_id":"x",}}` + "\n" + doc1 + "\n",
		"id not a string":     `{"create":{"_index":"logs-a-b","_id":7}}` + "\n" + doc1 + "\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			st, _, m := do(t, http.MethodPost, s.URL+"/_bulk", body, nil)
			if st != 400 || m["error"] == nil {
				t.Fatalf("want a 400 request error, got %d %v", st, m)
			}
		})
	}
	if s.Count("*") != 0 {
		t.Fatal("a malformed request must write nothing")
	}
}

func TestBulkItemErrors(t *testing.T) {
	s := Start(t, Options{})
	body := `{"index":{"_index":"logs-a-default","_id":"1"}}` + "\n" + doc1 + "\n" +
		`{"create":{"_index":"logs-a-default","_id":"2"}}` + "\n" + `{"event":{}}` + "\n" +
		`{"create":{"_index":"logs-a-default","_id":"3"}}` + "\n" + `not json` + "\n" +
		`{"create":{"_index":"Logs-A-default","_id":"4"}}` + "\n" + doc1 + "\n" +
		`{"create":{"_index":"logs-a-default","_id":"5"}}` + "\n" + doc1 + "\n"
	_, _, m := do(t, http.MethodPost, s.URL+"/_bulk", body, nil)
	its := items(t, m)
	want := []struct {
		status int
		typ    string
	}{
		{400, "illegal_argument_exception"}, // index op into a data stream
		{400, "document_parsing_exception"}, // no @timestamp
		{400, "document_parsing_exception"}, // not JSON
		{400, "invalid_index_name_exception"},
		{201, ""},
	}
	for i, w := range want {
		if status(its[i]) != w.status || errType(its[i]) != w.typ {
			t.Errorf("item %d = %d %q, want %d %q", i, status(its[i]), errType(its[i]), w.status, w.typ)
		}
	}
}

func TestGzipAndFilterPath(t *testing.T) {
	s := Start(t, Options{})
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(`{"create":{"_index":"logs-a-default","_id":"z"}}` + "\n" + doc1 + "\n"))
	zw.Close()
	st, _, m := do(t, http.MethodPost, s.URL+"/_bulk?filter_path=errors,items.*.error,items.*.status,items.*._id", zb.String(),
		map[string]string{"Content-Encoding": "gzip"})
	if st != 200 {
		t.Fatalf("gzip bulk = %d %v", st, m)
	}
	its := items(t, m)
	if len(its) != 1 || len(its[0]) != 2 || its[0]["_id"] != "z" || status(its[0]) != 201 {
		t.Fatalf("filter_path should keep only _id and status: %v", its)
	}
	if _, ok := m["took"]; ok {
		t.Fatal("filter_path should drop took")
	}
	// A deeper filter goes through the generic filter.
	_, _, m = do(t, http.MethodPost, s.URL+"/_bulk?filter_path=items.*.error.type", `{"create":{"_index":"logs-a-default","_id":"z"}}`+"\n"+doc1+"\n", nil)
	if its := items(t, m); len(its) != 1 || len(its[0]) != 1 || errType(its[0]) != "version_conflict_engine_exception" {
		t.Fatalf("filter_path=items.*.error.type: %v", m)
	}
	if e := items(t, m)[0]["error"].(map[string]any); len(e) != 1 {
		t.Fatalf("only error.type must remain: %v", e)
	}
	// Items with nothing left after filtering are dropped, as in Elasticsearch.
	_, _, m = do(t, http.MethodPost, s.URL+"/_bulk?filter_path=items.*.error", `{"create":{"_index":"logs-a-default","_id":"z"}}`+"\n"+doc1+"\n"+
		`{"create":{"_index":"logs-a-default","_id":"z2"}}`+"\n"+doc1+"\n", nil)
	if its := items(t, m); len(its) != 1 || errType(its[0]) != "version_conflict_engine_exception" {
		t.Fatalf("filter_path=items.*.error keeps only failed items: %v", m)
	}
	var last RequestInfo
	for _, r := range s.Requests() {
		if r.ContentEncoding == "gzip" {
			last = r
		}
	}
	if last.ContentEncoding != "gzip" || last.DecodedBytes <= last.BodyBytes/2 || last.Items != 1 {
		t.Fatalf("request info = %+v", last)
	}
}

func TestTemplatesAndMappings(t *testing.T) {
	s := Start(t, Options{})
	idx := `{"index_patterns":["logs-cloudtrail.*-*"],"priority":250,"data_stream":{},"composed_of":["m"]}`
	if st, _, _ := do(t, http.MethodPut, s.URL+"/_index_template/t", idx, nil); st != 400 {
		t.Fatalf("an index template naming a missing component template must be refused, got %d", st)
	}
	comp := `{"template":{"mappings":{"dynamic":false,"properties":{"source":{"properties":{"ip":{"type":"ip"}}},"aws":{"properties":{"rp":{"type":"flattened"}}}}}}}`
	if st, _, _ := do(t, http.MethodPut, s.URL+"/_component_template/m", comp, nil); st != 200 {
		t.Fatal("component template PUT failed")
	}
	if st, _, _ := do(t, http.MethodPut, s.URL+"/_index_template/t", idx, nil); st != 200 {
		t.Fatal("index template PUT failed")
	}
	same := `{"index_patterns":["logs-*-*"],"priority":250,"data_stream":{}}`
	if st, _, _ := do(t, http.MethodPut, s.URL+"/_index_template/clash", same, nil); st != 400 {
		t.Fatal("overlapping patterns at the same priority must be refused")
	}
	if raw, ok := s.IndexTemplate("t"); !ok || !strings.Contains(string(raw), "logs-cloudtrail") {
		t.Fatal("IndexTemplate accessor")
	}
	body := `{"create":{"_index":"logs-cloudtrail.p-default","_id":"ok"}}` + "\n" +
		`{"@timestamp":"2026-01-01T00:00:00Z","source":{"ip":"10.0.0.1"},"aws":{"rp":{"a":{"b":1}}},"free":{"x":1}}` + "\n" +
		`{"create":{"_index":"logs-cloudtrail.p-default","_id":"badip"}}` + "\n" +
		`{"@timestamp":"2026-01-01T00:00:00Z","source.ip":"035.249.253.232"}` + "\n" +
		`{"create":{"_index":"logs-cloudtrail.p-default","_id":"concrete"}}` + "\n" +
		`{"@timestamp":"2026-01-01T00:00:00Z","source":"x"}` + "\n"
	_, _, m := do(t, http.MethodPost, s.URL+"/_bulk", body, nil)
	its := items(t, m)
	if status(its[0]) != 201 || status(its[1]) != 400 || status(its[2]) != 400 {
		t.Fatalf("mapping checks: %v", its)
	}
	if s.TemplateFor("logs-cloudtrail.p-default") != "t" {
		t.Fatalf("highest-priority template should win, got %q", s.TemplateFor("logs-cloudtrail.p-default"))
	}
}

func TestNoTemplatesAcceptsAnyIndex(t *testing.T) {
	s := Start(t, Options{NoBuiltinLogsTemplate: true})
	_, _, m := do(t, http.MethodPost, s.URL+"/_bulk", `{"index":{"_index":"plain","_id":"1"}}`+"\n"+`{"a":1}`+"\n", nil)
	if status(items(t, m)[0]) != 201 {
		t.Fatalf("without templates any index is accepted: %v", m)
	}
	s2 := Start(t, Options{})
	_, _, m = do(t, http.MethodPost, s2.URL+"/_bulk", `{"create":{"_index":"plain","_id":"1"}}`+"\n"+doc1+"\n", nil)
	if status(items(t, m)[0]) != 404 {
		t.Fatalf("with templates, a name no data stream template matches is refused: %v", m)
	}
}

func TestSearchAndCount(t *testing.T) {
	s := Start(t, Options{})
	var b strings.Builder
	for i, u := range []string{"alice", "bob", "alice"} {
		b.WriteString(`{"create":{"_index":"logs-a-default","_id":"` + string(rune('a'+i)) + `"}}` + "\n")
		b.WriteString(`{"@timestamp":"2026-01-01T00:00:00Z","user.name":"` + u + `","n":` + string(rune('1'+i)) + "}\n")
	}
	do(t, http.MethodPost, s.URL+"/_bulk", b.String(), nil)
	_, _, m := do(t, http.MethodPost, s.URL+"/logs-*/_count", `{"query":{"term":{"user.name":"alice"}}}`, map[string]string{"Content-Type": "application/json"})
	if m["count"].(float64) != 2 {
		t.Fatalf("term count = %v", m)
	}
	_, _, m = do(t, http.MethodGet, s.URL+"/logs-a-default/_search", `{"query":{"match_all":{}},"size":1}`, map[string]string{"Content-Type": "application/json"})
	hits := m["hits"].(map[string]any)
	if hits["total"].(map[string]any)["value"].(float64) != 3 || len(hits["hits"].([]any)) != 1 {
		t.Fatalf("match_all size 1 = %v", m)
	}
	_, _, m = do(t, http.MethodPost, s.URL+"/logs-a-default/_count", `{"query":{"term":{"n":{"value":2}}}}`, map[string]string{"Content-Type": "application/json"})
	if m["count"].(float64) != 1 {
		t.Fatalf("numeric term = %v", m)
	}
	if st, _, _ := do(t, http.MethodGet, s.URL+"/nope/_count", "", nil); st != 404 {
		t.Fatal("a missing concrete index is a 404")
	}
	d, ok := s.Get("logs-a-default", "b")
	if !ok || d.Field("user.name")[0] != "bob" {
		t.Fatalf("Get/Field = %v", d)
	}
	s.DeleteDataStreams()
	if s.Count("*") != 0 || len(s.DataStreams()) != 0 {
		t.Fatal("DeleteDataStreams must remove every document")
	}
}

func TestFaults(t *testing.T) {
	s := Start(t, Options{})
	line := func(id string) string {
		return `{"create":{"_index":"logs-a-default","_id":"` + id + `"}}` + "\n" + doc1 + "\n"
	}
	s.FailItems(ItemRule{Match: ByID("x"), Status: 429, Times: 1})
	_, _, m := do(t, http.MethodPost, s.URL+"/_bulk", line("x")+line("y"), nil)
	its := items(t, m)
	if status(its[0]) != 429 || errType(its[0]) != "es_rejected_execution_exception" || status(its[1]) != 201 {
		t.Fatalf("per-item 429: %v", its)
	}
	_, _, m = do(t, http.MethodPost, s.URL+"/_bulk", line("x"), nil)
	if status(items(t, m)[0]) != 201 {
		t.Fatal("Times: 1 must fail an _id once")
	}

	s.FailBulkRequests(2, 503)
	for i := 0; i < 2; i++ {
		if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("w"), nil); st != 503 {
			t.Fatalf("request %d should be 503", i)
		}
	}
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("w"), nil); st != 200 {
		t.Fatal("third request should pass")
	}

	s.FailBulkFor(500*time.Millisecond, 502)
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("v"), nil); st != 502 {
		t.Fatal("window should fail requests")
	}
	time.Sleep(600 * time.Millisecond)
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("v"), nil); st != 200 {
		t.Fatal("after the window requests pass")
	}

	s.SetMaxContentLength(100)
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("big")+line("big2"), nil); st != 413 {
		t.Fatal("body above max content length should be 413")
	}
	s.SetMaxContentLength(0)

	s.DropConnections(1)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/_bulk", strings.NewReader(line("d")))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("a dropped connection must be a transport error")
	}
	if _, ok := s.Get("logs-a-default", "d"); ok {
		t.Fatal("a dropped request must not be applied")
	}

	s.RejectTemplates(403)
	if st, _, _ := do(t, http.MethodPut, s.URL+"/_component_template/c", `{"template":{}}`, nil); st != 403 {
		t.Fatal("template PUT should be 403")
	}
	s.FailItems(ItemRule{Match: EveryNth(2), Status: 500})
	_, _, m = do(t, http.MethodPost, s.URL+"/_bulk", line("n1")+line("n2")+line("n3")+line("n4"), nil)
	fails := 0
	for _, it := range items(t, m) {
		if status(it) == 500 {
			fails++
		}
	}
	if fails != 2 {
		t.Fatalf("EveryNth(2) over 4 items should fail 2, got %d", fails)
	}
}

// TestSlowAndHeldBulk: SlowBulk delays every _bulk request; HoldBulk keeps
// them from being applied until released, and a held request whose client
// goes away is not applied.
func TestSlowAndHeldBulk(t *testing.T) {
	s := Start(t, Options{})
	line := func(id string) string {
		return `{"create":{"_index":"logs-a-default","_id":"` + id + `"}}` + "\n" + doc1 + "\n"
	}
	s.SlowBulk(200 * time.Millisecond)
	start := time.Now()
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("slow"), nil); st != 200 {
		t.Fatalf("slowed request: %d", st)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("slowed request answered after %v", d)
	}
	s.SlowBulk(0)

	release := s.HoldBulk()
	done := make(chan int, 1)
	go func() {
		res, err := http.Post(s.URL+"/_bulk", "application/x-ndjson", strings.NewReader(line("held")))
		if err != nil {
			done <- 0
			return
		}
		_ = res.Body.Close()
		done <- res.StatusCode
	}()
	time.Sleep(200 * time.Millisecond)
	if _, ok := s.Get("logs-a-default", "held"); ok {
		t.Fatal("a held request was applied")
	}
	select {
	case st := <-done:
		t.Fatalf("a held request was answered (%d)", st)
	default:
	}
	release()
	release() // idempotent
	if st := <-done; st != 200 {
		t.Fatalf("released request: %d", st)
	}
	if _, ok := s.Get("logs-a-default", "held"); !ok {
		t.Fatal("a released request was not applied")
	}

	// A client that gives up while held: nothing is applied.
	release = s.HoldBulk()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/_bulk", strings.NewReader(line("gone")))
	req.Header.Set("Content-Type", "application/x-ndjson")
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("a held request answered before its client's deadline")
	}
	// Give the server a moment to see the connection close.
	time.Sleep(300 * time.Millisecond)
	release()
	time.Sleep(100 * time.Millisecond)
	if _, ok := s.Get("logs-a-default", "gone"); ok {
		t.Fatal("a held request whose client went away was applied")
	}
	s.HoldBulk()
	s.ClearFaults() // releases too
	if st, _, _ := do(t, http.MethodPost, s.URL+"/_bulk", line("after"), nil); st != 200 {
		t.Fatalf("after ClearFaults: %d", st)
	}
}

func TestAuth(t *testing.T) {
	s := Start(t, Options{APIKey: "c2VjcmV0"})
	if st, _, _ := do(t, http.MethodGet, s.URL+"/", "", nil); st != 401 {
		t.Fatal("missing credentials must be 401")
	}
	if st, _, _ := do(t, http.MethodGet, s.URL+"/", "", map[string]string{"Authorization": "ApiKey c2VjcmV0"}); st != 200 {
		t.Fatal("API key must be accepted")
	}
}
