// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package auditconsoleexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter"

import "fmt"

// Output streams the exporter can write to.
const (
	OutputStdout = "stdout"
	OutputStderr = "stderr"
)

// Config is the configuration of the audit_console exporter.
type Config struct {
	// Output is the stream the lines go to: stdout (default) or stderr.
	Output string `mapstructure:"output"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch c.Output {
	case OutputStdout, OutputStderr:
		return nil
	default:
		return fmt.Errorf("output: %q is not one of %q, %q", c.Output, OutputStdout, OutputStderr)
	}
}
