// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package s3bucket // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"

import (
	"fmt"
	"time"

	"go.opentelemetry.io/collector/confmap"
)

// dateLayout is the date-only form a time option also takes, as midnight UTC.
const dateLayout = time.DateOnly

// timeOptionsAsText rewrites the named keys of conf that YAML read as a
// timestamp (an unquoted 2025-01-01T00:00:00Z or 2025-01-01 is a time.Time,
// not a string) back to RFC 3339 text, so that they decode into their string
// field like the quoted form. The rest of conf is left as it is.
func timeOptionsAsText(conf *confmap.Conf, keys ...string) error {
	text := map[string]any{}
	for _, k := range keys {
		if t, ok := conf.Get(k).(time.Time); ok {
			text[k] = t.Format(time.RFC3339Nano)
		}
	}
	if len(text) == 0 {
		return nil
	}
	return conf.Merge(confmap.NewFromStringMap(text))
}

// parseTimeOption parses the value of the time option name: an RFC 3339
// time or a date (midnight UTC). The zero time when it is empty.
func parseTimeOption(name, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
		return t, nil
	}
	if t, err := time.Parse(dateLayout, value); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: must be an RFC 3339 time (2025-01-01T00:00:00Z) or a date (2025-01-01), got %q", name, value)
}
