// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestShippedConfigsKeepGuarantees checks, without a binary, that every
// configuration the project shows (config/*.yaml, the README's example and
// the component READMEs' whole pipelines) keeps the README's "Guarantees"
// wherever the receiver checkpoints: no batch processor (it acknowledges
// before the exporter holds the records), and every exporter exports
// synchronously, so that the receiver checkpoints only what the backend
// accepted: `sending_queue: {enabled: false}`, or an in-memory queue with
// `wait_for_result: true`. A persistent queue (sending_queue.storage) is
// refused: exporterhelper loses its items when the collector is killed
// while restoring them (TestCrashShippedConfigs with CRASH_QUEUE=persistent
// shows it). TestREADMEConfigSurvivesBackendOutage and
// TestCrashShippedConfigs show the configurations keep the promise.
func TestShippedConfigsKeepGuarantees(t *testing.T) {
	root := repoRoot(t)
	docs := map[string]map[string]any{"README.md": readmeConfigExample(t)}
	paths, err := filepath.Glob(filepath.Join(root, "config", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no configurations under config/: %v", err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		docs[filepath.Join("config", filepath.Base(p))] = doc
	}
	// The component READMEs' examples that show a whole pipeline: copied
	// as often as the ready configurations.
	for _, readme := range componentREADMEs(t, root) {
		for i, doc := range pipelineExamples(t, root, readme) {
			docs[fmt.Sprintf("%s#%d", readme, i+1)] = doc
		}
	}
	checked := 0
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			checked += checkPipelinesSafe(t, doc)
		})
	}
	// demo.yaml keeps no checkpoints; the other four and the README do.
	if checked != len(docs)-1 {
		t.Errorf("%d configurations have a checkpointing cloudtrail pipeline, want %d", checked, len(docs)-1)
	}
}

// componentREADMEs lists the READMEs of the receivers and exporters, relative
// to the repository root.
func componentREADMEs(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"receiver/*/README.md", "exporter/*/README.md"} {
		paths, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
	}
	if len(out) == 0 {
		t.Fatal("no component READMEs found")
	}
	return out
}

// pipelineExamples returns the ```yaml blocks of a README that define a
// logs pipeline with a checkpointing cloudtrail receiver.
func pipelineExamples(t *testing.T, root, readme string) []map[string]any {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(root, readme))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(text), -1) {
		var doc map[string]any
		if yaml.Unmarshal([]byte(m[1]), &doc) != nil || mapAt(doc, "service", "pipelines") == nil {
			continue // a fragment, not a whole configuration
		}
		for id, r := range mapAt(doc, "receivers") {
			rc, _ := r.(map[string]any)
			if componentType(id) == "cloudtrail" && rc["storage"] != nil {
				out = append(out, doc)
				break
			}
		}
	}
	return out
}

// checkPipelinesSafe reports the unsafe parts of doc's checkpointing
// pipelines and returns 1 if it has one.
func checkPipelinesSafe(t *testing.T, doc map[string]any) int {
	t.Helper()
	found := 0
	pipelines := mapAt(doc, "service", "pipelines")
	for pname, p := range pipelines {
		pipe, _ := p.(map[string]any)
		checkpointing := false
		for _, id := range listAt(pipe, "receivers") {
			if componentType(id) == "cloudtrail" && mapAt(doc, "receivers", id)["storage"] != nil {
				checkpointing = true
			}
		}
		if !checkpointing {
			continue
		}
		found = 1
		for _, id := range listAt(pipe, "processors") {
			if componentType(id) == "batch" {
				t.Errorf("pipeline %s: processor %s acknowledges records before the exporter holds them: remove it (the receiver sends batch_size records per call)", pname, id)
			}
		}
		for _, id := range listAt(pipe, "exporters") {
			checkExporterSafe(t, pname, id, mapAt(doc, "exporters", id))
		}
	}
	return found
}

func checkExporterSafe(t *testing.T, pipeline, id string, cfg map[string]any) {
	t.Helper()
	if componentType(id) == "audit_console" {
		return // no queue: prints before it returns
	}
	queue := mapAt(cfg, "sending_queue")
	enabled, set := queue["enabled"].(bool)
	switch {
	case set && !enabled:
		// synchronous: the receiver's consume returns once exported
	case queue["storage"] != nil:
		t.Errorf("pipeline %s: exporter %s queues on storage: the persistent queue loses records the receiver checkpointed "+
			"when the collector is killed while restoring it; set sending_queue: {enabled: false}", pipeline, id)
		return
	case queue["wait_for_result"] != true:
		t.Errorf("pipeline %s: exporter %s queues in memory without wait_for_result: a stop or crash while the backend "+
			"is down loses checkpointed records; set sending_queue: {enabled: false}", pipeline, id)
		return
	}
	// Synchronous: a give-up would hand the receiver an error it retries
	// anyway; elasticsearch_audit's default is already 0 (no limit).
	if componentType(id) != "elasticsearch_audit" {
		switch v := mapAt(cfg, "retry_on_failure")["max_elapsed_time"]; v {
		case 0, "0", "0s":
		default:
			t.Errorf("pipeline %s: exporter %s gives up retrying (retry_on_failure.max_elapsed_time %v): set it to 0", pipeline, id, v)
		}
	}
}

func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

// mapAt walks nested maps; a missing or null step gives an empty map.
func mapAt(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, _ := m[k].(map[string]any)
		m = next
	}
	return m
}

func listAt(m map[string]any, key string) []string {
	var out []string
	items, _ := m[key].([]any)
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
