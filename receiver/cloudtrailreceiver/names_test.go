// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/telemetry"
)

// The names the receiver's tests use for what its internal packages define.
const (
	metricFiles                = telemetry.MetricFiles
	metricFileErrors           = telemetry.MetricFileErrors
	metricRecordsRead          = telemetry.MetricRecordsRead
	metricRecordsSelected      = telemetry.MetricRecordsSelected
	metricRecordsFailed        = telemetry.MetricRecordsFailed
	metricRecordsSkipped       = telemetry.MetricRecordsSkipped
	metricRecordsDuplicate     = telemetry.MetricRecordsDuplicate
	metricRecordsDropped       = telemetry.MetricRecordsDropped
	metricRecordsFlattened     = telemetry.MetricRecordsFlattened
	metricConsumeRetries       = telemetry.MetricConsumeRetries
	metricCheckpointsForgotten = telemetry.MetricCheckpointsForgotten

	resultOK      = telemetry.ResultOK
	resultError   = telemetry.ResultError
	resultDigest  = telemetry.ResultDigest
	resultSkipped = telemetry.ResultSkipped

	reasonInvalidJSON   = ingest.ReasonInvalidJSON
	reasonTooLarge      = ingest.ReasonTooLarge
	reasonBadEventTime  = ingest.ReasonBadEventTime
	reasonNotCloudTrail = ingest.ReasonNotCloudTrail

	fileReasonEmpty         = ingest.ReasonEmpty
	fileReasonNotCloudTrail = ingest.ReasonFileNotCloudTrail
	fileReasonTruncated     = ingest.ReasonTruncated
	fileReasonInvalidJSON   = ingest.ReasonFileInvalidJSON
	fileReasonGzip          = ingest.ReasonGzip
	fileReasonCompression   = ingest.ReasonCompression
	fileReasonUnsupported   = ingest.ReasonUnsupported
	fileReasonRead          = source.ReasonRead
	fileReasonMissing       = source.ReasonMissing
	fileReasonAccessDenied  = source.ReasonAccessDenied

	attrLogFilePath = directory.AttrLogFilePath
	attrLogFileName = directory.AttrLogFileName
	attrS3Bucket    = s3bucket.AttrS3Bucket
	attrS3Key       = s3bucket.AttrS3Key

	fingerprintSize        = directory.FingerprintSize
	s3ListCheckpointPrefix = s3bucket.ListCheckpointPrefix
	checkpointKeyPrefix    = checkpoint.KeyPrefix
)

var (
	fingerprint     = directory.Fingerprint
	newMemoryClient = checkpoint.NewMemoryClient
)

type memoryClient = checkpoint.MemoryClient
