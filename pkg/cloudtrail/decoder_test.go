// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// drain reads every record of input and returns their JSON, the record
// errors by index, and the final error (nil at a clean EOF).
func drain(t testing.TB, input []byte, opts DecoderOptions) (recs []string, recErrs map[int64]error, final error, d *Decoder) {
	t.Helper()
	return drainFrom(t, bytes.NewReader(input), opts)
}

// drainFrom is drain over any source.
func drainFrom(t testing.TB, r io.Reader, opts DecoderOptions) (recs []string, recErrs map[int64]error, final error, d *Decoder) {
	t.Helper()
	d, err := NewDecoder(r, opts)
	if err != nil {
		return nil, nil, err, nil
	}
	recErrs = map[int64]error{}
	for {
		raw, err := d.Next()
		if err == io.EOF {
			return recs, recErrs, nil, d
		}
		var re *RecordError
		if errors.As(err, &re) {
			recErrs[re.Index] = re.Err
			continue
		}
		if err != nil {
			return recs, recErrs, err, d
		}
		if want := int64(len(recs)+len(recErrs)) + d.Skipped(); raw.Index != want {
			t.Fatalf("record index %d, want %d", raw.Index, want)
		}
		recs = append(recs, string(raw.Data))
	}
}

func gz(t testing.TB, b []byte) []byte {
	return compressWith(t, b, func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriter(w), nil })
}

// compressWith returns b written through the compressing writer nw makes.
func compressWith(t testing.TB, b []byte, nw func(io.Writer) (io.WriteCloser, error)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := nw(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecoderEnvelopes(t *testing.T) {
	r1 := `{"eventID":"1","eventSource":"personalize.amazonaws.com","s":"a \"quoted\" ] } string \\"}`
	r2 := `{"eventID":"2","nested":{"a":[1,2,{"b":"]"}]}}`
	cw := func(msgs ...string) string {
		var evs []string
		for i, m := range msgs {
			q, _ := jsonQuote(m)
			evs = append(evs, fmt.Sprintf(`{"id":"%d","timestamp":1700000000000,"message":%s}`, i, q))
		}
		return `{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[` + strings.Join(evs, ",") + `]}`
	}
	eb := func(rec string) string {
		return `{"version":"0","id":"6f7a","detail-type":"AWS API Call via CloudTrail","source":"aws.personalize","account":"111122223333","time":"2024-05-01T10:00:00Z","region":"us-east-1","resources":[],"detail":` + rec + `}`
	}
	ebSorted := func(rec string) string {
		return `{"account":"111122223333","detail":` + rec + `,"detail-type":"AWS API Call via CloudTrail","id":"6f7a","region":"us-east-1","resources":[],"source":"aws.personalize","time":"2024-05-01T10:00:00Z","version":"0"}`
	}
	lookupSorted := func(rec string) string {
		q, _ := jsonQuote(rec)
		return `{"AccessKeyId":"AKIAEXAMPLE","CloudTrailEvent":` + q + `,"EventId":"1","EventName":"CreateCampaign"}`
	}
	lookup := func(rec string) string {
		q, _ := jsonQuote(rec)
		return `{"EventId":"1","EventName":"CreateCampaign","ReadOnly":"false","EventTime":"2024-05-01T10:00:00+00:00","EventSource":"personalize.amazonaws.com","Resources":[],"CloudTrailEvent":` + q + `}`
	}
	tests := []struct {
		name   string
		in     string
		want   []string
		format Format
	}{
		{"records", `{"Records":[` + r1 + `,` + r2 + `]}`, []string{r1, r2}, FormatRecords},
		{"records with whitespace", " \n{ \"Records\" : [ \n" + r1 + " ,\n\t" + r2 + " \n] }\n", []string{r1, r2}, FormatRecords},
		{"records not first key", `{"x":{"Records":[1]},"Records":[` + r1 + `],"y":[1,2]}`, []string{r1}, FormatRecords},
		{"empty records", `{"Records":[]}`, nil, FormatRecords},
		{"null records", `{"Records":null}`, nil, FormatRecords},
		{"bare array", `[` + r1 + `,` + r2 + `]`, []string{r1, r2}, FormatArray},
		{"empty array", `[]`, nil, FormatArray},
		{"concatenated", `{"Records":[` + r1 + `]}{"Records":[` + r2 + `]}`, []string{r1, r2}, FormatRecords},
		{"concatenated newline", `{"Records":[` + r1 + "]}\n" + `{"Records":[` + r2 + "]}\n", []string{r1, r2}, FormatRecords},
		{"cloudwatch", cw(r1, r2), []string{r1, r2}, FormatCloudWatch},
		{"cloudwatch control", `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`, nil, FormatCloudWatch},
		{"digest", `{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestS3Bucket":"b","digestS3Object":"o","logFiles":[{"s3Object":"x"}]}`, nil, FormatDigest},
		{"empty digest", `{"awsAccountId":"1","digestEndTime":"x","logFiles":[]}`, nil, FormatDigest},
		{"bom", "\xEF\xBB\xBF" + `{"Records":[` + r1 + `]}`, []string{r1}, FormatRecords},
		{"one record", r1, []string{r1}, FormatObjects},
		{"json lines", r1 + "\n" + r2 + "\n", []string{r1, r2}, FormatObjects},
		{"json lines crlf", r1 + "\r\n" + r2, []string{r1, r2}, FormatObjects},
		{"concatenated records", r1 + r2, []string{r1, r2}, FormatObjects},
		{"json lines, keys sorted", `{"additionalEventData":{},"eventSource":"x"}` + "\n" + `{"annotation":"a","eventSource":"y"}`, []string{`{"additionalEventData":{},"eventSource":"x"}`, `{"annotation":"a","eventSource":"y"}`}, FormatObjects},
		{"eventbridge", eb(r1) + "\n" + eb(r2) + "\n", []string{r1, r2}, FormatEventBridge},
		{"eventbridge other events skipped", `{"version":"0","id":"1","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"}}}` + "\n" + eb(r1), []string{r1}, FormatEventBridge},
		{"eventbridge array", `[` + eb(r1) + `,` + eb(r2) + `]`, []string{r1, r2}, FormatArray},
		{"lookup events", `{"Events":[` + lookup(r1) + `,` + lookup(r2) + `],"NextToken":"abc"}`, []string{r1, r2}, FormatLookupEvents},
		{"lookup events array", `[` + lookup(r1) + `,` + lookup(r2) + `]`, []string{r1, r2}, FormatArray},
		{"lookup events lines", lookup(r1) + "\n" + lookup(r2), []string{r1, r2}, FormatLookupEvents},
		// Tools that sort keys (Go maps, jq -S) put "account" first in an
		// EventBridge event and "AccessKeyId" in a LookupEvents one.
		{"eventbridge, keys sorted", ebSorted(r1) + "\n" + ebSorted(r2), []string{r1, r2}, FormatEventBridge},
		{"eventbridge array, keys sorted", `[` + ebSorted(r1) + `,` + ebSorted(r2) + `]`, []string{r1, r2}, FormatArray},
		{"lookup events lines, keys sorted", lookupSorted(r1) + "\n" + lookupSorted(r2), []string{r1, r2}, FormatLookupEvents},
		// A CloudWatch Logs export to S3 of a trail's log group: each line
		// is an event's timestamp, a space and its message.
		{"cloudwatch export", "2024-05-01T10:00:00.123Z " + r1 + "\n2024-05-01T10:00:01.000Z " + r2 + "\n", []string{r1, r2}, FormatCloudWatchExport},
		{"cloudwatch export, other stamps", "2024-05-01T10:00:00Z\t" + r1 + "\r\n2024-05-01t10:00:01.123456+02:00 " + r2, []string{r1, r2}, FormatCloudWatchExport},
		{"cloudwatch export of eventbridge events", "2024-05-01T10:00:00.000Z " + eb(r1) + "\n2024-05-01T10:00:00.000Z " + ebSorted(r2), []string{r1, r2}, FormatCloudWatchExport},
	}
	for _, tc := range tests {
		eachVariant(t, tc.name, tc.in, func(t *testing.T, in []byte, opts DecoderOptions) {
			recs, recErrs, err, d := drain(t, in, opts)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(recErrs) > 0 {
				t.Fatalf("record errors: %v", recErrs)
			}
			if fmt.Sprint(recs) != fmt.Sprint(tc.want) {
				t.Fatalf("records\n got %q\nwant %q", recs, tc.want)
			}
			if d.Format() != tc.format {
				t.Fatalf("format %v, want %v", d.Format(), tc.format)
			}
		})
	}
}

// eachVariant runs f on in as a subtest per form the decoder must treat
// alike: plain, gzip, zstd and snappy, with the default buffer and with one
// so small that every value straddles refills.
func eachVariant(t *testing.T, name, in string, f func(t *testing.T, in []byte, opts DecoderOptions)) {
	t.Helper()
	for _, c := range compressors {
		for _, bufSize := range []int{0, 7} {
			t.Run(fmt.Sprintf("%s/%s/buf=%d", name, c.name, bufSize), func(t *testing.T) {
				f(t, c.compress(t, []byte(in)), DecoderOptions{BufferSize: bufSize})
			})
		}
	}
}

// compressors are the encodings the decoder reads, each with a writer.
var compressors = []struct {
	name     string
	compress func(testing.TB, []byte) []byte
}{
	{"plain", func(_ testing.TB, b []byte) []byte { return b }},
	{"gzip", gz},
	{"zstd", func(t testing.TB, b []byte) []byte {
		return compressWith(t, b, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	}},
	{"snappy", func(t testing.TB, b []byte) []byte {
		return compressWith(t, b, func(w io.Writer) (io.WriteCloser, error) {
			return s2.NewWriter(w, s2.WriterSnappyCompat()), nil
		})
	}},
}

// TestDecoderCompressions: every compression is found by its magic bytes
// whatever the source reader; the ones not read, and corrupt or cut streams,
// give errors that say so.
func TestDecoderCompressions(t *testing.T) {
	doc := []byte(`{"Records":[{"eventID":"a"},{"eventID":"b"}]}`)
	for _, c := range compressors {
		data := c.compress(t, doc)
		for _, src := range []struct {
			name string
			r    io.Reader
		}{
			{"bytes", bytes.NewReader(data)},
			{"bufio", bufio.NewReader(bytes.NewReader(data))},
			{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
		} {
			recs, _, err, d := drainFrom(t, src.r, DecoderOptions{})
			if err != nil || len(recs) != 2 {
				t.Errorf("%s from %s: records %q, error %v", c.name, src.name, recs, err)
			}
			if d != nil {
				d.Close()
			}
		}
		if c.name == "plain" {
			continue
		}
		_, _, err, _ := drain(t, data[:len(data)-4], DecoderOptions{})
		if err == nil || !strings.Contains(err.Error(), "truncated") && !errors.Is(err, ErrDecompress) && !errors.Is(err, ErrTruncated) {
			t.Errorf("%s cut short: error %v", c.name, err)
		}
	}
	corrupt := compressors[2].compress(t, bytes.Repeat(doc, 50))
	corrupt[len(corrupt)/2] ^= 0xff
	if _, _, err, _ := drain(t, corrupt, DecoderOptions{}); !errors.Is(err, ErrDecompress) {
		t.Errorf("corrupt zstd: error %v, want ErrDecompress", err)
	}
	for name, head := range map[string]string{"zip": "PK\x03\x04\x14\x00", "bzip2": "BZh91AY&SY", "xz": "\xfd7zXZ\x00\x00"} {
		_, _, err, _ := drain(t, []byte(head+"rest of the archive"), DecoderOptions{})
		if !errors.Is(err, ErrUnsupportedCompression) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want ErrUnsupportedCompression naming it", name, err)
		}
	}
}

// TestDecoderNestedCompression: a Firehose stream with GZIP compression that
// delivers CloudWatch Logs subscription payloads (gzipped already) writes
// gzip members inside gzip; two layers are read, a third is refused.
func TestDecoderNestedCompression(t *testing.T) {
	r1, r2 := `{"eventID":"1","eventSource":"personalize.amazonaws.com"}`, `{"eventID":"2","eventSource":"personalize.amazonaws.com"}`
	payload := func(rec string) []byte {
		q, _ := jsonQuote(rec)
		return gz(t, []byte(`{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":`+q+`}]}`))
	}
	inner := append(payload(r1), payload(r2)...) // one gzip member per payload
	outer := gz(t, inner)
	recs, recErrs, err, d := drain(t, outer, DecoderOptions{})
	if err != nil || len(recErrs) > 0 || fmt.Sprint(recs) != fmt.Sprint([]string{r1, r2}) {
		t.Fatalf("gzip in gzip: records %q, record errors %v, error %v", recs, recErrs, err)
	}
	if d.compression != "gzip+gzip" || d.Format() != FormatCloudWatch {
		t.Fatalf("compression %q, format %v", d.compression, d.Format())
	}
	if _, _, err, _ := drain(t, compressors[2].compress(t, outer), DecoderOptions{}); !errors.Is(err, ErrUnsupportedCompression) || !strings.Contains(err.Error(), "gzip inside zstd+gzip") {
		t.Fatalf("three layers: error %v, want ErrUnsupportedCompression", err)
	}
}

func jsonQuote(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

func TestDecoderOneByteReads(t *testing.T) {
	in := `{"Records":[{"a":"x\\\"y"},{"b":[1,2,3]},{"c":"\\\\"}]}`
	got, recErrs, err, _ := drainFrom(t, iotest.OneByteReader(strings.NewReader(in)), DecoderOptions{BufferSize: 1})
	if err != nil || len(recErrs) > 0 {
		t.Fatalf("error %v, record errors %v", err, recErrs)
	}
	want := []string{`{"a":"x\\\"y"}`, `{"b":[1,2,3]}`, `{"c":"\\\\"}`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestDecoderBadInput(t *testing.T) {
	good := `{"eventID":"a"}`
	tests := []struct {
		name      string
		in        []byte
		wantRecs  int
		wantErr   error  // errors.Is target of the final error
		errText   string // substring of the final error
		errIndex  int64
		recErrIdx []int64
	}{
		{name: "zero bytes", in: nil, wantErr: ErrEmpty},
		{name: "whitespace", in: []byte("  \n"), wantErr: ErrEmpty},
		{name: "not cloudtrail", in: []byte(`{"hello":"world"}`), wantErr: ErrNotCloudTrail},
		{name: "empty object", in: []byte(`{}`), wantErr: ErrNotCloudTrail},
		{name: "scalar", in: []byte(`42`), errText: "does not start with a JSON object or array"},
		// Timestamped lines are a CloudWatch Logs export only when the first
		// message is an object, and a record only when one is.
		{name: "timestamped text log", in: []byte("2024-05-01T10:00:00.000Z started\n2024-05-01T10:00:01.000Z " + good + "\n"), errText: "does not start with a JSON object or array"},
		{name: "export of another log group", in: []byte("2024-05-01T10:00:00.000Z {\"level\":\"info\"}\n2024-05-01T10:00:01.000Z {\"level\":\"warn\"}\n"), wantErr: ErrNotCloudTrail},
		{name: "truncated in record", in: []byte(`{"Records":[` + good + `,` + good + `,{"eventID":"c","x":"abc`), wantRecs: 2, wantErr: ErrTruncated, errIndex: 2},
		{name: "truncated between records", in: []byte(`{"Records":[` + good + `,`), wantRecs: 1, wantErr: ErrTruncated, errIndex: 1},
		{name: "truncated after array", in: []byte(`{"Records":[` + good + `]`), wantRecs: 1, wantErr: ErrTruncated},
		{name: "missing comma", in: []byte(`{"Records":[` + good + good + `]}`), wantRecs: 1, errText: "expected ',' or ']' after record 0"},
		{name: "trailing comma", in: []byte(`{"Records":[` + good + `,]}`), wantRecs: 1, errText: "after ','"},
		{name: "garbage after", in: []byte(`{"Records":[` + good + `]} xyz`), wantRecs: 1, errText: "after the end of the JSON value"},
	}
	for _, tc := range tests {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/gzip=%v", tc.name, compress), func(t *testing.T) {
				in := tc.in
				if compress {
					in = gz(t, in)
				}
				recs, _, err, _ := drain(t, in, DecoderOptions{})
				if len(recs) != tc.wantRecs {
					t.Errorf("got %d good records, want %d", len(recs), tc.wantRecs)
				}
				if err == nil {
					t.Fatalf("no error, want %v %q", tc.wantErr, tc.errText)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v, want %v", err, tc.wantErr)
				}
				if tc.errText != "" && !strings.Contains(err.Error(), tc.errText) {
					t.Errorf("error %q does not contain %q", err, tc.errText)
				}
				var fe *FileError
				if errors.As(err, &fe) && tc.errIndex > 0 && fe.Index != tc.errIndex {
					t.Errorf("error at index %d, want %d", fe.Index, tc.errIndex)
				}
			})
		}
	}
}

// TestDecoderJSONLinesCutShort: a JSON Lines file that ends inside its last
// record is cut short (or still being written), a file error at that record,
// as with any other envelope: the receiver then reads on from that record
// once the file has grown.
func TestDecoderJSONLinesCutShort(t *testing.T) {
	a, b := `{"eventID":"a"}`, `{"eventID":"b"}`
	for name, stamp := range map[string]string{"cut": "", "export cut": "2024-05-01T10:00:00.000Z ", "export cut in stamp": "2024-05-01T10:00:00.000Z "} {
		in := stamp + a + "\n" + stamp + b + "\n" + stamp + `{"eventID":"c","userIdentity":{"ty`
		if name == "export cut in stamp" {
			in = stamp + a + "\n" + stamp + b + "\n" + stamp[:15] // "2024-05-01T10:0"
		}
		eachVariant(t, name, in, func(t *testing.T, in []byte, opts DecoderOptions) {
			recs, recErrs, err, _ := drain(t, in, opts)
			if fmt.Sprint(recs) != fmt.Sprint([]string{a, b}) || len(recErrs) > 0 {
				t.Fatalf("records %q, record errors %v", recs, recErrs)
			}
			var fe *FileError
			at := int64(2*len(stamp) + len(a) + len(b) + 2)
			if name == "export cut" {
				at += int64(len(stamp)) // the record starts after its stamp
			}
			if !errors.As(err, &fe) || !errors.Is(err, ErrTruncated) || fe.Index != 2 || fe.Offset != at {
				t.Fatalf("error %v, want ErrTruncated at record 2, byte %d", err, at)
			}
		})
	}
}

// TestDecoderJSONLinesFaults: in a file of records as top-level objects
// (JSON Lines), a broken line costs that line only; the decoder resumes at
// the next line that starts with '{'.
func TestDecoderJSONLinesFaults(t *testing.T) {
	a, b, c := `{"eventID":"a"}`, `{"eventID":"b"}`, `{"eventID":"c"}`
	const stamp = "2024-05-01T10:00:00.000Z "
	tests := []struct {
		name    string
		in      string
		want    []string
		errIdx  []int64
		skipped int64
	}{
		{"unterminated string", a + "\n" + `{"eventID":"x","s":"abc` + "\n" + b + "\n" + c + "\n", []string{a, b, c}, []int64{1}, 0},
		{"missing brace", a + "\n" + `{"eventID":"x","n":1` + "\n" + b + "\n", []string{a, b}, []int64{1}, 0},
		{"extra brace", a + "}\n" + b + "\n", []string{a, b}, []int64{1}, 0},
		{"garbage line", a + "\nnot json\n" + b, []string{a, b}, []int64{1}, 0},
		{"first line broken", `{"eventID":"x"` + "\n" + a + "\n" + b, []string{a, b}, []int64{0}, 0},
		{"object that is not a record", a + "\n" + `{"version":"3","items":[]}` + "\n" + b, []string{a, b}, []int64{1}, 0},
		{"pretty-printed and broken", "{\n  \"eventID\": \"x,\n  \"eventName\": \"y\"\n}\n" + a, []string{a}, []int64{0}, 0},
		{"object with another first key", a + "\n" + `{"hello":"world"}` + "\n" + b, []string{a, b}, []int64{1}, 0},
		{"broken object with another first key", a + "\n" + `{"hello":"wor` + "\n" + b, []string{a, b}, []int64{1}, 0},
		{"export: object with another first key", stamp + a + "\n" + stamp + `{"hello":"world"}` + "\n" + stamp + b, []string{a, b}, []int64{1}, 0},
		{"export: broken line", stamp + a + "\n" + stamp + `{"eventID":"x","s":"abc` + "\n" + stamp + b + "\n" + stamp + c, []string{a, b, c}, []int64{1}, 0},
		{"export: text message", stamp + a + "\n" + stamp + "CloudTrail started\n" + stamp + b, []string{a, b}, []int64{1}, 0},
		{"export: line without its stamp", stamp + a + "\nnot a stamp\n" + stamp + b, []string{a, b}, []int64{1}, 0},
		{"export: object that is not a record", stamp + a + "\n" + stamp + `{"version":"3","items":[]}` + "\n" + stamp + b, []string{a, b}, []int64{1}, 0},
		{"export: array message", stamp + a + "\n" + stamp + "[INFO] started\n" + stamp + "[oops\n" + stamp + b, []string{a, b}, []int64{1, 2}, 0},
		// Objects with no key, or keys an envelope starts with, between
		// records: one value (a bad record once parsed) each, never the end
		// of the file.
		{"empty object", a + "\n{}\n" + b, []string{a, "{}", b}, nil, 0},
		{"lone brace", a + "\n{\n" + b, []string{a, b}, []int64{1}, 0},
		{"object without a key", a + "\n{1}\n" + b, []string{a, "{1}", b}, nil, 0}, // parsed (and found broken) only if selected
		{"envelope key, no envelope", a + "\n" + `{"owner":"x"}` + "\n" + `{"NextToken":"x"}` + "\n" + `{"awsAccountId":"1"}` + "\n" + b, []string{a, b}, []int64{1, 2, 3}, 0},
		{"export: envelope key, no envelope", stamp + a + "\n" + stamp + `{"messageType":"x"}` + "\n" + stamp + b, []string{a, b}, []int64{1}, 0},
	}
	for _, tc := range tests {
		eachVariant(t, tc.name, tc.in, func(t *testing.T, in []byte, opts DecoderOptions) {
			recs, recErrs, err, _ := drain(t, in, opts)
			if err != nil {
				t.Fatalf("file error %v; a broken line must not end the file", err)
			}
			if fmt.Sprint(recs) != fmt.Sprint(tc.want) {
				t.Fatalf("records\n got %q\nwant %q", recs, tc.want)
			}
			if len(recErrs) != len(tc.errIdx) {
				t.Fatalf("record errors %v, want at %v", recErrs, tc.errIdx)
			}
			for _, i := range tc.errIdx {
				if e, ok := recErrs[i]; !ok {
					t.Fatalf("no record error at %d: %v", i, recErrs)
				} else if !strings.Contains(e.Error(), "skipped to the next line") && !errors.Is(e, ErrNotCloudTrail) {
					t.Errorf("record error %q should say where decoding resumed", e)
				}
			}
		})
	}
}

// TestDecoderBrokenLineBeforeMuchMore: a broken line (an unclosed string
// turns every later quote inside out, so the scan does not end) followed by
// more than max_record_size of good lines costs that line only; before, the
// scan discarded the rest of the file.
func TestDecoderBrokenLineBeforeMuchMore(t *testing.T) {
	for name, stamp := range map[string]string{"json lines": "", "export": "2024-05-01T10:00:00.000Z "} {
		var in strings.Builder
		want := []string{`{"eventID":"first"}`}
		in.WriteString(stamp + want[0] + "\n" + stamp + `{"eventID":"broken","s":"abc` + "\n")
		for i := range 100 {
			r := fmt.Sprintf(`{"eventID":"r%03d","eventSource":"personalize.amazonaws.com"}`, i)
			want = append(want, r)
			in.WriteString(stamp + r + "\n")
		}
		eachVariant(t, name, in.String(), func(t *testing.T, in []byte, opts DecoderOptions) {
			opts.MaxRecordSize = 1024
			recs, recErrs, err, _ := drain(t, in, opts)
			if err != nil {
				t.Fatalf("file error %v", err)
			}
			if fmt.Sprint(recs) != fmt.Sprint(want) {
				t.Fatalf("%d records, want %d: %q", len(recs), len(want), recs)
			}
			if len(recErrs) != 1 || recErrs[1] == nil {
				t.Fatalf("record errors %v, want one at 1", recErrs)
			}
		})
	}
}

// TestDecoderLargeEnvelopeAfterRecords: among records one per line, an
// object starting like a CloudWatch Logs payload that is larger than
// max_record_size is still streamed as the envelope it is.
func TestDecoderLargeEnvelopeAfterRecords(t *testing.T) {
	a := `{"eventID":"a"}`
	var evs []string
	var want = []string{a}
	for i := range 40 {
		r := fmt.Sprintf(`{"eventID":"cw%02d","eventSource":"personalize.amazonaws.com"}`, i)
		q, _ := jsonQuote(r)
		evs = append(evs, fmt.Sprintf(`{"id":"%d","timestamp":1,"message":%s}`, i, q))
		want = append(want, r)
	}
	cw := `{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[` + strings.Join(evs, ",") + `]}`
	eachVariant(t, "large payload", a+"\n"+cw+"\n", func(t *testing.T, in []byte, opts DecoderOptions) {
		opts.MaxRecordSize = 512
		recs, recErrs, err, _ := drain(t, in, opts)
		if err != nil || len(recErrs) > 0 || fmt.Sprint(recs) != fmt.Sprint(want) {
			t.Fatalf("records %d (want %d), record errors %v, error %v", len(recs), len(want), recErrs, err)
		}
	})
}

func TestDecoderTruncatedGzip(t *testing.T) {
	var recs []string
	for i := range 200 {
		recs = append(recs, fmt.Sprintf(`{"eventID":"%d","pad":"%s"}`, i, strings.Repeat("x", i%50)))
	}
	full := gz(t, []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`))
	cut := full[:len(full)*2/3]
	got, _, err, _ := drain(t, cut, DecoderOptions{})
	if err == nil {
		t.Fatal("no error for truncated gzip")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want unexpected EOF", err)
	}
	if !strings.Contains(err.Error(), "truncated gzip") {
		t.Errorf("error %q should say the gzip stream is truncated", err)
	}
	if len(got) == 0 {
		t.Fatal("no records before the truncation")
	}
	for i, r := range got {
		if r != recs[i] {
			t.Fatalf("record %d = %q, want %q", i, r, recs[i])
		}
	}
}

func TestDecoderOversizedRecordIsSkipped(t *testing.T) {
	big := `{"eventID":"big","blob":"` + strings.Repeat("y", 5000) + `","n":[` + strings.Repeat("1,", 1000) + `1]}`
	in := `{"Records":[{"eventID":"a"},` + big + `,{"eventID":"c"}]}`
	for _, bufSize := range []int{0, 16, 1000} {
		recs, recErrs, err, _ := drain(t, []byte(in), DecoderOptions{MaxRecordSize: 1024, BufferSize: bufSize})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{`{"eventID":"a"}`, `{"eventID":"c"}`}; fmt.Sprint(recs) != fmt.Sprint(want) {
			t.Fatalf("buf %d: records %q, want %q", bufSize, recs, want)
		}
		if e := recErrs[1]; !errors.Is(e, ErrRecordTooLarge) {
			t.Fatalf("buf %d: record 1 error %v, want ErrRecordTooLarge", bufSize, e)
		}
	}
}

func TestDecoderMemoryBoundedByRecord(t *testing.T) {
	// 20,000 records of ~200 bytes: the decoder's buffer must not grow with the file.
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"eventID":"%08d","eventSource":"s3.amazonaws.com","pad":"%s"}`, i, strings.Repeat("z", 150))
	}
	b.WriteString(`]}`)
	d, err := NewDecoder(bytes.NewReader(b.Bytes()), DecoderOptions{BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 20000 {
		t.Fatalf("read %d records", n)
	}
	if d.sc.BufferSize() > 4096 {
		t.Fatalf("buffer grew to %d bytes for records of ~200 bytes", d.sc.BufferSize())
	}
}

func TestDecoderCloudWatchBadMessage(t *testing.T) {
	in := `{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":"{\"eventID\":\"a\"}"},{"id":"2","message":17},{"id":"3","message":"{\"eventID\":\"c\"}"}]}`
	recs, recErrs, err, _ := drain(t, []byte(in), DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`{"eventID":"a"}`, `{"eventID":"c"}`}; fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("records %q", recs)
	}
	if recErrs[1] == nil {
		t.Fatal("no error for the non-string message")
	}
}

// FuzzDecoder checks that no input makes the decoder panic or loop, and that
// for any valid {"Records":[...]} document it returns exactly the elements the
// standard library sees.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		`{"Records":[{"a":1},{"b":"]}"}]}`, `[{"a":1}]`, `{"Records":[]}`, `{"logEvents":[{"message":"{}"}]}`,
		`{"logFiles":[]}`, `{"Records":[1,"x",null]}`, `{"Records":[{"a":"\\"}]}{"Records":[2]}`,
		"{\"eventID\":\"a\"}\n{\"eventID\":\"b\n{\"eventID\":\"c\"}}\nx\n",
		`{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{"eventID":"a"}}{"detail-type":"x","detail":1}`,
		`{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventID\":\"a\"}"}]}`, `[{"CloudTrailEvent":"{}"},{"detail":[]}]`,
		"2024-05-01T10:00:00.000Z {\"eventID\":\"a\"}\n2024-05-01T10:00:01+02:00\t{\"eventID\":\"b\nx\n2024-05-01T10:00:02Z {}\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	for _, c := range compressors[1:] {
		f.Add(c.compress(f, []byte(`{"Records":[{"eventID":"a"}]}`+"\n"+`{"eventID":"b"}`)), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, buf uint8) {
		recs, recErrs, err, _ := drain(t, in, DecoderOptions{BufferSize: int(buf), MaxRecordSize: 1 << 16})
		// However the input falls into buffers, the same records come out,
		// the same records fail, and the file ends the same way.
		bigRecs, bigErrs, bigErr, _ := drain(t, in, DecoderOptions{BufferSize: 1 << 20, MaxRecordSize: 1 << 16})
		if fmt.Sprint(recs) != fmt.Sprint(bigRecs) || fmt.Sprint(slices.Sorted(maps.Keys(recErrs))) != fmt.Sprint(slices.Sorted(maps.Keys(bigErrs))) ||
			(err == nil) != (bigErr == nil) || errors.Is(err, ErrTruncated) != errors.Is(bigErr, ErrTruncated) {
			t.Fatalf("buffer %d: records %q, record errors %v, error %v\nlarge buffer: records %q, record errors %v, error %v",
				buf, recs, recErrs, err, bigRecs, bigErrs, bigErr)
		}
		var env struct{ Records []json.RawMessage }
		if err != nil || len(recErrs) > 0 || bytes.Count(in, []byte(`"Records"`)) != 1 || !json.Valid(in) {
			return
		}
		if json.Unmarshal(in, &env) != nil || env.Records == nil {
			return
		}
		var want []string
		for _, r := range env.Records {
			want = append(want, string(r))
		}
		if fmt.Sprint(recs) != fmt.Sprint(want) {
			t.Fatalf("records %q, want %q", recs, want)
		}
	})
}

// TestStampLen pins the CloudWatch Logs export line prefix: an RFC 3339
// time (any fraction, Z or an offset) and one space or tab.
func TestStampLen(t *testing.T) {
	for in, want := range map[string]int{
		"2024-05-01T10:00:00.123Z {":            25,
		"2024-05-01T10:00:00Z\t{":               21,
		"2024-05-01t10:00:00z {":                21,
		"2024-05-01T10:00:00.123456789-07:00 {": 36,
		"2024-05-01T10:00:00+05:30 ":            26,
		"2024-05-01T10:00:00.Z {":               0, // no fraction digits
		"2024-05-01T10:00:00+0530 {":            0,
		"2024-05-01T10:00:00Z{":                 0, // no separator
		"2024-05-01 10:00:00Z {":                0,
		"2024-5-01T10:00:00Z {":                 0,
		"2024-05-01T10:00:00":                   0,
		"12345":                                 0,
	} {
		if got := stampLen([]byte(in)); got != want {
			t.Errorf("stampLen(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestDecoderReaderKinds: the decoder sniffs gzip differently depending on
// what the source is (a bufio.Reader is peeked, a seekable byte reader is
// read and rewound, anything else is read and put back); every kind gives
// the same records, for gzip and plain input, down to empty and one-byte
// streams, and a seekable source that is not at its start is read from where
// it stands.
func TestDecoderReaderKinds(t *testing.T) {
	plain := []byte(`{"Records":[{"eventID":"1"},{"eventID":"2","s":"\u00e9"}]}`)
	dir := t.TempDir()
	kinds := map[string]func(t *testing.T, b []byte) io.Reader{
		"bytes.Reader":   func(_ *testing.T, b []byte) io.Reader { return bytes.NewReader(b) },
		"strings.Reader": func(_ *testing.T, b []byte) io.Reader { return strings.NewReader(string(b)) },
		"bufio.Reader":   func(_ *testing.T, b []byte) io.Reader { return bufio.NewReaderSize(bytes.NewReader(b), 16) },
		"stream":         func(_ *testing.T, b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"file": func(t *testing.T, b []byte) io.Reader {
			f, err := os.CreateTemp(dir, "trail")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			f.Write(b)
			f.Seek(0, io.SeekStart)
			return f
		},
		"bytes.Reader past a prefix": func(_ *testing.T, b []byte) io.Reader {
			r := bytes.NewReader(append([]byte("PREFIX"), b...))
			r.Seek(6, io.SeekStart)
			return r
		},
	}
	inputs := map[string]struct {
		in   []byte
		want []string
		err  error
	}{
		"gzip":     {gz(t, plain), []string{`{"eventID":"1"}`, `{"eventID":"2","s":"\u00e9"}`}, nil},
		"plain":    {plain, []string{`{"eventID":"1"}`, `{"eventID":"2","s":"\u00e9"}`}, nil},
		"empty":    {nil, nil, ErrEmpty},
		"one byte": {[]byte("{"), nil, ErrTruncated},
	}
	for kind, open := range kinds {
		for name, in := range inputs {
			t.Run(kind+"/"+name, func(t *testing.T) {
				got, recErrs, err, d := drainFrom(t, open(t, in.in), DecoderOptions{})
				if d != nil {
					defer d.Close()
				}
				if len(recErrs) > 0 {
					t.Fatalf("record errors %v", recErrs)
				}
				if (in.err == nil && err != nil) || (in.err != nil && !errors.Is(err, in.err)) {
					t.Fatalf("error %v, want %v", err, in.err)
				}
				if !slices.Equal(got, in.want) {
					t.Fatalf("records %q, want %q", got, in.want)
				}
			})
		}
	}
}
