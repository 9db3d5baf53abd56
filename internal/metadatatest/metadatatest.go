// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package metadatatest checks that a component's metadata.yaml, written in
// mdatagen's format, agrees with its hand-written internal/metadata and with
// the instruments the component really creates. mdatagen cannot be fetched
// here, so this test is what keeps the two from drifting apart.
package metadatatest // import "github.com/personalize-audit/otelcol-personalize/internal/metadatatest"

import (
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.yaml.in/yaml/v3"
)

// Metadata is the part of mdatagen's metadata.yaml the components use.
type Metadata struct {
	Type   string `yaml:"type"`
	Status struct {
		Class         string              `yaml:"class"`
		Stability     map[string][]string `yaml:"stability"`
		Distributions []string            `yaml:"distributions"`
	} `yaml:"status"`
	Telemetry struct {
		Metrics map[string]Metric `yaml:"metrics"`
	} `yaml:"telemetry"`
}

// Metric is one entry of telemetry.metrics. As in mdatagen, its key has no
// otelcol prefix; the names the code creates carry one ("otelcol_" or
// "otelcol.").
type Metric struct {
	Enabled     bool   `yaml:"enabled"`
	Description string `yaml:"description"`
	Unit        string `yaml:"unit"`
	Sum         *struct {
		ValueType string `yaml:"value_type"`
		Monotonic bool   `yaml:"monotonic"`
	} `yaml:"sum"`
	Gauge *struct {
		ValueType string `yaml:"value_type"`
	} `yaml:"gauge"`
}

// Want is what the component's internal/metadata says.
type Want struct {
	Type      component.Type
	Class     string // receiver, exporter, extension
	Stability component.StabilityLevel
	// Signals are the signals at that stability (empty for an extension,
	// whose stability mdatagen lists under "extension").
	Signals   []string
	ScopeName string
}

// Check reads path and compares it with want, then calls create with a
// meter provider that records every instrument made on ScopeName's meter and
// compares them with telemetry.metrics: same names, descriptions, units and
// kinds, nothing missing on either side.
func Check(t *testing.T, path string, want Want, create func(component.TelemetrySettings) error) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var md Metadata
	if err := yaml.Unmarshal(raw, &md); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if md.Type != want.Type.String() {
		t.Errorf("%s: type %q, internal/metadata says %q", path, md.Type, want.Type)
	}
	if md.Status.Class != want.Class {
		t.Errorf("%s: class %q, want %q", path, md.Status.Class, want.Class)
	}
	level := want.Stability.String()
	signals := slices.Clone(want.Signals)
	if len(signals) == 0 {
		signals = []string{want.Class}
	}
	got := md.Status.Stability[stabilityKey(level)]
	sort.Strings(got)
	sort.Strings(signals)
	if !slices.Equal(got, signals) {
		t.Errorf("%s: stability %s lists %v, internal/metadata says %v", path, stabilityKey(level), got, signals)
	}
	if len(md.Status.Stability) != 1 {
		t.Errorf("%s: stability has %d levels, internal/metadata one", path, len(md.Status.Stability))
	}

	rec := &recorder{scope: want.ScopeName, made: map[string]Metric{}}
	set := component.TelemetrySettings{MeterProvider: rec}
	if create != nil { // nil: the component has no meter of its own
		if err := create(set); err != nil {
			t.Fatal(err)
		}
	}
	for name, m := range md.Telemetry.Metrics {
		made, ok := rec.made[name]
		if !ok {
			t.Errorf("%s lists %s; the component creates no otelcol_%s or otelcol.%s", path, name, name, name)
			continue
		}
		if !m.Enabled {
			t.Errorf("%s: %s is not enabled, but the component always records it", path, name)
		}
		if m.Description != made.Description {
			t.Errorf("%s: %s description\n  yaml: %q\n  code: %q", path, name, m.Description, made.Description)
		}
		if m.Unit != made.Unit {
			t.Errorf("%s: %s unit %q, code %q", path, name, m.Unit, made.Unit)
		}
		if (m.Sum == nil) != (made.Sum == nil) || (m.Sum != nil && *m.Sum != *made.Sum) ||
			(m.Gauge == nil) != (made.Gauge == nil) || (m.Gauge != nil && *m.Gauge != *made.Gauge) {
			t.Errorf("%s: %s kind differs from the instrument the code creates", path, name)
		}
	}
	for name := range rec.made {
		if _, ok := md.Telemetry.Metrics[name]; !ok {
			t.Errorf("the component creates %s (without its otelcol prefix); %s does not list it", name, path)
		}
	}
	if len(rec.made) == 0 && len(md.Telemetry.Metrics) == 0 {
		t.Logf("%s: the component has no metrics of its own", path)
	}
}

// stabilityKey is the key mdatagen uses for a level ("Alpha" → "alpha").
func stabilityKey(level string) string {
	b := []byte(level)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// recorder is a meter provider that keeps what the component creates on its
// own meter and hands out no-op instruments.
type recorder struct {
	noop.MeterProvider
	scope string
	mu    sync.Mutex
	made  map[string]Metric
}

func (r *recorder) Meter(name string, _ ...metric.MeterOption) metric.Meter {
	if name != r.scope {
		return noop.Meter{} // exporterhelper's, receiverhelper's: not ours to list
	}
	return &meter{r: r}
}

func (r *recorder) add(name, desc, unit string, m Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m.Enabled, m.Description, m.Unit = true, desc, unit
	key, ok := strings.CutPrefix(name, "otelcol_")
	if !ok {
		key, ok = strings.CutPrefix(name, "otelcol.")
	}
	if !ok {
		key = "(no otelcol prefix) " + name
	}
	r.made[key] = m
}

type meter struct {
	noop.Meter
	r *recorder
}

func sum(valueType string, monotonic bool) Metric {
	var m Metric
	m.Sum = &struct {
		ValueType string `yaml:"value_type"`
		Monotonic bool   `yaml:"monotonic"`
	}{valueType, monotonic}
	return m
}

func gauge(valueType string) Metric {
	var m Metric
	m.Gauge = &struct {
		ValueType string `yaml:"value_type"`
	}{valueType}
	return m
}

func (m *meter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(opts...)
	m.r.add(name, c.Description(), c.Unit(), sum("int", true))
	return noop.Int64Counter{}, nil
}

func (m *meter) Int64UpDownCounter(name string, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(opts...)
	m.r.add(name, c.Description(), c.Unit(), sum("int", false))
	return noop.Int64UpDownCounter{}, nil
}

func (m *meter) Int64Gauge(name string, opts ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(opts...)
	m.r.add(name, c.Description(), c.Unit(), gauge("int"))
	return noop.Int64Gauge{}, nil
}

func (m *meter) Int64ObservableGauge(name string, opts ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	c := metric.NewInt64ObservableGaugeConfig(opts...)
	m.r.add(name, c.Description(), c.Unit(), gauge("int"))
	return noop.Int64ObservableGauge{}, nil
}

func (m *meter) Float64Gauge(name string, opts ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(opts...)
	m.r.add(name, c.Description(), c.Unit(), gauge("double"))
	return noop.Float64Gauge{}, nil
}
