// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"
)

// NewFactory returns the factory of the cloudtrail receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	retry := configretry.NewDefaultBackOffConfig()
	// An audit trail is never given up on: retry until the consumer accepts
	// or the receiver stops, unless the user sets max_elapsed_time.
	retry.MaxElapsedTime = 0
	return &Config{
		Directory: DirectoryConfig{
			PollInterval: directory.DefaultPollInterval,
		},
		S3: S3Config{
			PollInterval:         s3bucket.DefaultPollInterval,
			MaxConcurrentObjects: s3bucket.DefaultMaxConcurrentObjects,
		},
		SQS:                 sqsqueue.DefaultConfig(),
		EventHistory:        eventhistory.DefaultConfig(),
		CheckpointRetention: defaultCheckpointRetention,
		EventSources:        []string{cloudtrail.PersonalizeSource},
		Body:                cloudtrail.BodyMap.String(),
		MaxRecordSize:       cloudtrail.DefaultMaxRecordSize,
		BatchSize:           defaultBatchSize,
		Dedup:               DedupConfig{Enabled: true, CacheSize: defaultDedupCapacity},
		RetryOnFailure:      retry,
	}
}

func createLogs(
	_ context.Context,
	set receiver.Settings,
	cfg component.Config,
	next consumer.Logs,
) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
