// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
)

type indexTemplate struct {
	name       string
	patterns   []string
	priority   int
	dataStream bool
	composedOf []string
	// ignoreMissing lists components of composedOf that may be missing.
	ignoreMissing []string
	mappings      map[string]any // the template's own template.mappings
	settings      map[string]any
	raw           json.RawMessage
}

// builtinLogsTemplate mirrors the `logs` template a fresh cluster installs:
// logs-*-* at priority 100, data streams on, dynamic mappings.
func builtinLogsTemplate() *indexTemplate {
	return &indexTemplate{
		name: "logs", patterns: []string{"logs-*-*"}, priority: 100, dataStream: true,
		mappings: map[string]any{"properties": map[string]any{"@timestamp": map[string]any{"type": "date"}}},
		raw:      json.RawMessage(`{"index_patterns":["logs-*-*"],"priority":100,"data_stream":{},"_meta":{"managed":true}}`),
	}
}

func (s *Server) handleComponentTemplate(w http.ResponseWriter, r *http.Request, name string) int {
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		if st, typ, reason, ok := s.faults.templateFault(); ok {
			return writeError(w, st, typ, reason)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return writeError(w, http.StatusBadRequest, "parse_exception", err.Error())
		}
		if err := s.checkTemplateBody(body, true); err != nil {
			return writeTemplateBodyError(w, err)
		}
		s.mu.Lock()
		s.components[name] = json.RawMessage(body)
		s.mu.Unlock()
		return writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case http.MethodGet:
		s.mu.Lock()
		raw, ok := s.components[name]
		s.mu.Unlock()
		if !ok {
			return writeError(w, http.StatusNotFound, "resource_not_found_exception", "component template matching ["+name+"] not found")
		}
		return writeJSON(w, http.StatusOK, map[string]any{"component_templates": []any{map[string]any{"name": name, "component_template": raw}}})
	}
	return writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "method not allowed")
}

func (s *Server) handleIndexTemplate(w http.ResponseWriter, r *http.Request, name string) int {
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		if st, typ, reason, ok := s.faults.templateFault(); ok {
			return writeError(w, st, typ, reason)
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return writeError(w, http.StatusBadRequest, "parse_exception", err.Error())
		}
		if err := s.checkTemplateBody(body, false); err != nil {
			return writeTemplateBodyError(w, err)
		}
		t, err := parseIndexTemplate(name, body)
		if err != nil {
			return writeError(w, http.StatusBadRequest, "x_content_parse_exception", err.Error())
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range t.composedOf {
			if _, ok := s.components[c]; !ok && !slices.Contains(t.ignoreMissing, c) {
				return writeError(w, http.StatusBadRequest, "invalid_index_template_exception",
					fmt.Sprintf("index_template [%s] invalid, cause [index template [%s] specifies component templates [%s] that do not exist]", name, name, c))
			}
		}
		for _, o := range s.templates {
			if o.name != name && o.priority == t.priority && patternsOverlap(o.patterns, t.patterns) {
				return writeError(w, http.StatusBadRequest, "illegal_argument_exception",
					fmt.Sprintf("index template [%s] has index patterns %v matching patterns from existing templates [%s] with patterns (%s => %v) that have the same priority [%d], multiple index templates may not match during index creation, please use a different priority",
						name, t.patterns, o.name, o.name, o.patterns, t.priority))
			}
		}
		s.templates[name] = t
		return writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	case http.MethodGet:
		s.mu.Lock()
		t, ok := s.templates[name]
		s.mu.Unlock()
		if !ok {
			return writeError(w, http.StatusNotFound, "resource_not_found_exception", "index template matching ["+name+"] not found")
		}
		return writeJSON(w, http.StatusOK, map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": t.raw}}})
	}
	return writeError(w, http.StatusMethodNotAllowed, "illegal_argument_exception", "method not allowed")
}

// writeTemplateBodyError answers a refused template body: parse errors
// ("[object] ...") as x_content_parse_exception, the rest as
// illegal_argument_exception, both 400 as Elasticsearch does.
func writeTemplateBodyError(w http.ResponseWriter, err error) int {
	typ := "illegal_argument_exception"
	if strings.HasPrefix(err.Error(), "[") {
		typ = "x_content_parse_exception"
	}
	return writeError(w, http.StatusBadRequest, typ, err.Error())
}

func parseIndexTemplate(name string, body []byte) (*indexTemplate, error) {
	var v struct {
		IndexPatterns any             `json:"index_patterns"`
		Priority      *int            `json:"priority"`
		DataStream    json.RawMessage `json:"data_stream"`
		ComposedOf    []string        `json:"composed_of"`
		IgnoreMissing []string        `json:"ignore_missing_component_templates"`
		Template      struct {
			Mappings map[string]any `json:"mappings"`
			Settings map[string]any `json:"settings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	t := &indexTemplate{name: name, composedOf: v.ComposedOf, ignoreMissing: v.IgnoreMissing, mappings: v.Template.Mappings, settings: v.Template.Settings, raw: body}
	switch p := v.IndexPatterns.(type) {
	case string:
		t.patterns = []string{p}
	case []any:
		for _, e := range p {
			if s, ok := e.(string); ok {
				t.patterns = append(t.patterns, s)
			}
		}
	}
	if len(t.patterns) == 0 {
		return nil, fmt.Errorf("index template [%s] must have index_patterns", name)
	}
	if v.Priority != nil {
		t.priority = *v.Priority
	}
	t.dataStream = len(v.DataStream) > 0 && string(v.DataStream) != "null"
	return t, nil
}

// patternsOverlap is a conservative overlap test: two patterns overlap when
// either matches the other read as a name, which catches the cases that
// matter (logs-*-* against logs-foo.*-*).
func patternsOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if globMatch(x, y) || globMatch(y, x) {
				return true
			}
		}
	}
	return false
}

func globMatch(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

// matchTemplate returns the highest-priority template matching name. The
// caller holds s.mu.
func (s *Server) matchTemplate(name string) *indexTemplate {
	var best *indexTemplate
	for _, t := range s.templates {
		for _, p := range t.patterns {
			if globMatch(p, name) && (best == nil || t.priority > best.priority) {
				best = t
			}
		}
	}
	return best
}

// effectiveMappings merges the component templates in order, then the index
// template's own mappings, as Elasticsearch composes them. The caller holds
// s.mu.
func (s *Server) effectiveMappings(t *indexTemplate) map[string]any {
	out := map[string]any{}
	for _, c := range t.composedOf {
		var v struct {
			Template struct {
				Mappings map[string]any `json:"mappings"`
			} `json:"template"`
		}
		if json.Unmarshal(s.components[c], &v) == nil {
			mergeMappings(out, v.Template.Mappings)
		}
	}
	mergeMappings(out, t.mappings)
	return out
}

func mergeMappings(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeMappings(dm, sm)
				continue
			}
			cp := map[string]any{}
			mergeMappings(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// effectiveLifecycle composes the data stream lifecycle and the ILM policy
// of a template as Elasticsearch does: components in order, then the index
// template itself, the last one set winning. The caller holds s.mu.
func (s *Server) effectiveLifecycle(t *indexTemplate) (lifecycle json.RawMessage, ilmPolicy string) {
	bodies := make([][]byte, 0, len(t.composedOf)+1)
	for _, c := range t.composedOf {
		bodies = append(bodies, s.components[c])
	}
	for _, b := range append(bodies, t.raw) {
		if lc := lifecycleOf(b); lc != nil {
			lifecycle = lc
		}
		if p := ilmPolicyOf(b); p != "" {
			ilmPolicy = p
		}
	}
	return lifecycle, ilmPolicy
}

// managedBy is next_generation_managed_by of GET _data_stream: ILM wins
// over a data stream lifecycle (index.lifecycle.prefer_ilm defaults to
// true), and a lifecycle with enabled: false manages nothing.
func managedBy(lifecycle json.RawMessage, ilmPolicy string) string {
	var lc struct {
		Enabled *bool `json:"enabled"`
	}
	switch {
	case ilmPolicy != "":
		return "Index Lifecycle Management"
	case lifecycle != nil && json.Unmarshal(lifecycle, &lc) == nil && (lc.Enabled == nil || *lc.Enabled):
		return "Data stream lifecycle"
	}
	return "Unmanaged"
}

// DataStreamLifecycle returns how a data stream's backing indices are
// managed: its lifecycle object as composed from its template (nil when
// none), its ILM policy ("" when none) and next_generation_managed_by; ok
// is false when the data stream does not exist.
func (s *Server) DataStreamLifecycle(name string) (lifecycle json.RawMessage, ilmPolicy, managed string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, ok := s.streams[name]
	if !ok {
		return nil, "", "", false
	}
	return ds.lifecycle, ds.ilmPolicy, managedBy(ds.lifecycle, ds.ilmPolicy), true
}

// IndexTemplate returns the body of an index template as PUT, if any.
func (s *Server) IndexTemplate(name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.templates[name]
	if !ok {
		return nil, false
	}
	return t.raw, true
}

// ComponentTemplate returns the body of a component template as PUT, if any.
func (s *Server) ComponentTemplate(name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.components[name]
	return raw, ok
}

// IndexTemplateNames lists index template names, sorted (the built-in
// `logs` one included unless disabled).
func (s *Server) IndexTemplateNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.templates))
	for n := range s.templates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ComponentTemplateNames lists component template names, sorted.
func (s *Server) ComponentTemplateNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.components))
	for n := range s.components {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TemplateFor names the index template a data stream was created from, or
// "" when the data stream does not exist.
func (s *Server) TemplateFor(dataStream string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ds, ok := s.streams[dataStream]; ok {
		return ds.template
	}
	return ""
}

func (s *Server) handleGetDataStream(w http.ResponseWriter, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []any
	for n, ds := range s.streams {
		if globMatch(name, n) || strings.EqualFold(name, n) {
			d := map[string]any{
				"name": n, "template": ds.template, "timestamp_field": map[string]any{"name": "@timestamp"},
				"indices":                    []any{map[string]any{"index_name": ds.backing}},
				"next_generation_managed_by": managedBy(ds.lifecycle, ds.ilmPolicy),
			}
			if ds.lifecycle != nil {
				d["lifecycle"] = ds.lifecycle
			}
			if ds.ilmPolicy != "" {
				d["ilm_policy"] = ds.ilmPolicy
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return writeError(w, http.StatusNotFound, "index_not_found_exception", "no such index ["+name+"]")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data_streams": out})
}
