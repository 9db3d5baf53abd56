// Package metadata holds the component's identity. It is written by hand
// rather than by mdatagen, which this repository does not run.
package metadata

import "go.opentelemetry.io/collector/component"

// Type is the exporter's configuration key.
var Type = component.MustNewType("audit_console")

// LogsStability is the stability of the logs signal, the only one supported.
const LogsStability = component.StabilityLevelAlpha
