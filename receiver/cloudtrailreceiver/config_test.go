// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.yaml.in/yaml/v3"

	"github.com/personalize-audit/otelcol-personalize/internal/configtest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// loadConfig unmarshals the named section of testdata/config.yaml over the
// default configuration.
func loadConfig(t *testing.T, name string) *Config {
	return configtest.Load(t, NewFactory(), name).(*Config)
}

func TestConfigStruct(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(NewFactory().CreateDefaultConfig()))
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg := loadConfig(t, "")
	require.NoError(t, confmap.Validate(cfg))

	want := NewFactory().CreateDefaultConfig().(*Config)
	want.Directory.Path = "/var/log/cloudtrail"
	assert.Equal(t, want, cfg)

	assert.Equal(t, 10*time.Second, cfg.Directory.PollInterval)
	assert.Nil(t, cfg.Storage)
	assert.Equal(t, 30*24*time.Hour, cfg.CheckpointRetention)
	assert.Equal(t, []string{"personalize.amazonaws.com"}, cfg.EventSources)
	assert.Empty(t, cfg.IncludeEventNames)
	assert.Empty(t, cfg.ExcludeEventNames)
	assert.Equal(t, "map", cfg.Body)
	assert.Equal(t, 8388608, cfg.MaxRecordSize)
	assert.Equal(t, 1000, cfg.BatchSize)
	assert.Equal(t, DedupConfig{Enabled: true, CacheSize: 100000}, cfg.Dedup)
	assert.True(t, cfg.RetryOnFailure.Enabled)
	assert.Equal(t, 5*time.Second, cfg.RetryOnFailure.InitialInterval)
	assert.Equal(t, 30*time.Second, cfg.RetryOnFailure.MaxInterval)
	assert.Zero(t, cfg.RetryOnFailure.MaxElapsedTime, "retries never give up by default")
}

func TestLoadConfigFull(t *testing.T) {
	cfg := loadConfig(t, "full")
	require.NoError(t, confmap.Validate(cfg))

	storage := component.MustNewIDWithName("file_storage", "checkpoints")
	want := &Config{
		Directory: DirectoryConfig{
			Path:         "/data/cloudtrail",
			PollInterval: 30 * time.Second,
			Include:      []string{"*.json.gz", "delivery-*"},
		},
		S3:                  S3Config{PollInterval: time.Minute, MaxConcurrentObjects: 4},
		SQS:                 NewFactory().CreateDefaultConfig().(*Config).SQS,
		EventHistory:        NewFactory().CreateDefaultConfig().(*Config).EventHistory,
		Storage:             &storage,
		CheckpointRetention: 7 * 24 * time.Hour,
		EventSources:        []string{"personalize.amazonaws.com", "s3.amazonaws.com"},
		IncludeEventNames:   []string{"CreateCampaign", "UpdateCampaign", "GetRecommendations"},
		ExcludeEventNames:   []string{"GetRecommendations"},
		Body:                "json",
		MaxRecordSize:       1 << 20,
		BatchSize:           250,
		Dedup:               DedupConfig{Enabled: false, CacheSize: 5000},
		RetryOnFailure: configretry.BackOffConfig{
			Enabled:             true,
			InitialInterval:     time.Second,
			MaxInterval:         10 * time.Second,
			MaxElapsedTime:      2 * time.Minute,
			Multiplier:          2,
			RandomizationFactor: 0.1,
		},
	}
	assert.Equal(t, want, cfg)

	sel := cfg.selector()
	assert.NotNil(t, sel)
}

func TestLoadConfigS3(t *testing.T) {
	cfg := loadConfig(t, "s3")
	require.NoError(t, confmap.Validate(cfg))
	want := NewFactory().CreateDefaultConfig().(*Config)
	want.S3 = S3Config{
		Bucket:               "trail-bucket",
		Prefix:               "audit/prod",
		Region:               "eu-west-1",
		Endpoint:             "http://127.0.0.1:9000",
		ForcePathStyle:       true,
		PollInterval:         30 * time.Second,
		StartTime:            "2024-05-01T00:00:00Z",
		Accounts:             []string{"111122223333"},
		Regions:              []string{"eu-west-1", "us-east-1"},
		IncludeInsights:      true,
		RoleARN:              "arn:aws:iam::111122223333:role/cloudtrail-reader",
		MaxConcurrentObjects: 8,
	}
	assert.Equal(t, want, cfg)
	st, err := cfg.S3.StartAt()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), st)

	minimal := loadConfig(t, "s3_minimal")
	require.NoError(t, confmap.Validate(minimal))
	assert.Equal(t, time.Minute, minimal.S3.PollInterval)
	assert.Equal(t, 4, minimal.S3.MaxConcurrentObjects)
	assert.False(t, minimal.S3.IncludeInsights)
}

func TestLoadConfigSQS(t *testing.T) {
	cfg := loadConfig(t, "sqs")
	require.NoError(t, confmap.Validate(cfg))
	want := NewFactory().CreateDefaultConfig().(*Config)
	want.SQS = SQSConfig{
		QueueURL:          "https://sqs.eu-west-1.amazonaws.com/111122223333/trail-notifications",
		Region:            "eu-west-1",
		Endpoint:          "http://127.0.0.1:9324",
		WaitTime:          10 * time.Second,
		VisibilityTimeout: 2 * time.Minute,
		MaxMessages:       5,
		Workers:           8,
		MaxReceiveCount:   3,
		OnMaxReceive:      "leave",
		S3Endpoint:        "http://127.0.0.1:9000",
		ForcePathStyle:    true,
		RoleARN:           "arn:aws:iam::111122223333:role/cloudtrail-reader",
		AnyKey:            true,
	}
	assert.Equal(t, want, cfg)

	minimal := loadConfig(t, "sqs_minimal")
	require.NoError(t, confmap.Validate(minimal))
	assert.Equal(t, 20*time.Second, minimal.SQS.WaitTime)
	assert.Equal(t, 5*time.Minute, minimal.SQS.VisibilityTimeout)
	assert.Equal(t, 10, minimal.SQS.MaxMessages)
	assert.Equal(t, 4, minimal.SQS.Workers)
	assert.Equal(t, 5, minimal.SQS.MaxReceiveCount)
	assert.Equal(t, "delete", minimal.SQS.OnMaxReceive)
}

func TestLoadConfigEmptyEventSourcesMeansAll(t *testing.T) {
	cfg := loadConfig(t, "all_sources")
	require.NoError(t, confmap.Validate(cfg))
	assert.NotNil(t, cfg.EventSources, "an explicit empty list is kept, not replaced by the default")
	assert.Empty(t, cfg.EventSources)
	assert.Equal(t, "none", cfg.Body)
}

func TestLoadConfigEventHistory(t *testing.T) {
	cfg := loadConfig(t, "event_history")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, []string{"us-east-1", "eu-west-1"}, cfg.EventHistory.Regions)
	assert.Equal(t, 720*time.Hour, cfg.EventHistory.Lookback)
	assert.Equal(t, 10*time.Minute, cfg.EventHistory.SettleTime)
	// Defaults of what is not set.
	assert.Equal(t, time.Minute, cfg.EventHistory.PollInterval)
	assert.Equal(t, 2.0, cfg.EventHistory.RequestsPerSecond)
}

func TestLoadConfigInvalid(t *testing.T) {
	tests := []struct {
		name string
		errs []string
	}{
		{"missing_path", []string{"directory.path, s3.bucket, sqs.queue_url, event_history.regions: one source must be set, got none"}},
		{"both_sources", []string{"directory.path, s3.bucket, sqs.queue_url, event_history.regions: exactly one source may be set, got more"}},
		{"bad_sqs", []string{
			"sqs.wait_time: must be whole seconds from 0s to 20s, got 30s",
			"sqs.visibility_timeout: must be whole seconds from 2s to 12h, got 1.5s",
			"sqs.max_messages: must be from 1 to 10, got 11",
			"sqs.workers: must be positive, got 0",
			"sqs.max_receive_count: must be positive, got -1",
			`sqs.on_max_receive: must be delete or leave, got "drop"`,
		}},
		{"bad_event_history", []string{
			`event_history.regions[1]: must be a region name such as eu-west-1, got "useast1"`,
			`event_history.regions[2]: "us-east-1" is listed twice`,
			`event_history.endpoint: must be an http:// or https:// URL with a host, got "127.0.0.1:4566"`,
			`event_history.role_arn: must be the ARN of an IAM role (arn:aws:iam::111122223333:role/name), got "reader"`,
			"event_history.lookback: must be positive and at most 2160h0m0s (the 90 days Event history holds), got 2200h0m0s",
			"event_history.poll_interval: must be positive, got 0s",
			"event_history.settle_time: must be from 0 to 2160h0m0s, got -1m0s",
			"event_history.requests_per_second: must be positive, got 0",
		}},
		{"bad_s3", []string{
			"s3.poll_interval: must be positive, got 0s",
			"s3.max_concurrent_objects: must be positive, got 0",
			`s3.start_time: must be an RFC 3339 time (2025-01-01T00:00:00Z) or a date (2025-01-01), got "yesterday"`,
			`s3.accounts[1]: must be a 12-digit account id, got "12345"`,
			`s3.regions[0]: must be a region name such as eu-west-1, got "useast1"`,
			`s3.prefix: must be the part of the key before AWSLogs/, got "logs/AWSLogs"`,
		}},
		{"bad_sqs_addresses", []string{
			`sqs.queue_url: must be an http:// or https:// URL with a host, got "sqs.eu-west-1.amazonaws.com/111122223333/trail-notifications"`,
			`sqs.endpoint: must be an http:// or https:// URL with a host, got "tcp://127.0.0.1:9324"`,
			`sqs.s3_endpoint: must be an http:// or https:// URL with a host, got "http://"`,
			`sqs.role_arn: must be the ARN of an IAM role (arn:aws:iam::111122223333:role/name), got "cloudtrail-reader"`,
		}},
		{"bad_sqs_queue_path", []string{
			`sqs.queue_url: must be a queue URL such as https://sqs.eu-west-1.amazonaws.com/111122223333/queue-name (path /<account>/<queue name>), got "https://sqs.eu-west-1.amazonaws.com/trail-notifications"`,
		}},
		{"bad_s3_addresses", []string{
			`s3.endpoint: must be an http:// or https:// URL with a host, got "127.0.0.1:9000"`,
			`s3.role_arn: must be the ARN of an IAM role (arn:aws:iam::111122223333:role/name), got "arn:aws:iam::111122223333:user/reader"`,
		}},
		{"sqs_short_retention", []string{"checkpoint_retention: must be 0 or at least 168h0m0s with sqs, so that no notification SQS still holds (14 days at most) can name a file whose checkpoint is gone, got 24h0m0s"}},
		{"bad_body", []string{`body: must be map, json or none, got "xml"`}},
		{"bad_include", []string{`directory.include[0]: must be a glob pattern, got "[a-"`, `directory.include[1]: must be a glob pattern, got ""`}},
		{"negative_sizes", []string{
			"checkpoint_retention: must not be negative (0 keeps checkpoints for ever), got -1h0m0s",
			"max_record_size: must be positive, got -1",
			"batch_size: must be positive, got -5",
			"dedup.cache_size: must be positive when dedup is enabled, got -1",
		}},
		{"zero_sizes", []string{
			"max_record_size: must be positive, got 0",
			"batch_size: must be positive, got 0",
			"dedup.cache_size: must be positive when dedup is enabled, got 0",
		}},
		{"zero_poll_interval", []string{"directory.poll_interval: must be positive, got 0s"}},
		{"negative_poll_interval", []string{"directory.poll_interval: must be positive, got -1s"}},
		{"empty_names", []string{`event_sources[0]: must not be empty, got ""`, `include_event_names[1]: must not be empty, got ""`}},
		{"bad_retry", []string{
			"initial_interval value must be greater than or equal to 0",
			"randomization_factor value must be less than or equal to 1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, tt.name)
			err := confmap.Validate(cfg)
			require.Error(t, err)
			for _, want := range tt.errs {
				assert.ErrorContains(t, err, want)
			}
		})
	}
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, "cloudtrail", f.Type().String())
	assert.Equal(t, component.StabilityLevelAlpha, f.LogsStability())
	// The default configuration is not valid on its own: a source is required.
	assert.ErrorContains(t, confmap.Validate(f.CreateDefaultConfig()), "directory.path, s3.bucket, sqs.queue_url, event_history.regions: one source must be set, got none")
}

// TestShippedS3AndSQSConfigs checks that the receiver sections of the ready
// configurations under config/ are valid (placeholders kept as text).
func TestShippedS3AndSQSConfigs(t *testing.T) {
	for file, check := range map[string]func(*Config){
		"s3.yaml": func(cfg *Config) {
			assert.Equal(t, "${env:CLOUDTRAIL_BUCKET}", cfg.S3.Bucket)
			assert.Equal(t, 4, cfg.S3.MaxConcurrentObjects)
		},
		"sqs.yaml": func(cfg *Config) {
			assert.Equal(t, "${env:SQS_QUEUE_URL}", cfg.SQS.QueueURL)
			assert.Equal(t, 5*time.Minute, cfg.SQS.VisibilityTimeout)
			assert.Equal(t, "delete", cfg.SQS.OnMaxReceive)
			// The collector resolves the placeholder before validating.
			cfg.SQS.QueueURL = "https://sqs.eu-west-1.amazonaws.com/111122223333/trail-notifications"
		},
	} {
		t.Run(file, func(t *testing.T) {
			cm, err := confmaptest.LoadConf(filepath.Join("..", "..", "config", file))
			require.NoError(t, err)
			sub, err := cm.Sub("receivers::cloudtrail")
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, sub.Unmarshal(cfg))
			check(cfg)
			require.NoError(t, confmap.Validate(cfg))
		})
	}
}

// TestREADMEConfigExamples keeps the configuration examples of the READMEs
// (the project's and this component's) loadable and valid, defaults
// included: every ```yaml block with a cloudtrail receiver.
func TestREADMEConfigExamples(t *testing.T) {
	n := 0
	for _, path := range []string{filepath.Join("..", "..", "README.md"), "README.md"} {
		text, err := os.ReadFile(path)
		require.NoError(t, err)
		blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(text, -1)
		for i, b := range blocks {
			var doc map[string]any
			require.NoError(t, yaml.Unmarshal(b[1], &doc), "%s: yaml block %d", path, i)
			cm := confmap.NewFromStringMap(doc)
			if !cm.IsSet("receivers::cloudtrail") {
				continue
			}
			sub, err := cm.Sub("receivers::cloudtrail")
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			require.NoError(t, sub.Unmarshal(cfg), "%s: yaml block %d", path, i)
			require.NoError(t, confmap.Validate(cfg), "%s: yaml block %d", path, i)
			n++
		}
	}
	assert.Equal(t, 5, n, "the project README's example and the component README's directory, S3, SQS and Event history examples")
}

// TestLoadConfigStartTimeForms loads s3.start_time in every form a YAML user
// writes it: a YAML timestamp (unquoted), a quoted RFC 3339 string and a date
// (quoted or not).
func TestLoadConfigStartTimeForms(t *testing.T) {
	for name, want := range map[string]time.Time{
		"s3":                      time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		"s3_time_unquoted":        time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		"s3_time_unquoted_offset": time.Date(2025, 1, 1, 0, 30, 0, 500_000_000, time.UTC),
		"s3_date_unquoted":        time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		"s3_date_quoted":          time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := loadConfig(t, name)
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, "trail-bucket", cfg.S3.Bucket, "the other options of s3 are decoded too")
			st, err := cfg.S3.StartAt()
			require.NoError(t, err)
			assert.True(t, want.Equal(st), "start_time %v, want %v", st, want)
		})
	}
}
