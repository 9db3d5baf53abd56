// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package eventhistory

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/tests/cloudtraildouble"
)

const personalize = "personalize.amazonaws.com"

// newSource returns a source of one region on the double, storing its state
// in store, with the core's part played by the test.
func newSource(t *testing.T, ct *cloudtraildouble.Server, store *checkpoint.MemoryClient, cfg Config) *Source {
	t.Helper()
	client := cloudtrail.New(cloudtrail.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ct.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	tel, err := NewTelemetry(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	cfg.Regions = []string{"us-east-1"}
	return New(Settings{
		Config: cfg, Clients: map[string]API{"us-east-1": client}, EventSources: []string{personalize},
		Storage: store, Telemetry: tel, Logger: zap.NewNop(),
	})
}

// eventIDs reads the eventIDs of an object's LookupEvents document.
func eventIDs(t *testing.T, o *source.Object) []string {
	t.Helper()
	rc, err := o.Content.Open(context.Background())
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	var doc lookupDocument
	require.NoError(t, json.Unmarshal(data, &doc))
	var ids []string
	for _, e := range doc.Events {
		ids = append(ids, e.EventID)
	}
	return ids
}

// TestWindowsAndPartialDelivery: a backfill comes in windows, each object
// oldest first; a window whose object was accepted only in part is read
// again and offers the rest only, also to a new source on the same storage.
func TestWindowsAndPartialDelivery(t *testing.T) {
	ct, err := cloudtraildouble.New()
	require.NoError(t, err)
	t.Cleanup(ct.Close)
	ct.SetRate(0)
	now := time.Now()
	var all []string
	for i := range 40 {
		id := fmt.Sprintf("ev-%02d", i)
		ct.Add("us-east-1", cloudtraildouble.Event{ID: id, Source: personalize, Name: "CreateSolution", Time: now.Add(-time.Duration(40-i) * 30 * time.Minute), Delay: -1})
		all = append(all, id)
	}
	cfg := DefaultConfig()
	cfg.PollInterval = time.Millisecond
	store := checkpoint.NewMemoryClient()
	s := newSource(t, ct, store, cfg)
	ctx := context.Background()

	l, err := s.Next(ctx)
	require.NoError(t, err)
	require.Len(t, l.Objects, 1)
	assert.True(t, l.Backlog, "a 24h lookback is read in windows")
	o := l.Objects[0]
	first := eventIDs(t, o)
	assert.Equal(t, all[:len(first)], first, "oldest first, from the start of lookback")
	assert.Equal(t, []source.Attr{{Key: AttrSource, Value: SourceValue}}, o.Attrs)
	// Two records accepted, then the pipeline stops.
	o.Accepted(2)
	o.Settle(source.Result{})

	// A new source on the same storage (a restart) offers the rest only.
	s = newSource(t, ct, store, cfg)
	var got []string
	for {
		l, err := s.Next(ctx)
		require.NoError(t, err)
		for _, o := range l.Objects {
			ids := eventIDs(t, o)
			got = append(got, ids...)
			o.Accepted(int64(len(ids)))
			o.Settle(source.Result{Done: true})
		}
		if !l.Backlog {
			break
		}
	}
	assert.Equal(t, all[2:], got)

	// Caught up: the settle window is read again, nothing is offered.
	l, err = s.Next(ctx)
	require.NoError(t, err)
	assert.Empty(t, l.Objects)
	assert.False(t, l.Backlog)
}

func TestStateAdvanceForgetsBeforeTheNextWindow(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	st := &state{Floor: base, Watermark: base, Seen: map[string]int64{}}
	assert.Equal(t, base, st.from(15*time.Minute), "never before the floor")
	st.Seen["old"] = base.Add(time.Minute).Unix()
	st.Seen["kept"] = base.Add(50 * time.Minute).Unix()
	st.advance(base.Add(time.Hour), 15*time.Minute)
	assert.Equal(t, base.Add(45*time.Minute), st.from(15*time.Minute))
	assert.Equal(t, map[string]int64{"kept": base.Add(50 * time.Minute).Unix()}, st.Seen)
}

func TestCheckRecord(t *testing.T) {
	assert.NoError(t, checkRecord(` {"eventID":"x"}`))
	assert.ErrorContains(t, checkRecord(`{"eventID":"x",`), "not valid JSON")
	assert.ErrorContains(t, checkRecord(`[1]`), "not a JSON object")
	assert.ErrorContains(t, checkRecord(``), "not valid JSON")
}
