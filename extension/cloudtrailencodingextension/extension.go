// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailencodingextension // import "github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/extension/cloudtrailencodingextension/internal/metadata"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// metricRecordsFailed counts records skipped inside a payload that was
// otherwise decoded: the caller gets no error for them, so this counter and
// the log line are where they show. The name and the reason values are the
// cloudtrail receiver's, in the extension's own namespace.
const metricRecordsFailed = "otelcol_cloudtrail_encoding_records_failed"

// cloudtrailExtension decodes CloudTrail payloads into log records. It holds
// no per-payload state (the selector is read only), so receivers may call it
// from many goroutines at once.
type cloudtrailExtension struct {
	component.StartFunc
	component.ShutdownFunc

	logger  *zap.Logger
	sel     *cloudtrail.Selector
	decOpts cloudtrail.DecoderOptions
	mapOpts cloudtrail.MapOptions
	failed  metric.Int64Counter
}

var (
	_ encoding.LogsUnmarshalerExtension    = (*cloudtrailExtension)(nil)
	_ encoding.LogsMessageDecoderExtension = (*cloudtrailExtension)(nil)
	_ encoding.LogsDecoderExtension        = (*cloudtrailExtension)(nil)
)

func newExtension(set extension.Settings, cfg *Config) (*cloudtrailExtension, error) {
	body, err := cloudtrail.ParseBodyMode(cfg.Body)
	if err != nil {
		return nil, err
	}
	failed, err := set.MeterProvider.Meter(metadata.ScopeName).Int64Counter(metricRecordsFailed,
		metric.WithDescription("CloudTrail records skipped because they could not be decoded, by reason; the rest of their payload was decoded."),
		metric.WithUnit("{record}"))
	if err != nil {
		return nil, err
	}
	return &cloudtrailExtension{
		logger:  set.Logger,
		sel:     cfg.selector(),
		decOpts: cloudtrail.DecoderOptions{MaxRecordSize: cfg.MaxRecordSize},
		mapOpts: cloudtrail.MapOptions{
			Body:         body,
			ScopeName:    metadata.ScopeName,
			ScopeVersion: set.BuildInfo.Version,
		},
		failed: failed,
	}, nil
}

// UnmarshalLogs decodes one whole payload (plog.Unmarshaler, as the kafka
// receiver calls it).
func (e *cloudtrailExtension) UnmarshalLogs(buf []byte) (plog.Logs, error) {
	return e.decodeAll(context.Background(), buf)
}

// DecodeLogs decodes one whole payload (the message decoder interface). The
// message metadata is not used: a CloudTrail record carries its own account,
// region and time.
func (e *cloudtrailExtension) DecodeLogs(ctx context.Context, payload []byte, opts ...encoding.MessageDecodeOption) (plog.Logs, error) {
	if _, err := encoding.NewDecodeConfig(opts...); err != nil {
		return plog.NewLogs(), err
	}
	return e.decodeAll(ctx, payload)
}

// decodeAll reads the payload in one batch. A payload that breaks part way
// is an error, and the records before the break are not returned: callers
// of a whole-message interface keep nothing of a message that failed.
func (e *cloudtrailExtension) decodeAll(ctx context.Context, buf []byte) (plog.Logs, error) {
	d, err := e.newLogsDecoder(ctx, bytes.NewReader(buf), encoding.NewDecoderOptions(encoding.WithFlushItems(0), encoding.WithFlushBytes(0)))
	if err != nil {
		return plog.NewLogs(), err
	}
	logs, err := d.read()
	if err != nil && !errors.Is(err, io.EOF) {
		return plog.NewLogs(), err
	}
	return logs, nil
}

// NewLogsDecoder reads a stream (an S3 object, say) batch by batch
// (encoding.LogsDecoderFactory). Offsets count records, as the cloudtrail
// receiver's checkpoints do.
func (e *cloudtrailExtension) NewLogsDecoder(r io.Reader, opts ...encoding.DecoderOption) (encoding.LogsDecoder, error) {
	return e.newLogsDecoder(context.Background(), r, encoding.NewDecoderOptions(opts...))
}

// recordFailed logs and counts a record skipped inside a payload.
func (e *cloudtrailExtension) recordFailed(ctx context.Context, index int64, err error) {
	reason := cloudtrail.RecordErrorReason(err)
	e.logger.Error("Skipping a CloudTrail record that cannot be decoded; the rest of the payload is decoded",
		zap.Int64("record_index", index), zap.String("reason", reason), zap.Error(err))
	e.failed.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}

// payloadError says which payload fault ended decoding; errors.Is still finds
// the decoder's sentinel (cloudtrail.ErrTruncated, ...) through it.
func payloadError(err error) error {
	return fmt.Errorf("cannot decode CloudTrail payload: %w", err)
}
