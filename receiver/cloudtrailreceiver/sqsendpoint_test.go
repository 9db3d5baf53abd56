package cloudtrailreceiver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueueURLEndpointAndRegion(t *testing.T) {
	tests := []struct {
		url, endpoint, region string
	}{
		{"https://sqs.eu-west-1.amazonaws.com/111122223333/q", "https://sqs.eu-west-1.amazonaws.com", "eu-west-1"},
		{"https://vpce-0123-abcd.sqs.eu-west-1.vpce.amazonaws.com/111122223333/q", "https://vpce-0123-abcd.sqs.eu-west-1.vpce.amazonaws.com", "eu-west-1"},
		{"https://sqs-fips.us-gov-west-1.amazonaws.com/111122223333/q", "https://sqs-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"},
		{"https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q", "https://sqs.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"http://127.0.0.1:9324/000000000000/q", "http://127.0.0.1:9324", ""},
		{"http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/q", "http://sqs.us-east-1.localhost.localstack.cloud:4566", ""},
		// Legacy hosts do not speak the SDK's JSON protocol: the SDK's
		// regional endpoint is used, for the region they name.
		{"https://eu-west-1.queue.amazonaws.com/111122223333/q", "", "eu-west-1"},
		{"https://queue.amazonaws.com/111122223333/q", "", "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c := SQSConfig{QueueURL: tt.url}
			assert.Equal(t, tt.endpoint, sqsEndpoint(c))
			assert.Equal(t, tt.region, sqsRegion(c))

			c.Endpoint, c.Region = "http://10.0.0.1:9324", "ap-south-1"
			assert.Equal(t, "http://10.0.0.1:9324", sqsEndpoint(c), "sqs.endpoint wins")
			assert.Equal(t, "ap-south-1", sqsRegion(c), "sqs.region wins")
		})
	}
}

// TestSQSEndpointFromQueueURL: with sqs.endpoint and region unset, requests
// go to the queue URL's host (here the SQS double addressed as localhost,
// which is not the SDK's default endpoint), not to AWS's public endpoint.
func TestSQSEndpointFromQueueURL(t *testing.T) {
	env := newSQSEnv(t)
	key := ctKey("", "", acctA, "us-east-1", day1, "endpoint00000001")
	want := env.s3.putLog(key, 3)
	env.sqs.Send(sqsQueue, s3EventBody(t, key))

	cfg := env.config()
	cfg.SQS.Endpoint, cfg.SQS.Region = "", ""
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	cfg.SQS.QueueURL = strings.Replace(env.url, "127.0.0.1", "localhost", 1)
	require.NotEqual(t, env.url, cfg.SQS.QueueURL)
	require.NoError(t, cfg.Validate())

	rec := newRecorder()
	start(t, cfg, rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	env.waitDeleted(t)
	requireExactlyOnce(t, want, rec.accepted())
	assert.Positive(t, env.sqs.Calls("ReceiveMessage"))
	assert.Positive(t, env.sqs.Calls("DeleteMessage"))
}
