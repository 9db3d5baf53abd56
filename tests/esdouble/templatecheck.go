// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The keys Elasticsearch accepts in template bodies, and from which version
// (major, minor). An unknown key, or one this version does not know yet, is
// refused as Elasticsearch's parser does ("unknown field"), so that a body
// that passes the double passes the real cluster of that version.
var (
	indexTemplateKeys = map[string][2]int{
		"index_patterns": {7, 8}, "composed_of": {7, 8}, "priority": {7, 8}, "version": {7, 8},
		"_meta": {7, 8}, "data_stream": {7, 9}, "template": {7, 8}, "allow_auto_create": {7, 11},
		"ignore_missing_component_templates": {8, 7}, "deprecated": {8, 12},
	}
	componentTemplateKeys = map[string][2]int{"template": {7, 8}, "version": {7, 8}, "_meta": {7, 8}, "deprecated": {8, 12}}
	templateKeys          = map[string][2]int{"settings": {7, 8}, "mappings": {7, 8}, "aliases": {7, 8}, "lifecycle": {8, 11}}
	lifecycleKeys         = map[string][2]int{"enabled": {8, 11}, "data_retention": {8, 11}, "downsampling": {8, 11}}
)

// timeValue is Elasticsearch's TimeValue syntax (data_retention).
var timeValue = regexp.MustCompile(`^[0-9]+(nanos|micros|ms|s|m|h|d)$`)

// checkKeys refuses keys not in known, or newer than the double's version.
func (s *Server) checkKeys(object string, m map[string]json.RawMessage, known map[string][2]int) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		since, ok := known[k]
		if !ok || !s.versionAtLeast(since[0], since[1]) {
			return fmt.Errorf("[%s] unknown field [%s]", object, k)
		}
	}
	return nil
}

// checkTemplateBody validates the body of a component template (component)
// or an index template the way Elasticsearch parses it.
func (s *Server) checkTemplateBody(body []byte, component bool) error {
	var top map[string]json.RawMessage
	if err := strictUnmarshal(body, &top); err != nil {
		return err
	}
	object, known := "index_template", indexTemplateKeys
	if component {
		object, known = "component_template", componentTemplateKeys
	}
	if err := s.checkKeys(object, top, known); err != nil {
		return err
	}
	raw, ok := top["template"]
	if !ok {
		if component {
			return fmt.Errorf("[%s] required field [template] is missing", object)
		}
		return nil
	}
	var tmpl map[string]json.RawMessage
	if err := strictUnmarshal(raw, &tmpl); err != nil {
		return fmt.Errorf("[template] %v", err)
	}
	if err := s.checkKeys("template", tmpl, templateKeys); err != nil {
		return err
	}
	if lc, ok := tmpl["lifecycle"]; ok {
		if !component && !isPresent(top["data_stream"]) {
			return fmt.Errorf("index template specifies lifecycle configuration that can only be used in combination with a data stream")
		}
		if err := s.checkLifecycle(lc); err != nil {
			return err
		}
	}
	if st, ok := tmpl["settings"]; ok && s.opts.Serverless {
		var settings map[string]any
		if err := json.Unmarshal(st, &settings); err != nil {
			return fmt.Errorf("[settings] %v", err)
		}
		for _, k := range flattenSettings("", settings) {
			if strings.HasPrefix(k, "index.lifecycle.") {
				return fmt.Errorf("Settings [%s] are not available when running in serverless mode", k)
			}
		}
	}
	return nil
}

func (s *Server) checkLifecycle(raw json.RawMessage) error {
	var lc map[string]json.RawMessage
	if err := strictUnmarshal(raw, &lc); err != nil {
		return fmt.Errorf("[lifecycle] %v", err)
	}
	if err := s.checkKeys("lifecycle", lc, lifecycleKeys); err != nil {
		return err
	}
	if r, ok := lc["data_retention"]; ok && isPresent(r) {
		var v string
		if json.Unmarshal(r, &v) != nil || !timeValue.MatchString(v) {
			return fmt.Errorf("[lifecycle] failed to parse field [data_retention]: failed to parse setting [data_retention] with value [%s] as a time value: unit is missing or unrecognized", bytes.Trim(r, `"`))
		}
		if n, _ := strconv.Atoi(strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz")); n == 0 {
			return fmt.Errorf("[lifecycle] data_retention [%s] must be positive", v)
		}
	}
	if e, ok := lc["enabled"]; ok {
		var b bool
		if json.Unmarshal(e, &b) != nil {
			return fmt.Errorf("[lifecycle] failed to parse field [enabled]: not a boolean")
		}
	}
	return nil
}

// lifecycleOf reads template.lifecycle from a template body, nil when none.
func lifecycleOf(body []byte) json.RawMessage {
	var v struct {
		Template struct {
			Lifecycle json.RawMessage `json:"lifecycle"`
		} `json:"template"`
	}
	if json.Unmarshal(body, &v) != nil || !isPresent(v.Template.Lifecycle) {
		return nil
	}
	return v.Template.Lifecycle
}

// ilmPolicyOf reads index.lifecycle.name from a template body's settings,
// in either the nested or the dotted form.
func ilmPolicyOf(body []byte) string {
	var v struct {
		Template struct {
			Settings map[string]any `json:"settings"`
		} `json:"template"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var out string
	walkSettings("", v.Template.Settings, func(k string, val any) {
		if k == "index.lifecycle.name" {
			out, _ = val.(string)
		}
	})
	return out
}

func flattenSettings(prefix string, m map[string]any) []string {
	var out []string
	walkSettings(prefix, m, func(k string, _ any) { out = append(out, k) })
	return out
}

func walkSettings(prefix string, m map[string]any, f func(string, any)) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			walkSettings(prefix+k+".", sub, f)
			continue
		}
		f(prefix+k, v)
	}
}

func isPresent(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// strictUnmarshal decodes a JSON object, refusing anything else.
func strictUnmarshal(raw []byte, v *map[string]json.RawMessage) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("failed to parse object: %v", err)
	}
	if *v == nil {
		return fmt.Errorf("expected an object")
	}
	return nil
}

// versionAtLeast compares the double's version with major.minor.
func (s *Server) versionAtLeast(major, minor int) bool {
	parts := strings.SplitN(s.opts.Version, ".", 3)
	if len(parts) < 2 {
		return true
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(parts[1])
	return ma > major || (ma == major && mi >= minor)
}
