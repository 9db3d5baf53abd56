// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

// opInfo describes one Amazon Personalize API operation as CloudTrail names
// it (eventName). The list mirrors the 79 rows of the project's operation
// table (control plane 71, events 5, runtime 3), which was derived from the
// botocore service models personalize/2018-05-22, personalize-events/2018-03-22
// and personalize-runtime/2018-05-22.
type opInfo struct {
	Name     string
	API      byte // 'C' control plane, 'E' events (personalize-events), 'R' runtime (personalize-runtime)
	ReadOnly bool // expected CloudTrail readOnly
}

// operations lists every Personalize operation. The generator emits at least
// one successful record for each of them; main_test.go checks that.
var operations = []opInfo{
	{"CreateBatchInferenceJob", 'C', false},
	{"CreateBatchSegmentJob", 'C', false},
	{"CreateCampaign", 'C', false},
	{"CreateDataDeletionJob", 'C', false},
	{"CreateDataset", 'C', false},
	{"CreateDatasetExportJob", 'C', false},
	{"CreateDatasetGroup", 'C', false},
	{"CreateDatasetImportJob", 'C', false},
	{"CreateEventTracker", 'C', false},
	{"CreateFilter", 'C', false},
	{"CreateMetricAttribution", 'C', false},
	{"CreateRecommender", 'C', false},
	{"CreateSchema", 'C', false},
	{"CreateSolution", 'C', false},
	{"CreateSolutionVersion", 'C', false},
	{"DeleteCampaign", 'C', false},
	{"DeleteDataset", 'C', false},
	{"DeleteDatasetGroup", 'C', false},
	{"DeleteEventTracker", 'C', false},
	{"DeleteFilter", 'C', false},
	{"DeleteMetricAttribution", 'C', false},
	{"DeleteRecommender", 'C', false},
	{"DeleteSchema", 'C', false},
	{"DeleteSolution", 'C', false},
	{"DescribeAlgorithm", 'C', true},
	{"DescribeBatchInferenceJob", 'C', true},
	{"DescribeBatchSegmentJob", 'C', true},
	{"DescribeCampaign", 'C', true},
	{"DescribeDataDeletionJob", 'C', true},
	{"DescribeDataset", 'C', true},
	{"DescribeDatasetExportJob", 'C', true},
	{"DescribeDatasetGroup", 'C', true},
	{"DescribeDatasetImportJob", 'C', true},
	{"DescribeEventTracker", 'C', true},
	{"DescribeFeatureTransformation", 'C', true},
	{"DescribeFilter", 'C', true},
	{"DescribeMetricAttribution", 'C', true},
	{"DescribeRecipe", 'C', true},
	{"DescribeRecommender", 'C', true},
	{"DescribeSchema", 'C', true},
	{"DescribeSolution", 'C', true},
	{"DescribeSolutionVersion", 'C', true},
	{"GetSolutionMetrics", 'C', true},
	{"ListBatchInferenceJobs", 'C', true},
	{"ListBatchSegmentJobs", 'C', true},
	{"ListCampaigns", 'C', true},
	{"ListDataDeletionJobs", 'C', true},
	{"ListDatasetExportJobs", 'C', true},
	{"ListDatasetGroups", 'C', true},
	{"ListDatasetImportJobs", 'C', true},
	{"ListDatasets", 'C', true},
	{"ListEventTrackers", 'C', true},
	{"ListFilters", 'C', true},
	{"ListMetricAttributionMetrics", 'C', true},
	{"ListMetricAttributions", 'C', true},
	{"ListRecipes", 'C', true},
	{"ListRecommenders", 'C', true},
	{"ListSchemas", 'C', true},
	{"ListSolutionVersions", 'C', true},
	{"ListSolutions", 'C', true},
	{"ListTagsForResource", 'C', true},
	{"StartRecommender", 'C', false},
	{"StopRecommender", 'C', false},
	{"StopSolutionVersionCreation", 'C', false},
	{"TagResource", 'C', false},
	{"UntagResource", 'C', false},
	{"UpdateCampaign", 'C', false},
	{"UpdateDataset", 'C', false},
	{"UpdateMetricAttribution", 'C', false},
	{"UpdateRecommender", 'C', false},
	{"UpdateSolution", 'C', false},
	{"PutActionInteractions", 'E', false},
	{"PutActions", 'E', false},
	{"PutEvents", 'E', false},
	{"PutItems", 'E', false},
	{"PutUsers", 'E', false},
	{"GetActionRecommendations", 'R', true},
	{"GetPersonalizedRanking", 'R', true},
	{"GetRecommendations", 'R', true},
}

func opByName(name string) (opInfo, bool) {
	for _, op := range operations {
		if op.Name == name {
			return op, true
		}
	}
	return opInfo{}, false
}
