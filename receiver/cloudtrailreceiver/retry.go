package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/config/configretry"
)

// minRetryWait keeps a zero initial_interval from turning retries into a
// busy loop.
const minRetryWait = time.Millisecond

// backoff computes the waits between retries of one batch: exponential, with
// jitter, bounded by max_interval, for at most max_elapsed_time (0: no bound).
type backoff struct {
	cfg      configretry.BackOffConfig
	start    time.Time
	interval time.Duration
	now      func() time.Time
}

func newBackoff(cfg configretry.BackOffConfig, now func() time.Time) *backoff {
	return &backoff{cfg: cfg, start: now(), interval: cfg.InitialInterval, now: now}
}

// next returns the wait before the next retry, or false when there must be
// no more retries.
func (b *backoff) next() (time.Duration, bool) {
	if !b.cfg.Enabled {
		return 0, false
	}
	elapsed := b.now().Sub(b.start)
	if b.cfg.MaxElapsedTime > 0 && elapsed >= b.cfg.MaxElapsedTime {
		return 0, false
	}
	wait := b.interval
	if b.cfg.MaxInterval > 0 && wait > b.cfg.MaxInterval {
		wait = b.cfg.MaxInterval
	}
	if rf := b.cfg.RandomizationFactor; rf > 0 && wait > 0 {
		delta := rf * float64(wait)
		wait = time.Duration(float64(wait) - delta + rand.Float64()*2*delta) //nolint:gosec // jitter, not security
	}
	if b.cfg.MaxElapsedTime > 0 && elapsed+wait > b.cfg.MaxElapsedTime {
		wait = b.cfg.MaxElapsedTime - elapsed
	}
	wait = max(wait, minRetryWait)
	grown := time.Duration(float64(b.interval) * b.cfg.Multiplier)
	if b.cfg.MaxInterval > 0 && grown > b.cfg.MaxInterval {
		grown = b.cfg.MaxInterval
	}
	if grown > b.interval {
		b.interval = grown
	}
	return wait, true
}
