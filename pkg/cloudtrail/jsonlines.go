// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"errors"
	"fmt"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// Records as top-level objects, one after the other: JSON Lines (exports,
// Firehose with CloudWatch message extraction, `jq -c '.Records[]'`), a
// file of one record, or such objects after the timestamps of a CloudWatch
// Logs export (cwexport.go). Once one is read the file is line-oriented: a
// fault costs the line it is on, and decoding resumes at the next line that
// may start a record.

// object reads the top-level object, a record or an event holding one (see
// isRecordObject), whose '{' is the next byte; parsed says d.ev holds it
// already.
func (d *Decoder) object(parsed bool) (Raw, bool, error) {
	idx := d.index
	v, err := d.sc.LineValue(d.maxRecord)
	// bad, when set, is why the value was passed over as one bad record.
	var bad error
	var tl jsonscan.TooLargeError
	switch {
	case err == nil:
	case errors.Is(err, jsonscan.ErrResync):
		bad = fmt.Errorf("record does not end within max_record_size (invalid JSON, or too large); skipped to %s", d.nextLine())
	case errors.As(err, &tl):
		bad = fmt.Errorf("%w (%d bytes)", ErrRecordTooLarge, tl.Size)
	case errors.Is(err, jsonscan.ErrEOF) && d.sc.ReadErr() == nil:
		// The scan ran to the end of the input. With a line after this one
		// that may start a record, this is a broken line of a JSON Lines
		// file, and the lines after it are records of their own. Without
		// one, the file ends inside its last record: cut short, or still
		// being written (the receiver reads on from this record later), so
		// it is no record error.
		if !d.sc.SkipToBufferedLine() {
			return Raw{}, false, err
		}
		bad = fmt.Errorf("record does not end (invalid JSON); skipped to %s", d.nextLine())
	default:
		return Raw{}, false, err
	}
	d.index++
	if bad != nil {
		return Raw{}, false, &RecordError{Index: idx, Err: bad}
	}
	raw, ok, err := d.record(idx, v, parsed)
	if ok {
		d.setFormat(FormatObjects) // no-op when unwrap named the event's format
	}
	return raw, ok, err
}

// isRecordObject decides, at a top-level '{', whether the object is a record
// or an event holding one (read whole), or an envelope (streamed member by
// member, as a Records file may be any size). The first key nearly always
// tells; when it does not (tools that sort keys put "account" first in an
// EventBridge event), an object that ends within max_record_size is parsed
// without being consumed, and its members decide. parsed reports that d.ev
// then holds the object, so that object need not parse it again.
func (d *Decoder) isRecordObject() (isRecord, parsed bool) {
	key, ok := d.sc.FirstKey()
	if !ok {
		// No key within reach ({}, a broken object): among records, one
		// bad record; as the file's first value, not CloudTrail.
		return d.lineOriented(), false
	}
	envelopeKey := false
	switch string(key) {
	case "Records", "logEvents", "Events": // envelopes streamed as they may be large
		return false, false
	case "NextToken", "messageType", "owner", "logGroup", "logStream", "subscriptionFilters", // CloudWatch Logs
		"awsAccountId", "digestStartTime", "digestEndTime", "logFiles": // digests
		if !d.lineOriented() {
			return false, false
		}
		// Among records, such a small object is parsed: its members say
		// whether it is an envelope after all or one bad record.
		envelopeKey = true
	}
	if isRecordKey(key) || isWrapperKey(key) {
		return true, false
	}
	v, ok := d.sc.PeekObject(d.maxRecord)
	if !ok || d.ev.Parse(v) != nil {
		// In a file of records one per line, a line that is too large,
		// broken or cut short is one bad record (or the end of a file still
		// being written), unless it starts like an envelope: a large
		// CloudWatch Logs payload is streamed.
		return d.lineOriented() && !envelopeKey, false
	}
	if d.evHas("Records", "logEvents", "Events", "logFiles") {
		return false, false
	}
	if d.layout != layoutLines && !d.evHas(lookupEventKey, "detail-type") && !d.evHas(recordMarkers...) {
		return false, false // no record read yet: an envelope, or no CloudTrail
	}
	// Among records, an object that is none is one bad record.
	return true, true
}

// lineOriented reports whether the file holds records (or events) as
// top-level objects, which JSON Lines files hold one per line, or is a
// CloudWatch Logs export: a fault there is confined to its line.
func (d *Decoder) lineOriented() bool { return d.layout == layoutLines || d.sc.Stamped() }

// nextLine names where decoding resumes after a broken line.
func (d *Decoder) nextLine() string {
	if d.sc.Stamped() {
		return "the next line starting with a timestamp or '{'"
	}
	return "the next line starting with '{'"
}

// skipLine passes over the input up to the next line that may start a
// record as one bad record: the error it returns is a *RecordError with the
// next record index.
func (d *Decoder) skipLine(err error) error {
	idx := d.index
	d.index++
	d.sc.SkipToLine()
	return &RecordError{Index: idx, Err: fmt.Errorf("%w; skipped to %s", err, d.nextLine())}
}
