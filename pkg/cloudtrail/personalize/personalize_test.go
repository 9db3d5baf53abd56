// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// tsvRows reads a tab-separated file of this package, skipping '#' comments,
// and returns its rows as header-keyed maps. It is deliberately independent
// of internal/gen so that the table is checked by a second reader.
func tsvRows(t *testing.T, name string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	var rows []map[string]string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if header == nil {
			header = f
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = f[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func TestTableShape(t *testing.T) {
	ops := Operations()
	if len(ops) != 79 {
		t.Fatalf("%d operations, want 79", len(ops))
	}
	var readOnly, mutating int
	perAPI := map[API]int{}
	perAccess := map[string]int{}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Name] {
			t.Errorf("duplicate %s", op.Name)
		}
		seen[op.Name] = true
		if op.ReadOnly == op.Mutating {
			t.Errorf("%s: ReadOnly=%v Mutating=%v", op.Name, op.ReadOnly, op.Mutating)
		}
		if op.ReadOnly {
			readOnly++
		} else {
			mutating++
		}
		perAPI[op.API]++
		perAccess[op.AccessLevel]++
		for _, r := range op.RequiredARNParams {
			if !slices.Contains(op.RequestARNParams, r) {
				t.Errorf("%s: required %q not among %v", op.Name, r, op.RequestARNParams)
			}
		}
		for _, p := range op.RequestARNParams {
			if strings.HasSuffix(p, "*") {
				t.Errorf("%s: %q keeps the required marker", op.Name, p)
			}
		}
		// IAM access levels follow the name (personalize-api.md section 1).
		wantAccess := "Write"
		switch {
		case strings.HasPrefix(op.Name, "Describe"), strings.HasPrefix(op.Name, "Get"):
			wantAccess = "Read"
		case strings.HasPrefix(op.Name, "List"):
			wantAccess = "List"
		case op.Name == "TagResource", op.Name == "UntagResource":
			wantAccess = "Tagging"
		}
		if op.AccessLevel != wantAccess {
			t.Errorf("%s: AccessLevel %q, want %q", op.Name, op.AccessLevel, wantAccess)
		}
	}
	if readOnly != 40 || mutating != 39 {
		t.Errorf("read-only/mutating = %d/%d, want 40/39", readOnly, mutating)
	}
	if want := (map[API]int{APIControl: 71, APIEvents: 5, APIRuntime: 3}); !reflect.DeepEqual(perAPI, want) {
		t.Errorf("per API = %v, want %v", perAPI, want)
	}
	if want := (map[string]int{"Read": 22, "List": 18, "Write": 37, "Tagging": 2}); !reflect.DeepEqual(perAccess, want) {
		t.Errorf("per access level = %v, want %v", perAccess, want)
	}
}

// TestTableMatchesTSV re-reads operations.tsv with a separate parser and
// compares every exported field, in order.
func TestTableMatchesTSV(t *testing.T) {
	rows := tsvRows(t, "operations.tsv")
	ops := Operations()
	if len(rows) != len(ops) {
		t.Fatalf("operations.tsv has %d rows, table %d", len(rows), len(ops))
	}
	apis := map[string]API{
		"personalize-2018-05-22":         APIControl,
		"personalize-events-2018-03-22":  APIEvents,
		"personalize-runtime-2018-05-22": APIRuntime,
	}
	cells := func(s string) []string {
		if s == "-" {
			return nil
		}
		return strings.Split(s, ",")
	}
	for i, r := range rows {
		name := r["operation"]
		want := Operation{
			Name:        name,
			API:         apis[r["service_model_uid"]],
			Mutating:    r["mutating"] == "yes",
			ReadOnly:    r["expected_readOnly"] == "true",
			AccessLevel: r["iam_access_level(SAR)"],
		}
		for _, p := range cells(r["arn_request_params(*=required)"]) {
			want.RequestARNParams = append(want.RequestARNParams, strings.TrimSuffix(p, "*"))
			if strings.HasSuffix(p, "*") {
				want.RequiredARNParams = append(want.RequiredARNParams, strings.TrimSuffix(p, "*"))
			}
		}
		want.ResponseARNs = cells(r["response_arn_elements"])
		if v := r["non_arn_id_params"]; v != "-" {
			want.NonARNIDParams = []string{strings.TrimSuffix(strings.Fields(v)[0], "*")}
		}
		got := ops[i]
		got.primaryResp, got.primaryReq = "", nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want)
		}
		if r["expected_cloudtrail_eventSource"] != EventSource {
			t.Errorf("%s: eventSource %q", name, r["expected_cloudtrail_eventSource"])
		}
		op, ok := Lookup(name)
		if !ok || op.Name != name {
			t.Errorf("Lookup(%q) = %v, %v", name, op.Name, ok)
		}
	}
}

func TestLookup(t *testing.T) {
	op, ok := Lookup("GetSolutionMetrics")
	if !ok || op.API != APIControl || !op.ReadOnly || op.AccessLevel != "Read" ||
		!reflect.DeepEqual(op.RequestARNParams, []string{"solutionVersionArn"}) {
		t.Errorf("Lookup(GetSolutionMetrics) = %+v, %v", op, ok)
	}
	op, ok = Lookup("PutEvents")
	if !ok || op.API != APIEvents || op.Mutating != true || !reflect.DeepEqual(op.NonARNIDParams, []string{"trackingId"}) {
		t.Errorf("Lookup(PutEvents) = %+v, %v", op, ok)
	}
	op, ok = Lookup("CreateSolution")
	if !ok || !reflect.DeepEqual(op.RequestARNParams, []string{"recipeArn", "datasetGroupArn", "solutionConfig.autoMLConfig.recipeList"}) ||
		!reflect.DeepEqual(op.RequiredARNParams, []string{"datasetGroupArn"}) {
		t.Errorf("Lookup(CreateSolution) = %+v, %v", op, ok)
	}
	// Names are case-sensitive like CloudTrail's eventName, and IAM-only
	// actions are not operations.
	for _, name := range []string{"", "createcampaign", "CreateDataInsightsJob", "ListDataInsightsJobs", "CreateCampaign "} {
		if op, ok := Lookup(name); ok || !reflect.DeepEqual(op, Operation{}) {
			t.Errorf("Lookup(%q) = %+v, %v; want zero, false", name, op, ok)
		}
	}
}

func TestOperationsReturnsCopy(t *testing.T) {
	a := Operations()
	a[0].Name = "Changed"
	a[0].RequestARNParams[0] = "changed"
	a = append(a[:1], a[2:]...)
	_ = a
	b := Operations()
	if len(b) != 79 || b[0].Name != "CreateBatchInferenceJob" || b[0].RequestARNParams[0] != "solutionVersionArn" || b[1].Name != "CreateBatchSegmentJob" {
		t.Fatalf("Operations() shares state with its callers: %+v", b[:2])
	}
	if op, _ := Lookup("CreateBatchInferenceJob"); op.RequestARNParams[0] != "solutionVersionArn" {
		t.Fatalf("editing Operations() changed Lookup: %v", op.RequestARNParams)
	}
}

// TestPrimaryRule pins the generated rule against primary.tsv, and the
// shape of the rule per operation family described in the package spec.
func TestPrimaryRule(t *testing.T) {
	rows := tsvRows(t, "primary.tsv")
	if len(rows) != 79 {
		t.Fatalf("primary.tsv has %d rows", len(rows))
	}
	for _, r := range rows {
		name := r["operation"]
		i, ok := index[name]
		if !ok {
			t.Fatalf("%s not in the table", name)
		}
		op := operations[i]
		wantResp := r["primary_response_arn"]
		if wantResp == "-" {
			wantResp = ""
		}
		var wantReq []string
		if v := r["primary_request_arns(in order)"]; v != "-" {
			wantReq = strings.Split(v, ",")
		}
		if op.primaryResp != wantResp || !reflect.DeepEqual(op.primaryReq, wantReq) {
			t.Errorf("%s: rule resp=%q req=%v, primary.tsv resp=%q req=%v", name, op.primaryResp, op.primaryReq, wantResp, wantReq)
		}
		switch {
		case strings.HasPrefix(name, "Create"):
			if op.primaryResp == "" || op.primaryReq != nil {
				t.Errorf("%s: Create* must name its response ARN only", name)
			}
		case strings.HasPrefix(name, "Update"), name == "StartRecommender", name == "StopRecommender":
			if op.primaryResp == "" || !reflect.DeepEqual(op.primaryReq, []string{op.primaryResp}) {
				t.Errorf("%s: must fall back from resp to the same-named request ARN", name)
			}
		case strings.HasPrefix(name, "Delete"), strings.HasPrefix(name, "Describe"), name == "GetSolutionMetrics",
			name == "StopSolutionVersionCreation":
			if op.primaryResp != "" || len(op.primaryReq) != 1 || op.primaryReq[0] != op.RequiredARNParams[0] {
				t.Errorf("%s: must use its required request ARN", name)
			}
		case strings.HasPrefix(name, "List") && name != "ListTagsForResource":
			if op.primaryResp != "" || !reflect.DeepEqual(op.primaryReq, op.RequestARNParams) || op.RequiredARNParams != nil {
				t.Errorf("%s: must use its optional parent ARN", name)
			}
		}
	}
}
