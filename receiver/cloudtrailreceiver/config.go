// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"

	"github.com/personalize-audit/otelcol-personalize/internal/ctoptions"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"
)

const (
	defaultBatchSize     = 1000
	defaultDedupCapacity = 100_000
	// Well past SQS's longest message retention (14 days), so that no
	// notification can come back for a file whose checkpoint is gone.
	defaultCheckpointRetention = 30 * 24 * time.Hour
	// A checkpoint goes at the second look, two retentions after its file
	// was finished at the earliest: a week makes that SQS's 14 days.
	minSQSCheckpointRetention = 7 * 24 * time.Hour
)

// Config is the configuration of the cloudtrail receiver.
type Config struct {
	// Directory reads CloudTrail log files from a local directory tree.
	// Exactly one of Directory, S3, SQS and EventHistory is set.
	Directory DirectoryConfig `mapstructure:"directory"`
	// S3 lists and reads CloudTrail log files from a trail's S3 bucket.
	S3 S3Config `mapstructure:"s3"`
	// SQS reads the CloudTrail log files named by S3 or CloudTrail
	// notifications delivered to an SQS queue.
	SQS SQSConfig `mapstructure:"sqs"`
	// EventHistory reads CloudTrail's Event history (the LookupEvents API)
	// of some regions, for accounts without a trail.
	EventHistory EventHistoryConfig `mapstructure:"event_history"`

	// Storage is the component.ID of a storage extension that keeps the
	// per-file checkpoints. Without it checkpoints live in memory only, and
	// every file is read again after a restart.
	Storage *component.ID `mapstructure:"storage"`

	// CheckpointRetention is how often the checkpoints of finished files
	// are looked at, the first time this long after the file was finished.
	// One is deleted when its source could not offer the file at two looks
	// in a row: the file was no longer in the directory tree, the stored
	// S3 listing position had passed its key, or, for SQS, always (the
	// retention itself is the guard against a notification delivered
	// again). 0 keeps checkpoints for ever.
	CheckpointRetention time.Duration `mapstructure:"checkpoint_retention"`

	// EventSources keeps records whose eventSource is one of these. The
	// default is personalize.amazonaws.com; an explicitly empty list keeps
	// every source.
	EventSources []string `mapstructure:"event_sources"`
	// IncludeEventNames, when not empty, keeps only these eventNames.
	IncludeEventNames []string `mapstructure:"include_event_names"`
	// ExcludeEventNames drops these eventNames.
	ExcludeEventNames []string `mapstructure:"exclude_event_names"`

	// Body is what a log record's body holds: map (the record as a map),
	// json (the record's original JSON text) or none.
	Body string `mapstructure:"body"`

	// MaxRecordSize is the largest record kept, in bytes; larger records are
	// skipped, logged and counted.
	MaxRecordSize int `mapstructure:"max_record_size"`

	// BatchSize is the number of log records per ConsumeLogs call, from one
	// file or several (a batch not full is sent after a second, and at the
	// end of a listing).
	BatchSize int `mapstructure:"batch_size"`

	// Dedup drops records whose eventID was delivered recently.
	Dedup DedupConfig `mapstructure:"dedup"`

	// RetryOnFailure controls the retries of a batch the next consumer
	// refused with a retryable error.
	RetryOnFailure configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// The sources' configurations, under the names this package has always
// given them.
type (
	DirectoryConfig    = directory.Config
	S3Config           = s3bucket.Config
	SQSConfig          = sqsqueue.Config
	EventHistoryConfig = eventhistory.Config
)

// DedupConfig configures the eventID de-duplication.
type DedupConfig struct {
	// Enabled turns de-duplication on.
	Enabled bool `mapstructure:"enabled"`
	// CacheSize is the number of recently delivered eventIDs remembered.
	CacheSize int `mapstructure:"cache_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the receiver configuration.
func (cfg *Config) Validate() error {
	var errs error
	dir, s3, sqs, history := cfg.Directory.Path != "", cfg.S3.Bucket != "", cfg.SQS.QueueURL != "", cfg.EventHistory.Selected()
	switch n := btoi(dir) + btoi(s3) + btoi(sqs) + btoi(history); {
	case n > 1:
		errs = errors.Join(errs, errors.New("directory.path, s3.bucket, sqs.queue_url, event_history.regions: exactly one source may be set, got more"))
	case n == 0:
		errs = errors.Join(errs, errors.New("directory.path, s3.bucket, sqs.queue_url, event_history.regions: one source must be set, got none"))
	}
	// Each source checks its own options.
	errs = errors.Join(errs, cfg.Directory.Check(dir))
	if s3 {
		errs = errors.Join(errs, cfg.S3.Check())
	}
	if sqs {
		errs = errors.Join(errs, cfg.SQS.Check())
		if cfg.CheckpointRetention > 0 && cfg.CheckpointRetention < minSQSCheckpointRetention {
			errs = errors.Join(errs, fmt.Errorf("checkpoint_retention: must be 0 or at least %v with sqs, so that no notification SQS still holds (14 days at most) can name a file whose checkpoint is gone, got %v",
				minSQSCheckpointRetention, cfg.CheckpointRetention))
		}
	}
	if history {
		errs = errors.Join(errs, cfg.EventHistory.Check())
	}
	if cfg.CheckpointRetention < 0 {
		errs = errors.Join(errs, fmt.Errorf("checkpoint_retention: must not be negative (0 keeps checkpoints for ever), got %v", cfg.CheckpointRetention))
	}
	if cfg.BatchSize <= 0 {
		errs = errors.Join(errs, fmt.Errorf("batch_size: must be positive, got %d", cfg.BatchSize))
	}
	if cfg.Dedup.CacheSize < 0 || (cfg.Dedup.Enabled && cfg.Dedup.CacheSize == 0) {
		errs = errors.Join(errs, fmt.Errorf("dedup.cache_size: must be positive when dedup is enabled, got %d", cfg.Dedup.CacheSize))
	}
	errs = errors.Join(errs, ctoptions.Validate(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames, cfg.Body, cfg.MaxRecordSize))
	return errs
}

// selector builds the record selector of the configuration.
// transport is the receiver's transport in its obsreport telemetry: the
// directory source reads files, the others call AWS APIs over HTTP.
func (cfg *Config) transport() string {
	if cfg.Directory.Path != "" {
		return "file"
	}
	return "http"
}

func (cfg *Config) selector() *cloudtrail.Selector {
	return cloudtrail.NewSelector(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
