// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

const (
	contentTypeJSON     = "application/json"
	contentTypeProtobuf = "application/x-protobuf"
	maxRequestBody      = 64 << 20
)

// receivedLog is one log record that arrived at the sink, flattened with its
// resource and scope.
type receivedLog struct {
	Resource     map[string]any
	ScopeName    string
	Attributes   map[string]any
	EventName    string
	Timestamp    pcommon.Timestamp
	Observed     pcommon.Timestamp
	Severity     plog.SeverityNumber
	SeverityText string
	Body         pcommon.Value
	ContentType  string // of the request that carried it
}

func (r receivedLog) attrString(key string) (string, bool) {
	v, ok := r.Attributes[key]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

func (r receivedLog) resourceString(key string) (string, bool) {
	v, ok := r.Resource[key]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// otlpSink is an OTLP/HTTP logs receiver on 127.0.0.1 that keeps every log
// record it is sent. It accepts POST /v1/logs with application/json or
// application/x-protobuf bodies, optionally gzip-compressed.
type otlpSink struct {
	srv *httptest.Server

	mu       sync.Mutex
	records  []receivedLog
	requests int
	errs     []string
	changed  chan struct{} // closed and replaced whenever records grow

	// down makes /v1/logs answer 503 without reading the request, as a
	// backend in an outage does; refused counts those answers.
	down    atomic.Bool
	refused atomic.Int64
	// latency delays every answer, like a loaded backend (SetLatency).
	latency atomic.Int64
	// perID counts the records of each aws.cloudtrail.event_id.
	perID map[string]int
}

// SetLatency makes every /v1/logs answer wait d before the records count
// as received (0: none).
func (s *otlpSink) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Distinct returns how many different eventIDs arrived, and how many
// records in all.
func (s *otlpSink) Distinct() (distinct, records int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.perID), len(s.records)
}

// SetDown switches the outage on or off.
func (s *otlpSink) SetDown(down bool) { s.down.Store(down) }

// Refused is the number of requests answered 503 while down.
func (s *otlpSink) Refused() int64 { return s.refused.Load() }

func newOTLPSink(t testing.TB) *otlpSink {
	t.Helper()
	s := &otlpSink{changed: make(chan struct{}), perID: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", s.handleLogs)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	s.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to give an otlphttp exporter as its endpoint.
func (s *otlpSink) URL() string { return s.srv.URL }

func (s *otlpSink) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

func (s *otlpSink) handleLogs(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		s.refused.Add(1)
		http.Error(w, "backend down", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost {
		s.fail("%s /v1/logs: method not allowed", r.Method)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxRequestBody)
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		gz, err := gzip.NewReader(body)
		if err != nil {
			s.fail("bad gzip body: %v", err)
			http.Error(w, "bad gzip body", http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	default:
		s.fail("unsupported Content-Encoding %q", enc)
		http.Error(w, "unsupported content encoding", http.StatusUnsupportedMediaType)
		return
	}
	data, err := io.ReadAll(body)
	if err != nil {
		s.fail("read body: %v", err)
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}

	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = r.Header.Get("Content-Type")
	}
	req := plogotlp.NewExportRequest()
	resp := plogotlp.NewExportResponse()
	var respBody []byte
	switch mediaType {
	case contentTypeJSON:
		err = req.UnmarshalJSON(data)
		if err == nil {
			respBody, err = resp.MarshalJSON()
		}
	case contentTypeProtobuf:
		err = req.UnmarshalProto(data)
		if err == nil {
			respBody, err = resp.MarshalProto()
		}
	default:
		s.fail("unsupported Content-Type %q", r.Header.Get("Content-Type"))
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	if err != nil {
		s.fail("decode %s request (%d bytes): %v", mediaType, len(data), err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}

	if d := time.Duration(s.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return // the client gave up: nothing counts as received
		}
	}
	s.add(req.Logs(), mediaType)
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(respBody)
}

func (s *otlpSink) add(ld plog.Logs, contentType string) {
	var recs []receivedLog
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes().AsRaw()
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				body := pcommon.NewValueEmpty()
				lr.Body().CopyTo(body)
				recs = append(recs, receivedLog{
					Resource:     res,
					ScopeName:    sl.Scope().Name(),
					Attributes:   lr.Attributes().AsRaw(),
					EventName:    lr.EventName(),
					Timestamp:    lr.Timestamp(),
					Observed:     lr.ObservedTimestamp(),
					Severity:     lr.SeverityNumber(),
					SeverityText: lr.SeverityText(),
					Body:         body,
					ContentType:  contentType,
				})
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(recs) > 0 {
		s.records = append(s.records, recs...)
		for _, r := range recs {
			if id, ok := r.attrString("aws.cloudtrail.event_id"); ok {
				s.perID[id]++
			}
		}
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// Records returns a copy of everything received so far.
func (s *otlpSink) Records() []receivedLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedLog(nil), s.records...)
}

// Len is the number of log records received so far.
func (s *otlpSink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// Errors returns the problems seen with requests (bad paths, bodies, types).
func (s *otlpSink) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// WaitForLen waits until at least n records have arrived or timeout passes,
// and reports whether they did.
func (s *otlpSink) WaitForLen(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		have, changed := len(s.records), s.changed
		s.mu.Unlock()
		if have >= n {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// --- tests of the sink itself (no binary needed) ---------------------------

func TestOTLPSink(t *testing.T) {
	sink := newOTLPSink(t)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("cloud.provider", "aws")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr("aws.cloudtrail.event_id", "id-1")
	lr.SetEventName("CreateDataset")
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Unix(1700000000, 0)))
	lr.Body().SetStr("hello")
	req := plogotlp.NewExportRequestFromLogs(ld)

	jsonBody, err := req.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	protoBody, err := req.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	gzipped := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	post := func(contentType, encoding string, body []byte, wantStatus int) {
		t.Helper()
		hr, err := http.NewRequest(http.MethodPost, sink.URL()+"/v1/logs", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Content-Type", contentType)
		if encoding != "" {
			hr.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		respBody, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != wantStatus {
			t.Fatalf("POST %s/%s: status %d, want %d (%s)", contentType, encoding, resp.StatusCode, wantStatus, respBody)
		}
		if wantStatus == http.StatusOK {
			er := plogotlp.NewExportResponse()
			if strings.HasPrefix(contentType, contentTypeJSON) {
				err = er.UnmarshalJSON(respBody)
			} else {
				err = er.UnmarshalProto(respBody)
			}
			if err != nil {
				t.Fatalf("response is not an ExportLogsServiceResponse: %v", err)
			}
		}
	}
	post(contentTypeJSON, "", jsonBody, http.StatusOK)
	post(contentTypeJSON+"; charset=utf-8", "gzip", gzipped(jsonBody), http.StatusOK)
	post(contentTypeProtobuf, "", protoBody, http.StatusOK)
	post(contentTypeProtobuf, "gzip", gzipped(protoBody), http.StatusOK)

	if !sink.WaitForLen(4, time.Second) {
		t.Fatalf("got %d records, want 4", sink.Len())
	}
	for i, r := range sink.Records() {
		if id, _ := r.attrString("aws.cloudtrail.event_id"); id != "id-1" || r.EventName != "CreateDataset" ||
			r.Severity != plog.SeverityNumberError || r.Timestamp.AsTime().Unix() != 1700000000 ||
			r.Body.Str() != "hello" || r.Resource["cloud.provider"] != "aws" {
			t.Errorf("record %d = %+v", i, r)
		}
	}
	if errs := sink.Errors(); len(errs) != 0 {
		t.Fatalf("unexpected sink errors: %v", errs)
	}

	post("text/plain", "", jsonBody, http.StatusUnsupportedMediaType)
	post(contentTypeJSON, "br", jsonBody, http.StatusUnsupportedMediaType)
	post(contentTypeProtobuf, "", []byte("not protobuf \xff\xff\xff"), http.StatusBadRequest)
	if n := len(sink.Errors()); n != 3 {
		t.Errorf("sink recorded %d errors, want 3: %v", n, sink.Errors())
	}
	if sink.Len() != 4 {
		t.Errorf("bad requests added records: %d", sink.Len())
	}

	sink.SetDown(true)
	post(contentTypeJSON, "", jsonBody, http.StatusServiceUnavailable)
	sink.SetDown(false)
	if sink.Refused() != 1 || sink.Len() != 4 {
		t.Errorf("while down: %d refused (want 1), %d records (want 4)", sink.Refused(), sink.Len())
	}
	post(contentTypeJSON, "", jsonBody, http.StatusOK)
	if sink.Len() != 5 {
		t.Errorf("after the outage: %d records, want 5", sink.Len())
	}
}
