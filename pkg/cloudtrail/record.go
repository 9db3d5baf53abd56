// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"errors"
	"fmt"
	"time"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// field names the top-level record members the mapping reads.
type field uint8

const (
	fEventVersion field = iota
	fUserIdentity
	fEventTime
	fEventSource
	fEventName
	fAWSRegion
	fSourceIPAddress
	fUserAgent
	fErrorCode
	fErrorMessage
	fRequestParameters
	fResponseElements
	fAdditionalEventData
	fRequestID
	fEventID
	fReadOnly
	fResources
	fEventType
	fAPIVersion
	fManagementEvent
	fRecipientAccountID
	fSharedEventID
	fVPCEndpointID
	fVPCEndpointAccountID
	fEventCategory
	fTLSDetails
	fSessionCredentialFromConsole
	fInsightDetails
	fAddendum
	numFields
)

// recordFields indexes the fields as the parser meets the top-level keys of
// a record (jsonscan.Fields: one probe of a perfect hash per key).
var recordFields = jsonscan.NewFields(fieldNames[:]...)

// fieldOf returns the field a top-level key names.
func fieldOf(key string) (field, bool) {
	f, ok := recordFields.Lookup(key)
	return field(f), ok
}

// fieldNames are the top-level keys of the fields, the one list
// recordFields is built from.
var fieldNames = [numFields]string{
	fEventVersion:                 "eventVersion",
	fUserIdentity:                 "userIdentity",
	fEventTime:                    "eventTime",
	fEventSource:                  "eventSource",
	fEventName:                    "eventName",
	fAWSRegion:                    "awsRegion",
	fSourceIPAddress:              "sourceIPAddress",
	fUserAgent:                    "userAgent",
	fErrorCode:                    "errorCode",
	fErrorMessage:                 "errorMessage",
	fRequestParameters:            "requestParameters",
	fResponseElements:             "responseElements",
	fAdditionalEventData:          "additionalEventData",
	fRequestID:                    "requestID",
	fEventID:                      "eventID",
	fReadOnly:                     "readOnly",
	fResources:                    "resources",
	fEventType:                    "eventType",
	fAPIVersion:                   "apiVersion",
	fManagementEvent:              "managementEvent",
	fRecipientAccountID:           "recipientAccountId",
	fSharedEventID:                "sharedEventID",
	fVPCEndpointID:                "vpcEndpointId",
	fVPCEndpointAccountID:         "vpcEndpointAccountId",
	fEventCategory:                "eventCategory",
	fTLSDetails:                   "tlsDetails",
	fSessionCredentialFromConsole: "sessionCredentialFromConsole",
	fInsightDetails:               "insightDetails",
	fAddendum:                     "addendum",
}

// Record is one parsed CloudTrail record.
//
// It keeps the record's exact JSON (for a lossless body) and an index of its
// top-level members, so that the mapping reads each field in O(1) and never
// materialises parts of the record it does not use. A Record is reusable:
// Parse resets it.
type Record struct {
	doc jsonscan.Doc
	top [numFields]int32
}

// ErrNotObject: a record that is not a JSON object.
var ErrNotObject = errors.New("record is not a JSON object")

// Doc is a parsed JSON document that keeps values as spans of its source
// (jsonscan.Doc, the parser a Record is read with).
type Doc = jsonscan.Doc

// SyntaxError is a JSON syntax error at a byte offset within one record.
type SyntaxError = jsonscan.SyntaxError

// Parse parses one record's JSON. data may be reused by the caller after
// Parse returns.
func (r *Record) Parse(data []byte) error {
	// The parser fills r.top as it meets the top-level keys, rather than a
	// second pass over them.
	if err := r.doc.ParseFields(data, recordFields, r.top[:]); err != nil {
		return err
	}
	if r.doc.Kind(jsonscan.Root) != jsonscan.Object {
		return ErrNotObject
	}
	return nil
}

// JSON returns the record's original text.
func (r *Record) JSON() string { return r.doc.Source() }

// str returns a top-level string member; absent, null or non-string gives "".
func (r *Record) str(f field) string {
	v := r.top[f]
	if v < 0 || r.doc.Kind(v) != jsonscan.String {
		return ""
	}
	return r.doc.Text(v)
}

// boolean reads a top-level flag that may be a JSON bool or, in exports that
// stringify them (Lake, Athena), the strings "true"/"false".
func (r *Record) boolean(f field) (val, ok bool) {
	return boolAt(&r.doc, r.top[f])
}

// boolAt reads node v as boolean reads a flag.
func boolAt(d *jsonscan.Doc, v int32) (val, ok bool) {
	if v < 0 {
		return false, false
	}
	switch d.Kind(v) {
	case jsonscan.True:
		return true, true
	case jsonscan.False:
		return false, true
	case jsonscan.String:
		switch d.Text(v) {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	}
	return false, false
}

// EventID is the record's eventID, the key CloudTrail duplicates share.
func (r *Record) EventID() string { return r.str(fEventID) }

// EventSource is the service host name, e.g. personalize.amazonaws.com.
// Insight records have none: the source they are about is in
// insightDetails, which selection deliberately does not look at (an Insight
// is not a call of that service).
func (r *Record) EventSource() string { return r.str(fEventSource) }

// EventName is the API action.
func (r *Record) EventName() string { return r.str(fEventName) }

// AccountID is the account the event belongs to: recipientAccountId, else
// userIdentity.accountId.
func (r *Record) AccountID() string {
	if s := r.str(fRecipientAccountID); s != "" {
		return s
	}
	s, _ := r.doc.StrAt(r.top[fUserIdentity], "accountId")
	return s
}

// Region is awsRegion.
func (r *Record) Region() string { return r.str(fAWSRegion) }

// ErrorCode is errorCode ("" for successful calls).
func (r *Record) ErrorCode() string { return r.str(fErrorCode) }

// ErrBadEventTime marks a record whose eventTime cannot be parsed.
var ErrBadEventTime = errors.New("malformed eventTime")

// EventTime parses eventTime. A record without one returns the zero time and
// ok=false; a malformed one returns an error wrapping ErrBadEventTime.
func (r *Record) EventTime() (t time.Time, ok bool, err error) {
	v := r.top[fEventTime]
	if v < 0 || r.doc.Kind(v) == jsonscan.Null {
		return time.Time{}, false, nil
	}
	if r.doc.Kind(v) != jsonscan.String {
		return time.Time{}, false, fmt.Errorf("%w: not a string", ErrBadEventTime)
	}
	s := r.doc.Text(v)
	t, err = parseEventTime(s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%w %q", ErrBadEventTime, s)
	}
	return t, true, nil
}

// parseEventTime reads CloudTrail's RFC 3339 times. The common
// second-precision UTC form is parsed by hand, which is several times cheaper
// than time.Parse; anything else falls back to it, and then to the forms that
// CloudTrail Lake and Athena exports write (a space for the 'T', no zone:
// CloudTrail times are UTC).
func parseEventTime(s string) (time.Time, error) {
	if len(s) == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' {
		y, ok1 := digits(s[0:4])
		mo, ok2 := digits(s[5:7])
		dd, ok3 := digits(s[8:10])
		h, ok4 := digits(s[11:13])
		mi, ok5 := digits(s[14:16])
		se, ok6 := digits(s[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= daysIn(mo, y) && h < 24 && mi < 60 && se < 60 {
			return time.Date(y, time.Month(mo), dd, h, mi, se, 0, time.UTC), nil
		}
		return time.Time{}, errors.New("invalid date")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		return t, nil
	}
	for _, layout := range exportTimeLayouts {
		if t, lerr := time.Parse(layout, s); lerr == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// exportTimeLayouts are the zone-less event times of CloudTrail Lake query
// results and Athena (time.Parse reads them as UTC).
var exportTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m, y int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
