// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"go.opentelemetry.io/collector/component"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
)

// Metric names. Every document a push receives ends in exactly one of
// indexed, duplicate, dead_lettered or failed (or is handed back to the
// queue with an error, to be counted when it is retried).
const (
	metricIndexed      = "otelcol.elasticsearch_audit.docs.indexed"
	metricDuplicate    = "otelcol.elasticsearch_audit.docs.duplicate"
	metricRetried      = "otelcol.elasticsearch_audit.docs.retried"
	metricDeadLettered = "otelcol.elasticsearch_audit.docs.dead_lettered"
	metricFailed       = "otelcol.elasticsearch_audit.docs.failed"
	metricBulkRequests = "otelcol.elasticsearch_audit.bulk.requests"
	metricBulkBytes    = "otelcol.elasticsearch_audit.bulk.bytes"
)

// Outcomes of a bulk request (attribute "outcome" of bulk.requests).
var (
	outcomeOK       = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "ok")))
	outcomeTooLarge = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "too_large")))
	outcomeError    = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "error")))
	bytesWire       = metric.WithAttributeSet(attribute.NewSet(attribute.String("encoding", "wire")))
	bytesRaw        = metric.WithAttributeSet(attribute.NewSet(attribute.String("encoding", "uncompressed")))
)

type metrics struct {
	indexed, duplicate, retried, deadLettered, failed metric.Int64Counter
	bulkRequests, bulkBytes                           metric.Int64Counter
}

func newMetrics(ts component.TelemetrySettings) (*metrics, error) {
	m := ts.MeterProvider.Meter(metadata.ScopeName)
	var (
		out  metrics
		errs [7]error
	)
	out.indexed, errs[0] = m.Int64Counter(metricIndexed, metric.WithUnit("{document}"),
		metric.WithDescription("Documents Elasticsearch confirmed as created."))
	out.duplicate, errs[1] = m.Int64Counter(metricDuplicate, metric.WithUnit("{document}"),
		metric.WithDescription("Documents already present (409 on create): a redelivery, not a failure."))
	out.retried, errs[2] = m.Int64Counter(metricRetried, metric.WithUnit("{document}"),
		metric.WithDescription("Document resends after a per-item 429 or 5xx."))
	out.deadLettered, errs[3] = m.Int64Counter(metricDeadLettered, metric.WithUnit("{document}"),
		metric.WithDescription("Documents rejected for good and written to the dead-letter file."))
	out.failed, errs[4] = m.Int64Counter(metricFailed, metric.WithUnit("{document}"),
		metric.WithDescription("Documents rejected for good with no dead-letter file: returned as a permanent error."))
	out.bulkRequests, errs[5] = m.Int64Counter(metricBulkRequests, metric.WithUnit("{request}"),
		metric.WithDescription("_bulk requests sent, by outcome (ok, too_large, error); transport retries are inside one."))
	out.bulkBytes, errs[6] = m.Int64Counter(metricBulkBytes, metric.WithUnit("By"),
		metric.WithDescription("_bulk body bytes, by encoding (wire: as sent, uncompressed: NDJSON)."))
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func (m *metrics) add(ctx context.Context, c metric.Int64Counter, n int, opts ...metric.AddOption) {
	if n > 0 {
		c.Add(ctx, int64(n), opts...)
	}
}
