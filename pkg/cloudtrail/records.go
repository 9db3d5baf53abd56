// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"errors"
	"fmt"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// The records envelope, {"Records":[...]}, as S3 delivery writes it, and
// the envelopes shaped like it: a top-level object streamed member by member
// (a Records file may be any size), whose Records, logEvents (CloudWatch Logs
// subscription payload) or Events (LookupEvents output) array is streamed
// element by element; and bare arrays of records or events.

// envelope is what the members of the top-level object read so far say.
type envelope struct {
	holds envelopeHolds
	// control: a CloudWatch Logs control message, whose log events hold no
	// records (cloudwatch.go).
	control bool
}

// envelopeHolds is what an envelope object has been found to hold, in
// increasing precedence.
type envelopeHolds uint8

const (
	holdsNothing envelopeHolds = iota // no CloudTrail member yet: not CloudTrail, if it stays so
	holdsDigest                       // digest members: a digest file
	holdsRecords                      // a Records, logEvents or Events array (or Records: null)
)

func (e *envelope) mark(h envelopeHolds) { e.holds = max(e.holds, h) }

// array is the state of the array being streamed.
type array struct {
	of        arrayOf
	needComma bool // an element was read: ',' or ']' must follow
}

// arrayOf is what an array's elements are, which says how each is read.
type arrayOf uint8

const (
	arrayRecords      arrayOf = iota // Records: records, as they are
	arrayValues                      // a bare top-level array: records, or events holding them (wrapped.go)
	arrayLogEvents                   // logEvents: log events carrying records (cloudwatch.go)
	arrayControl                     // logEvents of a control message: skipped
	arrayLookupEvents                // Events: LookupEvents events carrying records (lookupevents.go)
)

// format is the envelope an array of the kind tells.
func (a arrayOf) format() Format {
	switch a {
	case arrayValues:
		return FormatArray
	case arrayLogEvents, arrayControl:
		return FormatCloudWatch
	case arrayLookupEvents:
		return FormatLookupEvents
	}
	return FormatRecords
}

// maxKeyLen bounds a key of a top-level envelope object.
const maxKeyLen = 4096

// openEnvelope starts streaming the object whose '{' is the next byte.
func (d *Decoder) openEnvelope() error {
	d.sc.Skip(1)
	d.at, d.env = atMember, envelope{}
	if c, ok := d.sc.Peek(); ok && c == '}' {
		d.sc.Skip(1)
		return d.closeEnvelope()
	}
	return nil
}

// openArray starts streaming the array whose '[' was just consumed.
func (d *Decoder) openArray(of arrayOf) {
	d.at, d.arr = atElement, array{of: of}
	d.setFormat(of.format())
}

// member reads one member of the envelope object and dispatches on its key.
func (d *Decoder) member() error {
	c, ok := d.sc.Peek()
	if !ok {
		return jsonscan.ErrEOF
	}
	switch c {
	case '}':
		d.sc.Skip(1)
		return d.closeEnvelope()
	case ',':
		d.sc.Skip(1)
		c, ok = d.sc.Peek()
		if !ok {
			return jsonscan.ErrEOF
		}
	}
	if c != '"' {
		return fmt.Errorf("expected a key in the top-level object, found %q", c)
	}
	kb, err := d.sc.Value(maxKeyLen)
	if err != nil {
		return keyErr(err)
	}
	key := string(kb[1 : len(kb)-1])
	if c, ok = d.sc.Peek(); !ok {
		return jsonscan.ErrEOF
	} else if c != ':' {
		return fmt.Errorf("expected ':' after key %s, found %q", key, c)
	}
	d.sc.Skip(1)
	c, ok = d.sc.Peek()
	if !ok {
		return jsonscan.ErrEOF
	}
	switch key {
	case "Records", "logEvents", "Events":
		if c == '[' {
			d.sc.Skip(1)
			d.env.mark(holdsRecords) // whatever the file's format
			d.openArray(d.arrayOf(key))
			return nil
		}
		if key == "Records" {
			d.env.mark(holdsRecords) // null or another value: holds no records
			d.setFormat(FormatRecords)
		}
	case "messageType":
		return d.messageType()
	case "logFiles", "digestS3Object", "digestS3Bucket", "digestEndTime", "digestPublicKeyFingerprint":
		d.env.mark(holdsDigest)
	}
	// Skip the value without keeping it.
	if _, err := d.sc.Value(0); err != nil {
		var tl jsonscan.TooLargeError
		if !errors.As(err, &tl) {
			return keyErr(err)
		}
	}
	return nil
}

// arrayOf says what the elements of the envelope's array key are.
func (d *Decoder) arrayOf(key string) arrayOf {
	switch {
	case key == "Records":
		return arrayRecords
	case key == "Events":
		return arrayLookupEvents
	case d.env.control:
		return arrayControl
	}
	return arrayLogEvents
}

// keyErr names a key too long as such (any other scan error as it is).
func keyErr(err error) error {
	var tl jsonscan.TooLargeError
	if errors.As(err, &tl) {
		return fmt.Errorf("top-level key longer than %d bytes", maxKeyLen)
	}
	return err
}

// closeEnvelope ends the envelope object whose '}' was just consumed.
func (d *Decoder) closeEnvelope() error {
	d.at = atValue
	switch {
	case d.env.holds == holdsRecords || d.format == FormatCloudWatch || d.format == FormatLookupEvents:
	case d.env.holds == holdsDigest:
		d.setFormat(FormatDigest)
	default:
		return ErrNotCloudTrail
	}
	return nil
}

// element reads the next element of the array being streamed.
func (d *Decoder) element() (Raw, bool, error) {
	c, ok := d.sc.Peek()
	if !ok {
		return Raw{}, false, jsonscan.ErrEOF
	}
	if c == ']' {
		d.sc.Skip(1)
		if d.arr.of == arrayValues {
			d.at = atValue
		} else {
			d.at = atMember
		}
		return Raw{}, false, nil
	}
	if d.arr.needComma {
		if c != ',' {
			return Raw{}, false, fmt.Errorf("expected ',' or ']' after record %d, found %q", d.index-1, c)
		}
		d.sc.Skip(1)
		if c, ok = d.sc.Peek(); !ok {
			return Raw{}, false, jsonscan.ErrEOF
		}
		if c == ']' || c == ',' {
			return Raw{}, false, fmt.Errorf("unexpected %q after ',' in the array", c)
		}
		d.arr.needComma = false
	} else if c == ',' {
		return Raw{}, false, fmt.Errorf("unexpected ',' in the array")
	}
	idx := d.index
	v, err := d.sc.Value(d.maxRecord)
	if err != nil {
		var tl jsonscan.TooLargeError
		if errors.As(err, &tl) {
			d.index++
			d.arr.needComma = true
			return Raw{}, false, &RecordError{Index: idx, Err: fmt.Errorf("%w (%d bytes)", ErrRecordTooLarge, tl.Size)}
		}
		return Raw{}, false, err
	}
	d.index++
	d.arr.needComma = true
	switch d.arr.of {
	case arrayValues:
		// Exports may hold EventBridge or LookupEvents events rather than
		// records.
		return d.record(idx, v, false)
	case arrayLogEvents:
		return d.logEvent(idx, v)
	case arrayControl:
		d.skipped++
		return Raw{}, false, nil
	case arrayLookupEvents:
		return d.lookupEvent(idx, v)
	}
	return Raw{Index: idx, Data: v}, true, nil
}
