// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
)

// TestConsumeContractRandomErrors is the receiver consume contract (as in
// receivertest.CheckConsumeContract, which needs a test_id attribute the
// mapping does not produce): under random retryable and permanent errors,
// every selected record is accepted or dropped, exactly once.
func TestConsumeContractRandomErrors(t *testing.T) {
	scenarios := []struct {
		name                 string
		retryable, permanent float64
		retries              bool
	}{
		{"retryable errors", 0.4, 0, true},
		{"permanent errors", 0, 0.3, true},
		{"mixed errors", 0.3, 0.15, true},
		{"mixed errors, retries disabled", 0.3, 0.15, false},
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			var want []string
			for f := range 5 {
				recs, ids := mixed(fmt.Sprintf("c%d", f), 21)
				data := ctFile(recs...)
				name := fmt.Sprintf("AWSLogs/1/CloudTrail/us-east-1/2024/05/0%d/f.json", f+1)
				if f%2 == 0 {
					data = gzipBytes(t, data)
					name += ".gz"
				}
				writeFile(t, dir, name, data)
				want = append(want, ids...)
			}
			cfg := testConfig(dir)
			cfg.BatchSize = 3
			cfg.RetryOnFailure.Enabled = sc.retries

			rng := rand.New(rand.NewPCG(uint64(i), 42)) //nolint:gosec // test data
			var dropped []string
			next := newRecorder()
			next.decide = func(_ int, ld plog.Logs) error {
				switch x := rng.Float64(); {
				case x < sc.permanent:
					dropped = append(dropped, eventIDs(ld)...)
					return consumererror.NewPermanent(errTransient)
				case x < sc.permanent+sc.retryable:
					return errTransient
				}
				return nil
			}
			h := start(t, cfg, next, nil)
			h.waitCounter(5, metricFiles, attribute.String("result", resultOK))
			h.shutdown()

			next.mu.Lock()
			gotDropped := append([]string(nil), dropped...)
			next.mu.Unlock()
			accepted := next.accepted()
			requireExactlyOnce(t, want, append(accepted, gotDropped...))
			assert.Equal(t, int64(len(gotDropped)), h.counter(metricRecordsDropped))
			assert.Equal(t, int64(len(accepted)), h.counter("otelcol_receiver_accepted_log_records"))
			assert.Zero(t, h.counter(metricRecordsDuplicate))
			require.Equal(t, int64(5*21), h.counter(metricRecordsRead)-rereadRecords(t, h))
		})
	}
}

// rereadRecords is how many records were read again after a batch was not
// accepted with retries disabled (its files, and those of the batch read
// meanwhile, are re-read from their checkpoints).
func rereadRecords(t *testing.T, h *harness) int64 {
	t.Helper()
	var n int64
	// The batch read while the failed one was delivered is read again too.
	entries := h.logs.FilterMessageSnippet("Next consumer keeps failing").All()
	entries = append(entries, h.logs.FilterMessageSnippet("Reading again from the checkpoints").All()...)
	for _, e := range entries {
		// A batch may carry records of several files: input_records counts
		// what it covers in all of them.
		records, _ := field(e, "input_records")
		var r int64
		_, err := fmt.Sscan(records, &r)
		require.NoError(t, err)
		n += r
	}
	return n
}
