// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package eventhistory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// Metric names of the source, next to the receiver's otelcol_cloudtrail_*
// (metadata.yaml lists them). Every one has a region attribute.
const (
	MetricRequests        = "otelcol_cloudtrail_event_history_requests"
	MetricThrottles       = "otelcol_cloudtrail_event_history_throttles"
	MetricEventsReceived  = "otelcol_cloudtrail_event_history_events_received"
	MetricEventsDelivered = "otelcol_cloudtrail_event_history_events_delivered"
	MetricEventsDuplicate = "otelcol_cloudtrail_event_history_events_duplicate"
	MetricLag             = "otelcol_cloudtrail_event_history_lag"
)

// MetricDescription describes one of the source's instruments.
type MetricDescription struct{ Name, Description, Unit string }

// Metrics are the source's instruments, as metadata.yaml lists them; the
// last is a gauge, the others are counters.
var Metrics = []MetricDescription{
	{MetricRequests, "LookupEvents requests sent, by region.", "{request}"},
	{MetricThrottles, "LookupEvents requests answered with a throttling error and retried, by region.", "{request}"},
	{MetricEventsReceived, "Events LookupEvents returned, new or not, by region.", "{event}"},
	{MetricEventsDuplicate, "Events LookupEvents returned again that were already delivered (the settle window is read at every poll), by region.", "{event}"},
	{MetricEventsDelivered, "Events of Event history accepted by the pipeline (or not selected, failed, dropped), by region.", "{event}"},
	{MetricLag, "Time from the eventTime of the newest event delivered to now, by region.", "s"},
}

// Telemetry is the source's instruments.
type Telemetry struct {
	requests, throttles, received, duplicate, delivered metric.Int64Counter
	lag                                                 metric.Float64Gauge
}

// NewTelemetry creates the source's instruments on the component's meter.
func NewTelemetry(set component.TelemetrySettings) (*Telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &Telemetry{}
	counters := []*metric.Int64Counter{&t.requests, &t.throttles, &t.received, &t.duplicate, &t.delivered}
	var errs error
	for i, c := range counters {
		d := Metrics[i]
		var err error
		*c, err = m.Int64Counter(d.Name, metric.WithDescription(d.Description), metric.WithUnit(d.Unit))
		errs = errors.Join(errs, err)
	}
	d := Metrics[len(Metrics)-1]
	var err error
	t.lag, err = m.Float64Gauge(d.Name, metric.WithDescription(d.Description), metric.WithUnit(d.Unit))
	return t, errors.Join(errs, err)
}

func regionAttr(region string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String("region", region)))
}

func (t *Telemetry) count(c metric.Int64Counter, region string, n int) {
	if n > 0 {
		c.Add(context.Background(), int64(n), regionAttr(region))
	}
}

func (t *Telemetry) recordLag(region string, newest time.Time, now time.Time) {
	if !newest.IsZero() {
		t.lag.Record(context.Background(), now.Sub(newest).Seconds(), regionAttr(region))
	}
}
