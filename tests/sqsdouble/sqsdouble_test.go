// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package sqsdouble

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

func newClient(t *testing.T) (*Server, *sqs.Client, string) {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := sqs.New(sqs.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return s, c, s.CreateQueue("q")
}

func receive(t *testing.T, c *sqs.Client, url string, vis, wait int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: vis, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestVisibilityTimeoutSemantics drives the double with the real SDK client
// (which also checks the MD5 of every body).
func TestVisibilityTimeoutSemantics(t *testing.T) {
	s, c, url := newClient(t)
	ctx := context.Background()
	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"hello":"world"}`)})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}

	msgs := receive(t, c, url, 1, 0)
	if len(msgs) != 1 || aws.ToString(msgs[0].MessageId) != aws.ToString(sent.MessageId) || aws.ToString(msgs[0].Body) != `{"hello":"world"}` {
		t.Fatalf("first receive: %+v", msgs)
	}
	if got := msgs[0].Attributes["ApproximateReceiveCount"]; got != "1" {
		t.Fatalf("ApproximateReceiveCount = %q, want 1", got)
	}
	first := aws.ToString(msgs[0].ReceiptHandle)
	if again := receive(t, c, url, 1, 0); len(again) != 0 {
		t.Fatalf("an in-flight message was received again: %+v", again)
	}

	// Extending keeps it invisible past its first timeout.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(first), VisibilityTimeout: 2}); err != nil {
		t.Fatalf("ChangeMessageVisibility: %v", err)
	}
	time.Sleep(1200 * time.Millisecond)
	if again := receive(t, c, url, 1, 0); len(again) != 0 {
		t.Fatal("the extension was not honoured")
	}

	// Long polling waits for it to reappear, with a new handle and count.
	start := time.Now()
	msgs = receive(t, c, url, 30, 5)
	if len(msgs) != 1 || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("long poll returned %d messages after %v", len(msgs), time.Since(start))
	}
	second := aws.ToString(msgs[0].ReceiptHandle)
	if second == first || msgs[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("second receive: handle %q (first %q), count %q", second, first, msgs[0].Attributes["ApproximateReceiveCount"])
	}

	// The stale handle: ChangeMessageVisibility fails, DeleteMessage
	// succeeds without deleting.
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(first), VisibilityTimeout: 10})
	if apiCode(err) != "AWS.SimpleQueueService.MessageNotInflight" && apiCode(err) != "MessageNotInflight" {
		t.Fatalf("ChangeMessageVisibility with a stale handle: %v", err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(first)}); err != nil {
		t.Fatalf("DeleteMessage with a stale handle: %v", err)
	}
	if m := s.Messages("q"); m[0].Deleted {
		t.Fatal("a stale handle deleted the message")
	}
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("garbage")})
	if apiCode(err) != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessage with an invalid handle: %v", err)
	}
	batch, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: aws.String(second)},
		{Id: aws.String("b"), ReceiptHandle: aws.String("garbage")},
	}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Id) != "b" {
		t.Fatalf("DeleteMessageBatch: %+v, %v", batch, err)
	}
	if m := s.Messages("q"); !m[0].Deleted || m[0].ReceiveCount != 2 || m[0].Extensions != 1 {
		t.Fatalf("message state %+v", m[0])
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("GetQueueAttributes: %+v, %v", attrs, err)
	}
}

func TestFaults(t *testing.T) {
	s, c, url := newClient(t)
	ctx := context.Background()
	s.Send("q", "x")

	s.Down(300*time.Millisecond, InternalError)
	_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("while down (500): %v", err)
	}
	time.Sleep(350 * time.Millisecond)
	if msgs := receive(t, c, url, 0, 0); len(msgs) != 1 {
		t.Fatalf("after the outage: %d messages", len(msgs))
	}

	s.Down(300*time.Millisecond, Refuse)
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err == nil || (errors.As(err, &re) && re.HTTPStatusCode() != 0) {
		t.Fatalf("while down (refused): %v", err)
	}
	// A fresh connection is refused.
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("while down (refused): %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the endpoint never came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReceivedBy: consumers given different endpoint paths share the queue,
// and each message names the path of the receive that last handed it out.
func TestReceivedBy(t *testing.T) {
	s, _, url := newClient(t)
	client := func(path string) *sqs.Client {
		return sqs.New(sqs.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(s.URL() + path),
			Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
			RetryMaxAttempts: 1,
		})
	}
	a, b := client("/consumer-a"), client("/consumer-b")
	s.Send("q", "one")
	s.Send("q", "two")
	if m := s.Messages("q"); m[0].ReceivedBy != "" {
		t.Fatalf("ReceivedBy before any receive: %q", m[0].ReceivedBy)
	}
	ctx := context.Background()
	recv := func(c *sqs.Client, vis int32) int {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, VisibilityTimeout: vis})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		return len(out.Messages)
	}
	if recv(a, 1) != 1 || recv(b, 30) != 1 {
		t.Fatal("a receive got nothing")
	}
	if m := s.Messages("q"); m[0].ReceivedBy != "/consumer-a" || m[1].ReceivedBy != "/consumer-b" {
		t.Fatalf("ReceivedBy = %q, %q, want /consumer-a, /consumer-b", m[0].ReceivedBy, m[1].ReceivedBy)
	}
	// The first message's timeout ends: b gets it.
	time.Sleep(1100 * time.Millisecond)
	if recv(b, 30) != 1 {
		t.Fatal("the message did not come back")
	}
	if m := s.Messages("q"); m[0].ReceivedBy != "/consumer-b" || m[0].ReceiveCount != 2 {
		t.Fatalf("after the timeout: %+v", m[0])
	}
}
