// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// BodyMode says what a log record's body holds.
type BodyMode uint8

const (
	// BodyMap: the whole record as a map, lossless (numbers keep their exact
	// value; integers beyond int64 keep their text).
	BodyMap BodyMode = iota
	// BodyJSON: the record's original JSON text, byte for byte.
	BodyJSON
	// BodyNone: no body; the attributes alone describe the event.
	BodyNone
)

// ParseBodyMode reads the receiver's `body` setting.
func ParseBodyMode(s string) (BodyMode, error) {
	switch s {
	case "", "map":
		return BodyMap, nil
	case "json":
		return BodyJSON, nil
	case "none":
		return BodyNone, nil
	}
	return 0, fmt.Errorf("body must be map, json or none, not %q", s)
}

func (m BodyMode) String() string {
	switch m {
	case BodyJSON:
		return "json"
	case BodyNone:
		return "none"
	}
	return "map"
}

// MaxBodyDepth is how deep maps and arrays nest in a body map (the body
// itself is 1). Deeper parts are written as their JSON text instead: a log
// record nested deeper than 33 levels cannot be read back from the
// collector's protobuf encoding (proto: exceeded max recursion depth; a
// persistent queue and an OTLP backend both lose it), while real CloudTrail
// records nest about 10 levels.
const MaxBodyDepth = 32

// putMap copies object node obj of d, at depth depth, into m. It returns
// how many values below MaxBodyDepth it wrote as their JSON text.
func putMap(d *jsonscan.Doc, m pcommon.Map, obj int32, depth int) int {
	end := d.After(obj)
	n := 0
	for k := obj + 1; k < end; k = d.After(k + 1) {
		n++
	}
	m.EnsureCapacity(n)
	flat := 0
	for k := obj + 1; k < end; {
		v := k + 1
		flat += putValue(d, m, d.Text(k), v, depth)
		k = d.After(v)
	}
	return flat
}

// tooDeep: a container value of a container at depth goes in as text.
func tooDeep(d *jsonscan.Doc, v int32, depth int) bool {
	k := d.Kind(v)
	return depth >= MaxBodyDepth && (k == jsonscan.Object || k == jsonscan.Array)
}

func putValue(d *jsonscan.Doc, m pcommon.Map, key string, v int32, depth int) int {
	if tooDeep(d, v, depth) {
		m.PutStr(key, d.Raw(v))
		return 1
	}
	switch d.Kind(v) {
	case jsonscan.String:
		m.PutStr(key, d.Text(v))
	case jsonscan.Number:
		iv, fv, isInt, exact := d.Number(v)
		switch {
		case !exact:
			m.PutStr(key, d.Raw(v))
		case isInt:
			m.PutInt(key, iv)
		default:
			m.PutDouble(key, fv)
		}
	case jsonscan.True:
		m.PutBool(key, true)
	case jsonscan.False:
		m.PutBool(key, false)
	case jsonscan.Null:
		m.PutEmpty(key)
	case jsonscan.Object:
		return putMap(d, m.PutEmptyMap(key), v, depth+1)
	case jsonscan.Array:
		return putSlice(d, m.PutEmptySlice(key), v, depth+1)
	}
	return 0
}

func putSlice(d *jsonscan.Doc, s pcommon.Slice, arr int32, depth int) int {
	end := d.After(arr)
	n := 0
	for e := arr + 1; e < end; e = d.After(e) {
		n++
	}
	s.EnsureCapacity(n)
	flat := 0
	for e := arr + 1; e < end; e = d.After(e) {
		flat += setValue(d, s.AppendEmpty(), e, depth)
	}
	return flat
}

// setValue stores node v, an element of a container at depth, into an
// empty pcommon.Value.
func setValue(d *jsonscan.Doc, dst pcommon.Value, v int32, depth int) int {
	if tooDeep(d, v, depth) {
		dst.SetStr(d.Raw(v))
		return 1
	}
	switch d.Kind(v) {
	case jsonscan.String:
		dst.SetStr(d.Text(v))
	case jsonscan.Number:
		iv, fv, isInt, exact := d.Number(v)
		switch {
		case !exact:
			dst.SetStr(d.Raw(v))
		case isInt:
			dst.SetInt(iv)
		default:
			dst.SetDouble(fv)
		}
	case jsonscan.True:
		dst.SetBool(true)
	case jsonscan.False:
		dst.SetBool(false)
	case jsonscan.Null:
	case jsonscan.Object:
		return putMap(d, dst.SetEmptyMap(), v, depth+1)
	case jsonscan.Array:
		return putSlice(d, dst.SetEmptySlice(), v, depth+1)
	}
	return 0
}
