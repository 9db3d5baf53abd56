// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"

	"github.com/personalize-audit/otelcol-personalize/internal/configtest"
)

func TestConfigStruct(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(NewFactory().CreateDefaultConfig()))
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		want *Config
	}{
		{"", &Config{EventSources: []string{"personalize.amazonaws.com"}, Body: "map", MaxRecordSize: 8 << 20}},
		{"full", &Config{
			EventSources:      []string{"personalize.amazonaws.com", "s3.amazonaws.com"},
			IncludeEventNames: []string{"CreateCampaign", "UpdateCampaign", "GetRecommendations"},
			ExcludeEventNames: []string{"GetRecommendations"},
			Body:              "json",
			MaxRecordSize:     1 << 20,
		}},
		{"all_sources", &Config{EventSources: []string{}, Body: "map", MaxRecordSize: 8 << 20}},
	}
	for _, tt := range tests {
		t.Run("name="+tt.name, func(t *testing.T) {
			cfg := configtest.Load(t, NewFactory(), tt.name)
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestValidateNamesEveryBadOption(t *testing.T) {
	err := confmap.Validate(configtest.Load(t, NewFactory(), "invalid"))
	require.Error(t, err)
	for _, want := range []string{
		`event_sources[0]: must not be empty`,
		`include_event_names[0]: must not be empty`,
		`exclude_event_names[0]: must not be empty`,
		`body: must be map, json or none, got "xml"`,
		`max_record_size: must be positive, got 0`,
	} {
		assert.ErrorContains(t, err, want)
	}
}
