// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package runner

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestListFailuresLogBounded: a source that keeps failing to list logs its
// error once, then every listFailureRepeat with the polls it failed, again
// at once when the error changes, and its end once.
func TestListFailuresLogBounded(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	logger := zap.New(core)
	var l listFailures
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	gone := errors.New("lstat /trail: no such file or directory")

	l.ok(logger, t0)    // never failed: nothing to say
	for i := range 30 { // 30 polls 10 s apart: 5 minutes
		l.failed(logger, t0.Add(time.Duration(i)*10*time.Second), gone)
	}
	require.Equal(t, 1, logs.Len(), "one log for 30 polls within %v", listFailureRepeat)
	l.failed(logger, t0.Add(listFailureRepeat), gone)
	require.Equal(t, 2, logs.Len(), "logged again after %v", listFailureRepeat)
	assert.EqualValues(t, 31, logs.All()[1].ContextMap()["failed_polls"])

	denied := errors.New("open /trail: permission denied")
	l.failed(logger, t0.Add(listFailureRepeat+10*time.Second), denied)
	require.Equal(t, 3, logs.Len(), "a new error is logged at once")
	assert.Equal(t, denied.Error(), logs.All()[2].ContextMap()["error"])

	l.ok(logger, t0.Add(listFailureRepeat+20*time.Second))
	l.ok(logger, t0.Add(listFailureRepeat+30*time.Second))
	require.Equal(t, 4, logs.Len(), "the end of the failure is logged once")
	end := logs.All()[3]
	assert.Equal(t, zapcore.InfoLevel, end.Level)
	assert.Equal(t, denied.Error(), end.ContextMap()["error_was"])

	l.failed(logger, t0.Add(time.Hour), gone)
	assert.Equal(t, 5, logs.Len(), "a failure after recovery is logged at once")
}
