// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package ctoptions checks the CloudTrail decoding options that the
// cloudtrail receiver and the cloudtrail_encoding extension share
// (event_sources, include_event_names, exclude_event_names, body,
// max_record_size), so that both refuse the same values with the same words.
package ctoptions // import "github.com/personalize-audit/otelcol-personalize/internal/ctoptions"

import (
	"errors"
	"fmt"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// Validate checks the shared options, named as in the configuration.
func Validate(eventSources, includeEventNames, excludeEventNames []string, body string, maxRecordSize int) error {
	var errs error
	if _, err := cloudtrail.ParseBodyMode(body); err != nil {
		errs = errors.Join(errs, fmt.Errorf("body: must be map, json or none, got %q", body))
	}
	if maxRecordSize <= 0 {
		errs = errors.Join(errs, fmt.Errorf("max_record_size: must be positive, got %d", maxRecordSize))
	}
	for _, list := range []struct {
		name   string
		values []string
	}{
		{"event_sources", eventSources},
		{"include_event_names", includeEventNames},
		{"exclude_event_names", excludeEventNames},
	} {
		for i, v := range list.values {
			if v == "" {
				errs = errors.Join(errs, fmt.Errorf("%s[%d]: must not be empty, got %q", list.name, i, v))
			}
		}
	}
	return errs
}
