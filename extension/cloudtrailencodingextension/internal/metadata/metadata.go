// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadata holds the type, scope and stability of the
// cloudtrail_encoding extension. It is written by hand (mdatagen is not part
// of this build).
package metadata // import "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension/internal/metadata"

import (
	"go.opentelemetry.io/collector/component"
)

var (
	// Type is the component type used in collector configurations.
	Type = component.MustNewType("cloudtrail_encoding")
	// ScopeName is the extension's import path: the instrumentation scope of
	// the log records it produces and the name of the meter of its metrics.
	ScopeName = "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension"
)

const (
	// ExtensionStability is the stability of the extension.
	ExtensionStability = component.StabilityLevelAlpha
)
