// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

// Format is the envelope a file turned out to have.
type Format uint8

const (
	// FormatUnknown: nothing has been read yet.
	FormatUnknown Format = iota
	// FormatRecords is the S3 delivery format, {"Records":[...]}.
	FormatRecords
	// FormatArray is a bare JSON array of records, as some exports hold.
	FormatArray
	// FormatCloudWatch is a CloudWatch Logs subscription payload whose
	// logEvents[].message strings each hold one record.
	FormatCloudWatch
	// FormatDigest is a CloudTrail digest file: it holds no records.
	FormatDigest
	// FormatObjects is records as top-level JSON objects, one after the
	// other: JSON Lines (Firehose with CloudWatch message extraction,
	// `jq -c '.Records[]'`, exports) or a file holding one record.
	FormatObjects
	// FormatEventBridge is EventBridge events ("AWS API Call via
	// CloudTrail" and the other "… via CloudTrail" detail types) whose
	// detail is a record, as an EventBridge rule → Firehose → S3 writes them.
	FormatEventBridge
	// FormatLookupEvents is the output of CloudTrail's LookupEvents API
	// (`aws cloudtrail lookup-events`): {"Events":[{"CloudTrailEvent":
	// "<record as a JSON string>", ...}]}.
	FormatLookupEvents
	// FormatCloudWatchExport is a CloudWatch Logs export to S3 of a trail's
	// log group: one log event per line, its timestamp, a space and the
	// message, a record ("2025-03-04T10:01:02.123Z {...}").
	FormatCloudWatchExport
)

func (f Format) String() string {
	switch f {
	case FormatRecords:
		return "records"
	case FormatArray:
		return "array"
	case FormatCloudWatch:
		return "cloudwatch"
	case FormatDigest:
		return "digest"
	case FormatObjects:
		return "objects"
	case FormatEventBridge:
		return "eventbridge"
	case FormatLookupEvents:
		return "lookup-events"
	case FormatCloudWatchExport:
		return "cloudwatch-export"
	}
	return "unknown"
}

// Format is the envelope seen so far (final once Next returned io.EOF).
func (d *Decoder) Format() Format { return d.format }

// setFormat records the envelope of the file: the first one read, unless
// that held only digest members.
func (d *Decoder) setFormat(f Format) {
	if d.format == FormatUnknown || d.format == FormatDigest {
		d.format = f
	}
}
