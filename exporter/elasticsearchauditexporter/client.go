package elasticsearchauditexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// backoff computes capped exponential waits with "equal jitter": half the
// wait is fixed, half random, so that retries never fire immediately and
// many exporters do not retry in lockstep.
type backoff struct {
	initial, max time.Duration
}

// delay is the wait before retry number attempt (from 1).
func (b backoff) delay(attempt int) time.Duration {
	d := b.initial
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	if d > b.max {
		d = b.max
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
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
