// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.yaml.in/yaml/v3"

	"github.com/personalize-audit/otelcol-personalize/internal/configtest"
)

func loadConfig(t *testing.T, name string) *Config {
	return configtest.Load(t, NewFactory(), name).(*Config)
}

func TestLoadFullConfig(t *testing.T) {
	cfg := loadConfig(t, "full")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Endpoints) != 2 || string(cfg.APIKey) != "aWQ6c2VjcmV0" || cfg.Timeout != 30*time.Second || cfg.TLS.CAFile != "/etc/ssl/es-ca.pem" {
		t.Fatalf("connection settings: %+v", cfg)
	}
	if cfg.DataStream != (DataStreamConfig{Dataset: "cloudtrail.personalize", Namespace: "prod"}) ||
		cfg.Mapping != (MappingConfig{Mode: "otel", EventOriginal: true}) ||
		cfg.Templates != (TemplatesConfig{Install: false, ILMPolicy: "logs", DataRetention: defaultDataRetention}) ||
		cfg.DeadLetter.Path != "/var/lib/otelcol/elasticsearch-dead-letter.ndjson" || cfg.Flush.Bytes != 2_000_000 {
		t.Fatalf("exporter settings: %+v", cfg)
	}
	if cfg.BulkRetry != (BulkRetryConfig{MaxRetries: 3, InitialInterval: 100 * time.Millisecond, MaxInterval: 5 * time.Second}) {
		t.Fatalf("bulk_retry: %+v", cfg.BulkRetry)
	}
	q := cfg.QueueBatchConfig.Get()
	if q == nil || q.StorageID == nil || q.StorageID.String() != "file_storage" || q.QueueSize != 50_000 ||
		q.Sizer != exporterhelper.RequestSizerTypeItems || q.Batch.Get().MaxSize != 4000 {
		t.Fatalf("sending_queue: %+v", q)
	}
	if !cfg.BackOffConfig.Enabled || cfg.BackOffConfig.MaxElapsedTime != 0 {
		t.Fatalf("retry_on_failure: %+v", cfg.BackOffConfig)
	}
	if cfg.gzipLevel() != 1 {
		t.Fatal("gzip level")
	}
}

func TestLoadBasicConfig(t *testing.T) {
	cfg := loadConfig(t, "basic")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	eps, _, _ := cfg.endpoints()
	if len(eps) != 1 || eps[0] != "http://localhost:9200" || cfg.User != "elastic" || string(cfg.Password) != "changeme" {
		t.Fatalf("basic: %+v", cfg)
	}
}

func TestInvalidConfigs(t *testing.T) {
	for name, want := range map[string]string{
		"bad_mode":             "mapping::mode",
		"bad_dataset":          "data_stream::dataset",
		"bad_compression":      "compression",
		"bad_endpoint":         `endpoints[0] "localhost:9200": no scheme (want http://localhost:9200 or https://localhost:9200)`,
		"both_auth":            "api_key and user/password: set either, not both",
		"password_and_api_key": "api_key and user/password: set either, not both",
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("want an error about %s, got %v", want, err)
			}
		})
	}
}

// TestEndpointErrors: what the client would only find at the first request
// is found by validate, naming the option and the value, never the
// credentials in it.
func TestEndpointErrors(t *testing.T) {
	for _, tc := range []struct {
		endpoints []string
		endpoint  string
		env       string
		want      string
	}{
		{endpoints: []string{"http://a:9200", "htp://x"}, want: `endpoints[1] "htp://x": unsupported scheme "htp" (want http or https)`},
		{endpoints: []string{"localhost:9200"}, want: `endpoints[0] "localhost:9200": no scheme (want http://localhost:9200 or https://localhost:9200)`},
		{endpoint: "ftp://es:9200", want: `endpoint "ftp://es:9200": unsupported scheme "ftp" (want http or https)`},
		{endpoints: []string{"https://"}, want: `endpoints[0] "https://": no host`},
		{endpoints: []string{"http://es:99999"}, want: `endpoints[0] "http://es:99999": port "99999" out of range`},
		{endpoints: []string{"http://elastic:s3cret@es:92a0"}, want: `endpoints[0] "http://xxxxx@es:92a0": not a URL: invalid port ":92a0" after host`},
		{endpoints: []string{"htps://elastic:s3cret@es/x@y"}, want: `endpoints[0] "htps://xxxxx@es/x@y": unsupported scheme "htps"`},
		{env: "http://a:9200,es:9200", want: `ELASTICSEARCH_URL[1] (no endpoints configured) "es:9200": no scheme`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Setenv(envURL, tc.env)
			cfg := createDefaultConfig().(*Config)
			cfg.Endpoints, cfg.Endpoint = tc.endpoints, tc.endpoint
			err := confmap.Validate(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %s, got %v", tc.want, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the password leaks: %v", err)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	t.Setenv(envURL, "")
	cfg := createDefaultConfig().(*Config)
	if err := confmap.Validate(cfg); err == nil || !strings.Contains(err.Error(), "ELASTICSEARCH_URL") {
		t.Fatalf("without endpoints the default config must ask for one, got %v", err)
	}
	t.Setenv(envURL, "http://a:9200, http://b:9200")
	if err := confmap.Validate(cfg); err != nil {
		t.Fatalf("ELASTICSEARCH_URL must satisfy the endpoint requirement: %v", err)
	}
	if eps, _, _ := cfg.endpoints(); len(eps) != 2 || eps[1] != "http://b:9200" {
		t.Fatalf("endpoints from env: %v", eps)
	}
	if cfg.DataStream.Dataset != "cloudtrail.personalize" || cfg.Mapping.Mode != "ecs" || !cfg.Templates.Install ||
		cfg.gzipLevel() != 1 || cfg.Flush.Bytes != 5<<20 || cfg.BackOffConfig.MaxElapsedTime != 0 || !cfg.BackOffConfig.Enabled {
		t.Fatalf("defaults: %+v", cfg)
	}
	if NewFactory().Type().String() != "elasticsearch_audit" {
		t.Fatal("component type")
	}
	if NewFactory().LogsStability() != component.StabilityLevelAlpha {
		t.Fatal("stability")
	}
}

// TestShippedCollectorConfig loads config/elasticsearch.yaml's exporter
// section the way the collector would (environment variables substituted)
// and checks the durability settings it promises.
func TestShippedCollectorConfig(t *testing.T) {
	raw, err := os.ReadFile("../../config/elasticsearch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("${env:ELASTICSEARCH_URL}", "https://es.example:9200",
		"${env:ELASTICSEARCH_API_KEY}", "aWQ6a2V5").Replace(string(raw))
	path := filepath.Join(t.TempDir(), "collector.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cm, err := confmaptest.LoadConf(path)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub("exporters::elasticsearch_audit")
	if err != nil {
		t.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	// Synchronous export: the receiver checkpoints only what Elasticsearch
	// accepted (the persistent queue loses records when the collector is
	// killed while restoring it; README "Guarantees", TestCrashShippedConfigs).
	if q := cfg.QueueBatchConfig.Get(); q != nil {
		t.Fatalf("the shipped config must export synchronously (sending_queue disabled): %+v", q)
	}
	if cfg.DeadLetter.Path == "" || cfg.BackOffConfig.MaxElapsedTime != 0 || string(cfg.APIKey) != "aWQ6a2V5" {
		t.Fatalf("dead letter, retry and api key: %+v", cfg)
	}
	if got := cm.Get("receivers::cloudtrail::storage"); got != "file_storage" {
		t.Fatalf("receiver checkpoints must use file_storage, got %v", got)
	}
	exts, _ := cm.Get("service::extensions").([]any)
	if len(exts) != 2 {
		t.Fatalf("service extensions %v", exts)
	}
}

// TestREADMEConfigExamples keeps the README's configuration examples
// loadable and valid: every ```yaml block with an elasticsearch_audit
// exporter, environment placeholders substituted.
func TestREADMEConfigExamples(t *testing.T) {
	text, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	env := strings.NewReplacer("${env:ELASTICSEARCH_URL}", "https://es.example:9200", "${env:ELASTICSEARCH_API_KEY}", "aWQ6a2V5")
	n := 0
	for i, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(text, -1) {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(env.Replace(string(b[1]))), &doc); err != nil {
			t.Fatalf("yaml block %d: %v", i, err)
		}
		cm := confmap.NewFromStringMap(doc)
		if !cm.IsSet("exporters::elasticsearch_audit") {
			continue
		}
		sub, err := cm.Sub("exporters::elasticsearch_audit")
		if err != nil {
			t.Fatal(err)
		}
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		if err := sub.Unmarshal(cfg); err != nil {
			t.Fatalf("yaml block %d: %v", i, err)
		}
		if err := confmap.Validate(cfg); err != nil {
			t.Fatalf("yaml block %d: %v", i, err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d examples checked, want the README's 2", n)
	}
}

func TestDataRetentionValidation(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoints = []string{"http://es:9200"}
	if cfg.Templates.DataRetention != "365d" {
		t.Fatalf("default data_retention %q", cfg.Templates.DataRetention)
	}
	for _, ok := range []string{"", "365d", "72h", "90m", "3600s"} {
		cfg.Templates.DataRetention = ok
		if err := confmap.Validate(cfg); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"30", "0d", "1y", "1.5d", "-3d", "30 d"} {
		cfg.Templates.DataRetention = bad
		err := confmap.Validate(cfg)
		if want := `templates::data_retention "` + bad + `"`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want an error naming %s, got %v", bad, want, err)
		}
	}
}
