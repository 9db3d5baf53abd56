// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package directory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/directory"

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// DefaultPollInterval is the time between two scans of the tree.
const DefaultPollInterval = 10 * time.Second

// Config is the local directory source.
type Config struct {
	// Path is the root of the tree scanned recursively for *.json,
	// *.jsonl and *.ndjson files, gzipped (*.json.gz, ...) or not.
	Path string `mapstructure:"path"`
	// PollInterval is the time between two scans of the tree.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Include, when not empty, replaces those name suffixes: glob patterns
	// (path.Match syntax, case-insensitive) of the file names to read, for
	// files named otherwise ("*" reads every file, e.g. Firehose objects,
	// which have no extension).
	Include []string `mapstructure:"include"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Check validates the configuration; selected says the directory source is
// the one configured. (Not named Validate: the collector would call that
// whichever source is selected.) A directory.include pattern that cannot
// match is a mistake whatever the source.
func (c *Config) Check(selected bool) error {
	var errs error
	for i, p := range c.Include {
		if _, err := path.Match(strings.ToLower(p), ""); err != nil || p == "" {
			errs = errors.Join(errs, fmt.Errorf("directory.include[%d]: must be a glob pattern, got %q", i, p))
		}
	}
	if selected && c.PollInterval <= 0 {
		errs = errors.Join(errs, fmt.Errorf("directory.poll_interval: must be positive, got %v", c.PollInterval))
	}
	return errs
}
