// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestTLSVerifiedByDefault: the receiver has no TLS setting; its S3, SQS
// and CloudTrail clients use the SDK's HTTP client, which verifies the
// server's certificate against the system roots. A custom endpoint (an
// S3-compatible server, or a man in the middle) with a certificate no
// trusted CA signed gets no request, and the call fails with a certificate
// error.
func TestTLSVerifiedByDefault(t *testing.T) {
	noFile := filepath.Join(t.TempDir(), "absent")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": noFile, "AWS_SHARED_CREDENTIALS_FILE": noFile,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
	var served atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()

	ctx := context.Background()
	awsCfg, err := LoadConfig(ctx, "us-east-1", "", true, zap.NewNop())
	require.NoError(t, err)
	// One attempt: the SDK's retries would only repeat the same refusal.
	awsCfg.RetryMaxAttempts = 1

	_, err = NewS3Client(awsCfg, srv.URL, true).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("trail-bucket")})
	require.ErrorContains(t, err, "certificate", "S3")
	_, err = NewSQSClient(awsCfg, srv.URL).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(srv.URL + "/111122223333/q")})
	require.ErrorContains(t, err, "certificate", "SQS")
	_, err = NewCloudTrailClient(awsCfg, "us-east-1", srv.URL).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	require.ErrorContains(t, err, "certificate", "CloudTrail")
	require.Zero(t, served.Load(), "the untrusted server answered requests")
}
