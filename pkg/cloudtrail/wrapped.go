// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"fmt"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// A value read as a record, an element of a bare array or a top-level
// object, may instead be an event holding one: an EventBridge event
// (eventbridge.go) or a LookupEvents event (lookupevents.go). Its first key
// nearly always says which; otherwise it is parsed and its members say.

// record returns v, one element or top-level value, as the record it is or
// holds: an object whose first key is a record field is taken as it is,
// anything else is parsed (unless parsed says d.ev holds it already) to look
// for a wrapped record.
func (d *Decoder) record(idx int64, v []byte, parsed bool) (Raw, bool, error) {
	if key, ok := jsonscan.FirstKeyOf(v); !ok || isRecordKey(key) {
		return Raw{Index: idx, Data: v}, true, nil
	}
	if !parsed {
		if err := d.ev.Parse(v); err != nil {
			return Raw{}, false, &RecordError{Index: idx, Err: err}
		}
	}
	return d.unwrap(idx, v)
}

// unwrap returns the record an EventBridge or LookupEvents event v, parsed
// in d.ev, holds, or v itself when it is a record after all (its members,
// not its first key, say so). An EventBridge event that does not come from
// CloudTrail holds none and is skipped (counted by Skipped); any other object
// is an error.
func (d *Decoder) unwrap(idx int64, v []byte) (Raw, bool, error) {
	if d.evHas(lookupEventKey) {
		return d.lookupEventRecord(idx)
	}
	if dt, ok := d.ev.StrAt(jsonscan.Root, "detail-type"); ok {
		return d.eventBridgeRecord(idx, dt)
	}
	if d.evHas(recordMarkers...) {
		return Raw{Index: idx, Data: v}, true, nil
	}
	return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%w: an object that is neither a record nor an event holding one", ErrNotCloudTrail)}
}

// recordMarkers are members that only a record has, whatever its key order.
var recordMarkers = []string{"eventSource", "eventName", "eventTime"}

// evHas reports whether the object in d.ev has any of the members keys.
func (d *Decoder) evHas(keys ...string) bool {
	for _, k := range keys {
		if d.ev.Lookup(jsonscan.Root, k) >= 0 {
			return true
		}
	}
	return false
}

// isRecordKey reports whether key is a top-level field of a CloudTrail
// record, so that an object it starts is a record.
//
// Any documented top-level record field counts, not only those the mapping
// reads: key order is not guaranteed, and tools that sort keys start a
// record with whichever field sorts first.
func isRecordKey(key []byte) bool {
	if _, ok := fieldOf(string(key)); ok {
		return true
	}
	switch string(key) {
	case "serviceEventDetails", "edgeDeviceDetails", "eventContext", "annotation":
		return true
	}
	return false
}

// isWrapperKey reports whether key can be the first key of an EventBridge
// event ("version", as AWS writes them, or "detail-type") or of a
// LookupEvents event ("EventId", or "CloudTrailEvent"). No CloudTrail record
// has these keys; generic ones (id, source, time) are left out, so that other
// JSON is not taken for events.
func isWrapperKey(key []byte) bool {
	switch string(key) {
	case "version", "detail-type", "EventId", lookupEventKey:
		return true
	}
	return false
}

// memberRecord parses the event v into d.ev and returns the record it
// carries as its string member key (stringRecord). what names the event in
// errors.
func (d *Decoder) memberRecord(idx int64, v []byte, key, what string) (Raw, bool, error) {
	if err := d.ev.Parse(v); err != nil {
		return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%s: %w", what, err)}
	}
	return d.stringRecord(idx, key, what)
}

// stringRecord returns the string member key of the event in d.ev,
// unescaped: CloudWatch log events and LookupEvents events carry their record
// as a JSON string. what names the event in errors.
func (d *Decoder) stringRecord(idx int64, key, what string) (Raw, bool, error) {
	m := d.ev.Lookup(jsonscan.Root, key)
	if m < 0 || d.ev.Kind(m) != jsonscan.String {
		return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%s has no %s string", what, key)}
	}
	d.evBuf = append(d.evBuf[:0], d.ev.Text(m)...)
	return Raw{Index: idx, Data: d.evBuf}, true, nil
}
