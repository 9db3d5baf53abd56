// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package eventhistory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/cenkalti/backoff/v7"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
)

// API is the part of the CloudTrail client the source uses.
type API interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// pageSize is the most events a LookupEvents page holds.
const pageSize = 50

// Backoff after a throttling error, on top of the rate limiter.
const (
	throttleBackoffMin = 500 * time.Millisecond
	throttleBackoffMax = 20 * time.Second
)

// failureRepeat is how often a region that keeps failing with the same
// error is logged again.
const failureRepeat = 5 * time.Minute

// region reads one region's Event history, its calls spaced by its own
// limiter.
type region struct {
	name    string
	api     API
	limiter *rate.Limiter
	tel     *Telemetry
	logger  *zap.Logger

	// failing is the error of the region's last poll, "" when it worked;
	// logEvery spaces its logs.
	failing  string
	since    time.Time
	polls    int
	logEvery *rate.Sometimes
}

func newRegion(name string, api API, rps float64, tel *Telemetry, logger *zap.Logger) *region {
	return &region{name: name, api: api, limiter: rate.NewLimiter(rate.Limit(rps), 1), tel: tel, logger: logger}
}

// lookup reads every event of [from, to] from one event source ("" for
// every source), page after page; they come newest first.
func (r *region) lookup(ctx context.Context, from, to time.Time, eventSource string) ([]types.Event, error) {
	in := &cloudtrail.LookupEventsInput{StartTime: aws.Time(from), EndTime: aws.Time(to), MaxResults: aws.Int32(pageSize)}
	if eventSource != "" {
		in.LookupAttributes = []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String(eventSource)}}
	}
	var events []types.Event
	for {
		out, err := r.call(ctx, in)
		if err != nil {
			return nil, err
		}
		events = append(events, out.Events...)
		r.tel.count(r.tel.received, r.name, len(out.Events))
		if aws.ToString(out.NextToken) == "" {
			return events, nil
		}
		in.NextToken = out.NextToken
	}
}

// call sends one request when the limiter allows, retrying it after a
// throttling error with a growing wait.
func (r *region) call(ctx context.Context, in *cloudtrail.LookupEventsInput) (*cloudtrail.LookupEventsOutput, error) {
	bo := backoff.ExponentialBackOff{
		InitialInterval: throttleBackoffMin, MaxInterval: throttleBackoffMax, Multiplier: 2, RandomizationFactor: 0.2,
	}
	bo.Reset()
	for {
		if err := r.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		r.tel.count(r.tel.requests, r.name, 1)
		out, err := r.api.LookupEvents(ctx, in)
		if err == nil || !awsclient.IsThrottle(err) || ctx.Err() != nil {
			return out, err
		}
		r.tel.count(r.tel.throttles, r.name, 1)
		wait := bo.NextBackOff()
		r.logger.Debug("LookupEvents was throttled; retrying", zap.String("region", r.name), zap.Duration("wait", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// failed logs the error of a poll: when it starts or changes, then every
// failureRepeat while it lasts, so that a region denied or unknown does not
// log at every poll.
func (r *region) failed(err error, now time.Time) {
	r.polls++
	if text := err.Error(); text != r.failing {
		r.failing, r.since, r.polls = text, now, 1
		r.logEvery = &rate.Sometimes{Interval: failureRepeat}
	}
	r.logEvery.Do(func() {
		r.logger.Error("Cannot read CloudTrail Event history in a region; retrying at every poll, the other regions go on",
			zap.String("region", r.name), zap.Error(err), zap.Time("failing_since", r.since),
			zap.Int("failed_polls", r.polls), zap.Duration("next_log_in", failureRepeat))
	})
}

// worked logs the end of a failure.
func (r *region) worked(now time.Time) {
	if r.failing == "" {
		return
	}
	r.logger.Info("CloudTrail Event history can be read again in a region", zap.String("region", r.name),
		zap.String("error_was", r.failing), zap.Duration("failed_for", now.Sub(r.since)), zap.Int("failed_polls", r.polls))
	r.failing, r.logEvery = "", nil
}
