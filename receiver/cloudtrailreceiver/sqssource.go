package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

import (
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.uber.org/zap"

	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/s3keys"
)

// sqsAPI is the part of the SQS client the source uses.
type sqsAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// s3ObjectAPI is the part of the S3 client the SQS source uses.
type s3ObjectAPI interface {
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

// sqsObject is an object named by one or more messages of a receive.
type sqsObject struct {
	bucket, key string
	f           *file
	msgs        []*sqsMessage
	settled     bool
	done        bool
	failure     string
}

// sqsSource receives S3 or CloudTrail notifications from an SQS queue and
// offers the CloudTrail log files they name. A message is deleted only once
// every record of every object it names was accepted downstream (or the
// object was already read); otherwise it is left to come back after its
// visibility timeout, and given up on after max_receive_count receives.
// While its objects are being read its visibility timeout is extended, so a
// slow downstream does not make it reappear. It is safe for concurrent use.
type sqsSource struct {
	cfg    SQSConfig
	sqs    sqsAPI
	s3     s3ObjectAPI
	logger *zap.Logger

	mu sync.Mutex
	// more: the last receive returned messages, so more may be waiting;
	// the queue is drained only when a receive returns none.
	more     bool
	inflight []*sqsMessage
	byPath   map[string]*sqsObject
	backoff  time.Duration
}

func newSQSSource(cfg SQSConfig, sqsClient sqsAPI, s3Client s3ObjectAPI, logger *zap.Logger) *sqsSource {
	return &sqsSource{cfg: cfg, sqs: sqsClient, s3: s3Client, logger: logger, byPath: make(map[string]*sqsObject)}
}

func (*sqsSource) String() string { return "sqs" }

// wanted reports whether the object under key is offered: a CloudTrail log
// file, or with any_key any object (the processor still skips, and counts,
// digests by their path as for every source).
func (s *sqsSource) wanted(key string) bool {
	return s.cfg.AnyKey || s3keys.IsLogFile(key)
}

// interval: receives long-poll, so the next one starts at once; without
// long polling an empty queue is asked once a second.
func (s *sqsSource) interval() time.Duration {
	if s.cfg.WaitTime == 0 {
		return time.Second
	}
	return time.Millisecond
}

func (*sqsSource) complete() bool { return true }

func (s *sqsSource) backlog() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.more
}

// poll receives a batch of messages and offers the objects they name. The
// messages of the previous batch are all finished by now, except those whose
// objects the processor did not get to (it stopped): they are released to
// come back.
func (s *sqsSource) poll(ctx context.Context) ([]*file, error) {
	s.releaseLeftovers()
	out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.cfg.QueueURL),
		MaxNumberOfMessages:         int32(s.cfg.MaxMessages),
		WaitTimeSeconds:             int32(s.cfg.WaitTime / time.Second),
		VisibilityTimeout:           int32(s.cfg.VisibilityTimeout / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Wait before the next receive, so an unreachable queue is not
		// hammered; the pollOnce caller logs the error.
		s.backoff = min(max(2*s.backoff, sqsErrorBackoffMin), sqsErrorBackoffMax)
		t := time.NewTimer(s.backoff)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		return nil, fmt.Errorf("receiving from %s (next attempt in %v): %w", s.cfg.QueueURL, s.backoff, err)
	}
	s.backoff = 0

	var files []*file
	s.mu.Lock()
	defer s.mu.Unlock()
	s.more = len(out.Messages) > 0
	clear(s.byPath)
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
			o := s.byPath[p]
			if o == nil {
				o = &sqsObject{bucket: ref.bucket, key: ref.key, f: &file{
					path: p,
					size: -1, // unknown until identify reads the object's metadata
					attrs: []fileAttr{
						{attrS3Bucket, ref.bucket},
						{attrS3Key, ref.key},
						{attrLogFileName, path.Base(ref.key)},
					},
				}}
				s.byPath[p] = o
				files = append(files, o.f)
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
		s.inflight = append(s.inflight, msg)
		go s.heartbeat(hbCtx, msg)
	}
	return files, nil
}

// unknown handles a message that is not understood: it is left to come back
// (and to the queue's redrive policy) until max_receive_count.
func (s *sqsSource) unknown(ctx context.Context, msg *sqsMessage, err error) {
	fields := []zap.Field{zap.String("message_id", msg.id), zap.Int("approximate_receive_count", msg.receiveCount), zap.Error(err)}
	if msg.receiveCount >= s.cfg.MaxReceiveCount && s.cfg.OnMaxReceive == onMaxReceiveDelete {
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
func (s *sqsSource) heartbeat(ctx context.Context, msg *sqsMessage) {
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

// releaseLeftovers stops the heartbeats of the messages whose objects were
// not all processed, so that they come back after their timeout.
func (s *sqsSource) releaseLeftovers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.inflight {
		if !m.finished {
			m.finished = true
			m.stop()
			s.logger.Debug("SQS message not fully processed; it will come back", zap.String("message_id", m.id))
		}
	}
	s.inflight = s.inflight[:0]
}

func (s *sqsSource) delete(ctx context.Context, msg *sqsMessage) {
	_, err := s.sqs.DeleteMessage(context.WithoutCancel(ctx), &sqs.DeleteMessageInput{
		QueueUrl:      aws.String(s.cfg.QueueURL),
		ReceiptHandle: aws.String(msg.handle),
	})
	if err != nil {
		// It comes back; its objects are skipped thanks to their checkpoints.
		s.logger.Warn("Cannot delete an SQS message; it will be received again", zap.String("message_id", msg.id), zap.Error(err))
	}
}

// identify reads the object's metadata: its size and ETag (the identity of
// its content, see fingerprintAt), which notifications do not always carry.
func (s *sqsSource) identify(ctx context.Context, f *file) (key, prevKey string, err error) {
	bucket, key := s.split(f)
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		// A missing object may still appear (replication): the message
		// comes back until max_receive_count.
		return "", "", s3ReadError(bucket, key, err, true)
	}
	f.size, f.modTime, f.tag = aws.ToInt64(out.ContentLength), aws.ToTime(out.LastModified), aws.ToString(out.ETag)
	return "s3:" + bucket + "/" + key, "", nil
}

func (*sqsSource) split(f *file) (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(f.path, "s3://"), "/")
	return bucket, key
}

func (*sqsSource) fingerprintAt(_ context.Context, f *file, _ int64) (string, error) {
	return "etag:" + strings.Trim(f.tag, `"`), nil
}

func (s *sqsSource) open(ctx context.Context, f *file) (io.ReadCloser, error) {
	bucket, key := s.split(f)
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s3ReadError(bucket, key, err, true)
	}
	return &s3Body{ReadCloser: out.Body, path: f.path}, nil
}

func (*sqsSource) stat(_ context.Context, f *file) (int64, time.Time, error) {
	return f.size, f.modTime, nil
}

// forgettable: an object is read when a notification names it, so its
// checkpoint only guards against the same notification coming back, which
// SQS cannot do after its longest message retention (14 days); the
// retention itself is the wait (config validation holds it to a week at
// least, so two looks are past those 14 days).
func (*sqsSource) forgettable(func(string) (string, error)) func(key string) bool {
	return func(string) bool { return true }
}

// settle records what became of an object and finishes the messages whose
// objects are all settled.
func (s *sqsSource) settle(f *file, done bool) {
	s.mu.Lock()
	o := s.byPath[f.path]
	if o == nil || o.settled {
		s.mu.Unlock()
		return
	}
	o.settled, o.done, o.failure = true, done, f.failure
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
func (s *sqsSource) finish(m *sqsMessage) {
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
		if s.cfg.OnMaxReceive == onMaxReceiveDelete {
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
