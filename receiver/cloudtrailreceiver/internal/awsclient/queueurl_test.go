// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
			assert.Equal(t, tt.endpoint, SQSEndpoint(tt.url, ""))
			assert.Equal(t, tt.region, SQSRegion(tt.url, ""))
			assert.Equal(t, "http://10.0.0.1:9324", SQSEndpoint(tt.url, "http://10.0.0.1:9324"), "sqs.endpoint wins")
			assert.Equal(t, "ap-south-1", SQSRegion(tt.url, "ap-south-1"), "sqs.region wins")
		})
	}
}
