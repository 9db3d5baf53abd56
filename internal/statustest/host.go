// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package statustest provides a component.Host that records the component
// status events reported to it, for the tests of components that report
// status (componentstatus.ReportStatus).
package statustest // import "github.com/personalize-audit/otelcol-personalize/internal/statustest"

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// Host records status events as the collector's service receives them.
type Host struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

var _ componentstatus.Reporter = (*Host)(nil)

// NewHost returns a Host with no extensions.
func NewHost() *Host { return &Host{Host: componenttest.NewNopHost()} }

// Report records ev.
func (h *Host) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

// Statuses lists the reported statuses in order.
func (h *Host) Statuses() []componentstatus.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]componentstatus.Status, len(h.events))
	for i, ev := range h.events {
		out[i] = ev.Status()
	}
	return out
}

// Errs lists the reported events' errors in order (nil for OK).
func (h *Host) Errs() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]error, len(h.events))
	for i, ev := range h.events {
		out[i] = ev.Err()
	}
	return out
}

// Last is the latest event, nil when none.
func (h *Host) Last() *componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil
	}
	return h.events[len(h.events)-1]
}
