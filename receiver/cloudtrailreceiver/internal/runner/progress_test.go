// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// TestProgressRateLimit: while a backlog lasts, progress is logged at most
// once per progressLogInterval, summing what happened in between; the log
// that ends a backlog is not held back.
func TestProgressRateLimit(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var tally telemetry.Tally
	p := newProgress(zap.New(core), &tally, func() time.Time { return now },
		source.Description{Location: "s3://trail/AWSLogs/", Watching: "watching for new files every 1m"}, nil)
	read := func(files, records int64) {
		tally.Files.Add(files)
		tally.Records.Add(records)
		tally.Selected.Add(records / 2)
	}
	progressLogs := func() []map[string]any {
		var out []map[string]any
		for _, e := range logs.FilterMessage(receivertest.ProgressMessage).All() {
			out = append(out, receivertest.ProgressFields(t, e))
		}
		return out
	}

	read(1, 10)
	p.fileDone(6, true)
	require.Empty(t, progressLogs(), "held back: within %v of the start", progressLogInterval)
	now = now.Add(progressLogInterval)
	read(1, 10)
	p.fileDone(5, true)
	require.Equal(t, []map[string]any{receivertest.ProgressCounts(2, 0, 20, 10, 0, 5)}, progressLogs())
	now = now.Add(time.Second)
	read(1, 10)
	p.fileDone(4, true)
	now = now.Add(10 * time.Second)
	read(1, 10)
	tally.Errors.Add(2)
	p.pollDone(3, true) // stopped with files left and more in the source
	require.Len(t, progressLogs(), 1, "held back: within %v of the last", progressLogInterval)
	now = now.Add(progressLogInterval)
	read(2, 20)
	p.fileDone(1, true)
	require.Len(t, progressLogs(), 2)
	assert.Equal(t, receivertest.ProgressCounts(4, 0, 40, 20, 2, 1), progressLogs()[1], "the sum since the last log")
	assert.Zero(t, logs.FilterMessageSnippet("Caught up").Len(), "not caught up while a backlog is left")

	now = now.Add(time.Second)
	read(1, 4)
	tally.FilesSkipped.Add(3)
	p.pollDone(0, false)
	require.Len(t, progressLogs(), 3, "the backlog is finished: logged at once")
	assert.Equal(t, receivertest.ProgressCounts(1, 3, 4, 2, 0, 0), progressLogs()[2])
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

// TestProgressNamesTheSourceObjects: a source whose objects are not files
// (Event history's lookups) has its progress said in its own words.
func TestProgressNamesTheSourceObjects(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	var tally telemetry.Tally
	p := newProgress(zap.New(core), &tally, time.Now, source.Description{
		Location: "LookupEvents in us-east-1", Watching: "polling Event history every 1m", Objects: "lookups",
	}, []string{"personalize.amazonaws.com"})
	tally.Files.Add(2)
	tally.Records.Add(7)
	tally.Selected.Add(7)
	p.pollDone(0, false)
	progress := logs.FilterMessage(receivertest.ProgressMessage).All()
	require.Len(t, progress, 1)
	fields := progress[0].ContextMap()
	assert.EqualValues(t, 2, fields["lookups_read"])
	assert.EqualValues(t, 0, fields["backlog_lookups"])
	assert.NotContains(t, fields, "files_read")
	assert.Equal(t, []string{"Caught up with LookupEvents in us-east-1: 7 events of personalize.amazonaws.com selected from 2 lookups; " +
		"polling Event history every 1m until stopped (Ctrl-C)"}, messages(logs.FilterMessageSnippet("Caught up").All()))
}
