// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const assumedRoleCreate = `{
  "eventVersion": "1.11",
  "userIdentity": {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEEXAMPLE123:ml-pipeline",
    "arn": "arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline",
    "accountId": "111122223333",
    "accessKeyId": "ASIAEXAMPLEEXAMPLE12",
    "sessionContext": {
      "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEEXAMPLE123", "arn": "arn:aws:iam::111122223333:role/PersonalizeAdmin", "accountId": "111122223333", "userName": "PersonalizeAdmin"},
      "attributes": {"creationDate": "2025-03-04T10:00:00Z", "mfaAuthenticated": "true"},
      "sourceIdentity": "alice@example.com"
    }
  },
  "eventTime": "2025-03-04T10:01:02Z",
  "eventSource": "personalize.amazonaws.com",
  "eventName": "CreateDatasetGroup",
  "awsRegion": "us-east-1",
  "sourceIPAddress": "198.51.100.10",
  "userAgent": "aws-cli/2.15.0",
  "requestParameters": {"name": "retail-dsg", "domain": "ECOMMERCE", "tags": "HIDDEN_DUE_TO_SECURITY_REASONS", "big": 1234567890123456789, "huge": 123456789012345678901234567890, "ratio": 0.25},
  "responseElements": {"datasetGroupArn": "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg", "domain": "ECOMMERCE"},
  "requestID": "11111111-2222-3333-4444-555555555555",
  "eventID": "aaaaaaaa-bbbb-cccc-dddd-000000000001",
  "readOnly": false,
  "eventType": "AwsApiCall",
  "apiVersion": "2018-05-22",
  "managementEvent": true,
  "recipientAccountId": "111122223333",
  "sharedEventID": "bbbbbbbb-0000-0000-0000-000000000001",
  "eventCategory": "Management",
  "sessionCredentialFromConsole": "true",
  "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "personalize.us-east-1.amazonaws.com"},
  "vpcEndpointId": "vpce-0123456789abcdef0",
  "vpcEndpointAccountId": "111122223333",
  "futureField": {"unknown": [1, "two", null, true]}
}`

func mapOne(t *testing.T, rec string, body BodyMode) (plog.ResourceLogs, plog.ScopeLogs, plog.LogRecord) {
	t.Helper()
	var r Record
	if err := r.Parse([]byte(rec)); err != nil {
		t.Fatal(err)
	}
	b := NewBatch(MapOptions{Body: body, ScopeName: "test/scope", ScopeVersion: "v9"})
	if _, err := b.Append(&r, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	logs := b.Take()
	if logs.LogRecordCount() != 1 {
		t.Fatalf("%d records", logs.LogRecordCount())
	}
	rl := logs.ResourceLogs().At(0)
	sl := rl.ScopeLogs().At(0)
	return rl, sl, sl.LogRecords().At(0)
}

func TestMappingFullRecord(t *testing.T) {
	rl, sl, lr := mapOne(t, assumedRoleCreate, BodyMap)
	if got, want := rl.Resource().Attributes().AsRaw(), map[string]any{
		"cloud.provider": "aws", "cloud.account.id": "111122223333", "cloud.region": "us-east-1",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("resource %v, want %v", got, want)
	}
	if sl.Scope().Name() != "test/scope" || sl.Scope().Version() != "v9" {
		t.Errorf("scope %s %s", sl.Scope().Name(), sl.Scope().Version())
	}
	if want := time.Date(2025, 3, 4, 10, 1, 2, 0, time.UTC); !lr.Timestamp().AsTime().Equal(want) {
		t.Errorf("timestamp %v", lr.Timestamp().AsTime())
	}
	if lr.ObservedTimestamp().AsTime().Unix() != 1700000000 {
		t.Errorf("observed %v", lr.ObservedTimestamp())
	}
	if lr.EventName() != "CreateDatasetGroup" || lr.SeverityNumber() != plog.SeverityNumberInfo || lr.SeverityText() != "INFO" {
		t.Errorf("event name %q severity %v %q", lr.EventName(), lr.SeverityNumber(), lr.SeverityText())
	}
	want := map[string]any{
		"aws.cloudtrail.event_id":                               "aaaaaaaa-bbbb-cccc-dddd-000000000001",
		"aws.cloudtrail.event_name":                             "CreateDatasetGroup",
		"aws.cloudtrail.event_source":                           "personalize.amazonaws.com",
		"aws.cloudtrail.event_type":                             "AwsApiCall",
		"aws.cloudtrail.event_category":                         "Management",
		"aws.cloudtrail.event_version":                          "1.11",
		"aws.cloudtrail.read_only":                              false,
		"aws.cloudtrail.management_event":                       true,
		"aws.cloudtrail.shared_event_id":                        "bbbbbbbb-0000-0000-0000-000000000001",
		"aws.cloudtrail.api_version":                            "2018-05-22",
		"aws.request_id":                                        "11111111-2222-3333-4444-555555555555",
		"rpc.system.name":                                       "aws-api",
		"rpc.method":                                            "personalize.amazonaws.com/CreateDatasetGroup",
		"source.address":                                        "198.51.100.10",
		"user_agent.original":                                   "aws-cli/2.15.0",
		"user.id":                                               "AROAEXAMPLEEXAMPLE123:ml-pipeline",
		"user.name":                                             "PersonalizeAdmin",
		"aws.user_identity.type":                                "AssumedRole",
		"aws.user_identity.arn":                                 "arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline",
		"aws.user_identity.principal_id":                        "AROAEXAMPLEEXAMPLE123:ml-pipeline",
		"aws.user_identity.account_id":                          "111122223333",
		"aws.user_identity.access_key_id":                       "ASIAEXAMPLEEXAMPLE12",
		"aws.user_identity.session_context.mfa_authenticated":   true,
		"aws.user_identity.session_context.creation_date":       "2025-03-04T10:00:00Z",
		"aws.user_identity.session_context.source_identity":     "alice@example.com",
		"aws.user_identity.session_context.issuer.type":         "Role",
		"aws.user_identity.session_context.issuer.arn":          "arn:aws:iam::111122223333:role/PersonalizeAdmin",
		"aws.user_identity.session_context.issuer.principal_id": "AROAEXAMPLEEXAMPLE123",
		"aws.user_identity.session_context.issuer.account_id":   "111122223333",
		"aws.user_identity.session_context.issuer.user_name":    "PersonalizeAdmin",
		"aws.session.console":                                   true,
		"tls.protocol.name":                                     "tls",
		"tls.protocol.version":                                  "1.3",
		"tls.cipher":                                            "TLS_AES_128_GCM_SHA256",
		"server.address":                                        "personalize.us-east-1.amazonaws.com",
		"aws.vpc_endpoint.id":                                   "vpce-0123456789abcdef0",
		"aws.vpc_endpoint.account_id":                           "111122223333",
		"aws.personalize.api":                                   "control",
		"aws.personalize.resource.arn":                          "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg",
		"aws.personalize.resource.type":                         "dataset-group",
		"aws.personalize.dataset_group.arn":                     "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg",
		"cloud.resource_id":                                     "arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg",
	}
	if got := lr.Attributes().AsRaw(); !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if g, ok := got[k]; !ok || !reflect.DeepEqual(g, v) {
				t.Errorf("attribute %s = %#v, want %#v", k, g, v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected attribute %s = %#v", k, v)
			}
		}
	}
	// The body is the whole record, lossless: exact integers, unknown fields.
	body := lr.Body().Map()
	req, _ := body.Get("requestParameters")
	if v, _ := req.Map().Get("big"); v.Type() != pcommon.ValueTypeInt || v.Int() != 1234567890123456789 {
		t.Errorf("big = %v (%v)", v.AsRaw(), v.Type())
	}
	if v, _ := req.Map().Get("huge"); v.Type() != pcommon.ValueTypeStr || v.Str() != "123456789012345678901234567890" {
		t.Errorf("huge = %v (%v)", v.AsRaw(), v.Type())
	}
	if v, _ := req.Map().Get("ratio"); v.Type() != pcommon.ValueTypeDouble || v.Double() != 0.25 {
		t.Errorf("ratio = %v", v.AsRaw())
	}
	fut, ok := body.Get("futureField")
	if !ok || !reflect.DeepEqual(fut.AsRaw(), map[string]any{"unknown": []any{int64(1), "two", nil, true}}) {
		t.Errorf("futureField = %#v", fut.AsRaw())
	}
	if body.Len() != 24 {
		t.Errorf("body has %d top-level keys, want 24", body.Len())
	}
}

func TestMappingBodyModes(t *testing.T) {
	_, _, lr := mapOne(t, assumedRoleCreate, BodyJSON)
	if lr.Body().Str() != assumedRoleCreate {
		t.Error("json body is not the original text")
	}
	_, _, lr = mapOne(t, assumedRoleCreate, BodyNone)
	if lr.Body().Type() != pcommon.ValueTypeEmpty {
		t.Errorf("none body has type %v", lr.Body().Type())
	}
	if lr.Attributes().Len() == 0 {
		t.Error("no attributes with body none")
	}
}

func TestMappingErrorAndSeverity(t *testing.T) {
	rec := `{"eventVersion":"1.08","eventTime":"2025-03-04T10:06:00Z","eventSource":"personalize.amazonaws.com","eventName":"CreateCampaign",
	"awsRegion":"eu-west-1","errorCode":"LimitExceededException","errorMessage":"too many campaigns","userIdentity":{"type":"IAMUser","userName":"alice","principalId":"AIDA1","accountId":"444455556666"},
	"requestParameters":{"name":"c1","solutionVersionArn":"arn:aws:personalize:eu-west-1:444455556666:solution/s1/abcd1234"},"responseElements":null}`
	rl, _, lr := mapOne(t, rec, BodyMap)
	if lr.SeverityNumber() != plog.SeverityNumberError || lr.SeverityText() != "ERROR" {
		t.Errorf("severity %v", lr.SeverityNumber())
	}
	a := lr.Attributes().AsRaw()
	if a["aws.error.code"] != "LimitExceededException" || a["aws.error.message"] != "too many campaigns" {
		t.Errorf("error attributes %v", a)
	}
	if a["user.name"] != "alice" {
		t.Errorf("user.name %v", a["user.name"])
	}
	if _, ok := a["aws.personalize.resource.arn"]; ok {
		t.Errorf("a failed Create has no resource of its own: %v", a["aws.personalize.resource.arn"])
	}
	// No recipientAccountId: the account comes from userIdentity.accountId.
	if v, _ := rl.Resource().Attributes().Get("cloud.account.id"); v.Str() != "444455556666" {
		t.Errorf("account %v", v.Str())
	}
}

func TestMappingBadEventTime(t *testing.T) {
	for _, ts := range []string{`"2025-13-45T99:00:00Z"`, `"yesterday"`, `12`, `"2025-02-30T00:00:00Z"`} {
		var r Record
		if err := r.Parse([]byte(`{"eventTime":` + ts + `,"eventSource":"personalize.amazonaws.com"}`)); err != nil {
			t.Fatal(err)
		}
		b := NewBatch(MapOptions{})
		if _, err := b.Append(&r, time.Now()); err == nil || !strings.Contains(err.Error(), "malformed eventTime") {
			t.Errorf("eventTime %s: error %v", ts, err)
		}
		if b.Len() != 0 {
			t.Errorf("eventTime %s: record added", ts)
		}
	}
	for ts, want := range map[string]string{
		`"2025-03-04T10:01:02.123Z"`:     "2025-03-04T10:01:02.123Z",
		`"2025-03-04T10:01:02+02:00"`:    "2025-03-04T08:01:02Z",
		`"2025-03-04 10:01:02.000"`:      "2025-03-04T10:01:02Z", // CloudTrail Lake, Athena
		`"2025-03-04 10:01:02"`:          "2025-03-04T10:01:02Z",
		`"2025-03-04T10:01:02.5"`:        "2025-03-04T10:01:02.5Z",
		`"2025-03-04 10:01:02.25+00:00"`: "2025-03-04T10:01:02.25Z",
	} {
		var r Record
		if err := r.Parse([]byte(`{"eventTime":` + ts + `}`)); err != nil {
			t.Fatal(err)
		}
		lr, err := NewBatch(MapOptions{}).Append(&r, time.Now())
		if err != nil {
			t.Errorf("eventTime %s: %v", ts, err)
			continue
		}
		if got := lr.Timestamp().AsTime().Format(time.RFC3339Nano); got != want {
			t.Errorf("eventTime %s: timestamp %s, want %s", ts, got, want)
		}
	}
}

func TestMappingGroupsByAccountAndRegion(t *testing.T) {
	b := NewBatch(MapOptions{})
	for _, rec := range []string{
		`{"recipientAccountId":"1","awsRegion":"us-east-1","eventID":"a"}`,
		`{"recipientAccountId":"2","awsRegion":"us-east-1","eventID":"b"}`,
		`{"recipientAccountId":"1","awsRegion":"us-east-1","eventID":"c"}`,
		`{"recipientAccountId":"1","awsRegion":"eu-west-1","eventID":"d"}`,
	} {
		var r Record
		if err := r.Parse([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(&r, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	logs := b.Take()
	got := map[string][]string{}
	for i := 0; i < logs.ResourceLogs().Len(); i++ {
		rl := logs.ResourceLogs().At(i)
		acct, _ := rl.Resource().Attributes().Get("cloud.account.id")
		reg, _ := rl.Resource().Attributes().Get("cloud.region")
		key := acct.Str() + "/" + reg.Str()
		lrs := rl.ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			id, _ := lrs.At(j).Attributes().Get("aws.cloudtrail.event_id")
			got[key] = append(got[key], id.Str())
		}
	}
	want := map[string][]string{"1/us-east-1": {"a", "c"}, "2/us-east-1": {"b"}, "1/eu-west-1": {"d"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	if b.Len() != 0 {
		t.Error("Take did not reset the batch")
	}
}

func TestSelector(t *testing.T) {
	recs := map[string]string{
		"p-create": `{"eventSource":"personalize.amazonaws.com","eventName":"CreateCampaign"}`,
		"p-list":   `{"eventSource":"personalize.amazonaws.com","eventName":"ListCampaigns"}`,
		"sts":      `{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"invokedBy":"personalize.amazonaws.com"}}`,
		"insight":  `{"eventType":"AwsCloudTrailInsight","insightDetails":{"eventSource":"personalize.amazonaws.com","eventName":"CreateCampaign"}}`,
		"s3":       `{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}`,
	}
	tests := []struct {
		name string
		sel  *Selector
		want []string
	}{
		{"default", DefaultSelector(), []string{"p-create", "p-list"}},
		{"all", NewSelector(nil, nil, nil), []string{"insight", "p-create", "p-list", "s3", "sts"}},
		{"include", NewSelector([]string{PersonalizeSource}, []string{"CreateCampaign"}, nil), []string{"p-create"}},
		{"exclude", NewSelector([]string{PersonalizeSource}, nil, []string{"ListCampaigns"}), []string{"p-create"}},
		{"two sources", NewSelector([]string{"s3.amazonaws.com", "sts.amazonaws.com"}, nil, nil), []string{"s3", "sts"}},
	}
	for _, tc := range tests {
		var got []string
		for _, name := range []string{"insight", "p-create", "p-list", "s3", "sts"} {
			var r Record
			raw := []byte(recs[name])
			if err := r.Parse(raw); err != nil {
				t.Fatal(err)
			}
			if tc.sel.MayMatch(raw) && tc.sel.Match(&r) {
				got = append(got, name)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: selected %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzFileReader drives the whole pipeline (split, parse, select, map) over
// arbitrary input: it must never panic, and every record it counts is either
// mapped, failed or not selected.
func FuzzFileReader(f *testing.F) {
	f.Add([]byte(assumedRoleCreate))
	f.Add([]byte(`{"Records":[` + assumedRoleCreate + `,{"eventTime":"bad"}]}`))
	f.Add([]byte(`[{"eventSource":"x","resources":[{"ARN":"arn:aws:personalize:us-east-1:1:campaign/c"}]}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := NewFileReader(bytes.NewReader(in), NewSelector(nil, nil, nil), DecoderOptions{MaxRecordSize: 1 << 16})
		if err != nil {
			return
		}
		defer fr.Close()
		b := NewBatch(MapOptions{Body: BodyMap})
		for {
			if err := fr.ReadBatch(b, 7); err != nil {
				break
			}
		}
		st := fr.Stats()
		if st.Selected+st.Failed > st.Records {
			t.Fatalf("selected %d + failed %d > records %d", st.Selected, st.Failed, st.Records)
		}
		if int64(b.Len()) != st.Selected {
			t.Fatalf("batch holds %d records, stats say %d selected", b.Len(), st.Selected)
		}
	})
}
