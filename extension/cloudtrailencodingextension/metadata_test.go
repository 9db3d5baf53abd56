// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension

import (
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/internal/metadatatest"
)

func TestMetadataAgreesWithCode(t *testing.T) {
	metadatatest.Check(t, "metadata.yaml", metadatatest.Want{
		Type: metadata.Type, Class: "extension", Stability: metadata.ExtensionStability,
		ScopeName: metadata.ScopeName,
	}, func(set component.TelemetrySettings) error {
		set.Logger = zap.NewNop()
		_, err := newExtension(extension.Settings{TelemetrySettings: set}, createDefaultConfig().(*Config))
		return err
	})
	if got := NewFactory().Stability(); got != metadata.ExtensionStability {
		t.Errorf("factory stability %v, metadata %v", got, metadata.ExtensionStability)
	}
}
