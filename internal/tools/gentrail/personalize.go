// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"strings"
)

// kebab turns an operation name into the AWS CLI command name:
// CreateDatasetGroup -> create-dataset-group.
func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

var datasetTypeParam = map[string]string{
	"INTERACTIONS":        "Interactions",
	"ITEMS":               "Items",
	"USERS":               "Users",
	"ACTIONS":             "Actions",
	"ACTION_INTERACTIONS": "Action_Interactions",
}

func schemaFor(dsType string) string {
	switch dsType {
	case "ITEMS":
		return `{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":["null","string"],"categorical":true},{"name":"PRICE","type":"float"},{"name":"CREATION_TIMESTAMP","type":"long"}],"version":"1.0"}`
	case "USERS":
		return `{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"MEMBERSHIP","type":"string","categorical":true}],"version":"1.0"}`
	}
	return `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema","fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"EVENT_TYPE","type":"string"},{"name":"TIMESTAMP","type":"long"}],"version":"1.0"}`
}

// personalizeParams returns requestParameters and responseElements of a
// successful call of op in env e. Read-only calls have responseElements null,
// as CloudTrail documents; so do mutating calls whose response has no members.
func (g *gen) personalizeParams(e *env, op string) (req, resp any) {
	arnReq := func(key, arn string) obj { return o(key, arn) }
	exploration := o("itemExplorationConfig", o("explorationWeight", "0.3", "explorationItemAgeCutOff", "30"))
	tags := any(hidden)
	if e.variant == "tag-list" {
		tags = []any{o("tagKey", "cost-center", "tagValue", "marketing-analytics"), o("tagKey", "owner", "tagValue", "growth-team")}
	}
	switch op {
	// ---- Create* -------------------------------------------------------
	case "CreateBatchInferenceJob":
		req = o("jobName", e.batchInf, "solutionVersionArn", e.svArn(), "filterArn", e.filterArn(), "numResults", 25,
			"jobInput", o("s3DataSource", o("path", e.s3("batch/input/users.json"), "kmsKeyArn", e.kmsArn())),
			"jobOutput", o("s3DataDestination", o("path", e.s3("batch/output/"), "kmsKeyArn", e.kmsArn())),
			"roleArn", e.roleArn(), "batchInferenceJobConfig", exploration, "batchInferenceJobMode", "BATCH_INFERENCE")
		resp = o("batchInferenceJobArn", e.arn("batch-inference-job", e.batchInf))
	case "CreateBatchSegmentJob":
		req = o("jobName", e.batchSeg, "solutionVersionArn", e.segSvArn(), "numResults", 100,
			"jobInput", o("s3DataSource", o("path", e.s3("segments/input/items.json"))),
			"jobOutput", o("s3DataDestination", o("path", e.s3("segments/output/"))),
			"roleArn", e.roleArn())
		resp = o("batchSegmentJobArn", e.arn("batch-segment-job", e.batchSeg))
	case "CreateCampaign":
		req = o("name", e.campaign, "solutionVersionArn", e.svArn(), "minProvisionedTPS", 1,
			"campaignConfig", o("itemExplorationConfig", o("explorationWeight", "0.3", "explorationItemAgeCutOff", "30"),
				"enableMetadataWithRecommendations", false, "syncWithLatestSolutionVersion", true),
			"tags", tags)
		resp = o("campaignArn", e.campaignArn())
	case "CreateDataDeletionJob":
		req = o("jobName", e.deletionJob, "datasetGroupArn", e.dsgArn(),
			"dataSource", o("dataLocation", e.s3("deletion/users-to-delete.csv")), "roleArn", e.roleArn())
		resp = o("dataDeletionJobArn", e.arn("data-deletion-job", e.deletionJob))
	case "CreateDataset":
		req = o("name", e.dsg+"-"+strings.ToLower(e.dsType), "schemaArn", e.schemaArn(), "datasetGroupArn", e.dsgArn(),
			"datasetType", datasetTypeParam[e.dsType], "tags", tags)
		resp = o("datasetArn", e.datasetArn())
	case "CreateDatasetExportJob":
		req = o("jobName", e.exportJob, "datasetArn", e.datasetArn(), "ingestionMode", "ALL", "roleArn", e.roleArn(),
			"jobOutput", o("s3DataDestination", o("path", e.s3("export/"+strings.ToLower(e.dsType)+"/"), "kmsKeyArn", e.kmsArn())))
		resp = o("datasetExportJobArn", e.arn("dataset-export-job", e.exportJob))
	case "CreateDatasetGroup":
		var roleArn, kms any = skip{}, skip{}
		if e.kmsID != "" && e.variant != "no-kms" {
			roleArn, kms = e.roleArn(), e.kmsArn()
		}
		req = o("name", e.dsg, "roleArn", roleArn, "kmsKeyArn", kms, "domain", optStr(e.domain), "tags", tags)
		resp = o("datasetGroupArn", e.dsgArn(), "domain", optStr(e.domain))
	case "CreateDatasetImportJob":
		req = o("jobName", e.importJob, "datasetArn", e.datasetArn(),
			"dataSource", o("dataLocation", e.s3("import/"+strings.ToLower(e.dsType)+".csv")),
			"roleArn", e.roleArn(), "importMode", "FULL", "publishAttributionMetricsToS3", false)
		resp = o("datasetImportJobArn", e.arn("dataset-import-job", e.importJob))
	case "CreateEventTracker":
		req = o("name", e.dsg+"-tracker", "datasetGroupArn", e.dsgArn(), "tags", tags)
		resp = o("eventTrackerArn", e.trackerArn(), "trackingId", e.trackingID)
	case "CreateFilter":
		req = o("name", e.filter, "datasetGroupArn", e.dsgArn(), "filterExpression", hidden)
		resp = o("filterArn", e.filterArn())
	case "CreateMetricAttribution":
		req = o("name", e.metricAttr, "datasetGroupArn", e.dsgArn(),
			"metrics", []any{
				o("eventType", "click", "metricName", "COUNT_CLICKS", "expression", "SAMPLECOUNT()"),
				o("eventType", "purchase", "metricName", "SUM_REVENUE", "expression", "SUM(DatasetType.ITEMS.PRICE)"),
			},
			"metricsOutputConfig", o("s3DataDestination", o("path", e.s3("metrics/"), "kmsKeyArn", e.kmsArn()), "roleArn", e.roleArn()))
		resp = o("metricAttributionArn", e.metricArn())
	case "CreateRecommender":
		req = o("name", e.recommender, "datasetGroupArn", e.dsgArn(), "recipeArn", e.recRecipe,
			"recommenderConfig", o("minRecommendationRequestsPerSecond", 1, "enableMetadataWithRecommendations", false),
			"tags", tags)
		resp = o("recommenderArn", e.recommenderArn())
	case "CreateSchema":
		req = o("name", e.schema, "schema", schemaFor(e.dsType), "domain", optStr(e.domain))
		resp = o("schemaArn", e.schemaArn())
	case "CreateSolution":
		if e.autoML {
			req = o("name", e.solution, "performHPO", false, "performAutoML", true, "datasetGroupArn", e.dsgArn(),
				"solutionConfig", o("autoMLConfig", o("metricName", "precision_at_25",
					"recipeList", []string{globalARN("recipe", "aws-user-personalization"), globalARN("recipe", "aws-hrnn-metadata")})))
		} else {
			req = o("name", e.solution, "performHPO", false, "performAutoML", false, "performAutoTraining", true,
				"recipeArn", e.solRecipe, "datasetGroupArn", e.dsgArn(),
				"solutionConfig", o("autoTrainingConfig", o("schedulingExpression", "rate(7 days)")), "tags", tags)
		}
		resp = o("solutionArn", e.solutionArn())
	case "CreateSolutionVersion":
		training := e.training
		if training == "" {
			training = "FULL"
		}
		req = o("solutionArn", e.solutionArn(), "trainingMode", training)
		resp = o("solutionVersionArn", e.svArn())

	// ---- Delete* -------------------------------------------------------
	case "DeleteCampaign":
		req = arnReq("campaignArn", e.campaignArn())
	case "DeleteDataset":
		req = arnReq("datasetArn", e.datasetArn())
	case "DeleteDatasetGroup":
		req = arnReq("datasetGroupArn", e.dsgArn())
	case "DeleteEventTracker":
		req = arnReq("eventTrackerArn", e.trackerArn())
	case "DeleteFilter":
		req = arnReq("filterArn", e.filterArn())
	case "DeleteMetricAttribution":
		req = arnReq("metricAttributionArn", e.metricArn())
	case "DeleteRecommender":
		req = arnReq("recommenderArn", e.recommenderArn())
	case "DeleteSchema":
		req = arnReq("schemaArn", e.schemaArn())
	case "DeleteSolution":
		req = arnReq("solutionArn", e.solutionArn())

	// ---- Describe* and GetSolutionMetrics (read-only) ------------------
	case "DescribeAlgorithm":
		req = arnReq("algorithmArn", globalARN("algorithm", "aws-user-personalization"))
	case "DescribeBatchInferenceJob":
		req = arnReq("batchInferenceJobArn", e.arn("batch-inference-job", e.batchInf))
	case "DescribeBatchSegmentJob":
		req = arnReq("batchSegmentJobArn", e.arn("batch-segment-job", e.batchSeg))
	case "DescribeCampaign":
		req = arnReq("campaignArn", e.campaignArn())
	case "DescribeDataDeletionJob":
		req = arnReq("dataDeletionJobArn", e.arn("data-deletion-job", e.deletionJob))
	case "DescribeDataset":
		req = arnReq("datasetArn", e.datasetArn())
	case "DescribeDatasetExportJob":
		req = arnReq("datasetExportJobArn", e.arn("dataset-export-job", e.exportJob))
	case "DescribeDatasetGroup":
		req = arnReq("datasetGroupArn", e.dsgArn())
	case "DescribeDatasetImportJob":
		req = arnReq("datasetImportJobArn", e.arn("dataset-import-job", e.importJob))
	case "DescribeEventTracker":
		req = arnReq("eventTrackerArn", e.trackerArn())
	case "DescribeFeatureTransformation":
		req = arnReq("featureTransformationArn", globalARN("feature-transformation", "sims"))
	case "DescribeFilter":
		req = arnReq("filterArn", e.filterArn())
	case "DescribeMetricAttribution":
		req = arnReq("metricAttributionArn", e.metricArn())
	case "DescribeRecipe":
		req = arnReq("recipeArn", e.solRecipe)
	case "DescribeRecommender":
		req = arnReq("recommenderArn", e.recommenderArn())
	case "DescribeSchema":
		req = arnReq("schemaArn", e.schemaArn())
	case "DescribeSolution":
		req = arnReq("solutionArn", e.solutionArn())
	case "DescribeSolutionVersion":
		req = arnReq("solutionVersionArn", e.svArn())
	case "GetSolutionMetrics":
		req = arnReq("solutionVersionArn", e.svArn())

	// ---- List* (read-only) ---------------------------------------------
	case "ListBatchInferenceJobs":
		req = o("solutionVersionArn", e.svArn(), "maxResults", 25)
	case "ListBatchSegmentJobs":
		req = o("solutionVersionArn", e.segSvArn(), "maxResults", 25)
	case "ListCampaigns":
		req = o("solutionArn", e.solutionArn())
	case "ListDataDeletionJobs":
		req = o("datasetGroupArn", e.dsgArn())
	case "ListDatasetExportJobs":
		req = o("datasetArn", e.datasetArn(), "maxResults", 100)
	case "ListDatasetGroups":
		if e.variant == "null-params" {
			req = nil
		} else {
			req = o("maxResults", 100)
		}
	case "ListDatasetImportJobs":
		req = o("datasetArn", e.datasetArn(), "maxResults", 100)
	case "ListDatasets":
		req = o("datasetGroupArn", e.dsgArn())
	case "ListEventTrackers":
		req = o("datasetGroupArn", e.dsgArn())
	case "ListFilters":
		req = o("datasetGroupArn", e.dsgArn(), "maxResults", 100)
	case "ListMetricAttributionMetrics":
		req = o("metricAttributionArn", e.metricArn())
	case "ListMetricAttributions":
		req = o("datasetGroupArn", e.dsgArn())
	case "ListRecipes":
		req = o("recipeSource", "SERVICE", "domain", optStr(e.domain), "maxResults", 100)
	case "ListRecommenders":
		req = o("datasetGroupArn", e.dsgArn())
	case "ListSchemas":
		req = o("maxResults", 100)
	case "ListSolutionVersions":
		req = o("solutionArn", e.solutionArn())
	case "ListSolutions":
		req = o("datasetGroupArn", e.dsgArn(), "maxResults", 100)
	case "ListTagsForResource":
		req = o("resourceArn", e.campaignArn())

	// ---- Start/Stop/Tag/Update -----------------------------------------
	case "StartRecommender", "StopRecommender":
		req = arnReq("recommenderArn", e.recommenderArn())
		resp = o("recommenderArn", e.recommenderArn())
	case "StopSolutionVersionCreation":
		req = arnReq("solutionVersionArn", e.svArn())
	case "TagResource":
		req = o("resourceArn", e.campaignArn(), "tags", tags)
	case "UntagResource":
		req = o("resourceArn", e.campaignArn(), "tagKeys", hidden)
	case "UpdateCampaign":
		req = o("campaignArn", e.campaignArn(), "solutionVersionArn", e.svArn(), "minProvisionedTPS", 2,
			"campaignConfig", o("itemExplorationConfig", o("explorationWeight", "0.2", "explorationItemAgeCutOff", "14"),
				"syncWithLatestSolutionVersion", true))
		resp = o("campaignArn", e.campaignArn())
	case "UpdateDataset":
		req = o("datasetArn", e.datasetArn(), "schemaArn", e.schemaArn())
		resp = o("datasetArn", e.datasetArn())
	case "UpdateMetricAttribution":
		req = o("addMetrics", []any{o("eventType", "watch", "metricName", "COUNT_WATCHES", "expression", "SAMPLECOUNT()")},
			"removeMetrics", []string{"COUNT_CLICKS"},
			"metricsOutputConfig", o("s3DataDestination", o("path", e.s3("metrics/"), "kmsKeyArn", e.kmsArn()), "roleArn", e.roleArn()),
			"metricAttributionArn", e.metricArn())
		resp = o("metricAttributionArn", e.metricArn())
	case "UpdateRecommender":
		req = o("recommenderArn", e.recommenderArn(),
			"recommenderConfig", o("minRecommendationRequestsPerSecond", 2, "enableMetadataWithRecommendations", true))
		resp = o("recommenderArn", e.recommenderArn())
	case "UpdateSolution":
		req = o("solutionArn", e.solutionArn(), "performAutoTraining", true,
			"solutionUpdateConfig", o("autoTrainingConfig", o("schedulingExpression", "rate(14 days)")))
		resp = o("solutionArn", e.solutionArn())

	// ---- events plane (personalize-events) -----------------------------
	case "PutActionInteractions":
		req = o("trackingId", e.trackingID, "actionInteractions", hidden)
	case "PutActions":
		req = o("datasetArn", e.typedDataset("ACTIONS"), "actions", hidden)
	case "PutEvents":
		req = o("trackingId", e.trackingID, "userId", hidden, "sessionId", "sess-"+g.r.hex(12), "eventList", hidden)
	case "PutItems":
		req = o("datasetArn", e.typedDataset("ITEMS"), "items", hidden)
	case "PutUsers":
		req = o("datasetArn", e.typedDataset("USERS"), "users", hidden)

	// ---- runtime plane (personalize-runtime) ---------------------------
	case "GetActionRecommendations":
		req = o("campaignArn", e.arn("campaign", e.nbaCampaign), "userId", hidden, "numResults", 5)
	case "GetPersonalizedRanking":
		req = o("campaignArn", e.arn("campaign", e.rankCampaign), "inputList", hidden, "userId", hidden, "context", hidden)
	case "GetRecommendations":
		switch e.variant {
		case "recommender":
			req = o("recommenderArn", e.recommenderArn(), "userId", hidden, "numResults", 10,
				"metadataColumns", o("ITEMS", []string{"GENRES", "PRICE"}))
		case "promotions":
			req = o("campaignArn", e.campaignArn(), "userId", hidden, "numResults", 20,
				"promotions", []any{o("name", "holiday-promo", "percentPromotedItems", 20,
					"filterArn", e.arn("filter", e.promoFilter), "filterValues", hidden)})
		case "item":
			req = o("campaignArn", e.campaignArn(), "itemId", hidden, "numResults", 10)
		default:
			req = o("campaignArn", e.campaignArn(), "userId", hidden, "numResults", 25,
				"filterArn", e.filterArn(), "filterValues", hidden)
		}
	default:
		panic(fmt.Sprintf("personalizeParams: no builder for %s", op))
	}
	if info, _ := opByName(op); info.ReadOnly {
		resp = nil
	}
	if req == nil && op != "ListDatasetGroups" {
		panic("nil request for " + op)
	}
	return req, resp
}
