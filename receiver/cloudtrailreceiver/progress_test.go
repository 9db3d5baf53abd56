// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
)

// TestProgressLogs: a poll that found work logs what it did; the first poll
// that leaves no backlog also says the receiver caught up, once; idle polls
// log nothing.
func TestProgressLogs(t *testing.T) {
	dir := t.TempDir()
	recsA, wantA := mixed("pa", 6)
	recsB, wantB := mixed("pb", 6)
	writeFile(t, dir, "a.json", ctFile(recsA...))
	writeFile(t, dir, "b.json", ctFile(recsB...))

	rec := newRecorder()
	h := start(t, testConfig(dir), rec, nil)
	caughtUp := fmt.Sprintf("Caught up with %s: 8 events of personalize.amazonaws.com selected from 2 files; "+
		"watching for new files every 40ms until stopped (Ctrl-C)", dir)
	require.Eventually(t, func() bool { return h.logs.FilterMessage(caughtUp).Len() == 1 }, waitTimeout, 5*time.Millisecond,
		"caught-up line; got %v", h.logs.FilterLevelExact(zapcore.InfoLevel).All())
	requireExactlyOnce(t, append(wantA, wantB...), rec.accepted())
	prog := h.logs.FilterMessage(receivertest.ProgressMessage).All()
	require.Len(t, prog, 1, "one progress log for the first poll (the backlog finished)")
	assert.Equal(t, receivertest.ProgressCounts(2, 0, 12, 8, 0, 0), receivertest.ProgressFields(t, prog[0]))

	h.settle()
	require.Equal(t, 1, h.logs.FilterMessage(receivertest.ProgressMessage).Len(), "idle polls log nothing")

	recsC, wantC := mixed("pc", 3)
	writeFile(t, dir, "c.json", append(ctFile(recsC...)[:len(ctFile(recsC...))-2], []byte(`,{"eventVersion":`)...))
	require.Eventually(t, func() bool { return h.logs.FilterMessage(receivertest.ProgressMessage).Len() == 2 }, waitTimeout, 5*time.Millisecond)
	assert.Equal(t, receivertest.ProgressCounts(1, 0, 3, 2, 1, 0), receivertest.ProgressFields(t, h.logs.FilterMessage(receivertest.ProgressMessage).All()[1]),
		"the new file, its cut end counted as an error")
	h.settle()
	assert.Equal(t, 1, h.logs.FilterMessage(caughtUp).Len(), "caught up is said once")
	assert.Len(t, rec.accepted(), len(wantA)+len(wantB)+len(wantC))
}
