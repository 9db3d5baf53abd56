// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"
	"github.com/personalize-audit/otelcol-personalize/tests/cloudtraildouble"
)

// historyEnv is a CloudTrail API double holding Event history.
type historyEnv struct {
	ct *cloudtraildouble.Server
}

func newHistoryEnv(t *testing.T) *historyEnv {
	t.Helper()
	srv, err := cloudtraildouble.New()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	staticAWSCredentials(t)
	return &historyEnv{ct: srv}
}

func (e *historyEnv) config(regions ...string) *Config {
	cfg := testConfig("")
	cfg.EventHistory.Regions = regions
	cfg.EventHistory.Endpoint = e.ct.URL()
	cfg.EventHistory.PollInterval = testPollInterval
	return cfg
}

// add puts n events into a region's history, every third from another
// service, spread over the span before end, visible after delay; it returns
// the IDs of the Personalize ones.
func (e *historyEnv) add(region, prefix string, n int, end time.Time, span, delay time.Duration) []string {
	var want []string
	for i := range n {
		ev := cloudtraildouble.Event{
			ID: fmt.Sprintf("%s-%s-%03d", prefix, region, i), Source: personalizeSrc, Name: "CreateSolution",
			Time: end.Add(-span * time.Duration(i) / time.Duration(max(n, 1))).Truncate(time.Second), Delay: delay,
		}
		if i%3 == 2 {
			ev.Source, ev.Name = "s3.amazonaws.com", "CreateBucket"
		} else {
			want = append(want, ev.ID)
		}
		e.ct.Add(region, ev)
	}
	return want
}

const visibleNow = -1 // an Event.Delay: visible at once

func regionAttr(r string) attribute.KeyValue { return attribute.String("region", r) }

// TestEventHistoryBackfillSeveralRegions: the first run reads lookback back
// in every region, pages of 50 and windows, with the event source sent to
// the API; every Personalize event is delivered once, with
// aws.cloudtrail.source instead of log.file.*, and nothing older.
func TestEventHistoryBackfillSeveralRegions(t *testing.T) {
	env := newHistoryEnv(t)
	now := time.Now()
	end := now.Add(-10 * time.Minute) // visible by now
	want := append(env.add("us-east-1", "a", 160, end, 20*time.Hour, 0),
		env.add("eu-west-1", "b", 30, end, 20*time.Hour, 0)...)
	env.ct.Add("us-east-1", cloudtraildouble.Event{ID: "too-old", Source: personalizeSrc, Name: "CreateSolution", Time: now.Add(-25 * time.Hour)})
	cfg := env.config("us-east-1", "eu-west-1")
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	h.waitCounter(int64(len(want)), "otelcol_receiver_accepted_log_records")
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	// Only Personalize events came from the API: the event source is a
	// lookup attribute, not a filter after the fact.
	assert.Equal(t, int64(len(want)), h.counter(metricRecordsRead))
	assert.Equal(t, int64(len(want)), h.counter(eventhistory.MetricEventsDelivered))
	assert.Equal(t, int64(len(want)-30*2/3), h.counter(eventhistory.MetricEventsDelivered, regionAttr("us-east-1")))
	assert.GreaterOrEqual(t, h.counter(eventhistory.MetricRequests, regionAttr("us-east-1")), int64(3), "pages of 50")
	assert.Positive(t, h.counter(eventhistory.MetricEventsDuplicate), "the settle window is read again")
	assert.Empty(t, h.errorLogs())

	for _, ld := range rec.allLogs() {
		forEachRecord(ld, func(rl plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
			v, ok := lr.Attributes().Get(eventhistory.AttrSource)
			require.True(t, ok)
			assert.Equal(t, "event_history", v.Str())
			for k := range lr.Attributes().All() {
				assert.False(t, strings.HasPrefix(k, "log.file."), k)
			}
			id, _ := lr.Attributes().Get(attr.EventID)
			region, ok := rl.Resource().Attributes().Get(attr.CloudRegion)
			require.True(t, ok)
			assert.Contains(t, id.Str(), "-"+region.Str()+"-")
		})
	}
	lag := lagGauge(t, h)
	require.Contains(t, lag, "us-east-1")
	assert.Greater(t, lag["us-east-1"], 0.0)
	assert.Less(t, lag["us-east-1"], 3600.0)
}

// lagGauge reads the lag of each region.
func lagGauge(t *testing.T, h *harness) map[string]float64 {
	t.Helper()
	m, err := h.tel.GetMetric(eventhistory.MetricLag)
	require.NoError(t, err)
	out := map[string]float64{}
	for _, p := range m.Data.(metricdata.Gauge[float64]).DataPoints {
		r, _ := p.Attributes.Value("region")
		out[r.AsString()] = p.Value
	}
	return out
}

// TestEventHistoryLateArrivals: an event that appears in Event history after
// the watermark passed its eventTime, within settle_time, is delivered once;
// the events read again in the settle window are not delivered again; one
// later than settle_time is not read.
func TestEventHistoryLateArrivals(t *testing.T) {
	env := newHistoryEnv(t)
	now := time.Now()
	env.ct.Add("us-east-1",
		cloudtraildouble.Event{ID: "on-time", Source: personalizeSrc, Name: "CreateCampaign", Time: now.Add(-30 * time.Second), Delay: visibleNow},
		cloudtraildouble.Event{ID: "late", Source: personalizeSrc, Name: "UpdateCampaign", Time: now.Add(-40 * time.Second), Delay: 42 * time.Second},
		cloudtraildouble.Event{ID: "too-late", Source: personalizeSrc, Name: "DeleteCampaign", Time: now.Add(-90 * time.Second), Delay: 92 * time.Second})
	cfg := env.config("us-east-1")
	cfg.EventHistory.SettleTime = time.Minute
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	h.waitCounter(1, "otelcol_receiver_accepted_log_records")
	assert.Equal(t, []string{"on-time"}, rec.accepted())
	h.waitCounter(2, "otelcol_receiver_accepted_log_records")
	time.Sleep(time.Until(now.Add(3 * time.Second)))
	h.settle()
	assert.Equal(t, []string{"on-time", "late"}, rec.accepted(), "too-late appeared more than settle_time after its eventTime")
	assert.Positive(t, h.counter(eventhistory.MetricEventsDuplicate))
}

// TestEventHistoryThrottling: a client allowed more than the API's quota is
// throttled; each throttling error is retried and counted, and every event
// is still delivered once.
func TestEventHistoryThrottling(t *testing.T) {
	env := newHistoryEnv(t)
	want := env.add("us-east-1", "t", 240, time.Now(), 20*time.Hour, visibleNow)
	cfg := env.config("us-east-1")
	cfg.EventHistory.RequestsPerSecond = 50
	rec := newRecorder()
	h := start(t, cfg, rec, nil)
	h.waitCounter(int64(len(want)), "otelcol_receiver_accepted_log_records")
	h.settle()
	requireExactlyOnce(t, want, rec.accepted())
	throttled := env.ct.Throttled("us-east-1")
	assert.Positive(t, throttled)
	h.shutdown()
	assert.Equal(t, int64(throttled), h.counter(eventhistory.MetricThrottles, regionAttr("us-east-1")))
	assert.Equal(t, int64(env.ct.Calls("us-east-1")), h.counter(eventhistory.MetricRequests))
	assert.Empty(t, h.errorLogs())
}

// TestEventHistoryRestartMidPoll: a collector stopped in the middle of a
// window (some of its batches accepted) and started again delivers the rest
// and the events that came meanwhile, repeating nothing; started once more,
// it delivers nothing.
func TestEventHistoryRestartMidPoll(t *testing.T) {
	env := newHistoryEnv(t)
	now := time.Now()
	want := env.add("us-east-1", "r", 90, now, 10*time.Hour, visibleNow)
	storageDir := t.TempDir()
	host, id, stopStorage := startFileStorage(t, storageDir)
	cfg := env.config("us-east-1")
	cfg.Storage = &id
	cfg.BatchSize = 4 // windows of several batches
	rec := newRecorder()
	rec.block = func(call int) bool { return call >= 4 }
	h := start(t, cfg, rec, host)
	select {
	case <-rec.blocking:
	case <-time.After(waitTimeout):
		t.Fatal("the consumer was never called enough")
	}
	h.shutdown()
	stopStorage()
	first := rec.accepted()
	require.Len(t, first, 16)

	want = append(want, env.add("us-east-1", "new", 6, time.Now(), time.Second, visibleNow)...)
	host2, id2, stopStorage2 := startFileStorage(t, storageDir)
	cfg.Storage = &id2
	rec2 := newRecorder()
	h2 := start(t, cfg, rec2, host2)
	h2.waitCounter(int64(len(want)-len(first)), "otelcol_receiver_accepted_log_records")
	h2.settle()
	h2.shutdown()
	stopStorage2()
	requireExactlyOnce(t, want, append(first, rec2.accepted()...))

	host3, id3, _ := startFileStorage(t, storageDir)
	cfg.Storage = &id3
	rec3 := newRecorder()
	h3 := start(t, cfg, rec3, host3)
	h3.waitCounter(1, eventhistory.MetricRequests)
	h3.settle()
	assert.Empty(t, rec3.accepted())
}

// TestEventHistoryBadEventsAndFailingRegion: a CloudTrailEvent that is not
// a record is logged with its eventID and region, counted and skipped, its
// neighbours delivered; a region that is denied is logged once, not at
// every poll, while the other region goes on, and is read once allowed.
func TestEventHistoryBadEventsAndFailingRegion(t *testing.T) {
	env := newHistoryEnv(t)
	now := time.Now()
	env.ct.Add("us-east-1",
		cloudtraildouble.Event{ID: "good-1", Source: personalizeSrc, Name: "CreateSolution", Time: now.Add(-3 * time.Minute), Delay: visibleNow},
		cloudtraildouble.Event{ID: "broken", Source: personalizeSrc, Name: "CreateSolution", Time: now.Add(-2 * time.Minute), Delay: visibleNow, Record: `{"eventID":"broken",`},
		cloudtraildouble.Event{ID: "good-2", Source: personalizeSrc, Name: "CreateSolution", Time: now.Add(-time.Minute), Delay: visibleNow})
	wantWest := env.add("eu-west-1", "w", 6, now, time.Hour, visibleNow)
	env.ct.Fail("eu-west-1", "AccessDeniedException", 400)
	rec := newRecorder()
	h := start(t, env.config("us-east-1", "eu-west-1"), rec, nil)
	h.waitCounter(2, "otelcol_receiver_accepted_log_records")
	require.Eventually(t, func() bool { return env.ct.Calls("eu-west-1") >= 3 }, waitTimeout, 5*time.Millisecond)
	assert.ElementsMatch(t, []string{"good-1", "good-2"}, rec.accepted())
	assert.Equal(t, int64(1), h.counter(metricRecordsFailed))

	var bad, denied int
	for _, e := range h.errorLogs() {
		switch region, _ := field(e, "region"); {
		case strings.Contains(e.Message, "not a CloudTrail record"):
			bad++
			id, _ := field(e, "event_id")
			assert.Equal(t, "broken", id)
			assert.Equal(t, "us-east-1", region)
		case strings.Contains(e.Message, "Event history"):
			denied++
			assert.Equal(t, "eu-west-1", region)
			assert.Contains(t, fmt.Sprint(e.ContextMap()["error"]), "AccessDeniedException")
		default:
			t.Errorf("unexpected error log %q", e.Message)
		}
	}
	assert.Equal(t, 1, bad)
	assert.Equal(t, 1, denied, "a failing region is logged once, not at every poll")

	env.ct.Fail("eu-west-1", "", 0)
	h.waitCounter(int64(2+len(wantWest)), "otelcol_receiver_accepted_log_records")
	requireExactlyOnce(t, append([]string{"good-1", "good-2"}, wantWest...), rec.accepted())
	assert.Len(t, h.logs.FilterMessageSnippet("can be read again").All(), 1)
}

// TestEventHistoryMapsLikeAFile: a record read from Event history becomes
// the same log record as the same record read from a trail's file (resource,
// scope, attributes with the Personalize enrichment, body, times, severity),
// but for aws.cloudtrail.source in place of log.file.*.
func TestEventHistoryMapsLikeAFile(t *testing.T) {
	env := newHistoryEnv(t)
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	var recs []string
	for i, name := range []string{"UpdateCampaign", "CreateSolution", "DescribeCampaign"} {
		id := fmt.Sprintf("same-%d", i)
		at := now.Add(time.Duration(i) * time.Minute)
		rec := ctRecordTime(id, personalizeSrc, name, at.Format(time.RFC3339))
		recs = append(recs, rec)
		env.ct.Add("us-east-1", cloudtraildouble.Event{ID: id, Source: personalizeSrc, Name: name, Time: at, Record: rec})
	}
	dir := t.TempDir()
	writeFile(t, dir, "AWSLogs/111122223333/CloudTrail/us-east-1/f.json", ctFile(recs...))
	fromFile, fromHistory := newRecorder(), newRecorder()
	hf := start(t, testConfig(dir), fromFile, nil)
	hf.waitCounter(3, "otelcol_receiver_accepted_log_records")
	hf.shutdown()
	hh := start(t, env.config("us-east-1"), fromHistory, nil)
	hh.waitCounter(3, "otelcol_receiver_accepted_log_records")
	hh.shutdown()

	flat := func(r *recorder, drop func(string) bool) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, ld := range r.allLogs() {
			forEachRecord(ld, func(rl plog.ResourceLogs, sl plog.ScopeLogs, lr plog.LogRecord) {
				attrs := lr.Attributes().AsRaw()
				for k := range attrs {
					if drop(k) {
						delete(attrs, k)
					}
				}
				id, _ := lr.Attributes().Get(attr.EventID)
				out[id.Str()] = map[string]any{
					"resource": rl.Resource().Attributes().AsRaw(), "scope": sl.Scope().Name() + "@" + sl.Scope().Version(),
					"attributes": attrs, "body": lr.Body().AsRaw(), "time": lr.Timestamp(), "event_name": lr.EventName(),
					"severity": lr.SeverityNumber(), "severity_text": lr.SeverityText(),
				}
			})
		}
		return out
	}
	file := flat(fromFile, func(k string) bool { return strings.HasPrefix(k, "log.file.") })
	history := flat(fromHistory, func(k string) bool { return k == eventhistory.AttrSource })
	require.Len(t, file, 3)
	assert.Equal(t, file, history)
	v, _ := fromHistory.allLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("aws.personalize.resource.arn")
	assert.NotEmpty(t, v.Str(), "the Personalize enrichment applies")
}
