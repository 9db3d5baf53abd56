// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/cloudtraildouble"
)

// eventHistoryConfig renders cloudtrail (event_history of regions against
// the double, file_storage) -> otlp_http (JSON, synchronous) to the sink.
// requests_per_second is above the double's quota, so that it throttles.
func eventHistoryConfig(endpoint, storageDir, healthAddr, sinkURL string, regions []string) string {
	return fmt.Sprintf(`extensions:
  health_check:
    endpoint: %s
  file_storage:
    directory: %s
    create_directory: true

receivers:
  cloudtrail:
    event_history:
      regions: %s
      endpoint: %s
      lookback: 24h
      poll_interval: 300ms
      settle_time: 1m
      requests_per_second: 4
    storage: file_storage

exporters:
  otlp_http:
    endpoint: %s
    encoding: json
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
    sending_queue:
      enabled: false

service:
  extensions: [health_check, file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [cloudtrail]
      exporters: [otlp_http]
`, yamlString(healthAddr), yamlString(storageDir), "["+strings.Join(regions, ", ")+"]", yamlString(endpoint), yamlString(sinkURL))
}

// historyEvents adds events to the double and to want (the Personalize ones).
type historyEvents struct {
	ct   *cloudtraildouble.Server
	want map[string]expectedEvent
	n    int
}

func (h *historyEvents) add(region, source, name string, at time.Time, delay time.Duration) {
	h.n++
	e := cloudtraildouble.Event{ID: fmt.Sprintf("eh-%s-%04d", region, h.n), Source: source, Name: name, Time: at.Truncate(time.Second), Delay: delay}
	h.ct.Add(region, e)
	if source == personalizeSource {
		h.want[e.ID] = expectedEvent{
			EventID: e.ID, EventSource: source, EventName: name, AccountID: cloudtraildouble.AccountID,
			Region: region, EventTime: e.Time, HasTime: true, File: "event history " + region,
		}
	}
}

// TestEventHistoryDeliversOnceAcrossRestart runs the distribution's
// event_history source against the LookupEvents double holding the
// Personalize and other events of three regions, some visible only after
// the watermark passed them, the double throttling above 2 requests a
// second: every Personalize event arrives once over OTLP/HTTP JSON, also
// across a stop and a restart with events arriving in between, and nothing
// else does.
func TestEventHistoryDeliversOnceAcrossRestart(t *testing.T) {
	bin := collectorBinary(t)
	ct, err := cloudtraildouble.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ct.Close)
	isolateAWSEnv(t, ct.URL())
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	ev := &historyEvents{ct: ct, want: map[string]expectedEvent{}}
	now := time.Now()
	for _, r := range regions {
		// The backfill: 20 hours of calls, every fourth by another service.
		for i := range 80 {
			at := now.Add(-10*time.Minute - time.Duration(i)*15*time.Minute)
			if i%4 == 3 {
				ev.add(r, "s3.amazonaws.com", "PutBucketPolicy", at, 0)
			} else {
				ev.add(r, personalizeSource, []string{"CreateSolution", "CreateCampaign", "UpdateCampaign"}[i%3], at, 0)
			}
		}
		// Visible some seconds after the first polls passed their eventTime.
		ev.add(r, personalizeSource, "CreateDataset", now.Add(-20*time.Second), 26*time.Second)
		ev.add(r, "iam.amazonaws.com", "CreateRole", now.Add(-20*time.Second), 26*time.Second)
	}
	storageDir := t.TempDir()
	sink := newOTLPSink(t)
	healthAddr := freeLoopbackAddr(t)
	col := startCollector(t, bin, "eventhistory-run1", eventHistoryConfig(ct.URL(), storageDir, healthAddr, sink.URL(), regions), healthAddr)
	got := waitAndSettle(t, sink, 0, len(ev.want))
	checkDelivered(t, got, ev.want, contentTypeJSON)
	col.stop()
	if t.Failed() {
		t.FailNow()
	}

	// While the collector is stopped: new calls, visible at once, and calls
	// made before the restart that appear only after it.
	stopped := time.Now()
	for _, r := range regions {
		ev.add(r, personalizeSource, "DeleteCampaign", stopped.Add(-time.Second), -1)
		ev.add(r, "s3.amazonaws.com", "DeleteBucket", stopped.Add(-time.Second), -1)
		ev.add(r, personalizeSource, "CreateFilter", stopped.Add(-2*time.Second), 8*time.Second)
	}
	healthAddr = freeLoopbackAddr(t)
	col = startCollector(t, bin, "eventhistory-run2", eventHistoryConfig(ct.URL(), storageDir, healthAddr, sink.URL(), regions), healthAddr)
	got = waitAndSettle(t, sink, 0, len(ev.want))
	time.Sleep(time.Until(stopped.Add(10 * time.Second)))
	got = append(got[:0:0], sink.Records()...)
	checkDelivered(t, got, ev.want, contentTypeJSON)
	for _, r := range got {
		if s, _ := r.attrString("aws.cloudtrail.source"); s != "event_history" {
			t.Errorf("record %v: aws.cloudtrail.source = %q, want event_history", r.Attributes["aws.cloudtrail.event_id"], s)
			break
		}
		if _, ok := r.Attributes["log.file.name"]; ok {
			t.Errorf("record %v has log.file.name", r.Attributes["aws.cloudtrail.event_id"])
			break
		}
	}
	checkSinkErrors(t, sink)
	throttled := 0
	for _, r := range regions {
		throttled += ct.Throttled(r)
	}
	t.Logf("%d Personalize events of %d regions delivered; the double throttled %d requests", len(ev.want), len(regions), throttled)
	if throttled == 0 {
		t.Errorf("the double never throttled: the test does not show the receiver surviving it")
	}
	col.stop()
}
