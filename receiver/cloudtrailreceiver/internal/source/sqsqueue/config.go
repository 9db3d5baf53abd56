// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package sqsqueue // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"

import (
	"errors"
	"fmt"
	"time"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
)

// Values of Config.OnMaxReceive.
const (
	OnMaxReceiveDelete = "delete"
	OnMaxReceiveLeave  = "leave"
)

// DefaultConfig is the SQS source's configuration before a user sets
// queue_url.
func DefaultConfig() Config {
	return Config{
		WaitTime:          20 * time.Second,
		VisibilityTimeout: 5 * time.Minute,
		MaxMessages:       10,
		Workers:           4,
		MaxReceiveCount:   5,
		OnMaxReceive:      OnMaxReceiveDelete,
	}
}

// Config is the SQS notification source.
type Config struct {
	// QueueURL is the queue the notifications arrive in. Setting it selects
	// the SQS source.
	QueueURL string `mapstructure:"queue_url"`
	// Region is the region of the queue and of the buckets; empty takes the
	// AWS default chain's.
	Region string `mapstructure:"region"`
	// Endpoint replaces the SQS endpoint.
	Endpoint string `mapstructure:"endpoint"`
	// WaitTime is the long-polling wait of a receive (at most 20s).
	WaitTime time.Duration `mapstructure:"wait_time"`
	// VisibilityTimeout is asked for at each receive, and extended every
	// half of it while the message's objects are being read.
	VisibilityTimeout time.Duration `mapstructure:"visibility_timeout"`
	// MaxMessages is the number of messages a receive asks for (1 to 10).
	MaxMessages int `mapstructure:"max_messages"`
	// Workers is the number of objects read at once.
	Workers int `mapstructure:"workers"`
	// MaxReceiveCount is the receive count from which a message whose
	// objects cannot be read (or that is not understood) is given up on.
	MaxReceiveCount int `mapstructure:"max_receive_count"`
	// OnMaxReceive says what giving up is: delete the message (with an error
	// log) or leave it for the queue's redrive policy (dead-letter queue).
	OnMaxReceive string `mapstructure:"on_max_receive"`
	// S3Endpoint replaces the S3 endpoint objects are read from.
	S3Endpoint string `mapstructure:"s3_endpoint"`
	// ForcePathStyle addresses buckets in the path (S3-compatible servers).
	ForcePathStyle bool `mapstructure:"force_path_style"`
	// RoleARN is a role assumed to receive messages and read objects.
	RoleARN string `mapstructure:"role_arn"`
	// AnyKey reads every object a notification names, whatever its key,
	// not only CloudTrail log files of the AWSLogs/ layout: for buckets
	// that other tools fill with CloudTrail records (an EventBridge rule
	// delivering through Firehose, exports). Digest keys are still skipped.
	AnyKey bool `mapstructure:"any_key"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Check validates the configuration of the selected SQS source. (Not named
// Validate: the collector would call that whichever source is selected.)
func (c *Config) Check() error {
	var errs error
	if _, err := awsclient.ParseQueueURL(c.QueueURL); err != nil {
		errs = errors.Join(errs, fmt.Errorf("sqs.queue_url: %w, got %q", err, c.QueueURL))
	}
	if c.WaitTime < 0 || c.WaitTime > 20*time.Second || c.WaitTime%time.Second != 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.wait_time: must be whole seconds from 0s to 20s, got %v", c.WaitTime))
	}
	if c.VisibilityTimeout < 2*time.Second || c.VisibilityTimeout > 12*time.Hour || c.VisibilityTimeout%time.Second != 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.visibility_timeout: must be whole seconds from 2s to 12h, got %v", c.VisibilityTimeout))
	}
	if c.MaxMessages < 1 || c.MaxMessages > 10 {
		errs = errors.Join(errs, fmt.Errorf("sqs.max_messages: must be from 1 to 10, got %d", c.MaxMessages))
	}
	if c.Workers <= 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.workers: must be positive, got %d", c.Workers))
	}
	if c.MaxReceiveCount <= 0 {
		errs = errors.Join(errs, fmt.Errorf("sqs.max_receive_count: must be positive, got %d", c.MaxReceiveCount))
	}
	if c.OnMaxReceive != OnMaxReceiveDelete && c.OnMaxReceive != OnMaxReceiveLeave {
		errs = errors.Join(errs, fmt.Errorf("sqs.on_max_receive: must be delete or leave, got %q", c.OnMaxReceive))
	}
	errs = errors.Join(errs,
		awsclient.ValidateEndpoint("sqs.endpoint", c.Endpoint),
		awsclient.ValidateEndpoint("sqs.s3_endpoint", c.S3Endpoint),
		awsclient.ValidateRoleARN("sqs.role_arn", c.RoleARN))
	return errs
}

// RequestEndpoint is where SQS requests go (see awsclient.SQSEndpoint).
func (c *Config) RequestEndpoint() string { return awsclient.SQSEndpoint(c.QueueURL, c.Endpoint) }

// QueueRegion is the region of the queue (see awsclient.SQSRegion).
func (c *Config) QueueRegion() string { return awsclient.SQSRegion(c.QueueURL, c.Region) }
