// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Command gentrail writes a deterministic, SYNTHETIC AWS CloudTrail bucket
// tree: gzip log files ({"Records":[...]}) in the real S3 key layout, one
// digest file and one Insight file. The records are a mix of Amazon
// Personalize API calls (every one of the 79 operations, successful and
// failing, from every userIdentity type) and other services' events.
//
// Usage:
//
//	go run ./internal/tools/gentrail [-out examples] [-seed 1]
//	go run ./internal/tools/gentrail -out DIR -records 300000 [-per-file 50]
//
// With -records it writes a benchmark trail instead (bulk.go): files of
// about 50 records and 75 KB of JSON, 30 % Personalize, three
// account/region folders.
//
// The same seed always produces the same files. Accounts (111122223333,
// 444455556666), identifiers, addresses and keys are placeholders; nothing
// was captured from AWS.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	personalizeSource = "personalize.amazonaws.com"
	trailName         = "personalize-trail"
	trailBucket       = "personalize-audit-cloudtrail-111122223333"
)

func main() {
	out := flag.String("out", "examples", "output directory")
	seed := flag.Uint64("seed", 1, "random seed")
	records := flag.Int("records", 0, "write a benchmark trail of about this many records instead of the scenario (see bulk.go)")
	perFile := flag.Int("per-file", 50, "with -records: the usual number of records per file")
	flag.Parse()
	if *records > 0 {
		sum, err := writeBulk(*out, *seed, *records, *perFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gentrail:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %d log files (%d records, %d Personalize records), %d bytes of JSON, %d bytes of gzip, under %s\n",
			sum.files, sum.records, sum.personalize, sum.rawBytes, sum.gzBytes, *out)
		return
	}
	sum, err := generate(*out, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentrail:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d log files (%d records, %d Personalize records, %d distinct), 1 digest, 1 Insight file, %d bytes of gzip, under %s\n",
		sum.logFiles, sum.records, sum.personalize, sum.personalizeDistinct, sum.totalBytes, *out)
}

// gen holds the generator state.
type gen struct {
	r     *rng
	seed  uint64
	ids   map[string]bool
	files []*logFile
	// level is the gzip level of the log files (0: best compression).
	level int
}

// logFile is one delivered object.
type logFile struct {
	acct, region, org string
	folder            string // CloudTrail or CloudTrail-Insight
	delivery          time.Time
	calls             []*call
	key               string
	raw               []byte // uncompressed JSON
	gz                []byte
}

func (g *gen) id() string {
	for {
		u := g.r.uuid()
		if !g.ids[u] {
			g.ids[u] = true
			return u
		}
	}
}

func (g *gen) newFile(acct, region, org, folder, stamp string) *logFile {
	t, err := time.Parse("20060102T1504Z", stamp)
	if err != nil {
		panic(err)
	}
	f := &logFile{acct: acct, region: region, org: org, folder: folder, delivery: t}
	g.files = append(g.files, f)
	return f
}

// pver picks an eventVersion for a Personalize record.
func (g *gen) pver() string {
	return []string{"1.08", "1.09", "1.10", "1.11"}[g.r.weighted([]int{2, 3, 3, 4})]
}

// p adds a Personalize call of op to f.
func (g *gen) p(f *logFile, e *env, a *actor, op string) *call {
	info, ok := opByName(op)
	if !ok {
		panic("unknown operation " + op)
	}
	req, resp := g.personalizeParams(e, op)
	cli, host := "personalize", "personalize."+e.region+".amazonaws.com"
	switch info.API {
	case 'E':
		cli, host = "personalize-events", "personalize-events."+e.region+".amazonaws.com"
	case 'R':
		cli, host = "personalize-runtime", "personalize-runtime."+e.region+".amazonaws.com"
	}
	c := &call{
		ver: g.pver(), actor: a, src: personalizeSource, name: op, region: e.region, cli: cli + "." + kebab(op),
		req: req, resp: resp, requestID: g.r.uuid(), eventID: g.id(), readOnly: info.ReadOnly,
		eventType: "AwsApiCall", mgmt: true, recipient: f.acct, category: "Management",
		host: host, tls13: g.r.intn(3) > 0, personalize: true,
	}
	if a.internal {
		c.host = ""
	}
	if a.viaVPCE {
		c.vpce, c.vpceAcct = e.vpce[info.API], e.acct
	}
	f.calls = append(f.calls, c)
	return c
}

// ps adds several successful calls.
func (g *gen) ps(f *logFile, e *env, a *actor, ops ...string) {
	for _, op := range ops {
		g.p(f, e, a, op)
	}
}

func (g *gen) add(f *logFile, c *call) *call {
	f.calls = append(f.calls, c)
	return c
}

// finish gives every untimed call an eventTime inside the 14 minutes before
// delivery, in scheduling order, then shuffles the records: CloudTrail does
// not sort a file by time.
func (g *gen) finish(f *logFile) {
	var untimed []*call
	for _, c := range f.calls {
		if !c.timed {
			untimed = append(untimed, c)
		}
	}
	start := f.delivery.Add(-14 * time.Minute)
	span := 13 * 60
	for i, c := range untimed {
		lo := i * span / len(untimed)
		hi := (i + 1) * span / len(untimed)
		if hi <= lo {
			hi = lo + 1
		}
		c.t = start.Add(time.Duration(lo+g.r.intn(hi-lo)) * time.Second)
		c.timed = true
	}
	for i := len(f.calls) - 1; i > 0; i-- {
		j := g.r.intn(i + 1)
		f.calls[i], f.calls[j] = f.calls[j], f.calls[i]
	}
}

// ---------------------------------------------------------------------------
// The scenario.

func (g *gen) envs() (a1, a2, b *env) {
	r := g.r
	a1 = &env{
		acct: acctA, region: "us-east-1", dsg: "retail-dsg", domain: "ECOMMERCE", schema: "retail-interactions-schema",
		solution: "retail-user-personalization", svid: r.hex(8), segSolution: "retail-item-affinity", segSvid: r.hex(8),
		campaign: "retail-campaign", rankCampaign: "retail-personalized-ranking", nbaCampaign: "retail-next-best-action",
		recommender: "retail-recommended-for-you", recRecipe: globalARN("recipe", "aws-ecomm-recommended-for-you"),
		solRecipe: globalARN("recipe", "aws-user-personalization-v2"),
		filter:    "exclude-purchased", promoFilter: "holiday-promo-items", trackerID: r.hex(8), trackingID: r.uuid(),
		metricAttr: "retail-metric-attribution", importJob: "retail-interactions-import-20261120",
		exportJob: "retail-interactions-export-20261121", batchInf: "retail-batch-recs-20261121",
		batchSeg: "retail-segments-20261121", deletionJob: "retail-gdpr-deletion-20261121",
		dsType: "INTERACTIONS", bucket: "retail-personalize-111122223333", role: "PersonalizeS3Access", kmsID: r.uuid(),
	}
	a2 = &env{
		acct: acctA, region: "eu-west-1", dsg: "media-dsg", domain: "VIDEO_ON_DEMAND", schema: "media-interactions-schema",
		solution: "media-automl", svid: r.hex(8), autoML: true, segSolution: "media-item-affinity", segSvid: r.hex(8),
		campaign: "media-campaign", rankCampaign: "media-ranking", nbaCampaign: "media-next-best-action",
		recommender: "media-top-picks", recRecipe: globalARN("recipe", "aws-vod-top-picks"),
		solRecipe: globalARN("recipe", "aws-user-personalization"),
		filter:    "exclude-watched", promoFilter: "new-releases", trackerID: r.hex(8), trackingID: r.uuid(),
		metricAttr: "media-metric-attribution", importJob: "media-interactions-import-20261120",
		exportJob: "media-items-export-20261120", batchInf: "media-batch-recs-20261120",
		batchSeg: "media-segments-20261120", deletionJob: "media-gdpr-deletion-20261120",
		dsType: "INTERACTIONS", bucket: "media-personalize-eu-111122223333", role: "PersonalizeS3Access", kmsID: r.uuid(),
	}
	b = &env{
		acct: acctB, region: "us-west-2", dsg: "marketing-dsg", schema: "marketing-interactions-schema",
		solution: "marketing-similar-items", svid: r.hex(8), segSolution: "marketing-item-affinity", segSvid: r.hex(8),
		campaign: "marketing-similar-items", rankCampaign: "marketing-ranking", nbaCampaign: "marketing-nba",
		recommender: "marketing-unused", recRecipe: globalARN("recipe", "aws-ecomm-popular-items-by-views"),
		solRecipe: globalARN("recipe", "aws-similar-items"),
		filter:    "in-stock-only", promoFilter: "clearance", trackerID: r.hex(8), trackingID: r.uuid(),
		metricAttr: "marketing-metric-attribution", importJob: "marketing-interactions-import-20261121",
		exportJob: "marketing-export-20261121", batchInf: "marketing-batch-20261121",
		batchSeg: "marketing-segments-20261121", deletionJob: "marketing-deletion-20261121",
		dsType: "INTERACTIONS", bucket: "marketing-personalize-444455556666", role: "PersonalizeS3Access", kmsID: r.uuid(),
	}
	for _, e := range []*env{a1, a2, b} {
		e.vpce = map[byte]string{'C': "vpce-0" + r.hex(16), 'E': "vpce-0" + r.hex(16), 'R': "vpce-0" + r.hex(16)}
	}
	return
}

// scenario returns the deliberately duplicated call and the Insight pair.
func (g *gen) scenario() (dup *call, err error) {
	a1, a2, b := g.envs()
	actA := g.makeActors(acctA, "198.51.100.")
	actB := g.makeActors(acctB, "192.0.2.")
	ds := func(e *env, t string) *env { return e.with(func(x *env) { x.dsType = t }) }
	variant := func(e *env, v string) *env { return e.with(func(x *env) { x.variant = v }) }
	old := a1.with(func(x *env) {
		x.dsg, x.schema, x.solution, x.campaign = "retail-dsg-2025", "retail-schema-2025", "retail-hrnn-2025", "retail-campaign-2025"
		x.recommender, x.filter, x.trackerID, x.metricAttr = "retail-best-sellers-2025", "exclude-out-of-stock-2025", g.r.hex(8), "retail-metrics-2025"
	})
	// Fill ratio: about 1.5 other-service records per Personalize record.
	fill := func(f *logFile, act *actors, e *env) {
		n := 0
		for _, c := range f.calls {
			if c.personalize {
				n++
			}
		}
		g.fill(f, act, e, n*3/2+g.r.intn(3))
	}

	// --- us-east-1, 2026-11-20 09:05: the retail dataset group is built.
	f := g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261120T0905Z")
	g.p(f, a1, actA.terraform, "CreateSchema")
	g.p(f, ds(a1, "ITEMS").with(func(x *env) { x.schema = "retail-items-schema" }), actA.terraform, "CreateSchema")
	g.p(f, a1, actA.terraform, "CreateDatasetGroup")
	g.p(f, a1, actA.terraform, "CreateDatasetGroup").fail("ResourceAlreadyExistsException",
		"Dataset group arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg already exists.")
	g.ps(f, a1, actA.terraform, "DescribeDatasetGroup", "CreateDataset")
	g.p(f, ds(a1, "ITEMS").with(func(x *env) { x.schema = "retail-items-schema" }), actA.terraform, "CreateDataset")
	g.ps(f, a1, actA.terraform, "DescribeDataset", "DescribeSchema", "ListSchemas", "ListDatasets")
	g.ps(f, a1, actA.pipeline, "CreateDatasetImportJob", "DescribeDatasetImportJob", "DescribeDatasetImportJob")
	g.p(f, variant(a1, "null-params"), actA.console, "ListDatasetGroups").version("1.05")
	g.p(f, a1, actA.console, "DescribeRecipe").version("1.06")
	g.p(f, a1, actA.console, "ListRecipes").version("1.07")
	g.ps(f, a1, actA.console, "DescribeAlgorithm", "DescribeFeatureTransformation")
	g.p(f, a1, actA.root, "ListDatasetGroups")
	g.add(f, g.consoleLogin(f, actA, "alice", true))
	g.add(f, g.consoleLogin(f, actA, "", false))
	g.add(f, g.createPersonalizeRole(f, actA.terraform, a1))
	fill(f, actA, a1)

	// --- us-east-1 09:20: solution, version, campaign.
	f = g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261120T0920Z")
	g.ps(f, a1, actA.pipeline, "CreateSolution", "DescribeSolution", "CreateSolutionVersion", "DescribeSolutionVersion",
		"ListSolutions", "ListSolutionVersions", "GetSolutionMetrics")
	dup = g.p(f, a1, actA.pipeline, "CreateCampaign")
	g.p(f, a1.with(func(x *env) { x.campaign = "retail-campaign-canary" }), actA.pipeline, "CreateCampaign").fail("LimitExceededException",
		"You have reached the maximum number of active campaigns (5) for this account in this Region.")
	g.ps(f, a1, actA.pipeline, "DescribeCampaign", "ListCampaigns")
	g.p(f, a1.with(func(x *env) { x.campaign = "retail-campaign-old" }), actA.console, "DescribeCampaign").fail("ResourceNotFoundException",
		"Could not find resource arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign-old")
	g.ps(f, a1, actA.console, "ListDatasetImportJobs", "ListTagsForResource")
	g.p(f, ds(a1, "ITEMS").with(func(x *env) { x.schema = "retail-items-schema-v2" }), actA.terraform, "UpdateDataset")
	g.add(f, g.assumeRoleWith(f, actA, "AssumeRoleWithSAML"))
	fill(f, actA, a1)

	// --- us-east-1 09:50: real-time pieces; the CreateCampaign record from
	// 09:20 is delivered a second time (same eventID).
	f = g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261120T0950Z")
	f.calls = append(f.calls, dup)
	g.ps(f, a1, actA.terraform, "CreateEventTracker", "DescribeEventTracker", "ListEventTrackers",
		"CreateFilter", "DescribeFilter", "ListFilters", "CreateRecommender", "DescribeRecommender", "ListRecommenders",
		"CreateMetricAttribution", "DescribeMetricAttribution", "ListMetricAttributions", "ListMetricAttributionMetrics")
	g.p(f, a1.with(func(x *env) { x.filter = x.promoFilter }), actA.terraform, "CreateFilter")
	g.p(f, old, actA.pipeline, "DeleteDatasetGroup").fail("AccessDenied",
		"User: arn:aws:sts::111122223333:assumed-role/PersonalizePipeline/retrain-orchestrator is not authorized to perform: personalize:DeleteDatasetGroup on resource: arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg-2025 with an explicit deny in an identity-based policy")
	{
		// Network activity: a call through a VPC endpoint denied by its policy.
		na := *actA.lambda
		na.ip = "10.0.7.21"
		c := g.p(f, a1, &na, "DescribeCampaign").version("1.10")
		c.eventType, c.category = "AwsVpceEvent", "NetworkActivity"
		c.req, c.resp, c.readOnly, c.mgmt = skip{}, skip{}, skip{}, skip{}
		c.vpce, c.vpceAcct, c.shared = a1.vpce['C'], acctA, g.r.uuid()
		c.fail("VpceAccessDenied", "The request was denied due to a VPC endpoint policy")
		c.resp = skip{}
	}
	{
		// A 19-digit integer in requestParameters (beyond 2^53).
		c := g.p(f, a1, actA.webapp, "GetRecommendations").version("1.11")
		c.req = o("campaignArn", a1.campaignArn(), "userId", hidden, "numResults", json.Number("1234567890123456789"))
		c.fail("InvalidInputException", "1 validation error detected: Value '1234567890123456789' at 'numResults' failed to satisfy constraint: Member must have value less than or equal to 500")
	}
	fill(f, actA, a1)

	// --- us-east-1 13:25: polling storm (see the Insight file) and data plane.
	f = g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261120T1325Z")
	poll := a1.with(func(x *env) { x.importJob = "retail-interactions-import-20261120-incr" })
	g.p(f, ds(poll, "INTERACTIONS"), actA.pipeline, "CreateDatasetImportJob")
	for i := 0; i < 10; i++ {
		c := g.p(f, poll, actA.pipeline, "DescribeDatasetImportJob")
		if i%3 == 2 {
			c.fail("ThrottlingException", "Rate exceeded")
		}
	}
	g.ps(f, a1, actA.webapp, "PutEvents", "PutEvents", "PutEvents")
	g.ps(f, a1, actA.lambda, "PutItems", "PutUsers", "PutActions", "PutActionInteractions")
	g.ps(f, a1, actA.webapp, "GetRecommendations", "GetRecommendations", "GetPersonalizedRanking", "GetActionRecommendations")
	g.p(f, variant(a1, "recommender"), actA.webapp, "GetRecommendations")
	g.p(f, variant(a1, "promotions"), actA.webapp, "GetRecommendations")
	g.p(f, a1, actA.federated, "DescribeSolution")
	g.p(f, a1, actA.saml, "ListCampaigns")
	g.p(f, variant(a1, "item"), actA.webid, "GetRecommendations")
	g.p(f, a1, actA.idc, "DescribeRecommender")
	g.add(f, g.assumeRoleWith(f, actA, "AssumeRoleWithWebIdentity"))
	g.add(f, g.getFederationToken(f, actA))
	fill(f, actA, a1)

	// --- eu-west-1 2026-11-20 11:05: the media dataset group (AutoML solution).
	f = g.newFile(acctA, "eu-west-1", "", "CloudTrail", "20261120T1105Z")
	g.ps(f, a2, actA.cfn, "CreateSchema", "CreateDatasetGroup", "CreateDataset")
	g.ps(f, a2, actA.pipeline, "CreateDatasetImportJob", "DescribeDatasetImportJob")
	g.ps(f, a2, actA.sso, "CreateSolution", "CreateSolutionVersion", "StopSolutionVersionCreation", "DescribeSolutionVersion")
	g.ps(f, ds(a2, "ITEMS"), actA.sso, "CreateDatasetExportJob", "DescribeDatasetExportJob", "ListDatasetExportJobs")
	g.ps(f, a2, actA.admin, "CreateDataDeletionJob", "DescribeDataDeletionJob", "ListDataDeletionJobs")
	{
		na := *actA.webapp
		c := g.p(f, a2, &na, "ListDatasetGroups").version("1.10")
		c.eventType, c.category = "AwsVpceEvent", "NetworkActivity"
		c.req, c.resp, c.readOnly, c.mgmt = skip{}, skip{}, skip{}, skip{}
		c.vpce, c.vpceAcct, c.shared = a2.vpce['C'], acctA, g.r.uuid()
	}
	fill(f, actA, a2)

	// --- eu-west-1 15:30: recommender lifecycle and batch jobs.
	f = g.newFile(acctA, "eu-west-1", "", "CloudTrail", "20261120T1530Z")
	g.ps(f, a2, actA.sso, "CreateRecommender", "StopRecommender", "StartRecommender", "UpdateRecommender", "DescribeRecommender")
	g.ps(f, a2, actA.pipeline, "CreateBatchInferenceJob", "DescribeBatchInferenceJob", "ListBatchInferenceJobs",
		"CreateBatchSegmentJob", "DescribeBatchSegmentJob", "ListBatchSegmentJobs")
	g.p(f, a2, actA.xacct, "DescribeDatasetGroup")
	g.p(f, a2, actA.xacct, "DeleteDatasetGroup").fail("AccessDeniedException",
		"User: arn:aws:iam::444455556666:user/partner-integration is not authorized to perform: personalize:DeleteDatasetGroup on resource: arn:aws:personalize:eu-west-1:111122223333:dataset-group/media-dsg")
	g.p(f, variant(a2, "null-params"), actA.unknown, "ListDatasetGroups").fail("UnrecognizedClientException",
		"The security token included in the request is invalid.")
	fill(f, actA, a2)

	// --- us-east-1 2026-11-21 08:10: updates, tags, clean-up of last year's group.
	f = g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261121T0810Z")
	g.ps(f, a1, actA.console, "UpdateCampaign", "UpdateSolution", "UpdateMetricAttribution", "TagResource", "UntagResource")
	g.p(f, a1, actA.console, "TagResource").fail("TooManyTagsException", "The number of tags exceeds the limit of 50 for resource "+a1.campaignArn())
	g.p(f, old, actA.terraform, "DeleteSchema").fail("ResourceInUseException",
		"Schema arn:aws:personalize:us-east-1:111122223333:schema/retail-schema-2025 is in use by dataset arn:aws:personalize:us-east-1:111122223333:dataset/retail-dsg-2025/INTERACTIONS")
	g.ps(f, old, actA.terraform, "DeleteCampaign", "DeleteRecommender", "DeleteFilter", "DeleteEventTracker",
		"DeleteMetricAttribution", "DeleteSolution", "DeleteDataset")
	g.ps(f, ds(old, "ITEMS"), actA.terraform, "DeleteDataset")
	g.ps(f, old, actA.terraform, "DeleteSchema", "DeleteDatasetGroup")
	g.p(f, a1.with(func(x *env) { x.svid, x.training = g.r.hex(8), "AUTOTRAIN" }), actA.service, "CreateSolutionVersion")
	g.p(f, a1, actA.sso, "DescribeCampaign")
	g.add(f, g.rotateKey(f, a1))
	fill(f, actA, a1)

	// --- us-east-1 2026-11-21 16:40: console browsing.
	f = g.newFile(acctA, "us-east-1", "", "CloudTrail", "20261121T1640Z")
	g.ps(f, a1, actA.sso, "ListDatasetGroups", "DescribeDatasetGroup", "ListDatasets", "ListSolutions", "ListCampaigns",
		"ListRecommenders", "ListFilters", "ListEventTrackers", "DescribeFilter")
	g.ps(f, a1, actA.root, "ListDatasetGroups", "ListTagsForResource")
	g.p(f, a1, actA.idc, "GetSolutionMetrics")
	g.ps(f, a1, actA.webapp, "GetRecommendations", "PutEvents")
	g.add(f, g.consoleLogin(f, actA, "root", true))
	fill(f, actA, a1)

	// --- eu-west-1 2026-11-21 07:05: media data plane.
	f = g.newFile(acctA, "eu-west-1", "", "CloudTrail", "20261121T0705Z")
	g.p(f, variant(a2, "recommender"), actA.webapp, "GetRecommendations")
	g.p(f, variant(a2, "recommender"), actA.webapp, "GetRecommendations")
	g.ps(f, a2, actA.lambda, "PutEvents", "PutEvents")
	g.p(f, ds(a2, "ITEMS"), actA.lambda, "PutItems")
	g.ps(f, a2, actA.pipeline, "ListRecommenders", "DescribeRecommender", "DescribeDatasetGroup")
	fill(f, actA, a2)

	// --- organization trail: member account 444455556666, us-west-2.
	f = g.newFile(acctB, "us-west-2", orgID, "CloudTrail", "20261121T1210Z")
	g.p(f, variant(b, "tag-list"), actB.terraform, "CreateDatasetGroup")
	g.ps(f, b, actB.terraform, "CreateSchema", "CreateDataset")
	g.ps(f, b, actB.pipeline, "CreateDatasetImportJob", "DescribeDatasetImportJob", "CreateSolution", "CreateSolutionVersion",
		"DescribeSolutionVersion", "CreateCampaign", "DescribeCampaign", "ListCampaigns")
	g.p(f, b, actB.console, "UpdateCampaign").fail("InvalidInputException",
		"minProvisionedTPS must be between 1 and 500.")
	g.ps(f, variant(b, "item"), actB.webapp, "GetRecommendations", "GetRecommendations")
	g.p(f, b, actB.xacct, "ListDatasetGroups")
	fill(f, actB, b)

	return dup, nil
}

func (g *gen) consoleLogin(f *logFile, a *actors, user string, ok bool) *call {
	acct := f.acct
	var ui *actor
	switch {
	case user == "root":
		ui = &actor{ip: a.root.ip, ua: uaBrowser, identity: func(time.Time) obj {
			return o("type", "Root", "principalId", acct, "arn", "arn:aws:iam::"+acct+":root", "accountId", acct, "accessKeyId", "")
		}}
	case ok:
		pid := g.r.key("AIDA", 17)
		ui = &actor{ip: a.console.ip, ua: uaBrowser, identity: func(time.Time) obj {
			return o("type", "IAMUser", "principalId", pid, "arn", "arn:aws:iam::"+acct+":user/"+user, "accountId", acct, "accessKeyId", "", "userName", user)
		}}
	default:
		ui = &actor{ip: "203.0.113." + fmt.Sprint(g.r.between(2, 99)), ua: uaBrowser, identity: func(time.Time) obj {
			return o("type", "IAMUser", "principalId", "", "accountId", acct, "accessKeyId", "", "userName", hidden)
		}}
	}
	c := g.base(f, ui, "signin.amazonaws.com", "ConsoleLogin", "1.09", false)
	c.eventType = "AwsConsoleSignIn"
	c.requestID = ""
	c.req = nil
	mfa := "Yes"
	if ok {
		c.resp = o("ConsoleLogin", "Success")
	} else {
		mfa = "No"
		c.resp = o("ConsoleLogin", "Failure")
		c.errMsg = "Failed authentication"
	}
	c.addl = o("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_"+g.r.hex(16),
		"MobileVersion", "No", "MFAUsed", mfa)
	return c
}

func (g *gen) createPersonalizeRole(f *logFile, a *actor, e *env) *call {
	c := g.base(f, a, "iam.amazonaws.com", "CreateRole", "1.09", false)
	policy := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\n        \"Service\": \"personalize.amazonaws.com\"\n      },\n      \"Action\": \"sts:AssumeRole\"\n    }\n  ]\n}"
	roleID := g.r.key("AROA", 17)
	c.req = o("roleName", e.role, "assumeRolePolicyDocument", policy, "description", "Amazon Personalize access to training data")
	c.respFn = func(t time.Time) any {
		return o("role", o("path", "/", "roleName", e.role, "roleId", roleID, "arn", e.roleArn(),
			"createDate", t.Format(javaTime), "assumeRolePolicyDocument", encodedPolicy))
	}
	return c
}

// encodedPolicy is the trust policy as IAM returns it: URL-encoded.
const encodedPolicy = "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%0A%20%20%20%20%7B%0A%20%20%20%20%20%20%22Effect%22%3A%20%22Allow%22%2C%0A%20%20%20%20%20%20%22Principal%22%3A%20%7B%0A%20%20%20%20%20%20%20%20%22Service%22%3A%20%22personalize.amazonaws.com%22%0A%20%20%20%20%20%20%7D%2C%0A%20%20%20%20%20%20%22Action%22%3A%20%22sts%3AAssumeRole%22%0A%20%20%20%20%7D%0A%20%20%5D%0A%7D"

func (g *gen) assumeRoleWith(f *logFile, a *actors, name string) *call {
	var who *actor
	var req obj
	role := "arn:aws:iam::" + f.acct + ":role/"
	switch name {
	case "AssumeRoleWithSAML":
		who = a.saml
		role += "AnalystsSAML"
		req = o("sAMLAssertionID", "_"+g.r.hex(32), "roleSessionName", "carol@example.com",
			"principalArn", "arn:aws:iam::"+f.acct+":saml-provider/CorpIdP", "roleArn", role, "durationSeconds", 3600)
	default:
		who = a.webid
		role += "MobileAppWebIdentity"
		req = o("roleArn", role, "roleSessionName", "app-"+g.r.hex(8), "durationSeconds", 3600)
	}
	c := g.base(f, who, "sts.amazonaws.com", name, "1.08", true)
	c.req = req
	key, rid := g.r.key("ASIA", 16), g.r.key("AROA", 17)
	session, _ := req.get("roleSessionName")
	c.respFn = func(t time.Time) any {
		return o("credentials", o("accessKeyId", key, "expiration", t.Add(time.Hour).Format(javaTime)),
			"assumedRoleUser", o("assumedRoleId", rid+":"+session.(string),
				"arn", strings.Replace(strings.Replace(role, ":iam::", ":sts::", 1), ":role/", ":assumed-role/", 1)+"/"+session.(string)))
	}
	c.resources = []obj{o("accountId", f.acct, "type", "AWS::IAM::Role", "ARN", role)}
	return c
}

func (g *gen) getFederationToken(f *logFile, a *actors) *call {
	pid, key, acct := g.r.key("AIDA", 17), g.r.key("AKIA", 16), f.acct
	broker := &actor{kind: "IAMUser", ip: a.federated.ip, ua: uaBoto, identity: func(time.Time) obj {
		return o("type", "IAMUser", "principalId", pid, "arn", "arn:aws:iam::"+acct+":user/federation-broker",
			"accountId", acct, "accessKeyId", key, "userName", "federation-broker")
	}}
	c := g.base(f, broker, "sts.amazonaws.com", "GetFederationToken", "1.08", false)
	c.req = o("name", "bob-analytics", "durationSeconds", 3600, "policy", hidden)
	tmpKey := g.r.key("ASIA", 16)
	c.respFn = func(t time.Time) any {
		return o("credentials", o("accessKeyId", tmpKey, "expiration", t.Add(time.Hour).Format(javaTime)),
			"federatedUser", o("federatedUserId", acct+":bob-analytics", "arn", "arn:aws:sts::"+acct+":federated-user/bob-analytics"),
			"packedPolicySize", 9)
	}
	return c
}

// rotateKey is an AwsServiceEvent whose userIdentity has no type.
func (g *gen) rotateKey(f *logFile, e *env) *call {
	c := &call{ver: "1.08", actor: &actor{ip: "AWS Internal", ua: uaFixed("AWS Internal"), internal: true, identity: func(time.Time) obj {
		return o("accountId", f.acct, "invokedBy", "AWS Internal")
	}}, src: "kms.amazonaws.com", name: "RotateKey", region: f.region, req: nil, resp: nil,
		eventID: g.id(), readOnly: false, eventType: "AwsServiceEvent", mgmt: true, recipient: f.acct, category: "Management"}
	c.resources = []obj{o("accountId", f.acct, "type", "AWS::KMS::Key", "ARN", e.kmsArn())}
	c.svcDetails = o("rotationType", "AUTOMATIC", "keyId", e.kmsID)
	return c
}

// insightPair returns an ApiCallRateInsight Start/End pair for Personalize.
func (g *gen) insightPair(f *logFile) {
	shared := g.r.uuid()
	caller := "arn:aws:sts::111122223333:assumed-role/PersonalizePipeline/retrain-orchestrator"
	attributions := func(end bool) []any {
		ins := 11.6
		if end {
			ins = 10.9285714286
		}
		return []any{
			o("attribute", "userIdentityArn",
				"insight", []any{o("value", caller, "average", ins), o("value", "OTHER", "average", 0.5)},
				"baseline", []any{o("value", caller, "average", 0.0352380952), o("value", "OTHER", "average", 0.0119047619)}),
			o("attribute", "userAgent",
				"insight", []any{o("value", uaBoto(""), "average", ins)},
				"baseline", []any{o("value", uaBoto(""), "average", 0.0471428571)}),
			o("attribute", "errorCode",
				"insight", []any{o("value", "null", "average", 8.2), o("value", "ThrottlingException", "average", 3.9)},
				"baseline", []any{o("value", "null", "average", 0.0471428571)}),
		}
	}
	stats := func(end bool) obj {
		s := o("baseline", o("average", 0.0471428571), "insight", o("average", 12.1), "baselineDuration", 10079)
		if end {
			s = o("baseline", o("average", 0.0471428571), "insight", o("average", 11.4285714286), "insightDuration", 14, "baselineDuration", 10079)
		}
		return s
	}
	for _, end := range []bool{false, true} {
		state, t := "Start", time.Date(2026, 11, 20, 13, 6, 0, 0, time.UTC)
		if end {
			state, t = "End", t.Add(14*time.Minute)
		}
		c := &call{ver: "1.08", t: t, timed: true, region: f.region, eventID: g.id(), recipient: f.acct, shared: shared,
			insight: o("state", state, "eventSource", personalizeSource, "eventName", "DescribeDatasetImportJob",
				"insightType", "ApiCallRateInsight",
				"insightContext", o("statistics", stats(end), "attributions", attributions(end)))}
		f.calls = append(f.calls, c)
	}
}

// ---------------------------------------------------------------------------
// Output.

type fileSummary struct {
	key                       string
	records, personalize      int
	insight                   int
	oldest, newest            string
	sha256                    string
	bytes                     int
	inDigest, hasDup, isOrg   bool
	region, acct, kind, stamp string
}

type summary struct {
	logFiles, records, personalize, personalizeDistinct int
	personalizeFailed, nonPersonalize, networkActivity  int
	insight                                             int
	files                                               []fileSummary
	digestKey, insightKey                               string
	dupEventID, dupName                                 string
	dupKeys                                             []string
	versions                                            map[string]int
	identityTypes                                       map[string]int
	totalBytes                                          int
	distinctOps                                         int
	failures                                            map[string]int // "Op: ErrorCode"
}

func (f *logFile) build(g *gen) {
	date := f.delivery.Format("2006/01/02")
	stamp := f.delivery.Format("20060102T1504Z")
	org := ""
	if f.org != "" {
		org = f.org + "/"
	}
	f.key = fmt.Sprintf("AWSLogs/%s%s/%s/%s/%s/%s_%s_%s_%s_%s.json.gz",
		org, f.acct, f.folder, f.region, date, f.acct, f.folder, f.region, stamp, g.r.chars(16, alnum))
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i, c := range f.calls {
		if i > 0 {
			b.WriteByte(',')
		}
		encode(&b, c.record())
	}
	b.WriteString("]}")
	f.raw = b.Bytes()
	f.gz = gzLevel(f.raw, g.level)
}

func gz(raw []byte) []byte { return gzLevel(raw, gzip.BestCompression) }

// gzLevel compresses at level (0: gzip.BestCompression).
func gzLevel(raw []byte, level int) []byte {
	if level == 0 {
		level = gzip.BestCompression
	}
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		panic(err)
	}
	// Header left at zero values (no name, no modification time): deterministic.
	if _, err := w.Write(raw); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func eventTimes(f *logFile) (oldest, newest string) {
	for _, c := range f.calls {
		s := c.t.UTC().Format(timeFmt)
		if oldest == "" || s < oldest {
			oldest = s
		}
		if newest == "" || s > newest {
			newest = s
		}
	}
	return
}

func (g *gen) digest(files []*logFile) (key string, raw []byte) {
	end := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	start := end.Add(-time.Hour)
	key = fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/us-east-1/%s/%s_CloudTrail-Digest_us-east-1_%s_us-east-1_%s.json.gz",
		acctA, end.Format("2006/01/02"), acctA, trailName, end.Format("20060102T150405Z"))
	var list []obj
	oldest, newest := "", ""
	for _, f := range files {
		if f.acct != acctA || f.region != "us-east-1" || f.folder != "CloudTrail" ||
			f.delivery.Before(start) || !f.delivery.Before(end) {
			continue
		}
		sum := sha256.Sum256(f.raw)
		fo, fn := eventTimes(f)
		list = append(list, o("s3Bucket", trailBucket, "s3Object", f.key, "hashValue", hex.EncodeToString(sum[:]),
			"hashAlgorithm", "SHA-256", "newestEventTime", fn, "oldestEventTime", fo))
		if oldest == "" || fo < oldest {
			oldest = fo
		}
		if newest == "" || fn > newest {
			newest = fn
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, _ := list[i].get("s3Object")
		b, _ := list[j].get("s3Object")
		return a.(string) < b.(string)
	})
	// A starting digest (validation enabled at 09:00): the previous-digest
	// fields are null. The signature would live in S3 object metadata
	// (x-amz-meta-signature), which a file tree cannot carry.
	d := o("awsAccountId", acctA,
		"digestStartTime", start.Format(timeFmt), "digestEndTime", end.Format(timeFmt),
		"digestS3Bucket", trailBucket, "digestS3Object", key,
		"digestPublicKeyFingerprint", g.r.hex(32), "digestSignatureAlgorithm", "SHA256withRSA",
		"newestEventTime", newest, "oldestEventTime", oldest,
		"previousDigestS3Bucket", nil, "previousDigestS3Object", nil, "previousDigestHashValue", nil,
		"previousDigestHashAlgorithm", nil, "previousDigestSignature", nil,
		"logFiles", list)
	var b bytes.Buffer
	encode(&b, d)
	return key, b.Bytes()
}

// generate writes the tree under out and returns what it wrote.
func generate(out string, seed uint64) (*summary, error) {
	g := &gen{r: newRNG(seed), seed: seed, ids: map[string]bool{}}
	dup, err := g.scenario()
	if err != nil {
		return nil, err
	}
	// Insight file (us-east-1, account trail).
	ins := g.newFile(acctA, "us-east-1", "", "CloudTrail-Insight", "20261120T1335Z")
	g.insightPair(ins)

	for _, f := range g.files {
		g.finish(f)
	}
	for _, f := range g.files {
		f.build(g)
	}
	digestKey, digestRaw := g.digest(g.files)

	// Write. Only the AWSLogs subtree and README.md are replaced.
	root := filepath.Join(out, "AWSLogs")
	if err := os.RemoveAll(root); err != nil {
		return nil, err
	}
	write := func(key string, data []byte) error {
		p := filepath.Join(out, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	sum := &summary{digestKey: digestKey, versions: map[string]int{}, identityTypes: map[string]int{}, failures: map[string]int{},
		dupEventID: dup.eventID, dupName: dup.name}
	distinct := map[string]bool{}
	ops := map[string]bool{}
	for _, f := range g.files {
		if err := write(f.key, f.gz); err != nil {
			return nil, err
		}
		sum.totalBytes += len(f.gz)
		fs := fileSummary{key: f.key, records: len(f.calls), bytes: len(f.gz), region: f.region, acct: f.acct,
			kind: f.folder, stamp: f.delivery.Format("20060102T1504Z"), isOrg: f.org != ""}
		fs.oldest, fs.newest = eventTimes(f)
		s := sha256.Sum256(f.raw)
		fs.sha256 = hex.EncodeToString(s[:])
		for _, c := range f.calls {
			if c == dup {
				fs.hasDup = true
			}
			if c.insight != nil {
				fs.insight++
				sum.insight++
				continue
			}
			sum.records++
			sum.versions[c.ver]++
			t := "(none)"
			if v, ok := c.actor.identity(c.t).get("type"); ok {
				t = v.(string)
			}
			sum.identityTypes[t]++
			if c.personalize {
				fs.personalize++
				sum.personalize++
				distinct[c.eventID] = true
				if c.errCode != "" {
					sum.personalizeFailed++
					sum.failures[c.name+": "+c.errCode]++
				} else {
					ops[c.name] = true
				}
				if c.category == "NetworkActivity" {
					sum.networkActivity++
				}
			} else {
				sum.nonPersonalize++
			}
		}
		if fs.hasDup {
			sum.dupKeys = append(sum.dupKeys, f.key)
		}
		if f.folder == "CloudTrail" {
			sum.logFiles++
		} else {
			sum.insightKey = f.key
		}
		sum.files = append(sum.files, fs)
	}
	sum.personalizeDistinct = len(distinct)
	sum.distinctOps = len(ops)
	digestGz := gz(digestRaw)
	if err := write(digestKey, digestGz); err != nil {
		return nil, err
	}
	sum.totalBytes += len(digestGz)
	for i := range sum.files {
		if strings.Contains(string(digestRaw), sum.files[i].key) {
			sum.files[i].inDigest = true
		}
	}
	sort.Slice(sum.files, func(i, j int) bool { return sum.files[i].key < sum.files[j].key })
	sort.Strings(sum.dupKeys)
	readme := sum.readme(seed)
	if err := os.WriteFile(filepath.Join(out, "README.md"), []byte(readme), 0o644); err != nil {
		return nil, err
	}
	return sum, nil
}

// listFiles returns the relative paths of all regular files under dir.
func listFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
