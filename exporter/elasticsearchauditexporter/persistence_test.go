// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"context"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// storageHost is a host that offers one file_storage extension.
type storageHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.ext }

var fileStorageID = component.MustNewID("file_storage")

func startFileStorage(t *testing.T, dir string) (storageHost, func()) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	set := extension.Settings{ID: fileStorageID, TelemetrySettings: componenttest.NewNopTelemetrySettings(), BuildInfo: component.NewDefaultBuildInfo()}
	ext, err := f.Create(context.Background(), set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	return storageHost{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{fileStorageID: ext}},
		func() { _ = ext.Shutdown(context.Background()) }
}

// TestPersistentQueueSurvivesRestart accepts records while Elasticsearch is
// down, stops the exporter (as a crash or restart would) and starts a new
// one on the same file_storage directory: every record is delivered, once.
func TestPersistentQueueSurvivesRestart(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	dir := t.TempDir()
	cfg := testConfig(s.URL)
	q := exporterhelper.NewDefaultQueueConfig()
	q.Sizer = exporterhelper.RequestSizerTypeItems
	q.QueueSize = 1000
	q.NumConsumers = 1
	id := fileStorageID
	q.StorageID = &id
	q.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueBatchConfig = configoptional.Some(q)
	cfg.BackOffConfig.Enabled = true
	cfg.BackOffConfig.InitialInterval = 10 * time.Millisecond
	cfg.BackOffConfig.MaxInterval = 50 * time.Millisecond
	cfg.BulkRetry.MaxRetries = 0

	run := func(consume bool) {
		host, stopStorage := startFileStorage(t, dir)
		defer stopStorage()
		// The queue's storage is keyed by the component ID: keep it fixed
		// across the restart, as a collector configuration does.
		set := exportertest.NewNopSettings(metadata.Type)
		set.ID = component.NewID(metadata.Type)
		exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := exp.Start(context.Background(), host); err != nil {
			t.Fatal(err)
		}
		if consume {
			for i := 0; i < 3; i++ {
				if err := exp.ConsumeLogs(context.Background(), cloudTrailLogs(t, i*10, 10, ct.BodyMap)); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(100 * time.Millisecond) // let the consumer fail a few times
			if n := s.Count(defaultStream); n != 0 {
				t.Fatalf("%d documents went through while the cluster was down", n)
			}
		} else {
			deadline := time.Now().Add(10 * time.Second)
			for s.Count(defaultStream) < 30 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if err := exp.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	s.FailBulkFor(time.Hour, 503)
	run(true)
	s.ClearFaults()
	run(false)
	if n := s.Count(defaultStream); n != 30 {
		t.Fatalf("after restart %d documents, want 30", n)
	}
}
