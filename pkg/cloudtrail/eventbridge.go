// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"strings"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
)

// EventBridge events, as an EventBridge rule → Firehose → S3 writes them,
// one per line or in an array: {"version":"0","id":"…","detail-type":"AWS
// API Call via CloudTrail","source":"aws.…",…,"detail":{<record>}}. wrapped.go
// finds them by their detail-type member; the record is the detail.

// eventBridgeRecord returns the record of the EventBridge event parsed in
// d.ev, whose detail-type is detailType. Events that do not come from
// CloudTrail hold none: they are passed over and counted by Skipped.
func (d *Decoder) eventBridgeRecord(idx int64, detailType string) (Raw, bool, error) {
	detail := d.ev.Lookup(jsonscan.Root, "detail")
	if !strings.HasSuffix(detailType, "via CloudTrail") || detail < 0 || d.ev.Kind(detail) != jsonscan.Object {
		d.skipped++
		return Raw{}, false, nil
	}
	d.setFormat(FormatEventBridge)
	// The detail is a span of d.ev's copy of the event, which the next
	// parse replaces.
	d.evBuf = append(d.evBuf[:0], d.ev.Raw(detail)...)
	return Raw{Index: idx, Data: d.evBuf}, true, nil
}
