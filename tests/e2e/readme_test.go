// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// readmeConfigExample returns the collector configuration of the root
// README's "## Configuration" section (its first ```yaml block), read at test
// time so that the test runs what a reader copies.
func readmeConfigExample(t *testing.T) map[string]any {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(text)
	i := strings.Index(section, "\n## Configuration\n")
	if i < 0 {
		t.Fatal("README.md has no \"## Configuration\" section")
	}
	section = section[i:]
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("README.md: no ```yaml block in \"## Configuration\"")
	}
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("README.md: the configuration example is not YAML: %v", err)
	}
	return cfg
}

// setPath replaces the value at a path of map keys and list indexes; the
// value must already be there, so a README that no longer has it fails here
// instead of running something else.
func setPath(t *testing.T, doc map[string]any, path string, value any) {
	t.Helper()
	keys := strings.Split(path, ".")
	var cur any = doc
	for i, k := range keys {
		last := i == len(keys)-1
		switch node := cur.(type) {
		case map[string]any:
			if _, ok := node[k]; !ok {
				t.Fatalf("README.md configuration example: %s has no %q", strings.Join(keys[:i], "."), k)
			}
			if last {
				node[k] = value
				return
			}
			cur = node[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(node) {
				t.Fatalf("README.md configuration example: %s has no item %q", strings.Join(keys[:i], "."), k)
			}
			if last {
				node[n] = value
				return
			}
			cur = node[n]
		default:
			t.Fatalf("README.md configuration example: %s is not a map or list", strings.Join(keys[:i], "."))
		}
	}
}

// TestREADMEConfigSurvivesBackendOutage runs the README's configuration
// example, with only its paths and endpoints replaced, through the outage
// that lost every record with the in-memory sending queue: the OTLP backend
// answers 503 while the collector reads the trail, the collector is stopped
// (SIGTERM), and restarted against a backend that is back. Every Personalize
// event must arrive: the exporter sends synchronously, so the receiver
// checkpoints a record only once the backend accepted it, and the restart
// reads the rest again from the trail.
func TestREADMEConfigSurvivesBackendOutage(t *testing.T) {
	bin := collectorBinary(t)
	watchDir, rep := copyExamples(t)
	storageDir := filepath.Join(t.TempDir(), "storage")

	sink := newOTLPSink(t)
	sink.SetDown(true)

	render := func() (string, string) {
		cfg := readmeConfigExample(t)
		healthAddr := freeLoopbackAddr(t)
		_, metricsPort, _ := strings.Cut(freeLoopbackAddr(t), ":")
		port, _ := strconv.Atoi(metricsPort)
		setPath(t, cfg, "extensions.file_storage.directory", storageDir)
		setPath(t, cfg, "extensions.health_check.endpoint", healthAddr)
		setPath(t, cfg, "receivers.cloudtrail.directory.path", watchDir)
		setPath(t, cfg, "exporters.otlp_http.endpoint", sink.URL())
		setPath(t, cfg, "service.telemetry.metrics.readers.0.pull.exporter.prometheus.port", port)
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return string(out), healthAddr
	}

	// 1. The backend is down while the collector reads the whole trail.
	cfg, healthAddr := render()
	col := startCollector(t, bin, "outage", cfg, healthAddr)
	waitUntil(t, deliverTimeout, func() bool { return sink.Refused() > 0 },
		func() string { return "the collector sent nothing to the (refusing) backend" })
	// Several seconds of outage: the receiver finishes the files and
	// checkpoints them, the exporter keeps retrying.
	time.Sleep(5 * time.Second)
	col.stop()
	t.Logf("backend refused %d requests during the outage; %d records got through", sink.Refused(), sink.Len())
	if sink.Len() != 0 {
		t.Fatalf("%d records arrived while the backend refused everything", sink.Len())
	}

	// 2. The backend is back; the restarted collector delivers every event.
	sink.SetDown(false)
	cfg, healthAddr = render()
	col = startCollector(t, bin, "recovered", cfg, healthAddr)
	if !sink.WaitForLen(len(rep.Events), deliverTimeout) {
		got := sink.Records()
		t.Fatalf("after the restart only %d of %d Personalize events arrived within %v (the rest were lost in the outage)",
			len(got), len(rep.Events), deliverTimeout)
	}
	time.Sleep(settle)
	seen := checkDeliveredAtLeastOnce(t, sink.Records(), rep.Events, contentTypeJSON)
	if dups := sink.Len() - len(seen); dups > 0 {
		// At-least-once allows this; Elasticsearch's _id = eventID absorbs it.
		t.Logf("%d records arrived twice", dups)
	}
	checkSinkErrors(t, sink)
	col.stop()
}

// TestREADMEGuaranteesNameTests: every test the README's "Guarantees"
// section names as proof (`TestX`, `FuzzX`) exists as a function of a
// _test.go file of the repository, so that a renamed or deleted test cannot
// leave a promise without its proof.
func TestREADMEGuaranteesNameTests(t *testing.T) {
	root := repoRoot(t)
	text, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(text)
	i := strings.Index(section, "\n## Guarantees\n")
	if i < 0 {
		t.Fatal(`README.md has no "## Guarantees" section`)
	}
	section = section[i+1:]
	if j := strings.Index(section, "\n## "); j >= 0 {
		section = section[:j]
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)`").FindAllStringSubmatch(section, -1) {
		named[m[1]] = false
	}
	if len(named) < 10 {
		t.Fatalf("the Guarantees section names only %d tests", len(named))
	}
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".tools", "build", "bin", "dist", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			if _, ok := named[m[1]]; ok {
				named[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, found := range named {
		if !found {
			t.Errorf("README.md \"Guarantees\" names %s, but no _test.go file declares func %s(", name, name)
		}
	}
}
