// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"encoding/json"
	"testing"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// TestLifecycleByCluster installs the templates on the clusters real users
// have (the double refuses what each version refuses) and checks what
// manages the data stream the first documents create.
func TestLifecycleByCluster(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      esdouble.Options
		ilm       string
		retention string
		// want: the data stream's lifecycle, ILM policy and manager.
		wantLifecycle, wantILM, wantManaged string
		wantWarning                         string
	}{
		{name: "8.17 default", opts: esdouble.Options{Version: "8.17.0"}, retention: defaultDataRetention,
			wantLifecycle: `{"data_retention":"365d"}`, wantManaged: "Data stream lifecycle"},
		{name: "9.1 kept forever", opts: esdouble.Options{Version: "9.1.0"}, retention: "",
			wantLifecycle: `{}`, wantManaged: "Data stream lifecycle"},
		{name: "8.11 first with lifecycle", opts: esdouble.Options{Version: "8.11.0"}, retention: "30d",
			wantLifecycle: `{"data_retention":"30d"}`, wantManaged: "Data stream lifecycle"},
		{name: "8.10 no lifecycle yet", opts: esdouble.Options{Version: "8.10.4"}, retention: defaultDataRetention,
			wantILM: "logs", wantManaged: "Index Lifecycle Management", wantWarning: "has no data stream lifecycle"},
		{name: "ilm_policy", opts: esdouble.Options{Version: "8.17.0"}, ilm: "audit-1y", retention: defaultDataRetention,
			wantILM: "audit-1y", wantManaged: "Index Lifecycle Management"},
		{name: "serverless", opts: esdouble.Options{Version: "8.11.0", Serverless: true}, retention: "90d",
			wantLifecycle: `{"data_retention":"90d"}`, wantManaged: "Data stream lifecycle"},
		{name: "serverless ignores ilm_policy", opts: esdouble.Options{Version: "8.11.0", Serverless: true}, ilm: "logs", retention: "90d",
			wantLifecycle: `{"data_retention":"90d"}`, wantManaged: "Data stream lifecycle", wantWarning: "Serverless has no ILM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := esdouble.Start(t, tc.opts)
			cfg := testConfig(s.URL)
			cfg.Templates.ILMPolicy, cfg.Templates.DataRetention = tc.ilm, tc.retention
			h := mustStart(t, cfg)
			if h.logged("refused the index templates") {
				t.Fatalf("templates refused: %s", h.allLogText())
			}
			if tc.wantWarning != "" && !h.logged(tc.wantWarning) {
				t.Fatalf("no warning %q", tc.wantWarning)
			}
			if err := consume(t, h, cloudTrailLogs(t, 0, 2, ct.BodyMap)); err != nil {
				t.Fatal(err)
			}
			if got := s.TemplateFor(defaultStream); got != "cloudtrail-audit" {
				t.Fatalf("data stream from template %q", got)
			}
			lc, ilm, managed, _ := s.DataStreamLifecycle(defaultStream)
			if string(lc) != tc.wantLifecycle || ilm != tc.wantILM || managed != tc.wantManaged {
				t.Fatalf("lifecycle %s, ILM %q, managed by %q; want %s, %q, %q", lc, ilm, managed, tc.wantLifecycle, tc.wantILM, tc.wantManaged)
			}
		})
	}
}

// TestLifecycleIsInTheIndexTemplate: the lifecycle is what the cluster
// keeps in the index template (where GET _index_template shows it).
func TestLifecycleIsInTheIndexTemplate(t *testing.T) {
	ts := Templates(TemplatesConfig{DataRetention: "365d"}, DefaultDataset, Cluster{Version: "8.17.0"})
	b, _ := json.Marshal(ts.IndexTemplate["template"])
	if string(b) != `{"lifecycle":{"data_retention":"365d"}}` || ts.Lifecycle != "data stream lifecycle, data_retention 365d" {
		t.Fatalf("template %s, lifecycle %q", b, ts.Lifecycle)
	}
}
