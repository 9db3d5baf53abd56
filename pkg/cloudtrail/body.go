package cloudtrail

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
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

// putMap copies object node obj into m.
func (d *Doc) putMap(m pcommon.Map, obj int32) {
	end := d.nodes[obj].next
	n := 0
	for k := obj + 1; k < end; k = d.nodes[k+1].next {
		n++
	}
	m.EnsureCapacity(n)
	for k := obj + 1; k < end; {
		v := k + 1
		d.putValue(m, d.text(k), v)
		k = d.nodes[v].next
	}
}

func (d *Doc) putValue(m pcommon.Map, key string, v int32) {
	switch d.nodes[v].kind {
	case kindString:
		m.PutStr(key, d.text(v))
	case kindNumber:
		iv, fv, isInt, exact := d.number(v)
		switch {
		case !exact:
			m.PutStr(key, d.raw(v))
		case isInt:
			m.PutInt(key, iv)
		default:
			m.PutDouble(key, fv)
		}
	case kindTrue:
		m.PutBool(key, true)
	case kindFalse:
		m.PutBool(key, false)
	case kindNull:
		m.PutEmpty(key)
	case kindObject:
		d.putMap(m.PutEmptyMap(key), v)
	case kindArray:
		d.putSlice(m.PutEmptySlice(key), v)
	}
}

func (d *Doc) putSlice(s pcommon.Slice, arr int32) {
	end := d.nodes[arr].next
	n := 0
	for e := arr + 1; e < end; e = d.nodes[e].next {
		n++
	}
	s.EnsureCapacity(n)
	for e := arr + 1; e < end; e = d.nodes[e].next {
		d.setValue(s.AppendEmpty(), e)
	}
}

// setValue stores node v into an empty pcommon.Value.
func (d *Doc) setValue(dst pcommon.Value, v int32) {
	switch d.nodes[v].kind {
	case kindString:
		dst.SetStr(d.text(v))
	case kindNumber:
		iv, fv, isInt, exact := d.number(v)
		switch {
		case !exact:
			dst.SetStr(d.raw(v))
		case isInt:
			dst.SetInt(iv)
		default:
			dst.SetDouble(fv)
		}
	case kindTrue:
		dst.SetBool(true)
	case kindFalse:
		dst.SetBool(false)
	case kindNull:
	case kindObject:
		d.putMap(dst.SetEmptyMap(), v)
	case kindArray:
		d.putSlice(dst.SetEmptySlice(), v)
	}
}
