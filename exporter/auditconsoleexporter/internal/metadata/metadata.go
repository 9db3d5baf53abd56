// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata holds the component's identity. It is written by hand
// rather than by mdatagen, which this repository does not run.
package metadata // import "github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter/internal/metadata"

import "go.opentelemetry.io/collector/component"

// Type is the exporter's configuration key.
var Type = component.MustNewType("audit_console")

// LogsStability is the stability of the logs signal, the only one supported.
const LogsStability = component.StabilityLevelAlpha
