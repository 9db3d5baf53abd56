// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension // import "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// NewFactory returns the factory of the cloudtrail_encoding extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{
		EventSources:  []string{cloudtrail.PersonalizeSource},
		Body:          cloudtrail.BodyMap.String(),
		MaxRecordSize: cloudtrail.DefaultMaxRecordSize,
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newExtension(set, cfg.(*Config))
}
