// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strconv"
	"strings"
	"time"
)

// actor is a caller: a userIdentity plus the network and client it uses.
type actor struct {
	kind     string // for documentation only
	identity func(t time.Time) obj
	ip       string
	ua       func(cli string) string // cli: "<service>.<command>" as the AWS CLI would name it
	console  bool                    // sessionCredentialFromConsole: "true"
	internal bool                    // an AWS service calls on its own: no tlsDetails
	viaVPCE  bool                    // calls Personalize through the environment's interface VPC endpoints
}

// call is one CloudTrail record before serialisation. Everything random is
// fixed when the call is made, so record() is a pure function and a record
// written twice (the deliberate duplicate) is byte-identical.
type call struct {
	ver         string
	actor       *actor
	t           time.Time
	timed       bool
	src         string
	name        string
	region      string
	cli         string // AWS CLI command name for the user agent
	errCode     string
	errMsg      string
	req         any // obj, nil (JSON null) or skip{}
	resp        any
	respFn      func(t time.Time) any // when set, computes resp from the eventTime
	addl        obj
	requestID   string
	eventID     string
	readOnly    any // bool or skip{}
	resources   []obj
	eventType   string
	apiVersion  string
	mgmt        any // bool or skip{}
	recipient   string
	shared      string
	vpce        string
	vpceAcct    string
	svcDetails  obj
	category    string
	host        string // tlsDetails.clientProvidedHostHeader; "" = no tlsDetails
	tls13       bool
	insight     obj // insightDetails (Insight records only)
	personalize bool
}

// minor returns the minor part of an eventVersion "1.NN" as an integer.
func minor(ver string) int {
	_, m, _ := strings.Cut(ver, ".")
	n, _ := strconv.Atoi(m)
	return n
}

const (
	timeFmt = "2006-01-02T15:04:05Z"
	// javaTime is the text form many services use for dates inside
	// responseElements.
	javaTime = "Jan 2, 2006, 3:04:05 PM"
)

// record renders the call in CloudTrail's field order. Fields newer than the
// record's eventVersion are left out.
func (c *call) record() obj {
	m := minor(c.ver)
	if c.insight != nil {
		return o(
			"eventVersion", c.ver,
			"eventTime", c.t.UTC().Format(timeFmt),
			"awsRegion", c.region,
			"eventID", c.eventID,
			"eventType", "AwsCloudTrailInsight",
			"recipientAccountId", c.recipient,
			"sharedEventID", c.shared,
			"insightDetails", c.insight,
			"eventCategory", "Insight",
		)
	}
	var ui any = skip{}
	ua := ""
	ip := ""
	if c.actor != nil {
		ui = c.actor.identity(c.t)
		ip = c.actor.ip
		if c.actor.ua != nil {
			ua = c.actor.ua(c.cli)
		}
	}
	var tls any = skip{}
	if c.host != "" && m >= 8 {
		if c.tls13 {
			tls = o("tlsVersion", "TLSv1.3", "cipherSuite", "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader", c.host)
		} else {
			tls = o("tlsVersion", "TLSv1.2", "cipherSuite", "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader", c.host)
		}
	}
	var console any = skip{}
	if c.actor != nil && c.actor.console && m >= 8 {
		console = "true"
	}
	gate := func(since int, v any) any {
		if m < since {
			return skip{}
		}
		return v
	}
	var addl, svc, res any = skip{}, skip{}, skip{}
	if c.addl != nil {
		addl = c.addl
	}
	if c.svcDetails != nil {
		svc = c.svcDetails
	}
	if len(c.resources) > 0 {
		res = c.resources
	}
	vpceAcct := any(skip{})
	if c.vpceAcct != "" {
		vpceAcct = gate(9, c.vpceAcct)
	}
	resp := c.resp
	if c.respFn != nil && c.errCode == "" {
		resp = c.respFn(c.t)
	}
	return o(
		"eventVersion", c.ver,
		"userIdentity", ui,
		"eventTime", c.t.UTC().Format(timeFmt),
		"eventSource", c.src,
		"eventName", c.name,
		"awsRegion", c.region,
		"sourceIPAddress", optStr(ip),
		"userAgent", optStr(ua),
		"errorCode", optStr(c.errCode),
		"errorMessage", optStr(c.errMsg),
		"requestParameters", c.req,
		"responseElements", resp,
		"additionalEventData", addl,
		"requestID", optStr(c.requestID),
		"eventID", c.eventID,
		"readOnly", c.readOnly,
		"resources", res,
		"eventType", c.eventType,
		"apiVersion", optStr(c.apiVersion),
		"managementEvent", gate(6, c.mgmt),
		"recipientAccountId", c.recipient,
		"sharedEventID", optStr(c.shared),
		"vpcEndpointId", optStr(c.vpce),
		"vpcEndpointAccountId", vpceAcct,
		"serviceEventDetails", svc,
		"eventCategory", gate(7, optStr(c.category)),
		"tlsDetails", tls,
		"sessionCredentialFromConsole", console,
	)
}

// fail turns the call into a failed one.
func (c *call) fail(code, msg string) *call {
	c.errCode, c.errMsg = code, msg
	c.resp = nil
	return c
}

// version forces the eventVersion.
func (c *call) version(v string) *call {
	c.ver = v
	return c
}

// ---------------------------------------------------------------------------
// Accounts, environments and actors.

const (
	acctA = "111122223333" // account trail owner
	acctB = "444455556666" // member account of organization o-a1b2c3d4e5
	orgID = "o-a1b2c3d4e5"
)

// env is one account+region with the Personalize resources that live there.
type env struct {
	acct, region string
	dsg          string // dataset group name (also embedded in dataset ARNs)
	domain       string // "" for a custom dataset group
	schema       string
	solution     string
	svid         string // solution version id (8 hex digits)
	segSolution  string // item-affinity solution used for batch segment jobs
	segSvid      string
	campaign     string
	rankCampaign string
	nbaCampaign  string
	recommender  string
	recRecipe    string
	solRecipe    string
	autoML       bool
	filter       string
	promoFilter  string
	trackerID    string
	trackingID   string
	metricAttr   string
	importJob    string
	exportJob    string
	batchInf     string
	batchSeg     string
	deletionJob  string
	dsType       string // dataset type used by dataset-level operations
	bucket       string
	role         string
	kmsID        string
	training     string // trainingMode for CreateSolutionVersion
	variant      string
	vpce         map[byte]string // interface VPC endpoint per API plane ('C', 'E', 'R')
}

func (e *env) with(f func(x *env)) *env {
	c := *e
	f(&c)
	return &c
}

func (e *env) arn(segment, id string) string {
	return "arn:aws:personalize:" + e.region + ":" + e.acct + ":" + segment + "/" + id
}
func (e *env) dsgArn() string     { return e.arn("dataset-group", e.dsg) }
func (e *env) datasetArn() string { return e.arn("dataset", e.dsg+"/"+e.dsType) }
func (e *env) typedDataset(t string) string {
	return e.arn("dataset", e.dsg+"/"+t)
}
func (e *env) schemaArn() string      { return e.arn("schema", e.schema) }
func (e *env) solutionArn() string    { return e.arn("solution", e.solution) }
func (e *env) svArn() string          { return e.arn("solution", e.solution+"/"+e.svid) }
func (e *env) segSvArn() string       { return e.arn("solution", e.segSolution+"/"+e.segSvid) }
func (e *env) campaignArn() string    { return e.arn("campaign", e.campaign) }
func (e *env) recommenderArn() string { return e.arn("recommender", e.recommender) }
func (e *env) filterArn() string      { return e.arn("filter", e.filter) }
func (e *env) trackerArn() string     { return e.arn("event-tracker", e.trackerID) }
func (e *env) metricArn() string      { return e.arn("metric-attribution", e.metricAttr) }
func (e *env) roleArn() string        { return "arn:aws:iam::" + e.acct + ":role/" + e.role }
func (e *env) kmsArn() string {
	return "arn:aws:kms:" + e.region + ":" + e.acct + ":key/" + e.kmsID
}
func (e *env) s3(path string) string { return "s3://" + e.bucket + "/" + path }

func globalARN(segment, name string) string {
	return "arn:aws:personalize:::" + segment + "/" + name
}

// User agents.
func uaCLI(cli string) string {
	s := "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off"
	if cli != "" {
		s += " md/command#" + cli
	}
	return s
}
func uaBoto(string) string {
	return "Boto3/1.35.60 md/Botocore#1.35.60 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.60"
}
func uaJava(string) string {
	return "aws-sdk-java/2.29.15 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/standard"
}

// sdkAPI names the SDK client module for a CLI command name, as the Go SDK
// writes it in its user agent (personalize-events -> personalizeevents).
func sdkAPI(cli, version string) string {
	svc, _, _ := strings.Cut(cli, ".")
	if svc == "" {
		svc = "personalize"
	}
	if svc == "s3api" {
		svc = "s3"
	}
	return "api/" + strings.ReplaceAll(svc, "-", "") + "#" + version
}
func uaGo(cli string) string {
	return "aws-sdk-go-v2/1.32.5 ua/2.1 os/linux lang/go#go1.23.3 md/GOOS#linux md/GOARCH#amd64 " + sdkAPI(cli, "1.26.6") + " m/E"
}
func uaTerraform(cli string) string {
	return "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#go1.23.2 md/GOOS#linux md/GOARCH#amd64 " + sdkAPI(cli, "1.40.1")
}
func uaBrowser(string) string {
	return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
}
func uaFixed(s string) func(string) string { return func(string) string { return s } }

// sessionAttrs builds sessionContext.attributes for a session created age
// seconds before the hour the call falls in.
func sessionAttrs(t time.Time, age int, mfa bool) obj {
	created := t.UTC().Truncate(time.Hour).Add(-time.Duration(age) * time.Second)
	return o("creationDate", created.Format(timeFmt), "mfaAuthenticated", strconv.FormatBool(mfa))
}

type actors struct {
	terraform, pipeline, webapp, console, sso, root, cfn, service *actor
	federated, saml, webid, idc, xacct, unknown, noType           *actor
	instance, admin, lambda, s3svc, personalizeRole               *actor
}

func (g *gen) makeActors(acct string, ipBase string) *actors {
	r := g.r
	a := &actors{}
	iamUser := func(name, ip string, ua func(string) string) *actor {
		pid, key := r.key("AIDA", 17), r.key("AKIA", 16)
		return &actor{kind: "IAMUser", ip: ip, ua: ua, identity: func(time.Time) obj {
			return o("type", "IAMUser", "principalId", pid, "arn", "arn:aws:iam::"+acct+":user/"+name,
				"accountId", acct, "accessKeyId", key, "userName", name)
		}}
	}
	role := func(roleName, session, ip string, ua func(string) string, invokedBy string) *actor {
		rid, key, age := r.key("AROA", 17), r.key("ASIA", 16), r.between(180, 3300)
		return &actor{kind: "AssumedRole", ip: ip, ua: ua, identity: func(t time.Time) obj {
			return o("type", "AssumedRole", "principalId", rid+":"+session,
				"arn", "arn:aws:sts::"+acct+":assumed-role/"+roleName+"/"+session,
				"accountId", acct, "accessKeyId", key,
				"sessionContext", o(
					"sessionIssuer", o("type", "Role", "principalId", rid, "arn", "arn:aws:iam::"+acct+":role/"+roleName, "accountId", acct, "userName", roleName),
					"webIdFederationData", o(),
					"attributes", sessionAttrs(t, age, false)),
				"invokedBy", optStr(invokedBy))
		}}
	}
	a.terraform = iamUser("terraform-ci", ipBase+"20", uaTerraform)
	a.pipeline = role("PersonalizePipeline", "retrain-orchestrator", ipBase+"31", uaBoto, "")
	a.webapp = role("RetailWebApp", "ecs-task-"+r.hex(12), "10.0."+strconv.Itoa(r.between(10, 40))+"."+strconv.Itoa(r.between(2, 250)), uaJava, "")
	a.webapp.viaVPCE = true
	a.lambda = role("clickstream-ingest-role", "clickstream-ingest", ipBase+"77", uaGo, "")

	// IAM user signed in to the console: temporary ASIA key, session context.
	{
		pid, key, age := r.key("AIDA", 17), r.key("ASIA", 16), r.between(180, 3300)
		a.console = &actor{kind: "IAMUser (console)", ip: ipBase + "45", ua: uaBrowser, console: true, identity: func(t time.Time) obj {
			return o("type", "IAMUser", "principalId", pid, "arn", "arn:aws:iam::"+acct+":user/alice",
				"accountId", acct, "accessKeyId", key, "userName", "alice",
				"sessionContext", o("sessionIssuer", o(), "webIdFederationData", o(), "attributes", sessionAttrs(t, age, true)))
		}}
	}
	// IAM Identity Center permission set role used from the console.
	a.sso = role("AWSReservedSSO_DataScientist_"+r.hex(16), "jane.doe@example.com", "2001:db8:4f1c:"+r.hex(4)+"::1a", uaBrowser, "")
	a.sso.console = true
	{
		key, age := r.key("ASIA", 16), r.between(180, 3300)
		a.root = &actor{kind: "Root", ip: ipBase + "9", ua: uaBrowser, console: true, identity: func(t time.Time) obj {
			return o("type", "Root", "principalId", acct, "arn", "arn:aws:iam::"+acct+":root", "accountId", acct,
				"accessKeyId", key, "sessionContext", o("attributes", sessionAttrs(t, age, true)))
		}}
	}
	a.cfn = role("CloudFormationDeployRole", "AWSCloudFormation", "cloudformation.amazonaws.com", uaFixed("cloudformation.amazonaws.com"), "cloudformation.amazonaws.com")
	a.cfn.internal = true
	a.service = &actor{kind: "AWSService", ip: personalizeSource, ua: uaFixed(personalizeSource), internal: true, identity: func(time.Time) obj {
		return o("type", "AWSService", "invokedBy", personalizeSource)
	}}
	a.personalizeRole = role("PersonalizeS3Access", "personalize-"+r.hex(8), personalizeSource, uaFixed(personalizeSource), personalizeSource)
	a.personalizeRole.internal = true
	{
		pid, key, age := r.key("AIDA", 17), r.key("ASIA", 16), r.between(180, 3300)
		a.federated = &actor{kind: "FederatedUser", ip: ipBase + "88", ua: uaBoto, identity: func(t time.Time) obj {
			return o("type", "FederatedUser", "principalId", acct+":bob-analytics",
				"arn", "arn:aws:sts::"+acct+":federated-user/bob-analytics", "accountId", acct, "accessKeyId", key,
				"sessionContext", o(
					"sessionIssuer", o("type", "IAMUser", "principalId", pid, "arn", "arn:aws:iam::"+acct+":user/federation-broker", "accountId", acct, "userName", "federation-broker"),
					"webIdFederationData", o(),
					"attributes", sessionAttrs(t, age, false)))
		}}
	}
	{
		idp := r.chars(27, alnum) + "="
		a.saml = &actor{kind: "SAMLUser", ip: ipBase + "61", ua: uaCLI, identity: func(time.Time) obj {
			return o("type", "SAMLUser", "principalId", idp+":carol@example.com", "userName", "carol@example.com", "identityProvider", idp)
		}}
	}
	{
		sub := strconv.FormatUint(100000000000000000+r.next()%900000000000000000, 10)
		aud := strconv.Itoa(r.between(100000000, 999999999)) + "-" + r.chars(32, "abcdefghijklmnopqrstuvwxyz0123456789") + ".apps.googleusercontent.com"
		a.webid = &actor{kind: "WebIdentityUser", ip: ipBase + "72", ua: uaGo, identity: func(time.Time) obj {
			return o("type", "WebIdentityUser", "principalId", "accounts.google.com:"+aud+":"+sub, "userName", sub, "identityProvider", "accounts.google.com")
		}}
	}
	{
		uid, store, cred := r.uuid(), "d-9067"+r.hex(6), r.chars(60, alnum+"_-")
		a.idc = &actor{kind: "IdentityCenterUser", ip: ipBase + "53", ua: uaBrowser, identity: func(time.Time) obj {
			return o("type", "IdentityCenterUser", "accountId", acct,
				"onBehalfOf", o("userId", uid, "identityStoreArn", "arn:aws:identitystore::"+acct+":identitystore/"+store),
				"credentialId", cred)
		}}
	}
	{
		other := acctB
		if acct == acctB {
			other = acctA
		}
		pid := r.key("AIDA", 17)
		a.xacct = &actor{kind: "AWSAccount", ip: "203.0.113." + strconv.Itoa(r.between(100, 200)), ua: uaBoto, identity: func(time.Time) obj {
			return o("type", "AWSAccount", "principalId", pid, "accountId", other)
		}}
	}
	{
		key := r.key("AKIA", 16)
		a.unknown = &actor{kind: "Unknown", ip: "203.0.113." + strconv.Itoa(r.between(201, 250)), ua: uaCLI, identity: func(time.Time) obj {
			return o("type", "Unknown", "principalId", "", "arn", "", "accountId", "", "accessKeyId", key)
		}}
	}
	a.noType = &actor{kind: "(no type)", ip: "AWS Internal", ua: uaFixed("AWS Internal"), internal: true, identity: func(time.Time) obj {
		return o("accountId", acct, "invokedBy", "AWS Internal")
	}}
	a.instance = role("ssm-managed-instance", "i-0"+r.hex(16), "10.0."+strconv.Itoa(r.between(41, 60))+"."+strconv.Itoa(r.between(2, 250)), uaFixed("aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) amazon-ssm-agent/3.3.1142.0"), "")
	a.admin = role("OpsAdmin", "ops-"+r.hex(6), ipBase+"14", uaCLI, "")
	a.s3svc = &actor{kind: "AWSService", ip: "s3.amazonaws.com", ua: uaFixed("s3.amazonaws.com"), internal: true, identity: func(time.Time) obj {
		return o("type", "AWSService", "invokedBy", "s3.amazonaws.com")
	}}
	return a
}
