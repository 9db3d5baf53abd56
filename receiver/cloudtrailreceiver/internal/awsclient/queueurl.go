// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"

import (
	"errors"
	"net/url"
	"strings"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// queueURL is a parsed sqs.queue_url.
type queueURL struct {
	// endpoint is the scheme and host (with port) the queue is served at.
	endpoint string
	// region is the AWS region named by the host; "" for hosts that name
	// none (an SQS-compatible server).
	region string
	// legacy is an old queue.amazonaws.com style host, which does not
	// speak the SDK's JSON protocol: requests go to the region's endpoint.
	legacy bool
}

// ParseQueueURL parses a queue URL: http(s)://host/<account>/<queue name>.
func ParseQueueURL(raw string) (queueURL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return queueURL{}, errors.New("must be an http:// or https:// URL with a host")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" || u.RawQuery != "" || u.Fragment != "" {
		return queueURL{}, errors.New("must be a queue URL such as https://sqs.eu-west-1.amazonaws.com/111122223333/queue-name (path /<account>/<queue name>)")
	}
	q := queueURL{endpoint: u.Scheme + "://" + u.Host}
	q.region, q.legacy = regionOfQueueHost(strings.ToLower(u.Hostname()))
	return q, nil
}

// regionOfQueueHost finds the region in an AWS SQS host name:
// sqs.<region>.amazonaws.com (and .amazonaws.com.cn, sqs-fips.),
// <vpce-id>.sqs.<region>.vpce.amazonaws.com, and the legacy
// <region>.queue.amazonaws.com and queue.amazonaws.com (us-east-1).
func regionOfQueueHost(host string) (region string, legacy bool) {
	if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") {
		return "", false
	}
	if host == "queue.amazonaws.com" {
		return "us-east-1", true
	}
	labels := strings.Split(host, ".")
	for i := 0; i+1 < len(labels); i++ {
		switch {
		case (labels[i] == "sqs" || labels[i] == "sqs-fips") && s3keys.IsRegion(labels[i+1]):
			return labels[i+1], false
		case labels[i+1] == "queue" && s3keys.IsRegion(labels[i]):
			return labels[i], true
		}
	}
	return "", false
}

// SQSEndpoint is where SQS requests go: endpoint (sqs.endpoint) when set, otherwise
// the queue URL's scheme and host (a VPC endpoint, an SQS-compatible
// server, or AWS's own regional host), except for legacy hosts, left to
// the SDK's regional endpoint.
func SQSEndpoint(queueURL, endpoint string) string {
	if endpoint != "" {
		return endpoint
	}
	q, err := ParseQueueURL(queueURL)
	if err != nil || q.legacy {
		return ""
	}
	return q.endpoint
}

// SQSRegion is the region of the queue: region (sqs.region) when set, otherwise
// the one the queue URL's host names ("" leaves it to the AWS default
// chain).
func SQSRegion(queueURL, region string) string {
	if region != "" {
		return region
	}
	q, _ := ParseQueueURL(queueURL)
	return q.region
}
