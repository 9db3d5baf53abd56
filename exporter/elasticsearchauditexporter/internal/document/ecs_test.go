// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// createCampaign is a realistic Personalize call by an assumed role, with
// TLS details, a resources list and nested request parameters.
const createCampaign = `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ml-pipeline","arn":"arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/PersonalizeAdmin","accountId":"111122223333","userName":"PersonalizeAdmin"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-20T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-20T09:15:02Z","eventSource":"personalize.amazonaws.com","eventName":"CreateCampaign","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":{"name":"retail-campaign","solutionVersionArn":"arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be","minProvisionedTPS":1,"campaignConfig":{"itemExplorationConfig":{"explorationWeight":"0.3"}}},"responseElements":{"campaignArn":"arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign"},"requestID":"6f1c2b3a-0001-4c5d-9e8f-0a1b2c3d4e5f","eventID":"0e9d8c7b-0001-4a5b-8c7d-6e5f4a3b2c1d","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"personalize.us-east-1.amazonaws.com"}}`

// mapRecord runs a CloudTrail JSON record through the receiver's mapping.
func mapRecord(t testing.TB, js string, body ct.BodyMode) plog.Logs {
	t.Helper()
	var r ct.Record
	if err := r.Parse([]byte(js)); err != nil {
		t.Fatal(err)
	}
	b := ct.NewBatch(ct.MapOptions{Body: body, ScopeName: "cloudtrailreceiver"})
	lr, err := b.Append(&r, time.Date(2026, 11, 20, 9, 20, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	lr.Attributes().PutStr("log.file.path", "/var/log/cloudtrail/x.json.gz")
	return b.Take()
}

func encodeFirst(t testing.TB, ld plog.Logs, opts Options) (map[string]any, string) {
	t.Helper()
	rl := ld.ResourceLogs().At(0)
	sl := rl.ScopeLogs().At(0)
	lr := sl.LogRecords().At(0)
	e := NewEncoder(opts)
	route := Resolve(Route{Dataset: "cloudtrail.personalize", Namespace: "default"}, rl.Resource(), sl.Scope(), lr.Attributes())
	out := e.Append(nil, rl.Resource(), sl.Scope(), lr, route)
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(out)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("invalid JSON %s: %v", out, err)
	}
	return m, e.ID(rl.Resource(), sl.Scope(), lr)
}

func TestECSCloudTrailDocument(t *testing.T) {
	got, id := encodeFirst(t, mapRecord(t, createCampaign, ct.BodyMap), Options{})
	if id != "0e9d8c7b-0001-4a5b-8c7d-6e5f4a3b2c1d" {
		t.Fatalf("_id = %q, want the eventID", id)
	}
	var want map[string]any
	d := json.NewDecoder(strings.NewReader(`{
	  "@timestamp": "2026-11-20T09:15:02Z",
	  "ecs": {"version": "8.17.0"},
	  "event": {"kind": "event", "id": "0e9d8c7b-0001-4a5b-8c7d-6e5f4a3b2c1d", "action": "CreateCampaign",
	    "provider": "personalize.amazonaws.com", "outcome": "success",
	    "category": ["api", "configuration"], "type": ["creation"], "dataset": "cloudtrail.personalize"},
	  "aws": {
	    "cloudtrail": {
	      "event_type": "AwsApiCall", "event_category": "Management", "event_version": "1.10",
	      "read_only": false, "management_event": true, "request_id": "6f1c2b3a-0001-4c5d-9e8f-0a1b2c3d4e5f",
	      "recipient_account_id": "111122223333",
	      "user_identity": {"type": "AssumedRole", "principal_id": "AROAEXAMPLE:ml-pipeline",
	        "arn": "arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline",
	        "account_id": "111122223333", "access_key_id": "ASIAEXAMPLE",
	        "session_context": {"mfa_authenticated": false, "creation_date": "2026-11-20T09:00:00Z",
	          "session_issuer": {"type": "Role", "principal_id": "AROAEXAMPLE",
	            "arn": "arn:aws:iam::111122223333:role/PersonalizeAdmin", "account_id": "111122223333",
	            "user_name": "PersonalizeAdmin"}}},
	      "request_parameters": {"name": "retail-campaign",
	        "solutionVersionArn": "arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be",
	        "minProvisionedTPS": 1, "campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0.3"}}},
	      "request_parameters_json": "{\"name\":\"retail-campaign\",\"solutionVersionArn\":\"arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be\",\"minProvisionedTPS\":1,\"campaignConfig\":{\"itemExplorationConfig\":{\"explorationWeight\":\"0.3\"}}}",
	      "response_elements": {"campaignArn": "arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign"},
	      "response_elements_json": "{\"campaignArn\":\"arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign\"}"
	    },
	    "personalize": {"api": "control",
	      "resource": {"arn": "arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign", "type": "campaign"}}
	  },
	  "rpc": {"system": {"name": "aws-api"}, "method": "personalize.amazonaws.com/CreateCampaign"},
	  "source": {"address": "198.51.100.7", "ip": "198.51.100.7"},
	  "related": {"ip": ["198.51.100.7"], "user": ["PersonalizeAdmin"]},
	  "user_agent": {"original": "aws-cli/2.15.0"},
	  "user": {"id": "AROAEXAMPLE:ml-pipeline", "name": "PersonalizeAdmin"},
	  "tls": {"version_protocol": "tls", "version": "1.3", "cipher": "TLS_AES_128_GCM_SHA256",
	    "client": {"server_name": "personalize.us-east-1.amazonaws.com"}},
	  "server": {"address": "personalize.us-east-1.amazonaws.com"},
	  "cloud": {"resource_id": "arn:aws:personalize:us-east-1:111122223333:campaign/retail-campaign",
	    "provider": "aws", "account": {"id": "111122223333"}, "region": "us-east-1"},
	  "log": {"file": {"path": "/var/log/cloudtrail/x.json.gz"}},
	  "data_stream": {"type": "logs", "dataset": "cloudtrail.personalize", "namespace": "default"}
	}`))
	d.UseNumber()
	if err := d.Decode(&want); err != nil {
		t.Fatal(err)
	}
	for _, d := range diff("", got, want) {
		t.Error(d)
	}
}

func TestECSJSONBodyMatchesMapBody(t *testing.T) {
	fromMap, _ := encodeFirst(t, mapRecord(t, createCampaign, ct.BodyMap), Options{})
	fromJSON, _ := encodeFirst(t, mapRecord(t, createCampaign, ct.BodyJSON), Options{})
	if !reflect.DeepEqual(fromMap, fromJSON) {
		a, _ := json.Marshal(fromMap)
		b, _ := json.Marshal(fromJSON)
		t.Fatalf("body: json must map like body: map\nmap:  %s\njson: %s", a, b)
	}
	none, _ := encodeFirst(t, mapRecord(t, createCampaign, ct.BodyNone), Options{})
	if _, ok := none["aws"].(map[string]any)["cloudtrail"].(map[string]any)["request_parameters"]; ok {
		t.Fatal("body: none has no request parameters to map")
	}
}

func TestECSFailureAnonymisedIPAndHiddenParams(t *testing.T) {
	rec := `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAX","userName":"bob"},"eventTime":"2026-11-20T10:00:00Z","eventSource":"personalize.amazonaws.com","eventName":"DeleteCampaign","awsRegion":"eu-west-1","sourceIPAddress":"035.249.253.232","errorCode":"AccessDeniedException","errorMessage":"User: bob is not authorized","requestParameters":"HIDDEN_DUE_TO_SECURITY_REASONS","responseElements":null,"eventID":"e-1","eventType":"AwsApiCall"}`
	got, _ := encodeFirst(t, mapRecord(t, rec, ct.BodyMap), Options{})
	ev := got["event"].(map[string]any)
	if ev["outcome"] != "failure" || !reflect.DeepEqual(ev["type"], []any{"deletion", "denied"}) {
		t.Fatalf("event = %v", ev)
	}
	src := got["source"].(map[string]any)
	if _, ok := src["ip"]; ok || src["address"] != "035.249.253.232" || src["domain"] != nil {
		t.Fatalf("leading-zero IPv4 must stay in source.address only: %v", src)
	}
	if got["error"].(map[string]any)["code"] != "AccessDeniedException" {
		t.Fatal("error.code")
	}
	a := got["aws"].(map[string]any)["cloudtrail"].(map[string]any)
	if _, ok := a["request_parameters"]; ok {
		t.Fatal("a string request_parameters must not go to the flattened field")
	}
	if a["request_parameters_json"] != `"HIDDEN_DUE_TO_SECURITY_REASONS"` {
		t.Fatalf("request_parameters_json = %v", a["request_parameters_json"])
	}
	if _, ok := a["response_elements_json"]; ok {
		t.Fatal("null responseElements gives no _json copy")
	}
	if !reflect.DeepEqual(got["related"].(map[string]any)["user"], []any{"bob"}) {
		t.Fatal("related.user")
	}
}

func TestECSServiceSourceIsDomain(t *testing.T) {
	rec := `{"eventTime":"2026-11-20T10:00:00Z","eventSource":"personalize.amazonaws.com","eventName":"ListCampaigns","sourceIPAddress":"personalize.amazonaws.com","readOnly":true,"eventID":"e-2"}`
	got, _ := encodeFirst(t, mapRecord(t, rec, ct.BodyMap), Options{})
	if got["source"].(map[string]any)["domain"] != "personalize.amazonaws.com" {
		t.Fatal("a service host name is source.domain")
	}
	ev := got["event"].(map[string]any)
	if !reflect.DeepEqual(ev["category"], []any{"api"}) || !reflect.DeepEqual(ev["type"], []any{"access", "info"}) {
		t.Fatalf("read call categorisation: %v", ev)
	}
}

func TestGenericRecordAndConflicts(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(1_700_000_000_000_000_000)
	lr.SetSeverityText("WARN")
	lr.Body().SetStr("payment \"slow\"\n")
	lr.Attributes().PutStr("http.route", "/pay")
	lr.Attributes().PutStr("a", "leaf")
	lr.Attributes().PutStr("a.b", "child")
	lr.Attributes().PutStr("data_stream.dataset", "Checkout-App")
	got, id := encodeFirst(t, ld, Options{})
	if got["message"] != "payment \"slow\"\n" || got["log"].(map[string]any)["level"] != "WARN" {
		t.Fatalf("generic: %v", got)
	}
	if got["http"].(map[string]any)["route"] != "/pay" || got["service"].(map[string]any)["name"] != "checkout" {
		t.Fatal("attributes and resource attributes keep their dotted names")
	}
	if !reflect.DeepEqual(got["a"], map[string]any{"value": "leaf", "b": "child"}) {
		t.Fatalf("a leaf/object clash must keep both: %v", got["a"])
	}
	if ds := got["data_stream"].(map[string]any); ds["dataset"] != "checkout_app" {
		t.Fatalf("record override, sanitised: %v", ds)
	}
	if len(id) != 40 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("fallback _id should be 40 hex digits, got %q", id)
	}
	if _, ok := got["event"].(map[string]any)["kind"]; ok {
		t.Fatal("non-CloudTrail records are not claimed as CloudTrail events")
	}
	if v := got["ecs"].(map[string]any)["version"]; v != ECSVersion {
		t.Fatalf("ecs.version = %v in every ecs document", v)
	}
}

func TestOTelDocument(t *testing.T) {
	got, _ := encodeFirst(t, mapRecord(t, createCampaign, ct.BodyMap), Options{Mode: ModeOTel})
	for _, k := range []string{"@timestamp", "observed_timestamp", "severity_text", "event_name", "resource", "scope", "attributes", "body", "data_stream"} {
		if _, ok := got[k]; !ok {
			t.Errorf("otel document lacks %s", k)
		}
	}
	if got["event_name"] != "CreateCampaign" || got["severity_text"] != "INFO" {
		t.Fatalf("otel: %v", got)
	}
	attrs := got["attributes"].(map[string]any)
	if attrs["aws.cloudtrail.event_id"] != "0e9d8c7b-0001-4a5b-8c7d-6e5f4a3b2c1d" {
		t.Fatal("attributes keep their dotted keys")
	}
	if got["resource"].(map[string]any)["attributes"].(map[string]any)["cloud.account.id"] != "111122223333" {
		t.Fatal("resource.attributes")
	}
	body := got["body"].(map[string]any)["structured"].(map[string]any)
	if body["eventName"] != "CreateCampaign" {
		t.Fatal("a map body is body.structured")
	}
	if got["scope"].(map[string]any)["name"] != "cloudtrailreceiver" {
		t.Fatal("scope.name")
	}
}

func TestRoutePrecedence(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	sl := rl.ScopeLogs().AppendEmpty()
	lr := sl.LogRecords().AppendEmpty()
	def := Route{Dataset: "cloudtrail.personalize", Namespace: "default"}
	if r := Resolve(def, rl.Resource(), sl.Scope(), lr.Attributes()); r != def {
		t.Fatalf("no attributes: %v", r)
	}
	rl.Resource().Attributes().PutStr("data_stream.dataset", "res")
	rl.Resource().Attributes().PutStr("data_stream.namespace", "resns")
	sl.Scope().Attributes().PutStr("data_stream.dataset", "scope")
	if r := Resolve(def, rl.Resource(), sl.Scope(), lr.Attributes()); r.Dataset != "scope" || r.Namespace != "resns" {
		t.Fatalf("scope > resource: %v", r)
	}
	lr.Attributes().PutStr("data_stream.dataset", "Rec:ord")
	if r := Resolve(def, rl.Resource(), sl.Scope(), lr.Attributes()); r.Dataset != "rec_ord" {
		t.Fatalf("record > scope, sanitised: %v", r)
	}
	if r := (Route{Dataset: "a", Namespace: "b"}).Index(); r != "logs-a-b" {
		t.Fatal(r)
	}
	if s := SanitizeDataset(strings.Repeat("é", 60)); len(s) != 100 || !utf8.ValidString(s) {
		t.Fatalf("long datasets are cut to 100 bytes on a character boundary: %d %q", len(s), s)
	}
	if s := SanitizeNamespace("_"); s != "default" {
		t.Fatalf("an empty namespace after sanitising is default, got %q", s)
	}
}

func TestIDIsStableAndIgnoresObservedTime(t *testing.T) {
	mk := func(observed int64) (string, string) {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		sl := rl.ScopeLogs().AppendEmpty()
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(42)
		lr.SetObservedTimestamp(pcommon.Timestamp(observed))
		lr.Body().SetStr("x")
		e := NewEncoder(Options{})
		id := e.ID(rl.Resource(), sl.Scope(), lr)
		lr.Body().SetStr("y")
		return id, e.ID(rl.Resource(), sl.Scope(), lr)
	}
	a, a2 := mk(1)
	b, _ := mk(2_000_000_000)
	if a != b {
		t.Fatal("same record must give the same _id")
	}
	if a == a2 {
		t.Fatal("a different body must give a different _id")
	}
}

func TestAppendStringIsValidJSON(t *testing.T) {
	for _, s := range []string{"plain", "quote\" back\\ nl\n tab\t ctl\x01", "bad utf8 \xff\xfe", "sep \u2028 \u2029", "é ü 日本"} {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, out, err)
		}
		if !strings.Contains(s, "\xff") && back != s {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		action       string
		ro, known    bool
		data, denied bool
		cat, typ     string
	}{
		{"CreateDatasetImportJob", false, false, false, false, "api,configuration", "creation"},
		{"DeleteFilter", false, false, false, false, "api,configuration", "deletion"},
		{"UntagResource", false, false, false, false, "api,configuration", "change"},
		{"StopSolutionVersionCreation", false, false, false, false, "api,configuration", "change"},
		{"PutEvents", false, false, true, false, "api", "change"},
		{"GetRecommendations", false, false, false, false, "api", "access,info"},
		{"DescribeCampaign", false, false, false, true, "api", "access,info,denied"},
		{"AssumeRole", true, true, false, false, "api", "access,info"},
		{"ConsoleLogin", false, false, false, false, "api", "info"},
		{"Settle", false, false, false, false, "api", "info"},
	}
	for _, c := range cases {
		cat, typ := classify(c.action, c.ro, c.known, c.data, c.denied, nil)
		if strings.Join(cat, ",") != c.cat || strings.Join(typ, ",") != c.typ {
			t.Errorf("%s: %v %v, want %s %s", c.action, cat, typ, c.cat, c.typ)
		}
	}
}

// diff lists the paths where got and want differ.
func diff(path string, got, want any) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		var out []string
		for k, wv := range wm {
			out = append(out, diff(path+"."+k, gm[k], wv)...)
		}
		for k, gv := range gm {
			if _, ok := wm[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: unexpected %v", path, k, gv))
			}
		}
		return out
	}
	if !reflect.DeepEqual(got, want) {
		return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
	}
	return nil
}

// TestAppendStringMatchesEncodingJSON compares the word-at-a-time escaper
// with encoding/json on random bytes around every word boundary.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	alphabet := []byte("ab\"\\\n\x00\x1f\x7f é€\xff\xc3<>&\u2028")
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 5000; n++ {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		s := string(b)
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); utf8.ValidString(s) && back != want {
			t.Fatalf("%q round-tripped to %q", s, back)
		}
	}
}
