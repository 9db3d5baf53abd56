// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strconv"
	"time"
)

// base makes a call with the fields every management API call carries.
func (g *gen) base(f *logFile, a *actor, src, name, ver string, readOnly bool) *call {
	c := &call{
		ver: ver, actor: a, src: src, name: name, region: f.region,
		requestID: g.r.uuid(), eventID: g.id(), readOnly: readOnly,
		eventType: "AwsApiCall", mgmt: true, recipient: f.acct, category: "Management",
		tls13: g.r.intn(2) == 0,
	}
	if !a.internal {
		c.host = hostFor(src, f.region)
	}
	svc := src[:len(src)-len(".amazonaws.com")]
	if svc == "s3" {
		svc = "s3api"
	}
	c.cli = svc + "." + kebab(name)
	return c
}

func hostFor(src, region string) string {
	svc := src[:len(src)-len(".amazonaws.com")]
	switch svc {
	case "iam":
		return "iam.amazonaws.com"
	case "signin":
		return "signin.aws.amazon.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

// filler is a template for a non-Personalize record.
type filler struct {
	name     string
	weight   int
	globalOK bool // only in us-east-1 (IAM, sign-in)
	make     func(g *gen, f *logFile, a *actors, e *env) *call
}

func s3Resources(acct, bucket, key string) []obj {
	return []obj{
		o("type", "AWS::S3::Object", "ARN", "arn:aws:s3:::"+bucket+"/"+key),
		o("accountId", acct, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::"+bucket),
	}
}

func (g *gen) s3DataEvent(f *logFile, a *actor, name, bucket, key string, in, out int) *call {
	c := g.base(f, a, "s3.amazonaws.com", name, "1.10", name == "GetObject")
	c.requestID = g.r.chars(16, upperAlnum)
	c.req = o("bucketName", bucket, "Host", bucket+".s3."+f.region+".amazonaws.com", "key", key)
	c.resp = nil
	if name == "PutObject" {
		c.resp = o("x-amz-server-side-encryption", "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:"+f.region+":"+f.acct+":key/"+g.r.uuid())
	}
	c.addl = o("SignatureVersion", "SigV4", "CipherSuite", "TLS_AES_128_GCM_SHA256", "bytesTransferredIn", in,
		"AuthenticationMethod", "AuthHeader", "x-amz-id-2", g.r.chars(76, alnum), "bytesTransferredOut", out)
	c.resources = s3Resources(f.acct, bucket, key)
	c.mgmt = false
	c.category = "Data"
	if !a.internal {
		c.host = bucket + ".s3." + f.region + ".amazonaws.com"
	}
	return c
}

func (g *gen) assumeRoleByPersonalize(f *logFile, e *env) *call {
	svc := &actor{kind: "AWSService", ip: personalizeSource, ua: uaFixed(personalizeSource), internal: true,
		identity: func(time.Time) obj { return o("type", "AWSService", "invokedBy", personalizeSource) }}
	c := g.base(f, svc, "sts.amazonaws.com", "AssumeRole", "1.08", true)
	session := "personalize-" + g.r.hex(8)
	roleID := g.r.key("AROA", 17)
	c.req = o("roleArn", e.roleArn(), "roleSessionName", session)
	key := g.r.key("ASIA", 16)
	c.respFn = func(t time.Time) any {
		return o("credentials", o("accessKeyId", key, "expiration", t.Add(time.Hour).Format(javaTime)),
			"assumedRoleUser", o("assumedRoleId", roleID+":"+session, "arn", "arn:aws:sts::"+e.acct+":assumed-role/"+e.role+"/"+session))
	}
	c.resources = []obj{o("accountId", e.acct, "type", "AWS::IAM::Role", "ARN", e.roleArn())}
	c.shared = g.r.uuid()
	return c
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

var fillers = []filler{
	{"ec2 DescribeInstances", 5, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.admin, a.console, a.sso), "ec2.amazonaws.com", "DescribeInstances", "1.09", true)
		c.cli = "ec2.describe-instances"
		c.req = o("instancesSet", o(), "filterSet", o("items", []any{o("name", "tag:app", "valueSet", o("items", []any{o("value", "recommendations")}))}))
		c.resp = nil
		return c
	}},
	{"ec2 DescribeSecurityGroups", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.admin, a.terraform), "ec2.amazonaws.com", "DescribeSecurityGroups", "1.09", true)
		c.cli = "ec2.describe-security-groups"
		c.req = o("securityGroupSet", o(), "securityGroupIdSet", o("items", []any{o("groupId", "sg-0"+g.r.hex(16))}), "filterSet", o())
		c.resp = nil
		return c
	}},
	{"ec2 RunInstances", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.admin, "ec2.amazonaws.com", "RunInstances", "1.09", false)
		c.cli = "ec2.run-instances"
		inst, ami := "i-0"+g.r.hex(16), "ami-0"+g.r.hex(16)
		c.req = o("instancesSet", o("items", []any{o("imageId", ami, "minCount", 1, "maxCount", 1)}),
			"instanceType", "m7g.large", "blockDeviceMapping", o(), "monitoring", o("enabled", false),
			"disableApiTermination", false, "disableApiStop", false, "clientToken", g.r.uuid())
		reqID, resv := g.r.uuid(), "r-0"+g.r.hex(16)
		c.respFn = func(t time.Time) any {
			return o("requestId", reqID, "reservationId", resv, "ownerId", f.acct, "groupSet", o(),
				"instancesSet", o("items", []any{o("instanceId", inst, "imageId", ami,
					"currentState", o("code", 0, "name", "pending"), "instanceType", "m7g.large",
					"launchTime", t.UnixMilli())}))
		}
		return c
	}},
	{"ec2 CreateTags", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.terraform, "ec2.amazonaws.com", "CreateTags", "1.09", false)
		c.req = o("resourcesSet", o("items", []any{o("resourceId", "i-0"+g.r.hex(16))}),
			"tagSet", o("items", []any{o("key", "team", "value", "personalization")}))
		c.resp = o("requestId", g.r.uuid(), "_return", true)
		return c
	}},
	{"s3 GetObject by Personalize", 3, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		return g.s3DataEvent(f, a.personalizeRole, "GetObject", e.bucket, "import/interactions.csv", 0, g.r.between(100000, 90000000))
	}},
	{"s3 PutObject", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		key := "clickstream/" + f.delivery.Format("2006/01/02") + "/part-" + g.r.hex(8) + ".json"
		return g.s3DataEvent(f, a.lambda, "PutObject", e.bucket, key, g.r.between(2000, 200000), 0)
	}},
	{"s3 ListBuckets", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.console, a.admin), "s3.amazonaws.com", "ListBuckets", "1.10", true)
		c.requestID = g.r.chars(16, upperAlnum)
		c.req = o("Host", "s3."+f.region+".amazonaws.com")
		c.resp = nil
		c.addl = o("SignatureVersion", "SigV4", "CipherSuite", "TLS_AES_128_GCM_SHA256", "bytesTransferredIn", 0,
			"AuthenticationMethod", "AuthHeader", "x-amz-id-2", g.r.chars(76, alnum), "bytesTransferredOut", g.r.between(800, 6000))
		return c
	}},
	{"s3 GetBucketAcl by CloudTrail", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		ct := &actor{kind: "AWSService", ip: "cloudtrail.amazonaws.com", ua: uaFixed("cloudtrail.amazonaws.com"), internal: true,
			identity: func(time.Time) obj { return o("type", "AWSService", "invokedBy", "cloudtrail.amazonaws.com") }}
		c := g.base(f, ct, "s3.amazonaws.com", "GetBucketAcl", "1.10", true)
		c.requestID = g.r.chars(16, upperAlnum)
		bucket := "personalize-audit-cloudtrail-" + acctA
		c.req = o("bucketName", bucket, "Host", bucket+".s3.amazonaws.com", "acl", "")
		c.resp = nil
		c.addl = o("SignatureVersion", "SigV4", "CipherSuite", "TLS_AES_128_GCM_SHA256", "bytesTransferredIn", 0,
			"AuthenticationMethod", "AuthHeader", "x-amz-id-2", g.r.chars(76, alnum), "bytesTransferredOut", 560)
		c.resources = []obj{o("accountId", acctA, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::"+bucket)}
		c.shared = g.r.uuid()
		return c
	}},
	{"iam GetRole", 2, true, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.terraform, a.admin, a.console), "iam.amazonaws.com", "GetRole", "1.09", true)
		c.cli = "iam.get-role"
		c.req = o("roleName", g.r.pick(e.role, "PersonalizePipeline", "RetailWebApp"))
		c.resp = nil
		return c
	}},
	{"iam ListRoles", 1, true, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.console, a.sso), "iam.amazonaws.com", "ListRoles", "1.09", true)
		c.req = o("maxItems", 1000)
		c.resp = nil
		return c
	}},
	{"sts AssumeRole by personalize.amazonaws.com", 3, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		return g.assumeRoleByPersonalize(f, e)
	}},
	{"sts GetCallerIdentity", 3, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.terraform, a.pipeline, a.admin, a.lambda), "sts.amazonaws.com", "GetCallerIdentity", "1.08", true)
		c.cli = "sts.get-caller-identity"
		c.req, c.resp = nil, nil
		return c
	}},
	{"kms Decrypt for Personalize", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.personalizeRole, "kms.amazonaws.com", "Decrypt", "1.08", true)
		c.req = o("encryptionAlgorithm", "SYMMETRIC_DEFAULT",
			"encryptionContext", o("aws:s3:arn", "arn:aws:s3:::"+e.bucket+"/import/interactions.csv"))
		c.resp = nil
		c.resources = []obj{o("accountId", e.acct, "type", "AWS::KMS::Key", "ARN", e.kmsArn())}
		return c
	}},
	{"kms GenerateDataKey by S3", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.s3svc, "kms.amazonaws.com", "GenerateDataKey", "1.08", true)
		c.req = o("keyId", e.kmsArn(), "encryptionContext", o("aws:s3:arn", "arn:aws:s3:::"+e.bucket+"/clickstream/"), "keySpec", "AES_256")
		c.resp = nil
		c.resources = []obj{o("accountId", e.acct, "type", "AWS::KMS::Key", "ARN", e.kmsArn())}
		c.shared = g.r.uuid()
		return c
	}},
	{"lambda Invoke", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.pipeline, "lambda.amazonaws.com", "Invoke", "1.08", false)
		fn := "arn:aws:lambda:" + f.region + ":" + f.acct + ":function:" + g.r.pick("clickstream-ingest", "retrain-trigger", "batch-export-notify")
		c.req = o("functionName", fn, "sourceArn", "arn:aws:states:"+f.region+":"+f.acct+":stateMachine:personalize-retrain")
		c.resp = nil
		c.addl = o("functionVersion", fn+":$LATEST")
		c.resources = []obj{o("accountId", f.acct, "type", "AWS::Lambda::Function", "ARN", fn)}
		c.mgmt, c.category = false, "Data"
		c.apiVersion = "2015-03-31"
		return c
	}},
	{"lambda GetFunction", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.terraform, a.console), "lambda.amazonaws.com", "GetFunction20150331v2", "1.08", true)
		c.req = o("functionName", "clickstream-ingest")
		c.resp = nil
		c.apiVersion = "2015-03-31"
		return c
	}},
	{"cloudtrail LookupEvents", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.console, a.sso), "cloudtrail.amazonaws.com", "LookupEvents", "1.09", true)
		c.req = o("maxResults", 50, "lookupAttributes", []any{o("attributeKey", "EventSource", "attributeValue", personalizeSource)})
		c.resp = nil
		return c
	}},
	{"cloudtrail DescribeTrails", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, g.pickActor(a.admin, a.terraform), "cloudtrail.amazonaws.com", "DescribeTrails", "1.09", true)
		c.req = o("trailNameList", []string{}, "includeShadowTrails", true)
		c.resp = nil
		return c
	}},
	{"monitoring GetMetricData", 3, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.pipeline, "monitoring.amazonaws.com", "GetMetricData", "1.09", true)
		start := f.delivery.Add(-3 * time.Hour).Truncate(time.Minute)
		c.req = o("metricDataQueries", []any{o("id", "m1", "metricStat", o("metric", o("namespace", "AWS/Personalize", "metricName", "GetRecommendations",
			"dimensions", []any{o("name", "CampaignArn", "value", e.campaignArn())}), "period", 300, "stat", "Sum"), "returnData", true)},
			"startTime", start.Format(javaTime), "endTime", f.delivery.Truncate(time.Minute).Format(javaTime))
		c.resp = nil
		return c
	}},
	{"ssm UpdateInstanceInformation", 4, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.instance, "ssm.amazonaws.com", "UpdateInstanceInformation", "1.08", false)
		c.req = o("instanceId", "i-0"+g.r.hex(16), "agentVersion", "3.3.1142.0", "agentStatus", "Active",
			"platformType", "Linux", "platformName", "Amazon Linux", "platformVersion", "2023", "iPAddress", a.instance.ip,
			"computerName", "ip-10-0-"+strconv.Itoa(g.r.between(41, 60))+"-"+strconv.Itoa(g.r.between(2, 250))+"."+f.region+".compute.internal", "agentName", "amazon-ssm-agent")
		c.resp = nil
		return c
	}},
	{"logs CreateLogStream", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.lambda, "logs.amazonaws.com", "CreateLogStream", "1.09", false)
		c.req = o("logGroupName", "/aws/lambda/clickstream-ingest", "logStreamName", f.delivery.Format("2006/01/02")+"/[$LATEST]"+g.r.hex(32))
		c.resp = nil
		return c
	}},
	{"secretsmanager GetSecretValue", 2, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.webapp, "secretsmanager.amazonaws.com", "GetSecretValue", "1.09", true)
		c.req = o("secretId", "arn:aws:secretsmanager:"+f.region+":"+f.acct+":secret:retail/web/db-"+g.r.chars(6, alnum))
		c.resp = nil
		return c
	}},
	{"dynamodb DescribeTable", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.webapp, "dynamodb.amazonaws.com", "DescribeTable", "1.08", true)
		c.req = o("tableName", "user-sessions")
		c.resp = nil
		c.apiVersion = "2012-08-10"
		c.resources = []obj{o("accountId", f.acct, "type", "AWS::DynamoDB::Table", "ARN", "arn:aws:dynamodb:"+f.region+":"+f.acct+":table/user-sessions")}
		return c
	}},
	{"states StartExecution", 1, false, func(g *gen, f *logFile, a *actors, e *env) *call {
		c := g.base(f, a.lambda, "states.amazonaws.com", "StartExecution", "1.10", false)
		sm := "arn:aws:states:" + f.region + ":" + f.acct + ":stateMachine:personalize-retrain"
		name := g.r.uuid()
		c.req = o("stateMachineArn", sm, "name", name, "input", hidden)
		c.respFn = func(t time.Time) any {
			return o("executionArn", "arn:aws:states:"+f.region+":"+f.acct+":execution:personalize-retrain:"+name,
				"startDate", t.Format(javaTime))
		}
		return c
	}},
}

func (g *gen) pickActor(as ...*actor) *actor { return as[g.r.intn(len(as))] }

// fill adds n non-Personalize records, spread among the file's calls.
func (g *gen) fill(f *logFile, a *actors, e *env, n int) {
	var pool []filler
	var weights []int
	for _, fl := range fillers {
		if fl.globalOK && f.region != "us-east-1" {
			continue
		}
		pool = append(pool, fl)
		weights = append(weights, fl.weight)
	}
	for i := 0; i < n; i++ {
		c := pool[g.r.weighted(weights)].make(g, f, a, e)
		pos := g.r.intn(len(f.calls) + 1)
		f.calls = append(f.calls, nil)
		copy(f.calls[pos+1:], f.calls[pos:])
		f.calls[pos] = c
	}
}
