// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	kgzip "github.com/klauspost/compress/gzip"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"
)

// BenchmarkConventional is the yardstick for BenchmarkFileReader on the
// machine at hand. It decodes the same files the way CloudTrail decoders are
// commonly written, peers included: the whole (decompressed) file
// unmarshalled into Go structs by goccy/go-json, the fastest drop-in
// encoding/json, then every selected record's attributes put into pdata, the
// same attributes as ours with no body. Published decoder figures come from
// other machines; the ratio of the two benchmarks here does not.
func BenchmarkConventional(b *testing.B) {
	for _, bc := range benchCases {
		plain := benchFile(10000, bc.every)
		compressed := gzipBytes(plain)
		for _, gz := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/body=none/gzip=%v", bc.name, gz), func(b *testing.B) {
				b.SetBytes(int64(len(plain)))
				b.ReportAllocs()
				var selected int64
				now := time.Now()
				for b.Loop() {
					data := plain
					if gz {
						zr, err := kgzip.NewReader(bytes.NewReader(compressed))
						if err != nil {
							b.Fatal(err)
						}
						if data, err = io.ReadAll(zr); err != nil {
							b.Fatal(err)
						}
					}
					logs, n, err := conventionalDecode(data, now)
					if err != nil {
						b.Fatal(err)
					}
					_ = logs
					selected += n
				}
				b.ReportMetric(float64(selected)/b.Elapsed().Seconds(), "selected/s")
				b.ReportMetric(float64(10000*int64(b.N))/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// TestConventionalDecoderMatches keeps the yardstick honest: on the bench
// file it selects the records ours selects and gives each the same
// attributes, so the two benchmarks do the same work.
func TestConventionalDecoderMatches(t *testing.T) {
	data := benchFile(200, 3)
	now := time.Now()
	conv, n, err := conventionalDecode(data, now)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := NewFileReader(bytes.NewReader(data), nil, DecoderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	batch := NewBatch(MapOptions{Body: BodyNone})
	if err := fr.ReadBatch(batch, 1<<20); err != io.EOF {
		t.Fatalf("ReadBatch: %v", err)
	}
	ours := batch.Take()
	if int64(ours.LogRecordCount()) != n || n == 0 {
		t.Fatalf("conventional selected %d, ours %d", n, ours.LogRecordCount())
	}
	byID := func(l plog.Logs) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, rl := range l.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					id, _ := lr.Attributes().Get(attr.EventID)
					m[id.Str()] = lr.Attributes().AsRaw()
				}
			}
		}
		return m
	}
	want, got := byID(ours), byID(conv)
	for id, w := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(w) {
			t.Fatalf("record %s:\n conventional %v\n ours         %v", id, got[id], w)
		}
	}
}

type convFile struct {
	Records []convRecord `json:"Records"`
}

type convRecord struct {
	EventVersion                 string          `json:"eventVersion"`
	UserIdentity                 *convIdentity   `json:"userIdentity"`
	EventTime                    string          `json:"eventTime"`
	EventSource                  string          `json:"eventSource"`
	EventName                    string          `json:"eventName"`
	AWSRegion                    string          `json:"awsRegion"`
	SourceIPAddress              string          `json:"sourceIPAddress"`
	UserAgent                    string          `json:"userAgent"`
	ErrorCode                    string          `json:"errorCode"`
	ErrorMessage                 string          `json:"errorMessage"`
	RequestParameters            map[string]any  `json:"requestParameters"`
	ResponseElements             map[string]any  `json:"responseElements"`
	AdditionalEventData          map[string]any  `json:"additionalEventData"`
	RequestID                    string          `json:"requestID"`
	EventID                      string          `json:"eventID"`
	ReadOnly                     *bool           `json:"readOnly"`
	Resources                    []convResource  `json:"resources"`
	EventType                    string          `json:"eventType"`
	APIVersion                   string          `json:"apiVersion"`
	ManagementEvent              *bool           `json:"managementEvent"`
	RecipientAccountID           string          `json:"recipientAccountId"`
	SharedEventID                string          `json:"sharedEventID"`
	VPCEndpointID                string          `json:"vpcEndpointId"`
	VPCEndpointAccountID         string          `json:"vpcEndpointAccountId"`
	EventCategory                string          `json:"eventCategory"`
	TLSDetails                   *convTLSDetails `json:"tlsDetails"`
	SessionCredentialFromConsole string          `json:"sessionCredentialFromConsole"`
}

type convIdentity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	AccessKeyID    string `json:"accessKeyId"`
	UserName       string `json:"userName"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext *struct {
		Attributes struct {
			MFAAuthenticated string `json:"mfaAuthenticated"`
			CreationDate     string `json:"creationDate"`
		} `json:"attributes"`
		SessionIssuer struct {
			Type        string `json:"type"`
			PrincipalID string `json:"principalId"`
			ARN         string `json:"arn"`
			AccountID   string `json:"accountId"`
			UserName    string `json:"userName"`
		} `json:"sessionIssuer"`
		SourceIdentity string `json:"sourceIdentity"`
	} `json:"sessionContext"`
}

type convResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

type convTLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// conventionalDecode is the yardstick decoder: unmarshal everything, then
// map the Personalize records.
func conventionalDecode(data []byte, observed time.Time) (plog.Logs, int64, error) {
	var f convFile
	if err := gojson.Unmarshal(data, &f); err != nil {
		return plog.Logs{}, 0, err
	}
	logs := plog.NewLogs()
	groups := map[resourceKey]plog.LogRecordSlice{}
	var n int64
	for i := range f.Records {
		r := &f.Records[i]
		if r.EventSource != personalize.EventSource {
			continue
		}
		account := r.RecipientAccountID
		if account == "" && r.UserIdentity != nil {
			account = r.UserIdentity.AccountID
		}
		key := resourceKey{account, r.AWSRegion}
		recs, ok := groups[key]
		if !ok {
			rl := logs.ResourceLogs().AppendEmpty()
			ra := rl.Resource().Attributes()
			ra.PutStr(attr.CloudProvider, "aws")
			ra.PutStr(attr.CloudAccountID, account)
			ra.PutStr(attr.CloudRegion, r.AWSRegion)
			recs = rl.ScopeLogs().AppendEmpty().LogRecords()
			groups[key] = recs
		}
		ts, err := time.Parse(time.RFC3339, r.EventTime)
		if err != nil {
			continue
		}
		lr := recs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(observed))
		lr.SetEventName(r.EventName)
		if r.ErrorCode != "" {
			lr.SetSeverityNumber(plog.SeverityNumberError)
			lr.SetSeverityText("ERROR")
		} else {
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			lr.SetSeverityText("INFO")
		}
		conventionalAttributes(r, lr.Attributes())
		n++
	}
	return logs, n, nil
}

func conventionalAttributes(r *convRecord, a pcommon.Map) {
	put := func(k, v string) {
		if v != "" {
			a.PutStr(k, v)
		}
	}
	put(attr.EventID, r.EventID)
	put(attr.EventName, r.EventName)
	put(attr.EventSource, r.EventSource)
	put(attr.EventType, r.EventType)
	put(attr.EventCategory, r.EventCategory)
	put(attr.EventVersion, r.EventVersion)
	if r.ReadOnly != nil {
		a.PutBool(attr.ReadOnly, *r.ReadOnly)
	}
	if r.ManagementEvent != nil {
		a.PutBool(attr.ManagementEvent, *r.ManagementEvent)
	}
	put(attr.SharedEventID, r.SharedEventID)
	put(attr.APIVersion, r.APIVersion)
	put(attr.RequestID, r.RequestID)
	a.PutStr(attr.RPCSystem, "aws-api")
	a.PutStr(attr.RPCMethod, r.EventSource+"/"+r.EventName)
	put(attr.ErrorCode, r.ErrorCode)
	put(attr.ErrorMessage, r.ErrorMessage)
	put(attr.SourceAddress, r.SourceIPAddress)
	put(attr.UserAgent, r.UserAgent)
	if ui := r.UserIdentity; ui != nil {
		put(attr.IdentityType, ui.Type)
		put(attr.IdentityPrincipalID, ui.PrincipalID)
		put(attr.IdentityARN, ui.ARN)
		put(attr.IdentityAccountID, ui.AccountID)
		put(attr.IdentityAccessKeyID, ui.AccessKeyID)
		put(attr.IdentityInvokedBy, ui.InvokedBy)
		user := ui.UserName
		if sc := ui.SessionContext; sc != nil {
			putStrBool(a, attr.SessionMFA, sc.Attributes.MFAAuthenticated)
			put(attr.SessionCreated, sc.Attributes.CreationDate)
			put(attr.SessionSourceID, sc.SourceIdentity)
			put(attr.IssuerType, sc.SessionIssuer.Type)
			put(attr.IssuerARN, sc.SessionIssuer.ARN)
			put(attr.IssuerPrincipalID, sc.SessionIssuer.PrincipalID)
			put(attr.IssuerAccountID, sc.SessionIssuer.AccountID)
			put(attr.IssuerUserName, sc.SessionIssuer.UserName)
			if user == "" {
				user = sc.SessionIssuer.UserName
			}
		}
		put(attr.UserID, ui.PrincipalID)
		put(attr.UserName, user)
	}
	putStrBool(a, attr.SessionConsole, r.SessionCredentialFromConsole)
	host := ""
	if tls := r.TLSDetails; tls != nil {
		if tls.TLSVersion != "" {
			name, ver := tlsProtocol(tls.TLSVersion)
			a.PutStr(attr.TLSProtocolName, name)
			a.PutStr(attr.TLSProtocolVersion, ver)
		}
		put(attr.TLSCipher, tls.CipherSuite)
		put(attr.ServerAddress, tls.ClientProvidedHostHeader)
		host = tls.ClientProvidedHostHeader
	}
	put(attr.VPCEndpointID, r.VPCEndpointID)
	put(attr.VPCEndpointAccount, r.VPCEndpointAccountID)
	var arns []string
	if r.Resources != nil {
		sl := a.PutEmptySlice(attr.Resources)
		for _, res := range r.Resources {
			m := sl.AppendEmpty().SetEmptyMap()
			m.PutStr("arn", res.ARN)
			m.PutStr("account_id", res.AccountID)
			m.PutStr("type", res.Type)
			arns = append(arns, res.ARN)
		}
	}
	lookup := func(m map[string]any) personalize.Lookuper {
		if m == nil {
			return nil
		}
		return func(k string) (string, bool) {
			s, ok := m[k].(string)
			return s, ok
		}
	}
	res := personalize.Resolve(r.EventName, host, lookup(r.RequestParameters), lookup(r.ResponseElements), arns)
	put(attr.PersonalizeAPI, string(res.API))
	put(attr.PersonalizeResourceARN, res.ResourceARN)
	put(attr.CloudResource, res.ResourceARN)
	put(attr.PersonalizeResourceType, res.ResourceType)
	if res.DatasetGroupARN != "" {
		a.PutStr(attr.PersonalizeDatasetGroup, res.DatasetGroupARN)
		if res.DatasetGroupDerived {
			a.PutBool(attr.PersonalizeDSGDerived, true)
		}
	}
	put(attr.PersonalizeTrackingID, res.TrackingID)
}

// putStrBool puts CloudTrail's "true"/"false" strings as a bool.
func putStrBool(a pcommon.Map, k, v string) {
	if v == "true" || v == "false" {
		a.PutBool(k, v == "true")
	}
}
