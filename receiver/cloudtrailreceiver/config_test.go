package cloudtrailreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// loadConfig unmarshals the named section of testdata/config.yaml over the
// default configuration.
func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	id := component.NewID(metadata.Type)
	if name != "" {
		id = component.NewIDWithName(metadata.Type, name)
	}
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
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
		},
		Storage:           &storage,
		EventSources:      []string{"personalize.amazonaws.com", "s3.amazonaws.com"},
		IncludeEventNames: []string{"CreateCampaign", "UpdateCampaign", "GetRecommendations"},
		ExcludeEventNames: []string{"GetRecommendations"},
		Body:              "json",
		MaxRecordSize:     1 << 20,
		BatchSize:         250,
		Dedup:             DedupConfig{Enabled: false, CacheSize: 5000},
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

func TestLoadConfigEmptyEventSourcesMeansAll(t *testing.T) {
	cfg := loadConfig(t, "all_sources")
	require.NoError(t, confmap.Validate(cfg))
	assert.NotNil(t, cfg.EventSources, "an explicit empty list is kept, not replaced by the default")
	assert.Empty(t, cfg.EventSources)
	assert.Equal(t, "none", cfg.Body)
}

func TestLoadConfigInvalid(t *testing.T) {
	tests := []struct {
		name string
		errs []string
	}{
		{"missing_path", []string{"directory.path must be set"}},
		{"bad_body", []string{`body must be map, json or none, not "xml"`}},
		{"negative_sizes", []string{
			"max_record_size must be greater than 0, not -1",
			"batch_size must be greater than 0, not -5",
			"dedup.cache_size must be greater than 0 when dedup is enabled, not -1",
		}},
		{"zero_sizes", []string{
			"max_record_size must be greater than 0, not 0",
			"batch_size must be greater than 0, not 0",
			"dedup.cache_size must be greater than 0 when dedup is enabled, not 0",
		}},
		{"zero_poll_interval", []string{"directory.poll_interval must be greater than 0, not 0s"}},
		{"negative_poll_interval", []string{"directory.poll_interval must be greater than 0, not -1s"}},
		{"empty_names", []string{"event_sources[0] must not be empty", "include_event_names[1] must not be empty"}},
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
	// The default configuration is not valid on its own: the path is required.
	assert.ErrorContains(t, confmap.Validate(f.CreateDefaultConfig()), "directory.path must be set")
}
