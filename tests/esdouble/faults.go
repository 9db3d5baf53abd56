// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ItemRule makes matching bulk items fail with Status. Rules are checked in
// the order they were added; the first match wins.
type ItemRule struct {
	// Match picks items. n counts every bulk item the server has seen,
	// from 1, across requests.
	Match func(index, id string, n int64) bool
	// Status is the item status to answer (429, 400, 500, ...).
	Status int
	// Type and Reason fill the item's error object; defaults per status.
	Type, Reason string
	// Times bounds how often each matching _id fails (0: forever). A
	// document with no _id counts under "".
	Times int

	hits map[string]int
}

// ByID matches items whose _id is one of ids.
func ByID(ids ...string) func(string, string, int64) bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return func(_, id string, _ int64) bool { return set[id] }
}

// EveryNth matches every nth item the server sees (n, 2n, ...).
func EveryNth(n int64) func(string, string, int64) bool {
	return func(_, _ string, k int64) bool { return k%n == 0 }
}

// Fraction matches about p (0 to 1) of the items, picked pseudo-randomly
// (by _id and item number, so a retried item is drawn again).
func Fraction(p float64) func(string, string, int64) bool {
	return func(_, id string, n int64) bool {
		h := fnv.New64a()
		_, _ = h.Write([]byte(id))
		_, _ = h.Write([]byte(strconv.FormatInt(n, 10)))
		return float64(h.Sum64()%10_000) < p*10_000
	}
}

// During restricts match to the next d.
func During(d time.Duration, match func(string, string, int64) bool) func(string, string, int64) bool {
	until := time.Now().Add(d)
	return func(index, id string, n int64) bool { return time.Now().Before(until) && match(index, id, n) }
}

type requestFault struct {
	status    int
	remaining int       // for "next N requests"
	until     time.Time // for a time window
}

// faults holds the injected misbehaviour; its own mutex keeps it
// independent of the document store.
type faults struct {
	mu           sync.Mutex
	items        []*ItemRule
	bulk         []*requestFault
	all          *requestFault // every request, not only _bulk (FailAllFor)
	drops        int
	maxBody      int
	templateCode int
	latency      time.Duration
	hold         chan struct{} // closed by the release of HoldBulk; nil when not held
	raw          []rawAnswer
}

// rawAnswer is a whole answer given instead of Elasticsearch's.
type rawAnswer struct {
	status      int
	contentType string
	body        string
}

// AnswerBulkRaw answers the next n _bulk requests with status and body
// instead of processing them, storing nothing: what a proxy in front of the
// cluster, or a broken cluster, may say ({"errors":false,"items":[]}, an
// HTML 400 or 502 page).
func (s *Server) AnswerBulkRaw(n, status int, contentType, body string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for range n {
		s.faults.raw = append(s.faults.raw, rawAnswer{status: status, contentType: contentType, body: body})
	}
}

// takeRaw returns the raw answer the next _bulk request must get, if any.
func (f *faults) takeRaw() (rawAnswer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.raw) == 0 {
		return rawAnswer{}, false
	}
	a := f.raw[0]
	f.raw = f.raw[1:]
	return a, true
}

// FailItems adds a per-item fault rule.
func (s *Server) FailItems(r ItemRule) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	rr := r
	rr.hits = map[string]int{}
	s.faults.items = append(s.faults.items, &rr)
}

// FailBulkRequests answers the next n _bulk requests with status (503, 429,
// 502, ...) before reading their items.
func (s *Server) FailBulkRequests(n, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.bulk = append(s.faults.bulk, &requestFault{status: status, remaining: n})
}

// FailBulkFor answers every _bulk request with status for the duration d.
func (s *Server) FailBulkFor(d time.Duration, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.bulk = append(s.faults.bulk, &requestFault{status: status, remaining: -1, until: time.Now().Add(d)})
}

// FailAllFor answers every request (GET /, templates, _bulk, searches) with
// status for the duration d, as a cluster that lost its master or a proxy
// in front of a cluster that is down does.
func (s *Server) FailAllFor(d time.Duration, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.all = &requestFault{status: status, remaining: -1, until: time.Now().Add(d)}
}

// DropConnections makes the next n _bulk requests lose their connection
// after the request is read and before any response byte is written.
func (s *Server) DropConnections(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.drops += n
}

// SetMaxContentLength makes _bulk answer 413 when the decoded body exceeds n
// bytes (0 disables), like http.max_content_length.
func (s *Server) SetMaxContentLength(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.maxBody = n
}

// RejectTemplates answers template PUTs with status (401/403 emulate a user
// without manage_index_templates, 400 a refused setting, 503 an unavailable
// cluster); 0 clears it.
func (s *Server) RejectTemplates(status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.templateCode = status
}

// SlowBulk makes every _bulk request wait d, once its body is read and
// before its items are applied, like a loaded cluster (0: no wait).
func (s *Server) SlowBulk(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = d
}

// HoldBulk makes _bulk requests wait, once their body is read (and after
// SlowBulk's wait) and before their items are applied, until release is
// called: nothing is indexed meanwhile. A request whose client goes away
// while held returns without applying anything. release may be called more
// than once.
func (s *Server) HoldBulk() (release func()) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.hold == nil {
		s.faults.hold = make(chan struct{})
	}
	hold := s.faults.hold
	return func() {
		s.faults.mu.Lock()
		defer s.faults.mu.Unlock()
		s.faults.release(hold)
	}
}

// release ends the hold if it is still the current one. f.mu is held.
func (f *faults) release(hold chan struct{}) {
	if hold != nil && f.hold == hold {
		close(hold)
		f.hold = nil
	}
}

// ClearFaults removes every injected fault (and releases a HoldBulk).
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.items, s.faults.bulk, s.faults.drops, s.faults.maxBody, s.faults.templateCode = nil, nil, 0, 0, 0
	s.faults.all, s.faults.raw = nil, nil
	s.faults.latency = 0
	s.faults.release(s.faults.hold)
}

// delay waits as SlowBulk and HoldBulk say; false when ctx ended first.
func (f *faults) delay(ctx context.Context) bool {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	for {
		f.mu.Lock()
		hold := f.hold
		f.mu.Unlock()
		if hold == nil {
			// A client gone while held must not be applied on release.
			return ctx.Err() == nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-hold:
		}
	}
}

func (f *faults) templateFault() (status int, typ, reason string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.templateCode == 0 {
		return 0, "", "", false
	}
	if f.templateCode == http.StatusUnauthorized || f.templateCode == http.StatusForbidden {
		return f.templateCode, "security_exception", "action [indices:admin/index_template/put] is unauthorized for user [esdouble]", true
	}
	return f.templateCode, "illegal_argument_exception", "injected fault: " + http.StatusText(f.templateCode), true
}

// requestFault returns the status a _bulk request must get, if any.
func (f *faults) requestFault() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := time.Now()
	for i, r := range f.bulk {
		switch {
		case r.remaining > 0:
			r.remaining--
			if r.remaining == 0 {
				f.bulk = append(f.bulk[:i], f.bulk[i+1:]...)
			}
			return r.status, true
		case r.remaining < 0 && t.Before(r.until):
			return r.status, true
		}
	}
	return 0, false
}

// allFault returns the status every request must get now, if any.
func (f *faults) allFault() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all == nil || !time.Now().Before(f.all.until) {
		f.all = nil
		return 0, false
	}
	return f.all.status, true
}

func (f *faults) takeDrop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.drops > 0 {
		f.drops--
		return true
	}
	return false
}

func (f *faults) maxContentLength() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxBody
}

// itemFault returns the injected failure for one item, if any.
func (f *faults) itemFault(index, id string, n int64) (status int, typ, reason string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.items {
		if !r.Match(index, id, n) {
			continue
		}
		if r.Times > 0 {
			if r.hits[id] >= r.Times {
				continue
			}
			r.hits[id]++
		}
		typ, reason = r.Type, r.Reason
		if typ == "" {
			typ, reason = defaultItemError(r.Status, id)
		}
		return r.Status, typ, reason, true
	}
	return 0, "", "", false
}

func defaultItemError(status int, id string) (typ, reason string) {
	switch {
	case status == http.StatusTooManyRequests:
		return "es_rejected_execution_exception", "rejected execution of coordinating operation [shard_detail=[logs][0][P], shard_coordinating_and_primary_bytes=0, shard_operation_bytes=0, max_coordinating_and_primary_bytes=0]"
	case status == http.StatusBadRequest:
		return "document_parsing_exception", fmt.Sprintf("[1:42] failed to parse field [source.ip] of type [ip] in document with id '%s'", id)
	case status >= 500:
		return "unavailable_shards_exception", "[logs][0] primary shard is not active Timeout: [1m]"
	}
	return "exception", http.StatusText(status)
}
