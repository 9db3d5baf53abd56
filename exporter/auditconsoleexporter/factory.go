// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package auditconsoleexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter"

import (
	"context"
	"io"
	"os"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter/internal/metadata"
)

// NewFactory returns the factory of the audit_console exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{Output: OutputStdout}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	var out io.Writer = os.Stdout
	if cfg.(*Config).Output == OutputStderr {
		out = os.Stderr
	}
	e := newConsoleExporter(out)
	// No sending queue (and nothing to retry): a line is printed before
	// ConsumeLogs returns, so what the receiver logs afterwards comes after
	// its lines.
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	)
}
