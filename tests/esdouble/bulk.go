// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// dataStream is a data stream (or, when no template matched, a plain index)
// and its documents.
type dataStream struct {
	name, template, backing string
	isDataStream            bool
	mappings                map[string]any
	lifecycle               json.RawMessage // composed template.lifecycle, nil when none
	ilmPolicy               string          // composed index.lifecycle.name
	ids                     map[string]int  // _id -> index in docs
	docs                    []storedDoc
	count                   int
}

type storedDoc struct {
	id     string
	raw    json.RawMessage
	parsed map[string]any
}

// bulkLine is one action: the op, its metadata and its source line.
type bulkLine struct {
	op     string
	index  string
	id     string
	source []byte
}

// errBulkRequest is a request-level failure (400 for the whole request).
type errBulkRequest struct{ typ, reason string }

func (e *errBulkRequest) Error() string { return e.reason }

// actionMeta lists the metadata fields Elasticsearch accepts on an action
// line; any other field is refused, as Elasticsearch does.
type actionMeta struct {
	Index                 string          `json:"_index"`
	ID                    string          `json:"_id"`
	Routing               string          `json:"routing"`
	Pipeline              string          `json:"pipeline"`
	RequireAlias          bool            `json:"require_alias"`
	RequireDataStream     bool            `json:"require_data_stream"`
	DynamicTemplates      json.RawMessage `json:"dynamic_templates"`
	IfSeqNo               *int64          `json:"if_seq_no"`
	IfPrimaryTerm         *int64          `json:"if_primary_term"`
	Version               *int64          `json:"version"`
	VersionType           string          `json:"version_type"`
	RetryOnConflict       int             `json:"retry_on_conflict"`
	Source                json.RawMessage `json:"_source"`
	ListExecutedPipelines bool            `json:"list_executed_pipelines"`
}

func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request, defaultIndex string, ri *RequestInfo) int {
	s.bulkRequests.Add(1)
	rawBuf, bodyBuf := getBuf(), getBuf()
	defer putBuf(rawBuf)
	defer putBuf(bodyBuf)
	raw, err := readAll(rawBuf, r.Body, r.ContentLength)
	if err != nil {
		return writeError(w, http.StatusBadRequest, "parse_exception", err.Error())
	}
	ri.BodyBytes = len(raw)
	body := raw
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			// NDJSON compresses about tenfold; start there.
			body, err = readAll(bodyBuf, zr, int64(len(raw))*10)
		}
		if err != nil {
			return writeError(w, http.StatusBadRequest, "parse_exception", "failed to decompress gzip body: "+err.Error())
		}
	default:
		return writeError(w, http.StatusBadRequest, "illegal_argument_exception", "unsupported Content-Encoding ["+enc+"]")
	}
	ri.DecodedBytes = len(body)

	if s.faults.takeDrop() {
		hj, ok := w.(http.Hijacker)
		if ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return 0
			}
		}
	}
	if a, ok := s.faults.takeRaw(); ok {
		w.Header().Set("Content-Type", a.contentType)
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
		return a.status
	}
	if status, ok := s.faults.requestFault(); ok {
		typ := "unavailable_exception"
		if status == http.StatusTooManyRequests {
			typ = "es_rejected_execution_exception"
		}
		return writeError(w, status, typ, "injected fault: "+http.StatusText(status))
	}
	if max := s.faults.maxContentLength(); max > 0 && len(body) > max {
		return writeError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception",
			fmt.Sprintf("request content length [%d] exceeds max content length [%d]", len(body), max))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-ndjson") &&
		!strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/vnd.elasticsearch+x-ndjson") &&
		!strings.HasPrefix(ct, "application/vnd.elasticsearch+json") {
		return writeError(w, http.StatusNotAcceptable, "media_type_header_exception", "Content-Type header ["+ct+"] is not supported")
	}

	lines, perr := parseBulk(body, defaultIndex)
	if perr != nil {
		return writeError(w, http.StatusBadRequest, perr.typ, perr.reason)
	}
	ri.Items = len(lines)
	if !s.faults.delay(r.Context()) {
		// The client went away while the request was slowed or held.
		return writeError(w, http.StatusServiceUnavailable, "unavailable_exception", "client gone while the request was held")
	}
	requireDS := r.URL.Query().Get("require_data_stream") == "true"
	results := make([]itemResult, len(lines))
	for i, l := range lines {
		results[i] = s.applyItem(l, requireDS)
	}
	return writeBulkResponse(w, results, r.URL.Query().Get("filter_path"))
}

// parseBulk splits an NDJSON body strictly: every line is terminated by \n
// (the last one included), action lines are single-key objects naming a
// known op, and every op but delete is followed by a source line.
func parseBulk(body []byte, defaultIndex string) ([]bulkLine, *errBulkRequest) {
	if len(body) == 0 {
		return nil, &errBulkRequest{"action_request_validation_exception", "Validation Failed: 1: no requests added;"}
	}
	if body[len(body)-1] != '\n' {
		return nil, &errBulkRequest{"illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"}
	}
	var out []bulkLine
	lineNo := 0
	next := func() ([]byte, bool) {
		if len(body) == 0 {
			return nil, false
		}
		i := bytes.IndexByte(body, '\n')
		line := body[:i]
		body = body[i+1:]
		lineNo++
		return line, true
	}
	for {
		action, ok := next()
		if !ok {
			break
		}
		if l, ok := fastAction(action, defaultIndex); ok {
			if l.op != "delete" {
				src, ok := next()
				if !ok {
					return nil, &errBulkRequest{"illegal_argument_exception", fmt.Sprintf("The bulk request must be terminated by a newline [\\n]: action line [%d] has no source", lineNo)}
				}
				l.source = src
			}
			out = append(out, l)
			continue
		}
		var m map[string]json.RawMessage
		if len(bytes.TrimSpace(action)) == 0 || json.Unmarshal(action, &m) != nil || len(m) != 1 {
			return nil, &errBulkRequest{"illegal_argument_exception",
				fmt.Sprintf("Malformed action/metadata line [%d], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]", lineNo)}
		}
		var l bulkLine
		var raw json.RawMessage
		for op, r := range m {
			l.op, raw = op, r
		}
		switch l.op {
		case "index", "create", "update", "delete":
		default:
			return nil, &errBulkRequest{"illegal_argument_exception", fmt.Sprintf("Malformed action/metadata line [%d], expected field [create], [delete], [index] or [update] but found [%s]", lineNo, l.op)}
		}
		var meta actionMeta
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&meta); err != nil {
			if strings.Contains(err.Error(), "unknown field") {
				return nil, &errBulkRequest{"illegal_argument_exception", fmt.Sprintf("Action/metadata line [%d] contains an unknown parameter: %v", lineNo, err)}
			}
			return nil, &errBulkRequest{"illegal_argument_exception", fmt.Sprintf("Action/metadata line [%d] is malformed: %v", lineNo, err)}
		}
		l.index = defaultIndex
		if meta.Index != "" {
			l.index = meta.Index
		}
		if l.index == "" {
			return nil, &errBulkRequest{"action_request_validation_exception", "Validation Failed: 1: index is missing;"}
		}
		l.id = meta.ID
		if l.op != "delete" {
			src, ok := next()
			if !ok {
				return nil, &errBulkRequest{"illegal_argument_exception", fmt.Sprintf("The bulk request must be terminated by a newline [\\n]: action line [%d] has no source", lineNo)}
			}
			l.source = src
		}
		out = append(out, l)
	}
	return out, nil
}

// bufs recycles request bodies: nothing keeps a reference to a body after
// the request (stored documents and ids are copies).
var bufs sync.Pool

func getBuf() *bytes.Buffer {
	if b, ok := bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 64<<20 {
		bufs.Put(b)
	}
}

// readAll reads r whole into b, growing it to about sizeHint bytes first.
func readAll(b *bytes.Buffer, r io.Reader, sizeHint int64) ([]byte, error) {
	if sizeHint > 0 && sizeHint < 256<<20 {
		b.Grow(int(sizeHint) + bytes.MinRead)
	}
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// fastAction parses the action line most clients send,
// {"<op>":{"_index":"…","_id":"…"}} with plain strings (either key optional,
// in that order), by hand. Anything else returns false and goes through the
// strict encoding/json path, which also produces the error messages.
func fastAction(line []byte, defaultIndex string) (bulkLine, bool) {
	var l bulkLine
	rest, ok := bytes.CutPrefix(line, []byte(`{"`))
	if !ok {
		return l, false
	}
	i := bytes.IndexByte(rest, '"')
	if i <= 0 {
		return l, false
	}
	l.op = string(rest[:i])
	switch l.op {
	case "create", "index", "delete":
	default:
		return l, false
	}
	rest, ok = bytes.CutPrefix(rest[i:], []byte(`":{`))
	if !ok {
		return l, false
	}
	comma := false
	str := func(key string) (string, bool) {
		p := []byte(`"` + key + `":"`)
		if !bytes.HasPrefix(rest, p) {
			return "", false
		}
		v := rest[len(p):]
		j := bytes.IndexByte(v, '"')
		if j < 0 || bytes.IndexByte(v[:j], '\\') >= 0 {
			return "", false
		}
		rest = v[j+1:]
		comma = len(rest) > 0 && rest[0] == ','
		if comma {
			rest = rest[1:]
		}
		return string(v[:j]), true
	}
	l.index = defaultIndex
	if v, ok := str("_index"); ok {
		l.index = v
	}
	if v, ok := str("_id"); ok {
		l.id = v
	}
	if comma || string(rest) != "}}" || l.index == "" {
		return l, false
	}
	return l, true
}

// applyItem executes one bulk item.
func (s *Server) applyItem(l bulkLine, requireDS bool) itemResult {
	n := s.seq.Add(1)
	res := itemResult{op: l.op, index: l.index, id: l.id}
	fail := func(status int, typ, reason string) itemResult {
		res.status, res.errType, res.errReason = status, typ, reason
		return res
	}
	if status, typ, reason, ok := s.faults.itemFault(l.index, l.id, n); ok {
		return fail(status, typ, reason)
	}
	if !validIndexName(l.index) {
		return fail(400, "invalid_index_name_exception", fmt.Sprintf("Invalid index name [%s], must be lowercase and must not contain \\, /, *, ?, \", <, >, |, ' ', ',', #, :", l.index))
	}

	var parsed map[string]any
	if !s.opts.DiscardSources || l.op == "update" {
		d := json.NewDecoder(bytes.NewReader(l.source))
		d.UseNumber()
		if err := d.Decode(&parsed); err != nil || parsed == nil || d.More() {
			return fail(400, "document_parsing_exception", fmt.Sprintf("[1:1] failed to parse: %v", err))
		}
	} else if firstNonSpace(l.source) != '{' || lastNonSpace(l.source) != '}' {
		return fail(400, "document_parsing_exception", "[1:1] failed to parse: source is not a JSON object")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ds, err := s.stream(l.index, requireDS)
	if err != nil {
		return fail(err.status, err.typ, err.reason)
	}
	res.index = ds.backing
	if ds.isDataStream && l.op != "create" {
		return fail(400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams")
	}
	if l.op == "update" || l.op == "delete" {
		return fail(400, "illegal_argument_exception", "esdouble supports only create and index operations")
	}
	if parsed != nil {
		if ds.isDataStream {
			if _, ok := lookupField(parsed, "@timestamp"); !ok {
				return fail(400, "document_parsing_exception", "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing")
			}
		}
		if reason := validateDoc(parsed, ds.mappings, l.id); reason != "" {
			return fail(400, "document_parsing_exception", reason)
		}
	}
	id := l.id
	if id == "" {
		id = "auto-" + strconv.FormatInt(n, 36)
		res.id = id
	}
	if i, exists := ds.ids[id]; exists {
		if l.op == "create" {
			s.conflicts.Add(1)
			return fail(409, "version_conflict_engine_exception",
				fmt.Sprintf("[%s]: version conflict, document already exists (current version [1])", id))
		}
		if !s.opts.DiscardSources {
			ds.docs[i] = storedDoc{id: id, raw: append(json.RawMessage(nil), l.source...), parsed: parsed}
		}
		res.result, res.status, res.version = "updated", 200, 2
		return res
	}
	ds.ids[id] = len(ds.docs)
	ds.count++
	if s.opts.DiscardSources {
		ds.docs = append(ds.docs, storedDoc{id: id})
	} else {
		ds.docs = append(ds.docs, storedDoc{id: id, raw: append(json.RawMessage(nil), l.source...), parsed: parsed})
	}
	res.result, res.status, res.version, res.seqNo = "created", 201, 1, ds.count-1
	return res
}

type itemErr struct {
	status      int
	typ, reason string
}

// stream returns (creating on first write) the target of a write. With
// templates installed, a name must match a data stream template; with none
// (NoBuiltinLogsTemplate and nothing PUT), any valid name is a plain index.
// The caller holds s.mu.
func (s *Server) stream(name string, requireDS bool) (*dataStream, *itemErr) {
	if ds, ok := s.streams[name]; ok {
		if requireDS && !ds.isDataStream {
			return nil, &itemErr{400, "index_not_found_exception", "no such index [" + name + "]: require_data_stream is set and it is not a data stream"}
		}
		return ds, nil
	}
	ds := &dataStream{name: name, ids: map[string]int{}, backing: name}
	if len(s.templates) > 0 {
		t := s.matchTemplate(name)
		if t == nil || !t.dataStream {
			return nil, &itemErr{404, "index_not_found_exception",
				"no such index [" + name + "] and no index template with data_stream matches it (esdouble only creates data streams when templates are installed)"}
		}
		ds.template, ds.isDataStream = t.name, true
		ds.mappings = s.effectiveMappings(t)
		ds.lifecycle, ds.ilmPolicy = s.effectiveLifecycle(t)
		ds.backing = fmt.Sprintf(".ds-%s-%s-000001", name, now().Format("2006.01.02"))
	} else if requireDS {
		return nil, &itemErr{404, "index_not_found_exception", "no such index [" + name + "] and require_data_stream is set"}
	}
	s.streams[name] = ds
	return ds, nil
}

// validIndexName applies Elasticsearch's index and data stream name rules.
func validIndexName(n string) bool {
	if n == "" || n == "." || n == ".." || len(n) > 255 || strings.HasPrefix(n, "-") || strings.HasPrefix(n, "_") || strings.HasPrefix(n, "+") {
		return false
	}
	if strings.ToLower(n) != n {
		return false
	}
	return !strings.ContainsAny(n, "\\/*?\"<>| ,#:")
}

func lastNonSpace(b []byte) byte {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b[i]
	}
	return 0
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}
