// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import "errors"

// Values of RecordErrorReason: the reason attribute of the failed-record
// counters of the components built on this package, so that a dashboard
// reads one set of words whichever component decoded the record.
const (
	ReasonInvalidJSON  = "invalid_json"
	ReasonTooLarge     = "too_large"
	ReasonBadEventTime = "bad_event_time"
	// ReasonNotCloudTrail: a JSON Lines object that is neither a record nor
	// an event holding one.
	ReasonNotCloudTrail = "not_cloudtrail"
)

// RecordErrorReason names the cause of a record error (what
// FileReader.OnRecordError is given) in a word fit for a metric attribute.
func RecordErrorReason(err error) string {
	switch {
	case errors.Is(err, ErrRecordTooLarge):
		return ReasonTooLarge
	case errors.Is(err, ErrBadEventTime):
		return ReasonBadEventTime
	case errors.Is(err, ErrNotCloudTrail):
		return ReasonNotCloudTrail
	}
	return ReasonInvalidJSON
}
