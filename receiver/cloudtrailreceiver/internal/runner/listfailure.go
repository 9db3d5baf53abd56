// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package runner // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/runner"

import (
	"time"

	"go.uber.org/zap"
)

// listFailureRepeat is how often a source that still cannot be listed, with
// the same error, is logged again.
const listFailureRepeat = 5 * time.Minute

// listFailures keeps a source that cannot be listed from logging the same
// error at every poll (every 10 s by default, with a stack trace): the
// error is logged when it starts or changes, then every listFailureRepeat
// with the number of polls it failed, and its end is logged once. Used by
// the poll loop only, so unsynchronised.
type listFailures struct {
	text          string    // the failing error, "" while listing works
	since, logged time.Time // when it started, when it was last logged
	polls         int       // polls that failed with it
}

func (l *listFailures) failed(logger *zap.Logger, now time.Time, err error) {
	text := err.Error()
	l.polls++
	if text == l.text && now.Sub(l.logged) < listFailureRepeat {
		return
	}
	if text != l.text {
		l.text, l.since, l.polls = text, now, 1
	}
	logger.Error("Cannot list CloudTrail files; retrying at every poll", zap.Error(err),
		zap.Time("failing_since", l.since), zap.Int("failed_polls", l.polls),
		zap.Duration("next_log_in", listFailureRepeat))
	l.logged = now
}

func (l *listFailures) ok(logger *zap.Logger, now time.Time) {
	if l.text == "" {
		return
	}
	logger.Info("CloudTrail files can be listed again", zap.String("error_was", l.text),
		zap.Duration("failed_for", now.Sub(l.since)), zap.Int("failed_polls", l.polls))
	*l = listFailures{}
}
