// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// cleanRawJSON returns a JSON text encoding/json has checked for syntax in
// a form Elasticsearch parses: its strict duplicate detection refuses an
// object with a key twice, and its parser refuses bytes that are not UTF-8,
// either of which would cost the whole document. CloudTrail writes neither,
// so the text is normally returned as is; otherwise it is decoded (the last
// of repeated keys wins, as in JavaScript) and encoded again (invalid bytes
// become U+FFFD). ok is false when even that fails (nesting beyond
// encoding/json's limit).
func cleanRawJSON(raw []byte) (clean []byte, ok bool) {
	if utf8.Valid(raw) && !hasDuplicateKeys(raw) {
		return raw, true
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, false
	}
	out, err := json.Marshal(v)
	return out, err == nil
}

// hasDuplicateKeys says whether any object of b, a syntactically valid JSON
// text, has a key twice. Keys are compared as written unless they hold an
// escape, which is decoded first ("a" and "\u0061" are the same key). The
// keys of the open objects share one slice; small documents need no heap.
func hasDuplicateKeys(b []byte) bool {
	type open struct {
		firstKey int                 // index in keys of the object's first key
		set      map[string]struct{} // once the object outgrows a linear scan
		isObj    bool
		wantKey  bool
	}
	var stackBuf [16]open
	var keysBuf [64][]byte
	stack, keys := stackBuf[:0], keysBuf[:0]
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			stack = append(stack, open{firstKey: len(keys), isObj: b[i] == '{', wantKey: b[i] == '{'})
		case '}', ']':
			keys = keys[:stack[len(stack)-1].firstKey]
			stack = stack[:len(stack)-1]
		case ',':
			if top := len(stack) - 1; top >= 0 && stack[top].isObj {
				stack[top].wantKey = true
			}
		case '"':
			j := i + 1
			for b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if top := len(stack) - 1; top >= 0 && stack[top].wantKey {
				o := &stack[top]
				o.wantKey = false
				key := b[i+1 : j]
				if bytes.IndexByte(key, '\\') >= 0 {
					var s string
					if json.Unmarshal(b[i:j+1], &s) == nil {
						key = []byte(s)
					}
				}
				if o.set != nil {
					if _, dup := o.set[string(key)]; dup {
						return true
					}
					o.set[string(key)] = struct{}{}
				} else {
					for _, k := range keys[o.firstKey:] {
						if bytes.Equal(k, key) {
							return true
						}
					}
					keys = append(keys, key)
					if n := len(keys) - o.firstKey; n > 16 {
						o.set = make(map[string]struct{}, 2*n)
						for _, k := range keys[o.firstKey:] {
							o.set[string(k)] = struct{}{}
						}
					}
				}
			}
			i = j
		}
	}
	return false
}
