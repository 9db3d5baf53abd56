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

// putMap copies object node obj of d into m.
func putMap(d *jsonscan.Doc, m pcommon.Map, obj int32) {
	end := d.After(obj)
	n := 0
	for k := obj + 1; k < end; k = d.After(k + 1) {
		n++
	}
	m.EnsureCapacity(n)
	for k := obj + 1; k < end; {
		v := k + 1
		putValue(d, m, d.Text(k), v)
		k = d.After(v)
	}
}

func putValue(d *jsonscan.Doc, m pcommon.Map, key string, v int32) {
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
		putMap(d, m.PutEmptyMap(key), v)
	case jsonscan.Array:
		putSlice(d, m.PutEmptySlice(key), v)
	}
}

func putSlice(d *jsonscan.Doc, s pcommon.Slice, arr int32) {
	end := d.After(arr)
	n := 0
	for e := arr + 1; e < end; e = d.After(e) {
		n++
	}
	s.EnsureCapacity(n)
	for e := arr + 1; e < end; e = d.After(e) {
		setValue(d, s.AppendEmpty(), e)
	}
}

// setValue stores node v into an empty pcommon.Value.
func setValue(d *jsonscan.Doc, dst pcommon.Value, v int32) {
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
		putMap(d, dst.SetEmptyMap(), v)
	case jsonscan.Array:
		putSlice(d, dst.SetEmptySlice(), v)
	}
}
