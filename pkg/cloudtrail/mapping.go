package cloudtrail

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"
)

// Attribute keys. They follow OpenTelemetry semantic conventions where one
// exists (cloud.*, user.*, source.address, user_agent.original, tls.*,
// server.address, rpc.*) and the aws.cloudtrail.* / aws.user_identity.*
// names of the collector-contrib CloudTrail decoder otherwise, so that
// dashboards built for contrib keep working.
const (
	AttrCloudProvider  = "cloud.provider"
	AttrCloudAccountID = "cloud.account.id"
	AttrCloudRegion    = "cloud.region"
	AttrCloudResource  = "cloud.resource_id"

	AttrEventID         = "aws.cloudtrail.event_id"
	AttrEventName       = "aws.cloudtrail.event_name"
	AttrEventSource     = "aws.cloudtrail.event_source"
	AttrEventType       = "aws.cloudtrail.event_type"
	AttrEventCategory   = "aws.cloudtrail.event_category"
	AttrEventVersion    = "aws.cloudtrail.event_version"
	AttrReadOnly        = "aws.cloudtrail.read_only"
	AttrManagementEvent = "aws.cloudtrail.management_event"
	AttrSharedEventID   = "aws.cloudtrail.shared_event_id"
	AttrAPIVersion      = "aws.cloudtrail.api_version"
	AttrResources       = "aws.cloudtrail.resources"
	AttrAddendumReason  = "aws.cloudtrail.addendum.reason"
	AttrRequestID       = "aws.request_id"
	AttrRPCSystem       = "rpc.system.name"
	AttrRPCMethod       = "rpc.method"
	AttrErrorCode       = "aws.error.code"
	AttrErrorMessage    = "aws.error.message"
	AttrSourceAddress   = "source.address"
	AttrUserAgent       = "user_agent.original"
	AttrUserID          = "user.id"
	AttrUserName        = "user.name"

	AttrIdentityType        = "aws.user_identity.type"
	AttrIdentityARN         = "aws.user_identity.arn"
	AttrIdentityPrincipalID = "aws.user_identity.principal_id"
	AttrIdentityAccountID   = "aws.user_identity.account_id"
	AttrIdentityAccessKeyID = "aws.user_identity.access_key_id"
	AttrIdentityInvokedBy   = "aws.user_identity.invoked_by"
	AttrIdentityCredential  = "aws.user_identity.credential_id"
	AttrIdentityStoreARN    = "aws.user_identity.identity_store_arn"
	AttrOnBehalfOfUserID    = "aws.user_identity.on_behalf_of.user_id"
	AttrSessionMFA          = "aws.user_identity.session_context.mfa_authenticated"
	AttrSessionCreated      = "aws.user_identity.session_context.creation_date"
	AttrSessionSourceID     = "aws.user_identity.session_context.source_identity"
	AttrIssuerType          = "aws.user_identity.session_context.issuer.type"
	AttrIssuerARN           = "aws.user_identity.session_context.issuer.arn"
	AttrIssuerPrincipalID   = "aws.user_identity.session_context.issuer.principal_id"
	AttrIssuerAccountID     = "aws.user_identity.session_context.issuer.account_id"
	AttrIssuerUserName      = "aws.user_identity.session_context.issuer.user_name"
	AttrSessionConsole      = "aws.session.console"

	AttrTLSProtocolName    = "tls.protocol.name"
	AttrTLSProtocolVersion = "tls.protocol.version"
	AttrTLSCipher          = "tls.cipher"
	AttrServerAddress      = "server.address"
	AttrVPCEndpointID      = "aws.vpc_endpoint.id"
	AttrVPCEndpointAccount = "aws.vpc_endpoint.account_id"

	AttrInsightState       = "aws.cloudtrail.insight.state"
	AttrInsightType        = "aws.cloudtrail.insight.type"
	AttrInsightEventSource = "aws.cloudtrail.insight.event_source"
	AttrInsightEventName   = "aws.cloudtrail.insight.event_name"
	AttrInsightErrorCode   = "aws.cloudtrail.insight.error_code"

	AttrPersonalizeAPI          = "aws.personalize.api"
	AttrPersonalizeResourceARN  = "aws.personalize.resource.arn"
	AttrPersonalizeResourceType = "aws.personalize.resource.type"
	AttrPersonalizeDatasetGroup = "aws.personalize.dataset_group.arn"
	AttrPersonalizeDSGDerived   = "aws.personalize.dataset_group.derived"
	AttrPersonalizeTrackingID   = "aws.personalize.tracking_id"
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
		ra.PutStr(AttrCloudProvider, "aws")
		if key.account != "" {
			ra.PutStr(AttrCloudAccountID, key.account)
		}
		if key.region != "" {
			ra.PutStr(AttrCloudRegion, key.region)
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
		r.doc.putMap(lr.Body().SetEmptyMap(), root)
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
		s, ok := d.strAt(obj, path...)
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

	put(AttrEventID, fEventID)
	source, name := r.str(fEventSource), r.str(fEventName)
	put(AttrEventName, fEventName)
	put(AttrEventSource, fEventSource)
	put(AttrEventType, fEventType)
	put(AttrEventCategory, fEventCategory)
	put(AttrEventVersion, fEventVersion)
	putBool(AttrReadOnly, fReadOnly)
	putBool(AttrManagementEvent, fManagementEvent)
	put(AttrSharedEventID, fSharedEventID)
	put(AttrAPIVersion, fAPIVersion)
	put(AttrRequestID, fRequestID)
	if source != "" && name != "" {
		a.PutStr(AttrRPCSystem, "aws-api")
		a.PutStr(AttrRPCMethod, source+"/"+name)
	}
	put(AttrErrorCode, fErrorCode)
	put(AttrErrorMessage, fErrorMessage)
	put(AttrSourceAddress, fSourceIPAddress)
	put(AttrUserAgent, fUserAgent)

	if ui := r.top[fUserIdentity]; ui >= 0 && d.kind(ui) == kindObject {
		b.userIdentity(d, ui, a)
	}
	if r.top[fSessionCredentialFromConsole] >= 0 {
		if v, ok := r.boolean(fSessionCredentialFromConsole); ok {
			a.PutBool(AttrSessionConsole, v)
		}
	}
	host := ""
	if tls := r.top[fTLSDetails]; tls >= 0 {
		if v, ok := d.strAt(tls, "tlsVersion"); ok && v != "" {
			name, ver := tlsProtocol(v)
			a.PutStr(AttrTLSProtocolName, name)
			a.PutStr(AttrTLSProtocolVersion, ver)
		}
		putAt(AttrTLSCipher, tls, "cipherSuite")
		host = putAt(AttrServerAddress, tls, "clientProvidedHostHeader")
	}
	put(AttrVPCEndpointID, fVPCEndpointID)
	put(AttrVPCEndpointAccount, fVPCEndpointAccountID)
	if ad := r.top[fAddendum]; ad >= 0 {
		putAt(AttrAddendumReason, ad, "reason")
	}
	if in := r.top[fInsightDetails]; in >= 0 && d.kind(in) == kindObject {
		putAt(AttrInsightState, in, "state")
		putAt(AttrInsightType, in, "insightType")
		putAt(AttrInsightEventSource, in, "eventSource")
		putAt(AttrInsightEventName, in, "eventName")
		putAt(AttrInsightErrorCode, in, "errorCode")
	}
	b.res = b.res[:0]
	if rs := r.top[fResources]; rs >= 0 && d.kind(rs) == kindArray {
		sl := a.PutEmptySlice(AttrResources)
		end := d.nodes[rs].next
		for e := rs + 1; e < end; e = d.nodes[e].next {
			if d.kind(e) != kindObject {
				continue
			}
			m := sl.AppendEmpty().SetEmptyMap()
			if s, ok := d.strAt(e, "ARN"); ok {
				m.PutStr("arn", s)
				b.res = append(b.res, s)
			}
			if s, ok := d.strAt(e, "accountId"); ok {
				m.PutStr("account_id", s)
			}
			if s, ok := d.strAt(e, "type"); ok {
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
		if obj < 0 || d.kind(obj) != kindObject {
			return nil
		}
		return func(key string) (string, bool) { return d.strAt(obj, key) }
	}
	res := personalize.Resolve(name, host, lookup(req), lookup(resp), b.res)
	if res.API != "" {
		a.PutStr(AttrPersonalizeAPI, string(res.API))
	}
	if res.ResourceARN != "" {
		a.PutStr(AttrPersonalizeResourceARN, res.ResourceARN)
		a.PutStr(AttrCloudResource, res.ResourceARN)
	}
	if res.ResourceType != "" {
		a.PutStr(AttrPersonalizeResourceType, res.ResourceType)
	}
	if res.DatasetGroupARN != "" {
		a.PutStr(AttrPersonalizeDatasetGroup, res.DatasetGroupARN)
		if res.DatasetGroupDerived {
			a.PutBool(AttrPersonalizeDSGDerived, true)
		}
	}
	if res.TrackingID != "" {
		a.PutStr(AttrPersonalizeTrackingID, res.TrackingID)
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
func (b *Batch) userIdentity(d *Doc, ui int32, a pcommon.Map) {
	var principal, user, issuerUser, onBehalfUser string
	var storeARN string
	putStr := func(k string, v int32) string {
		if d.kind(v) != kindString {
			return ""
		}
		s := d.text(v)
		if s != "" {
			a.PutStr(k, s)
		}
		return s
	}
	end := d.nodes[ui].next
	for k := ui + 1; k < end; {
		v := k + 1
		switch d.text(k) {
		case "type":
			putStr(AttrIdentityType, v)
		case "principalId":
			principal = putStr(AttrIdentityPrincipalID, v)
		case "arn":
			putStr(AttrIdentityARN, v)
		case "accountId":
			putStr(AttrIdentityAccountID, v)
		case "accessKeyId":
			putStr(AttrIdentityAccessKeyID, v)
		case "invokedBy":
			putStr(AttrIdentityInvokedBy, v)
		case "credentialId":
			putStr(AttrIdentityCredential, v)
		case "userName":
			if d.kind(v) == kindString {
				user = d.text(v)
			}
		case "identityStoreArn":
			if d.kind(v) == kindString && storeARN == "" {
				storeARN = d.text(v)
			}
		case "onBehalfOf":
			if s, ok := d.strAt(v, "userId"); ok {
				onBehalfUser = s
			}
			if s, ok := d.strAt(v, "identityStoreArn"); ok && s != "" {
				storeARN = s
			}
		case "sessionContext":
			issuerUser = b.sessionContext(d, v, a, putStr)
		}
		k = d.nodes[v].next
	}
	if onBehalfUser != "" {
		a.PutStr(AttrOnBehalfOfUserID, onBehalfUser)
	}
	if storeARN != "" {
		a.PutStr(AttrIdentityStoreARN, storeARN)
	}
	if principal == "" {
		principal = onBehalfUser
	}
	if principal != "" {
		a.PutStr(AttrUserID, principal)
	}
	if user == "" {
		user = issuerUser
	}
	if user != "" {
		a.PutStr(AttrUserName, user)
	}
}

func (b *Batch) sessionContext(d *Doc, sc int32, a pcommon.Map, putStr func(string, int32) string) (issuerUser string) {
	if d.kind(sc) != kindObject {
		return ""
	}
	end := d.nodes[sc].next
	for k := sc + 1; k < end; {
		v := k + 1
		switch d.text(k) {
		case "attributes":
			if mfa, ok := d.boolAt(d.lookup(v, "mfaAuthenticated")); ok {
				a.PutBool(AttrSessionMFA, mfa)
			}
			if s, ok := d.strAt(v, "creationDate"); ok && s != "" {
				a.PutStr(AttrSessionCreated, s)
			}
		case "sourceIdentity":
			putStr(AttrSessionSourceID, v)
		case "sessionIssuer":
			if d.kind(v) != kindObject {
				break
			}
			iend := d.nodes[v].next
			for ik := v + 1; ik < iend; {
				iv := ik + 1
				switch d.text(ik) {
				case "type":
					putStr(AttrIssuerType, iv)
				case "arn":
					putStr(AttrIssuerARN, iv)
				case "principalId":
					putStr(AttrIssuerPrincipalID, iv)
				case "accountId":
					putStr(AttrIssuerAccountID, iv)
				case "userName":
					issuerUser = putStr(AttrIssuerUserName, iv)
				}
				ik = d.nodes[iv].next
			}
		}
		k = d.nodes[v].next
	}
	return issuerUser
}
