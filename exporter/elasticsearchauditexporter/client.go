// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v7"
	"github.com/elastic/go-elasticsearch/v8"

	"go.opentelemetry.io/collector/component"
)

// retryStatus says whether a whole-request status is worth retrying: overload
// (429) and gateway/availability errors (502, 503, 504). Every bulk request
// is idempotent (create with a stable _id), so a retry never duplicates.
func retryStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// newRoundBackoff gives the waits between the bulk rounds of one push:
// capped exponential with "equal jitter", each wait drawn from [d/2, d] where
// d is initial doubled each round up to max, so that retries never fire
// immediately and many exporters do not retry in lockstep. The library
// (exporterhelper's retry_on_failure runs on it too) draws symmetrically
// around its interval, so the interval is 3/4 d and the randomization
// factor 1/3: 3/4 d ± 1/4 d is [d/2, d] (to a nanosecond of rounding).
func newRoundBackoff(initial, max time.Duration) *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     initial / 4 * 3,
		RandomizationFactor: 1.0 / 3,
		Multiplier:          2,
		MaxInterval:         max / 4 * 3,
	}
	b.Reset()
	return b
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// clientTransport adapts the confighttp client to the RoundTripper that the
// Elasticsearch client wants, keeping http.Client's per-request Timeout
// (which a bare RoundTripper would lose) for every attempt.
type clientTransport struct{ c *http.Client }

func (t clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.c.Do(req)
}

// newESClient builds the official client over the confighttp client: TLS,
// proxy, headers, auth extensions and timeouts come from confighttp; node
// rotation and the product check come from go-elasticsearch. Its transport
// does not retry: deliver's rounds retry a bulk request (after checking that
// the templates are installed, which a transport retry would skip) and
// exporterhelper's retry_on_failure retries the push, and a third layer would
// multiply the waits. Compression is ours (gzip while building the body), so
// confighttp's compressing transport is switched off here.
func newESClient(ctx context.Context, cfg *Config, host component.Host, set component.TelemetrySettings) (*elasticsearch.Client, error) {
	eps, _, err := cfg.endpoints()
	if err != nil {
		return nil, err
	}
	cc := cfg.ClientConfig
	cc.Compression = ""
	var ext map[component.ID]component.Component
	if host != nil {
		ext = host.GetExtensions()
	}
	httpClient, err := cc.ToClient(ctx, ext, set)
	if err != nil {
		return nil, fmt.Errorf("building the HTTP client: %w", err)
	}
	return elasticsearch.NewClient(elasticsearch.Config{
		Addresses:    eps,
		Username:     cfg.User,
		Password:     string(cfg.Password),
		APIKey:       string(cfg.APIKey),
		Transport:    clientTransport{httpClient},
		DisableRetry: true,
	})
}

// errNotElasticsearch wraps the client's product-check failure with advice.
var errNotElasticsearch = errors.New("the server did not identify as Elasticsearch (no `X-Elastic-Product: Elasticsearch` header): " +
	"check that the endpoint is Elasticsearch 7.14 or later and not a proxy that strips headers, or another product such as OpenSearch")

// isProductCheckError recognises the official client's product-check error,
// which it does not export as a sentinel.
func isProductCheckError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not Elasticsearch")
}

// clusterInfo is the part of GET / the exporter uses.
type clusterInfo struct {
	Version struct {
		Number string `json:"number"`
		// BuildFlavor is "serverless" on Elastic Cloud Serverless, which
		// refuses ILM settings.
		BuildFlavor string `json:"build_flavor"`
	} `json:"version"`
}

// info calls GET /, which also runs the client's product check.
func info(ctx context.Context, es *elasticsearch.Client) (clusterInfo, error) {
	var ci clusterInfo
	res, err := es.Info(es.Info.WithContext(ctx))
	if err != nil {
		if isProductCheckError(err) {
			return ci, fmt.Errorf("%w (%v)", errNotElasticsearch, err)
		}
		return ci, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return ci, err
	}
	if res.IsError() {
		return ci, fmt.Errorf("GET / answered %s: %s", res.Status(), truncate(body, 512))
	}
	if err := json.Unmarshal(body, &ci); err != nil {
		return ci, fmt.Errorf("GET / answered unparseable JSON: %w", err)
	}
	return ci, nil
}

// supportsRequireDataStream: the require_data_stream bulk parameter exists
// from Elasticsearch 8.13; older clusters reject unknown parameters.
func supportsRequireDataStream(version string) bool { return versionAtLeast(version, 8, 13) }

// versionAtLeast compares an Elasticsearch version number with
// major.minor; an unparseable one counts as older.
func versionAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
