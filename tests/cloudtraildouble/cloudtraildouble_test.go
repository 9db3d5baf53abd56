// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtraildouble

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newClient(t *testing.T, s *Server, region string) *cloudtrail.Client {
	t.Helper()
	return cloudtrail.New(cloudtrail.Options{
		Region:           region,
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
}

func start(t *testing.T) *Server {
	t.Helper()
	s, err := New()
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestLookupEventsPagesNewestFirst: the time range, the region, the event
// source attribute, pages of 50 behind NextToken, newest first.
func TestLookupEventsPagesNewestFirst(t *testing.T) {
	s := start(t)
	s.SetRate(0)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return base.Add(24 * time.Hour) })
	for i := range 120 {
		src := "personalize.amazonaws.com"
		if i%3 == 0 {
			src = "s3.amazonaws.com"
		}
		s.Add("us-east-1", Event{ID: fmt.Sprintf("e%03d", i), Source: src, Name: "CreateSolution", Time: base.Add(time.Duration(i) * time.Minute)})
	}
	s.Add("eu-west-1", Event{ID: "other-region", Source: "personalize.amazonaws.com", Name: "CreateSolution", Time: base})
	c := newClient(t, s, "us-east-1")
	in := &cloudtrail.LookupEventsInput{
		StartTime: aws.Time(base.Add(10 * time.Minute)), EndTime: aws.Time(base.Add(109 * time.Minute)),
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("personalize.amazonaws.com")}},
	}
	var ids []string
	pages := 0
	for {
		out, err := c.LookupEvents(context.Background(), in)
		require.NoError(t, err)
		pages++
		require.LessOrEqual(t, len(out.Events), 50)
		for _, e := range out.Events {
			ids = append(ids, aws.ToString(e.EventId))
			assert.Equal(t, "personalize.amazonaws.com", aws.ToString(e.EventSource))
			assert.Contains(t, aws.ToString(e.CloudTrailEvent), `"eventID":"`+aws.ToString(e.EventId)+`"`)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	var want []string
	for i := 109; i >= 10; i-- {
		if i%3 != 0 {
			want = append(want, fmt.Sprintf("e%03d", i))
		}
	}
	assert.Equal(t, want, ids, "both ends of the range included, newest first")
	assert.Equal(t, 2, pages)

	_, err := c.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{NextToken: in.NextToken, StartTime: aws.Time(base)})
	assert.Equal(t, "InvalidNextTokenException", errorCode(err), "a token belongs to its query")
}

func TestLookupEventsRejectsTwoAttributes(t *testing.T) {
	s := start(t)
	_, err := newClient(t, s, "us-east-1").LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{
			{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("personalize.amazonaws.com")},
			{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateSolution")},
		},
	})
	assert.Equal(t, "InvalidLookupAttributesException", errorCode(err))
}

// TestLookupEventsVisibleLate: an event is returned only once its delay
// after eventTime has passed on the double's clock.
func TestLookupEventsVisibleLate(t *testing.T) {
	s := start(t)
	s.SetRate(0)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	s.Add("us-east-1",
		Event{ID: "default-delay", Source: "personalize.amazonaws.com", Name: "CreateCampaign", Time: now.Add(-time.Minute)},
		Event{ID: "late", Source: "personalize.amazonaws.com", Name: "CreateCampaign", Time: now.Add(-time.Minute), Delay: 20 * time.Minute},
		Event{ID: "at-once", Source: "personalize.amazonaws.com", Name: "CreateCampaign", Time: now.Add(-time.Minute), Delay: -1},
		Event{ID: "too-old", Source: "personalize.amazonaws.com", Name: "CreateCampaign", Time: now.Add(-91 * 24 * time.Hour), Delay: -1})
	c := newClient(t, s, "us-east-1")
	ids := func() []string {
		out, err := c.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
		require.NoError(t, err)
		var ids []string
		for _, e := range out.Events {
			ids = append(ids, aws.ToString(e.EventId))
		}
		return ids
	}
	assert.Equal(t, []string{"at-once"}, ids())
	now = now.Add(5 * time.Minute)
	assert.Equal(t, []string{"default-delay", "at-once"}, ids())
	now = now.Add(15 * time.Minute)
	assert.Equal(t, []string{"late", "default-delay", "at-once"}, ids())
}

// TestLookupEventsThrottles: above 2 requests a second in a region,
// ThrottlingException; another region has its own quota.
func TestLookupEventsThrottles(t *testing.T) {
	s := start(t)
	east, west := newClient(t, s, "us-east-1"), newClient(t, s, "eu-west-1")
	var throttled int
	for range 5 {
		_, err := east.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
		if err != nil {
			require.Equal(t, "ThrottlingException", errorCode(err))
			throttled++
		}
	}
	assert.GreaterOrEqual(t, throttled, 2)
	assert.Equal(t, throttled, s.Throttled("us-east-1"))
	_, err := west.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	require.NoError(t, err)

	s.Fail("eu-west-1", "AccessDeniedException", 400)
	_, err = west.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	assert.Equal(t, "AccessDeniedException", errorCode(err))
}
