// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

const hexDigits = "0123456789abcdef"

// safeASCII marks the ASCII bytes that need no escaping in a JSON string.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for i := 0x20; i < utf8.RuneSelf; i++ {
		t[i] = i != '"' && i != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so
// the output is always valid JSON whatever the input held; U+2028/U+2029 are
// escaped so the output is also safe to embed in JavaScript (Kibana). Runs
// of plain ASCII are skipped eight bytes at a time.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && !needsEscape8(load8(s, i)) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load8 reads s[i:i+8] as a little-endian word.
func load8(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
}

// needsEscape8 reports whether any of the eight bytes in x is a control
// character, '"', '\\' or non-ASCII. It may report true for a word that needs
// nothing (a borrow across bytes); the caller then checks byte by byte.
func needsEscape8(x uint64) bool {
	ctl := (x - lsb*0x20) &^ x
	q := x ^ (lsb * '"')
	quote := (q - lsb) &^ q
	b := x ^ (lsb * '\\')
	bs := (b - lsb) &^ b
	return (ctl|quote|bs|x)&msb != 0
}

// AppendBytesAsString appends raw bytes (for example a JSON text) as a JSON
// string.
func AppendBytesAsString(dst, b []byte) []byte {
	return AppendString(dst, unsafeString(b))
}

// AppendTime appends t as an RFC 3339 UTC string with as many fractional
// digits as it needs, which Elasticsearch's date types parse.
func AppendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// AppendValue appends a pdata value as JSON. Doubles that JSON cannot hold
// (NaN, ±Inf) become null; bytes become base64 strings; map keys keep their
// order.
func AppendValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return AppendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return AppendFloat(dst, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeMap:
		return AppendMap(dst, v.Map())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, s.At(i))
		}
		return append(dst, ']')
	case pcommon.ValueTypeBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	}
	return append(dst, "null"...)
}

// AppendMap appends a pdata map as a JSON object. Keys that are not UTF-8
// are written with U+FFFD, which can make two keys one: only the first is
// written then, since Elasticsearch refuses an object with a key twice.
func AppendMap(dst []byte, m pcommon.Map) []byte {
	start := len(dst)
	dst = append(dst, '{')
	first := true
	clean := true
	m.Range(func(k string, v pcommon.Value) bool {
		if !utf8.ValidString(k) {
			clean = false
			return false
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendValue(dst, v)
		return true
	})
	if clean {
		return append(dst, '}')
	}
	return appendMapDedup(dst[:start], m)
}

// appendMapDedup is AppendMap for a map with a key that is not UTF-8.
func appendMapDedup(dst []byte, m pcommon.Map) []byte {
	dst = append(dst, '{')
	written := make(map[string]struct{}, m.Len())
	m.Range(func(k string, v pcommon.Value) bool {
		k = strings.ToValidUTF8(k, "\uFFFD")
		if _, dup := written[k]; dup {
			return true
		}
		if len(written) > 0 {
			dst = append(dst, ',')
		}
		written[k] = struct{}{}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendValue(dst, v)
		return true
	})
	return append(dst, '}')
}

// AppendFloat appends a double the way encoding/json would, null for NaN/Inf.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 64)
}
