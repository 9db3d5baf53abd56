// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"

// A CloudWatch Logs export to S3 of a trail's log group (create-export-task:
// 000000.gz objects): one log event per line, its RFC 3339 timestamp, a
// space or tab, and the message, a record ("2025-03-04T10:01:02.123Z
// {...}"). The timestamp is consumed here; the message is then read as the
// top-level value it is (jsonlines.go), the scanner told that lines start
// with a timestamp so that a broken line ends at the next one.

// maxStampLen bounds a CloudWatch Logs export line's timestamp prefix:
// "2025-03-04T10:01:02.123456789+05:30 ".
const maxStampLen = 36

// exportStamp reads the timestamp that starts a CloudWatch Logs export line,
// when the next byte, a digit, starts one: in the file's first line only if
// an object follows (timestamped text logs are no export), in later lines of
// an export always. done reports that it consumed the timestamp, or that err
// says the input ends inside one.
func (d *Decoder) exportStamp() (done bool, err error) {
	// The stamp, its separator and the byte after them.
	b := d.sc.Ahead(maxStampLen + 1)
	n := stampLen(b[:min(len(b), maxStampLen)])
	switch {
	case n > 0 && (d.sc.Stamped() || n < len(b) && b[n] == '{'):
		d.sc.Skip(n)
		d.sc.SetStamped()
		d.setFormat(FormatCloudWatchExport)
		return true, nil
	case n == 0 && d.sc.Stamped() && len(b) <= maxStampLen && d.sc.ReadErr() == nil && stampPrefixOK(b):
		// The input ends inside a line's timestamp (Ahead returned less than
		// asked for): cut short, or still being written; the line is read
		// once it is whole.
		return true, jsonscan.ErrEOF
	}
	return false, nil
}

// stampLayout is the date and time every export timestamp starts with
// (d: a digit; 'T' may be lower case).
const stampLayout = "dddd-dd-ddTdd:dd:dd"

// stampLayoutOK reports whether b, at most len(stampLayout) bytes, follows
// stampLayout.
func stampLayoutOK(b []byte) bool {
	for i, c := range b {
		want := stampLayout[i]
		if want == 'd' && (c < '0' || c > '9') || want != 'd' && c != want && !(want == 'T' && c == 't') {
			return false
		}
	}
	return true
}

// stampPrefixOK reports whether b can begin a timestamp stampLen accepts.
func stampPrefixOK(b []byte) bool {
	n := min(len(b), len(stampLayout))
	if !stampLayoutOK(b[:n]) {
		return false
	}
	for _, c := range b[n:] {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'Z' || c == 'z' || c == '+' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// stampLen matches YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm) and one space
// or tab at the start of b.
func stampLen(b []byte) int {
	if len(b) < len(stampLayout)+2 || !stampLayoutOK(b[:len(stampLayout)]) {
		return 0
	}
	i := len(stampLayout)
	if b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return 0
		}
	}
	switch {
	case i < len(b) && (b[i] == 'Z' || b[i] == 'z'):
		i++
	case i+6 <= len(b) && (b[i] == '+' || b[i] == '-') && isDigits(b[i+1:i+3]) && b[i+3] == ':' && isDigits(b[i+4:i+6]):
		i += 6
	default:
		return 0
	}
	if i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		return i + 1
	}
	return 0
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
