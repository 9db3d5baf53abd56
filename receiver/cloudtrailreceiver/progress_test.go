package cloudtrailreceiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const progressMessage = "CloudTrail progress"

// progressFields are the counts of a progress log.
func progressFields(t *testing.T, e observer.LoggedEntry) map[string]any {
	t.Helper()
	require.Equal(t, zapcore.InfoLevel, e.Level)
	m := e.ContextMap()
	delete(m, "backlog_more")
	return m
}

func counts(files, skipped, records, selected, errs int64, backlog int) map[string]any {
	return map[string]any{
		"files_read": files, "files_already_read": skipped, "records_read": records,
		"records_selected": selected, "errors": errs, "backlog_files": int64(backlog),
	}
}

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
	prog := h.logs.FilterMessage(progressMessage).All()
	require.Len(t, prog, 1, "one progress log for the first poll (the backlog finished)")
	assert.Equal(t, counts(2, 0, 12, 8, 0, 0), progressFields(t, prog[0]))

	h.settle()
	require.Equal(t, 1, h.logs.FilterMessage(progressMessage).Len(), "idle polls log nothing")

	recsC, wantC := mixed("pc", 3)
	writeFile(t, dir, "c.json", append(ctFile(recsC...)[:len(ctFile(recsC...))-2], []byte(`,{"eventVersion":`)...))
	require.Eventually(t, func() bool { return h.logs.FilterMessage(progressMessage).Len() == 2 }, waitTimeout, 5*time.Millisecond)
	assert.Equal(t, counts(1, 0, 3, 2, 1, 0), progressFields(t, h.logs.FilterMessage(progressMessage).All()[1]),
		"the new file, its cut end counted as an error")
	h.settle()
	assert.Equal(t, 1, h.logs.FilterMessage(caughtUp).Len(), "caught up is said once")
	assert.Len(t, rec.accepted(), len(wantA)+len(wantB)+len(wantC))
}

// TestProgressRateLimit: while a backlog lasts, progress is logged at most
// once per progressLogInterval, summing what happened in between; the log
// that ends a backlog is not held back.
func TestProgressRateLimit(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tally progressTally
	p := newProgress(zap.New(core), &tally, func() time.Time { return now }, "s3://trail/AWSLogs/", "watching for new files every 1m", nil)
	read := func(files, records int64) {
		tally.files.Add(files)
		tally.records.Add(records)
		tally.selected.Add(records / 2)
	}
	progressLogs := func() []map[string]any {
		var out []map[string]any
		for _, e := range logs.FilterMessage(progressMessage).All() {
			out = append(out, progressFields(t, e))
		}
		return out
	}

	read(1, 10)
	p.fileDone(6, true)
	require.Empty(t, progressLogs(), "held back: within %v of the start", progressLogInterval)
	now = now.Add(progressLogInterval)
	read(1, 10)
	p.fileDone(5, true)
	require.Equal(t, []map[string]any{counts(2, 0, 20, 10, 0, 5)}, progressLogs())
	now = now.Add(time.Second)
	read(1, 10)
	p.fileDone(4, true)
	now = now.Add(10 * time.Second)
	read(1, 10)
	tally.errors.Add(2)
	p.pollDone(3, true) // stopped with files left and more in the source
	require.Len(t, progressLogs(), 1, "held back: within %v of the last", progressLogInterval)
	now = now.Add(progressLogInterval)
	read(2, 20)
	p.fileDone(1, true)
	require.Len(t, progressLogs(), 2)
	assert.Equal(t, counts(4, 0, 40, 20, 2, 1), progressLogs()[1], "the sum since the last log")
	assert.Zero(t, logs.FilterMessageSnippet("Caught up").Len(), "not caught up while a backlog is left")

	now = now.Add(time.Second)
	read(1, 4)
	tally.filesSkipped.Add(3)
	p.pollDone(0, false)
	require.Len(t, progressLogs(), 3, "the backlog is finished: logged at once")
	assert.Equal(t, counts(1, 3, 4, 2, 0, 0), progressLogs()[2])
	assert.Equal(t, []string{"Caught up with s3://trail/AWSLogs/: 32 events selected from 7 files (3 more already read before); " +
		"watching for new files every 1m until stopped (Ctrl-C)"}, messages(logs.FilterMessageSnippet("Caught up").All()))

	now = now.Add(time.Second)
	p.pollDone(0, false)
	assert.Len(t, progressLogs(), 3, "a poll that found nothing logs nothing")
	read(1, 2)
	p.pollDone(0, false)
	assert.Len(t, progressLogs(), 4)
	assert.Equal(t, 1, logs.FilterMessageSnippet("Caught up").Len())
}

func messages(entries []observer.LoggedEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Message
	}
	return out
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second: "10s", time.Minute: "1m", 90 * time.Second: "1m30s", time.Hour: "1h", 20 * time.Millisecond: "20ms",
	} {
		assert.Equal(t, want, shortDuration(d))
	}
}
