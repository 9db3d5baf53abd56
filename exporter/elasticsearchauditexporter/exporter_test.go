// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

const defaultStream = "logs-cloudtrail.personalize-default"

func consume(t *testing.T, h *harness, ld plog.Logs) error {
	t.Helper()
	return h.exp.ConsumeLogs(context.Background(), ld)
}

// bulkItems lists the item count of every _bulk request that reached the
// double, in order.
func bulkItems(s *esdouble.Server) []int {
	var out []int
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "_bulk") {
			out = append(out, r.Items)
		}
	}
	return out
}

func TestHappyPath(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	if err := consume(t, h, cloudTrailLogs(t, 0, 50, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(defaultStream); n != 50 {
		t.Fatalf("indexed %d, want 50", n)
	}
	if got := s.TemplateFor(defaultStream); got != "cloudtrail-audit" {
		t.Fatalf("data stream created from template %q, want cloudtrail-audit", got)
	}
	for i := 0; i < 50; i++ {
		if _, ok := s.Get(defaultStream, eventID(i)); !ok {
			t.Fatalf("document %s missing: _id must be the eventID", eventID(i))
		}
	}
	var bulk esdouble.RequestInfo
	for _, r := range s.Requests() {
		if r.Path == "/_bulk" {
			bulk = r
		}
	}
	if bulk.ContentEncoding != "gzip" || !strings.Contains(bulk.Query, "filter_path=errors,items.*.error,items.*.status,items.*._id") ||
		!strings.Contains(bulk.Query, "require_data_stream=true") {
		t.Fatalf("bulk request = %+v", bulk)
	}
	if got := h.counter(t, metricIndexed); got != 50 {
		t.Fatalf("%s = %d", metricIndexed, got)
	}
	if h.counter(t, metricBulkRequests, "outcome", "ok") != 1 || h.counter(t, metricBulkBytes, "encoding", "wire") == 0 {
		t.Fatal("bulk metrics not recorded")
	}
}

func TestDuplicatesAreSuccessAndNotResent(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	ld := cloudTrailLogs(t, 0, 20, ct.BodyMap)
	if err := consume(t, h, ld); err != nil {
		t.Fatal(err)
	}
	if err := consume(t, h, ld); err != nil {
		t.Fatalf("a redelivered batch (409s) must succeed: %v", err)
	}
	if n := s.Count(defaultStream); n != 20 {
		t.Fatalf("count %d, want 20", n)
	}
	if got := bulkItems(s); len(got) != 2 || got[1] != 20 {
		t.Fatalf("bulk requests %v: the duplicates must not be resent", got)
	}
	if h.counter(t, metricDuplicate) != 20 || h.counter(t, metricIndexed) != 20 || h.counter(t, metricRetried) != 0 {
		t.Fatal("duplicates must be counted separately, not retried")
	}
}

func TestPerItem429RetriesOnlyThoseItems(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.FailItems(esdouble.ItemRule{Match: esdouble.ByID(eventID(3), eventID(7)), Status: 429, Times: 2})
	h := mustStart(t, testConfig(s.URL))
	if err := consume(t, h, cloudTrailLogs(t, 0, 10, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if got := bulkItems(s); len(got) != 3 || got[0] != 10 || got[1] != 2 || got[2] != 2 {
		t.Fatalf("bulk item counts %v, want [10 2 2]", got)
	}
	if n := s.Count(defaultStream); n != 10 {
		t.Fatalf("count %d", n)
	}
	if h.counter(t, metricRetried) != 4 {
		t.Fatalf("retried = %d, want 4", h.counter(t, metricRetried))
	}
}

func TestRejectedItemGoesToDeadLetterRestIndexed(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.FailItems(esdouble.ItemRule{Match: esdouble.ByID(eventID(4)), Status: 400})
	cfg := testConfig(s.URL)
	cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq", "rejected.ndjson")
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 10, ct.BodyMap)); err != nil {
		t.Fatalf("a dead-lettered item must not fail the push: %v", err)
	}
	if n := s.Count(defaultStream); n != 9 {
		t.Fatalf("count %d, want 9", n)
	}
	lines := readDeadLetter(t, cfg.DeadLetter.Path)
	if len(lines) != 1 {
		t.Fatalf("dead letter lines = %d", len(lines))
	}
	l := lines[0]
	if l["id"] != eventID(4) || l["index"] != defaultStream || l["status"].(float64) != 400 ||
		l["error"].(map[string]any)["type"] != "document_parsing_exception" {
		t.Fatalf("dead letter line = %v", l)
	}
	doc := l["document"].(map[string]any)
	if doc["event"].(map[string]any)["id"] != eventID(4) {
		t.Fatal("the dead letter keeps the whole document")
	}
	if _, err := time.Parse(time.RFC3339Nano, l["@timestamp"].(string)); err != nil {
		t.Fatal("dead letter @timestamp")
	}
	if h.counter(t, metricDeadLettered) != 1 || h.counter(t, metricIndexed) != 9 {
		t.Fatal("dead-letter metrics")
	}
	if text := h.allLogText(); !strings.Contains(text, eventID(4)) || strings.Contains(text, "aws-cli/2.15.0") || strings.Contains(text, "failed to parse field") {
		t.Fatalf("logs must name the document but carry no payload or reason text:\n%s", text)
	}
	if fi, err := os.Stat(cfg.DeadLetter.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("dead letter file mode: %v %v", fi, err)
	}
}

func readDeadLetter(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("dead letter line is not JSON: %v", err)
		}
		out = append(out, m)
	}
	return out
}

func TestRejectedItemWithoutDeadLetterIsPermanent(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.FailItems(esdouble.ItemRule{Match: esdouble.ByID(eventID(1), eventID(2)), Status: 400})
	h := mustStart(t, testConfig(s.URL))
	err := consume(t, h, cloudTrailLogs(t, 0, 6, ct.BodyMap))
	if !consumererror.IsPermanent(err) || !strings.Contains(err.Error(), "2 of 6 documents rejected") {
		t.Fatalf("want a permanent error with counts, got %v", err)
	}
	if s.Count(defaultStream) != 4 || h.counter(t, metricFailed) != 2 {
		t.Fatal("the rest must be indexed and the failures counted")
	}
	if !h.logged("NOT indexed") {
		t.Fatal("permanent failures must be logged loudly")
	}
}

func TestExhaustedRetriesHandBackOnlyFailedRecords(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.FailItems(esdouble.ItemRule{Match: esdouble.ByID(eventID(5)), Status: 503})
	h := mustStart(t, testConfig(s.URL))
	err := consume(t, h, cloudTrailLogs(t, 0, 8, ct.BodyMap))
	if err == nil || consumererror.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
	var le consumererror.Logs
	if !errors.As(err, &le) || le.Data().LogRecordCount() != 1 {
		t.Fatalf("the error must carry exactly the undelivered record: %v", err)
	}
	v, _ := le.Data().ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attr.EventID)
	if v.Str() != eventID(5) {
		t.Fatalf("handed back %s", v.Str())
	}
	if got := bulkItems(s); len(got) != 5 || got[0] != 8 || got[4] != 1 {
		t.Fatalf("bulk requests %v: 1 + 4 retry rounds of the failing item", got)
	}

	// A dead-letter file does not change that: a transient answer is
	// never dead-lettered.
	cfg := testConfig(s.URL)
	cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq.ndjson")
	h2 := mustStart(t, cfg)
	err = consume(t, h2, cloudTrailLogs(t, 0, 8, ct.BodyMap))
	if !errors.As(err, &le) || consumererror.IsPermanent(err) || le.Data().LogRecordCount() != 1 {
		t.Fatalf("with a dead-letter file too, the 503 record must be handed back: %v", err)
	}
	if l := readDeadLetter(t, cfg.DeadLetter.Path); len(l) != 0 {
		t.Fatalf("nothing may be dead-lettered for a 503: %v", l)
	}
}

func TestDeadLetterWriteFailureIsRetryable(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.FailItems(esdouble.ItemRule{Match: esdouble.ByID(eventID(0)), Status: 400})
	cfg := testConfig(s.URL)
	cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq.ndjson")
	set := exportertest.NewNopSettings(metadata.Type)
	e, err := newExporter(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.shutdown(context.Background()) }()
	// Swap in a read-only descriptor: every write now fails in the kernel.
	_ = e.dlq.f.Close()
	ro, err := os.Open(cfg.DeadLetter.Path)
	if err != nil {
		t.Fatal(err)
	}
	e.dlq.f = ro
	err = e.pushLogs(context.Background(), cloudTrailLogs(t, 0, 3, ct.BodyMap))
	var le consumererror.Logs
	if err == nil || consumererror.IsPermanent(err) || !errors.As(err, &le) || le.Data().LogRecordCount() != 1 {
		t.Fatalf("an unwritable dead letter must hand the record back: %v", err)
	}
	if s.Count(defaultStream) != 2 {
		t.Fatal("the others are indexed")
	}
}

func TestUnavailableWindowRetriesThenSucceeds(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.BulkRetry = BulkRetryConfig{MaxRetries: 8, InitialInterval: 20 * time.Millisecond, MaxInterval: 80 * time.Millisecond}
	h := mustStart(t, cfg)
	s.FailBulkFor(150*time.Millisecond, 503)
	start := time.Now()
	if err := consume(t, h, cloudTrailLogs(t, 0, 10, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Fatal("retries must back off, not fire immediately")
	}
	if got := bulkItems(s); len(got) < 2 || len(got) > 9 {
		t.Fatalf("bulk requests %v", got)
	}
	if s.Count(defaultStream) != 10 {
		t.Fatal("all documents after the window")
	}
}

func TestUnavailableBeyondRetriesIsRetryable(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.BulkRetry.MaxRetries = 2
	h := mustStart(t, cfg)
	s.FailBulkRequests(100, 429)
	err := consume(t, h, cloudTrailLogs(t, 0, 4, ct.BodyMap))
	var le consumererror.Logs
	if err == nil || consumererror.IsPermanent(err) || !errors.As(err, &le) || le.Data().LogRecordCount() != 4 {
		t.Fatalf("want every record handed back with a retryable error, got %v", err)
	}
	if got := len(bulkItems(s)); got != 3 {
		t.Fatalf("%d requests, want 1 + 2 transport retries", got)
	}
}

func TestTooLargeSplits(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq.ndjson")
	h := mustStart(t, cfg)
	s.SetMaxContentLength(12_000) // about 4 documents
	if err := consume(t, h, cloudTrailLogs(t, 0, 16, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if s.Count(defaultStream) != 16 {
		t.Fatalf("count %d", s.Count(defaultStream))
	}
	ok, tooLarge := 0, 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "_bulk") {
			switch r.Status {
			case 413:
				tooLarge++
			case 200:
				ok++
				if r.DecodedBytes > 12_000 {
					t.Fatalf("a %d-byte request passed", r.DecodedBytes)
				}
			}
		}
	}
	if tooLarge == 0 || ok < 4 {
		t.Fatalf("want 413s then split requests: ok=%d 413=%d", ok, tooLarge)
	}
	// A single document above the limit is dead-lettered, not retried forever.
	s.SetMaxContentLength(100)
	if err := consume(t, h, cloudTrailLogs(t, 100, 1, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if l := readDeadLetter(t, cfg.DeadLetter.Path); len(l) != 1 || l[0]["status"].(float64) != 413 {
		t.Fatalf("dead letter = %v", l)
	}
}

func TestFlushBytesSplitsRequests(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.Flush.Bytes = 8_000
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 20, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Requests() {
		if r.Path == "/_bulk" && r.DecodedBytes > 8_000 {
			t.Fatalf("request of %d bytes above flush::bytes", r.DecodedBytes)
		}
	}
	if n := len(bulkItems(s)); n < 4 || s.Count(defaultStream) != 20 {
		t.Fatalf("%d requests, %d docs", n, s.Count(defaultStream))
	}
}

func TestTransportDropIsRetried(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	s.DropConnections(2)
	if err := consume(t, h, cloudTrailLogs(t, 0, 5, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if s.Count(defaultStream) != 5 || len(bulkItems(s)) != 3 {
		t.Fatalf("count %d after %v", s.Count(defaultStream), bulkItems(s))
	}
}

func TestShutdownFlushesQueue(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	q := exporterhelper.NewDefaultQueueConfig()
	q.Sizer = exporterhelper.RequestSizerTypeItems
	q.QueueSize = 1000
	b := exporterhelper.NewDefaultBatchConfig()
	b.Sizer = exporterhelper.RequestSizerTypeItems
	b.MinSize = 1000
	b.FlushTimeout = time.Hour
	q.Batch = configoptional.Some(b)
	cfg.QueueBatchConfig = configoptional.Some(q)
	h, err := startExporter(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := h.exp.ConsumeLogs(context.Background(), cloudTrailLogs(t, i*10, 10, ct.BodyMap)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Count(defaultStream) != 0 {
		t.Fatal("the batch should still be waiting")
	}
	if err := h.exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(defaultStream); n != 30 {
		t.Fatalf("after shutdown %d documents, want 30", n)
	}
}

func TestRoutingAndPerRecordOverride(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	ld := cloudTrailLogs(t, 0, 4, ct.BodyMap)
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	recs.At(1).Attributes().PutStr("data_stream.namespace", "Prod")
	recs.At(2).Attributes().PutStr("data_stream.dataset", "cloudtrail.iam")
	ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Attributes().PutStr("data_stream.namespace", "team")
	if err := consume(t, h, ld); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"logs-cloudtrail.personalize-team": 2, // scope namespace
		"logs-cloudtrail.personalize-prod": 1, // record beats scope, sanitised
		"logs-cloudtrail.iam-team":         1,
	}
	for ds, n := range want {
		if got := s.Count(ds); got != n {
			t.Errorf("%s: %d docs, want %d (streams %v)", ds, got, n, s.DataStreams())
		}
		if s.TemplateFor(ds) != "cloudtrail-audit" {
			t.Errorf("%s should use the exporter's template", ds)
		}
	}
	d, _ := s.Get("logs-cloudtrail.iam-team", eventID(2))
	if d.Field("data_stream.dataset")[0] != "cloudtrail.iam" || d.Field("data_stream.namespace")[0] != "team" {
		t.Fatal("data_stream fields must match the routing")
	}
}

func TestECSFieldsThroughExporter(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	if err := consume(t, h, cloudTrailLogs(t, 0, 4, ct.BodyJSON)); err != nil {
		t.Fatal(err)
	}
	d, ok := s.Get(defaultStream, eventID(0))
	if !ok {
		t.Fatal("missing")
	}
	checks := map[string]any{
		"@timestamp": "2026-11-20T09:00:00Z", "event.action": "CreateCampaign", "event.provider": "personalize.amazonaws.com",
		"event.outcome": "success", "event.kind": "event", "event.type": "creation", "cloud.account.id": "111122223333",
		"source.ip": "198.51.100.0", "user.name": "PersonalizeAdmin", "tls.version": "1.3",
		"aws.cloudtrail.request_parameters.name": "campaign-0",
		"aws.personalize.resource.arn":           "arn:aws:personalize:us-east-1:111122223333:campaign/campaign-0",
	}
	for f, want := range checks {
		if got := d.Field(f); len(got) == 0 || got[0] != want {
			t.Errorf("%s = %v, want %v", f, got, want)
		}
	}
	var rp map[string]any
	if err := json.Unmarshal([]byte(d.Field("aws.cloudtrail.request_parameters_json")[0].(string)), &rp); err != nil || rp["name"] != "campaign-0" {
		t.Fatalf("request_parameters_json must be real JSON: %v", err)
	}
}

func TestOTelMode(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.Mapping.Mode = "otel"
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 3, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	d, ok := s.Get(defaultStream, eventID(1))
	if !ok {
		t.Fatal("otel mode keeps the eventID as _id")
	}
	if d.Field("event_name")[0] != "ListSolutions" || d.Field("attributes.aws.cloudtrail.event_id")[0] != eventID(1) ||
		d.Field("body.structured.eventName")[0] != "ListSolutions" || d.Field("resource.attributes.cloud.region")[0] != "us-east-1" {
		t.Fatalf("otel document: %s", d.Source)
	}
	if len(d.Field("event.action")) != 0 {
		t.Fatal("otel mode writes no ECS fields")
	}
}

func TestTemplateInstall(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.Templates.ILMPolicy = "logs"
	mustStart(t, cfg)
	raw, ok := s.IndexTemplate("cloudtrail-audit")
	if !ok {
		t.Fatalf("templates %v", s.IndexTemplateNames())
	}
	var it map[string]any
	_ = json.Unmarshal(raw, &it)
	if it["priority"].(float64) != 250 || it["index_patterns"].([]any)[0] != "logs-cloudtrail.*-*" || it["data_stream"] == nil {
		t.Fatalf("index template = %s", raw)
	}
	comp, ok := s.ComponentTemplate("cloudtrail-audit@mappings")
	if !ok || !strings.Contains(string(comp), `"dynamic":false`) || !strings.Contains(string(comp), `"flattened"`) {
		t.Fatalf("mappings component = %s", comp)
	}
	settings, _ := s.ComponentTemplate("cloudtrail-audit@settings")
	if !strings.Contains(string(settings), `"limit":2000`) || !strings.Contains(string(settings), `"lifecycle":{"name":"logs"}`) {
		t.Fatalf("settings component = %s", settings)
	}
	// Installing again (a restart) is idempotent.
	mustStart(t, cfg)
	if raw2, _ := s.IndexTemplate("cloudtrail-audit"); string(raw2) != string(raw) {
		t.Fatal("reinstall changed the template")
	}
}

func TestTemplateForbiddenWarnsAndContinues(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.RejectTemplates(403)
	h := mustStart(t, testConfig(s.URL))
	if !h.logged("manage_index_templates") {
		t.Fatal("a 403 on templates must be a clear warning")
	}
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if s.Count(defaultStream) != 2 || s.TemplateFor(defaultStream) != "logs" {
		t.Fatal("documents still flow, under the built-in template")
	}
}

func TestTemplatesOptOut(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.Templates.Install = false
	mustStart(t, cfg)
	if names := s.ComponentTemplateNames(); len(names) != 0 {
		t.Fatalf("templates::install: false must install nothing, got %v", names)
	}
}

func TestProductCheckFailure(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{Product: "-"})
	_, err := startExporter(t, testConfig(s.URL))
	if err == nil || !strings.Contains(err.Error(), "X-Elastic-Product") {
		t.Fatalf("want a clear product-check error at start, got %v", err)
	}
}

func TestUnreachableAtStartThenRecovers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := testConfig("http://" + addr)
	cfg.BulkRetry.MaxRetries = 1
	h := mustStart(t, cfg)
	if !h.logged("Elasticsearch is not ready at start") {
		t.Fatal("an unreachable cluster is a warning at start")
	}
	err = consume(t, h, cloudTrailLogs(t, 0, 3, ct.BodyMap))
	var le consumererror.Logs
	if err == nil || consumererror.IsPermanent(err) || !errors.As(err, &le) || le.Data().LogRecordCount() != 3 {
		t.Fatalf("want a retryable error holding the batch, got %v", err)
	}
	// The cluster comes up where the exporter points: the next push does
	// the postponed start-up work (product check, templates) first.
	s := esdouble.Start(t, esdouble.Options{Addr: addr})
	if err := consume(t, h, le.Data()); err != nil {
		t.Fatal(err)
	}
	if s.Count(defaultStream) != 3 || s.TemplateFor(defaultStream) != "cloudtrail-audit" {
		t.Fatalf("after recovery: %d docs, template %q", s.Count(defaultStream), s.TemplateFor(defaultStream))
	}
	if !strings.Contains(bulkQuery(s), "require_data_stream=true") {
		t.Fatal("the version check must run once the cluster answers")
	}
}

func bulkQuery(s *esdouble.Server) string {
	for _, r := range s.Requests() {
		if r.Path == "/_bulk" {
			return r.Query
		}
	}
	return ""
}

func TestAPIKeyAuth(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{APIKey: "aWQ6c2VjcmV0"})
	cfg := testConfig(s.URL)
	cfg.APIKey = "aWQ6c2VjcmV0"
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if s.Count(defaultStream) != 2 {
		t.Fatal("api key")
	}
}

func TestGzipOff(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	cfg := testConfig(s.URL)
	cfg.Compression = "none"
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Requests() {
		if r.Path == "/_bulk" && r.ContentEncoding != "" {
			t.Fatal("compression: none must send plain NDJSON")
		}
	}
}

func TestTemplateInstallRetriedAfterTransientFailure(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.RejectTemplates(503)
	cfg := testConfig(s.URL)
	cfg.BulkRetry.MaxRetries = 1
	h := mustStart(t, cfg)
	if !h.logged("no documents are sent until they are") {
		t.Fatal("a 503 on templates must be retried later")
	}
	s.ClearFaults()
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if got := s.TemplateFor(defaultStream); got != "cloudtrail-audit" {
		t.Fatalf("templates must be installed before the first documents, data stream got %q", got)
	}
}

func TestTemplateRejectedIsNotRetried(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.RejectTemplates(400)
	h := mustStart(t, testConfig(s.URL))
	if !h.logged("refused the index templates") {
		t.Fatal("a 400 on templates must be reported")
	}
	puts := func() int {
		n := 0
		for _, r := range s.Requests() {
			if r.Method == "PUT" {
				n++
			}
		}
		return n
	}
	before := puts()
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if puts() != before {
		t.Fatal("a refused template must not be retried on every push")
	}
}
