// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metrictest reads the counters a component recorded through
// componenttest.Telemetry, for the telemetry tests of the components in this
// repository.
package metrictest // import "github.com/personalize-audit/otelcol-personalize/internal/metrictest"

import (
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Sum adds up the points of an int64 counter whose attributes include attrs
// (every point without attrs); 0 when nothing was recorded yet.
func Sum(t testing.TB, tel *componenttest.Telemetry, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is a %T, not an int64 sum", name, m.Data)
	}
	var total int64
	for _, dp := range sum.DataPoints {
		match := true
		for _, kv := range attrs {
			if v, ok := dp.Attributes.Value(kv.Key); !ok || v != kv.Value {
				match = false
				break
			}
		}
		if match {
			total += dp.Value
		}
	}
	return total
}
