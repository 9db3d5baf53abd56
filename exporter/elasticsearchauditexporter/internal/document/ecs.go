// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"
)

// ecsRenames maps receiver attributes to ECS (or Elastic CloudTrail
// integration) field names where they differ. Attributes not listed keep
// their own dotted name, which already is the ECS one (user.name,
// cloud.region, user_agent.original, tls.cipher, ...) or the
// aws.cloudtrail.* name the Elastic integration uses.
var ecsRenames = func() map[string]string {
	m := map[string]string{
		attr.EventID:            "event.id",
		attr.EventName:          "event.action",
		attr.EventSource:        "event.provider",
		attr.RequestID:          "aws.cloudtrail.request_id",
		attr.ErrorCode:          "error.code",
		attr.ErrorMessage:       "error.message",
		attr.SessionConsole:     "aws.cloudtrail.session_credential_from_console",
		attr.TLSProtocolName:    "tls.version_protocol",
		attr.TLSProtocolVersion: "tls.version",
		attr.VPCEndpointID:      "aws.cloudtrail.vpc_endpoint_id",
		attr.VPCEndpointAccount: "aws.cloudtrail.vpc_endpoint_account_id",
	}
	for _, k := range []string{
		attr.IdentityType, attr.IdentityARN, attr.IdentityPrincipalID, attr.IdentityAccountID,
		attr.IdentityAccessKeyID, attr.IdentityInvokedBy, attr.IdentityCredential, attr.IdentityStoreARN,
		attr.OnBehalfOfUserID, attr.SessionMFA, attr.SessionCreated, attr.SessionSourceID,
		attr.IssuerType, attr.IssuerARN, attr.IssuerPrincipalID, attr.IssuerAccountID, attr.IssuerUserName,
	} {
		m[k] = identityField(k)
	}
	return m
}()

const identityPrefix = "aws.user_identity."

// identityField renames aws.user_identity.* to the Elastic integration's
// aws.cloudtrail.user_identity.*, with sessionIssuer as session_issuer.
func identityField(k string) string {
	rest := strings.TrimPrefix(k, identityPrefix)
	rest = strings.Replace(rest, "session_context.issuer.", "session_context.session_issuer.", 1)
	return "aws.cloudtrail.user_identity." + rest
}

// cloudTrail maps a record from the cloudtrail receiver.
func (e *Encoder) cloudTrail(res pcommon.Resource, lr plog.LogRecord) {
	t := &e.t
	var (
		action, errCode, userName, issuerUser string
		dataPlane                             bool
		readOnly, readOnlyKnown               bool
	)
	t.putStr("event.kind", "event")
	for k, v := range lr.Attributes().All() {
		switch k {
		case attr.EventName:
			action = v.Str()
		case attr.ErrorCode:
			errCode = v.Str()
		case attr.UserName:
			userName = v.Str()
		case attr.IssuerUserName:
			issuerUser = v.Str()
		case attr.ReadOnly:
			if v.Type() == pcommon.ValueTypeBool {
				readOnly, readOnlyKnown = v.Bool(), true
			}
		case attr.PersonalizeAPI:
			dataPlane = v.Str() == string(personalize.APIEvents)
		case attr.SourceAddress:
			ip, domain := classifySource(v.Str())
			if ip != "" {
				t.putStr("source.ip", ip)
				e.ips[0] = ip
				t.putStrs("related.ip", e.ips[:1])
			}
			t.putStr("source.domain", domain)
		case attr.ServerAddress:
			t.putStr("tls.client.server_name", v.Str())
		}
		if n := t.attrNode(t.ctAttrs, k, ecsName); n >= 0 {
			t.putValueAt(n, v)
		}
	}
	if action == "" {
		action = lr.EventName()
		t.putStr("event.action", action)
	}
	if errCode != "" {
		t.putStr("event.outcome", "failure")
	} else {
		t.putStr("event.outcome", "success")
	}
	cat, typ := classify(action, readOnly, readOnlyKnown, dataPlane, isDenied(errCode), e.types[:0])
	t.putStrs("event.category", cat)
	t.putStrs("event.type", typ)
	e.related[0], e.related[1] = userName, issuerUser
	rel := e.related[:0]
	if userName != "" {
		rel = append(rel, userName)
	}
	if issuerUser != "" && issuerUser != userName {
		rel = append(rel, issuerUser)
	}
	t.putStrs("related.user", rel)
	e.cloudTrailBody(lr.Body())
	t.putAttrs(res.Attributes(), t.plainAttrs, plainName)
}

// ecsName is where a CloudTrail record's attribute goes ("" to skip).
func ecsName(k string) string {
	if strings.HasPrefix(k, "data_stream.") {
		return ""
	}
	if name, ok := ecsRenames[k]; ok {
		return name
	}
	if strings.HasPrefix(k, identityPrefix) {
		return identityField(k)
	}
	return k
}

// plainName keeps an attribute's own name; data_stream.* routes the record
// and is written from the route instead.
func plainName(k string) string {
	if strings.HasPrefix(k, "data_stream.") {
		return ""
	}
	return k
}

// ctBody holds the parts of a JSON-string body the mapping needs.
type ctBody struct {
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	ServiceEventDetails json.RawMessage `json:"serviceEventDetails"`
	RecipientAccountID  string          `json:"recipientAccountId"`
}

// cloudTrailBody maps the free-form parts of the record (request and
// response) from the body: as `flattened` objects, searchable by key without
// adding a mapping per key, and as raw JSON strings so that the exact
// payload is one click away. A body that is a JSON string (body: json) is
// parsed; an empty body (body: none) gives neither.
func (e *Encoder) cloudTrailBody(body pcommon.Value) {
	t := &e.t
	switch body.Type() {
	case pcommon.ValueTypeMap:
		m := body.Map()
		e.freeForm(m, "requestParameters", "aws.cloudtrail.request_parameters", true)
		e.freeForm(m, "responseElements", "aws.cloudtrail.response_elements", true)
		e.freeForm(m, "additionalEventData", "aws.cloudtrail.additional_eventdata", false)
		e.freeForm(m, "serviceEventDetails", "aws.cloudtrail.service_event_details", false)
		if v, ok := m.Get("recipientAccountId"); ok && v.Type() == pcommon.ValueTypeStr {
			t.putStr("aws.cloudtrail.recipient_account_id", v.Str())
		}
		if e.opts.EventOriginal {
			t.put("event.original", leaf{kind: kindPdataJSON, pv: body})
		}
	case pcommon.ValueTypeStr:
		s := body.Str()
		if e.opts.EventOriginal {
			t.putStr("event.original", s)
		}
		var b ctBody
		if json.Unmarshal([]byte(s), &b) != nil {
			return
		}
		rawFreeForm(t, b.RequestParameters, "aws.cloudtrail.request_parameters", true)
		rawFreeForm(t, b.ResponseElements, "aws.cloudtrail.response_elements", true)
		rawFreeForm(t, b.AdditionalEventData, "aws.cloudtrail.additional_eventdata", false)
		rawFreeForm(t, b.ServiceEventDetails, "aws.cloudtrail.service_event_details", false)
		t.putStr("aws.cloudtrail.recipient_account_id", b.RecipientAccountID)
	}
}

// freeForm writes body member key: an object goes to field (flattened); any
// non-null value goes to field_json as its JSON text when withJSON is set.
// A string where an object is expected (HIDDEN_DUE_TO_SECURITY_REASONS) only
// reaches the _json copy, because a flattened field must hold an object.
func (e *Encoder) freeForm(m pcommon.Map, key, field string, withJSON bool) {
	v, ok := m.Get(key)
	if !ok || v.Type() == pcommon.ValueTypeEmpty {
		return
	}
	if v.Type() == pcommon.ValueTypeMap {
		e.t.put(field, leaf{kind: kindPdata, pv: v})
	}
	if withJSON {
		e.t.put(field+"_json", leaf{kind: kindPdataJSON, pv: v})
	}
}

func rawFreeForm(t *tree, raw json.RawMessage, field string, withJSON bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	if raw[0] == '{' {
		if clean, ok := cleanRawJSON(raw); ok {
			t.put(field, leaf{kind: kindRaw, raw: clean})
		}
	}
	if withJSON {
		t.put(field+"_json", leaf{kind: kindRawString, raw: raw})
	}
}

// generic maps a record from any other source: attributes and resource
// attributes keep their dotted names as fields, the body becomes message
// (JSON text when it is not a string), and the OTel top-level fields go to
// their ECS homes.
func (e *Encoder) generic(res pcommon.Resource, lr plog.LogRecord) {
	t := &e.t
	t.putAttrs(lr.Attributes(), t.plainAttrs, plainName)
	t.putStr("log.level", lr.SeverityText())
	t.putStr("event.action", lr.EventName())
	if id := lr.TraceID(); !id.IsEmpty() {
		t.putStr("trace.id", hex32(id))
	}
	if id := lr.SpanID(); !id.IsEmpty() {
		t.putStr("span.id", hex16(id))
	}
	switch body := lr.Body(); body.Type() {
	case pcommon.ValueTypeStr:
		t.putStr("message", body.Str())
	case pcommon.ValueTypeEmpty:
	default:
		t.put("message", leaf{kind: kindPdataJSON, pv: body})
	}
	t.putAttrs(res.Attributes(), t.plainAttrs, plainName)
}

func hex32(id pcommon.TraceID) string { return hexString(id[:]) }
func hex16(id pcommon.SpanID) string  { return hexString(id[:]) }

func hexString(b []byte) string {
	out := make([]byte, len(b)*2)
	for i, c := range b {
		out[i*2], out[i*2+1] = hexDigits[c>>4], hexDigits[c&0xf]
	}
	return string(out)
}
