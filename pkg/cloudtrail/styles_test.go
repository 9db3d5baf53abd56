// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/plog"
)

// TestEncodingStylesAgree: the same records, written the ways other JSON
// encoders write them (pretty-printed, keys sorted, every non-ASCII character
// and even every key letter as a \u escape, '/' escaped as PHP and some Java
// encoders do, CRLF line ends), in each envelope, decode to the same log
// records. The product is judged on trails from generators we have not seen;
// JSON allows all of these.
func TestEncodingStylesAgree(t *testing.T) {
	files, err := filepath.Glob("testdata/stratus-red-team/*.json")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/synthetic/personalize-synthetic.records.json",
		"testdata/otel-contrib/cloudtraillog_testdata_cloudtrail_log.json",
		"testdata/awsdocs-cloudtrail-user-guide/cloudtrail-log-file-examples.records.json")
	var records []any
	for _, f := range files {
		data, err := os.ReadFile(filepath.FromSlash(f))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch doc := doc.(type) {
		case []any: // Stratus Red Team captures are bare arrays
			records = append(records, doc...)
		case map[string]any:
			records = append(records, doc["Records"].([]any)...)
		}
	}
	// A value with characters every style treats differently.
	records = append(records, map[string]any{
		"eventVersion": "1.09", "eventSource": "personalize.amazonaws.com", "eventName": "CreateCampaign",
		"eventTime": "2025-01-02T03:04:05Z", "eventID": "styles-1", "awsRegion": "eu-west-1",
		"requestParameters": map[string]any{"name": "café/été <&> \"q\" \\ \t ✓ 😀", "minProvisionedTPS": json.Number("12345678901234567")},
		"responseElements":  map[string]any{"campaignArn": "arn:aws:personalize:eu-west-1:111122223333:campaign/café"},
	})

	styles := []style{
		{name: "compact"},
		{name: "pretty", indent: "  "},
		{name: "ascii", ascii: true},
		{name: "escaped slashes", slash: true},
		{name: "escaped keys", escapeKeys: true},
		{name: "pretty crlf, everything escaped", indent: "\t", crlf: true, ascii: true, slash: true, escapeKeys: true},
	}
	if len(records) < 30 {
		t.Fatalf("only %d records to compare", len(records))
	}
	sel := NewSelector(nil, nil, nil) // every source
	var want []string
	for _, st := range styles {
		for _, env := range []string{"records", "array", "lines", "cloudwatch export"} {
			var buf bytes.Buffer
			switch env {
			case "records", "array":
				if env == "records" {
					buf.WriteString(`{"Records":`)
				}
				buf.WriteString("[")
				for i, r := range records {
					if i > 0 {
						buf.WriteString(",")
					}
					st.write(&buf, r, 1)
				}
				buf.WriteString("]")
				if env == "records" {
					buf.WriteString("}")
				}
			case "lines", "cloudwatch export":
				if st.indent != "" {
					continue // JSON Lines are one record per line
				}
				for i, r := range records {
					if env == "cloudwatch export" {
						fmt.Fprintf(&buf, "2024-05-01T10:%02d:%02d.%03dZ ", i/60%60, i%60, i%1000)
					}
					st.write(&buf, r, 0)
					buf.WriteString(st.newline())
				}
			}
			if st.escapeKeys && !bytes.Contains(buf.Bytes(), []byte(`"\u0065\u0076\u0065\u006E\u0074`)) {
				t.Fatalf("%s: keys were not escaped", st.name)
			}
			for _, body := range []BodyMode{BodyMap, BodyNone} {
				got := decodeStyled(t, buf.Bytes(), sel, body)
				if len(got) != len(records) {
					t.Fatalf("%s/%s/%s: %d records mapped, want %d", st.name, env, body, len(got), len(records))
				}
				if want == nil && body == BodyMap {
					want = got
					continue
				}
				for i := range got {
					w := want[i]
					if body == BodyNone {
						w = withoutBody(w)
					}
					if got[i] != w {
						t.Fatalf("%s/%s/body=%s: record %d differs from the compact form:\n got %s\nwant %s", st.name, env, body, i, got[i], w)
					}
				}
			}
		}
	}
}

// decodeStyled maps every record of data and renders each log record
// (attributes, body, times, severity) as one comparable string.
func decodeStyled(t *testing.T, data []byte, sel *Selector, body BodyMode) []string {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(data), sel, DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fr.observed = func() time.Time { return time.Unix(0, 0) }
	fr.OnRecordError = func(index int64, err error) { t.Fatalf("record %d: %v", index, err) }
	batch := NewBatch(MapOptions{Body: body})
	if err := fr.ReadBatch(batch, 1<<20); err != io.EOF {
		t.Fatalf("ReadBatch: %v", err)
	}
	// Batches group records by account and region: sort to compare.
	var out []string
	for _, rl := range batch.Take().ResourceLogs().All() {
		res := fmt.Sprint(rl.Resource().Attributes().AsRaw())
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, renderRecord(res, lr))
			}
		}
	}
	sort.Strings(out)
	return out
}

func renderRecord(res string, lr plog.LogRecord) string {
	return fmt.Sprintf("resource=%s time=%d severity=%s name=%s attrs=%v body=%v",
		res, lr.Timestamp(), lr.SeverityText(), lr.EventName(), lr.Attributes().AsRaw(), lr.Body().AsRaw())
}

func withoutBody(s string) string {
	return s[:strings.LastIndex(s, " body=")] + " body=<nil>"
}

// style is one way of writing JSON.
type style struct {
	name       string
	indent     string // pretty-print with this indent
	crlf       bool   // line ends \r\n
	ascii      bool   // non-ASCII as \u escapes (surrogate pairs beyond the BMP)
	slash      bool   // '/' as \/
	escapeKeys bool   // every key letter as a \u escape
}

func (st style) newline() string {
	if st.crlf {
		return "\r\n"
	}
	return "\n"
}

func (st style) write(b *bytes.Buffer, v any, depth int) {
	nl := func(d int) {
		if st.indent != "" {
			b.WriteString(st.newline())
			b.WriteString(strings.Repeat(st.indent, d))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			nl(depth + 1)
			st.str(b, k, st.escapeKeys)
			b.WriteString(":")
			if st.indent != "" {
				b.WriteString(" ")
			}
			st.write(b, v[k], depth+1)
		}
		if len(keys) > 0 {
			nl(depth)
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",")
			}
			nl(depth + 1)
			st.write(b, e, depth+1)
		}
		if len(v) > 0 {
			nl(depth)
		}
		b.WriteString("]")
	case string:
		st.str(b, v, false)
	default:
		enc, err := json.Marshal(v) // numbers (json.Number, exact), booleans, null
		if err != nil {
			panic(err)
		}
		b.Write(enc)
	}
}

func (st style) str(b *bytes.Buffer, s string, escapeAll bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '/' && st.slash:
			b.WriteString(`\/`)
		case r < 0x20:
			fmt.Fprintf(b, `\u%04x`, r)
		case escapeAll && r < utf8.RuneSelf, st.ascii && r >= utf8.RuneSelf && r < 0x10000:
			fmt.Fprintf(b, `\u%04X`, r)
		case st.ascii && r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
