// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package s3bucket // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/confmap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

const (
	// DefaultPollInterval: S3 listings cost requests, and CloudTrail
	// delivers about every 5 min.
	DefaultPollInterval         = time.Minute
	DefaultMaxConcurrentObjects = 4
)

// Config is the S3 polling source.
type Config struct {
	// Bucket is the trail's bucket. Setting it selects the S3 source.
	Bucket string `mapstructure:"bucket"`
	// Prefix is the trail's S3 key prefix (the part before AWSLogs/); it may
	// contain '/'.
	Prefix string `mapstructure:"prefix"`
	// Region is the bucket's region; empty takes the AWS default chain's.
	Region string `mapstructure:"region"`
	// Endpoint replaces the S3 endpoint, for S3-compatible servers.
	Endpoint string `mapstructure:"endpoint"`
	// ForcePathStyle addresses the bucket in the path rather than the host
	// name, as most S3-compatible servers need.
	ForcePathStyle bool `mapstructure:"force_path_style"`
	// PollInterval is the time between two listings.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// StartTime (an RFC 3339 time or a date, quoted or not) skips files
	// delivered before it; listing starts at its day folder, so earlier days
	// are never listed. It only applies to region folders without a
	// checkpoint.
	StartTime string `mapstructure:"start_time"`
	// Accounts limits reading to these account ids; empty discovers them.
	Accounts []string `mapstructure:"accounts"`
	// Regions limits reading to these regions; empty discovers them.
	Regions []string `mapstructure:"regions"`
	// IncludeInsights also reads the CloudTrail-Insight folders.
	IncludeInsights bool `mapstructure:"include_insights"`
	// RoleARN is a role assumed (with the default chain's credentials) to
	// read the bucket.
	RoleARN string `mapstructure:"role_arn"`
	// MaxConcurrentObjects bounds the objects read at once.
	MaxConcurrentObjects int `mapstructure:"max_concurrent_objects"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ confmap.Unmarshaler = (*Config)(nil)

// Unmarshal takes start_time written as a YAML timestamp as well as quoted.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := timeOptionsAsText(conf, "start_time"); err != nil {
		return err
	}
	return conf.Unmarshal(c)
}

// StartAt parses StartTime; the zero time when it is empty.
func (c *Config) StartAt() (time.Time, error) {
	return parseTimeOption("s3.start_time", c.StartTime)
}

// Check validates the configuration of the selected S3 source. (Not named
// Validate: the collector would call that whichever source is selected.)
func (c *Config) Check() error {
	var errs error
	if c.PollInterval <= 0 {
		errs = errors.Join(errs, fmt.Errorf("s3.poll_interval: must be positive, got %v", c.PollInterval))
	}
	if c.MaxConcurrentObjects <= 0 {
		errs = errors.Join(errs, fmt.Errorf("s3.max_concurrent_objects: must be positive, got %d", c.MaxConcurrentObjects))
	}
	if _, err := c.StartAt(); err != nil {
		errs = errors.Join(errs, err)
	}
	for i, a := range c.Accounts {
		if !s3keys.IsAccountID(a) {
			errs = errors.Join(errs, fmt.Errorf("s3.accounts[%d]: must be a 12-digit account id, got %q", i, a))
		}
	}
	for i, r := range c.Regions {
		if !s3keys.IsRegion(r) {
			errs = errors.Join(errs, fmt.Errorf("s3.regions[%d]: must be a region name such as eu-west-1, got %q", i, r))
		}
	}
	if strings.Contains(c.Prefix, "AWSLogs") {
		errs = errors.Join(errs, fmt.Errorf("s3.prefix: must be the part of the key before AWSLogs/, got %q", c.Prefix))
	}
	errs = errors.Join(errs, awsclient.ValidateEndpoint("s3.endpoint", c.Endpoint), awsclient.ValidateRoleARN("s3.role_arn", c.RoleARN))
	return errs
}
