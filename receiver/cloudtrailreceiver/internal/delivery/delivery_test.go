// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/internal/metrictest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

func TestWaits(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	cfg := configretry.BackOffConfig{Enabled: true, InitialInterval: time.Second, MaxInterval: 4 * time.Second, Multiplier: 2}

	w := newWaits(cfg, clock)
	var got []time.Duration
	for range 5 {
		d, ok := w.next()
		require.True(t, ok)
		got = append(got, d)
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}, got)

	cfg.MaxElapsedTime = 3 * time.Second
	w = newWaits(cfg, clock)
	d, ok := w.next()
	assert.True(t, ok)
	assert.Equal(t, time.Second, d)
	now = now.Add(2500 * time.Millisecond)
	d, ok = w.next()
	assert.True(t, ok)
	assert.Equal(t, 500*time.Millisecond, d, "capped to the time left")
	now = now.Add(time.Second)
	_, ok = w.next()
	assert.False(t, ok, "max_elapsed_time reached")

	cfg.Enabled = false
	_, ok = newWaits(cfg, clock).next()
	assert.False(t, ok, "retries disabled")

	jitter := configretry.BackOffConfig{Enabled: true, InitialInterval: time.Second, Multiplier: 1, RandomizationFactor: 0.5}
	w = newWaits(jitter, clock)
	for range 20 {
		d, ok := w.next()
		require.True(t, ok)
		assert.GreaterOrEqual(t, d, 500*time.Millisecond)
		assert.LessOrEqual(t, d, 1500*time.Millisecond)
	}

	zero := configretry.BackOffConfig{Enabled: true}
	d, ok = newWaits(zero, clock).next()
	assert.True(t, ok)
	assert.Equal(t, minRetryWait, d, "no busy loop with a zero interval")
}

// partialConsumer accepts the first record of each call and refuses the
// rest as partial data, until one record is left.
type partialConsumer struct {
	sizes    []int
	accepted []string
}

func (*partialConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (p *partialConsumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	p.sizes = append(p.sizes, recs.Len())
	p.accepted = append(p.accepted, recs.At(0).Body().Str())
	if recs.Len() == 1 {
		return nil
	}
	rest := plog.NewLogs()
	ld.CopyTo(rest)
	r := rest.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	r.RemoveIf(func(lr plog.LogRecord) bool { return lr.Body().Str() == recs.At(0).Body().Str() })
	return consumererror.NewLogs(errors.New("some records failed"), rest)
}

// TestDeliverResendsOnlyWhatFailed: a consumererror.Logs names the records
// that failed; only those are sent again.
func TestDeliverResendsOnlyWhatFailed(t *testing.T) {
	next := &partialConsumer{}
	d := newTestDelivery(t, next)
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, id := range []string{"a", "b", "c"} {
		recs.AppendEmpty().Body().SetStr(id)
	}
	require.Equal(t, Delivered, d.Deliver(context.Background(), ld, Batch{Object: "f", From: 0, To: 3}))
	assert.Equal(t, []int{3, 2, 1}, next.sizes)
	assert.Equal(t, []string{"a", "b", "c"}, next.accepted, "each record accepted once")
}

func TestDeliverStopsWithItsContext(t *testing.T) {
	next := consumerFunc(func(context.Context, plog.Logs) error { return errors.New("down") })
	d := newTestDelivery(t, next)
	d.retry.InitialInterval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	assert.Equal(t, Stopped, d.Deliver(ctx, plog.NewLogs(), Batch{Object: "f"}))
}

type consumerFunc func(context.Context, plog.Logs) error

func (consumerFunc) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (f consumerFunc) ConsumeLogs(ctx context.Context, ld plog.Logs) error { return f(ctx, ld) }

func newTestDelivery(t *testing.T, next consumer.Logs) *Delivery {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: set.ID, Transport: "file", ReceiverCreateSettings: set})
	require.NoError(t, err)
	tel, err := telemetry.New(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	retry := configretry.NewDefaultBackOffConfig()
	retry.InitialInterval = time.Millisecond
	retry.MaxElapsedTime = 0
	return New(next, obs, retry, zap.NewNop(), tel)
}

// TestDeliverWaitsForCapacity: a full queue (or the memory limiter) is
// backpressure, not a failure: the batch is sent again after short waits
// (an hour-long retry back-off would never finish here), and the waits are
// counted as such, not as retries.
func TestDeliverWaitsForCapacity(t *testing.T) {
	for _, refusal := range []string{"sending queue is full", "data refused due to high memory usage"} {
		t.Run(refusal, func(t *testing.T) {
			calls := 0
			next := consumerFunc(func(context.Context, plog.Logs) error {
				if calls++; calls <= 6 {
					return fmt.Errorf("Exporting failed: %w", errors.New(refusal))
				}
				return nil
			})
			tt := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
			d := newTestDelivery(t, next)
			tel, err := telemetry.New(tt.NewTelemetrySettings())
			require.NoError(t, err)
			d.tel = tel
			d.retry.InitialInterval = time.Hour
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.Equal(t, Delivered, d.Deliver(ctx, plog.NewLogs(), Batch{Object: "f"}))
			assert.Equal(t, 7, calls)
			assert.Equal(t, int64(6), metrictest.Sum(t, tt, telemetry.MetricBackpressureWaits))
			assert.Positive(t, metrictest.Sum(t, tt, telemetry.MetricBackpressureTime))
			assert.Zero(t, metrictest.Sum(t, tt, telemetry.MetricConsumeRetries))
		})
	}

	// With retries disabled a full queue stops the poll like any error.
	next := consumerFunc(func(context.Context, plog.Logs) error { return errors.New("sending queue is full") })
	d := newTestDelivery(t, next)
	d.retry.Enabled = false
	assert.Equal(t, NotAccepted, d.Deliver(context.Background(), plog.NewLogs(), Batch{Object: "f"}))
}

func TestCapacityWaitsGrowAndStayShort(t *testing.T) {
	now := time.Unix(0, 0)
	w := newWaits(configretry.BackOffConfig{Enabled: true, InitialInterval: 5 * time.Second, MaxInterval: time.Minute, Multiplier: 1.5}, func() time.Time { return now })
	var last time.Duration
	for i := range 30 {
		d, ok := w.capacity()
		require.True(t, ok)
		assert.LessOrEqual(t, d, maxCapacityWait+maxCapacityWait/5, "wait %d", i)
		if i == 0 {
			assert.Less(t, d, 10*time.Millisecond)
		}
		last = d
	}
	assert.Greater(t, last, 50*time.Millisecond, "the waits grow")
}
