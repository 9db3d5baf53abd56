// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRoundBackoff holds the waits between bulk rounds to capped exponential
// growth with equal jitter: the wait before round k is drawn from [d/2, d],
// d = initial_interval doubled k-1 times, capped at max_interval. Only the
// drawn durations are checked; nothing sleeps.
func TestRoundBackoff(t *testing.T) {
	const initial, maxInterval = 200 * time.Millisecond, 3 * time.Second
	firsts := map[time.Duration]bool{}
	for range 500 {
		bo := newRoundBackoff(initial, maxInterval)
		d := initial
		for round := 1; round <= 12; round++ {
			w := bo.NextBackOff()
			if !assert.GreaterOrEqualf(t, w, d/2, "round %d: at least half of %v, never immediately", round, d) ||
				!assert.LessOrEqualf(t, w, d, "round %d: at most %v", round, d) {
				return
			}
			if round == 1 {
				firsts[w] = true
			}
			d = min(2*d, maxInterval)
		}
		assert.Equal(t, maxInterval, d, "the cap was reached within the rounds checked")
	}
	assert.Greater(t, len(firsts), 100, "the waits are jittered, not in lockstep")
}
