// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"
)

// envURL is read when no endpoint is configured, as the official clients do.
const envURL = "ELASTICSEARCH_URL"

// Config is the exporter's configuration.
type Config struct {
	// ClientConfig holds endpoint (a single URL, optional), TLS, timeout,
	// headers, proxy, auth extension and compression.
	confighttp.ClientConfig `mapstructure:",squash"`
	// QueueBatchConfig is the exporterhelper sending queue. Point `storage`
	// at a file_storage extension to make it persistent.
	QueueBatchConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// BackOffConfig retries a whole push that failed (Elasticsearch
	// unreachable after the bulk retries below), with the queue's data.
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// Endpoints lists Elasticsearch URLs; requests rotate between them.
	// Empty: `endpoint`, else the ELASTICSEARCH_URL environment variable
	// (comma-separated).
	Endpoints []string `mapstructure:"endpoints"`
	// User and Password authenticate with HTTP basic auth.
	User     string              `mapstructure:"user"`
	Password configopaque.String `mapstructure:"password"`
	// APIKey is the base64 `id:api_key` value; it replaces user/password
	// (setting both is a configuration error).
	APIKey configopaque.String `mapstructure:"api_key"`

	DataStream DataStreamConfig `mapstructure:"data_stream"`
	Mapping    MappingConfig    `mapstructure:"mapping"`
	Templates  TemplatesConfig  `mapstructure:"templates"`
	DeadLetter DeadLetterConfig `mapstructure:"dead_letter"`
	Flush      FlushConfig      `mapstructure:"flush"`
	BulkRetry  BulkRetryConfig  `mapstructure:"bulk_retry"`

	_ struct{}
}

// DataStreamConfig is the default data stream, logs-<dataset>-<namespace>.
type DataStreamConfig struct {
	Dataset   string `mapstructure:"dataset"`
	Namespace string `mapstructure:"namespace"`
}

// MappingConfig selects the document layout.
type MappingConfig struct {
	// Mode is ecs (default) or otel.
	Mode string `mapstructure:"mode"`
	// EventOriginal also stores the body (the whole CloudTrail record) in
	// event.original (ecs mode; not indexed).
	EventOriginal bool `mapstructure:"event_original"`
}

// TemplatesConfig controls index template installation at start.
type TemplatesConfig struct {
	// Install puts the component and index templates at start (default true).
	Install bool `mapstructure:"install"`
	// ILMPolicy, when set, is written as index.lifecycle.name (for example
	// "logs", the built-in policy of self-managed clusters) and replaces
	// the data stream lifecycle (ignored on serverless, which has no ILM).
	ILMPolicy string `mapstructure:"ilm_policy"`
	// DataRetention is the data stream lifecycle's data_retention (an
	// Elasticsearch time value such as 365d; "" keeps data forever), on
	// Elasticsearch 8.11 and later and serverless.
	DataRetention string `mapstructure:"data_retention"`
}

// DeadLetterConfig names the NDJSON file that receives documents
// Elasticsearch rejected for good.
type DeadLetterConfig struct {
	Path string `mapstructure:"path"`
}

// FlushConfig bounds one bulk request.
type FlushConfig struct {
	// Bytes is the largest uncompressed _bulk body; larger batches are
	// split into several requests (a single larger document goes alone).
	Bytes int `mapstructure:"bytes"`
}

// BulkRetryConfig governs the rounds of one push: a round resends the items
// answered 429 or 5xx, and the items of a request that got no answer or a
// whole-request 429, 502, 503 or 504 (the HTTP transport itself does not
// retry). Every round first checks that GET / and the templates are done.
// Waits grow exponentially from InitialInterval to MaxInterval, with jitter.
// What is left after the last round goes back to exporterhelper
// (retry_on_failure, then the queue).
type BulkRetryConfig struct {
	// MaxRetries bounds the rounds after the first (0: one round only).
	MaxRetries      int           `mapstructure:"max_retries"`
	InitialInterval time.Duration `mapstructure:"initial_interval"`
	MaxInterval     time.Duration `mapstructure:"max_interval"`
}

var _ component.Config = (*Config)(nil)

// retentionPattern is the part of Elasticsearch's time value syntax that
// makes sense for a retention.
var retentionPattern = regexp.MustCompile(`^[1-9][0-9]*[dhms]$`)

// Validate checks the configuration. Every error names the option and its
// bad value (an endpoint without its credentials).
func (cfg *Config) Validate() error {
	var errs []error
	eps, option, err := cfg.endpoints()
	if err != nil {
		errs = append(errs, err)
	}
	for i, e := range eps {
		if err := checkEndpoint(e); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", option(i), redactURL(e), err))
		}
	}
	if _, ok := document.ParseMode(cfg.Mapping.Mode); !ok {
		errs = append(errs, fmt.Errorf("mapping::mode %q: want ecs or otel", cfg.Mapping.Mode))
	}
	if d := cfg.DataStream.Dataset; d == "" || document.SanitizeDataset(d) != d {
		errs = append(errs, fmt.Errorf("data_stream::dataset %q must be non-empty and lower case, with none of the characters \\/*?\"<>| ,#:- in it", d))
	}
	if n := cfg.DataStream.Namespace; n == "" || document.SanitizeNamespace(n) != n {
		errs = append(errs, fmt.Errorf("data_stream::namespace %q must be non-empty and lower case, with none of the characters \\/*?\"<>| ,#:- in it", n))
	}
	switch cfg.Compression {
	case "", configcompression.TypeGzip, "none":
	default:
		errs = append(errs, fmt.Errorf("compression %q is not supported by Elasticsearch; use gzip or none", cfg.Compression))
	}
	if cfg.Flush.Bytes < 1024 {
		errs = append(errs, fmt.Errorf("flush::bytes %d: must be at least 1024", cfg.Flush.Bytes))
	}
	if r := cfg.BulkRetry; r.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("bulk_retry::max_retries %d: must not be negative", r.MaxRetries))
	} else if r.MaxRetries > 0 && (r.InitialInterval <= 0 || r.MaxInterval < r.InitialInterval) {
		errs = append(errs, fmt.Errorf("bulk_retry::initial_interval %s, max_interval %s: want 0 < initial_interval <= max_interval", r.InitialInterval, r.MaxInterval))
	}
	if r := cfg.Templates.DataRetention; r != "" && !retentionPattern.MatchString(r) {
		errs = append(errs, fmt.Errorf("templates::data_retention %q: want a positive whole number of days, hours, minutes or seconds (365d, 72h), or \"\" to keep data forever", r))
	}
	if (cfg.User != "" || cfg.Password != "") && cfg.APIKey != "" {
		errs = append(errs, errors.New("api_key and user/password: set either, not both"))
	}
	return errors.Join(errs...)
}

// checkEndpoint finds at validate time what the client would only find at
// the first request (an unknown scheme makes every request fail).
func checkEndpoint(e string) error {
	scheme, rest, ok := strings.Cut(e, "://")
	if !ok {
		return fmt.Errorf("no scheme (want http://%s or https://%s)", e, e)
	}
	if scheme != "http" && scheme != "https" {
		return fmt.Errorf("unsupported scheme %q (want http or https)", scheme)
	}
	u, err := url.Parse(e)
	if err != nil {
		// url.Error quotes the whole URL, credentials included: keep
		// only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Host == "" || rest == "" {
		return errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q out of range", p)
		}
	}
	return nil
}

// redactURL hides the user information of a URL (user:password@) for
// error messages, even when the URL does not parse.
func redactURL(e string) string {
	_, rest, ok := strings.Cut(e, "://")
	if !ok {
		rest = e
	}
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	at := strings.LastIndex(rest[:hostEnd], "@")
	if at < 0 {
		return e
	}
	start := len(e) - len(rest)
	return e[:start] + "xxxxx" + e[start+at:]
}

// endpoints resolves the URLs to use: endpoints, else endpoint, else
// $ELASTICSEARCH_URL; option names the i-th one in errors.
func (cfg *Config) endpoints() (eps []string, option func(i int) string, err error) {
	if len(cfg.Endpoints) > 0 {
		return cfg.Endpoints, func(i int) string { return fmt.Sprintf("endpoints[%d]", i) }, nil
	}
	if cfg.Endpoint != "" {
		return []string{cfg.Endpoint}, func(int) string { return "endpoint" }, nil
	}
	if env := strings.TrimSpace(os.Getenv(envURL)); env != "" {
		var out []string
		for _, e := range strings.Split(env, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
		return out, func(i int) string { return fmt.Sprintf("%s[%d] (no endpoints configured)", envURL, i) }, nil
	}
	return nil, nil, errors.New("no Elasticsearch endpoint: set endpoints (or endpoint), or the ELASTICSEARCH_URL environment variable")
}

// gzipLevel is the request compression level, 0 for none.
func (cfg *Config) gzipLevel() int {
	if cfg.Compression != configcompression.TypeGzip {
		return 0
	}
	if l := int(cfg.CompressionParams.Level); l != 0 {
		return l
	}
	return 1
}
