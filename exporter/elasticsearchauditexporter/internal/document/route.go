// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes that override the data stream of one record.
const (
	AttrDataStreamDataset   = "data_stream.dataset"
	AttrDataStreamNamespace = "data_stream.namespace"
)

// Route is a record's data stream: logs-<Dataset>-<Namespace>.
type Route struct {
	Dataset, Namespace string
}

// Index is the data stream name.
func (r Route) Index() string { return "logs-" + r.Dataset + "-" + r.Namespace }

// Resolve picks the data stream of a record: the data_stream.dataset and
// data_stream.namespace attributes of the record, else of its scope, else of
// its resource, else the configured default, each part independently.
// Values are sanitised to what Elasticsearch accepts in a data stream name.
func Resolve(def Route, res pcommon.Resource, scope pcommon.InstrumentationScope, attrs pcommon.Map) Route {
	r := def
	if s, ok := lookup(AttrDataStreamDataset, attrs, scope.Attributes(), res.Attributes()); ok {
		r.Dataset = SanitizeDataset(s)
	}
	if s, ok := lookup(AttrDataStreamNamespace, attrs, scope.Attributes(), res.Attributes()); ok {
		r.Namespace = SanitizeNamespace(s)
	}
	return r
}

func lookup(key string, maps ...pcommon.Map) (string, bool) {
	for _, m := range maps {
		if v, ok := m.Get(key); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
			return v.Str(), true
		}
	}
	return "", false
}

// maxPartLen bounds dataset and namespace, as Elastic's data stream naming
// scheme does (100 bytes each).
const maxPartLen = 100

// disallowed holds the characters Elasticsearch refuses in index names, plus
// '-', which separates the parts of a data stream name.
const disallowed = "\\/*?\"<>| ,#:-"

// SanitizeDataset lower-cases a dataset and replaces refused characters with
// '_' (so "Personalize-Audit" becomes "personalize_audit").
func SanitizeDataset(s string) string { return sanitize(s, "generic") }

// SanitizeNamespace does the same for a namespace.
func SanitizeNamespace(s string) string { return sanitize(s, "default") }

func sanitize(s, empty string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'A' && c <= 'Z') || strings.IndexByte(disallowed, c) >= 0 {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			if r < 128 && strings.IndexByte(disallowed, byte(r)) >= 0 {
				return '_'
			}
			return r
		}, strings.ToLower(s))
	}
	s = strings.TrimLeft(s, "_.+")
	if len(s) > maxPartLen {
		cut := maxPartLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // never split a multi-byte character
		}
		s = s[:cut]
	}
	if s == "" {
		return empty
	}
	return s
}
