// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package runner // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/runner"

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// sourceStatus reports the component status from what the polls met, so
// that the health check shows a source that cannot be read: recoverable
// error while listing the source, or reading its files, fails for a reason
// that may go away (unreachable, access denied), OK again after a poll that
// met none. It reports changes only.
type sourceStatus struct {
	host component.Host

	mu sync.Mutex
	// reported is the error last reported ("" when OK).
	reported string
	// problem is the first source failure met by the current poll.
	problem error
}

func newSourceStatus(host component.Host) *sourceStatus {
	return &sourceStatus{host: host}
}

// fileProblem records that a file could not be read for a reason of the
// source (the core reads it again later).
func (s *sourceStatus) fileProblem(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.problem == nil {
		s.problem = err
	}
}

// pollDone reports the status after a listing: err is the listing's own
// failure (the source could not be listed at all) or the problem of the
// part that could not be listed, otherwise the first problem met.
func (s *sourceStatus) pollDone(err error) {
	s.mu.Lock()
	if err == nil {
		err = s.problem
	}
	s.problem = nil
	text := ""
	if err != nil {
		text = err.Error()
	}
	changed := text != s.reported
	s.reported = text
	s.mu.Unlock()
	if !changed {
		return
	}
	if err != nil {
		componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(err))
		return
	}
	componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusOK))
}
