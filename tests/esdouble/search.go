// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Doc is a stored document, for direct assertions.
type Doc struct {
	// Index is the backing index (.ds-<stream>-<date>-000001) or plain index.
	Index string
	// DataStream is the data stream name ("" for a plain index).
	DataStream string
	ID         string
	Source     json.RawMessage
	parsed     map[string]any
}

// Field returns the values at a dotted path of the document, resolving both
// nested objects and dotted keys, as a search would ("a.b" finds
// {"a":{"b":1}} and {"a.b":1}). Arrays are flattened.
func (d Doc) Field(path string) []any {
	v, _ := lookupField(d.parsed, path)
	return v
}

// Map returns the parsed source.
func (d Doc) Map() map[string]any { return d.parsed }

// Docs returns the documents of every data stream or index matching expr
// (a name, a wildcard pattern or a comma-separated list), in write order.
func (s *Server) Docs(expr string) []Doc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Doc
	for _, ds := range s.targets(expr) {
		for _, d := range ds.docs {
			out = append(out, s.export(ds, d))
		}
	}
	return out
}

// Get returns one document by data stream (or index) and _id.
func (s *Server) Get(index, id string) (Doc, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, ok := s.streams[index]
	if !ok {
		return Doc{}, false
	}
	i, ok := ds.ids[id]
	if !ok {
		return Doc{}, false
	}
	return s.export(ds, ds.docs[i]), true
}

// Count is the number of documents in the targets matching expr.
func (s *Server) Count(expr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ds := range s.targets(expr) {
		n += ds.count
	}
	return n
}

// DataStreams lists data streams and indices that hold documents, sorted.
func (s *Server) DataStreams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.streams))
	for n := range s.streams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *Server) export(ds *dataStream, d storedDoc) Doc {
	out := Doc{Index: ds.backing, ID: d.id, Source: d.raw, parsed: d.parsed}
	if ds.isDataStream {
		out.DataStream = ds.name
	}
	return out
}

// targets resolves an index expression. The caller holds s.mu.
func (s *Server) targets(expr string) []*dataStream {
	seen := map[string]bool{}
	var out []*dataStream
	names := make([]string, 0, len(s.streams))
	for n := range s.streams {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, p := range strings.Split(expr, ",") {
		if p == "_all" {
			p = "*"
		}
		for _, n := range names {
			ds := s.streams[n]
			if !seen[n] && (globMatch(p, n) || globMatch(p, ds.backing)) {
				seen[n] = true
				out = append(out, ds)
			}
		}
	}
	return out
}

type searchRequest struct {
	Query map[string]any `json:"query"`
	Size  *int           `json:"size"`
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request, expr string, count bool) int {
	var req searchRequest
	body, _ := io.ReadAll(r.Body)
	if len(bytes.TrimSpace(body)) > 0 {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&req); err != nil {
			return writeError(w, http.StatusBadRequest, "parsing_exception", err.Error())
		}
	}
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	if v := r.URL.Query().Get("size"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			size = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.targets(expr)
	if len(ts) == 0 && !strings.ContainsAny(expr, "*") {
		return writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+expr+"]")
	}
	var hits []any
	total := 0
	for _, ds := range ts {
		for _, d := range ds.docs {
			if d.parsed == nil && req.Query != nil {
				continue
			}
			ok, err := matches(d.parsed, req.Query)
			if err != nil {
				return writeError(w, http.StatusBadRequest, "parsing_exception", err.Error())
			}
			if !ok {
				continue
			}
			total++
			if len(hits) < size {
				hits = append(hits, map[string]any{"_index": ds.backing, "_id": d.id, "_score": 1.0, "_source": d.raw})
			}
		}
	}
	shards := map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}
	if count {
		return writeJSON(w, http.StatusOK, map[string]any{"count": total, "_shards": shards})
	}
	if hits == nil {
		hits = []any{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"took": 1, "timed_out": false, "_shards": shards,
		"hits": map[string]any{"total": map[string]any{"value": total, "relation": "eq"}, "max_score": 1.0, "hits": hits},
	})
}

// matches evaluates the query subset the double understands: match_all,
// term, terms, exists and bool (must/filter/must_not/should).
func matches(doc map[string]any, q map[string]any) (bool, error) {
	if len(q) == 0 {
		return true, nil
	}
	if len(q) != 1 {
		return false, fmt.Errorf("[query] malformed: expected one query clause, found %d", len(q))
	}
	for typ, body := range q {
		b, _ := body.(map[string]any)
		switch typ {
		case "match_all":
			return true, nil
		case "term", "terms", "exists":
			return leafMatch(doc, typ, b)
		case "bool":
			return boolMatch(doc, b)
		default:
			return false, fmt.Errorf("esdouble: unsupported query [%s]", typ)
		}
	}
	return false, nil
}

func leafMatch(doc map[string]any, typ string, b map[string]any) (bool, error) {
	if typ == "exists" {
		f, _ := b["field"].(string)
		v, ok := lookupField(doc, f)
		return ok && len(v) > 0, nil
	}
	for field, want := range b {
		if m, ok := want.(map[string]any); ok && typ == "term" {
			want = m["value"]
		}
		got, _ := lookupField(doc, field)
		wants := []any{want}
		if typ == "terms" {
			arr, ok := want.([]any)
			if !ok {
				return false, fmt.Errorf("[terms] query requires an array for [%s]", field)
			}
			wants = arr
		}
		for _, g := range got {
			for _, w := range wants {
				if scalarEqual(g, w) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	return false, nil
}

func boolMatch(doc map[string]any, b map[string]any) (bool, error) {
	clauses := func(k string) []map[string]any {
		var out []map[string]any
		switch v := b[k].(type) {
		case map[string]any:
			out = append(out, v)
		case []any:
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
		return out
	}
	for _, k := range []string{"must", "filter"} {
		for _, c := range clauses(k) {
			if ok, err := matches(doc, c); err != nil || !ok {
				return false, err
			}
		}
	}
	for _, c := range clauses("must_not") {
		if ok, err := matches(doc, c); err != nil || ok {
			return false, err
		}
	}
	if sh := clauses("should"); len(sh) > 0 {
		for _, c := range sh {
			if ok, err := matches(doc, c); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return true, nil
}

func scalarEqual(a, b any) bool {
	return scalarString(a) == scalarString(b)
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "\x00null"
	}
	return fmt.Sprint(v)
}

// lookupField resolves a dotted path through nested objects and dotted keys
// and returns the leaf values (arrays flattened) and whether the path exists.
func lookupField(doc map[string]any, path string) ([]any, bool) {
	if doc == nil {
		return nil, false
	}
	var out []any
	found := false
	var walk func(v any, rest string)
	walk = func(v any, rest string) {
		if rest == "" {
			found = true
			appendFlat(&out, v)
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == rest {
					walk(child, "")
				} else if strings.HasPrefix(rest, k+".") {
					walk(child, rest[len(k)+1:])
				}
			}
		case []any:
			for _, e := range x {
				walk(e, rest)
			}
		}
	}
	walk(doc, path)
	return out, found
}

func appendFlat(out *[]any, v any) {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			appendFlat(out, e)
		}
		return
	}
	*out = append(*out, v)
}

// DeleteDataStreams removes every data stream and index with their
// documents (templates stay), like DELETE /_data_stream/*. Benchmarks use
// it to keep the double's memory flat between rounds.
func (s *Server) DeleteDataStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.streams)
}
