// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package awsclient builds the AWS clients the sources share: credentials from
// the default chain, role assumption, endpoint overrides for compatible
// servers, the SDK logging through the component's logger, and reading S3
// objects with their errors classified for the core.
package awsclient // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"go.uber.org/zap"
)

// LoadConfig loads the AWS SDK configuration. Credentials come from the
// SDK's default chain (environment, shared files, SSO, web identity, ECS/EC2
// roles); with roleARN they are used to assume that role, refreshed before
// they expire. custom says an endpoint replaces AWS's, in which case a
// missing region is not an error. The SDK logs through logger, at debug,
// and logs no requests or responses (ClientLogMode 0).
func LoadConfig(ctx context.Context, region, roleARN string, custom bool, logger *zap.Logger) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithLogger(newSDKLogger(logger)),
		awsconfig.WithClientLogMode(0),
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		if !custom {
			return aws.Config{}, errors.New("no region is set and the AWS default configuration has none")
		}
		// S3-compatible servers mostly ignore the region, but requests are
		// signed with one.
		awsCfg.Region = "us-east-1"
	}
	if roleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "otelcol-cloudtrail"
		})
		awsCfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return awsCfg, nil
}

// NewS3Client builds an S3 client; endpoint and pathStyle are for
// S3-compatible servers.
func NewS3Client(awsCfg aws.Config, endpoint string, pathStyle bool) *s3.Client {
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = pathStyle
	})
}

// NewSQSClient builds an SQS client.
func NewSQSClient(awsCfg aws.Config, endpoint string) *sqs.Client {
	return sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.HTTPClient = inMemoryBodyClient{next: o.HTTPClient}
	})
}

// inMemoryBodyClient hands net/http a copy of each request body in memory.
//
// The SDK sends a body that net/http does not know to be in memory, so the
// transport writes the headers and the body at once and then reads the body
// once more to check that it has ended. The SDK closes the body as soon as
// the response headers arrive, and its closed body answers that last read
// with the error io.EOF. When the server answers before the transport gets
// to that read (a busy host), the transport takes the error for a failed
// write and closes the connection under the response. The SDK then retries
// the call. For ReceiveMessage that means the messages of the lost answer
// stay invisible, received by nobody, until their visibility timeout ends
// (5 minutes by default). A body copied into a bytes.Reader, which the SDK
// never closes, avoids all of that. SQS request bodies are small.
type inMemoryBodyClient struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (c inMemoryBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.Do(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	return c.next.Do(req)
}

// ValidateEndpoint checks an endpoint option: empty (AWS's endpoint), or an
// http or https URL with a host, which the SDK would otherwise only reject
// at the first request.
func ValidateEndpoint(name, endpoint string) error {
	if endpoint == "" {
		return nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: must be an http:// or https:// URL with a host, got %q", name, endpoint)
	}
	return nil
}

// ValidateRoleARN checks a role_arn option: empty, or the ARN of an IAM role.
func ValidateRoleARN(name, roleARN string) error {
	if roleARN == "" {
		return nil
	}
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return fmt.Errorf("%s: must be the ARN of an IAM role (arn:aws:iam::111122223333:role/name), got %q", name, roleARN)
	}
	return nil
}
