// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componentstatus"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"

	"github.com/personalize-audit/otelcol-personalize/internal/statustest"
)

// TestStatusFollowsElasticsearch: a cluster unreachable at start is a
// recoverable error, OK once it answers, a recoverable error again while
// bulk requests fail as a whole, and OK after; each change is reported once.
func TestStatusFollowsElasticsearch(t *testing.T) {
	addr := freeAddr(t)
	cfg := testConfig("http://" + addr)
	cfg.BulkRetry = BulkRetryConfig{MaxRetries: 1, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond}
	host := statustest.NewHost()
	h, err := startExporterOn(t, cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	ev := host.Last()
	if ev == nil || ev.Status() != componentstatus.StatusRecoverableError || !strings.Contains(ev.Err().Error(), "GET /") {
		t.Fatalf("unreachable at start: %v", host.Statuses())
	}
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err == nil {
		t.Fatal("nothing can be delivered yet")
	}

	s := esdouble.Start(t, esdouble.Options{Addr: addr})
	if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	s.FailBulkRequests(2, 503)
	if err := consume(t, h, cloudTrailLogs(t, 2, 2, ct.BodyMap)); err == nil {
		t.Fatal("two 503s exhaust one retry")
	}
	if ev := host.Last(); ev.Status() != componentstatus.StatusRecoverableError || !strings.Contains(ev.Err().Error(), "503") {
		t.Fatalf("after 503s: %v %v", host.Statuses(), ev.Err())
	}
	if err := consume(t, h, cloudTrailLogs(t, 2, 2, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	want := []componentstatus.Status{componentstatus.StatusRecoverableError, componentstatus.StatusOK,
		componentstatus.StatusRecoverableError, componentstatus.StatusOK}
	if got := host.Statuses(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	if s.Count(defaultStream) != 4 {
		t.Fatalf("%d documents", s.Count(defaultStream))
	}
}
