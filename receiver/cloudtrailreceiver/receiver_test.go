// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

const trailDir = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/"

func TestDeliversPersonalizeRecords(t *testing.T) {
	dir := t.TempDir()
	recsA, wantA := mixed("a", 12)
	recsB, wantB := mixed("b", 9)
	pathA := writeFile(t, dir, trailDir+"111122223333_CloudTrail_us-east-1_20240501T1200Z_aaaa.json.gz", gzipBytes(t, ctFile(recsA...)))
	pathB := writeFile(t, dir, "exports/b.json", ctFile(recsB...))
	writeFile(t, dir, "notes.txt", []byte("not a CloudTrail file"))

	sink := new(consumertest.LogsSink)
	cfg := testConfig(dir)
	cfg.BatchSize = 4
	h := start(t, cfg, sink, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))

	want := append(append([]string{}, wantA...), wantB...)
	var got []string
	for _, ld := range sink.AllLogs() {
		got = append(got, eventIDs(ld)...)
		assert.LessOrEqual(t, ld.LogRecordCount(), 4, "batches hold at most batch_size records")
	}
	requireExactlyOnce(t, want, got)

	// Attributes, scope and resource of every record.
	for _, ld := range sink.AllLogs() {
		forEachRecord(ld, func(rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord) {
			assert.Equal(t, metadata.ScopeName, sl.Scope().Name())
			assert.Equal(t, "1.2.3-test", sl.Scope().Version())
			acct, _ := rl.Resource().Attributes().Get(attr.CloudAccountID)
			assert.Equal(t, "111122223333", acct.Str())
			region, _ := rl.Resource().Attributes().Get(attr.CloudRegion)
			assert.Equal(t, "us-east-1", region.Str())

			attrs := lr.Attributes()
			src, _ := attrs.Get(attr.EventSource)
			assert.Equal(t, personalizeSrc, src.Str())
			id, _ := attrs.Get(attr.EventID)
			path, ok := attrs.Get(attrLogFilePath)
			require.True(t, ok, "log.file.path set")
			name, ok := attrs.Get(attrLogFileName)
			require.True(t, ok, "log.file.name set")
			assert.True(t, filepath.IsAbs(path.Str()))
			if id.Str()[0] == 'a' {
				assert.Equal(t, pathA, path.Str())
				assert.Equal(t, filepath.Base(pathA), name.Str())
			} else {
				assert.Equal(t, pathB, path.Str())
				assert.Equal(t, "b.json", name.Str())
			}
			assert.Equal(t, pcommon.ValueTypeMap, lr.Body().Type(), "body defaults to map")
			assert.Equal(t, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), lr.Timestamp().AsTime())
		})
	}

	// Telemetry.
	assert.Equal(t, int64(21), h.counter(metricRecordsRead))
	assert.Equal(t, int64(len(want)), h.counter(metricRecordsSelected))
	assert.Equal(t, int64(len(want)), h.counter("otelcol_receiver_accepted_log_records"))
	assert.Zero(t, h.counter("otelcol_receiver_refused_log_records"))
	assert.Zero(t, h.counter(metricFileErrors))
	assert.Empty(t, h.errorLogs())
	// No storage configured: warned about.
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("No storage extension configured").Len())
}

func TestEventSelection(t *testing.T) {
	recs := []string{
		ctRecord("p1", personalizeSrc, "CreateCampaign"),
		ctRecord("p2", personalizeSrc, "GetRecommendations"),
		ctRecord("p3", personalizeSrc, "DescribeCampaign"),
		ctRecord("s1", "s3.amazonaws.com", "GetObject"),
		ctRecord("e1", "ec2.amazonaws.com", "CreateCampaign"),
	}
	tests := []struct {
		name    string
		sources []string
		include []string
		exclude []string
		want    []string
	}{
		{name: "default Personalize", sources: []string{personalizeSrc}, want: []string{"p1", "p2", "p3"}},
		{name: "empty list means every source", sources: []string{}, want: []string{"p1", "p2", "p3", "s1", "e1"}},
		{name: "several sources", sources: []string{personalizeSrc, "s3.amazonaws.com"}, want: []string{"p1", "p2", "p3", "s1"}},
		{name: "include names", sources: []string{personalizeSrc}, include: []string{"CreateCampaign", "GetRecommendations"}, want: []string{"p1", "p2"}},
		{name: "exclude names", sources: []string{personalizeSrc}, exclude: []string{"GetRecommendations"}, want: []string{"p1", "p3"}},
		{name: "include and exclude over every source", sources: []string{}, include: []string{"CreateCampaign", "GetObject"}, exclude: []string{"GetObject"}, want: []string{"p1", "e1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "trail.json.gz", gzipBytes(t, ctFile(recs...)))
			cfg := testConfig(dir)
			cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames = tt.sources, tt.include, tt.exclude
			next := newRecorder()
			h := start(t, cfg, next, nil)
			h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
			requireExactlyOnce(t, tt.want, next.accepted())
			assert.Equal(t, int64(len(recs)), h.counter(metricRecordsRead))
		})
	}
}

// Values of a file that hold no record are counted, not dropped unseen: an
// EventBridge delivery with an S3 event among the CloudTrail ones, and a
// CloudWatch Logs control message.
func TestValuesWithoutRecordsAreCounted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "firehose.jsonl.gz", gzipBytes(t, []byte(
		ebEvent(ebCloudTrail, ctRecord("p1", personalizeSrc, "CreateCampaign"))+"\n"+
			ebEvent("Object Created", `{"bucket":{"name":"b"}}`)+"\n"+
			ebEvent(ebCloudTrail, ctRecord("p2", personalizeSrc, "DeleteCampaign"))+"\n")))
	writeFile(t, dir, "control.json", []byte(`{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"p1", "p2"}, next.accepted())
	assert.Equal(t, int64(2), h.counter(metricRecordsSkipped))
	assert.Equal(t, int64(4), h.counter(metricRecordsRead))
	assert.Zero(t, h.counter(metricRecordsFailed))
	assert.Empty(t, h.errorLogs())
}

// Files compressed with zstd or Snappy (Firehose can deliver either) are read
// like gzip ones, found by their magic bytes whatever their names.
func TestCompressedFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", compressBytes(t, ctFile(ctRecord("z1", personalizeSrc, "CreateCampaign")),
		func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) }))
	writeFile(t, dir, "b.jsonl.gz", compressBytes(t, ctFile(ctRecord("s1", personalizeSrc, "CreateCampaign")),
		func(w io.Writer) (io.WriteCloser, error) { return s2.NewWriter(w, s2.WriterSnappyCompat()), nil }))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"z1", "s1"}, next.accepted())
	assert.Empty(t, h.errorLogs())
}

// TestCloudWatchExportFiles reads what a CloudWatch Logs export task writes
// for a trail's log group (000000.gz objects of "<timestamp> <record>"
// lines), selected with directory.include as the README says.
func TestCloudWatchExportFiles(t *testing.T) {
	dir := t.TempDir()
	lines := "2024-05-01T10:00:00.000Z " + ctRecord("x1", personalizeSrc, "CreateCampaign") + "\n" +
		"2024-05-01T10:00:01.000Z " + ctRecord("x2", "ec2.amazonaws.com", "DescribeInstances") + "\n" +
		"2024-05-01T10:00:02.000Z " + ctRecord("x3", personalizeSrc, "DeleteCampaign") + "\n"
	writeFile(t, dir, "exportedlogs/1f2e3d4c/111122223333_CloudTrail_us-east-1/000000.gz", gzipBytes(t, []byte(lines)))
	cfg := testConfig(dir)
	cfg.Directory.Include = []string{"*.gz"}
	next := newRecorder()
	h := start(t, cfg, next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"x1", "x3"}, next.accepted())
	assert.Equal(t, int64(3), h.counter(metricRecordsRead))
	assert.Empty(t, h.errorLogs())
}

func TestBodyModes(t *testing.T) {
	rec := ctRecord("p1", personalizeSrc, "CreateCampaign")
	for _, mode := range []string{"map", "json", "none"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "trail.json", ctFile(rec))
			cfg := testConfig(dir)
			cfg.Body = mode
			next := newRecorder()
			h := start(t, cfg, next, nil)
			h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
			logs := next.allLogs()
			require.Len(t, logs, 1)
			body := logs[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body()
			switch mode {
			case "map":
				require.Equal(t, pcommon.ValueTypeMap, body.Type())
				v, _ := body.Map().Get("eventID")
				assert.Equal(t, "p1", v.Str())
			case "json":
				assert.Equal(t, rec, body.Str())
			case "none":
				assert.Equal(t, pcommon.ValueTypeEmpty, body.Type())
			}
		})
	}
}

func TestPicksUpFilesAddedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	recs1, want1 := mixed("first", 6)
	writeFile(t, dir, trailDir+"1.json.gz", gzipBytes(t, ctFile(recs1...)))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want1, next.accepted())

	recs2, want2 := mixed("second", 6)
	writeFile(t, dir, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/02/2.json.gz", gzipBytes(t, ctFile(recs2...)))
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, append(want1, want2...), next.accepted())
}

func TestRenamedDoneFileIsNotReadAgain(t *testing.T) {
	dir := t.TempDir()
	recs, want := mixed("r", 9)
	path := writeFile(t, dir, "in/trail.json.gz", gzipBytes(t, ctFile(recs...)))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())

	renamed := filepath.Join(dir, "archive", "renamed.json.gz")
	require.NoError(t, os.MkdirAll(filepath.Dir(renamed), 0o755))
	require.NoError(t, os.Rename(path, renamed))
	h.waitCounter(1, metricFiles, attribute.String("result", resultSkipped))
	h.settle()
	requireExactlyOnce(t, want, next.accepted())
	assert.Equal(t, int64(1), h.counter(metricFiles, attribute.String("result", resultOK)))
	assert.Equal(t, int64(len(recs)), h.counter(metricRecordsRead), "the renamed file was not read")
	assert.Equal(t, 1, h.logs.FilterMessageSnippet("already processed under another name").Len())
}

func TestDigestFilesAreSkipped(t *testing.T) {
	dir := t.TempDir()
	// Named as a digest: never opened (its content would be an error otherwise).
	writeFile(t, dir, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz", []byte("not even gzip"))
	// Detected by content.
	writeFile(t, dir, "exports/digest.json", []byte(`{"awsAccountId":"111122223333","digestStartTime":"2024-05-01T11:00:00Z","digestEndTime":"2024-05-01T12:00:00Z","digestS3Bucket":"b","digestS3Object":"o","logFiles":[]}`))
	recs, want := mixed("d", 3)
	writeFile(t, dir, "zz/trail.json", ctFile(recs...))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	h.waitCounter(2, metricFiles, attribute.String("result", resultDigest))
	h.settle()
	assert.Equal(t, int64(2), h.counter(metricFiles, attribute.String("result", resultDigest)), "each digest counted once")
	requireExactlyOnce(t, want, next.accepted())
	assert.Empty(t, h.errorLogs())
	assert.Zero(t, h.counter(metricFileErrors))
}

func TestCloudWatchAndArrayFormats(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "array.json", []byte(`[`+ctRecord("arr-1", personalizeSrc, "CreateCampaign")+`]`))
	msg := ctRecord("cw-1", personalizeSrc, "CreateCampaign")
	q, err := jsonString(msg)
	require.NoError(t, err)
	writeFile(t, dir, "cw.json.gz", gzipBytes(t, []byte(`{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1700000000000,"message":`+q+`}]}`)))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"arr-1", "cw-1"}, next.accepted())
}

func TestDuplicateEventIDsDeliveredOnce(t *testing.T) {
	dir := t.TempDir()
	shared := ctRecord("dup-1", personalizeSrc, "CreateCampaign")
	writeFile(t, dir, "1.json", ctFile(ctRecord("x-1", personalizeSrc, "CreateCampaign"), shared, shared))
	writeFile(t, dir, "2.json.gz", gzipBytes(t, ctFile(shared, ctRecord("x-2", personalizeSrc, "DescribeCampaign"))))
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, []string{"x-1", "dup-1", "x-2"}, next.accepted())
	assert.Equal(t, int64(2), h.counter(metricRecordsDuplicate))
	assert.Equal(t, int64(3), h.counter(metricRecordsSelected))
}

func TestDedupDisabledDeliversEveryCopy(t *testing.T) {
	dir := t.TempDir()
	shared := ctRecord("dup-1", personalizeSrc, "CreateCampaign")
	writeFile(t, dir, "1.json", ctFile(shared, ctRecord("x-1", personalizeSrc, "CreateCampaign")))
	writeFile(t, dir, "2.json", ctFile(shared, ctRecord("x-2", personalizeSrc, "CreateCampaign")))
	cfg := testConfig(dir)
	cfg.Dedup.Enabled = false
	next := newRecorder()
	h := start(t, cfg, next, nil)
	h.waitCounter(2, metricFiles, attribute.String("result", resultOK))
	assert.Equal(t, []string{"dup-1", "x-1", "dup-1", "x-2"}, next.accepted())
	assert.Zero(t, h.counter(metricRecordsDuplicate))
}

func TestIdenticalCopyIsTheSameFile(t *testing.T) {
	// Identity is the content's fingerprint, not the path: a second copy of
	// a file (as a sync tool may leave) is not delivered again.
	dir := t.TempDir()
	recs, want := mixed("c", 6)
	data := gzipBytes(t, ctFile(recs...))
	writeFile(t, dir, "a/trail.json.gz", data)
	writeFile(t, dir, "b/trail.json.gz", data)
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	h.waitCounter(1, metricFiles, attribute.String("result", resultSkipped))
	requireExactlyOnce(t, want, next.accepted())
}

func TestMissingDirectoryKeepsRunning(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	next := newRecorder()
	h := start(t, testConfig(dir), next, nil)
	require.Eventually(t, func() bool { return h.logs.FilterMessageSnippet("Cannot list CloudTrail files").Len() > 0 }, waitTimeout, 5*time.Millisecond)
	recs, want := mixed("late", 3)
	writeFile(t, dir, "trail.json", ctFile(recs...))
	h.waitCounter(1, metricFiles, attribute.String("result", resultOK))
	requireExactlyOnce(t, want, next.accepted())
}

func TestStartFailsWithUnknownStorage(t *testing.T) {
	cfg := testConfig(t.TempDir())
	id := component.MustNewID("file_storage")
	cfg.Storage = &id
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, newRecorder())
	require.NoError(t, err)
	assert.ErrorContains(t, rcv.Start(context.Background(), componenttest.NewNopHost()), `storage extension "file_storage" not found`)
	assert.NoError(t, rcv.Shutdown(context.Background()))
}

func TestShutdownWithoutStart(t *testing.T) {
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), testConfig(t.TempDir()), newRecorder())
	require.NoError(t, err)
	assert.NoError(t, rcv.Shutdown(context.Background()))
}
