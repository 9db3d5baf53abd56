// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package receivertest holds what the tests of the receiver's packages share:
// a storage client that fails on demand, the progress log's fields, and the
// SNS envelope of notifications. It is imported by tests only.
package receivertest // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/receivertest"

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// ErrStorage is what a FailingClient's writes return while it fails.
var ErrStorage = errors.New("injected storage failure")

// FailingClient is a storage client whose writes (Set, Batch) fail with
// ErrStorage while Fail is set; reads keep working.
type FailingClient struct {
	storage.Client
	Fail atomic.Bool
}

func (c *FailingClient) Set(ctx context.Context, key string, value []byte) error {
	if c.Fail.Load() {
		return ErrStorage
	}
	return c.Client.Set(ctx, key, value)
}

func (c *FailingClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	if c.Fail.Load() {
		return ErrStorage
	}
	return c.Client.Batch(ctx, ops...)
}

// ProgressMessage is the message of the receiver's progress log.
const ProgressMessage = "CloudTrail progress"

// ProgressFields are the counts of a progress log entry.
func ProgressFields(t *testing.T, e observer.LoggedEntry) map[string]any {
	t.Helper()
	require.Equal(t, zapcore.InfoLevel, e.Level)
	m := e.ContextMap()
	delete(m, "backlog_more")
	return m
}

// ProgressCounts is what ProgressFields returns for these counts.
func ProgressCounts(files, skipped, records, selected, errs int64, backlog int) map[string]any {
	return map[string]any{
		"files_read": files, "files_already_read": skipped, "records_read": records,
		"records_selected": selected, "errors": errs, "backlog_files": int64(backlog),
	}
}

// SNSWrap wraps a message in the SNS envelope an SQS subscription without
// raw delivery receives.
func SNSWrap(t *testing.T, message string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn": "arn:aws:sns:us-east-2:123456789012:trail-topic", "Subject": "Amazon S3 Notification",
		"Message": message, "Timestamp": "2024-05-01T10:05:00.000Z", "SignatureVersion": "1",
		"Signature": "EXAMPLE", "SigningCertURL": "EXAMPLE", "UnsubscribeURL": "EXAMPLE",
	})
	require.NoError(t, err)
	return string(b)
}
