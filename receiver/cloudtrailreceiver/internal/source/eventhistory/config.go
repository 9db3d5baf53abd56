// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package eventhistory // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/eventhistory"

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// MaxLookback is how far back Event history goes: 90 days.
const MaxLookback = 90 * 24 * time.Hour

// DefaultConfig is the Event history source's configuration before a user
// sets regions.
func DefaultConfig() Config {
	return Config{
		Lookback:          24 * time.Hour,
		PollInterval:      time.Minute,
		SettleTime:        15 * time.Minute,
		RequestsPerSecond: 2,
	}
}

// Config is the Event history source: CloudTrail's LookupEvents API.
type Config struct {
	// Regions are read, each on its own. Setting them selects the source.
	Regions []string `mapstructure:"regions"`
	// Endpoint replaces the CloudTrail API endpoint of every region.
	Endpoint string `mapstructure:"endpoint"`
	// RoleARN is a role assumed to call LookupEvents.
	RoleARN string `mapstructure:"role_arn"`
	// Lookback is how far back the first run starts.
	Lookback time.Duration `mapstructure:"lookback"`
	// PollInterval is the time between two polls.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// SettleTime is how late an event may appear in Event history after
	// its eventTime and still be delivered: each poll reads again this much
	// before the last watermark.
	SettleTime time.Duration `mapstructure:"settle_time"`
	// RequestsPerSecond bounds the LookupEvents calls per region.
	RequestsPerSecond float64 `mapstructure:"requests_per_second"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Selected reports whether the configuration selects this source.
func (c *Config) Selected() bool { return len(c.Regions) > 0 }

// Check validates the configuration of the selected source. (Not named
// Validate: the collector would call that whichever source is selected.)
func (c *Config) Check() error {
	var errs error
	for i, r := range c.Regions {
		if !s3keys.IsRegion(r) {
			errs = errors.Join(errs, fmt.Errorf("event_history.regions[%d]: must be a region name such as eu-west-1, got %q", i, r))
		}
		if slices.Index(c.Regions, r) < i {
			errs = errors.Join(errs, fmt.Errorf("event_history.regions[%d]: %q is listed twice", i, r))
		}
	}
	if c.Lookback <= 0 || c.Lookback > MaxLookback {
		errs = errors.Join(errs, fmt.Errorf("event_history.lookback: must be positive and at most %v (the 90 days Event history holds), got %v", MaxLookback, c.Lookback))
	}
	if c.PollInterval < time.Millisecond {
		errs = errors.Join(errs, fmt.Errorf("event_history.poll_interval: must be positive, got %v", c.PollInterval))
	}
	if c.SettleTime < 0 || c.SettleTime > MaxLookback {
		errs = errors.Join(errs, fmt.Errorf("event_history.settle_time: must be from 0 to %v, got %v", MaxLookback, c.SettleTime))
	}
	if c.RequestsPerSecond <= 0 {
		errs = errors.Join(errs, fmt.Errorf("event_history.requests_per_second: must be positive, got %v", c.RequestsPerSecond))
	}
	return errors.Join(errs,
		awsclient.ValidateEndpoint("event_history.endpoint", c.Endpoint),
		awsclient.ValidateRoleARN("event_history.role_arn", c.RoleARN))
}
