// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap/zapcore"
)

// flushedGzip compresses the records of a {"Records":[...]} file with a
// flush after each record, so that a truncated copy still decompresses up to
// the cut.
func flushedGzip(t *testing.T, recs []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	write := func(s string) {
		_, err := w.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, w.Flush())
	}
	write(`{"Records":[`)
	for i, r := range recs {
		if i > 0 {
			write(",")
		}
		write(r)
	}
	write(`]}`)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func personalizeRecords(prefix string, n int) (recs, ids []string) {
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		recs = append(recs, ctRecord(id, personalizeSrc, "CreateCampaign"))
		ids = append(ids, id)
	}
	return recs, ids
}

func TestBadInput(t *testing.T) {
	r := func(id string) string { return ctRecord(id, personalizeSrc, "CreateCampaign") }
	truncRecs, truncIDs := personalizeRecords("tr", 40)
	trunc := flushedGzip(t, truncRecs)
	trunc = trunc[:len(trunc)*6/10]

	sumRecs, sumIDs := personalizeRecords("ck", 5)
	badSum := gzipBytes(t, ctFile(sumRecs...))
	badSum[len(badSum)-8] ^= 0xff // CRC-32 of the trailer

	huge := strings.Replace(r("big"), `"eventCategory":"Management"`, `"eventCategory":"Management","pad":"`+strings.Repeat("x", 5000)+`"`, 1)

	tests := []struct {
		name        string
		file        string
		data        []byte
		maxRecord   int
		allSources  bool
		wantIDs     []string // delivered from the bad file; nil with prefixOf
		prefixOf    []string // delivered IDs are a non-empty strict prefix of these
		recordFault string   // reason of records_failed, or ""
		fileFault   string   // reason of file_errors, or ""
		index       int64    // record index in the error log; -1: the number delivered
	}{
		{name: "truncated gzip", file: "a-bad.json.gz", data: trunc, prefixOf: truncIDs, fileFault: fileReasonTruncated, index: -1},
		{name: "gzip checksum", file: "a-bad.json.gz", data: badSum, wantIDs: sumIDs, fileFault: fileReasonGzip, index: 5},
		{name: "invalid JSON record", file: "a-bad.json", data: []byte(`{"Records":[` + r("i-0") + `,{"eventID":"i-1","eventSource":"personalize.amazonaws.com",,"x":1},` + r("i-2") + `]}`), wantIDs: []string{"i-0", "i-2"}, recordFault: reasonInvalidJSON, index: 1},
		{name: "invalid JSON record, every source", allSources: true, file: "a-bad.json", data: []byte(`{"Records":[` + r("j-0") + `,{"eventID":"j-1",,"x":1},` + r("j-2") + `]}`), wantIDs: []string{"j-0", "j-2"}, recordFault: reasonInvalidJSON, index: 1},
		{name: "record not an object", file: "a-bad.json", data: []byte(`{"Records":[` + r("o-0") + `,"personalize.amazonaws.com",` + r("o-2") + `]}`), wantIDs: []string{"o-0", "o-2"}, recordFault: reasonInvalidJSON, index: 1},
		{name: "broken in the middle of Records", file: "a-bad.json", data: []byte(`{"Records":[` + r("m-0") + `,` + r("m-1") + ` ` + r("m-2") + `]}`), wantIDs: []string{"m-0", "m-1"}, fileFault: fileReasonInvalidJSON, index: 2},
		{name: "truncated JSON", file: "a-bad.json", data: []byte(`{"Records":[` + r("t-0") + `,` + r("t-1")[:40]), wantIDs: []string{"t-0"}, fileFault: fileReasonTruncated, index: 1},
		{name: "empty file", file: "a-bad.json.gz", data: []byte{}, fileFault: fileReasonEmpty, index: 0},
		{name: "whitespace only", file: "a-bad.json", data: []byte(" \n\t\n"), fileFault: fileReasonEmpty, index: 0},
		{name: "broken line of a JSON Lines file", file: "a-bad.jsonl", data: []byte(r("l-0") + "\n" + `{"eventID":"l-1","eventSource":"personalize.amazonaws.com","x":"abc` + "\n" + r("l-2") + "\n"), wantIDs: []string{"l-0", "l-2"}, recordFault: reasonInvalidJSON, index: 1},
		{name: "JSON Lines object that is not CloudTrail", file: "a-bad.jsonl", data: []byte(r("v-0") + "\n" + `{"version":"3","items":[]}` + "\n" + r("v-2") + "\n"), wantIDs: []string{"v-0", "v-2"}, recordFault: reasonNotCloudTrail, index: 1},
		{name: "zip archive", file: "a-bad.json", data: []byte("PK\x03\x04\x14\x00\x08\x00rest of the archive"), fileFault: fileReasonUnsupported, index: 0},
		{name: "JSON that is not CloudTrail", file: "a-bad.json", data: []byte(`{"items":[{"eventID":"n-0"}],"count":1}`), fileFault: fileReasonNotCloudTrail, index: 0},
		{name: "not JSON at all", file: "a-bad.json", data: []byte("eventID,eventName\n1,CreateCampaign\n"), fileFault: fileReasonInvalidJSON, index: 0},
		{name: "record over max_record_size", file: "a-bad.json", maxRecord: 4096, data: ctFile(r("l-0"), huge, r("l-2")), wantIDs: []string{"l-0", "l-2"}, recordFault: reasonTooLarge, index: 1},
		{name: "malformed eventTime", file: "a-bad.json.gz", data: gzipBytes(t, ctFile(r("e-0"), ctRecordTime("e-1", personalizeSrc, "CreateCampaign", "yesterday at noon"), r("e-2"))), wantIDs: []string{"e-0", "e-2"}, recordFault: reasonBadEventTime, index: 1},
		{name: "eventTime out of range", file: "a-bad.json", data: ctFile(r("d-0"), ctRecordTime("d-1", personalizeSrc, "CreateCampaign", "2024-02-30T12:00:00Z")), wantIDs: []string{"d-0"}, recordFault: reasonBadEventTime, index: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			badPath := writeFile(t, dir, tt.file, tt.data)
			goodRecs, goodIDs := personalizeRecords("good", 4)
			writeFile(t, dir, "b-good.json", ctFile(goodRecs...))

			cfg := testConfig(dir)
			if tt.maxRecord > 0 {
				cfg.MaxRecordSize = tt.maxRecord
			}
			if tt.allSources {
				cfg.EventSources = []string{}
			}
			next := newRecorder()
			h := start(t, cfg, next, nil)

			okFiles := int64(1)
			if tt.fileFault == "" {
				okFiles = 2 // a record fault does not end the file
			}
			h.waitCounter(okFiles, metricFiles, attribute.String("result", resultOK))
			if tt.fileFault != "" {
				h.waitCounter(1, metricFiles, attribute.String("result", resultError))
				h.waitCounter(1, metricFileErrors, attribute.String("reason", tt.fileFault))
				assert.Zero(t, h.counter(metricRecordsFailed))
			}
			if tt.recordFault != "" {
				h.waitCounter(1, metricRecordsFailed, attribute.String("reason", tt.recordFault))
				assert.Zero(t, h.counter(metricFileErrors))
			}

			// Good records around the fault, and the next file, delivered once.
			got := next.accepted()
			fromBad := got[:len(got)-len(goodIDs)]
			if tt.prefixOf != nil {
				require.NotEmpty(t, fromBad, "records before the cut are delivered")
				require.Less(t, len(fromBad), len(tt.prefixOf))
				require.Equal(t, tt.prefixOf[:len(fromBad)], fromBad)
			} else {
				requireExactlyOnce(t, tt.wantIDs, fromBad)
			}
			requireExactlyOnce(t, goodIDs, got[len(got)-len(goodIDs):])

			// One clear error log naming the file and the record.
			errs := h.errorLogs()
			require.Len(t, errs, 1, "exactly one error log")
			e := errs[0]
			file, _ := field(e, "file")
			assert.Equal(t, badPath, file)
			idx, ok := field(e, "record_index")
			require.True(t, ok, "record_index logged")
			want := tt.index
			if want < 0 {
				want = int64(len(fromBad))
			}
			assert.Equal(t, strconv.FormatInt(want, 10), idx)
			if tt.fileFault != "" {
				_, ok := field(e, "byte_offset")
				assert.True(t, ok, "byte_offset logged for a file error")
				reason, _ := field(e, "reason")
				assert.Equal(t, tt.fileFault, reason)
			}

			// Still running: a new file is processed, and the bad file is
			// neither retried nor logged again.
			lateRecs, lateIDs := personalizeRecords("late", 2)
			writeFile(t, dir, "c-late.json", ctFile(lateRecs...))
			h.waitCounter(okFiles+1, metricFiles, attribute.String("result", resultOK))
			h.settle()
			requireExactlyOnce(t, append(append(append([]string{}, fromBad...), goodIDs...), lateIDs...), next.accepted())
			assert.Len(t, h.errorLogs(), 1)
			if tt.fileFault != "" {
				assert.Equal(t, int64(1), h.counter(metricFiles, attribute.String("result", resultError)))
			}
		})
	}
}

// A broken file that was modified moments ago is probably still being
// written: it is retried from its checkpoint, and not reported while it
// completes. The same holds for a JSON Lines file whose last line is cut.
func TestFileStillBeingWrittenIsRetried(t *testing.T) {
	recs, ids := personalizeRecords("w", 6)
	const stamp = "2024-05-01T10:00:00.000Z "
	export := stamp + strings.Join(recs, "\n"+stamp) + "\n"
	for name, full := range map[string][]byte{
		"growing.json":  ctFile(recs...),
		"growing.jsonl": []byte(strings.Join(recs, "\n") + "\n"),
		// A CloudWatch Logs export, cut inside record 3 and inside its
		// timestamp.
		"growing-export.jsonl":          []byte(export),
		"growing-export-in-stamp.jsonl": []byte(export),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			cut := bytes.Index(full, []byte(recs[3])) + 20 // inside record 3
			if strings.Contains(name, "in-stamp") {
				cut = bytes.Index(full, []byte(recs[3])) - len(stamp) + 12
			}
			require.NoError(t, os.WriteFile(path, full[:cut], 0o600))

			next := newRecorder()
			cfg := testConfig(dir)
			cfg.Directory.PollInterval = 100 * time.Millisecond
			h := start(t, cfg, next, nil)
			require.Eventually(t, func() bool { return len(next.accepted()) == 3 }, waitTimeout, 5*time.Millisecond)
			require.Eventually(t, func() bool { return h.logs.FilterMessageSnippet("still being written").Len() > 0 }, waitTimeout, 5*time.Millisecond)

			// The writer finishes the file.
			require.NoError(t, os.WriteFile(path, full, 0o600))
			h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
			requireExactlyOnce(t, ids, next.accepted())
			assert.Empty(t, h.errorLogs())
			assert.Zero(t, h.counter(metricFileErrors))
			assert.Zero(t, h.counter(metricRecordsFailed))
		})
	}
}

// A recent broken file that is never completed is reported once it stops
// changing.
func TestRecentBrokenFileReportedWhenSettled(t *testing.T) {
	dir := t.TempDir()
	recs, ids := personalizeRecords("s", 4)
	full := ctFile(recs...)
	path := filepath.Join(dir, "abandoned.json")
	require.NoError(t, os.WriteFile(path, full[:len(full)-30], 0o600))

	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFileErrors, attribute.String("reason", fileReasonTruncated))
	require.Len(t, h.errorLogs(), 1)
	requireExactlyOnce(t, ids[:3], next.accepted())
	assert.Positive(t, h.logs.FilterMessageSnippet("still being written").Len())
	idx, _ := field(h.errorLogs()[0], "record_index")
	assert.Equal(t, "3", idx)
	h.settle()
	assert.Len(t, h.errorLogs(), 1)
	assert.Equal(t, int64(0), h.counter(metricRecordsFailed))
}

func TestRecordErrorsLoggedOnceWhenBatchIsReread(t *testing.T) {
	// A batch refused downstream is read again at the next poll; the bad
	// record in it is not reported twice.
	dir := t.TempDir()
	r := func(id string) string { return ctRecord(id, personalizeSrc, "CreateCampaign") }
	writeFile(t, dir, "trail.json", []byte(`{"Records":[`+r("q-0")+`,{"eventID":,"eventSource":"personalize.amazonaws.com"},`+r("q-2")+`]}`))
	cfg := testConfig(dir)
	cfg.RetryOnFailure.Enabled = false
	next := newRecorder()
	next.decide = func(call int, _ plog.Logs) error {
		if call == 0 {
			return errTransient
		}
		return nil
	}
	h := start(t, cfg, next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"q-0", "q-2"}, next.accepted())
	assert.Equal(t, int64(1), h.counter(metricRecordsFailed, attribute.String("reason", reasonInvalidJSON)))
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("Skipping a CloudTrail record").Len())
}

// TestDeepRecordIsDeliveredAsText: a record nested deeper than a log record
// can be (cloudtrail.MaxBodyDepth) arrives with its deepest part as JSON
// text, between its neighbours; it is counted, and logged once per file at
// warn level with the file and the record's index.
func TestDeepRecordIsDeliveredAsText(t *testing.T) {
	dir := t.TempDir()
	deep := ctRecord("deep-1", personalizeSrc, "CreateSolution")
	deep = strings.Replace(deep, `"responseElements":null`, `"responseElements":`+strings.Repeat(`{"a":[`, 100)+`1`+strings.Repeat(`]}`, 100), 1)
	deep2 := strings.Replace(deep, "deep-1", "deep-2", 2)
	path := writeFile(t, dir, trailDir+"deep.json", ctFile(ctRecord("good-1", personalizeSrc, "CreateCampaign"), deep, deep2, ctRecord("good-2", personalizeSrc, "CreateCampaign")))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"good-1", "deep-1", "deep-2", "good-2"}, next.accepted())
	assert.Equal(t, int64(2), h.counter(metricRecordsFlattened))
	assert.Zero(t, h.counter(metricRecordsFailed))
	warned := h.logs.FilterMessageSnippet("nests deeper than a log record can").All()
	require.Len(t, warned, 1)
	assert.Equal(t, zapcore.WarnLevel, warned[0].Level)
	file, _ := field(warned[0], "file")
	index, _ := field(warned[0], "record_index")
	assert.Equal(t, path, file)
	assert.Equal(t, "1", index)
}
