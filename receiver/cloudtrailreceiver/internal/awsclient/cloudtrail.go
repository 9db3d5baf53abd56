// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go"
)

// NewCloudTrailClient builds a CloudTrail client for one region. Throttling
// errors are not retried by the SDK but returned, so that the caller counts
// them and backs off under its own rate limiter (LookupEvents allows two
// requests a second per region); other transient errors are retried by the
// SDK as usual.
func NewCloudTrailClient(awsCfg aws.Config, region, endpoint string) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(awsCfg, func(o *cloudtrail.Options) {
		o.Region = region
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if IsThrottle(err) {
					return aws.FalseTernary
				}
				return aws.UnknownTernary
			})}, so.Retryables...)
		})
		o.HTTPClient = inMemoryBodyClient{next: o.HTTPClient}
	})
}

// IsThrottle reports whether err is an AWS throttling error
// (ThrottlingException and its kin).
func IsThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	_, ok := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]
	return ok
}
