// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

// A CloudWatch Logs subscription payload, as a subscription filter on a
// trail's log group delivers it (through Firehose, say):
//
//	{"messageType":"DATA_MESSAGE","owner":"…","logGroup":"…",…,
//	 "logEvents":[{"id":"…","timestamp":…,"message":"<record as a JSON string>"},…]}
//
// It is an envelope object (records.go) whose logEvents array holds the
// records, each as its log event's message. CONTROL_MESSAGE payloads, which
// CloudWatch sends to check the destination, hold none.

// messageType reads the value of the payload's messageType member.
func (d *Decoder) messageType() error {
	v, err := d.sc.Value(maxKeyLen)
	if err != nil {
		return keyErr(err)
	}
	if string(v) == `"CONTROL_MESSAGE"` {
		d.env.control = true
		d.setFormat(FormatCloudWatch)
	}
	return nil
}

// logEvent returns the record the log event v carries as its message.
func (d *Decoder) logEvent(idx int64, v []byte) (Raw, bool, error) {
	return d.memberRecord(idx, v, "message", "CloudWatch log event")
}
