// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/internal/jsonscan"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"
)

// MapOptions configure the mapping.
type MapOptions struct {
	Body BodyMode
	// ExtraAttributes is how many attributes the caller adds to each record
	// after Append (the source file or object, say): room is reserved for
	// them so that adding them does not regrow the attribute slice.
	ExtraAttributes int
	// ScopeName and ScopeVersion name the instrumentation scope of every
	// record, normally the receiver's import path and the build version.
	ScopeName    string
	ScopeVersion string
}

type resourceKey struct{ account, region string }

// Batch accumulates mapped records into plog.Logs, one ResourceLogs per
// (account, region) pair. Account and region are read per record, never from
// the first record or the file path, because organization trails and
// CloudWatch batches mix accounts.
type Batch struct {
	opts   MapOptions
	logs   plog.Logs
	groups map[resourceKey]plog.LogRecordSlice
	n      int
	res    []string // scratch for resources[] ARNs
	// flattened: the last record appended had parts deeper than
	// MaxBodyDepth, written as JSON text.
	flattened bool
	// attrCap is the attribute capacity to reserve for the next record: the
	// previous record's count plus a little. Records of a file have nearly
	// the same attributes, and pdata's attribute slice is the largest
	// pointer-holding allocation per record, so a guess from the last record
	// beats both a fixed worst case (memory the GC must scan) and growth.
	attrCap int
	// last is the group of the previous record: consecutive records of a
	// file nearly always share account and region, so this skips hashing.
	last     resourceKey
	lastRecs plog.LogRecordSlice
	hasLast  bool
}

// NewBatch returns an empty batch.
func NewBatch(opts MapOptions) *Batch {
	b := &Batch{opts: opts}
	b.reset()
	return b
}

func (b *Batch) reset() {
	b.logs = plog.NewLogs()
	b.groups = make(map[resourceKey]plog.LogRecordSlice, 4)
	b.n = 0
	b.hasLast = false
}

// Len is the number of records in the batch.
func (b *Batch) Len() int { return b.n }

// Take returns the accumulated logs and empties the batch.
func (b *Batch) Take() plog.Logs {
	l := b.logs
	b.reset()
	return l
}

// Append maps r into the batch and returns the new log record, so that the
// caller can add source attributes (file path, object key). A record with a
// malformed eventTime is not added: the error wraps ErrBadEventTime.
func (b *Batch) Append(r *Record, observed time.Time) (plog.LogRecord, error) {
	b.flattened = false
	ts, hasTS, err := r.EventTime()
	if err != nil {
		return plog.LogRecord{}, err
	}
	key := resourceKey{r.AccountID(), r.Region()}
	recs, ok := b.lastRecs, b.hasLast && key == b.last
	if !ok {
		recs, ok = b.groups[key]
	}
	if !ok {
		rl := b.logs.ResourceLogs().AppendEmpty()
		ra := rl.Resource().Attributes()
		ra.PutStr(attr.CloudProvider, "aws")
		if key.account != "" {
			ra.PutStr(attr.CloudAccountID, key.account)
		}
		if key.region != "" {
			ra.PutStr(attr.CloudRegion, key.region)
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(b.opts.ScopeName)
		sl.Scope().SetVersion(b.opts.ScopeVersion)
		recs = sl.LogRecords()
		b.groups[key] = recs
	}
	b.last, b.lastRecs, b.hasLast = key, recs, true
	lr := recs.AppendEmpty()
	if hasTS {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
	}
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
	if name := r.str(fEventName); name != "" {
		lr.SetEventName(name)
	}
	if r.ErrorCode() != "" {
		lr.SetSeverityNumber(plog.SeverityNumberError)
		lr.SetSeverityText("ERROR")
	} else {
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
	}
	b.attributes(r, lr.Attributes())
	switch b.opts.Body {
	case BodyMap:
		if putMap(&r.doc, lr.Body().SetEmptyMap(), jsonscan.Root, 1) > 0 {
			b.flattened = true
		}
	case BodyJSON:
		lr.Body().SetStr(r.JSON())
	}
	b.n++
	return lr, nil
}

func (b *Batch) attributes(r *Record, a pcommon.Map) {
	d := &r.doc
	if b.attrCap == 0 {
		b.attrCap = 48
	}
	a.EnsureCapacity(b.attrCap + b.opts.ExtraAttributes)
	put := func(k string, f field) {
		if s := r.str(f); s != "" {
			a.PutStr(k, s)
		}
	}
	putAt := func(k string, obj int32, path ...string) string {
		s, ok := d.StrAt(obj, path...)
		if ok && s != "" {
			a.PutStr(k, s)
		}
		return s
	}
	putBool := func(k string, f field) {
		if v, ok := r.boolean(f); ok {
			a.PutBool(k, v)
		}
	}

	put(attr.EventID, fEventID)
	source, name := r.str(fEventSource), r.str(fEventName)
	put(attr.EventName, fEventName)
	put(attr.EventSource, fEventSource)
	put(attr.EventType, fEventType)
	put(attr.EventCategory, fEventCategory)
	put(attr.EventVersion, fEventVersion)
	putBool(attr.ReadOnly, fReadOnly)
	putBool(attr.ManagementEvent, fManagementEvent)
	put(attr.SharedEventID, fSharedEventID)
	put(attr.APIVersion, fAPIVersion)
	put(attr.RequestID, fRequestID)
	if source != "" && name != "" {
		a.PutStr(attr.RPCSystem, "aws-api")
		a.PutStr(attr.RPCMethod, source+"/"+name)
	}
	put(attr.ErrorCode, fErrorCode)
	put(attr.ErrorMessage, fErrorMessage)
	put(attr.SourceAddress, fSourceIPAddress)
	put(attr.UserAgent, fUserAgent)

	if ui := r.top[fUserIdentity]; ui >= 0 && d.Kind(ui) == jsonscan.Object {
		b.userIdentity(d, ui, a)
	}
	if r.top[fSessionCredentialFromConsole] >= 0 {
		if v, ok := r.boolean(fSessionCredentialFromConsole); ok {
			a.PutBool(attr.SessionConsole, v)
		}
	}
	host := ""
	if tls := r.top[fTLSDetails]; tls >= 0 {
		if v, ok := d.StrAt(tls, "tlsVersion"); ok && v != "" {
			name, ver := tlsProtocol(v)
			a.PutStr(attr.TLSProtocolName, name)
			a.PutStr(attr.TLSProtocolVersion, ver)
		}
		putAt(attr.TLSCipher, tls, "cipherSuite")
		host = putAt(attr.ServerAddress, tls, "clientProvidedHostHeader")
	}
	put(attr.VPCEndpointID, fVPCEndpointID)
	put(attr.VPCEndpointAccount, fVPCEndpointAccountID)
	if ad := r.top[fAddendum]; ad >= 0 {
		putAt(attr.AddendumReason, ad, "reason")
	}
	if in := r.top[fInsightDetails]; in >= 0 && d.Kind(in) == jsonscan.Object {
		putAt(attr.InsightState, in, "state")
		putAt(attr.InsightType, in, "insightType")
		putAt(attr.InsightEventSource, in, "eventSource")
		putAt(attr.InsightEventName, in, "eventName")
		putAt(attr.InsightErrorCode, in, "errorCode")
	}
	b.res = b.res[:0]
	if rs := r.top[fResources]; rs >= 0 && d.Kind(rs) == jsonscan.Array {
		sl := a.PutEmptySlice(attr.Resources)
		end := d.After(rs)
		for e := rs + 1; e < end; e = d.After(e) {
			if d.Kind(e) != jsonscan.Object {
				continue
			}
			m := sl.AppendEmpty().SetEmptyMap()
			if s, ok := d.StrAt(e, "ARN"); ok {
				m.PutStr("arn", s)
				b.res = append(b.res, s)
			}
			if s, ok := d.StrAt(e, "accountId"); ok {
				m.PutStr("account_id", s)
			}
			if s, ok := d.StrAt(e, "type"); ok {
				m.PutStr("type", s)
			}
		}
	}
	if source == personalize.EventSource {
		b.personalize(r, a, name, host)
	}
	b.attrCap = a.Len() + 2
}

// personalize adds the Personalize enrichment: which resource the call acted
// on, its type, its dataset group and which API plane served it.
func (b *Batch) personalize(r *Record, a pcommon.Map, name, host string) {
	d := &r.doc
	req, resp := r.top[fRequestParameters], r.top[fResponseElements]
	lookup := func(obj int32) personalize.Lookuper {
		if obj < 0 || d.Kind(obj) != jsonscan.Object {
			return nil
		}
		return func(key string) (string, bool) { return d.StrAt(obj, key) }
	}
	res := personalize.Resolve(name, host, lookup(req), lookup(resp), b.res)
	if res.API != "" {
		a.PutStr(attr.PersonalizeAPI, string(res.API))
	}
	if res.ResourceARN != "" {
		a.PutStr(attr.PersonalizeResourceARN, res.ResourceARN)
		a.PutStr(attr.CloudResource, res.ResourceARN)
	}
	if res.ResourceType != "" {
		a.PutStr(attr.PersonalizeResourceType, res.ResourceType)
	}
	if res.DatasetGroupARN != "" {
		a.PutStr(attr.PersonalizeDatasetGroup, res.DatasetGroupARN)
		if res.DatasetGroupDerived {
			a.PutBool(attr.PersonalizeDSGDerived, true)
		}
	}
	if res.TrackingID != "" {
		a.PutStr(attr.PersonalizeTrackingID, res.TrackingID)
	}
}

// tlsProtocol splits CloudTrail's "TLSv1.2" into semconv's name ("tls") and
// version ("1.2").
func tlsProtocol(v string) (name, version string) {
	switch {
	case strings.HasPrefix(v, "TLSv"):
		return "tls", v[4:]
	case strings.HasPrefix(v, "SSLv"):
		return "ssl", v[4:]
	}
	return "tls", v
}

// userIdentity maps the userIdentity object in one pass over its members
// (and those of sessionContext), rather than one lookup per attribute.
func (b *Batch) userIdentity(d *jsonscan.Doc, ui int32, a pcommon.Map) {
	var principal, user, issuerUser, onBehalfUser string
	var storeARN string
	putStr := func(k string, v int32) string {
		if d.Kind(v) != jsonscan.String {
			return ""
		}
		s := d.Text(v)
		if s != "" {
			a.PutStr(k, s)
		}
		return s
	}
	end := d.After(ui)
	for k := ui + 1; k < end; {
		v := k + 1
		switch d.Text(k) {
		case "type":
			putStr(attr.IdentityType, v)
		case "principalId":
			principal = putStr(attr.IdentityPrincipalID, v)
		case "arn":
			putStr(attr.IdentityARN, v)
		case "accountId":
			putStr(attr.IdentityAccountID, v)
		case "accessKeyId":
			putStr(attr.IdentityAccessKeyID, v)
		case "invokedBy":
			putStr(attr.IdentityInvokedBy, v)
		case "credentialId":
			putStr(attr.IdentityCredential, v)
		case "userName":
			if d.Kind(v) == jsonscan.String {
				user = d.Text(v)
			}
		case "identityStoreArn":
			if d.Kind(v) == jsonscan.String && storeARN == "" {
				storeARN = d.Text(v)
			}
		case "onBehalfOf":
			if s, ok := d.StrAt(v, "userId"); ok {
				onBehalfUser = s
			}
			if s, ok := d.StrAt(v, "identityStoreArn"); ok && s != "" {
				storeARN = s
			}
		case "sessionContext":
			issuerUser = b.sessionContext(d, v, a, putStr)
		}
		k = d.After(v)
	}
	if onBehalfUser != "" {
		a.PutStr(attr.OnBehalfOfUserID, onBehalfUser)
	}
	if storeARN != "" {
		a.PutStr(attr.IdentityStoreARN, storeARN)
	}
	if principal == "" {
		principal = onBehalfUser
	}
	if principal != "" {
		a.PutStr(attr.UserID, principal)
	}
	if user == "" {
		user = issuerUser
	}
	if user != "" {
		a.PutStr(attr.UserName, user)
	}
}

func (b *Batch) sessionContext(d *jsonscan.Doc, sc int32, a pcommon.Map, putStr func(string, int32) string) (issuerUser string) {
	if d.Kind(sc) != jsonscan.Object {
		return ""
	}
	end := d.After(sc)
	for k := sc + 1; k < end; {
		v := k + 1
		switch d.Text(k) {
		case "attributes":
			if mfa, ok := boolAt(d, d.Lookup(v, "mfaAuthenticated")); ok {
				a.PutBool(attr.SessionMFA, mfa)
			}
			if s, ok := d.StrAt(v, "creationDate"); ok && s != "" {
				a.PutStr(attr.SessionCreated, s)
			}
		case "sourceIdentity":
			putStr(attr.SessionSourceID, v)
		case "sessionIssuer":
			if d.Kind(v) != jsonscan.Object {
				break
			}
			iend := d.After(v)
			for ik := v + 1; ik < iend; {
				iv := ik + 1
				switch d.Text(ik) {
				case "type":
					putStr(attr.IssuerType, iv)
				case "arn":
					putStr(attr.IssuerARN, iv)
				case "principalId":
					putStr(attr.IssuerPrincipalID, iv)
				case "accountId":
					putStr(attr.IssuerAccountID, iv)
				case "userName":
					issuerUser = putStr(attr.IssuerUserName, iv)
				}
				ik = d.After(iv)
			}
		}
		k = d.After(v)
	}
	return issuerUser
}
