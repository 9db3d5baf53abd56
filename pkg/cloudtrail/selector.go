// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"bytes"
	"strings"
)

// PersonalizeSource is the eventSource of every Amazon Personalize API call.
const PersonalizeSource = "personalize.amazonaws.com"

// Selector decides which records are kept.
//
// It works in two steps so that dropped records stay cheap: MayMatch is a
// byte search on the raw record (no parsing) that may over-match, and Match
// confirms on the parsed eventSource and eventName.
type Selector struct {
	sources    []string
	sourceRaw  []needle
	include    map[string]struct{}
	includeRaw []needle
	exclude    map[string]struct{}
}

// NewSelector keeps records whose eventSource is one of sources (every
// source when sources is empty), whose eventName is in include (any name when
// include is empty), and whose eventName is not in exclude.
func NewSelector(sources, include, exclude []string) *Selector {
	s := &Selector{sources: append([]string(nil), sources...)}
	for _, src := range sources {
		s.sourceRaw = append(s.sourceRaw, newNeedle(src))
	}
	if len(include) > 0 {
		s.include = make(map[string]struct{}, len(include))
		for _, n := range include {
			s.include[n] = struct{}{}
			s.includeRaw = append(s.includeRaw, newNeedle(n))
		}
	}
	if len(exclude) > 0 {
		s.exclude = make(map[string]struct{}, len(exclude))
		for _, n := range exclude {
			s.exclude[n] = struct{}{}
		}
	}
	return s
}

// DefaultSelector keeps Personalize API calls.
func DefaultSelector() *Selector { return NewSelector([]string{PersonalizeSource}, nil, nil) }

// MayMatch reports whether the raw record could be selected. False is
// definite. A source or name containing JSON-escaped characters is searched
// for as written, which CloudTrail's plain host names and action names never
// need.
func (s *Selector) MayMatch(raw []byte) bool {
	if len(s.sourceRaw) > 0 && !containsAny(raw, s.sourceRaw) {
		return false
	}
	if len(s.includeRaw) > 0 && !containsAny(raw, s.includeRaw) {
		return false
	}
	return true
}

func containsAny(raw []byte, needles []needle) bool {
	for i := range needles {
		if needles[i].in(raw) {
			return true
		}
	}
	return false
}

// needle is a byte string searched for by its rarest byte: the pre-filter
// runs on every record, and bytes.Index stops at every occurrence of the
// needle's first byte, which for "personalize.amazonaws.com" is a 'p' a few
// dozen times per record, where its 'z' occurs a handful of times.
type needle struct {
	b      []byte
	anchor int // index in b of its rarest byte
}

func newNeedle(s string) needle {
	n := needle{b: []byte(s)}
	for i := range n.b {
		if byteRank(n.b[i]) > byteRank(n.b[n.anchor]) {
			n.anchor = i
		}
	}
	return n
}

// in reports whether raw contains the needle.
func (n *needle) in(raw []byte) bool {
	if len(n.b) == 0 {
		return true
	}
	a := n.b[n.anchor]
	for i := n.anchor; i < len(raw); i++ {
		j := bytes.IndexByte(raw[i:], a)
		if j < 0 {
			return false
		}
		i += j
		start := i - n.anchor
		if start+len(n.b) > len(raw) {
			return false
		}
		// The anchor byte also occurs in other text (the z of every
		// amazonaws.com): look at the first byte before comparing it all.
		if raw[start] == n.b[0] && string(raw[start:start+len(n.b)]) == string(n.b) {
			return true
		}
	}
	return false
}

// commonBytes lists printable ASCII from the most to the least frequent in
// CloudTrail records (counted over the project's fixtures and examples).
const commonBytes = `"eats:nr12 oi3c,d-mluA.0pI654vS/g8wyfb7{}9TEDCRzPhM_OHLNVxGKW#ZkFUqBXJQY\j[]()+;%@$=&*'?<>!^` + "`" + `|~`

// byteRank is how rare c is in CloudTrail text: higher is rarer.
func byteRank(c byte) int {
	if i := strings.IndexByte(commonBytes, c); i >= 0 {
		return i
	}
	return len(commonBytes) // not printable ASCII: rarer still
}

// Match decides on a parsed record.
func (s *Selector) Match(r *Record) bool {
	if len(s.sources) > 0 {
		src := r.EventSource()
		found := false
		for _, want := range s.sources {
			if src == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if s.include == nil && s.exclude == nil {
		return true
	}
	name := r.EventName()
	if s.include != nil {
		if _, ok := s.include[name]; !ok {
			return false
		}
	}
	_, excluded := s.exclude[name]
	return !excluded
}
