// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension // import "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension"

import (
	"go.opentelemetry.io/collector/component"

	"github.com/personalize-audit/otelcol-personalize/internal/ctoptions"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// Config is the configuration of the cloudtrail_encoding extension. Its
// options are the cloudtrail receiver's decoding options, with the same
// names and defaults.
type Config struct {
	// EventSources keeps records whose eventSource is one of these. The
	// default is personalize.amazonaws.com; an explicitly empty list keeps
	// every source.
	EventSources []string `mapstructure:"event_sources"`
	// IncludeEventNames, when not empty, keeps only these eventNames.
	IncludeEventNames []string `mapstructure:"include_event_names"`
	// ExcludeEventNames drops these eventNames.
	ExcludeEventNames []string `mapstructure:"exclude_event_names"`

	// Body is what a log record's body holds: map (the record as a map),
	// json (the record's original JSON text) or none.
	Body string `mapstructure:"body"`

	// MaxRecordSize is the largest record kept, in bytes; larger records are
	// skipped, logged and counted.
	MaxRecordSize int `mapstructure:"max_record_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the extension configuration.
func (cfg *Config) Validate() error {
	return ctoptions.Validate(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames, cfg.Body, cfg.MaxRecordSize)
}

func (cfg *Config) selector() *cloudtrail.Selector {
	return cloudtrail.NewSelector(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames)
}
