// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// healthReporter reports the exporter's component status: recoverable
// error while Elasticsearch cannot be reached or refuses bulk requests as a
// whole, OK again once it answers. Only changes are reported: a health check
// counts recovery_duration from the event's time, which a repeated error
// event would reset.
type healthReporter struct {
	mu      sync.Mutex
	host    component.Host
	failing bool
}

func (h *healthReporter) start(host component.Host) {
	h.mu.Lock()
	h.host = host
	h.mu.Unlock()
}

// failed reports err unless an error is already reported.
func (h *healthReporter) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing || h.host == nil {
		return
	}
	h.failing = true
	componentstatus.ReportStatus(h.host, componentstatus.NewRecoverableErrorEvent(err))
}

// ok reports StatusOK after an error.
func (h *healthReporter) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.failing || h.host == nil {
		return
	}
	h.failing = false
	componentstatus.ReportStatus(h.host, componentstatus.NewEvent(componentstatus.StatusOK))
}
