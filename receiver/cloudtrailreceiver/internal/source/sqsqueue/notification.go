// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package sqsqueue // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// notificationKind is what an SQS message body turned out to be.
type notificationKind uint8

const (
	// notifyObjects names objects to read.
	notifyObjects notificationKind = iota
	// notifyTest is a test or validation message: delete it.
	notifyTest
	// notifyUnknown is anything else: leave it to the queue's redrive policy.
	notifyUnknown
)

// cloudTrailValidationMessage is the SNS Message CloudTrail publishes to
// check a topic (see reference section 10.1).
const cloudTrailValidationMessage = "CloudTrail validation message."

// bucketObject is the part of an S3 event notification record ("s3") and of
// an EventBridge S3 event ("detail") that names the object.
type bucketObject struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key string `json:"key"`
	} `json:"object"`
}

// s3Ref is an object a notification names.
type s3Ref struct{ bucket, key string }

// parseNotification recognises the shapes an SQS body has for CloudTrail
// deliveries: an S3 event notification (S3 → SQS, or S3 → SNS → SQS with raw
// delivery), the same wrapped in an SNS envelope, CloudTrail's own SNS
// message ({"s3Bucket","s3ObjectKey":[...]}) raw or wrapped, S3 events that
// EventBridge delivers (a rule on "Object Created" events of aws.s3 whose
// target is the queue), and the test messages of S3 and CloudTrail. S3 event
// notification keys are URL-encoded in form style and are decoded with
// url.QueryUnescape; CloudTrail's and EventBridge's are plain.
func parseNotification(body string) ([]s3Ref, notificationKind, error) {
	return parseNotificationDepth(body, 0)
}

func parseNotificationDepth(body string, depth int) ([]s3Ref, notificationKind, error) {
	var msg struct {
		Type        string          `json:"Type"`
		Message     *string         `json:"Message"`
		Records     json.RawMessage `json:"Records"`
		S3Bucket    *string         `json:"s3Bucket"`
		S3ObjectKey []string        `json:"s3ObjectKey"`
		Event       string          `json:"Event"`
		// EventBridge events.
		Source     string        `json:"source"`
		DetailType string        `json:"detail-type"`
		Detail     *bucketObject `json:"detail"`
	}
	trimmed := strings.TrimSpace(body)
	if trimmed == cloudTrailValidationMessage {
		return nil, notifyTest, nil
	}
	if err := json.Unmarshal([]byte(trimmed), &msg); err != nil {
		return nil, notifyUnknown, fmt.Errorf("message body is not JSON: %w", err)
	}
	switch {
	case msg.Type == "Notification" && msg.Message != nil:
		if depth > 0 {
			return nil, notifyUnknown, errors.New("SNS notification nested in an SNS notification")
		}
		return parseNotificationDepth(*msg.Message, depth+1)
	case msg.Type != "":
		// SubscriptionConfirmation and the like: never acted upon.
		return nil, notifyUnknown, fmt.Errorf("SNS message of type %q", msg.Type)
	case msg.Event == "s3:TestEvent":
		return nil, notifyTest, nil
	case msg.S3Bucket != nil:
		if *msg.S3Bucket == "" || len(msg.S3ObjectKey) == 0 {
			return nil, notifyUnknown, errors.New("CloudTrail notification without bucket or keys")
		}
		refs := make([]s3Ref, 0, len(msg.S3ObjectKey))
		for _, k := range msg.S3ObjectKey {
			if k != "" { // names no object: reading it would fail on every receive
				refs = append(refs, s3Ref{*msg.S3Bucket, k})
			}
		}
		if len(refs) == 0 {
			return nil, notifyUnknown, errors.New("CloudTrail notification without bucket or keys")
		}
		return refs, notifyObjects, nil
	case len(msg.Records) > 0:
		return parseS3Event(msg.Records)
	case msg.Source == "aws.s3" && msg.DetailType != "" && msg.Detail != nil:
		if msg.DetailType != "Object Created" {
			return nil, notifyObjects, nil // deletions and the like name nothing to read
		}
		if msg.Detail.Bucket.Name == "" || msg.Detail.Object.Key == "" {
			return nil, notifyUnknown, errors.New("EventBridge S3 event without bucket or key")
		}
		return []s3Ref{{msg.Detail.Bucket.Name, msg.Detail.Object.Key}}, notifyObjects, nil
	}
	return nil, notifyUnknown, errors.New("not an S3 event, EventBridge S3 event, CloudTrail or SNS notification")
}

func parseS3Event(raw json.RawMessage) ([]s3Ref, notificationKind, error) {
	var records []struct {
		EventVersion string       `json:"eventVersion"`
		EventSource  string       `json:"eventSource"`
		EventName    string       `json:"eventName"`
		S3           bucketObject `json:"s3"`
	}
	if err := json.Unmarshal(raw, &records); err != nil {
		return nil, notifyUnknown, fmt.Errorf("records: %w", err)
	}
	var refs []s3Ref
	for i, r := range records {
		if r.EventSource != "aws:s3" || !strings.HasPrefix(r.EventVersion, "2.") {
			return nil, notifyUnknown, fmt.Errorf("record %d is not an S3 event (eventSource %q, eventVersion %q)", i, r.EventSource, r.EventVersion)
		}
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue // deletions and the like name nothing to read
		}
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return nil, notifyUnknown, fmt.Errorf("record %d: key %q: %w", i, r.S3.Object.Key, err)
		}
		if r.S3.Bucket.Name == "" || key == "" {
			return nil, notifyUnknown, fmt.Errorf("record %d has no bucket or key", i)
		}
		refs = append(refs, s3Ref{r.S3.Bucket.Name, key})
	}
	return refs, notifyObjects, nil
}
