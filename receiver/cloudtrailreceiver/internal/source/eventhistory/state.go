// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package eventhistory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
)

// stateKeyPrefix namespaces the streams' states in the storage client,
// beside the checkpoints (checkpoint.KeyPrefix).
const stateKeyPrefix = "cloudtrail.event_history."

// state is what a stream (one region, one event source) remembers between
// polls and across restarts, stored as JSON after every batch the pipeline
// accepted.
type state struct {
	// Floor is where the first run started (now minus lookback): nothing
	// before it is ever asked for, so a restart does not reach further back.
	Floor time.Time `json:"floor"`
	// Watermark is the end of the last window read to its end and
	// delivered. The next window starts settle_time before it.
	Watermark time.Time `json:"watermark"`
	// Seen holds the eventID and eventTime (Unix seconds) of every event
	// delivered whose eventTime is inside the next window: those read again
	// are not delivered twice. Events of a window being delivered are added
	// batch by batch, so a poll cut short repeats none of them.
	Seen map[string]int64 `json:"seen"`
	// Newest is the eventTime of the newest event delivered, for the lag.
	Newest time.Time `json:"newest,omitzero"`
}

// from is where the next window starts.
func (s *state) from(settle time.Duration) time.Time {
	f := s.Watermark.Add(-settle)
	if f.Before(s.Floor) {
		return s.Floor
	}
	return f
}

// advance moves the watermark to to, forgetting the events that are before
// the next window.
func (s *state) advance(to time.Time, settle time.Duration) {
	s.Watermark = to
	from := s.from(settle).Unix()
	for id, t := range s.Seen {
		if t < from {
			delete(s.Seen, id)
		}
	}
}

// loadState reads a stream's state; found is false when there is none.
func loadState(ctx context.Context, client storage.Client, key string) (*state, bool, error) {
	st := &state{}
	found, err := checkpoint.GetJSON(ctx, client, stateKeyPrefix+key, st)
	if err != nil || !found {
		return nil, false, err
	}
	if st.Seen == nil {
		st.Seen = make(map[string]int64)
	}
	return st, true, nil
}

// saveState writes a stream's state. It is not cancelled with ctx: it is
// written after data was delivered.
func saveState(ctx context.Context, client storage.Client, key string, st *state) error {
	return checkpoint.SetJSON(context.WithoutCancel(ctx), client, stateKeyPrefix+key, st)
}
