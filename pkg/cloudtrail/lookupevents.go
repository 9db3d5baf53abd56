// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

// The output of CloudTrail's LookupEvents API (`aws cloudtrail
// lookup-events`): {"Events":[{"EventId":"…",…,"CloudTrailEvent":"<record
// as a JSON string>"},…],"NextToken":"…"}. The Events array of that envelope
// object is streamed (records.go); the same events also come in a bare array
// or one per line, where wrapped.go finds them by their CloudTrailEvent
// member.

// lookupEventKey is the member of a LookupEvents event that holds the record.
const lookupEventKey = "CloudTrailEvent"

// lookupEvent returns the record the Events element v carries.
func (d *Decoder) lookupEvent(idx int64, v []byte) (Raw, bool, error) {
	return d.memberRecord(idx, v, lookupEventKey, "LookupEvents event")
}

// lookupEventRecord returns the record of the LookupEvents event parsed in
// d.ev, one that came without its envelope.
func (d *Decoder) lookupEventRecord(idx int64) (Raw, bool, error) {
	raw, ok, err := d.stringRecord(idx, lookupEventKey, "LookupEvents event")
	if ok {
		d.setFormat(FormatLookupEvents)
	}
	return raw, ok, err
}
