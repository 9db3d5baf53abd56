package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"

	"github.com/personalize-audit/otelcol-personalize/internal/ctoptions"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

const (
	defaultPollInterval = 10 * time.Second
	// S3 listings cost requests, and CloudTrail delivers about every 5 min.
	defaultS3PollInterval         = time.Minute
	defaultS3MaxConcurrentObjects = 4
	defaultBatchSize              = 1000
	defaultDedupCapacity          = 100_000
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
	// Exactly one of Directory, S3 and SQS is set.
	Directory DirectoryConfig `mapstructure:"directory"`
	// S3 lists and reads CloudTrail log files from a trail's S3 bucket.
	S3 S3Config `mapstructure:"s3"`
	// SQS reads the CloudTrail log files named by S3 or CloudTrail
	// notifications delivered to an SQS queue.
	SQS SQSConfig `mapstructure:"sqs"`

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
	// Path is the root of the tree scanned recursively for *.json,
	// *.jsonl and *.ndjson files, gzipped (*.json.gz, ...) or not.
	Path string `mapstructure:"path"`
	// PollInterval is the time between two scans of the tree.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Include, when not empty, replaces those name suffixes: glob patterns
	// (path.Match syntax, case-insensitive) of the file names to read, for
	// files named otherwise ("*" reads every file, e.g. Firehose objects,
	// which have no extension).
	Include []string `mapstructure:"include"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// S3Config is the S3 polling source.
type S3Config struct {
	// Bucket is the trail's bucket. Setting it selects the S3 source.
	Bucket string `mapstructure:"bucket"`
	// Prefix is the trail's S3 key prefix (the part before AWSLogs/); it may
	// contain '/'.
	Prefix string `mapstructure:"prefix"`
	// Region is the bucket's region; empty takes the AWS default chain's.
	Region string `mapstructure:"region"`
	// Endpoint replaces the S3 endpoint, for S3-compatible servers.
	Endpoint string `mapstructure:"endpoint"`
	// ForcePathStyle addresses the bucket in the path rather than the host
	// name, as most S3-compatible servers need.
	ForcePathStyle bool `mapstructure:"force_path_style"`
	// PollInterval is the time between two listings.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// StartTime (an RFC 3339 time or a date, quoted or not) skips files
	// delivered before it; listing starts at its day folder, so earlier days
	// are never listed. It only applies to region folders without a
	// checkpoint.
	StartTime string `mapstructure:"start_time"`
	// Accounts limits reading to these account ids; empty discovers them.
	Accounts []string `mapstructure:"accounts"`
	// Regions limits reading to these regions; empty discovers them.
	Regions []string `mapstructure:"regions"`
	// IncludeInsights also reads the CloudTrail-Insight folders.
	IncludeInsights bool `mapstructure:"include_insights"`
	// RoleARN is a role assumed (with the default chain's credentials) to
	// read the bucket.
	RoleARN string `mapstructure:"role_arn"`
	// MaxConcurrentObjects bounds the objects read at once.
	MaxConcurrentObjects int `mapstructure:"max_concurrent_objects"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ confmap.Unmarshaler = (*S3Config)(nil)

// Unmarshal takes start_time written as a YAML timestamp as well as quoted.
func (c *S3Config) Unmarshal(conf *confmap.Conf) error {
	if err := timeOptionsAsText(conf, "start_time"); err != nil {
		return err
	}
	return conf.Unmarshal(c)
}

// startTime parses StartTime; the zero time when it is empty.
func (c *S3Config) startTime() (time.Time, error) {
	return parseTimeOption("s3.start_time", c.StartTime)
}

func (c *S3Config) validate() error {
	var errs error
	if c.PollInterval <= 0 {
		errs = errors.Join(errs, fmt.Errorf("s3.poll_interval: must be positive, got %v", c.PollInterval))
	}
	if c.MaxConcurrentObjects <= 0 {
		errs = errors.Join(errs, fmt.Errorf("s3.max_concurrent_objects: must be positive, got %d", c.MaxConcurrentObjects))
	}
	if _, err := c.startTime(); err != nil {
		errs = errors.Join(errs, err)
	}
	for i, a := range c.Accounts {
		if !s3keys.IsAccountID(a) {
			errs = errors.Join(errs, fmt.Errorf("s3.accounts[%d]: must be a 12-digit account id, got %q", i, a))
		}
	}
	for i, r := range c.Regions {
		if !s3keys.IsRegion(r) {
			errs = errors.Join(errs, fmt.Errorf("s3.regions[%d]: must be a region name such as eu-west-1, got %q", i, r))
		}
	}
	if strings.Contains(c.Prefix, "AWSLogs") {
		errs = errors.Join(errs, fmt.Errorf("s3.prefix: must be the part of the key before AWSLogs/, got %q", c.Prefix))
	}
	errs = errors.Join(errs, validateEndpoint("s3.endpoint", c.Endpoint), validateRoleARN("s3.role_arn", c.RoleARN))
	return errs
}

// Values of SQSConfig.OnMaxReceive.
const (
	onMaxReceiveDelete = "delete"
	onMaxReceiveLeave  = "leave"
)

// SQSConfig is the SQS notification source.
type SQSConfig struct {
	// QueueURL is the queue the notifications arrive in. Setting it selects
	// the SQS source.
	QueueURL string `mapstructure:"queue_url"`
	// Region is the region of the queue and of the buckets; empty takes the
	// AWS default chain's.
	Region string `mapstructure:"region"`
	// Endpoint replaces the SQS endpoint.
	Endpoint string `mapstructure:"endpoint"`
	// WaitTime is the long-polling wait of a receive (at most 20s).
	WaitTime time.Duration `mapstructure:"wait_time"`
	// VisibilityTimeout is asked for at each receive, and extended every
	// half of it while the message's objects are being read.
	VisibilityTimeout time.Duration `mapstructure:"visibility_timeout"`
	// MaxMessages is the number of messages a receive asks for (1 to 10).
	MaxMessages int `mapstructure:"max_messages"`
	// Workers is the number of objects read at once.
	Workers int `mapstructure:"workers"`
	// MaxReceiveCount is the receive count from which a message whose
	// objects cannot be read (or that is not understood) is given up on.
	MaxReceiveCount int `mapstructure:"max_receive_count"`
	// OnMaxReceive says what giving up is: delete the message (with an error
	// log) or leave it for the queue's redrive policy (dead-letter queue).
	OnMaxReceive string `mapstructure:"on_max_receive"`
	// S3Endpoint replaces the S3 endpoint objects are read from.
	S3Endpoint string `mapstructure:"s3_endpoint"`
	// ForcePathStyle addresses buckets in the path (S3-compatible servers).
	ForcePathStyle bool `mapstructure:"force_path_style"`
	// RoleARN is a role assumed to receive messages and read objects.
	RoleARN string `mapstructure:"role_arn"`
	// AnyKey reads every object a notification names, whatever its key,
	// not only CloudTrail log files of the AWSLogs/ layout: for buckets
	// that other tools fill with CloudTrail records (an EventBridge rule
	// delivering through Firehose, exports). Digest keys are still skipped.
	AnyKey bool `mapstructure:"any_key"`

	// prevent unkeyed literal initialization
	_ struct{}
}

func (c *SQSConfig) validate() error {
	var errs error
	if _, err := parseQueueURL(c.QueueURL); err != nil {
		errs = errors.Join(errs, fmt.Errorf("sqs.queue_url: %w, got %q", err, c.QueueURL))
	}
	if c.WaitTime < 0 || c.WaitTime > 20*time.Second || c.WaitTime%time.Second != 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.wait_time: must be whole seconds from 0s to 20s, got %v", c.WaitTime))
	}
	if c.VisibilityTimeout < 2*time.Second || c.VisibilityTimeout > 12*time.Hour || c.VisibilityTimeout%time.Second != 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.visibility_timeout: must be whole seconds from 2s to 12h, got %v", c.VisibilityTimeout))
	}
	if c.MaxMessages < 1 || c.MaxMessages > 10 {
		errs = errors.Join(errs, fmt.Errorf("sqs.max_messages: must be from 1 to 10, got %d", c.MaxMessages))
	}
	if c.Workers <= 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.workers: must be positive, got %d", c.Workers))
	}
	if c.MaxReceiveCount <= 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.max_receive_count: must be positive, got %d", c.MaxReceiveCount))
	}
	if c.OnMaxReceive != onMaxReceiveDelete && c.OnMaxReceive != onMaxReceiveLeave {
		errs = errors.Join(errs, fmt.Errorf("sqs.on_max_receive: must be delete or leave, got %q", c.OnMaxReceive))
	}
	errs = errors.Join(errs,
		validateEndpoint("sqs.endpoint", c.Endpoint),
		validateEndpoint("sqs.s3_endpoint", c.S3Endpoint),
		validateRoleARN("sqs.role_arn", c.RoleARN))
	return errs
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
	dir, s3, sqs := cfg.Directory.Path != "", cfg.S3.Bucket != "", cfg.SQS.QueueURL != ""
	switch n := btoi(dir) + btoi(s3) + btoi(sqs); {
	case n > 1:
		errs = errors.Join(errs, errors.New("directory.path, s3.bucket, sqs.queue_url: exactly one source may be set, got more"))
	case n == 0:
		errs = errors.Join(errs, errors.New("directory.path, s3.bucket, sqs.queue_url: one source must be set, got none"))
	}
	if sqs {
		errs = errors.Join(errs, cfg.SQS.validate())
		if cfg.CheckpointRetention > 0 && cfg.CheckpointRetention < minSQSCheckpointRetention {
			errs = errors.Join(errs, fmt.Errorf("checkpoint_retention: must be 0 or at least %v with sqs, so that no notification SQS still holds (14 days at most) can name a file whose checkpoint is gone, got %v",
				minSQSCheckpointRetention, cfg.CheckpointRetention))
		}
	}
	for i, p := range cfg.Directory.Include {
		if _, err := path.Match(strings.ToLower(p), ""); err != nil || p == "" {
			errs = errors.Join(errs, fmt.Errorf("directory.include[%d]: must be a glob pattern, got %q", i, p))
		}
	}
	if dir && cfg.Directory.PollInterval <= 0 {
		errs = errors.Join(errs, fmt.Errorf("directory.poll_interval: must be positive, got %v", cfg.Directory.PollInterval))
	}
	if s3 {
		errs = errors.Join(errs, cfg.S3.validate())
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
func (cfg *Config) selector() *cloudtrail.Selector {
	return cloudtrail.NewSelector(cfg.EventSources, cfg.IncludeEventNames, cfg.ExcludeEventNames)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// validateEndpoint checks an endpoint option: empty (AWS's endpoint), or an
// http or https URL with a host, which the SDK would otherwise only reject
// at the first request.
func validateEndpoint(name, endpoint string) error {
	if endpoint == "" {
		return nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: must be an http:// or https:// URL with a host, got %q", name, endpoint)
	}
	return nil
}

// validateRoleARN checks a role_arn option: empty, or the ARN of an IAM role.
func validateRoleARN(name, roleARN string) error {
	if roleARN == "" {
		return nil
	}
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return fmt.Errorf("%s: must be the ARN of an IAM role (arn:aws:iam::111122223333:role/name), got %q", name, roleARN)
	}
	return nil
}
