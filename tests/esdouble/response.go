// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"net/http"
	"strconv"
	"strings"
)

// itemResult is one bulk item's outcome.
type itemResult struct {
	op, index, id      string
	status, version    int
	seqNo              int
	result             string
	errType, errReason string
}

func (r itemResult) failed() bool { return r.errType != "" }

// toMap is the item as Elasticsearch renders it.
func (r itemResult) toMap() map[string]any {
	m := map[string]any{"_index": r.index, "_id": r.id, "status": r.status}
	if r.failed() {
		m["error"] = map[string]any{"type": r.errType, "reason": r.errReason, "index": r.index}
		return m
	}
	m["_version"], m["result"], m["_seq_no"], m["_primary_term"] = r.version, r.result, r.seqNo, 1
	m["_shards"] = map[string]any{"total": 1, "successful": 1, "failed": 0}
	return m
}

// itemFields are the per-item keys a filter_path can keep on the fast path.
var itemFields = []string{"_index", "_id", "_version", "result", "_shards", "_seq_no", "_primary_term", "status", "error"}

// writeBulkResponse renders the _bulk answer. filter_path expressions made
// of took, errors, items, items.* and items.*.<key> are applied while
// writing; anything else goes through the generic filter.
func writeBulkResponse(w http.ResponseWriter, results []itemResult, fp string) int {
	anyErr := false
	for _, r := range results {
		anyErr = anyErr || r.failed()
	}
	keepTop, keepItem, simple := simpleFilter(fp)
	if !simple {
		items := make([]any, len(results))
		for i, r := range results {
			items[i] = map[string]any{r.op: r.toMap()}
		}
		return writeJSON(w, http.StatusOK, filterPath(map[string]any{"took": 1, "errors": anyErr, "items": items}, fp))
	}
	b := make([]byte, 0, 64+len(results)*64)
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' && b[len(b)-1] != '[' {
			b = append(b, ',')
		}
	}
	if keepTop["took"] {
		b = append(b, `"took":1`...)
	}
	if keepTop["errors"] {
		sep()
		b = append(b, `"errors":`...)
		b = strconv.AppendBool(b, anyErr)
	}
	if keepTop["items"] {
		// Like Elasticsearch, an item left with no key is dropped, and so is
		// an items array left empty.
		mark := len(b)
		sep()
		b = append(b, `"items":[`...)
		n := 0
		for _, r := range results {
			before := len(b)
			if n > 0 {
				b = append(b, ',')
			}
			var kept bool
			b, kept = appendItem(b, r, keepItem)
			if !kept {
				b = b[:before]
				continue
			}
			n++
		}
		b = append(b, ']')
		if n == 0 {
			b = b[:mark]
		}
	}
	b = append(b, '}')
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return http.StatusOK
}

func appendItem(b []byte, r itemResult, keep map[string]bool) ([]byte, bool) {
	b = append(b, '{')
	b = strconv.AppendQuote(b, r.op)
	b = append(b, ":{"...)
	first := true
	field := func(k string) bool {
		if keep != nil && !keep[k] {
			return false
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		return true
	}
	if field("_index") {
		b = strconv.AppendQuote(b, r.index)
	}
	if field("_id") {
		b = strconv.AppendQuote(b, r.id)
	}
	if !r.failed() {
		if field("_version") {
			b = strconv.AppendInt(b, int64(r.version), 10)
		}
		if field("result") {
			b = strconv.AppendQuote(b, r.result)
		}
		if field("_shards") {
			b = append(b, `{"total":1,"successful":1,"failed":0}`...)
		}
		if field("_seq_no") {
			b = strconv.AppendInt(b, int64(r.seqNo), 10)
		}
		if field("_primary_term") {
			b = append(b, '1')
		}
	}
	if field("status") {
		b = strconv.AppendInt(b, int64(r.status), 10)
	}
	if r.failed() && field("error") {
		b = append(b, `{"type":`...)
		b = appendJSONString(b, r.errType)
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, r.errReason)
		b = append(b, `,"index":`...)
		b = appendJSONString(b, r.index)
		b = append(b, '}')
	}
	return append(b, "}}"...), !first
}

// appendJSONString quotes s for JSON (strconv.Quote escapes differ from
// JSON only for non-printable runes, which reasons do not contain; \x
// escapes are rewritten to \u00).
func appendJSONString(b []byte, s string) []byte {
	q := strconv.Quote(s)
	if strings.Contains(q, `\x`) {
		q = strings.ReplaceAll(q, `\x`, `\u00`)
	}
	return append(b, q...)
}

// simpleFilter recognises filter_path expressions the fast path handles.
// keepItem nil means every item key.
func simpleFilter(fp string) (keepTop, keepItem map[string]bool, ok bool) {
	keepTop = map[string]bool{}
	if fp == "" {
		return map[string]bool{"took": true, "errors": true, "items": true}, nil, true
	}
	itemKeys := map[string]bool{}
	allItems := false
	for _, p := range strings.Split(fp, ",") {
		switch p = strings.TrimSpace(p); {
		case p == "took" || p == "errors":
			keepTop[p] = true
		case p == "items" || p == "items.*" || p == "items.*.*":
			keepTop["items"], allItems = true, true
		case strings.HasPrefix(p, "items.*.") && isItemField(p[len("items.*."):]):
			keepTop["items"] = true
			itemKeys[p[len("items.*."):]] = true
		default:
			return nil, nil, false
		}
	}
	if allItems {
		itemKeys = nil
	}
	return keepTop, itemKeys, true
}

func isItemField(k string) bool {
	for _, f := range itemFields {
		if f == k {
			return true
		}
	}
	return false
}
