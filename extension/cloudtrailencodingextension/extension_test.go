// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/internal/metrictest"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
)

// fixtures is the decoder's test data, with the golden outcome of each file.
const fixtures = "../../pkg/cloudtrail/testdata"

// harness is a started extension, seen only through the encoding interfaces.
type harness struct {
	t    *testing.T
	ext  extension.Extension
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

// start creates the extension through its factory and starts it; it is shut
// down at the end of the test. edit, if not nil, changes the default
// configuration.
func start(t *testing.T, edit func(*Config)) *harness {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	if edit != nil {
		edit(cfg)
	}
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.DebugLevel)
	set := extensiontest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	ext, err := f.Create(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return &harness{t: t, ext: ext, tel: tel, logs: logs}
}

func (h *harness) unmarshaler() encoding.LogsUnmarshalerExtension {
	u, ok := h.ext.(encoding.LogsUnmarshalerExtension)
	require.True(h.t, ok, "%T is no encoding.LogsUnmarshalerExtension", h.ext)
	return u
}

func (h *harness) streams() encoding.LogsDecoderExtension {
	d, ok := h.ext.(encoding.LogsDecoderExtension)
	require.True(h.t, ok, "%T is no encoding.LogsDecoderExtension", h.ext)
	return d
}

// failed is the extension's failed-record counter, for one reason or ("")
// all.
func (h *harness) failed(reason string) int64 {
	if reason == "" {
		return metrictest.Sum(h.t, h.tel, metricRecordsFailed)
	}
	return metrictest.Sum(h.t, h.tel, metricRecordsFailed, attribute.String("reason", reason))
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	require.NoError(t, err)
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// records lists the log records in order.
func records(logs plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, lr)
			}
		}
	}
	return out
}

func str(t *testing.T, lr plog.LogRecord, key string) string {
	t.Helper()
	v, ok := lr.Attributes().Get(key)
	require.Truef(t, ok, "%s has no attribute %s", lr.EventName(), key)
	return v.Str()
}

const synthetic = "synthetic/personalize-synthetic.records.json"

func TestPersonalizeRecordsAndEnrichment(t *testing.T) {
	h := start(t, nil)
	logs, err := h.unmarshaler().UnmarshalLogs(fixture(t, synthetic))
	require.NoError(t, err)
	require.Equal(t, 5, logs.LogRecordCount())

	rl := logs.ResourceLogs().At(0)
	res := rl.Resource().Attributes().AsRaw()
	assert.Equal(t, "aws", res[attr.CloudProvider])
	assert.Equal(t, "111122223333", res[attr.CloudAccountID])
	assert.Equal(t, "us-east-1", res[attr.CloudRegion])
	assert.Equal(t, metadata.ScopeName, rl.ScopeLogs().At(0).Scope().Name())

	recs := records(logs)
	var names []string
	for _, lr := range recs {
		names = append(names, lr.EventName())
		assert.Equal(t, cloudtrail.PersonalizeSource, str(t, lr, attr.EventSource))
		assert.Equal(t, pcommon.ValueTypeMap, lr.Body().Type(), "body: map is the default")
	}
	assert.Equal(t, []string{"CreateDatasetGroup", "CreateEventTracker", "DescribeCampaign", "UpdateCampaign", "PutEvents"}, names)

	create := recs[0]
	assert.Equal(t, "control", str(t, create, attr.PersonalizeAPI))
	assert.Equal(t, "dataset-group", str(t, create, attr.PersonalizeResourceType))
	assert.Equal(t, "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg", str(t, create, attr.PersonalizeResourceARN))
	assert.Equal(t, "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg", str(t, create, attr.PersonalizeDatasetGroup))

	tracker := recs[1]
	assert.Equal(t, "arn:aws:personalize:us-east-1:111122223333:event-tracker/0a1b2c3d", str(t, tracker, attr.PersonalizeResourceARN))
	assert.Equal(t, "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg", str(t, tracker, attr.PersonalizeDatasetGroup),
		"the dataset group is resolved from the request")

	failing := recs[2]
	assert.Equal(t, plog.SeverityNumberError, failing.SeverityNumber())
	assert.Equal(t, "ResourceNotFoundException", str(t, failing, attr.ErrorCode))
	assert.Equal(t, "campaign", str(t, failing, attr.PersonalizeResourceType))

	events := recs[4]
	assert.Equal(t, "events", str(t, events, attr.PersonalizeAPI))
	assert.Equal(t, "01234567-89ab-cdef-0123-456789abcdef", str(t, events, attr.PersonalizeTrackingID))
}

// mixed is the Personalize fixture followed by seven records of other
// services (EC2, IAM, SNS, ...), back to back as Firehose may write them.
func mixed(t *testing.T) []byte {
	return append(fixture(t, synthetic), fixture(t, "otel-contrib/cloudtraillog_testdata_cloudtrail_log.json")...)
}

func TestSelectionFollowsTheConfig(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		names []string
	}{
		{"default keeps Personalize only", nil,
			[]string{"CreateDatasetGroup", "CreateEventTracker", "DescribeCampaign", "UpdateCampaign", "PutEvents"}},
		{"another source", func(c *Config) { c.EventSources = []string{"sns.amazonaws.com"} }, []string{"Publish"}},
		{"include_event_names", func(c *Config) { c.IncludeEventNames = []string{"UpdateCampaign", "StartInstances"} }, []string{"UpdateCampaign"}},
		{"exclude_event_names", func(c *Config) { c.ExcludeEventNames = []string{"PutEvents", "DescribeCampaign"} },
			[]string{"CreateDatasetGroup", "CreateEventTracker", "UpdateCampaign"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, err := start(t, tt.edit).unmarshaler().UnmarshalLogs(mixed(t))
			require.NoError(t, err)
			var names []string
			for _, lr := range records(logs) {
				names = append(names, lr.EventName())
			}
			assert.Equal(t, tt.names, names)
		})
	}

	t.Run("every source", func(t *testing.T) {
		logs, err := start(t, func(c *Config) { c.EventSources = nil }).unmarshaler().UnmarshalLogs(mixed(t))
		require.NoError(t, err)
		assert.Equal(t, 12, logs.LogRecordCount())
	})
	t.Run("nothing selected is no error", func(t *testing.T) {
		logs, err := start(t, nil).unmarshaler().UnmarshalLogs(fixture(t, "otel-contrib/cloudtraillog_testdata_cloudtrail_log.json"))
		require.NoError(t, err)
		assert.Equal(t, 0, logs.LogRecordCount())
	})
}

func TestBodyModes(t *testing.T) {
	raw := fixture(t, "edge/jsonlines.jsonl")
	firstLine, _, _ := bytes.Cut(raw, []byte("\n"))

	logs, err := start(t, func(c *Config) { c.Body = "json" }).unmarshaler().UnmarshalLogs(raw)
	require.NoError(t, err)
	assert.Equal(t, string(firstLine), records(logs)[0].Body().Str(), "body: json is the record's text")

	logs, err = start(t, func(c *Config) { c.Body = "none" }).unmarshaler().UnmarshalLogs(raw)
	require.NoError(t, err)
	assert.Equal(t, pcommon.ValueTypeEmpty, records(logs)[0].Body().Type())
}

// golden is the outcome of decoding one fixture with every source kept,
// as pkg/cloudtrail's golden test recorded it.
type golden struct {
	Selected     int      `json:"selected"`
	RecordErrors []string `json:"record_errors"`
	FileError    string   `json:"file_error"`
}

// TestEveryInputOfTheDecoder runs every fixture of the decoder (Records
// envelopes, gzip, bare arrays, JSON Lines, CloudWatch Logs payloads and
// exports, EventBridge events, lookup-events output, digests, broken files)
// through both interfaces, and holds each to the decoder's golden outcome.
func TestEveryInputOfTheDecoder(t *testing.T) {
	goldenDir := filepath.Join(fixtures, "golden", "fixtures")
	var n int
	err := filepath.WalkDir(goldenDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(goldenDir, strings.TrimSuffix(p, ".golden.json"))
		if err != nil {
			return err
		}
		n++
		t.Run(rel, func(t *testing.T) {
			gb, err := os.ReadFile(p)
			require.NoError(t, err)
			var want golden
			require.NoError(t, json.Unmarshal(gb, &want))
			payload := fixture(t, rel)
			allSources := func(c *Config) { c.EventSources = nil }

			h := start(t, allSources)
			logs, err := h.unmarshaler().UnmarshalLogs(payload)
			if want.FileError != "" {
				require.ErrorContains(t, err, want.FileError)
				assert.ErrorContains(t, err, "cannot decode CloudTrail payload")
			} else {
				require.NoError(t, err)
				assert.Equal(t, want.Selected, logs.LogRecordCount())
			}
			assert.Equal(t, int64(len(want.RecordErrors)), h.failed(""), "records failed")
			assert.Equal(t, len(want.RecordErrors), h.logs.FilterMessageSnippet("Skipping a CloudTrail record").Len(), "records logged")

			// The stream gives the records before a break, then the error.
			h = start(t, allSources)
			got, err := decodeStream(t, h.streams(), payload, encoding.WithFlushItems(1))
			assert.Equal(t, want.Selected, got)
			if want.FileError != "" {
				assert.ErrorContains(t, err, want.FileError)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, int64(len(want.RecordErrors)), h.failed(""), "records failed, streaming")
		})
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, 20, "golden files found")
}

// decodeStream reads a stream to its end, checking the batch sizes and
// offsets, and returns how many records it gave and its error (nil at EOF).
func decodeStream(t *testing.T, f encoding.LogsDecoderFactory, payload []byte, opts ...encoding.DecoderOption) (int, error) {
	t.Helper()
	d, err := f.NewLogsDecoder(bytes.NewReader(payload), opts...)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		before := d.Offset()
		logs, err := d.DecodeLogs()
		if err != nil {
			assert.Equal(t, 0, logs.LogRecordCount(), "an error comes alone")
			_, again := d.DecodeLogs()
			assert.Equal(t, err, again, "the end is returned again")
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return total, err
		}
		require.Positive(t, logs.LogRecordCount(), "a batch without error has records")
		assert.Greater(t, d.Offset(), before, "the offset moves with each batch")
		total += logs.LogRecordCount()
	}
}

func TestGzipPayload(t *testing.T) {
	h := start(t, nil)
	logs, err := h.unmarshaler().UnmarshalLogs(gzipped(t, fixture(t, synthetic)))
	require.NoError(t, err)
	assert.Equal(t, 5, logs.LogRecordCount())

	// A CloudWatch Logs subscription payload as Kinesis or Firehose carry it:
	// gzipped, the record a JSON string inside.
	h = start(t, func(c *Config) { c.EventSources = nil })
	logs, err = h.unmarshaler().UnmarshalLogs(gzipped(t, fixture(t, "otel-contrib/cloudtraillog_testdata_cloudtrail_log_cw.json")))
	require.NoError(t, err)
	assert.Equal(t, 1, logs.LogRecordCount())
}

func TestBadPayloadIsAnError(t *testing.T) {
	whole := gzipped(t, fixture(t, synthetic))
	tests := []struct {
		name    string
		payload []byte
		is      error
	}{
		{"empty", nil, cloudtrail.ErrEmpty},
		{"JSON that is not CloudTrail", []byte(`{"hello":"world"}`), cloudtrail.ErrNotCloudTrail},
		{"not JSON", []byte("hello world"), nil},
		{"truncated", fixture(t, "edge/truncated-middle.json"), cloudtrail.ErrTruncated},
		{"truncated gzip", whole[:len(whole)/2], io.ErrUnexpectedEOF},
		{"zip", []byte("PK\x03\x04rest of a zip"), cloudtrail.ErrUnsupportedCompression},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, err := start(t, nil).unmarshaler().UnmarshalLogs(tt.payload)
			require.ErrorContains(t, err, "cannot decode CloudTrail payload")
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Equal(t, 0, logs.LogRecordCount(), "nothing of a broken payload is returned")
		})
	}
}

func TestRecordErrorsAreCountedAndLogged(t *testing.T) {
	for _, tt := range []struct {
		file, reason string
	}{
		{"edge/invalid-record.json", cloudtrail.ReasonInvalidJSON},
		{"edge/bad-eventtime.json", cloudtrail.ReasonBadEventTime},
	} {
		t.Run(tt.file, func(t *testing.T) {
			h := start(t, nil)
			logs, err := h.unmarshaler().UnmarshalLogs(fixture(t, tt.file))
			require.NoError(t, err, "a bad record does not fail its payload")
			assert.Equal(t, 2, logs.LogRecordCount())
			assert.Equal(t, int64(1), h.failed(tt.reason))
			entries := h.logs.FilterMessageSnippet("Skipping a CloudTrail record").All()
			require.Len(t, entries, 1)
			ctx := entries[0].ContextMap()
			assert.Equal(t, int64(1), ctx["record_index"])
			assert.Equal(t, tt.reason, ctx["reason"])
		})
	}

	t.Run("too large", func(t *testing.T) {
		h := start(t, func(c *Config) { c.MaxRecordSize = 1024 })
		logs, err := h.unmarshaler().UnmarshalLogs(fixture(t, synthetic))
		require.NoError(t, err)
		assert.Equal(t, 0, logs.LogRecordCount())
		assert.Equal(t, int64(5), h.failed(cloudtrail.ReasonTooLarge))
	})
}

func TestMessageDecoder(t *testing.T) {
	h := start(t, nil)
	md, ok := h.ext.(encoding.LogsMessageDecoderExtension)
	require.True(t, ok)
	meta := client.NewMetadata(map[string][]string{"topic": {"cloudtrail"}})
	logs, err := md.DecodeLogs(context.Background(), fixture(t, "edge/eventbridge.jsonl"), encoding.WithMessageMetadata(meta))
	require.NoError(t, err)
	assert.Equal(t, 2, logs.LogRecordCount())

	_, err = md.DecodeLogs(context.Background(), fixture(t, synthetic), nil)
	assert.ErrorContains(t, err, "option 0 is nil")
}

func TestStreamBatchesAndResumes(t *testing.T) {
	h := start(t, nil)
	payload := mixed(t)

	d, err := h.streams().NewLogsDecoder(bytes.NewReader(payload), encoding.WithFlushItems(2))
	require.NoError(t, err)
	assert.Equal(t, int64(0), d.Offset())
	var sizes []int
	var offsets []int64
	for {
		logs, err := d.DecodeLogs()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		sizes = append(sizes, logs.LogRecordCount())
		offsets = append(offsets, d.Offset())
	}
	assert.Equal(t, []int{2, 2, 1}, sizes)
	// Offsets count records read, selected or not: the last batch ends at
	// the end of the stream, past the seven records of other services.
	assert.Equal(t, []int64{2, 4, 12}, offsets)

	// Resuming at an offset skips what was delivered.
	d, err = h.streams().NewLogsDecoder(bytes.NewReader(payload), encoding.WithOffset(offsets[0]))
	require.NoError(t, err)
	logs, err := d.DecodeLogs()
	require.NoError(t, err)
	assert.Equal(t, "DescribeCampaign", records(logs)[0].EventName())
	assert.Equal(t, 3, logs.LogRecordCount())

	// A byte budget flushes after the record that crosses it.
	got, err := decodeStream(t, h.streams(), payload, encoding.WithFlushItems(0), encoding.WithFlushBytes(1))
	require.NoError(t, err)
	assert.Equal(t, 5, got)
}

func TestStreamDeliversRecordsBeforeABreak(t *testing.T) {
	h := start(t, nil)
	d, err := h.streams().NewLogsDecoder(bytes.NewReader(fixture(t, "edge/truncated-middle.json")))
	require.NoError(t, err)
	logs, err := d.DecodeLogs()
	require.NoError(t, err)
	assert.Equal(t, 2, logs.LogRecordCount())
	assert.Equal(t, int64(2), d.Offset(), "a retry from here reads the broken record again")
	_, err = d.DecodeLogs()
	assert.ErrorIs(t, err, cloudtrail.ErrTruncated)

	_, err = h.streams().NewLogsDecoder(bytes.NewReader(fixture(t, "edge/truncated-middle.json")), encoding.WithOffset(3))
	assert.ErrorIs(t, err, cloudtrail.ErrTruncated, "an offset past the break")
}

// TestConcurrentPayloads: receivers call one extension from many goroutines
// (the race detector checks that no state is shared between payloads).
func TestConcurrentPayloads(t *testing.T) {
	u := start(t, nil).unmarshaler()
	payloads := [][]byte{fixture(t, synthetic), gzipped(t, fixture(t, synthetic)), fixture(t, "edge/jsonlines.jsonl"), mixed(t)}
	counts := make(chan int, 4*len(payloads))
	var wg sync.WaitGroup
	for range 4 {
		for _, p := range payloads {
			wg.Go(func() {
				logs, err := u.UnmarshalLogs(p)
				assert.NoError(t, err)
				counts <- logs.LogRecordCount()
			})
		}
	}
	wg.Wait()
	close(counts)
	total := 0
	for n := range counts {
		total += n
	}
	assert.Equal(t, 4*(5+5+4+5), total)
}
