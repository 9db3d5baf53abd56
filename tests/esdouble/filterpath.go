// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import "strings"

// filterPath applies Elasticsearch's filter_path response filtering: a
// comma-separated list of dotted patterns where `*` matches one key and
// arrays are transparent (items.*.status keeps the status of every item).
func filterPath(resp map[string]any, expr string) map[string]any {
	var pats [][]string
	for _, p := range strings.Split(expr, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pats = append(pats, strings.Split(p, "."))
		}
	}
	v, ok := filterValue(resp, pats)
	if !ok {
		return map[string]any{}
	}
	return v.(map[string]any)
}

func filterValue(v any, pats [][]string) (any, bool) {
	for _, p := range pats {
		if len(p) == 0 {
			return v, true
		}
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, child := range x {
			var sub [][]string
			for _, p := range pats {
				if globMatch(p[0], k) {
					sub = append(sub, p[1:])
				}
			}
			if len(sub) == 0 {
				continue
			}
			if fv, ok := filterValue(child, sub); ok {
				out[k] = fv
			}
		}
		return out, len(out) > 0
	case []any:
		var out []any
		for _, e := range x {
			if fv, ok := filterValue(e, pats); ok {
				out = append(out, fv)
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}
