// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata holds the component's identity. It is written by hand
// rather than by mdatagen, which this repository does not run.
package metadata // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"

import "go.opentelemetry.io/collector/component"

// Type is the exporter's configuration key. It differs from contrib's
// `elasticsearch` so that both can be built into one distribution.
var Type = component.MustNewType("elasticsearch_audit")

// ScopeName names the meter and logger scope of the exporter's own telemetry.
const ScopeName = "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

// LogsStability is the stability of the logs signal, the only one supported.
const LogsStability = component.StabilityLevelAlpha
