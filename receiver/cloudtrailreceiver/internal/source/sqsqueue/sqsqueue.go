// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package sqsqueue is the source that receives S3 or CloudTrail
// notifications from an SQS queue, long-polling, and hands over the objects
// they name.
package sqsqueue // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/sqsqueue"

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/cenkalti/backoff/v7"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source/s3bucket"
)

// API is the part of the SQS client the source uses.
type API interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// S3API is the part of the S3 client the SQS source uses.
type S3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Backoff of the receive loop while SQS cannot be reached.
const (
	sqsErrorBackoffMin = 100 * time.Millisecond
	sqsErrorBackoffMax = 10 * time.Second
)

// sqsMessage is a received message and the objects it names.
type sqsMessage struct {
	id, handle   string
	receiveCount int
	objects      []*sqsObject
	settled      int
	// stop ends the visibility heartbeat.
	stop     context.CancelFunc
	finished bool
}

// emptyReceiveWait is the wait after a receive without long polling that
// returned nothing, so that an empty queue is asked once a second.
const emptyReceiveWait = time.Second

// sqsObject is an object named by one or more messages of a receive.
type sqsObject struct {
	bucket, key string
	obj         *source.Object
	msgs        []*sqsMessage
	settled     bool
	done        bool
	failure     string
}

// Source receives S3 or CloudTrail notifications from an SQS queue and
// offers the CloudTrail log files they name. A message is deleted only once
// every record of every object it names was accepted downstream (or the
// object was already read); otherwise it is left to come back after its
// visibility timeout, and given up on after max_receive_count receives.
// While its objects are being read its visibility timeout is extended, so a
// slow downstream does not make it reappear. Its Settle callbacks are safe
// for concurrent use.
type Source struct {
	cfg    Config
	sqs    API
	s3     S3API
	logger *zap.Logger
	// retryWait spaces the receives while SQS cannot be reached.
	retryWait backoff.ExponentialBackOff

	mu sync.Mutex
}

// New returns the source of cfg.
func New(cfg Config, sqsClient API, s3Client S3API, logger *zap.Logger) *Source {
	s := &Source{cfg: cfg, sqs: sqsClient, s3: s3Client, logger: logger, retryWait: backoff.ExponentialBackOff{
		InitialInterval: sqsErrorBackoffMin, MaxInterval: sqsErrorBackoffMax, Multiplier: 2, RandomizationFactor: 0.2,
	}}
	s.retryWait.Reset()
	return s
}

// Describe says what the source reads.
func (s *Source) Describe() source.Description {
	return source.Description{
		Kind:     "sqs",
		Location: s.cfg.QueueURL,
		Watching: "waiting for new notifications on the queue",
		Workers:  s.cfg.Workers,
	}
}

// wanted reports whether the object under key is offered: a CloudTrail log
// file, or with any_key any object (the processor still skips, and counts,
// digests by their path as for every source).
func (s *Source) wanted(key string) bool {
	return s.cfg.AnyKey || s3keys.IsLogFile(key)
}

// Next receives a batch of messages (long-polling for wait_time) and hands
// over the objects they name, with their size and ETag read from S3. The
// messages of the previous batch are all finished by now: the core settles
// every object it was handed, read or not.
func (s *Source) Next(ctx context.Context) (source.Listing, error) {
	out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.cfg.QueueURL),
		MaxNumberOfMessages:         int32(s.cfg.MaxMessages),
		WaitTimeSeconds:             int32(s.cfg.WaitTime / time.Second),
		VisibilityTimeout:           int32(s.cfg.VisibilityTimeout / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		if ctx.Err() != nil {
			return source.Listing{}, ctx.Err()
		}
		// Wait before the next receive, so an unreachable queue is not
		// hammered; the caller logs the error.
		wait := s.retryWait.NextBackOff()
		sleep(ctx, wait)
		return source.Listing{}, fmt.Errorf("receiving from %s (next attempt in %v): %w", s.cfg.QueueURL, wait.Round(time.Millisecond), err)
	}
	s.retryWait.Reset()
	if len(out.Messages) == 0 && s.cfg.WaitTime == 0 {
		sleep(ctx, emptyReceiveWait)
	}

	var objects []*sqsObject
	byPath := make(map[string]*sqsObject)
	for _, m := range out.Messages {
		msg := &sqsMessage{id: aws.ToString(m.MessageId), handle: aws.ToString(m.ReceiptHandle)}
		msg.receiveCount, _ = strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		refs, kind, err := parseNotification(aws.ToString(m.Body))
		switch kind {
		case notifyTest:
			s.logger.Debug("Deleting a test notification", zap.String("message_id", msg.id))
			s.delete(ctx, msg)
			continue
		case notifyUnknown:
			s.unknown(ctx, msg, err)
			continue
		}
		for _, ref := range refs {
			if !s.wanted(ref.key) {
				s.logger.Debug("Ignoring an object that is not a CloudTrail log file", zap.String("message_id", msg.id),
					zap.String("bucket", ref.bucket), zap.String("key", ref.key))
				continue
			}
			p := "s3://" + ref.bucket + "/" + ref.key
			o := byPath[p]
			if o == nil {
				o = &sqsObject{bucket: ref.bucket, key: ref.key}
				byPath[p] = o
				objects = append(objects, o)
			}
			if len(o.msgs) == 0 || o.msgs[len(o.msgs)-1] != msg {
				o.msgs = append(o.msgs, msg)
				msg.objects = append(msg.objects, o)
			}
		}
		if len(msg.objects) == 0 {
			s.logger.Debug("Deleting a notification that names no CloudTrail log file", zap.String("message_id", msg.id))
			s.delete(ctx, msg)
			continue
		}
		hbCtx, stop := context.WithCancel(ctx)
		msg.stop = stop
		go s.heartbeat(hbCtx, msg)
	}
	s.describe(ctx, objects)
	listed := make([]*source.Object, len(objects))
	for i, o := range objects {
		listed[i] = o.obj
	}
	// A receive that returned messages may have left more in the queue; it
	// is drained only when a receive returns none.
	return source.Listing{Objects: listed, Backlog: len(out.Messages) > 0}, nil
}

// describe makes the objects to hand over, reading each one's size and
// ETag (the identity of its content), which notifications do not always
// carry, up to workers at once.
func (s *Source) describe(ctx context.Context, objects []*sqsObject) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(s.cfg.Workers, 1))
	for _, o := range objects {
		content := &awsclient.S3Object{Client: s.s3, Bucket: o.bucket, Key: o.key, MissingRetry: true}
		o.obj = &source.Object{
			Name: content.URL(),
			Attrs: []source.Attr{
				{Key: s3bucket.AttrS3Bucket, Value: o.bucket},
				{Key: s3bucket.AttrS3Key, Value: o.key},
				{Key: s3bucket.AttrLogFileName, Value: path.Base(o.key)},
			},
			Settle: func(r source.Result) { s.settle(o, r) },
		}
		if source.IsDigest(o.key) {
			continue // skipped unread by the core
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(o.key)})
			if err != nil {
				// A missing object may still appear (replication): the
				// message comes back until max_receive_count.
				o.obj.Err = awsclient.ReadError(o.bucket, o.key, err, true)
				return
			}
			content.ETag = aws.ToString(out.ETag)
			o.obj.Key = "s3:" + o.bucket + "/" + o.key
			o.obj.Size, o.obj.ModTime, o.obj.Content = aws.ToInt64(out.ContentLength), aws.ToTime(out.LastModified), content
		}()
	}
	wg.Wait()
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// unknown handles a message that is not understood: it is left to come back
// (and to the queue's redrive policy) until max_receive_count.
func (s *Source) unknown(ctx context.Context, msg *sqsMessage, err error) {
	fields := []zap.Field{zap.String("message_id", msg.id), zap.Int("approximate_receive_count", msg.receiveCount), zap.Error(err)}
	if msg.receiveCount >= s.cfg.MaxReceiveCount && s.cfg.OnMaxReceive == OnMaxReceiveDelete {
		s.logger.Error("Deleting an SQS message that is not a CloudTrail or S3 notification after max_receive_count receives", fields...)
		s.delete(ctx, msg)
		return
	}
	if msg.receiveCount >= s.cfg.MaxReceiveCount {
		s.logger.Error("SQS message that is not a CloudTrail or S3 notification reached max_receive_count; leaving it to the queue's redrive policy", fields...)
		return
	}
	s.logger.Warn("SQS message is not a CloudTrail or S3 notification; leaving it in the queue", fields...)
}

// heartbeat extends the message's visibility every half timeout until stopped.
func (s *Source) heartbeat(ctx context.Context, msg *sqsMessage) {
	t := time.NewTicker(s.cfg.VisibilityTimeout / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := s.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl:          aws.String(s.cfg.QueueURL),
			ReceiptHandle:     aws.String(msg.handle),
			VisibilityTimeout: int32(s.cfg.VisibilityTimeout / time.Second),
		})
		if err != nil && ctx.Err() == nil {
			// The message may come back while its objects are read; they
			// are then skipped thanks to their checkpoints.
			s.logger.Warn("Cannot extend the visibility timeout of an SQS message", zap.String("message_id", msg.id), zap.Error(err))
		}
	}
}

func (s *Source) delete(ctx context.Context, msg *sqsMessage) {
	_, err := s.sqs.DeleteMessage(context.WithoutCancel(ctx), &sqs.DeleteMessageInput{
		QueueUrl:      aws.String(s.cfg.QueueURL),
		ReceiptHandle: aws.String(msg.handle),
	})
	if err != nil {
		// It comes back; its objects are skipped thanks to their checkpoints.
		s.logger.Warn("Cannot delete an SQS message; it will be received again", zap.String("message_id", msg.id), zap.Error(err))
	}
}

// Forgettable: an object is read when a notification names it, so its
// checkpoint only guards against the same notification coming back, which
// SQS cannot do after its longest message retention (14 days); the
// retention itself is the wait (config validation holds it to a week at
// least, so two looks are past those 14 days).
func (*Source) Forgettable(func(string) (string, error)) func(key string) bool {
	return func(string) bool { return true }
}

// settle records what became of an object and finishes the messages whose
// objects are all settled.
func (s *Source) settle(o *sqsObject, r source.Result) {
	s.mu.Lock()
	if o.settled {
		s.mu.Unlock()
		return
	}
	o.settled, o.done, o.failure = true, r.Done, r.Failure
	var ready []*sqsMessage
	for _, m := range o.msgs {
		m.settled++
		if m.settled == len(m.objects) && !m.finished {
			m.finished = true
			ready = append(ready, m)
		}
	}
	s.mu.Unlock()
	for _, m := range ready {
		s.finish(m)
	}
}

// finish deletes a message whose objects were all read, and otherwise
// leaves it to come back, or gives up on it after max_receive_count.
func (s *Source) finish(m *sqsMessage) {
	m.stop()
	ok, failed := true, false
	for _, o := range m.objects {
		if !o.done || o.failure != "" {
			ok = false
		}
		if o.failure != "" {
			failed = true
			s.logger.Error("CloudTrail object named by an SQS message could not be read",
				zap.String("bucket", o.bucket), zap.String("key", o.key), zap.String("reason", o.failure),
				zap.String("message_id", m.id), zap.Int("approximate_receive_count", m.receiveCount),
				zap.Int("max_receive_count", s.cfg.MaxReceiveCount))
		}
	}
	ctx := context.Background()
	switch {
	case ok:
		s.delete(ctx, m)
	case failed && m.receiveCount >= s.cfg.MaxReceiveCount:
		if s.cfg.OnMaxReceive == OnMaxReceiveDelete {
			s.logger.Error("Giving up on an SQS message whose objects cannot be read: deleting it after max_receive_count receives",
				zap.String("message_id", m.id), zap.Int("approximate_receive_count", m.receiveCount))
			s.delete(ctx, m)
			return
		}
		s.logger.Error("SQS message whose objects cannot be read reached max_receive_count; leaving it to the queue's redrive policy",
			zap.String("message_id", m.id), zap.Int("approximate_receive_count", m.receiveCount))
	default:
		// Not accepted downstream yet (or failed): it comes back after its
		// visibility timeout and resumes from the objects' checkpoints.
	}
}
