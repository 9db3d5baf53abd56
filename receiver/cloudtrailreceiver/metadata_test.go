// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"errors"
	"testing"

	"go.opentelemetry.io/collector/component"

	"github.com/personalize-audit/otelcol-personalize/internal/metadatatest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

func TestMetadataAgreesWithCode(t *testing.T) {
	metadatatest.Check(t, "metadata.yaml", metadatatest.Want{
		Type: metadata.Type, Class: "receiver", Stability: metadata.LogsStability,
		Signals: []string{"logs"}, ScopeName: metadata.ScopeName,
	}, func(set component.TelemetrySettings) error {
		_, err := telemetry.New(set)
		_, err2 := eventhistory.NewTelemetry(set)
		return errors.Join(err, err2)
	})
	if got := NewFactory().LogsStability(); got != metadata.LogsStability {
		t.Errorf("factory stability %v, metadata %v", got, metadata.LogsStability)
	}
}
