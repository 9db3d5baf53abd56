// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata holds the type, scope and stability of the cloudtrail
// receiver. It is written by hand (mdatagen is not part of this build).
package metadata // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	// Type is the component type used in collector configurations.
	Type = component.MustNewType("cloudtrail")
	// ScopeName is the receiver's import path: the instrumentation scope of
	// the log records it produces and the name of the meter of its metrics.
	ScopeName = "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"
)

const (
	// LogsStability is the stability of the logs signal.
	LogsStability = component.StabilityLevelAlpha
)
