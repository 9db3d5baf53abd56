// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.uber.org/zap/zapcore"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// TestStartWarnsWhenDeliveryIsUnsafe: at start the exporter logs one
// warning, naming the remedy, for a sending queue that acknowledges records
// before Elasticsearch has them, and none for the configurations that keep
// at-least-once (synchronous, or wait_for_result).
func TestStartWarnsWhenDeliveryIsUnsafe(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	queue := func(edit func(*exporterhelper.QueueBatchConfig)) configoptional.Optional[exporterhelper.QueueBatchConfig] {
		q := createDefaultConfig().(*Config).QueueBatchConfig.Get()
		edit(q)
		return configoptional.Some(*q)
	}
	cases := []struct {
		name  string
		queue configoptional.Optional[exporterhelper.QueueBatchConfig]
		host  func(t *testing.T) storageHost
		want  string // "" for no warning
	}{
		{"synchronous (the shipped configuration)", configoptional.None[exporterhelper.QueueBatchConfig](), nil, ""},
		{"in-memory queue with wait_for_result", queue(func(q *exporterhelper.QueueBatchConfig) { q.WaitForResult = true }), nil, ""},
		{"in-memory queue (the exporter's default)", createDefaultConfig().(*Config).QueueBatchConfig, nil, "in-memory sending queue without wait_for_result"},
		{"persistent queue", queue(func(q *exporterhelper.QueueBatchConfig) { id := fileStorageID; q.StorageID = &id }),
			func(t *testing.T) storageHost {
				host, stop := startFileStorage(t, t.TempDir())
				t.Cleanup(stop)
				return host
			}, "exporterhelper v0.165.0 loses queued records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(s.URL)
			cfg.QueueBatchConfig = tc.queue
			cfg.BackOffConfig.Enabled = true
			var h *harness
			var err error
			if tc.host != nil {
				h, err = startExporterOn(t, cfg, tc.host(t))
			} else {
				h, err = startExporter(t, cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			var warnings []string
			for _, e := range h.logs.All() {
				if strings.HasPrefix(e.Message, "Records can be lost") {
					if e.Level != zapcore.WarnLevel {
						t.Errorf("logged at %v, want warn: %s", e.Level, e.Message)
					}
					warnings = append(warnings, e.Message)
				}
			}
			if tc.want == "" {
				if len(warnings) != 0 {
					t.Fatalf("a safe configuration warned: %q", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("want one warning, got %q", warnings)
			}
			for _, s := range []string{tc.want, "sending_queue.enabled: false", "wait_for_result: true"} {
				if !strings.Contains(warnings[0], s) {
					t.Errorf("warning %q does not say %q", warnings[0], s)
				}
			}
		})
	}
}
