// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package sqsdouble is an in-process Amazon SQS server for tests. It speaks
// the AWS JSON 1.0 protocol the AWS SDK for Go v2 uses (POST / with
// X-Amz-Target: AmazonSQS.<Operation>) and implements the operations a
// consumer needs, with SQS's visibility-timeout semantics: a received
// message is invisible until its timeout ends, then is received again with
// ApproximateReceiveCount one higher and a new receipt handle; deleting with
// a receipt handle that is no longer the latest succeeds but does not delete
// (as the SQS documentation says of DeleteMessage).
//
// A fault switch takes the endpoint down for a while: connections are
// refused, or every request is answered with HTTP 500.
//
// Consumers can be told apart by the path of the endpoint they are given:
// the SDK sends its requests to its BaseEndpoint's path, so consumers
// pointed at URL()+"/a" and URL()+"/b" share the queues, and each message
// remembers the path of the receive that last handed it out (ReceivedBy).
package sqsdouble // import "github.com/personalize-audit/otelcol-personalize/tests/sqsdouble"

import (
	"context"
	"crypto/md5" //nolint:gosec // SQS's body checksum is MD5
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AccountID is the account in the queue URLs.
const AccountID = "123456789012"

// DefaultVisibilityTimeout is the queue's visibility timeout when a receive
// does not set one (SQS's default).
const DefaultVisibilityTimeout = 30 * time.Second

// Fault is how the server fails while it is down.
type Fault int

const (
	// Refuse closes the listener: connections are refused.
	Refuse Fault = iota
	// InternalError answers every request with HTTP 500.
	InternalError
)

// Message is a snapshot of a message's state.
type Message struct {
	ID           string
	Body         string
	ReceiveCount int
	Deleted      bool
	// Visible says whether it can be received now.
	Visible bool
	// Extensions counts the successful ChangeMessageVisibility calls.
	Extensions int
	// ReceivedBy is the URL path ("/" for URL() itself) of the endpoint of
	// the latest ReceiveMessage that returned the message; "" before any.
	ReceivedBy string
}

type message struct {
	id         string
	body       string
	sent       time.Time
	firstRecv  time.Time
	receives   int
	visibleAt  time.Time
	handle     string // latest receipt handle
	receivedBy string // endpoint path of the latest receive
	deleted    bool
	extensions int
}

type queue struct {
	name     string
	messages []*message
	handles  map[string]*message // every receipt handle ever issued
}

// Server is the SQS double.
type Server struct {
	addr string

	mu        sync.Mutex
	queues    map[string]*queue
	seq       int
	calls     map[string]int
	fault     Fault
	downUntil time.Time
	listener  net.Listener
	srv       *http.Server
	closed    bool
	now       func() time.Time
}

// New starts a server on 127.0.0.1; Close stops it.
func New() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		addr:   ln.Addr().String(),
		queues: make(map[string]*queue),
		calls:  make(map[string]int),
		now:    time.Now,
	}
	s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.listener, s.srv = ln, srv
	go func() { _ = srv.Serve(ln) }()
}

// URL is the endpoint, for the SDK's BaseEndpoint.
func (s *Server) URL() string { return "http://" + s.addr }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

// CreateQueue creates a queue and returns its URL.
func (s *Server) CreateQueue(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues[name] == nil {
		s.queues[name] = &queue{name: name, handles: make(map[string]*message)}
	}
	return s.URL() + "/" + AccountID + "/" + name
}

// Down makes the endpoint fail for d, in the given way.
func (s *Server) Down(d time.Duration, fault Fault) {
	s.mu.Lock()
	s.fault, s.downUntil = fault, s.now().Add(d)
	if fault != Refuse || s.srv == nil {
		s.mu.Unlock()
		return
	}
	// Close the listener and every connection, and listen again on the
	// same address once the outage is over.
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	_ = srv.Close()
	go func() {
		time.Sleep(d)
		for {
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				return
			}
			ln, err := net.Listen("tcp", s.addr)
			if err == nil {
				s.serve(ln)
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}()
}

// Calls returns how many times an operation was called (successfully or not).
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Messages returns the state of the messages of a queue, in sending order.
func (s *Server) Messages(name string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[name]
	if q == nil {
		return nil
	}
	now := s.now()
	out := make([]Message, 0, len(q.messages))
	for _, m := range q.messages {
		out = append(out, Message{ID: m.id, Body: m.body, ReceiveCount: m.receives, Deleted: m.deleted, Visible: !m.deleted && !m.visibleAt.After(now), Extensions: m.extensions, ReceivedBy: m.receivedBy})
	}
	return out
}

// Send adds a message to a queue directly (as SendMessage does).
func (s *Server) Send(name, body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.send(s.queues[name], body)
}

func (s *Server) send(q *queue, body string) string {
	s.seq++
	m := &message{id: fmt.Sprintf("msg-%06d", s.seq), body: body, sent: s.now()}
	q.messages = append(q.messages, m)
	return m.id
}

// apiError is an SQS error response.
type apiError struct {
	status int
	code   string // the JSON protocol's error type
	query  string // the awsQuery-compatible code (X-Amzn-Query-Error)
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func invalid(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterValue", "InvalidParameterValue", msg}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSQS.")
	s.mu.Lock()
	s.calls[op]++
	down := s.now().Before(s.downUntil) && s.fault == InternalError
	s.mu.Unlock()
	if down {
		writeError(w, &apiError{http.StatusInternalServerError, "InternalError", "InternalError", "injected outage"})
		return
	}
	if r.Method != http.MethodPost || !ok || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", "InvalidAction", "not an AmazonSQS JSON 1.0 request"})
		return
	}
	var req map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "SerializationException", "MalformedInput", err.Error()})
		return
	}
	var (
		resp any
		err  error
	)
	switch op {
	case "SendMessage":
		resp, err = s.withQueue(req, s.sendMessage)
	case "ReceiveMessage":
		resp, err = s.receiveMessage(r.Context(), req, r.URL.Path)
	case "DeleteMessage":
		resp, err = s.withQueue(req, s.deleteMessage)
	case "DeleteMessageBatch":
		resp, err = s.withQueue(req, s.deleteMessageBatch)
	case "ChangeMessageVisibility":
		resp, err = s.withQueue(req, s.changeMessageVisibility)
	case "GetQueueAttributes":
		resp, err = s.withQueue(req, s.getQueueAttributes)
	default:
		err = &apiError{http.StatusBadRequest, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", op + " is not implemented by the double"}
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = invalid(err.Error())
		}
		writeError(w, ae)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("X-Amzn-Query-Error", e.query+";"+fault)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + e.code, "message": e.msg})
}

func str(req map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := req[name]
	if !ok {
		return "", false
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return v, true
}

func num(req map[string]json.RawMessage, name string) (int, bool, error) {
	raw, ok := req[name]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, invalid(name + " must be an integer")
	}
	return v, true, nil
}

// withQueue runs a queue operation under the lock, on the queue that req's
// QueueUrl names.
func (s *Server) withQueue(req map[string]json.RawMessage, op func(*queue, map[string]json.RawMessage) (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueOf(req)
	if err != nil {
		return nil, err
	}
	return op(q, req)
}

// queueOf returns the queue named by the request's QueueUrl. s.mu is held.
func (s *Server) queueOf(req map[string]json.RawMessage) (*queue, error) {
	u, _ := str(req, "QueueUrl")
	name := u[strings.LastIndexByte(u, '/')+1:]
	q := s.queues[name]
	if q == nil {
		return nil, &apiError{http.StatusBadRequest, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."}
	}
	return q, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // SQS's body checksum
	return hex.EncodeToString(sum[:])
}

func (s *Server) sendMessage(q *queue, req map[string]json.RawMessage) (any, error) {
	body, ok := str(req, "MessageBody")
	if !ok || body == "" {
		return nil, &apiError{http.StatusBadRequest, "MissingParameter", "MissingParameter", "MessageBody is required"}
	}
	id := s.send(q, body)
	return map[string]string{"MessageId": id, "MD5OfMessageBody": md5Hex(body)}, nil
}

func (s *Server) receiveMessage(ctx context.Context, req map[string]json.RawMessage, consumer string) (any, error) {
	maxN, set, err := num(req, "MaxNumberOfMessages")
	if err != nil {
		return nil, err
	}
	if !set {
		maxN = 1
	}
	if maxN < 1 || maxN > 10 {
		return nil, invalid("MaxNumberOfMessages must be between 1 and 10")
	}
	wait, _, err := num(req, "WaitTimeSeconds")
	if err != nil {
		return nil, err
	}
	if wait < 0 || wait > 20 {
		return nil, invalid("WaitTimeSeconds must be between 0 and 20")
	}
	vis, visSet, err := num(req, "VisibilityTimeout")
	if err != nil {
		return nil, err
	}
	visibility := DefaultVisibilityTimeout
	if visSet {
		if vis < 0 || vis > 43200 {
			return nil, invalid("VisibilityTimeout must be between 0 and 43200")
		}
		visibility = time.Duration(vis) * time.Second
	}
	wanted := map[string]bool{}
	for _, field := range []string{"AttributeNames", "MessageSystemAttributeNames"} {
		var names []string
		if raw, ok := req[field]; ok {
			_ = json.Unmarshal(raw, &names)
		}
		for _, n := range names {
			wanted[n] = true
		}
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		s.mu.Lock()
		q, err := s.queueOf(req)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		now := s.now()
		var msgs []map[string]any
		for _, m := range q.messages {
			if len(msgs) == maxN {
				break
			}
			if m.deleted || m.visibleAt.After(now) {
				continue
			}
			m.receives++
			if m.firstRecv.IsZero() {
				m.firstRecv = now
			}
			s.seq++
			m.handle = fmt.Sprintf("rh-%s-%d-%d", m.id, m.receives, s.seq)
			q.handles[m.handle] = m
			m.visibleAt = now.Add(visibility)
			m.receivedBy = consumer
			msgs = append(msgs, map[string]any{
				"MessageId":     m.id,
				"ReceiptHandle": m.handle,
				"MD5OfBody":     md5Hex(m.body),
				"Body":          m.body,
				"Attributes":    attributes(m, wanted),
			})
		}
		s.mu.Unlock()
		if len(msgs) > 0 || !time.Now().Before(deadline) {
			if len(msgs) == 0 {
				return map[string]any{}, nil
			}
			return map[string]any{"Messages": msgs}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func attributes(m *message, wanted map[string]bool) map[string]string {
	all := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstRecv.UnixMilli(), 10),
		"SenderId":                         "AIDAEXAMPLE",
	}
	out := map[string]string{}
	for k, v := range all {
		if wanted["All"] || wanted[k] {
			out[k] = v
		}
	}
	return out
}

// handleOf finds the message of a receipt handle. s.mu is held.
func (s *Server) handleOf(q *queue, handle string) (*message, error) {
	m := q.handles[handle]
	if m == nil {
		return nil, &apiError{http.StatusBadRequest, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", handle)}
	}
	return m, nil
}

// deleteLocked deletes by receipt handle. s.mu is held.
func (s *Server) deleteLocked(q *queue, handle string) error {
	m, err := s.handleOf(q, handle)
	if err != nil {
		return err
	}
	if m.handle == handle {
		m.deleted = true
	}
	// A stale handle: the request succeeds, the message stays.
	return nil
}

func (s *Server) deleteMessage(q *queue, req map[string]json.RawMessage) (any, error) {
	handle, _ := str(req, "ReceiptHandle")
	if err := s.deleteLocked(q, handle); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

func (s *Server) deleteMessageBatch(q *queue, req map[string]json.RawMessage) (any, error) {
	var entries []struct{ Id, ReceiptHandle string } //nolint:revive // SQS's field names
	if raw, ok := req["Entries"]; ok {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, invalid("Entries: " + err.Error())
		}
	}
	if len(entries) == 0 || len(entries) > 10 {
		return nil, &apiError{http.StatusBadRequest, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "between 1 and 10 entries"}
	}
	successful := []map[string]string{}
	failed := []map[string]any{}
	for _, e := range entries {
		if err := s.deleteLocked(q, e.ReceiptHandle); err != nil {
			var ae *apiError
			errors.As(err, &ae)
			failed = append(failed, map[string]any{"Id": e.Id, "SenderFault": true, "Code": ae.query, "Message": ae.msg})
			continue
		}
		successful = append(successful, map[string]string{"Id": e.Id})
	}
	return map[string]any{"Successful": successful, "Failed": failed}, nil
}

func (s *Server) changeMessageVisibility(q *queue, req map[string]json.RawMessage) (any, error) {
	handle, _ := str(req, "ReceiptHandle")
	vis, set, err := num(req, "VisibilityTimeout")
	if err != nil {
		return nil, err
	}
	if !set || vis < 0 || vis > 43200 {
		return nil, invalid("VisibilityTimeout must be between 0 and 43200")
	}
	m, err := s.handleOf(q, handle)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if m.deleted || m.handle != handle || !m.visibleAt.After(now) {
		return nil, &apiError{http.StatusBadRequest, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "Message does not exist or is not available for visibility timeout change."}
	}
	m.visibleAt = now.Add(time.Duration(vis) * time.Second)
	m.extensions++
	return map[string]any{}, nil
}

func (s *Server) getQueueAttributes(q *queue, req map[string]json.RawMessage) (any, error) {
	now := s.now()
	visible, notVisible := 0, 0
	for _, m := range q.messages {
		switch {
		case m.deleted:
		case m.visibleAt.After(now):
			notVisible++
		default:
			visible++
		}
	}
	return map[string]any{"Attributes": map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(notVisible),
		"VisibilityTimeout":                     strconv.Itoa(int(DefaultVisibilityTimeout / time.Second)),
		"QueueArn":                              "arn:aws:sqs:us-east-1:" + AccountID + ":" + q.name,
	}}, nil
}
