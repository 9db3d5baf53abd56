// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package cloudtraildouble is an in-process CloudTrail API server for tests:
// the LookupEvents operation that reads Event history. It speaks the AWS
// JSON 1.1 protocol the AWS SDK for Go v2 uses (POST / with X-Amz-Target:
// CloudTrail_20131101.LookupEvents), tells regions apart by the region of
// each request's signature, and has LookupEvents' semantics: events whose
// eventTime is in [StartTime, EndTime] (both included; EndTime defaults to
// now, StartTime to 90 days before), newest first, at most MaxResults (50)
// a page, the rest behind an opaque NextToken tied to the query; at most one
// lookup attribute (InvalidLookupAttributesException otherwise);
// ThrottlingException above 2 requests a second per region; nothing older
// than 90 days; and each event visible only some time after its eventTime
// (CloudTrail delivers to Event history within about 5 minutes, sometimes
// later). The clock that decides visibility can be set.
package cloudtraildouble // import "github.com/personalize-audit/otelcol-personalize/tests/cloudtraildouble"

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// AccountID is the account of the records the double makes.
const AccountID = "123456789012"

// Defaults of the double's behaviour.
const (
	// DefaultRate is LookupEvents' documented quota: 2 requests a second
	// per account and region.
	DefaultRate = 2
	// DefaultVisibilityDelay is how long after its eventTime an event
	// becomes visible when Event.Delay is 0.
	DefaultVisibilityDelay = 5 * time.Minute
	retention              = 90 * 24 * time.Hour
	maxResults             = 50
)

// Event is an event of Event history.
type Event struct {
	ID     string
	Source string // eventSource, such as personalize.amazonaws.com
	Name   string // eventName
	Time   time.Time
	// Delay is how long after Time the event becomes visible: 0 takes the
	// server's visibility delay, a negative one makes it visible at once.
	Delay time.Duration
	// Record is the CloudTrailEvent string; empty makes a record of the
	// event's fields (Record makes the same).
	Record string
}

// Server is the CloudTrail double.
type Server struct {
	ln  net.Listener
	srv *http.Server

	mu       sync.Mutex
	events   map[string][]Event // by region
	limiters map[string]*rate.Limiter
	rate     float64
	delay    time.Duration
	now      func() time.Time
	calls    map[string]int
	throttle map[string]int
	fail     map[string]apiError
}

// New starts a server on 127.0.0.1; Close stops it.
func New() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		ln: ln, events: map[string][]Event{}, limiters: map[string]*rate.Limiter{}, rate: DefaultRate,
		delay: DefaultVisibilityDelay, now: time.Now,
		calls: map[string]int{}, throttle: map[string]int{}, fail: map[string]apiError{},
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the endpoint, for the SDK's BaseEndpoint.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Add adds events to a region's Event history.
func (s *Server) Add(region string, events ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		if e.Record == "" {
			e.Record = Record(region, e)
		}
		s.events[region] = append(s.events[region], e)
	}
}

// SetVisibilityDelay sets the delay of events added with Delay 0.
func (s *Server) SetVisibilityDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetClock sets the clock that decides which events are visible and where
// the 90 days end (time.Now by default). Throttling keeps the real clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// SetRate sets the requests a second allowed per region (a burst of as
// many); 0 never throttles.
func (s *Server) SetRate(perSecond float64) {
	s.mu.Lock()
	s.rate, s.limiters = perSecond, map[string]*rate.Limiter{}
	s.mu.Unlock()
}

// Fail makes every request of a region fail with an AWS error code and HTTP
// status (AccessDeniedException and 400, UnrecognizedClientException...);
// an empty code ends it.
func (s *Server) Fail(region, code string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.fail, region)
		return
	}
	s.fail[region] = apiError{status, code, "injected: " + code}
}

// Calls returns the LookupEvents requests a region received, throttled or not.
func (s *Server) Calls(region string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[region]
}

// Throttled returns the requests of a region answered with ThrottlingException.
func (s *Server) Throttled(region string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttle[region]
}

// Record returns the CloudTrail record of a management event, as
// CloudTrailEvent holds it.
func Record(region string, e Event) string {
	rec := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::" + AccountID + ":user/alice",
			"accountId": AccountID, "accessKeyId": "AKIAEXAMPLE", "userName": "alice",
		},
		"eventTime":          e.Time.UTC().Format(time.RFC3339),
		"eventSource":        e.Source,
		"eventName":          e.Name,
		"awsRegion":          region,
		"sourceIPAddress":    "198.51.100.7",
		"userAgent":          "aws-cli/2.22.0",
		"requestParameters":  nil,
		"responseElements":   nil,
		"requestID":          "req-" + e.ID,
		"eventID":            e.ID,
		"readOnly":           strings.HasPrefix(e.Name, "Describe") || strings.HasPrefix(e.Name, "List") || strings.HasPrefix(e.Name, "Get"),
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": AccountID,
		"eventCategory":      "Management",
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

type apiError struct {
	status int
	code   string
	msg    string
}

func writeError(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "message": e.msg})
}

func badRequest(code, msg string) *apiError { return &apiError{http.StatusBadRequest, code, msg} }

// regionOf reads the region of a request's SigV4 credential scope
// (Credential=<key>/<date>/<region>/cloudtrail/aws4_request).
func regionOf(r *http.Request) string {
	_, scope, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	parts := strings.Split(scope, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "CloudTrail_20131101.LookupEvents" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") {
		writeError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "only CloudTrail_20131101.LookupEvents in JSON 1.1 is served"})
		return
	}
	region := regionOf(r)
	if region == "" {
		writeError(w, apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "request is not signed"})
		return
	}
	var req lookupRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[region]++
	if e, ok := s.fail[region]; ok {
		writeError(w, e)
		return
	}
	if s.rate > 0 {
		l := s.limiters[region]
		if l == nil {
			l = rate.NewLimiter(rate.Limit(s.rate), int(math.Max(1, s.rate)))
			s.limiters[region] = l
		}
		if !l.Allow() {
			s.throttle[region]++
			writeError(w, apiError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"})
			return
		}
	}
	resp, err := s.lookup(region, &req)
	if err != nil {
		writeError(w, *err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(resp)
}

type lookupRequest struct {
	StartTime        *float64 `json:"StartTime"`
	EndTime          *float64 `json:"EndTime"`
	MaxResults       *int     `json:"MaxResults"`
	NextToken        *string  `json:"NextToken"`
	EventCategory    string   `json:"EventCategory"`
	LookupAttributes []struct {
		AttributeKey   string `json:"AttributeKey"`
		AttributeValue string `json:"AttributeValue"`
	} `json:"LookupAttributes"`
}

type lookupResponse struct {
	Events    []responseEvent `json:"Events"`
	NextToken string          `json:"NextToken,omitempty"`
}

type responseEvent struct {
	EventID         string  `json:"EventId"`
	EventName       string  `json:"EventName"`
	ReadOnly        string  `json:"ReadOnly"`
	AccessKeyID     string  `json:"AccessKeyId"`
	EventTime       float64 `json:"EventTime"`
	EventSource     string  `json:"EventSource"`
	Username        string  `json:"Username"`
	Resources       []any   `json:"Resources"`
	CloudTrailEvent string  `json:"CloudTrailEvent"`
}

// cursor is what a NextToken holds: the query it continues, and the last
// event returned.
type cursor struct {
	Query string `json:"q"`
	Time  int64  `json:"t"`
	ID    string `json:"id"`
}

func epoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// newer orders events newest first (then by eventID, descending).
func newer(a, b Event) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

func (s *Server) lookup(region string, req *lookupRequest) (*lookupResponse, *apiError) {
	now := s.now()
	end, start := now, now.Add(-retention)
	if req.EndTime != nil {
		end = epoch(*req.EndTime)
	}
	if req.StartTime != nil {
		start = epoch(*req.StartTime)
	}
	if start.After(end) {
		return nil, badRequest("InvalidTimeRangeException", "StartTime is after EndTime")
	}
	limit := maxResults
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > maxResults {
			return nil, badRequest("InvalidMaxResultsException", "MaxResults must be from 1 to 50")
		}
		limit = *req.MaxResults
	}
	if req.EventCategory != "" && req.EventCategory != "insight" {
		return nil, badRequest("InvalidEventCategoryException", "EventCategory must be insight")
	}
	if len(req.LookupAttributes) > 1 {
		return nil, badRequest("InvalidLookupAttributesException", "only one lookup attribute may be given")
	}
	match := func(Event) bool { return true }
	var attr string
	if len(req.LookupAttributes) == 1 {
		a := req.LookupAttributes[0]
		attr = a.AttributeKey + "=" + a.AttributeValue
		switch a.AttributeKey {
		case "EventSource":
			match = func(e Event) bool { return e.Source == a.AttributeValue }
		case "EventName":
			match = func(e Event) bool { return e.Name == a.AttributeValue }
		case "EventId":
			match = func(e Event) bool { return e.ID == a.AttributeValue }
		default:
			return nil, badRequest("InvalidLookupAttributesException", "the double serves EventSource, EventName and EventId only")
		}
	}
	query := fmt.Sprintf("%d|%d|%s|%s", start.UnixNano(), end.UnixNano(), attr, req.EventCategory)
	var after *Event
	if req.NextToken != nil && *req.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*req.NextToken)
		var c cursor
		if err != nil || json.Unmarshal(raw, &c) != nil || c.Query != query {
			return nil, badRequest("InvalidNextTokenException", "NextToken does not belong to this query")
		}
		after = &Event{ID: c.ID, Time: time.Unix(0, c.Time)}
	}
	var hits []Event
	if req.EventCategory == "" { // no Insights events in the double
		for _, e := range s.events[region] {
			delay := e.Delay
			if delay == 0 {
				delay = s.delay
			}
			visible := delay < 0 || !now.Before(e.Time.Add(delay))
			inRange := !e.Time.Before(start) && !e.Time.After(end) && !e.Time.Before(now.Add(-retention))
			if visible && inRange && match(e) && (after == nil || newer(*after, e) < 0) {
				hits = append(hits, e)
			}
		}
	}
	slices.SortFunc(hits, newer)
	resp := &lookupResponse{Events: []responseEvent{}}
	if len(hits) > limit {
		last := hits[limit-1]
		raw, _ := json.Marshal(cursor{Query: query, Time: last.Time.UnixNano(), ID: last.ID})
		resp.NextToken = base64.RawURLEncoding.EncodeToString(raw)
		hits = hits[:limit]
	}
	for _, e := range hits {
		ro := "false"
		if strings.Contains(e.Record, `"readOnly":true`) {
			ro = "true"
		}
		resp.Events = append(resp.Events, responseEvent{
			EventID: e.ID, EventName: e.Name, ReadOnly: ro, AccessKeyID: "AKIAEXAMPLE",
			EventTime: float64(e.Time.Unix()) + float64(e.Time.Nanosecond())/1e9, EventSource: e.Source,
			Username: "alice", Resources: []any{}, CloudTrailEvent: e.Record,
		})
	}
	return resp, nil
}
