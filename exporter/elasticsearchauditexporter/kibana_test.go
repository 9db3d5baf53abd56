package elasticsearchauditexporter

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
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

// TestKibanaSavedObjects checks the saved objects against the index
// template the exporter installs: every field a data view, saved search or
// visualization names must be mapped (and aggregatable where aggregated),
// and every reference must resolve inside the file.
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
	needField := func(o savedObject, f string, agg bool) {
		typ, ok := fields[f]
		switch {
		case !ok:
			t.Errorf("%s %s references field %q, which the index template does not map", o.Type, o.ID, f)
		case agg && !aggregatable[typ]:
			t.Errorf("%s %s aggregates on %q of type %s", o.Type, o.ID, f, typ)
		}
	}
	checkSearchSource := func(o savedObject) {
		ss := embedded(t, o, "kibanaSavedObjectMeta", "searchSourceJSON")
		if q, ok := ss["query"].(map[string]any); ok {
			for _, m := range kqlField.FindAllStringSubmatch(q["query"].(string), -1) {
				needField(o, m[1], false)
			}
		}
		if ref, ok := ss["indexRefName"].(string); ok && !hasRef(o, ref, "index-pattern") {
			t.Errorf("%s %s: indexRefName %q has no reference", o.Type, o.ID, ref)
		}
	}
	for _, o := range objs {
		for _, r := range o.References {
			if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s %s references missing %s %s", o.Type, o.ID, r.Type, r.ID)
			}
		}
		switch o.Type {
		case "index-pattern":
			if o.Attributes["title"] != "logs-cloudtrail.*-*" || o.Attributes["timeFieldName"] != "@timestamp" {
				t.Errorf("data view: %v", o.Attributes)
			}
			needField(o, o.Attributes["timeFieldName"].(string), true)
		case "search":
			for _, c := range o.Attributes["columns"].([]any) {
				needField(o, c.(string), false)
			}
			for _, s := range o.Attributes["sort"].([]any) {
				needField(o, s.([]any)[0].(string), true)
			}
			checkSearchSource(o)
		case "visualization":
			vs := embedded(t, o, "visState")
			for _, a := range vs["aggs"].([]any) {
				if f, ok := a.(map[string]any)["params"].(map[string]any)["field"].(string); ok {
					needField(o, f, true)
				}
			}
			checkSearchSource(o)
		case "dashboard":
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

func hasRef(o savedObject, name, typ string) bool {
	for _, r := range o.References {
		if r.Name == name && r.Type == typ {
			return true
		}
	}
	return false
}
