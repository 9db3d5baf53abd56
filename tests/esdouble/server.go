// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Options configure a Server. The zero value is a well-behaved Elasticsearch
// 8.17 with the built-in `logs` index template (pattern logs-*-*, priority
// 100) installed, as a fresh cluster has.
type Options struct {
	// Version is reported by GET / (default "8.17.0").
	Version string
	// Product, when set, replaces the X-Elastic-Product header value; set it
	// to "-" to send no header at all (a proxy or another product).
	Product string
	// NoBuiltinLogsTemplate leaves out the built-in `logs` template, so that
	// only templates PUT by the client make data streams.
	NoBuiltinLogsTemplate bool
	// APIKey, User and Password, when set, are required on every request
	// (Authorization: ApiKey <APIKey> or Basic user:password); otherwise 401.
	APIKey         string
	User, Password string
	// Addr, when set, is the host:port to listen on (to bring a cluster
	// "back" where a client already points); default: a free port.
	Addr string
	// Serverless answers GET / with build_flavor "serverless" and refuses
	// ILM settings (index.lifecycle.*) in templates, as Elastic Cloud
	// Serverless does.
	Serverless bool
	// DiscardSources keeps only _ids and counts, not documents: sources are
	// only checked to be delimited as objects ({...}), not parsed, stored or
	// validated against mappings. Benchmarks use it so that the double costs
	// little CPU.
	DiscardSources bool
}

// Server is the double. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string

	opts Options
	srv  *httptest.Server

	mu         sync.Mutex
	components map[string]json.RawMessage
	templates  map[string]*indexTemplate
	streams    map[string]*dataStream
	faults     faults
	requests   []RequestInfo

	bulkRequests atomic.Int64
	conflicts    atomic.Int64
	seq          atomic.Int64
}

// RequestInfo records one request for assertions.
type RequestInfo struct {
	Method, Path, Query string
	ContentEncoding     string
	// BodyBytes is the body size on the wire, DecodedBytes after gunzip.
	BodyBytes, DecodedBytes int
	Status                  int
	// Items is the number of bulk items (action lines) in a _bulk request.
	Items int
}

// New starts a double. Close it when done (Start does that for you).
func New(opts Options) *Server {
	if opts.Version == "" {
		opts.Version = "8.17.0"
	}
	s := &Server{
		opts:       opts,
		components: map[string]json.RawMessage{},
		templates:  map[string]*indexTemplate{},
		streams:    map[string]*dataStream{},
	}
	if !opts.NoBuiltinLogsTemplate {
		s.templates["logs"] = builtinLogsTemplate()
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.Addr != "" {
		l, err := net.Listen("tcp", opts.Addr)
		if err != nil {
			panic(fmt.Sprintf("esdouble: listen on %s: %v", opts.Addr, err))
		}
		_ = s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// Start is New plus t.Cleanup(Close).
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and closes open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns a copy of every request seen so far, in order.
func (s *Server) Requests() []RequestInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestInfo(nil), s.requests...)
}

// BulkRequests is the number of _bulk requests received (faulted ones too).
func (s *Server) BulkRequests() int { return int(s.bulkRequests.Load()) }

// Conflicts is the number of bulk items answered 409: a create of an _id
// the data stream already holds (a repeat, not a second document).
func (s *Server) Conflicts() int { return int(s.conflicts.Load()) }

func (s *Server) record(ri RequestInfo) {
	s.mu.Lock()
	s.requests = append(s.requests, ri)
	s.mu.Unlock()
}

func (s *Server) setHeaders(w http.ResponseWriter) {
	switch s.opts.Product {
	case "":
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	case "-":
	default:
		w.Header().Set("X-Elastic-Product", s.opts.Product)
	}
	w.Header().Set("Content-Type", "application/json")
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.APIKey == "" && s.opts.User == "" {
		return true
	}
	// Auth schemes are case-insensitive (RFC 7235): the Go client sends
	// "APIKey", Elastic's docs write "ApiKey".
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if s.opts.APIKey != "" && strings.EqualFold(scheme, "apikey") && cred == s.opts.APIKey {
		return true
	}
	if s.opts.User != "" {
		u, p, ok := r.BasicAuth()
		return ok && u == s.opts.User && p == s.opts.Password
	}
	return false
}

// serve routes a request. Paths are matched by their segments, the way
// Elasticsearch's REST layer does, so /{index}/_bulk and /_bulk both work.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	ri := RequestInfo{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, ContentEncoding: r.Header.Get("Content-Encoding")}
	status := s.dispatch(w, r, &ri)
	ri.Status = status
	s.record(ri)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, ri *RequestInfo) int {
	s.setHeaders(w)
	if !s.authorized(r) {
		return writeError(w, http.StatusUnauthorized, "security_exception", "missing authentication credentials for REST request ["+r.URL.Path+"]")
	}
	if status, ok := s.faults.allFault(); ok {
		return writeError(w, status, "cluster_block_exception", "injected fault: "+http.StatusText(status))
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	last := ""
	if len(segs) > 0 {
		last = segs[len(segs)-1]
	}
	switch {
	case len(segs) == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		return s.handleInfo(w)
	case last == "_bulk" && len(segs) <= 2 && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		defaultIndex := ""
		if len(segs) == 2 {
			defaultIndex = segs[0]
		}
		return s.handleBulk(w, r, defaultIndex, ri)
	case len(segs) == 2 && segs[0] == "_index_template":
		return s.handleIndexTemplate(w, r, segs[1])
	case len(segs) == 2 && segs[0] == "_component_template":
		return s.handleComponentTemplate(w, r, segs[1])
	case len(segs) == 2 && (last == "_count" || last == "_search") && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		return s.handleQuery(w, r, segs[0], last == "_count")
	case len(segs) <= 2 && last == "_refresh" && (r.Method == http.MethodPost || r.Method == http.MethodGet):
		// Writes are visible at once in the double; answer like a refresh.
		return writeJSON(w, http.StatusOK, map[string]any{"_shards": map[string]any{"total": 1, "successful": 1, "failed": 0}})
	case len(segs) == 2 && segs[0] == "_data_stream" && r.Method == http.MethodGet:
		return s.handleGetDataStream(w, segs[1])
	}
	return writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception",
		fmt.Sprintf("no handler found for uri [%s] and method [%s]", r.URL.Path, r.Method))
}

func (s *Server) handleInfo(w http.ResponseWriter) int {
	flavor := "default"
	if s.opts.Serverless {
		flavor = "serverless"
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"name":         "esdouble",
		"cluster_name": "esdouble",
		"cluster_uuid": "esdouble-0000",
		"version": map[string]any{
			"number":                              s.opts.Version,
			"build_flavor":                        flavor,
			"lucene_version":                      "9.12.0",
			"minimum_wire_compatibility_version":  "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own values are marshalled
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}

// writeError writes Elasticsearch's error envelope.
func writeError(w http.ResponseWriter, status int, typ, reason string) int {
	cause := map[string]any{"type": typ, "reason": reason}
	return writeJSON(w, status, map[string]any{
		"error":  map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason},
		"status": status,
	})
}

func now() time.Time { return time.Now().UTC() }
