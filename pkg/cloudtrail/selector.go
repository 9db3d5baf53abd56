package cloudtrail

import "bytes"

// PersonalizeSource is the eventSource of every Amazon Personalize API call.
const PersonalizeSource = "personalize.amazonaws.com"

// Selector decides which records are kept.
//
// It works in two steps so that dropped records stay cheap: MayMatch is a
// byte search on the raw record (no parsing) that may over-match, and Match
// confirms on the parsed eventSource and eventName.
type Selector struct {
	sources    []string
	sourceRaw  [][]byte
	include    map[string]struct{}
	includeRaw [][]byte
	exclude    map[string]struct{}
}

// NewSelector keeps records whose eventSource is one of sources (every
// source when sources is empty), whose eventName is in include (any name when
// include is empty), and whose eventName is not in exclude.
func NewSelector(sources, include, exclude []string) *Selector {
	s := &Selector{sources: append([]string(nil), sources...)}
	for _, src := range sources {
		s.sourceRaw = append(s.sourceRaw, []byte(src))
	}
	if len(include) > 0 {
		s.include = make(map[string]struct{}, len(include))
		for _, n := range include {
			s.include[n] = struct{}{}
			s.includeRaw = append(s.includeRaw, []byte(n))
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

func containsAny(raw []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			return true
		}
	}
	return false
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
