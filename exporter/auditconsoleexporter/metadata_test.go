// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package auditconsoleexporter

import (
	"testing"

	"github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/internal/metadatatest"
)

func TestMetadataAgreesWithCode(t *testing.T) {
	// audit_console creates no metrics of its own: nil create.
	metadatatest.Check(t, "metadata.yaml", metadatatest.Want{
		Type: metadata.Type, Class: "exporter", Stability: metadata.LogsStability,
		Signals: []string{"logs"},
	}, nil)
	if got := NewFactory().LogsStability(); got != metadata.LogsStability {
		t.Errorf("factory stability %v, metadata %v", got, metadata.LogsStability)
	}
}
