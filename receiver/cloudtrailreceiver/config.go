package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

const (
	defaultPollInterval  = 10 * time.Second
	defaultBatchSize     = 1000
	defaultDedupCapacity = 100_000
)

// Config is the configuration of the cloudtrail receiver.
type Config struct {
	// Directory reads CloudTrail log files from a local directory tree. It is
	// the only source for now; S3 and SQS sources will be sibling sections.
	Directory DirectoryConfig `mapstructure:"directory"`

	// Storage is the component.ID of a storage extension that keeps the
	// per-file checkpoints. Without it checkpoints live in memory only, and
	// every file is read again after a restart.
	Storage *component.ID `mapstructure:"storage"`

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

	// BatchSize is the number of log records per ConsumeLogs call (a file's
	// last batch may be smaller).
	BatchSize int `mapstructure:"batch_size"`

	// Dedup drops records whose eventID was delivered recently.
	Dedup DedupConfig `mapstructure:"dedup"`

	// RetryOnFailure controls the retries of a batch the next consumer
	// refused with a retryable error.
	RetryOnFailure configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DirectoryConfig is the local directory source.
type DirectoryConfig struct {
	// Path is the root of the tree scanned recursively for *.json.gz and
	// *.json files.
	Path string `mapstructure:"path"`
	// PollInterval is the time between two scans of the tree.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

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
	if cfg.Directory.Path == "" {
		errs = errors.Join(errs, errors.New("directory.path must be set"))
	}
	if cfg.Directory.PollInterval <= 0 {
		errs = errors.Join(errs, fmt.Errorf("directory.poll_interval must be greater than 0, not %v", cfg.Directory.PollInterval))
	}
	if _, err := cloudtrail.ParseBodyMode(cfg.Body); err != nil {
		errs = errors.Join(errs, err)
	}
	if cfg.MaxRecordSize <= 0 {
		errs = errors.Join(errs, fmt.Errorf("max_record_size must be greater than 0, not %d", cfg.MaxRecordSize))
	}
	if cfg.BatchSize <= 0 {
		errs = errors.Join(errs, fmt.Errorf("batch_size must be greater than 0, not %d", cfg.BatchSize))
	}
	if cfg.Dedup.CacheSize < 0 || (cfg.Dedup.Enabled && cfg.Dedup.CacheSize == 0) {
		errs = errors.Join(errs, fmt.Errorf("dedup.cache_size must be greater than 0 when dedup is enabled, not %d", cfg.Dedup.CacheSize))
	}
	for _, list := range []struct {
		name   string
		values []string
	}{
		{"event_sources", cfg.EventSources},
		{"include_event_names", cfg.IncludeEventNames},
		{"exclude_event_names", cfg.ExcludeEventNames},
	} {
		for i, v := range list.values {
			if v == "" {
				errs = errors.Join(errs, fmt.Errorf("%s[%d] must not be empty", list.name, i))
			}
		}
	}
	return errs
}

// selector builds the record selector of the configuration.
func (cfg *Config) selector() *cloudtrail.Selector {
	return cloudtrail.NewSelector(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames)
}
