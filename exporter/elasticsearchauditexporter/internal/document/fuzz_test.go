// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
)

// checkDocument fails unless doc is what Elasticsearch's parser accepts: one
// JSON object, valid UTF-8, and no object with the same key twice (its
// strict duplicate detection rejects such a document, which would cost the
// record).
func checkDocument(t *testing.T, doc []byte) {
	t.Helper()
	if !utf8.Valid(doc) {
		t.Fatalf("document is not valid UTF-8: %q", doc)
	}
	if !json.Valid(doc) || len(doc) == 0 || doc[0] != '{' {
		t.Fatalf("document is not a JSON object: %q", doc)
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := noDuplicateKeys(d); err != nil {
		t.Fatalf("%v in %s", err, doc)
	}
}

// noDuplicateKeys reads one JSON value from d and reports an object that
// repeats a key.
func noDuplicateKeys(d *json.Decoder) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return errors.New("duplicate key " + key)
			}
			seen[key] = true
			if err := noDuplicateKeys(d); err != nil {
				return err
			}
		}
		_, err = d.Token()
	case json.Delim('['):
		for d.More() {
			if err := noDuplicateKeys(d); err != nil {
				return err
			}
		}
		_, err = d.Token()
	}
	return err
}

// encodeAll encodes every record of ld in each layout and checks the
// documents and their _id.
func encodeAll(t *testing.T, ld plog.Logs) {
	t.Helper()
	encoders := []*Encoder{
		NewEncoder(Options{}),
		NewEncoder(Options{EventOriginal: true}),
		NewEncoder(Options{Mode: ModeOTel}),
	}
	def := Route{Dataset: "cloudtrail.personalize", Namespace: "default"}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				lr := sl.LogRecords().At(k)
				r := Resolve(def, rl.Resource(), sl.Scope(), lr.Attributes())
				if idx := r.Index(); !utf8.ValidString(idx) || idx == "" {
					t.Fatalf("index name %q", idx)
				}
				// Twice per encoder: the tree it keeps between documents
				// must not leak one into the next. (Without either
				// timestamp @timestamp is the time of encoding.)
				stable := lr.Timestamp() != 0 || lr.ObservedTimestamp() != 0
				for _, e := range encoders {
					first := e.Append(nil, rl.Resource(), sl.Scope(), lr, r)
					checkDocument(t, first)
					if again := e.Append(nil, rl.Resource(), sl.Scope(), lr, r); stable && !bytes.Equal(first, again) {
						t.Fatalf("the same record encoded twice differs:\n%s\n%s", first, again)
					}
					id := e.ID(rl.Resource(), sl.Scope(), lr)
					if id == "" || len(id) > MaxIDLength {
						t.Fatalf("_id %q (%d bytes)", id, len(id))
					}
				}
			}
		}
	}
}

// seedRecords adds the records of a few CloudTrail files of the repository
// (the decoder's test data: AWS documentation samples, Stratus Red Team
// detonations, synthetic Personalize calls, edge cases).
func seedRecords(f *testing.F, add func(record []byte)) {
	root := filepath.Join("..", "..", "..", "..", "pkg", "cloudtrail", "testdata")
	files, err := filepath.Glob(filepath.Join(root, "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files under %s (%v)", root, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var file struct{ Records []json.RawMessage }
		if json.Unmarshal(b, &file) != nil {
			continue
		}
		for i, r := range file.Records {
			if i == 4 {
				break
			}
			add(r)
		}
	}
	add([]byte(createCampaign))
}

// FuzzEncodeCloudTrail maps a CloudTrail record the way the receiver does
// (each body mode) and encodes it in every layout: the encoder never panics
// and always writes a document Elasticsearch can parse.
func FuzzEncodeCloudTrail(f *testing.F) {
	seedRecords(f, func(r []byte) { f.Add(r, uint8(0)) })
	f.Add([]byte(`{"eventID":"a","eventSource":"x","requestParameters":{"a":1,"a":2},"responseElements":"HIDDEN"}`), uint8(0))
	f.Add([]byte(`{"eventID":"a","eventSource":"x","requestParameters":{"a":1,"a":2},"responseElements":"HIDDEN"}`), uint8(1))
	f.Add([]byte(`{"eventID":"a","eventSource":"x","requestParameters":{"k":"`+"\xff"+`"}}`), uint8(1))
	f.Fuzz(func(t *testing.T, record []byte, mode uint8) {
		var r ct.Record
		if r.Parse(record) != nil {
			return
		}
		body := []ct.BodyMode{ct.BodyMap, ct.BodyJSON, ct.BodyNone}[int(mode)%3]
		b := ct.NewBatch(ct.MapOptions{Body: body, ScopeName: "cloudtrailreceiver"})
		lr, err := b.Append(&r, time.Date(2026, 11, 20, 9, 20, 0, 0, time.UTC))
		if err != nil {
			return // the receiver counts it as a bad record; nothing reaches the exporter
		}
		lr.Attributes().PutStr("log.file.path", "/var/log/cloudtrail/x.json.gz")
		encodeAll(t, b.Take())
	})
}

// FuzzEncodeAttributes builds a record from fuzzed attributes, resource
// attributes and body (JSON turned into pdata values, or plain text) as any
// pipeline could hand the exporter, with and without the CloudTrail
// attributes that select the CloudTrail mapping.
func FuzzEncodeAttributes(f *testing.F) {
	f.Add(`{"aws.cloudtrail.event_id":"e1","aws.cloudtrail.event_name":"CreateCampaign","source.address":"198.51.100.7","user.name":"alice"}`,
		`{"cloud.provider":"aws","cloud.region":"us-east-1"}`, createCampaign, "", int64(1763630102000000000))
	f.Add(`{"a":"x","a.b":"y","a.value":"z","data_stream.dataset":"Bad*Name"}`, `{"a":{"b":1}}`, "plain text", "ev", int64(0))
	f.Add(`{"aws.cloudtrail.event_source":"s3.amazonaws.com","aws.cloudtrail.read_only":true,"aws.error.code":"AccessDenied"}`,
		`{}`, `{"requestParameters":"HIDDEN_DUE_TO_SECURITY_REASONS","responseElements":null}`, "GetObject", int64(-1))
	f.Add(`{"x..y":1,".":2,"z.":[1,{"q":null}],"n":1e400}`, `{"data_stream.namespace":""}`, `[1,"a",true]`, "\xff", int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, attrsJSON, resourceJSON, body, eventName string, ts int64) {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		putJSONMap(rl.Resource().Attributes(), resourceJSON)
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(eventName)
		lr := sl.LogRecords().AppendEmpty()
		putJSONMap(lr.Attributes(), attrsJSON)
		lr.Attributes().PutStr(eventName, eventName) // a key as it comes, not as JSON decodes it
		lr.SetEventName(eventName)
		lr.SetSeverityText(eventName)
		lr.SetTimestamp(pcommon.Timestamp(ts))
		lr.SetObservedTimestamp(pcommon.Timestamp(uint64(ts) >> 1))
		var raw any
		if err := json.Unmarshal([]byte(body), &raw); err == nil {
			if err := lr.Body().FromRaw(raw); err != nil {
				t.Skip(err)
			}
		} else {
			lr.Body().SetStr(body)
		}
		encodeAll(t, ld)
		// A body of text gets the CloudTrail mapping's JSON body path.
		lr.Attributes().PutStr(attr.EventID, eventName)
		lr.Body().SetStr(body)
		encodeAll(t, ld)
	})
}

// putJSONMap fills m from a JSON object, key order kept; anything else
// becomes one string attribute.
func putJSONMap(m pcommon.Map, js string) {
	d := json.NewDecoder(bytes.NewReader([]byte(js)))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		m.PutStr("raw", js)
		return
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return
		}
		putRaw(m.PutEmpty(k.(string)), v)
	}
	if _, err := d.Token(); err != nil && !errors.Is(err, io.EOF) {
		return
	}
}

// putRaw sets a pdata value from decoded JSON, numbers as int when they are
// integers (as the receiver maps them) and as double otherwise.
func putRaw(v pcommon.Value, raw any) {
	switch x := raw.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			v.SetInt(i)
		} else if f, err := x.Float64(); err == nil {
			v.SetDouble(f)
		} else {
			v.SetStr(string(x))
		}
	case map[string]any:
		m := v.SetEmptyMap()
		for k, e := range x {
			putRaw(m.PutEmpty(k), e)
		}
	case []any:
		s := v.SetEmptySlice()
		for _, e := range x {
			putRaw(s.AppendEmpty(), e)
		}
	case string:
		v.SetStr(x)
	case bool:
		v.SetBool(x)
	}
}

// TestNoKeyTwice: the documents the fuzz targets found Elasticsearch would
// refuse (an object with a key twice, bytes that are not UTF-8) are written
// so that it parses them.
func TestNoKeyTwice(t *testing.T) {
	t.Run("attributes a, a.b and a.value", func(t *testing.T) {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(1)
		lr.Attributes().PutStr("a", "x")
		lr.Attributes().PutStr("a.b", "y")
		lr.Attributes().PutStr("a.value", "z")
		encodeAll(t, ld)
	})
	t.Run("keys that differ only in bytes that are not UTF-8", func(t *testing.T) {
		ld := plog.NewLogs()
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(1)
		lr.Attributes().PutStr("a\xff", "1")
		lr.Attributes().PutStr("a\xfe", "2")
		lr.Attributes().PutEmptyMap("m").PutStr("k\xff", "v")
		lr.Attributes().PutStr(attr.EventSource, "s3.amazonaws.com")
		body := lr.Body().SetEmptyMap()
		rp := body.PutEmptyMap("requestParameters")
		rp.PutStr("k\xff", "1")
		rp.PutStr("k\xfe", "2")
		encodeAll(t, ld)
	})
	for name, js := range map[string]string{
		"a repeated key in requestParameters (body: json)": `{"eventID":"a","eventSource":"x","requestParameters":{"a":1,"b":{"c":1,"c":2},"a":2}}`,
		"a key repeated in an escaped form":                `{"eventID":"a","eventSource":"x","requestParameters":{"a":1,"\u0061":2}}`,
		"bytes that are not UTF-8 in requestParameters":    `{"eventID":"a","eventSource":"x","requestParameters":{"k":"` + "\xff" + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var r ct.Record
			if err := r.Parse([]byte(js)); err != nil {
				t.Fatal(err)
			}
			b := ct.NewBatch(ct.MapOptions{Body: ct.BodyJSON})
			if _, err := b.Append(&r, time.Unix(1, 0)); err != nil {
				t.Fatal(err)
			}
			encodeAll(t, b.Take())
		})
	}
}

func TestHasDuplicateKeys(t *testing.T) {
	for js, want := range map[string]bool{
		`{}`: false, `{"a":1,"b":{"a":1}}`: false, `[{"a":1},{"a":2}]`: false, `{"a":"{\"a\":1,\"a\":1}"}`: false,
		`{"a":1,"a":2}`: true, `{"x":[{"a":1,"a":2}]}`: true, `{"a\"":1,"a\u0022":2}`: true,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k17":7,"k3":3}`: true,
	} {
		if got := hasDuplicateKeys([]byte(js)); got != want {
			t.Errorf("hasDuplicateKeys(%s) = %v, want %v", js, got, want)
		}
	}
}
