// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenValue renders a pcommon.Value so that its type is visible: an int
// and a double that print alike must not compare equal.
func goldenValue(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return map[string]float64{"double": v.Double()}
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeMap:
		m := map[string]any{}
		for k, e := range v.Map().All() {
			m[k] = goldenValue(e)
		}
		return m
	case pcommon.ValueTypeSlice:
		s := []any{}
		for _, e := range v.Slice().All() {
			s = append(s, goldenValue(e))
		}
		return s
	case pcommon.ValueTypeBytes:
		return v.Bytes().AsRaw()
	}
	return nil
}

type goldenRecord struct {
	Resource   map[string]any `json:"resource"`
	Time       string         `json:"time,omitempty"`
	Severity   string         `json:"severity"`
	EventName  string         `json:"event_name,omitempty"`
	Attributes map[string]any `json:"attributes"`
	Body       any            `json:"body,omitempty"`
}

type goldenFile struct {
	Format       string         `json:"format"`
	Records      int64          `json:"records"`
	Selected     int64          `json:"selected"`
	Skipped      int64          `json:"skipped,omitempty"`
	RecordErrors []string       `json:"record_errors,omitempty"`
	FileError    string         `json:"file_error,omitempty"`
	Logs         []goldenRecord `json:"logs"`
}

func goldenLogs(logs plog.Logs) []goldenRecord {
	var out []goldenRecord
	for _, rl := range logs.ResourceLogs().All() {
		res := goldenValue(mapValue(rl.Resource().Attributes())).(map[string]any)
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				g := goldenRecord{
					Resource:   res,
					Severity:   lr.SeverityText(),
					EventName:  lr.EventName(),
					Attributes: goldenValue(mapValue(lr.Attributes())).(map[string]any),
					Body:       goldenValue(lr.Body()),
				}
				if lr.Timestamp() != 0 {
					g.Time = lr.Timestamp().AsTime().UTC().Format(time.RFC3339Nano)
				}
				out = append(out, g)
			}
		}
	}
	return out
}

func mapValue(m pcommon.Map) pcommon.Value {
	v := pcommon.NewValueMap()
	m.CopyTo(v.Map())
	return v
}

// decodeForGolden runs the whole pipeline on one file.
func decodeForGolden(t *testing.T, path string, sel *Selector) (goldenFile, plog.Logs) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var g goldenFile
	all := plog.NewLogs()
	fr, err := NewFileReader(f, sel, DecoderOptions{})
	if err != nil {
		g.FileError = err.Error()
		return g, all
	}
	defer fr.Close()
	fr.observed = func() time.Time { return time.Unix(0, 0) }
	fr.OnRecordError = func(index int64, err error) {
		g.RecordErrors = append(g.RecordErrors, "record "+itoa(index)+": "+err.Error())
	}
	b := NewBatch(MapOptions{Body: BodyMap, ScopeName: "golden"})
	for {
		err := fr.ReadBatch(b, 100)
		b.Take().ResourceLogs().MoveAndAppendTo(all.ResourceLogs())
		if err == io.EOF {
			break
		}
		if err != nil {
			g.FileError = err.Error()
			break
		}
	}
	st := fr.Stats()
	g.Format, g.Records, g.Selected, g.Skipped = st.Format.String(), st.Records, st.Selected, st.Skipped
	g.Logs = goldenLogs(all)
	return g, all
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// inputFiles lists the CloudTrail-ish files below dir (json, jsonl, gz, txt).
func inputFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "golden" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".jsonl") || strings.HasSuffix(p, ".json.gz") || strings.HasSuffix(p, ".json.txt")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func checkGolden(t *testing.T, name string, g goldenFile) {
	t.Helper()
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".golden.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/cloudtrail -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; rerun with -update after checking the change:\n%s", name, path, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(int64(i+1)) + ":\n got: " + al[i] + "\nwant: " + bl[i]
		}
	}
	return "lengths differ"
}

// TestGoldenFixtures maps every fixture with every event source selected.
func TestGoldenFixtures(t *testing.T) {
	for _, path := range inputFiles(t, "testdata") {
		name := strings.TrimPrefix(filepath.ToSlash(path), "testdata/")
		t.Run(name, func(t *testing.T) {
			g, _ := decodeForGolden(t, path, NewSelector(nil, nil, nil))
			checkGolden(t, "fixtures/"+name, g)
		})
	}
}

// TestGoldenExamples maps the bundled sample trail with the default
// (Personalize) selection, and checks that it covers every operation.
func TestGoldenExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "examples")
	files := inputFiles(t, dir)
	if len(files) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	seen := map[string]bool{}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		name := filepath.ToSlash(rel)
		g, logs := decodeForGolden(t, path, DefaultSelector())
		checkGolden(t, "examples/"+name, g)
		if g.FileError != "" || len(g.RecordErrors) > 0 {
			t.Errorf("%s: errors %q %v", name, g.FileError, g.RecordErrors)
		}
		for _, rl := range logs.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if lr.EventName() != "" {
						seen[lr.EventName()] = true
					}
					a := lr.Attributes()
					src, _ := a.Get(attr.EventSource)
					if src.Str() != personalize.EventSource {
						t.Errorf("%s: selected a record of %q", name, src.Str())
					}
					{
						if api, ok := a.Get(attr.PersonalizeAPI); !ok || api.Str() == "" {
							t.Errorf("%s: %s has no %s", name, lr.EventName(), attr.PersonalizeAPI)
						}
					}
				}
			}
		}
	}
	for _, op := range personalize.Operations() {
		if !seen[op.Name] {
			t.Errorf("examples/ has no %s record", op.Name)
		}
	}
}
