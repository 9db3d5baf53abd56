// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package benchsink holds the fast receiving ends of `make bench`: an
// Elasticsearch _bulk stand-in and an OTLP/HTTP logs sink. Unlike
// tests/esdouble they keep nothing and check little, so that they are never
// the bottleneck of a throughput run; they still read every request whole
// and answer it the way the real server does (the _bulk stand-in parses the
// NDJSON and answers per item, the OTLP sink unmarshals the request), and
// they count what arrived.
package benchsink // import "github.com/personalize-audit/otelcol-personalize/tests/benchsink"

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// Counts is what a sink received.
type Counts struct {
	events   atomic.Int64
	requests atomic.Int64
	bad      atomic.Int64
}

// Events is the number of documents (log records) accepted.
func (c *Counts) Events() int64 { return c.events.Load() }

// Requests is the number of bulk or export requests answered.
func (c *Counts) Requests() int64 { return c.requests.Load() }

// Bad is the number of requests refused as malformed.
func (c *Counts) Bad() int64 { return c.bad.Load() }

// bodies reads request bodies (gzip or not) into pooled buffers.
type bodies struct {
	bufs sync.Pool // *bytes.Buffer
	gzs  sync.Pool // *gzip.Reader
}

func (p *bodies) read(r *http.Request) (*bytes.Buffer, error) {
	buf, _ := p.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	var src io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, _ := p.gzs.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(r.Body)
		} else {
			err = zr.Reset(r.Body)
		}
		if err != nil {
			p.bufs.Put(buf)
			return nil, err
		}
		defer p.gzs.Put(zr)
		src = zr
	}
	if _, err := buf.ReadFrom(src); err != nil {
		p.bufs.Put(buf)
		return nil, err
	}
	return buf, nil
}

// Bulk is the Elasticsearch stand-in: GET / (product check), template PUTs,
// and POST /_bulk, answered per item with 201 created.
type Bulk struct {
	Counts
	bodies bodies
	answer sync.Pool // *bytes.Buffer
}

// NewBulk returns the _bulk stand-in.
func NewBulk() *Bulk { return &Bulk{} }

// ServeHTTP implements http.Handler.
func (s *Bulk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		_, _ = io.WriteString(w, `{"name":"benchsink","cluster_name":"benchsink","cluster_uuid":"benchsink-0","version":{"number":"8.17.0","build_flavor":"default","lucene_version":"9.12.0","minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}`)
	case strings.HasSuffix(r.URL.Path, "/_bulk") && r.Method == http.MethodPost:
		s.bulk(w, r)
	case r.Method == http.MethodPut && (strings.HasPrefix(r.URL.Path, "/_index_template/") || strings.HasPrefix(r.URL.Path, "/_component_template/")):
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"acknowledged":true}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"type":"illegal_argument_exception","reason":"benchsink: no handler for %s %s"},"status":404}`, r.Method, r.URL.Path)
	}
}

// bulk parses the NDJSON (an action line, then a source line for create
// and index) and answers each action in order.
func (s *Bulk) bulk(w http.ResponseWriter, r *http.Request) {
	buf, err := s.bodies.read(r)
	if err != nil {
		s.bad.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"type":"parse_exception","reason":%q},"status":400}`, err.Error())
		return
	}
	defer s.bodies.bufs.Put(buf)
	ans, _ := s.answer.Get().(*bytes.Buffer)
	if ans == nil {
		ans = new(bytes.Buffer)
	}
	ans.Reset()
	defer s.answer.Put(ans)
	ans.WriteString(`{"errors":false,"took":1,"items":[`)
	data := buf.Bytes()
	n := 0
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(line) == 0 {
			continue
		}
		op, ok := action(line)
		if !ok {
			s.bad.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"type":"illegal_argument_exception","reason":"Malformed action/metadata line [%d]"},"status":400}`, n+1)
			return
		}
		if op != "delete" {
			src, rest, _ := bytes.Cut(data, []byte{'\n'})
			data = rest
			if len(src) == 0 || src[0] != '{' || src[len(src)-1] != '}' {
				s.bad.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":{"type":"parse_exception","reason":"source is not a JSON object"},"status":400}`)
				return
			}
		}
		if n > 0 {
			ans.WriteByte(',')
		}
		ans.WriteString(`{"`)
		ans.WriteString(op)
		ans.WriteString(`":{"status":201,"result":"created"}}`)
		n++
	}
	ans.WriteString("]}")
	s.events.Add(int64(n))
	s.requests.Add(1)
	_, _ = w.Write(ans.Bytes())
}

// action returns the operation of a bulk action line ({"create":{...}}).
func action(line []byte) (string, bool) {
	for _, op := range []string{"create", "index", "delete", "update"} {
		if bytes.HasPrefix(line, []byte(`{"`+op+`":`)) && line[len(line)-1] == '}' {
			return op, true
		}
	}
	return "", false
}

// OTLP is the OTLP/HTTP logs sink (JSON or protobuf).
type OTLP struct {
	Counts
	bodies bodies
}

// NewOTLP returns the OTLP sink.
func NewOTLP() *OTLP { return &OTLP{} }

// ServeHTTP implements http.Handler.
func (s *OTLP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/logs" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	buf, err := s.bodies.read(r)
	if err != nil {
		s.bad.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer s.bodies.bufs.Put(buf)
	json := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	var n int
	if json {
		n, err = countJSONLogRecords(buf.Bytes())
	} else {
		req := plogotlp.NewExportRequest()
		err = req.UnmarshalProto(buf.Bytes())
		n = req.Logs().LogRecordCount()
	}
	if err != nil {
		s.bad.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.events.Add(int64(n))
	s.requests.Add(1)
	if json {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// observedKey is a member of every log record the receiver writes, in the
// OTLP JSON encoding. Map keys are written as {"key":...} there, so it
// cannot appear followed by a colon anywhere else.
var observedKey = []byte(`"observedTimeUnixNano":`)

// countJSONLogRecords counts the log records of an OTLP/JSON request by
// their observedTimeUnixNano members. Decoding the request with pdata cost
// the sink more CPU than the collector spent producing it, so the sink, not
// the collector, set the pace of the benchmark; the e2e tests decode
// everything.
func countJSONLogRecords(body []byte) (int, error) {
	b := bytes.TrimSpace(body)
	if !bytes.HasPrefix(b, []byte(`{"resourceLogs":`)) || !bytes.HasSuffix(b, []byte("}")) {
		return 0, errors.New("not an OTLP/JSON logs request")
	}
	return bytes.Count(b, observedKey), nil
}
