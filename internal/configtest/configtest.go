// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package configtest loads a component's test configuration the way the
// collector does, for the config tests of the components in this repository.
package configtest // import "github.com/personalize-audit/otelcol-personalize/internal/configtest"

import (
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// Load unmarshals the section of testdata/config.yaml for the factory's type
// with the given name ("" for the unnamed one) over the factory's default
// configuration.
func Load(t testing.TB, f component.Factory, name string) component.Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub(component.NewIDWithName(f.Type(), name).String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.CreateDefaultConfig()
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}
