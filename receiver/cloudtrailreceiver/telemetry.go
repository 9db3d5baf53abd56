package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// Metric names. They follow the collector's own naming (otelcol_ prefix,
// underscores), next to the otelcol_receiver_* metrics of receiverhelper.
const (
	metricFiles            = "otelcol_cloudtrail_files"
	metricFileErrors       = "otelcol_cloudtrail_file_errors"
	metricRecordsRead      = "otelcol_cloudtrail_records_read"
	metricRecordsSelected  = "otelcol_cloudtrail_records_selected"
	metricRecordsFailed    = "otelcol_cloudtrail_records_failed"
	metricRecordsSkipped   = "otelcol_cloudtrail_records_skipped"
	metricRecordsDuplicate = "otelcol_cloudtrail_records_duplicate"
	metricRecordsDropped   = "otelcol_cloudtrail_records_dropped"
	metricConsumeRetries   = "otelcol_cloudtrail_consume_retries"
	// metricCheckpointsForgotten counts checkpoints deleted by
	// checkpoint_retention.
	metricCheckpointsForgotten = "otelcol_cloudtrail_checkpoints_forgotten"
)

// Values of the result attribute of otelcol_cloudtrail_files.
const (
	resultOK      = "ok"      // read to its end
	resultError   = "error"   // broken; its good records were delivered
	resultDigest  = "digest"  // a digest file, which holds no records
	resultSkipped = "skipped" // already processed (seen again after a restart or a rename)
)

// Values of the reason attribute of otelcol_cloudtrail_records_failed,
// shared with the cloudtrail_encoding extension's counter.
const (
	reasonInvalidJSON   = cloudtrail.ReasonInvalidJSON
	reasonTooLarge      = cloudtrail.ReasonTooLarge
	reasonBadEventTime  = cloudtrail.ReasonBadEventTime
	reasonNotCloudTrail = cloudtrail.ReasonNotCloudTrail
)

// Values of the reason attribute of otelcol_cloudtrail_file_errors.
const (
	fileReasonEmpty         = "empty"
	fileReasonNotCloudTrail = "not_cloudtrail"
	fileReasonTruncated     = "truncated"
	fileReasonInvalidJSON   = "invalid_json"
	fileReasonGzip          = "invalid_gzip"
	fileReasonCompression   = "invalid_compression" // corrupt zstd or snappy
	fileReasonUnsupported   = "unsupported_compression"
	fileReasonRead          = "read_error"
	fileReasonMissing       = "missing"       // an S3 object listed but gone (404)
	fileReasonAccessDenied  = "access_denied" // an S3 object that cannot be read (403); retried

)

type telemetry struct {
	files            metric.Int64Counter
	fileErrors       metric.Int64Counter
	recordsRead      metric.Int64Counter
	recordsSelected  metric.Int64Counter
	recordsFailed    metric.Int64Counter
	recordsSkipped   metric.Int64Counter
	recordsDuplicate metric.Int64Counter
	recordsDropped   metric.Int64Counter
	consumeRetries   metric.Int64Counter
	// checkpointsForgotten: see metricCheckpointsForgotten.
	checkpointsForgotten metric.Int64Counter

	// tally mirrors files, records and errors for the progress log.
	tally progressTally
}

// newTelemetry creates the receiver's counters. The collector adds the
// attributes identifying the component instance to everything measured
// through set.MeterProvider.
func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &telemetry{}
	var errs error
	counter := func(name, desc, unit string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit(unit))
		errs = errors.Join(errs, err)
		return c
	}
	t.files = counter(metricFiles, "CloudTrail files processed, by result (ok, error, digest, skipped).", "{file}")
	t.fileErrors = counter(metricFileErrors, "CloudTrail files that could not be read to their end, by reason.", "{file}")
	t.recordsRead = counter(metricRecordsRead, "CloudTrail records read from files, selected or not.", "{record}")
	t.recordsSelected = counter(metricRecordsSelected, "CloudTrail records that matched the selection and were mapped to log records.", "{record}")
	t.recordsFailed = counter(metricRecordsFailed, "CloudTrail records skipped because they could not be decoded, by reason.", "{record}")
	t.recordsSkipped = counter(metricRecordsSkipped, "Values in CloudTrail files that hold no record and were passed over: CloudWatch Logs control messages, EventBridge events not from CloudTrail.", "{record}")
	t.recordsDuplicate = counter(metricRecordsDuplicate, "CloudTrail records dropped because their eventID was already delivered.", "{record}")
	t.recordsDropped = counter(metricRecordsDropped, "Log records dropped because the next consumer rejected them with a permanent error.", "{record}")
	t.consumeRetries = counter(metricConsumeRetries, "Retries of a batch after the next consumer returned a retryable error.", "{retry}")
	t.checkpointsForgotten = counter(metricCheckpointsForgotten, "Checkpoints of finished CloudTrail files deleted after checkpoint_retention, once their source could no longer offer the file again.", "{checkpoint}")
	return t, errs
}

func (t *telemetry) file(ctx context.Context, result string) {
	t.files.Add(ctx, 1, metric.WithAttributes(attribute.String("result", result)))
	switch result {
	case resultOK, resultError:
		t.tally.files.Add(1)
	case resultSkipped:
		t.tally.filesSkipped.Add(1)
	}
}

func (t *telemetry) fileError(ctx context.Context, reason string) {
	t.fileErrors.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
	t.tally.errors.Add(1)
}

func (t *telemetry) recordFailed(ctx context.Context, reason string) {
	t.recordsFailed.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
	t.tally.errors.Add(1)
}

// recordsOf counts what reading a file yielded: records read, selected, and
// values passed over.
func (t *telemetry) recordsOf(ctx context.Context, read, selected, skipped int64) {
	t.add(ctx, t.recordsRead, read)
	t.add(ctx, t.recordsSelected, selected)
	t.add(ctx, t.recordsSkipped, skipped)
	t.tally.records.Add(read)
	t.tally.selected.Add(selected)
}

func (*telemetry) add(ctx context.Context, c metric.Int64Counter, n int64) {
	if n > 0 {
		c.Add(ctx, n)
	}
}
