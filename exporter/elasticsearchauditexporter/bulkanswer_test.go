// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"path/filepath"
	"testing"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// Answers that are not Elasticsearch's verdict on each document must never
// count as indexed nor send documents to the dead-letter file: the exporter
// sends the request again, and every document ends up indexed once.
func TestBulkAnswersThatAreNotAVerdictAreRetried(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"200 with no items", "application/json", `{"errors":false,"items":[]}`, 200},
		{"200 with fewer items", "application/json", `{"errors":false,"items":[{"create":{"_id":"x","status":201}}]}`, 200},
		{"200 that is not JSON", "text/html", `<html>maintenance</html>`, 200},
		{"a proxy's 400 page", "text/html", `<html><body>400 Bad Request</body></html>`, 400},
		{"a proxy's 502 page", "text/html", `<html><body>502 Bad Gateway</body></html>`, 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := esdouble.Start(t, esdouble.Options{})
			s.AnswerBulkRaw(2, c.status, c.contentType, c.body)
			cfg := testConfig(s.URL)
			cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq.ndjson")
			h := mustStart(t, cfg)
			if err := consume(t, h, cloudTrailLogs(t, 0, 20, ct.BodyMap)); err != nil {
				t.Fatalf("after two bad answers the third request succeeds: %v", err)
			}
			if n := s.Count(defaultStream); n != 20 {
				t.Fatalf("indexed %d of 20", n)
			}
			if got := bulkItems(s); len(got) != 3 {
				t.Fatalf("bulk requests %v: want two answered by the proxy, then one indexing all", got)
			}
			if l := readDeadLetter(t, cfg.DeadLetter.Path); len(l) != 0 {
				t.Fatalf("dead-lettered %v", l)
			}
		})
	}
}

// Elasticsearch's own 400 on the request as a whole is a verdict: sending
// the request again cannot succeed, so the documents are dead-lettered.
func TestElasticsearchRequestLevel400IsAVerdict(t *testing.T) {
	s := esdouble.Start(t, esdouble.Options{})
	s.AnswerBulkRaw(1, 400, "application/json",
		`{"error":{"root_cause":[],"type":"illegal_argument_exception","reason":"bad"},"status":400}`)
	cfg := testConfig(s.URL)
	cfg.DeadLetter.Path = filepath.Join(t.TempDir(), "dlq.ndjson")
	h := mustStart(t, cfg)
	if err := consume(t, h, cloudTrailLogs(t, 0, 5, ct.BodyMap)); err != nil {
		t.Fatal(err)
	}
	if l := readDeadLetter(t, cfg.DeadLetter.Path); len(l) != 5 || l[0]["status"].(float64) != 400 {
		t.Fatalf("dead letter = %v", l)
	}
}
