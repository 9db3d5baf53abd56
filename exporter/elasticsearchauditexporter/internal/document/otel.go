// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// appendOTel writes the OTel-native layout: the record as OpenTelemetry
// describes it, with attribute maps kept whole (mapped as `flattened`, so
// that their keys never grow the index mapping). A string body is
// body.text; a map body is body.structured; any other body is body.text
// holding its JSON text, since a flattened field must be an object.
func (e *Encoder) appendOTel(dst []byte, res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord, r Route) []byte {
	dst = append(dst, `{"@timestamp":`...)
	dst = AppendTime(dst, timestamp(lr))
	if ts := lr.ObservedTimestamp(); ts != 0 {
		dst = append(dst, `,"observed_timestamp":`...)
		dst = AppendTime(dst, ts.AsTime())
	}
	dst = append(dst, `,"data_stream":{"type":"logs","dataset":`...)
	dst = AppendString(dst, r.Dataset)
	dst = append(dst, `,"namespace":`...)
	dst = AppendString(dst, r.Namespace)
	dst = append(dst, '}')
	if s := lr.SeverityText(); s != "" {
		dst = append(dst, `,"severity_text":`...)
		dst = AppendString(dst, s)
	}
	if n := lr.SeverityNumber(); n != plog.SeverityNumberUnspecified {
		dst = append(dst, `,"severity_number":`...)
		dst = strconv.AppendInt(dst, int64(n), 10)
	}
	if s := lr.EventName(); s != "" {
		dst = append(dst, `,"event_name":`...)
		dst = AppendString(dst, s)
	}
	if id := lr.TraceID(); !id.IsEmpty() {
		dst = append(dst, `,"trace_id":`...)
		dst = AppendString(dst, hexString(id[:]))
	}
	if id := lr.SpanID(); !id.IsEmpty() {
		dst = append(dst, `,"span_id":`...)
		dst = AppendString(dst, hexString(id[:]))
	}
	if ra := res.Attributes(); ra.Len() > 0 {
		dst = append(dst, `,"resource":{"attributes":`...)
		dst = AppendMap(dst, ra)
		dst = append(dst, '}')
	}
	if scope.Name() != "" || scope.Version() != "" || scope.Attributes().Len() > 0 {
		dst = append(dst, `,"scope":{`...)
		sep := false
		if n := scope.Name(); n != "" {
			dst = append(dst, `"name":`...)
			dst = AppendString(dst, n)
			sep = true
		}
		if v := scope.Version(); v != "" {
			if sep {
				dst = append(dst, ',')
			}
			dst = append(dst, `"version":`...)
			dst = AppendString(dst, v)
			sep = true
		}
		if sa := scope.Attributes(); sa.Len() > 0 {
			if sep {
				dst = append(dst, ',')
			}
			dst = append(dst, `"attributes":`...)
			dst = AppendMap(dst, sa)
		}
		dst = append(dst, '}')
	}
	if a := lr.Attributes(); a.Len() > 0 {
		dst = append(dst, `,"attributes":`...)
		dst = AppendMap(dst, a)
	}
	switch body := lr.Body(); body.Type() {
	case pcommon.ValueTypeEmpty:
	case pcommon.ValueTypeMap:
		dst = append(dst, `,"body":{"structured":`...)
		dst = AppendMap(dst, body.Map())
		dst = append(dst, '}')
	case pcommon.ValueTypeStr:
		dst = append(dst, `,"body":{"text":`...)
		dst = AppendString(dst, body.Str())
		dst = append(dst, '}')
	default:
		dst = append(dst, `,"body":{"text":`...)
		var scratch [256]byte
		dst = AppendBytesAsString(dst, AppendValue(scratch[:0], body))
		dst = append(dst, '}')
	}
	return append(dst, '}')
}
