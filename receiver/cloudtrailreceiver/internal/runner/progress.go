// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package runner // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/runner"

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// progressLogInterval is the least time between two progress logs while a
// backlog is worked through; the log that ends a backlog is never held back.
const progressLogInterval = 30 * time.Second

// progress logs, at info, what the polls that found work did, at most once
// per progressLogInterval (summing what happened in between) and always
// when a backlog is finished; and once, the first time the source has
// nothing more to offer, that the receiver caught up and keeps watching.
type progress struct {
	logger *zap.Logger
	tally  *telemetry.Tally
	now    func() time.Time
	// location, watching, events and objects make the caught-up line:
	// "Caught up with <location>: n <events> selected from m <objects>;
	// <watching> until stopped (Ctrl-C)". objects also names the progress
	// fields (files_read, lookups_read, ...).
	location, watching, events, objects string

	mu       sync.Mutex
	lastLog  time.Time
	pending  telemetry.Counts // taken from the tally, not logged yet
	total    telemetry.Counts // since start, for the caught-up line
	caughtUp bool
}

func newProgress(logger *zap.Logger, tally *telemetry.Tally, now func() time.Time, d source.Description, eventSources []string) *progress {
	objects := d.Objects
	if objects == "" {
		objects = "files"
	}
	events := "events"
	if len(eventSources) > 0 {
		events = "events of " + strings.Join(eventSources, ", ")
	}
	// The first log of a long first poll comes one interval after start.
	return &progress{logger: logger, tally: tally, now: now, location: d.Location, watching: d.Watching, events: events, objects: objects, lastLog: now()}
}

// fileDone is called after each file of a poll, with the number of files of
// the poll still to process, so that a long poll reports as it goes.
func (p *progress) fileDone(left int, more bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.collect()
	if p.pending.Any() && p.now().Sub(p.lastLog) >= progressLogInterval {
		p.log(left, more)
	}
}

// pollDone is called at the end of a poll that was not cut short by an
// error listing the source: left files of the poll were not processed (the
// poll stopped), more says the source holds more than it offered.
func (p *progress) pollDone(left int, more bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.collect()
	finished := left == 0 && !more
	if p.pending.Any() && (finished || p.now().Sub(p.lastLog) >= progressLogInterval) {
		p.log(left, more)
	}
	if finished && !p.caughtUp {
		p.caughtUp = true
		msg := fmt.Sprintf("Caught up with %s: %d %s selected from %d %s", p.location, p.total.Selected, p.events, p.total.Files, p.objects)
		if p.total.FilesSkipped > 0 {
			msg += fmt.Sprintf(" (%d more already read before)", p.total.FilesSkipped)
		}
		p.logger.Info(msg + "; " + p.watching + " until stopped (Ctrl-C)")
	}
}

func (p *progress) collect() {
	c := p.tally.Take()
	p.pending.Add(c)
	p.total.Add(c)
}

// log writes the pending counts. p.mu is held.
func (p *progress) log(left int, more bool) {
	c := p.pending
	p.pending = telemetry.Counts{}
	p.lastLog = p.now()
	p.logger.Info("CloudTrail progress",
		zap.Int64(p.objects+"_read", c.Files),
		zap.Int64(p.objects+"_already_read", c.FilesSkipped),
		zap.Int64("records_read", c.Records),
		zap.Int64("records_selected", c.Selected),
		zap.Int64("errors", c.Errors),
		zap.Int("backlog_"+p.objects, left),
		zap.Bool("backlog_more", more))
}
