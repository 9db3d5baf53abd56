// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize

import (
	"slices"
	"strings"
	"testing"
)

// Realistic ARNs of one account, shaped like the AWS documentation examples.
const (
	acct   = "arn:aws:personalize:us-west-2:111122223333:"
	dsg    = acct + "dataset-group/retail"
	ds     = acct + "dataset/retail/INTERACTIONS"
	dsItem = acct + "dataset/retail/ITEMS"
	dsUser = acct + "dataset/retail/USERS"
	dsAct  = acct + "dataset/retail/ACTIONS"
	schema = acct + "schema/retail-interactions"
	schem2 = acct + "schema/retail-interactions-v2"
	sol    = acct + "solution/retail-upersonalization"
	sv     = acct + "solution/retail-upersonalization/3ba6a5be"
	sv2    = acct + "solution/retail-upersonalization/7c1d93f0"
	camp   = acct + "campaign/retail-homepage"
	rec    = acct + "recommender/retail-for-you"
	et     = acct + "event-tracker/d2e0162e"
	filt   = acct + "filter/retail-exclude-purchased"
	bij    = acct + "batch-inference-job/retail-nightly"
	bsj    = acct + "batch-segment-job/retail-segments"
	dij    = acct + "dataset-import-job/retail-interactions-2026-11"
	dej    = acct + "dataset-export-job/retail-export"
	ma     = acct + "metric-attribution/retail-metrics"
	ddj    = acct + "data-deletion-job/retail-gdpr-2026-11"
	recipe = "arn:aws:personalize:::recipe/aws-user-personalization"
	ecomm  = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"
	algo   = "arn:aws:personalize:::algorithm/aws-hrnn"
	ft     = "arn:aws:personalize:::feature-transformation/JSON-percentile-filtering"
	role   = "arn:aws:iam::111122223333:role/service-role/PersonalizeS3Access"
	kms    = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
	tid    = "c1ddc9f0-3b56-4b31-9c58-4a56b1f8a0e4"

	hostControl = "personalize.us-west-2.amazonaws.com"
	hostEvents  = "personalize-events.us-west-2.amazonaws.com"
	hostRuntime = "personalize-runtime.us-west-2.amazonaws.com"
)

// m is a decoded requestParameters or responseElements object.
type m map[string]any

// lk adapts m to Lookuper the way a decoder would: only strings answer.
func lk(o m) Lookuper {
	if o == nil {
		return nil
	}
	return func(k string) (string, bool) {
		v, ok := o[k].(string)
		return v, ok
	}
}

type want struct {
	arn, typ, dsg string
	derived       bool
	tracking      string
}

func check(t *testing.T, label string, got Result, w want) {
	t.Helper()
	if got.ResourceARN != w.arn || got.ResourceType != w.typ {
		t.Errorf("%s: primary = %q (%q), want %q (%q)", label, got.ResourceARN, got.ResourceType, w.arn, w.typ)
	}
	if got.DatasetGroupARN != w.dsg || got.DatasetGroupDerived != w.derived {
		t.Errorf("%s: dataset group = %q derived=%v, want %q derived=%v", label, got.DatasetGroupARN, got.DatasetGroupDerived, w.dsg, w.derived)
	}
	if got.TrackingID != w.tracking {
		t.Errorf("%s: TrackingID = %q, want %q", label, got.TrackingID, w.tracking)
	}
}

// successCases holds one successful call per operation, with the request and
// response members the models define (nested ones omitted: Lookuper is
// top-level) and responseElements null for read-only calls, as CloudTrail
// documents.
var successCases = []struct {
	op        string
	req, resp m
	want      want
}{
	{"CreateBatchInferenceJob", m{"jobName": "retail-nightly", "solutionVersionArn": sv, "filterArn": filt, "roleArn": role, "numResults": 25}, m{"batchInferenceJobArn": bij}, want{arn: bij, typ: "batch-inference-job"}},
	{"CreateBatchSegmentJob", m{"jobName": "retail-segments", "solutionVersionArn": sv, "roleArn": role}, m{"batchSegmentJobArn": bsj}, want{arn: bsj, typ: "batch-segment-job"}},
	{"CreateCampaign", m{"name": "retail-homepage", "solutionVersionArn": sv, "minProvisionedTPS": 1}, m{"campaignArn": camp}, want{arn: camp, typ: "campaign"}},
	{"CreateDataDeletionJob", m{"jobName": "retail-gdpr-2026-11", "datasetGroupArn": dsg, "roleArn": role}, m{"dataDeletionJobArn": ddj}, want{arn: ddj, typ: "data-deletion-job", dsg: dsg}},
	{"CreateDataset", m{"name": "retail-interactions", "schemaArn": schema, "datasetGroupArn": dsg, "datasetType": "Interactions"}, m{"datasetArn": ds}, want{arn: ds, typ: "dataset", dsg: dsg}},
	{"CreateDatasetExportJob", m{"jobName": "retail-export", "datasetArn": ds, "roleArn": role}, m{"datasetExportJobArn": dej}, want{arn: dej, typ: "dataset-export-job", dsg: dsg, derived: true}},
	{"CreateDatasetGroup", m{"name": "retail", "roleArn": role, "kmsKeyArn": kms, "domain": "ECOMMERCE"}, m{"datasetGroupArn": dsg, "domain": "ECOMMERCE"}, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"CreateDatasetImportJob", m{"jobName": "retail-interactions-2026-11", "datasetArn": ds, "roleArn": role, "importMode": "FULL"}, m{"datasetImportJobArn": dij}, want{arn: dij, typ: "dataset-import-job", dsg: dsg, derived: true}},
	{"CreateEventTracker", m{"name": "retail-clickstream", "datasetGroupArn": dsg}, m{"eventTrackerArn": et, "trackingId": tid}, want{arn: et, typ: "event-tracker", dsg: dsg}},
	{"CreateFilter", m{"name": "retail-exclude-purchased", "datasetGroupArn": dsg, "filterExpression": hidden}, m{"filterArn": filt}, want{arn: filt, typ: "filter", dsg: dsg}},
	{"CreateMetricAttribution", m{"name": "retail-metrics", "datasetGroupArn": dsg}, m{"metricAttributionArn": ma}, want{arn: ma, typ: "metric-attribution", dsg: dsg}},
	{"CreateRecommender", m{"name": "retail-for-you", "datasetGroupArn": dsg, "recipeArn": ecomm}, m{"recommenderArn": rec}, want{arn: rec, typ: "recommender", dsg: dsg}},
	{"CreateSchema", m{"name": "retail-interactions", "schema": `{"type":"record"}`}, m{"schemaArn": schema}, want{arn: schema, typ: "schema"}},
	{"CreateSolution", m{"name": "retail-upersonalization", "datasetGroupArn": dsg, "recipeArn": recipe}, m{"solutionArn": sol}, want{arn: sol, typ: "solution", dsg: dsg}},
	{"CreateSolutionVersion", m{"solutionArn": sol, "trainingMode": "FULL"}, m{"solutionVersionArn": sv}, want{arn: sv, typ: "solution"}},
	{"DeleteCampaign", m{"campaignArn": camp}, nil, want{arn: camp, typ: "campaign"}},
	{"DeleteDataset", m{"datasetArn": ds}, nil, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
	{"DeleteDatasetGroup", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"DeleteEventTracker", m{"eventTrackerArn": et}, nil, want{arn: et, typ: "event-tracker"}},
	{"DeleteFilter", m{"filterArn": filt}, nil, want{arn: filt, typ: "filter"}},
	{"DeleteMetricAttribution", m{"metricAttributionArn": ma}, nil, want{arn: ma, typ: "metric-attribution"}},
	{"DeleteRecommender", m{"recommenderArn": rec}, nil, want{arn: rec, typ: "recommender"}},
	{"DeleteSchema", m{"schemaArn": schema}, nil, want{arn: schema, typ: "schema"}},
	{"DeleteSolution", m{"solutionArn": sol}, nil, want{arn: sol, typ: "solution"}},
	{"DescribeAlgorithm", m{"algorithmArn": algo}, nil, want{arn: algo, typ: "algorithm"}},
	{"DescribeBatchInferenceJob", m{"batchInferenceJobArn": bij}, nil, want{arn: bij, typ: "batch-inference-job"}},
	{"DescribeBatchSegmentJob", m{"batchSegmentJobArn": bsj}, nil, want{arn: bsj, typ: "batch-segment-job"}},
	{"DescribeCampaign", m{"campaignArn": camp}, nil, want{arn: camp, typ: "campaign"}},
	{"DescribeDataDeletionJob", m{"dataDeletionJobArn": ddj}, nil, want{arn: ddj, typ: "data-deletion-job"}},
	{"DescribeDataset", m{"datasetArn": ds}, nil, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
	{"DescribeDatasetExportJob", m{"datasetExportJobArn": dej}, nil, want{arn: dej, typ: "dataset-export-job"}},
	{"DescribeDatasetGroup", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"DescribeDatasetImportJob", m{"datasetImportJobArn": dij}, nil, want{arn: dij, typ: "dataset-import-job"}},
	{"DescribeEventTracker", m{"eventTrackerArn": et}, nil, want{arn: et, typ: "event-tracker"}},
	{"DescribeFeatureTransformation", m{"featureTransformationArn": ft}, nil, want{arn: ft, typ: "feature-transformation"}},
	{"DescribeFilter", m{"filterArn": filt}, nil, want{arn: filt, typ: "filter"}},
	{"DescribeMetricAttribution", m{"metricAttributionArn": ma}, nil, want{arn: ma, typ: "metric-attribution"}},
	{"DescribeRecipe", m{"recipeArn": recipe}, nil, want{arn: recipe, typ: "recipe"}},
	{"DescribeRecommender", m{"recommenderArn": rec}, nil, want{arn: rec, typ: "recommender"}},
	{"DescribeSchema", m{"schemaArn": schema}, nil, want{arn: schema, typ: "schema"}},
	{"DescribeSolution", m{"solutionArn": sol}, nil, want{arn: sol, typ: "solution"}},
	{"DescribeSolutionVersion", m{"solutionVersionArn": sv}, nil, want{arn: sv, typ: "solution"}},
	{"GetSolutionMetrics", m{"solutionVersionArn": sv}, nil, want{arn: sv, typ: "solution"}},
	{"ListBatchInferenceJobs", m{"solutionVersionArn": sv, "maxResults": 100}, nil, want{arn: sv, typ: "solution"}},
	{"ListBatchSegmentJobs", m{"solutionVersionArn": sv}, nil, want{arn: sv, typ: "solution"}},
	{"ListCampaigns", m{"solutionArn": sol}, nil, want{arn: sol, typ: "solution"}},
	{"ListDataDeletionJobs", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListDatasetExportJobs", m{"datasetArn": ds}, nil, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
	{"ListDatasetGroups", m{"maxResults": 100}, nil, want{}},
	{"ListDatasetImportJobs", m{"datasetArn": ds}, nil, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
	{"ListDatasets", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListEventTrackers", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListFilters", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListMetricAttributionMetrics", m{"metricAttributionArn": ma}, nil, want{arn: ma, typ: "metric-attribution"}},
	{"ListMetricAttributions", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListRecipes", m{"recipeSource": "SERVICE", "domain": "ECOMMERCE"}, nil, want{}},
	{"ListRecommenders", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListSchemas", nil, nil, want{}},
	{"ListSolutionVersions", m{"solutionArn": sol}, nil, want{arn: sol, typ: "solution"}},
	{"ListSolutions", m{"datasetGroupArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"ListTagsForResource", m{"resourceArn": camp}, nil, want{arn: camp, typ: "campaign"}},
	{"StartRecommender", m{"recommenderArn": rec}, m{"recommenderArn": rec}, want{arn: rec, typ: "recommender"}},
	{"StopRecommender", m{"recommenderArn": rec}, m{"recommenderArn": rec}, want{arn: rec, typ: "recommender"}},
	{"StopSolutionVersionCreation", m{"solutionVersionArn": sv}, nil, want{arn: sv, typ: "solution"}},
	{"TagResource", m{"resourceArn": dsg, "tags": hidden}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
	{"UntagResource", m{"resourceArn": rec, "tagKeys": hidden}, nil, want{arn: rec, typ: "recommender"}},
	{"UpdateCampaign", m{"campaignArn": camp, "solutionVersionArn": sv2}, m{"campaignArn": camp}, want{arn: camp, typ: "campaign"}},
	{"UpdateDataset", m{"datasetArn": ds, "schemaArn": schem2}, m{"datasetArn": ds}, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
	{"UpdateMetricAttribution", m{"metricAttributionArn": ma}, m{"metricAttributionArn": ma}, want{arn: ma, typ: "metric-attribution"}},
	{"UpdateRecommender", m{"recommenderArn": rec}, m{"recommenderArn": rec}, want{arn: rec, typ: "recommender"}},
	{"UpdateSolution", m{"solutionArn": sol}, m{"solutionArn": sol}, want{arn: sol, typ: "solution"}},
	{"PutActionInteractions", m{"trackingId": tid, "actionInteractions": hidden}, nil, want{tracking: tid}},
	{"PutActions", m{"datasetArn": dsAct, "actions": hidden}, nil, want{arn: dsAct, typ: "dataset", dsg: dsg, derived: true}},
	{"PutEvents", m{"trackingId": tid, "userId": hidden, "sessionId": "s-1", "eventList": hidden}, nil, want{tracking: tid}},
	{"PutItems", m{"datasetArn": dsItem, "items": hidden}, nil, want{arn: dsItem, typ: "dataset", dsg: dsg, derived: true}},
	{"PutUsers", m{"datasetArn": dsUser, "users": hidden}, nil, want{arn: dsUser, typ: "dataset", dsg: dsg, derived: true}},
	{"GetActionRecommendations", m{"campaignArn": camp, "userId": hidden, "numResults": 5}, nil, want{arn: camp, typ: "campaign"}},
	{"GetPersonalizedRanking", m{"campaignArn": camp, "userId": hidden, "inputList": hidden, "filterArn": filt}, nil, want{arn: camp, typ: "campaign"}},
	{"GetRecommendations", m{"campaignArn": camp, "userId": hidden, "filterArn": filt, "numResults": 25}, nil, want{arn: camp, typ: "campaign"}},
}

func hostFor(api API) string {
	switch api {
	case APIEvents:
		return hostEvents
	case APIRuntime:
		return hostRuntime
	}
	return hostControl
}

// TestResolveEveryOperation checks one successful call of each of the 79
// operations, and that its type is the one primary.tsv documents.
func TestResolveEveryOperation(t *testing.T) {
	types := map[string][]string{}
	for _, r := range tsvRows(t, "primary.tsv") {
		types[r["operation"]] = strings.Split(r["primary_type"], ",")
	}
	covered := map[string]bool{}
	for _, c := range successCases {
		op, ok := Lookup(c.op)
		if !ok {
			t.Fatalf("%s: not in the table", c.op)
		}
		if covered[c.op] {
			t.Errorf("%s: two success cases", c.op)
		}
		covered[c.op] = true
		got := Resolve(c.op, hostFor(op.API), lk(c.req), lk(c.resp), nil)
		if !got.Known || got.API != op.API {
			t.Errorf("%s: Known=%v API=%q, want true %q", c.op, got.Known, got.API, op.API)
		}
		check(t, c.op, got, c.want)
		wantTypes := types[c.op]
		switch {
		case c.want.arn == "":
			if wantTypes[0] != "-" {
				t.Errorf("%s: primary.tsv says %v, case has no primary", c.op, wantTypes)
			}
		case wantTypes[0] != "any" && !slices.Contains(wantTypes, got.ResourceType):
			t.Errorf("%s: type %q not among primary.tsv's %v", c.op, got.ResourceType, wantTypes)
		}
		// The table, not the host header, decides the group of a known
		// operation.
		if other := Resolve(c.op, "", lk(c.req), lk(c.resp), nil); other != got {
			t.Errorf("%s: result depends on the host header: %+v vs %+v", c.op, other, got)
		}
	}
	for _, op := range Operations() {
		if !covered[op.Name] {
			t.Errorf("%s: no success case", op.Name)
		}
	}
}

// TestResolveFailedCalls covers records with errorCode set, where
// responseElements is null.
func TestResolveFailedCalls(t *testing.T) {
	// Every Create* loses its primary ARN, whatever the request holds.
	for _, c := range successCases {
		if !strings.HasPrefix(c.op, "Create") {
			continue
		}
		got := Resolve(c.op, hostControl, lk(c.req), nil, nil)
		if got.ResourceARN != "" || got.ResourceType != "" {
			t.Errorf("failed %s: primary %q (%q), want none", c.op, got.ResourceARN, got.ResourceType)
		}
		if !got.Known || got.API != APIControl {
			t.Errorf("failed %s: Known=%v API=%q", c.op, got.Known, got.API)
		}
	}
	// Update*/Start*/Stop* fall back to the same-named request ARN.
	for _, c := range successCases {
		if !strings.HasPrefix(c.op, "Update") && !strings.HasPrefix(c.op, "Start") && !strings.HasPrefix(c.op, "Stop") {
			continue
		}
		got := Resolve(c.op, hostControl, lk(c.req), nil, nil)
		check(t, "failed "+c.op, got, c.want)
	}

	cases := []struct {
		name      string
		op        string
		req, resp m
		want      want
	}{
		// Parent ARNs still feed the dataset group of a failed Create*.
		{"CreateDataset keeps explicit group", "CreateDataset", m{"schemaArn": schema, "datasetGroupArn": dsg}, nil, want{dsg: dsg}},
		{"CreateSolution keeps explicit group", "CreateSolution", m{"datasetGroupArn": dsg, "recipeArn": recipe}, nil, want{dsg: dsg}},
		{"CreateDatasetImportJob derives group", "CreateDatasetImportJob", m{"datasetArn": ds, "roleArn": role}, nil, want{dsg: dsg, derived: true}},
		{"CreateDatasetGroup has nothing", "CreateDatasetGroup", m{"name": "retail"}, nil, want{}},
		{"CreateCampaign has nothing", "CreateCampaign", m{"solutionVersionArn": sv}, nil, want{}},
		// An empty object is as good as null.
		{"CreateCampaign empty response", "CreateCampaign", m{"solutionVersionArn": sv}, m{}, want{}},
		{"UpdateMetricAttribution without ARN", "UpdateMetricAttribution", m{"metricsOutputConfig": m{}}, nil, want{}},
		{"StopSolutionVersionCreation", "StopSolutionVersionCreation", m{"solutionVersionArn": sv}, nil, want{arn: sv, typ: "solution"}},
		// Delete*/Describe* with the request withheld (e.g. access denied
		// before parsing) have nothing to report.
		{"DeleteCampaign null request", "DeleteCampaign", nil, nil, want{}},
		{"DescribeRecipe null request", "DescribeRecipe", nil, nil, want{}},
	}
	for _, c := range cases {
		check(t, c.name, Resolve(c.op, hostControl, lk(c.req), lk(c.resp), nil), c.want)
	}
}

// TestResolveResponseFirst pins that the response ARN wins over the request
// one when both exist and differ.
func TestResolveResponseFirst(t *testing.T) {
	other := acct + "campaign/other"
	got := Resolve("UpdateCampaign", hostControl, lk(m{"campaignArn": other}), lk(m{"campaignArn": camp}), nil)
	check(t, "UpdateCampaign", got, want{arn: camp, typ: "campaign"})
	// A non-string or empty response member is absent.
	got = Resolve("UpdateCampaign", hostControl, lk(m{"campaignArn": camp}), lk(m{"campaignArn": 7}), nil)
	check(t, "UpdateCampaign non-string resp", got, want{arn: camp, typ: "campaign"})
	got = Resolve("UpdateCampaign", hostControl, lk(m{"campaignArn": camp}), lk(m{"campaignArn": ""}), nil)
	check(t, "UpdateCampaign empty resp", got, want{arn: camp, typ: "campaign"})
	// Read-only calls ignore responseElements even if one shows up.
	got = Resolve("DescribeCampaign", hostControl, lk(m{"campaignArn": camp}), lk(m{"campaignArn": other}), nil)
	check(t, "DescribeCampaign", got, want{arn: camp, typ: "campaign"})
}

func TestResolveList(t *testing.T) {
	cases := []struct {
		op   string
		req  m
		want want
	}{
		{"ListDatasets", m{"datasetGroupArn": dsg}, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
		{"ListDatasets", m{"maxResults": 100}, want{}},
		{"ListDatasets", nil, want{}},
		{"ListCampaigns", m{"solutionArn": sol}, want{arn: sol, typ: "solution"}},
		{"ListCampaigns", m{"nextToken": "abc"}, want{}},
		{"ListSolutionVersions", m{"solutionArn": sol}, want{arn: sol, typ: "solution"}},
		{"ListSolutionVersions", m{}, want{}},
		{"ListBatchInferenceJobs", m{"solutionVersionArn": sv}, want{arn: sv, typ: "solution"}},
		{"ListBatchInferenceJobs", nil, want{}},
		{"ListDatasetImportJobs", m{"datasetArn": ds}, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
		{"ListDatasetImportJobs", nil, want{}},
		{"ListMetricAttributionMetrics", m{"metricAttributionArn": ma}, want{arn: ma, typ: "metric-attribution"}},
		{"ListMetricAttributionMetrics", nil, want{}},
		{"ListRecipes", m{"recipeProvider": "SERVICE"}, want{}},
		{"ListDatasetGroups", nil, want{}},
		{"ListSchemas", m{"maxResults": 10}, want{}},
		// The parent must be a string: a decoder's non-string is absent.
		{"ListFilters", m{"datasetGroupArn": m{}}, want{}},
		// ListTagsForResource always names its resource.
		{"ListTagsForResource", m{"resourceArn": sv}, want{arn: sv, typ: "solution"}},
	}
	for _, c := range cases {
		got := Resolve(c.op, hostControl, lk(c.req), nil, nil)
		check(t, c.op, got, c.want)
	}
}

func TestResolveRuntime(t *testing.T) {
	cases := []struct {
		name string
		op   string
		req  m
		want want
	}{
		{"campaign", "GetRecommendations", m{"campaignArn": camp, "itemId": hidden}, want{arn: camp, typ: "campaign"}},
		{"recommender", "GetRecommendations", m{"recommenderArn": rec, "userId": hidden}, want{arn: rec, typ: "recommender"}},
		{"both prefers campaign", "GetRecommendations", m{"recommenderArn": rec, "campaignArn": camp}, want{arn: camp, typ: "campaign"}},
		{"filter is not primary", "GetRecommendations", m{"filterArn": filt, "userId": hidden}, want{}},
		{"empty campaign falls back", "GetRecommendations", m{"campaignArn": "", "recommenderArn": rec}, want{arn: rec, typ: "recommender"}},
		{"non-string campaign falls back", "GetRecommendations", m{"campaignArn": 1, "recommenderArn": rec}, want{arn: rec, typ: "recommender"}},
		{"null request", "GetRecommendations", nil, want{}},
		{"redacted campaign kept verbatim", "GetRecommendations", m{"campaignArn": hidden}, want{arn: hidden}},
		{"ranking", "GetPersonalizedRanking", m{"campaignArn": camp, "filterArn": filt}, want{arn: camp, typ: "campaign"}},
		{"action recommendations", "GetActionRecommendations", m{"campaignArn": camp}, want{arn: camp, typ: "campaign"}},
		// The models give these two no recommenderArn; the table follows them.
		{"ranking has no recommender", "GetPersonalizedRanking", m{"recommenderArn": rec}, want{}},
		{"action has no recommender", "GetActionRecommendations", m{"recommenderArn": rec}, want{}},
	}
	for _, c := range cases {
		got := Resolve(c.op, hostRuntime, lk(c.req), nil, nil)
		if got.API != APIRuntime || !got.Known {
			t.Errorf("%s: API=%q Known=%v", c.name, got.API, got.Known)
		}
		check(t, c.name, got, c.want)
	}
}

func TestResolveEvents(t *testing.T) {
	cases := []struct {
		name string
		op   string
		req  m
		want want
	}{
		{"PutEvents", "PutEvents", m{"trackingId": tid, "sessionId": "s"}, want{tracking: tid}},
		{"PutEvents without tracking id", "PutEvents", m{"sessionId": "s"}, want{}},
		{"PutEvents null request", "PutEvents", nil, want{}},
		{"PutActionInteractions", "PutActionInteractions", m{"trackingId": tid}, want{tracking: tid}},
		// trackingId is only read where the model defines it.
		{"PutItems ignores trackingId", "PutItems", m{"datasetArn": dsItem, "trackingId": tid}, want{arn: dsItem, typ: "dataset", dsg: dsg, derived: true}},
		{"PutUsers", "PutUsers", m{"datasetArn": dsUser}, want{arn: dsUser, typ: "dataset", dsg: dsg, derived: true}},
		{"PutActions", "PutActions", m{"datasetArn": dsAct}, want{arn: dsAct, typ: "dataset", dsg: dsg, derived: true}},
		{"PutItems null request", "PutItems", nil, want{}},
	}
	for _, c := range cases {
		got := Resolve(c.op, hostEvents, lk(c.req), nil, nil)
		if got.API != APIEvents || !got.Known {
			t.Errorf("%s: API=%q Known=%v", c.name, got.API, got.Known)
		}
		check(t, c.name, got, c.want)
	}
	if got := Resolve("CreateEventTracker", hostControl, lk(m{"datasetGroupArn": dsg, "trackingId": tid}), lk(m{"eventTrackerArn": et, "trackingId": tid}), nil); got.TrackingID != "" {
		t.Errorf("CreateEventTracker: TrackingID %q, want none", got.TrackingID)
	}
}

func TestResolveResources(t *testing.T) {
	cases := []struct {
		name      string
		op        string
		req, resp m
		resources []string
		want      want
	}{
		{"resources win over the table", "DescribeCampaign", m{"campaignArn": camp}, nil, []string{rec}, want{arn: rec, typ: "recommender"}},
		{"resources win over the response", "CreateCampaign", m{"solutionVersionArn": sv}, m{"campaignArn": camp}, []string{sv}, want{arn: sv, typ: "solution"}},
		{"first Personalize ARN wins", "TagResource", m{"resourceArn": camp}, nil, []string{role, kms, filt, camp}, want{arn: filt, typ: "filter"}},
		{"non-Personalize resources ignored", "DeleteFilter", m{"filterArn": filt}, nil, []string{role, kms}, want{arn: filt, typ: "filter"}},
		{"malformed resources ignored", "DeleteFilter", m{"filterArn": filt}, nil, []string{"", hidden, "campaign/x"}, want{arn: filt, typ: "filter"}},
		{"empty slice", "DeleteFilter", m{"filterArn": filt}, nil, []string{}, want{arn: filt, typ: "filter"}},
		{"failed create named by resources", "CreateCampaign", m{"solutionVersionArn": sv}, nil, []string{camp}, want{arn: camp, typ: "campaign"}},
		{"list without parent", "ListDatasetGroups", nil, nil, []string{dsg}, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
		{"dataset resource derives group", "PutEvents", m{"trackingId": tid}, nil, []string{ds}, want{arn: ds, typ: "dataset", dsg: dsg, derived: true, tracking: tid}},
		{"global recipe", "DescribeRecipe", m{"recipeArn": ecomm}, nil, []string{recipe}, want{arn: recipe, typ: "recipe"}},
		{"unknown operation", "CreateDataInsightsJob", m{"datasetGroupArn": dsg}, nil, []string{acct + "data-insights-job/retail"}, want{arn: acct + "data-insights-job/retail", typ: "data-insights-job", dsg: dsg}},
	}
	for _, c := range cases {
		check(t, c.name, Resolve(c.op, hostControl, lk(c.req), lk(c.resp), c.resources), c.want)
	}
}

func TestResolveUnknown(t *testing.T) {
	cases := []struct {
		name, host string
		api        API
		req        m
		want       want
	}{
		{"control host", hostControl, APIControl, nil, want{}},
		{"events host", hostEvents, APIEvents, m{"trackingId": tid, "datasetArn": ds}, want{dsg: dsg, derived: true}},
		{"runtime host", hostRuntime, APIRuntime, m{"campaignArn": camp}, want{}},
		{"upper-case host", "PERSONALIZE-RUNTIME.US-WEST-2.AMAZONAWS.COM", APIRuntime, nil, want{}},
		{"china host", "personalize.cn-north-1.amazonaws.com.cn", APIControl, nil, want{}},
		{"explicit dataset group", hostControl, APIControl, m{"datasetGroupArn": dsg, "name": "insights"}, want{dsg: dsg}},
		{"no host", "", "", m{"datasetGroupArn": dsg}, want{dsg: dsg}},
		{"other service host", "s3.us-west-2.amazonaws.com", "", nil, want{}},
		{"prefix without dot", "personalizefoo.us-west-2.amazonaws.com", "", nil, want{}},
		{"bare prefix", "personalize", "", nil, want{}},
		{"vpce-style host", "vpce-0abc.personalize.us-west-2.vpce.amazonaws.com", "", nil, want{}},
	}
	// An operation newer than the table: its primary ARN is the member its
	// name implies (CreateDataInsightsJob → response dataInsightsJobArn).
	job := acct + "data-insights-job/x"
	for _, c := range cases {
		got := Resolve("CreateDataInsightsJob", c.host, lk(c.req), lk(m{"dataInsightsJobArn": job}), nil)
		if got.Known || got.API != c.api {
			t.Errorf("%s: Known=%v API=%q, want false %q", c.name, got.Known, got.API, c.api)
		}
		c.want.arn, c.want.typ = job, "data-insights-job"
		check(t, c.name, got, c.want)
		// Without that member (a failed create): none.
		c.want.arn, c.want.typ = "", ""
		check(t, c.name+", failed", Resolve("CreateDataInsightsJob", c.host, lk(c.req), nil, nil), c.want)
	}
	for _, c := range []struct {
		op        string
		req, resp m
		want      string
	}{
		{"UpdateDataInsightsJob", m{"dataInsightsJobArn": job}, nil, job},
		{"DescribeDataInsightsJob", m{"dataInsightsJobArn": job}, nil, job},
		{"DeleteDataInsightsJob", m{"dataInsightsJobArn": job}, m{"dataInsightsJobArn": "other"}, job},
		{"ListDataInsightsJobs", m{"dataInsightsJobArn": job}, nil, ""},
		{"Createx", m{"xArn": job}, m{"xArn": job}, ""},
	} {
		if got := Resolve(c.op, hostControl, lk(c.req), lk(c.resp), nil); got.ResourceARN != c.want {
			t.Errorf("%s: primary %q, want %q", c.op, got.ResourceARN, c.want)
		}
	}
	if got := Resolve("", "", nil, nil, nil); got != (Result{}) {
		t.Errorf("empty record: %+v", got)
	}
}

func TestResolveDatasetGroup(t *testing.T) {
	cn := "arn:aws-cn:personalize:cn-north-1:111122223333:"
	gov := "arn:aws-us-gov:personalize:us-gov-west-1:111122223333:"
	cases := []struct {
		name      string
		op        string
		req, resp m
		want      want
	}{
		{"explicit request wins over dataset", "CreateDataset", m{"datasetGroupArn": acct + "dataset-group/explicit"}, m{"datasetArn": ds}, want{arn: ds, typ: "dataset", dsg: acct + "dataset-group/explicit"}},
		{"response of CreateDatasetGroup", "CreateDatasetGroup", m{"name": "retail"}, m{"datasetGroupArn": dsg}, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
		{"primary dataset group", "TagResource", m{"resourceArn": dsg}, nil, want{arn: dsg, typ: "dataset-group", dsg: dsg}},
		{"primary dataset", "DeleteDataset", m{"datasetArn": ds}, nil, want{arn: ds, typ: "dataset", dsg: dsg, derived: true}},
		{"request dataset", "CreateDatasetExportJob", m{"datasetArn": dsItem}, m{"datasetExportJobArn": dej}, want{arn: dej, typ: "dataset-export-job", dsg: dsg, derived: true}},
		{"primary dataset before request dataset", "TagResource", m{"resourceArn": acct + "dataset/first/ITEMS", "datasetArn": acct + "dataset/second/ITEMS"}, nil, want{arn: acct + "dataset/first/ITEMS", typ: "dataset", dsg: acct + "dataset-group/first", derived: true}},
		{"aws-cn partition", "PutItems", m{"datasetArn": cn + "dataset/retail-cn/ITEMS"}, nil, want{arn: cn + "dataset/retail-cn/ITEMS", typ: "dataset", dsg: cn + "dataset-group/retail-cn", derived: true}},
		{"aws-us-gov partition", "DescribeDataset", m{"datasetArn": gov + "dataset/gov/USERS"}, nil, want{arn: gov + "dataset/gov/USERS", typ: "dataset", dsg: gov + "dataset-group/gov", derived: true}},
		{"dataset id without type part", "DeleteDataset", m{"datasetArn": acct + "dataset/retail"}, nil, want{arn: acct + "dataset/retail", typ: "dataset", dsg: dsg, derived: true}},
		{"dataset without id", "DeleteDataset", m{"datasetArn": acct + "dataset/"}, nil, want{arn: acct + "dataset/", typ: "dataset"}},
		{"dataset without region", "DeleteDataset", m{"datasetArn": "arn:aws:personalize:::dataset/retail/ITEMS"}, nil, want{arn: "arn:aws:personalize:::dataset/retail/ITEMS", typ: "dataset"}},
		{"dataset group without id", "DeleteDatasetGroup", m{"datasetGroupArn": acct + "dataset-group/"}, nil, want{arn: acct + "dataset-group/", typ: "dataset-group", dsg: acct + "dataset-group/"}},
		{"non-Personalize dataset is not derived", "TagResource", m{"resourceArn": "arn:aws:other:us-west-2:111122223333:dataset/retail/ITEMS"}, nil, want{arn: "arn:aws:other:us-west-2:111122223333:dataset/retail/ITEMS", typ: "dataset"}},
		{"redacted dataset", "PutItems", m{"datasetArn": hidden}, nil, want{arn: hidden}},
		{"campaign group is unknowable", "DescribeCampaign", m{"campaignArn": camp}, nil, want{arn: camp, typ: "campaign"}},
		{"response group of a read-only call", "DescribeDataset", m{"datasetArn": ds}, m{"datasetGroupArn": acct + "dataset-group/stated"}, want{arn: ds, typ: "dataset", dsg: acct + "dataset-group/stated"}},
	}
	for _, c := range cases {
		check(t, c.name, Resolve(c.op, hostControl, lk(c.req), lk(c.resp), nil), c.want)
	}
}

// TestResolveAllocs pins that resolving a record costs no allocation unless
// a dataset group has to be built.
func TestResolveAllocs(t *testing.T) {
	req, resp := lk(m{"solutionVersionArn": sv}), lk(m{"campaignArn": camp})
	res := []string{role}
	if n := testing.AllocsPerRun(100, func() { _ = Resolve("CreateCampaign", hostControl, req, resp, res) }); n != 0 {
		t.Errorf("Resolve allocates %v times", n)
	}
	// An unknown operation costs the member name its guess builds.
	unknown := lk(m{"datasetGroupArn": dsg})
	if n := testing.AllocsPerRun(100, func() { _ = Resolve("CreateDataInsightsJob", hostControl, unknown, nil, nil) }); n > 1 {
		t.Errorf("Resolve of an unknown operation allocates %v times", n)
	}
}

func BenchmarkResolve(b *testing.B) {
	records := []struct {
		name, op, host string
		req, resp      Lookuper
		resources      []string
	}{
		{"create", "CreateCampaign", hostControl, lk(m{"solutionVersionArn": sv, "name": "retail-homepage"}), lk(m{"campaignArn": camp}), nil},
		{"describe", "DescribeSolutionVersion", hostControl, lk(m{"solutionVersionArn": sv}), nil, nil},
		{"derive", "PutItems", hostEvents, lk(m{"datasetArn": dsItem}), nil, nil},
		{"runtime", "GetRecommendations", hostRuntime, lk(m{"recommenderArn": rec, "userId": hidden}), nil, nil},
		{"resources", "TagResource", hostControl, lk(m{"resourceArn": camp}), nil, []string{role, camp}},
		{"unknown", "CreateDataInsightsJob", hostControl, lk(m{"datasetGroupArn": dsg}), nil, nil},
	}
	for _, r := range records {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Resolve(r.op, r.host, r.req, r.resp, r.resources)
			}
		})
	}
}
