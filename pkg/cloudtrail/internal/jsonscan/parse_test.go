// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package jsonscan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// toAny converts a Doc node into encoding/json's generic form, numbers as
// json.Number, so the parser can be checked against the standard library.
func (d *Doc) toAny(i int32) any {
	switch d.nodes[i].kind {
	case Null:
		return nil
	case True:
		return true
	case False:
		return false
	case Number:
		return json.Number(d.Raw(i))
	case String:
		return d.Text(i)
	case Object:
		m := map[string]any{}
		end := d.nodes[i].next
		for k := i + 1; k < end; {
			v := k + 1
			m[d.Text(k)] = d.toAny(v)
			k = d.nodes[v].next
		}
		return m
	default:
		var s []any
		end := d.nodes[i].next
		for e := i + 1; e < end; e = d.nodes[e].next {
			s = append(s, d.toAny(e))
		}
		if s == nil {
			s = []any{}
		}
		return s
	}
}

func checkAgainstStdlib(t *testing.T, in []byte) {
	var d Doc
	err := d.Parse(in)
	valid := json.Valid(in)
	if bytes.Count(in, []byte("["))+bytes.Count(in, []byte("{")) > maxDepth-10 {
		return // the standard library allows deeper nesting than we do
	}
	if (err == nil) != valid {
		t.Fatalf("Parse(%q) error = %v, json.Valid = %v", in, err, valid)
	}
	if err != nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("stdlib decode: %v", err)
	}
	if got := d.toAny(Root); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%q)\n got %#v\nwant %#v", in, got, want)
	}
}

var jsonSeeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e10`, `-1E-7`, `"x"`,
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
	`{"s":"\u00e9\ud83d\ude00\n\t\"\\\/"}`,
	`{"lone":"\ud800x","bad":"\udc00"}`,
	"{\"utf8\":\"caf\xc3\xa9\",\"invalid\":\"\xff\xfe\"}",
	`{"dup":1,"dup":2}`,
	`[1,2,]`, `{"a":}`, `{"a" 1}`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"\u12"`, "\"a\x01\"", `tru`, `nul`, `[`, `{"a":1`,
	`{"eventVersion":"1.11","requestParameters":{"numResults":1234567890123456789,"huge":123456789012345678901234567890}}`,
}

func TestParseMatchesStdlib(t *testing.T) {
	for _, s := range jsonSeeds {
		checkAgainstStdlib(t, []byte(s))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkAgainstStdlib(t, in)
	})
}

func TestParseDepthLimit(t *testing.T) {
	var d Doc
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if err := d.Parse([]byte(deep)); err == nil || !strings.Contains(err.Error(), "too deep") {
		t.Fatalf("error %v, want nesting too deep", err)
	}
	ok := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if err := d.Parse([]byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", maxDepth, err)
	}
}

func TestNumbersKeepPrecision(t *testing.T) {
	var d Doc
	if err := d.Parse([]byte(`[9223372036854775807,-9223372036854775808,9223372036854775808,1234567890123456789,0.1,1e400,-42,1.0]`)); err != nil {
		t.Fatal(err)
	}
	type num struct {
		iv           int64
		fv           float64
		isInt, exact bool
		raw          string
	}
	var got []num
	for e := int32(1); e < d.nodes[0].next; e = d.nodes[e].next {
		iv, fv, isInt, exact := d.Number(e)
		got = append(got, num{iv, fv, isInt, exact, d.Raw(e)})
	}
	want := []num{
		{9223372036854775807, 0, true, true, "9223372036854775807"},
		{-9223372036854775808, 0, true, true, "-9223372036854775808"},
		{0, 0, true, false, "9223372036854775808"},
		{1234567890123456789, 0, true, true, "1234567890123456789"},
		{0, 0.1, false, true, "0.1"},
		{0, 0, false, false, "1e400"},
		{-42, 0, true, true, "-42"},
		{0, 1, false, true, "1.0"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

// FuzzScanString checks the block-mask string scan against the byte loop it
// stands in for, from every quote of the input, whatever the platform's
// classifier (the parse itself uses the masks only where classify is fast).
func FuzzScanString(f *testing.F) {
	f.Add([]byte(`{"a":"` + strings.Repeat("x", 70) + `","b\"":"\u00e9é","c":"` + "\x01" + `"}`))
	f.Add([]byte(`"unterminated` + strings.Repeat(" ", 60)))
	f.Fuzz(func(t *testing.T, src []byte) {
		var d Doc
		d.src = src
		d.classify(src)
		for p, c := range src {
			if c != '"' {
				continue
			}
			end, esc, err := d.scanString(p)
			wantEnd, wantEsc, wantErr := scanString(src, p)
			if end != wantEnd || esc != wantEsc || (err == nil) != (wantErr == nil) {
				t.Fatalf("scanString at %d of %q = (%d, %v, %v), want (%d, %v, %v)", p, src, end, esc, err, wantEnd, wantEsc, wantErr)
			}
		}
	})
}
