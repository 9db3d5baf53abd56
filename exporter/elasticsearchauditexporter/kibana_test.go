// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

const kibanaFile = "../../config/kibana/personalize-audit.ndjson"

type savedObject struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
	References []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"references"`
	CoreMigrationVersion string            `json:"coreMigrationVersion"`
	MigrationVersion     map[string]string `json:"migrationVersion"`
}

func loadSavedObjects(t *testing.T) []savedObject {
	t.Helper()
	f, err := os.Open(filepath.Clean(kibanaFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []savedObject
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o savedObject
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, o)
	}
	return out
}

// embedded decodes a JSON document stored as a string attribute.
func embedded(t *testing.T, o savedObject, path ...string) map[string]any {
	t.Helper()
	var cur any = o.Attributes
	for _, p := range path {
		cur = cur.(map[string]any)[p]
	}
	s, ok := cur.(string)
	if !ok {
		t.Fatalf("%s %s: %v is not a JSON string", o.Type, o.ID, path)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s %s: %v: %v", o.Type, o.ID, path, err)
	}
	return m
}

// kqlField finds `field :` in KQL queries.
var kqlField = regexp.MustCompile(`([A-Za-z_@][A-Za-z0-9_.@]*)\s*:`)

// aggregatable types can be used in terms and date_histogram aggregations.
var aggregatable = map[string]bool{"keyword": true, "constant_keyword": true, "ip": true, "date": true, "boolean": true, "byte": true}

// fieldUse is one field a saved object names; agg: it aggregates or sorts
// on it.
type fieldUse struct {
	field string
	agg   bool
}

// usedFields lists every field a saved object names (data view time field,
// columns, sort, KQL query, filters, aggregation fields) and its KQL query.
func usedFields(t *testing.T, o savedObject) (uses []fieldUse, kql string) {
	t.Helper()
	searchSource := func() {
		ss := embedded(t, o, "kibanaSavedObjectMeta", "searchSourceJSON")
		if q, ok := ss["query"].(map[string]any); ok {
			kql, _ = q["query"].(string)
			for _, m := range kqlField.FindAllStringSubmatch(kql, -1) {
				uses = append(uses, fieldUse{m[1], false})
			}
		}
		filters, _ := ss["filter"].([]any)
		for _, f := range filters {
			if key, ok := f.(map[string]any)["meta"].(map[string]any)["key"].(string); ok {
				uses = append(uses, fieldUse{key, false})
			} else {
				t.Errorf("%s %s: a filter without meta.key cannot be checked: %v", o.Type, o.ID, f)
			}
		}
	}
	switch o.Type {
	case "index-pattern":
		uses = append(uses, fieldUse{o.Attributes["timeFieldName"].(string), true})
	case "search":
		for _, c := range o.Attributes["columns"].([]any) {
			uses = append(uses, fieldUse{c.(string), false})
		}
		for _, s := range o.Attributes["sort"].([]any) {
			uses = append(uses, fieldUse{s.([]any)[0].(string), true})
		}
		searchSource()
	case "visualization":
		vs := embedded(t, o, "visState")
		for _, a := range vs["aggs"].([]any) {
			if f, ok := a.(map[string]any)["params"].(map[string]any)["field"].(string); ok {
				uses = append(uses, fieldUse{f, true})
			}
		}
		searchSource()
	}
	return uses, kql
}

// TestKibanaSavedObjects checks the saved objects against the index
// template the exporter installs: every field a data view, saved search or
// visualization names must be mapped (and aggregatable where aggregated),
// every reference must resolve inside the file, and the dashboard and the
// saved searches restore a time range wide enough for a historical trail.
func TestKibanaSavedObjects(t *testing.T) {
	objs := loadSavedObjects(t)
	fields := MappedFields()
	byKey := map[string]savedObject{}
	types := map[string]int{}
	for _, o := range objs {
		byKey[o.Type+"/"+o.ID] = o
		types[o.Type]++
		if o.CoreMigrationVersion == "" || o.MigrationVersion[o.Type] == "" {
			t.Errorf("%s %s: migration versions are needed for import into newer Kibana", o.Type, o.ID)
		}
	}
	if types["index-pattern"] != 1 || types["search"] < 1 || types["dashboard"] != 1 || types["visualization"] < 3 {
		t.Fatalf("object types %v", types)
	}
	for _, o := range objs {
		for _, r := range o.References {
			if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s %s references missing %s %s", o.Type, o.ID, r.Type, r.ID)
			}
		}
		uses, _ := usedFields(t, o)
		for _, u := range uses {
			typ, ok := fields[u.field]
			switch {
			case !ok:
				t.Errorf("%s %s references field %q, which the index template does not map", o.Type, o.ID, u.field)
			case u.agg && !aggregatable[typ]:
				t.Errorf("%s %s aggregates on %q of type %s", o.Type, o.ID, u.field, typ)
			}
		}
		if o.Type == "search" || o.Type == "visualization" {
			ss := embedded(t, o, "kibanaSavedObjectMeta", "searchSourceJSON")
			if ref, ok := ss["indexRefName"].(string); !ok || !hasRef(o, ref, "index-pattern") {
				t.Errorf("%s %s: indexRefName %q has no reference", o.Type, o.ID, ref)
			}
		}
		switch o.Type {
		case "index-pattern":
			if o.Attributes["title"] != "logs-cloudtrail.*-*" || o.Attributes["timeFieldName"] != "@timestamp" {
				t.Errorf("data view: %v", o.Attributes)
			}
		case "search":
			tr, _ := o.Attributes["timeRange"].(map[string]any)
			checkRestoredTime(t, o, tr["from"], tr["to"])
		case "dashboard":
			checkRestoredTime(t, o, o.Attributes["timeFrom"], o.Attributes["timeTo"])
			var panels []map[string]any
			if err := json.Unmarshal([]byte(o.Attributes["panelsJSON"].(string)), &panels); err != nil {
				t.Fatal(err)
			}
			if len(panels) != len(o.References) {
				t.Errorf("dashboard: %d panels, %d references", len(panels), len(o.References))
			}
			for _, p := range panels {
				if !hasRef(o, p["panelRefName"].(string), p["type"].(string)) {
					t.Errorf("dashboard panel %v has no matching reference", p["panelRefName"])
				}
			}
		}
	}
	if byKey["search/personalize-api-activity"].Attributes["title"] != "Personalize API activity" {
		t.Error("the saved search must be titled \"Personalize API activity\"")
	}
}

// restoredRange is the relative time range the dashboard and the saved
// searches restore: a year, the default data_retention, so that a trail
// loaded from S3 shows up at once instead of Kibana's last 15 minutes.
const restoredFrom, restoredTo = "now-1y", "now"

func checkRestoredTime(t *testing.T, o savedObject, from, to any) {
	t.Helper()
	if o.Attributes["timeRestore"] != true || from != restoredFrom || to != restoredTo {
		t.Errorf("%s %s must restore the time range %s to %s, has timeRestore %v, %v to %v",
			o.Type, o.ID, restoredFrom, restoredTo, o.Attributes["timeRestore"], from, to)
	}
}

// TestKibanaFieldsInSampleDocuments sends the bundled sample trail
// (examples/) through the exporter into the double and checks each saved
// object against the documents written: its query matches some, and every
// field it names is present in the documents it matches, so that no column,
// chart or filter of the dashboard is empty on the sample.
func TestKibanaFieldsInSampleDocuments(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	h := mustStart(t, testConfig(s.URL))
	if err := consume(t, h, readExamples(t)); err != nil {
		t.Fatal(err)
	}
	docs := s.Docs("logs-*")
	if len(docs) < 400 {
		t.Fatalf("%d documents from the sample", len(docs))
	}
	for _, o := range loadSavedObjects(t) {
		uses, kql := usedFields(t, o)
		var matched []esdouble.Doc
		for _, d := range docs {
			if kqlMatches(t, kql, d) {
				matched = append(matched, d)
			}
		}
		if len(matched) == 0 {
			t.Errorf("%s %s: query %q matches none of the sample's %d documents", o.Type, o.ID, kql, len(docs))
			continue
		}
		for _, u := range uses {
			present := false
			for _, d := range matched {
				if len(d.Field(u.field)) > 0 {
					present = true
					break
				}
			}
			if !present {
				t.Errorf("%s %s: field %q is in none of the %d sample documents its query matches", o.Type, o.ID, u.field, len(matched))
			}
		}
	}
}

// readExamples maps every record of the CloudTrail log files in examples/
// (digests are skipped), as the receiver does.
func readExamples(t *testing.T) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	err := filepath.WalkDir("../../examples", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json.gz") || strings.Contains(path, "CloudTrail-Digest") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fr, err := ct.NewFileReader(f, ct.NewSelector(nil, nil, nil), ct.DecoderOptions{})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		b := ct.NewBatch(ct.MapOptions{Body: ct.BodyMap})
		for {
			err := fr.ReadBatch(b, 1000)
			b.Take().ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kqlClause is `field : "value"` or `field : ("a" or "b")`, the KQL the
// saved objects use, joined by `and`.
var kqlClause = regexp.MustCompile(`^([A-Za-z_@][A-Za-z0-9_.@]*)\s*:\s*(?:"([^"]*)"|\(\s*("[^"]*"(?:\s+or\s+"[^"]*")*)\s*\))$`)

// kqlMatches evaluates that KQL subset on a document; anything else fails
// the test, so that a new query is not silently unchecked.
func kqlMatches(t *testing.T, kql string, d esdouble.Doc) bool {
	t.Helper()
	if strings.TrimSpace(kql) == "" {
		return true
	}
	for _, clause := range strings.Split(kql, " and ") {
		m := kqlClause.FindStringSubmatch(strings.TrimSpace(clause))
		if m == nil {
			t.Fatalf("KQL clause %q is outside what this test evaluates", clause)
		}
		want := []string{m[2]}
		if m[3] != "" {
			want = nil
			for _, v := range strings.Split(m[3], " or ") {
				want = append(want, strings.Trim(strings.TrimSpace(v), `"`))
			}
		}
		hit := false
		for _, v := range d.Field(m[1]) {
			if slices.Contains(want, fmt.Sprint(v)) {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

func hasRef(o savedObject, name, typ string) bool {
	for _, r := range o.References {
		if r.Name == name && r.Type == typ {
			return true
		}
	}
	return false
}
