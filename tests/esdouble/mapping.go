// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// validateDoc checks a parsed document against explicit mappings the way
// Elasticsearch rejects documents: a concrete value where an object is
// mapped, an object where a leaf is mapped, and values a typed field cannot
// parse (ip, date, boolean, numbers). Unmapped fields pass: the double does
// not emulate dynamic mapping. It returns "" or the rejection reason.
func validateDoc(doc map[string]any, mappings map[string]any, id string) string {
	props, _ := mappings["properties"].(map[string]any)
	if props == nil {
		return ""
	}
	return checkObject(doc, props, "", id)
}

func checkObject(obj map[string]any, props map[string]any, prefix, id string) string {
	for k, v := range obj {
		if r := checkPath(strings.Split(k, "."), v, props, prefix, id); r != "" {
			return r
		}
	}
	return ""
}

// checkPath handles dotted keys, which Elasticsearch expands into objects.
func checkPath(segs []string, v any, props map[string]any, prefix, id string) string {
	name := prefix + segs[0]
	m, _ := props[segs[0]].(map[string]any)
	if m == nil {
		return ""
	}
	typ, _ := m["type"].(string)
	if len(segs) > 1 {
		if typ == "flattened" {
			return ""
		}
		sub, _ := m["properties"].(map[string]any)
		if sub == nil && typ != "" && typ != "object" {
			return fmt.Sprintf("Could not dynamically add mapping for field [%s.%s]. Existing mapping for [%s] must be of type object but found [%s].", name, strings.Join(segs[1:], "."), name, typ)
		}
		return checkPath(segs[1:], v, sub, name+".", id)
	}
	return checkValue(name, v, m, id)
}

func checkValue(name string, v any, m map[string]any, id string) string {
	if v == nil {
		return ""
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if r := checkValue(name, e, m, id); r != "" {
				return r
			}
		}
		return ""
	}
	typ, _ := m["type"].(string)
	sub, hasProps := m["properties"].(map[string]any)
	if typ == "" && hasProps {
		typ = "object"
	}
	obj, isObj := v.(map[string]any)
	fail := func() string {
		return fmt.Sprintf("[1:1] failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%v'", name, typ, id, v)
	}
	switch typ {
	case "object", "nested":
		if !isObj {
			return fmt.Sprintf("object mapping for [%s] tried to parse field [%s] as object, but found a concrete value", name, name)
		}
		return checkObject(obj, sub, name+".", id)
	case "flattened":
		return ""
	case "":
		return ""
	}
	if isObj {
		return fmt.Sprintf("[1:1] failed to parse field [%s] of type [%s] in document with id '%s'. Preview of field's value: '%v'", name, typ, id, obj)
	}
	if ig, _ := m["ignore_malformed"].(bool); ig {
		return ""
	}
	switch typ {
	case "ip":
		s, ok := v.(string)
		if !ok {
			return fail()
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return fail()
		}
	case "date", "date_nanos":
		if !validDate(v) {
			return fail()
		}
	case "boolean":
		switch b := v.(type) {
		case bool:
		case string:
			if b != "true" && b != "false" && b != "" {
				return fail()
			}
		default:
			return fail()
		}
	case "long", "integer", "short", "byte", "unsigned_long":
		if !validNumber(v, true) {
			return fail()
		}
	case "double", "float", "half_float", "scaled_float":
		if !validNumber(v, false) {
			return fail()
		}
	}
	return ""
}

func validDate(v any) bool {
	switch d := v.(type) {
	case json.Number:
		_, err := d.Int64()
		return err == nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if _, err := time.Parse(layout, d); err == nil {
				return true
			}
		}
		_, err := strconv.ParseInt(d, 10, 64)
		return err == nil
	}
	return false
}

func validNumber(v any, integer bool) bool {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = n.String()
	case string:
		s = n
	default:
		return false
	}
	if integer {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return true
		}
		// Elasticsearch accepts 3.0 for a long (it truncates).
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && f == float64(int64(f))
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
