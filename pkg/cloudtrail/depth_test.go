// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// nested is a JSON value of n containers, maps and arrays in turn.
func nested(n int) string {
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			b.WriteString(`{"k":`)
		} else {
			b.WriteString(`[`)
		}
	}
	b.WriteString(`"leaf"`)
	for i := n - 1; i >= 0; i-- {
		if i%2 == 0 {
			b.WriteString(`}`)
		} else {
			b.WriteString(`]`)
		}
	}
	return b.String()
}

// depthOf is the nesting of maps and slices under v, v included.
func depthOf(v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		d := 0
		for _, e := range v.Map().All() {
			d = max(d, depthOf(e))
		}
		return d + 1
	case pcommon.ValueTypeSlice:
		d := 0
		for _, e := range v.Slice().All() {
			d = max(d, depthOf(e))
		}
		return d + 1
	}
	return 0
}

// TestDeepRecordsSurviveTheProtobufRoundTrip: a record nesting deeper than
// MaxBodyDepth is delivered with its deepest part as JSON text (nothing is
// lost, OnFlattened hears of it), and the log records read back from the
// collector's protobuf encoding, which refuses deeper ones; a record at the
// limit is mapped as it is.
func TestDeepRecordsSurviveTheProtobufRoundTrip(t *testing.T) {
	// The body is depth 1 and requestParameters depth 2.
	atLimit := nested(MaxBodyDepth - 1)
	deep := nested(300) // the parser refuses more than 512
	recs := []string{
		`{"eventVersion":"1.09","eventTime":"2025-03-04T10:01:02Z","eventSource":"personalize.amazonaws.com","eventName":"CreateSolution","eventID":"a","requestParameters":` + atLimit + `}`,
		`{"eventVersion":"1.09","eventTime":"2025-03-04T10:01:02Z","eventSource":"personalize.amazonaws.com","eventName":"CreateSolution","eventID":"b","requestParameters":` + deep + `}`,
		`{"eventVersion":"1.09","eventTime":"2025-03-04T10:01:02Z","eventSource":"personalize.amazonaws.com","eventName":"CreateSolution","eventID":"c"}`,
	}
	fr, err := NewFileReader(bytes.NewReader([]byte(`{"Records":[`+strings.Join(recs, ",")+`]}`)), nil, DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var flattened []int64
	fr.OnFlattened = func(i int64) { flattened = append(flattened, i) }
	fr.OnRecordError = func(i int64, err error) { t.Errorf("record %d: %v", i, err) }
	b := NewBatch(MapOptions{Body: BodyMap})
	if err := fr.ReadBatch(b, 10); err == nil || b.Len() != 3 {
		t.Fatalf("%d records, %v", b.Len(), err)
	}
	if len(flattened) != 1 || flattened[0] != 1 {
		t.Fatalf("OnFlattened heard of %v, want [1]", flattened)
	}
	logs := b.Take()
	data, err := (&plog.ProtoMarshaler{}).MarshalLogs(logs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
	if err != nil {
		t.Fatalf("the batch cannot be read back: %v", err)
	}
	lrs := back.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	if got := depthOf(lrs.At(0).Body()); got != MaxBodyDepth {
		t.Errorf("record at the limit: depth %d, want %d", got, MaxBodyDepth)
	}
	body := lrs.At(1).Body()
	if got := depthOf(body); got != MaxBodyDepth {
		t.Errorf("deep record: depth %d, want %d", got, MaxBodyDepth)
	}
	// Down to the text: the record's JSON below the limit, leaf included.
	v, _ := body.Map().Get("requestParameters")
	for v.Type() != pcommon.ValueTypeStr {
		if v.Type() == pcommon.ValueTypeMap {
			v, _ = v.Map().Get("k")
		} else {
			v = v.Slice().At(0)
		}
	}
	if !strings.Contains(deep, v.Str()) || !strings.Contains(v.Str(), `"leaf"`) || !json.Valid([]byte(v.Str())) {
		t.Errorf("the deep part is not the record's JSON text: %.60s", v.Str())
	}
}
