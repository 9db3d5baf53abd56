// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// sampleFiles are real and documented CloudTrail files kept in the repo:
// AWS documentation examples, Stratus Red Team detonations (anonymised,
// with leading-zero IPs), OTel contrib fixtures, the synthetic Personalize
// set and the product examples.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, g := range []string{
		"../../pkg/cloudtrail/testdata/stratus-red-team/*.json",
		"../../pkg/cloudtrail/testdata/awsdocs-cloudtrail-user-guide/cloudtrail-log-file-examples.records.json",
		"../../pkg/cloudtrail/testdata/otel-contrib/cloudtraillog_testdata_cloudtrail_log*.json",
		"../../pkg/cloudtrail/testdata/synthetic/*.json",
		"../../examples/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz",
	} {
		m, _ := filepath.Glob(g)
		out = append(out, m...)
	}
	if len(out) < 5 {
		t.Fatalf("sample CloudTrail files not found (%d)", len(out))
	}
	return out
}

// readAll maps every record of the sample files, all event sources.
func readAll(t *testing.T, body ct.BodyMode) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	for _, path := range sampleFiles(t) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fr, err := ct.NewFileReader(f, ct.NewSelector(nil, nil, nil), ct.DecoderOptions{})
		if err != nil {
			f.Close()
			continue // digests and other non-record files
		}
		b := ct.NewBatch(ct.MapOptions{Body: body})
		for {
			err := fr.ReadBatch(b, 1000)
			b.Take().ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		f.Close()
	}
	return out
}

// leafPaths lists the dotted paths of a document's leaves, stopping at
// fields mapped as flattened (their inside is free-form by design).
func leafPaths(prefix string, v any, mapped map[string]string, out map[string]bool) {
	if prefix != "" && mapped[prefix] == "flattened" {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			leafPaths(p, c, mapped, out)
		}
	case []any:
		for _, c := range x {
			leafPaths(prefix, c, mapped, out)
		}
	default:
		out[prefix] = true
	}
}

// TestEveryCloudTrailFieldIsMapped encodes every sample record in both
// layouts and checks that each field the exporter writes is in the
// template: with dynamic: false an unmapped field would silently be
// unsearchable.
func TestEveryCloudTrailFieldIsMapped(t *testing.T) {
	mapped := MappedFields()
	for _, mode := range []document.Mode{document.ModeECS, document.ModeOTel} {
		for _, body := range []ct.BodyMode{ct.BodyMap, ct.BodyJSON} {
			ld := readAll(t, body)
			if ld.LogRecordCount() < 20 {
				t.Fatalf("only %d sample records", ld.LogRecordCount())
			}
			enc := document.NewEncoder(document.Options{Mode: mode, EventOriginal: true})
			seen := map[string]bool{}
			def := document.Route{Dataset: DefaultDataset, Namespace: DefaultNamespace}
			for i := 0; i < ld.ResourceLogs().Len(); i++ {
				rl := ld.ResourceLogs().At(i)
				for j := 0; j < rl.ScopeLogs().Len(); j++ {
					sl := rl.ScopeLogs().At(j)
					for k := 0; k < sl.LogRecords().Len(); k++ {
						lr := sl.LogRecords().At(k)
						lr.Attributes().PutStr("log.file.path", "/x")
						doc := enc.Append(nil, rl.Resource(), sl.Scope(), lr, def)
						var m map[string]any
						if err := json.Unmarshal(doc, &m); err != nil {
							t.Fatalf("invalid document: %v\n%s", err, doc)
						}
						leafPaths("", m, mapped, seen)
					}
				}
			}
			var missing []string
			for p := range seen {
				if _, ok := mapped[p]; !ok {
					missing = append(missing, p)
				}
			}
			sort.Strings(missing)
			t.Logf("mode %d body %v: %d records, %d distinct fields", mode, body, ld.LogRecordCount(), len(seen))
			if len(missing) > 0 {
				t.Errorf("mode %d body %v: fields written but not mapped:\n%s", mode, body, strings.Join(missing, "\n"))
			}
		}
	}
}

func TestTemplatesForCustomDataset(t *testing.T) {
	current := Cluster{Version: "8.17.0"}
	ts := Templates(TemplatesConfig{}, "audit.personalize", current)
	if ts.IndexTemplateName != "cloudtrail-audit-audit.personalize" {
		t.Fatal(ts.IndexTemplateName)
	}
	if p := ts.IndexTemplate["index_patterns"].([]string); len(p) != 1 || p[0] != "logs-audit.personalize-*" {
		t.Fatalf("patterns %v", p)
	}
	if _, ok := ts.ComponentTemplates["cloudtrail-audit-audit.personalize@mappings"]; !ok {
		t.Fatal("component names follow the index template")
	}
	def := Templates(TemplatesConfig{}, DefaultDataset, current)
	if def.IndexTemplate["index_patterns"].([]string)[0] != "logs-cloudtrail.*-*" {
		t.Fatal("default pattern")
	}
	s := def.ComponentTemplates["cloudtrail-audit@settings"]
	if _, ok := s["template"].(map[string]any)["settings"].(map[string]any)["index"].(map[string]any)["lifecycle"]; ok {
		t.Fatal("no ILM policy unless configured")
	}
}

// TestREADMEDocumentsEveryField keeps the README's field tables in step with
// the mapping.
func TestREADMEDocumentsEveryField(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for f := range MappedFields() {
		if !strings.Contains(string(readme), "`"+f+"`") {
			t.Errorf("README.md does not document %s", f)
		}
	}
}
