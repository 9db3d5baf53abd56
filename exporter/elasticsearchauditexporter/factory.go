// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
)

// Defaults.
const (
	// DefaultDataset does not match Elastic's logs-aws.cloudtrail-* template
	// (whose ingest pipeline expects raw CloudTrail in `message`).
	DefaultDataset   = "cloudtrail.personalize"
	DefaultNamespace = "default"
	// defaultFlushBytes is about 5 MB, where Elasticsearch's bulk throughput
	// levels off and a request still finishes well inside the timeout.
	defaultFlushBytes = 5 << 20
	// defaultDataRetention keeps a year searchable, what audit rules
	// commonly ask for (PCI DSS 10.5.1: twelve months); the trail in S3
	// stays the archive.
	defaultDataRetention = "365d"
)

// NewFactory returns the factory of the elasticsearch_audit exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = 90 * time.Second
	client.Compression = configcompression.TypeGzip
	client.CompressionParams.Level = 1
	// Keep one idle connection per queue consumer; the net/http default of
	// two per host would make ten consumers reconnect constantly.
	if ka := client.Keepalive.Get(); ka != nil {
		ka.MaxIdleConnsPerHost = 32
	}

	queue := exporterhelper.NewDefaultQueueConfig()
	// Bulk requests want thousands of documents, not the receiver's batches.
	queue.Sizer = exporterhelper.RequestSizerTypeItems
	queue.QueueSize = 20_000
	queue.BlockOnOverflow = true
	queue.NumConsumers = 4
	batch := exporterhelper.NewDefaultBatchConfig()
	batch.Sizer = exporterhelper.RequestSizerTypeItems
	batch.MinSize = 2_000
	batch.MaxSize = 5_000
	batch.FlushTimeout = time.Second
	queue.Batch = configoptional.Some(batch)

	// An audit trail must not be dropped after a few minutes of outage:
	// retry until Elasticsearch is back (0 = no time limit), and let the
	// blocking queue push back on the receiver meanwhile.
	backoff := configretry.NewDefaultBackOffConfig()
	backoff.MaxElapsedTime = 0

	return &Config{
		ClientConfig:     client,
		QueueBatchConfig: configoptional.Some(queue),
		BackOffConfig:    backoff,
		DataStream:       DataStreamConfig{Dataset: DefaultDataset, Namespace: DefaultNamespace},
		Mapping:          MappingConfig{Mode: "ecs"},
		Templates:        TemplatesConfig{Install: true, DataRetention: defaultDataRetention},
		Flush:            FlushConfig{Bytes: defaultFlushBytes},
		BulkRetry: BulkRetryConfig{
			MaxRetries:      5,
			InitialInterval: 200 * time.Millisecond,
			MaxInterval:     30 * time.Second,
		},
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// The HTTP client's own timeout bounds each request; a push may
		// legitimately take longer (several requests, item retries).
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithQueue(c.QueueBatchConfig),
	)
}
