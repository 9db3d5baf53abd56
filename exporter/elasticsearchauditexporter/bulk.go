// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/klauspost/compress/gzip"
)

// item is one document of a push: its action and source lines live in the
// batch arena (offsets, because the arena grows while encoding).
type item struct {
	index, id       string
	start, mid, end int // action line [start,mid), source line [mid,end), both ending in \n
	// rl, sl, lr locate the record in the pushed plog.Logs, so that the
	// records still undelivered can be handed back to the queue.
	rl, sl, lr int32

	status int
	errRaw json.RawMessage
	state  itemState
}

type itemState uint8

const (
	statePending   itemState = iota
	stateIndexed             // 200/201
	stateDuplicate           // 409 version_conflict_engine_exception
	stateRetry               // 429 or 5xx: send again
	stateFailed              // rejected for good
)

// batch is the encoded form of one push.
type batch struct {
	arena []byte
	items []item
}

func (b *batch) source(i int) []byte { it := &b.items[i]; return b.arena[it.mid : it.end-1] }
func (b *batch) lines(i int) []byte  { it := &b.items[i]; return b.arena[it.start:it.end] }

// bulkFilterPath keeps only what the exporter reads from a _bulk response,
// which makes a 5,000-item answer a few dozen KB instead of a megabyte.
const bulkFilterPath = "errors,items.*.error,items.*.status,items.*._id"

// requestError is a failure of a whole _bulk request; the documents in it
// are undelivered, not rejected.
type requestError struct {
	err error
	// retry: worth sending again in the next round (no answer, 429, 502,
	// 503, 504); otherwise the push hands the documents back at once.
	retry bool
	// unreachable: no HTTP answer at all, so the cluster may come back as
	// a fresh one, without our templates (see markUnready).
	unreachable bool
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// sender sends batches with _bulk.
type sender struct {
	es         *elasticsearch.Client
	gzipLevel  int
	flushBytes int
	requireDS  atomic.Bool // set once the cluster version is known; read by concurrent pushes
	metrics    *metrics
	pool       sync.Pool // *bytes.Buffer for request bodies
	gzPool     sync.Pool // *gzip.Writer
}

func (s *sender) getBuf() *bytes.Buffer {
	if b, ok := s.pool.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (s *sender) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 2*s.flushBytes+(1<<20) {
		s.pool.Put(b)
	}
}

// chunks splits idx into runs whose NDJSON fits flushBytes; a document
// larger than flushBytes goes alone.
func (s *sender) chunks(b *batch, idx []int) [][]int {
	var out [][]int
	start, size := 0, 0
	for i, k := range idx {
		n := b.items[k].end - b.items[k].start
		if i > start && size+n > s.flushBytes {
			out = append(out, idx[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(idx) {
		out = append(out, idx[start:])
	}
	return out
}

// sendAll sends the given items in chunks and records each item's outcome.
// It stops at the first request that fails for good and returns that error;
// items not reached stay pending.
func (s *sender) sendAll(ctx context.Context, b *batch, idx []int) error {
	for _, c := range s.chunks(b, idx) {
		if err := s.send(ctx, b, c); err != nil {
			return err
		}
	}
	return nil
}

// send sends one chunk. A 413 splits it in halves, recursively; a single
// document that alone is too large is rejected for good.
func (s *sender) send(ctx context.Context, b *batch, idx []int) error {
	status, body, err := s.post(ctx, b, idx)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		if len(idx) == 1 {
			it := &b.items[idx[0]]
			it.state, it.status = stateFailed, status
			it.errRaw = json.RawMessage(`{"type":"request_entity_too_large","reason":"the document alone exceeds the cluster's http.max_content_length"}`)
			return nil
		}
		half := len(idx) / 2
		if err := s.send(ctx, b, idx[:half]); err != nil {
			return err
		}
		return s.send(ctx, b, idx[half:])
	case status >= 200 && status < 300:
		return s.readItems(b, idx, body)
	case status == http.StatusBadRequest && isElasticsearchError(body):
		// Elasticsearch refused the request as a whole (malformed NDJSON,
		// an invalid parameter): sending it again cannot succeed. A 400
		// without Elasticsearch's error object is a proxy's, and is retried
		// below like any other answer that is not Elasticsearch's verdict.
		raw := errorObject(body)
		for _, k := range idx {
			it := &b.items[k]
			it.state, it.status, it.errRaw = stateFailed, status, raw
		}
		return nil
	default:
		// 429/502/503/504 (retried by deliver), other 5xx, 401/403
		// (credentials may be fixed), 404 (a proxy path): the documents
		// stay undelivered.
		return &requestError{err: fmt.Errorf("_bulk answered HTTP %d: %s", status, errorSummary(body)), retry: retryStatus(status) || status == http.StatusBadRequest}
	}
}

// post builds the gzip NDJSON body and performs the request.
func (s *sender) post(ctx context.Context, b *batch, idx []int) (int, []byte, error) {
	buf := s.getBuf()
	defer s.putBuf(buf)
	raw := 0
	if s.gzipLevel > 0 {
		zw, _ := s.gzPool.Get().(*gzip.Writer)
		if zw == nil {
			var err error
			if zw, err = gzip.NewWriterLevel(buf, s.gzipLevel); err != nil {
				return 0, nil, err
			}
		} else {
			zw.Reset(buf)
		}
		for _, k := range idx {
			l := b.lines(k)
			raw += len(l)
			_, _ = zw.Write(l)
		}
		if err := zw.Close(); err != nil {
			return 0, nil, err
		}
		s.gzPool.Put(zw)
	} else {
		for _, k := range idx {
			l := b.lines(k)
			raw += len(l)
			buf.Write(l)
		}
	}
	path := "/_bulk?filter_path=" + bulkFilterPath
	if s.requireDS.Load() {
		path += "&require_data_stream=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if s.gzipLevel > 0 {
		req.Header.Set("Content-Encoding", "gzip")
	}
	s.metrics.add(ctx, s.metrics.bulkBytes, buf.Len(), bytesWire)
	s.metrics.add(ctx, s.metrics.bulkBytes, raw, bytesRaw)
	res, err := s.es.Perform(req)
	if err != nil {
		s.metrics.add(ctx, s.metrics.bulkRequests, 1, outcomeError)
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if isProductCheckError(err) {
			return 0, nil, &requestError{err: fmt.Errorf("_bulk request failed: %w (%v)", errNotElasticsearch, err)}
		}
		return 0, nil, &requestError{err: fmt.Errorf("_bulk request failed: %w", err), retry: true, unreachable: true}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		s.metrics.add(ctx, s.metrics.bulkRequests, 1, outcomeError)
		return 0, nil, &requestError{err: fmt.Errorf("reading the _bulk response: %w", err), retry: true, unreachable: true}
	}
	switch {
	case res.StatusCode == http.StatusRequestEntityTooLarge:
		s.metrics.add(ctx, s.metrics.bulkRequests, 1, outcomeTooLarge)
	case res.StatusCode >= 200 && res.StatusCode < 300:
		s.metrics.add(ctx, s.metrics.bulkRequests, 1, outcomeOK)
	default:
		s.metrics.add(ctx, s.metrics.bulkRequests, 1, outcomeError)
	}
	return res.StatusCode, body, nil
}

// bulkResponse is the filtered _bulk response.
type bulkResponse struct {
	Errors bool                        `json:"errors"`
	Items  []map[string]bulkItemResult `json:"items"`
}

type bulkItemResult struct {
	ID     string          `json:"_id"`
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

var (
	fastOK    = []byte(`{"errors":false`)
	statusKey = []byte(`"status":`)
)

// readItems applies a 2xx _bulk response to the chunk's items, by position.
func (s *sender) readItems(b *batch, idx []int, body []byte) error {
	// The fast path still counts the items: a proxy or a broken cluster
	// answering {"errors":false,"items":[]} has stored nothing.
	if bytes.HasPrefix(body, fastOK) && bytes.Count(body, statusKey) == len(idx) {
		for _, k := range idx {
			b.items[k].state, b.items[k].status = stateIndexed, http.StatusCreated
		}
		return nil
	}
	var r bulkResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return &requestError{err: fmt.Errorf("unparseable _bulk response (%s): %w", errorSummary(body), err), retry: true}
	}
	if len(r.Items) != len(idx) {
		// Success for documents it does not list would lose them: the
		// request is sent again (create by _id makes that harmless).
		return &requestError{err: fmt.Errorf("_bulk response lists %d items for %d documents sent", len(r.Items), len(idx)), retry: true}
	}
	for i, m := range r.Items {
		it := &b.items[idx[i]]
		var res bulkItemResult
		for _, v := range m {
			res = v
		}
		it.status, it.errRaw = res.Status, res.Error
		it.state = classifyItem(res)
	}
	return nil
}

// classifyItem decides an item's fate from its status.
func classifyItem(r bulkItemResult) itemState {
	switch {
	case r.Status >= 200 && r.Status < 300:
		return stateIndexed
	case r.Status == http.StatusConflict && errorType(r.Error) == "version_conflict_engine_exception":
		return stateDuplicate
	case r.Status == http.StatusTooManyRequests || r.Status >= 500:
		return stateRetry
	}
	return stateFailed
}

// errorType reads error.type from an item or request error object.
func errorType(raw json.RawMessage) string {
	var e struct {
		Type string `json:"type"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &e) != nil {
		return ""
	}
	return e.Type
}

// errorObject extracts the `error` object of an Elasticsearch error
// response, or wraps a non-JSON body.
func errorObject(body []byte) json.RawMessage {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		if e.Error[0] == '{' {
			return e.Error
		}
		b, _ := json.Marshal(map[string]json.RawMessage{"type": json.RawMessage(`"error"`), "reason": e.Error})
		return b
	}
	b, _ := json.Marshal(map[string]string{"type": "http_error", "reason": truncate(body, 1024)})
	return b
}

// errorSummary is error.type and error.reason of an error response, for
// logs and error messages (a request-level error carries no document data).
func errorSummary(body []byte) string {
	var e struct {
		Error struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Type != "" {
		return e.Error.Type + ": " + e.Error.Reason
	}
	return truncate(body, 256)
}

// isElasticsearchError reports whether body is Elasticsearch's own error
// answer ({"error":{"type":...},"status":N}), as opposed to a proxy's page.
func isElasticsearchError(body []byte) bool {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
		Status int `json:"status"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error.Type != "" && e.Status != 0
}
