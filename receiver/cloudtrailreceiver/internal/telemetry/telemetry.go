// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package telemetry holds the receiver's own metrics, and the tally of them
// that the progress log reads.
package telemetry // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

// Metric names. They follow the collector's own naming (otelcol_ prefix,
// underscores), next to the otelcol_receiver_* metrics of receiverhelper;
// metadata.yaml lists them.
const (
	MetricFiles            = "otelcol_cloudtrail_files"
	MetricFileErrors       = "otelcol_cloudtrail_file_errors"
	MetricRecordsRead      = "otelcol_cloudtrail_records_read"
	MetricRecordsSelected  = "otelcol_cloudtrail_records_selected"
	MetricRecordsFailed    = "otelcol_cloudtrail_records_failed"
	MetricRecordsSkipped   = "otelcol_cloudtrail_records_skipped"
	MetricRecordsDuplicate = "otelcol_cloudtrail_records_duplicate"
	MetricRecordsDropped   = "otelcol_cloudtrail_records_dropped"
	// MetricRecordsFlattened counts records delivered with parts nested
	// deeper than cloudtrail.MaxBodyDepth written as JSON text.
	MetricRecordsFlattened = "otelcol_cloudtrail_records_flattened"
	MetricConsumeRetries   = "otelcol_cloudtrail_consume_retries"
	// MetricBackpressureWaits and MetricBackpressureTime count the waits
	// for capacity when the next consumer was full (not failures, not
	// among the retries).
	MetricBackpressureWaits = "otelcol_cloudtrail_backpressure_waits"
	MetricBackpressureTime  = "otelcol_cloudtrail_backpressure_wait_time"
	// MetricCheckpointsForgotten counts checkpoints deleted by
	// checkpoint_retention.
	MetricCheckpointsForgotten = "otelcol_cloudtrail_checkpoints_forgotten"
)

// Values of the result attribute of otelcol_cloudtrail_files.
const (
	ResultOK      = "ok"      // read to its end
	ResultError   = "error"   // broken; its good records were delivered
	ResultDigest  = "digest"  // a digest file, which holds no records
	ResultSkipped = "skipped" // already processed (seen again after a restart or a rename)
)

// Telemetry is the receiver's counters.
type Telemetry struct {
	files                metric.Int64Counter
	fileErrors           metric.Int64Counter
	recordsRead          metric.Int64Counter
	recordsSelected      metric.Int64Counter
	recordsFailed        metric.Int64Counter
	recordsSkipped       metric.Int64Counter
	recordsDuplicate     metric.Int64Counter
	recordsDropped       metric.Int64Counter
	recordsFlattened     metric.Int64Counter
	consumeRetries       metric.Int64Counter
	backpressureWaits    metric.Int64Counter
	backpressureTime     metric.Int64Counter
	checkpointsForgotten metric.Int64Counter

	// Tally mirrors files, records and errors for the progress log.
	Tally Tally
}

// New creates the receiver's counters. The collector adds the attributes
// identifying the component instance to everything measured through
// set.MeterProvider.
func New(set component.TelemetrySettings) (*Telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &Telemetry{}
	counters := map[string]*metric.Int64Counter{
		MetricFiles:                &t.files,
		MetricFileErrors:           &t.fileErrors,
		MetricRecordsRead:          &t.recordsRead,
		MetricRecordsSelected:      &t.recordsSelected,
		MetricRecordsFailed:        &t.recordsFailed,
		MetricRecordsSkipped:       &t.recordsSkipped,
		MetricRecordsDuplicate:     &t.recordsDuplicate,
		MetricRecordsDropped:       &t.recordsDropped,
		MetricRecordsFlattened:     &t.recordsFlattened,
		MetricConsumeRetries:       &t.consumeRetries,
		MetricBackpressureWaits:    &t.backpressureWaits,
		MetricBackpressureTime:     &t.backpressureTime,
		MetricCheckpointsForgotten: &t.checkpointsForgotten,
	}
	var errs error
	for _, d := range Metrics {
		c, err := m.Int64Counter(d.Name, metric.WithDescription(d.Description), metric.WithUnit(d.Unit))
		errs = errors.Join(errs, err)
		*counters[d.Name] = c
	}
	return t, errs
}

// MetricDescription describes one of the receiver's counters.
type MetricDescription struct{ Name, Description, Unit string }

// Metrics are the receiver's counters, as metadata.yaml lists them.
var Metrics = []MetricDescription{
	{MetricFiles, "CloudTrail files processed, by result (ok, error, digest, skipped).", "{file}"},
	{MetricFileErrors, "CloudTrail files that could not be read to their end, by reason.", "{file}"},
	{MetricRecordsRead, "CloudTrail records read from files, selected or not.", "{record}"},
	{MetricRecordsSelected, "CloudTrail records that matched the selection and were mapped to log records.", "{record}"},
	{MetricRecordsFailed, "CloudTrail records skipped because they could not be decoded, by reason.", "{record}"},
	{MetricRecordsSkipped, "Values in CloudTrail files that hold no record and were passed over: CloudWatch Logs control messages, EventBridge events not from CloudTrail.", "{record}"},
	{MetricRecordsFlattened, "CloudTrail records delivered with parts nested deeper than the body map allows (32 levels), written as their JSON text.", "{record}"},
	{MetricRecordsDuplicate, "CloudTrail records dropped because their eventID was already delivered.", "{record}"},
	{MetricRecordsDropped, "Log records dropped because the next consumer rejected them with a permanent error.", "{record}"},
	{MetricConsumeRetries, "Retries of a batch after the next consumer returned a retryable error.", "{retry}"},
	{MetricBackpressureWaits, "Waits for capacity after the next consumer refused a batch because its queue was full (or the memory limiter refused it); the batch is sent again after a short, growing wait.", "{wait}"},
	{MetricBackpressureTime, "Time spent waiting for capacity of the next consumer.", "ms"},
	{MetricCheckpointsForgotten, "Checkpoints of finished CloudTrail files deleted after checkpoint_retention, once their source could no longer offer the file again.", "{checkpoint}"},
}

// File counts a file by its result.
func (t *Telemetry) File(ctx context.Context, result string) {
	t.files.Add(ctx, 1, metric.WithAttributes(attribute.String("result", result)))
	switch result {
	case ResultOK, ResultError:
		t.Tally.Files.Add(1)
	case ResultSkipped:
		t.Tally.FilesSkipped.Add(1)
	}
}

// FileError counts a file that could not be read to its end.
func (t *Telemetry) FileError(ctx context.Context, reason string) {
	t.fileErrors.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
	t.Tally.Errors.Add(1)
}

// RecordFailed counts a record that could not be decoded.
func (t *Telemetry) RecordFailed(ctx context.Context, reason string) {
	t.recordsFailed.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
	t.Tally.Errors.Add(1)
}

// RecordsOf counts what reading a file yielded: records read, selected, and
// values passed over.
func (t *Telemetry) RecordsOf(ctx context.Context, read, selected, skipped int64) {
	add(ctx, t.recordsRead, read)
	add(ctx, t.recordsSelected, selected)
	add(ctx, t.recordsSkipped, skipped)
	t.Tally.Records.Add(read)
	t.Tally.Selected.Add(selected)
}

// Flattened counts a record delivered with too deep parts as JSON text.
func (t *Telemetry) Flattened(ctx context.Context) { add(ctx, t.recordsFlattened, 1) }

// Duplicates counts records dropped as duplicates.
func (t *Telemetry) Duplicates(ctx context.Context, n int64) { add(ctx, t.recordsDuplicate, n) }

// Dropped counts log records dropped on a permanent error.
func (t *Telemetry) Dropped(ctx context.Context, n int64) { add(ctx, t.recordsDropped, n) }

// Retried counts a retry of a batch.
func (t *Telemetry) Retried(ctx context.Context) { add(ctx, t.consumeRetries, 1) }

// Backpressure counts a wait for capacity after the next consumer refused
// a batch because it was full, and the time waited.
func (t *Telemetry) Backpressure(ctx context.Context, wait time.Duration) {
	add(ctx, t.backpressureWaits, 1)
	add(ctx, t.backpressureTime, wait.Milliseconds())
}

// Forgotten counts checkpoints deleted by checkpoint_retention.
func (t *Telemetry) Forgotten(ctx context.Context, n int64) { add(ctx, t.checkpointsForgotten, n) }

func add(ctx context.Context, c metric.Int64Counter, n int64) {
	if n > 0 {
		c.Add(ctx, n)
	}
}

// Tally counts what the receiver did since the progress log last took it.
// Every worker updates it.
type Tally struct {
	Files, FilesSkipped, Records, Selected, Errors atomic.Int64
}

// Counts is a snapshot of a tally.
type Counts struct {
	Files, FilesSkipped, Records, Selected, Errors int64
}

// Take returns the counts and sets them to zero.
func (t *Tally) Take() Counts {
	return Counts{
		Files:        t.Files.Swap(0),
		FilesSkipped: t.FilesSkipped.Swap(0),
		Records:      t.Records.Swap(0),
		Selected:     t.Selected.Swap(0),
		Errors:       t.Errors.Swap(0),
	}
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Files += o.Files
	c.FilesSkipped += o.FilesSkipped
	c.Records += o.Records
	c.Selected += o.Selected
	c.Errors += o.Errors
}

// Any reports whether anything was counted.
func (c Counts) Any() bool { return c != Counts{} }
