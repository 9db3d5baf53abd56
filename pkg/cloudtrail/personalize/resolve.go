// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"

import "strings"

// Lookuper returns a top-level string member of requestParameters or
// responseElements. It returns ok=false when the member is absent or not a
// string.
//
// A function rather than a map lets the caller answer from whatever decoded
// form it already holds, without building a map for every record.
type Lookuper func(key string) (string, bool)

// Result is what Resolve derives from one record.
type Result struct {
	// API is the group from the table; for names not in the table it is
	// guessed from clientProvidedHostHeader (personalize-events.* -> events,
	// personalize-runtime.* -> runtime, personalize.* -> control), else "".
	API   API
	Known bool // eventName is in the table
	// ResourceARN is the primary resource ARN, "" when the record names
	// none. A value that does not parse as an ARN is kept as given.
	ResourceARN string
	// ResourceType is the primary ARN's resource-type segment, e.g.
	// "campaign", "dataset-group", "solution" (also for a solution version).
	ResourceType    string
	DatasetGroupARN string
	// DatasetGroupDerived marks a DatasetGroupARN built from a dataset ARN's
	// embedded group name. AWS documents no guarantee that a group's ARN id
	// equals its name, so consumers should be able to tell a guess from a
	// stated fact.
	DatasetGroupDerived bool
	// TrackingID is requestParameters.trackingId of the events-plane calls
	// that carry no ARN (PutEvents, PutActionInteractions). It is the only
	// link from those records to an event tracker.
	TrackingID string
}

// Resolve applies the primary-ARN rule to one record:
//
//  1. A Personalize ARN in resources[] wins: it is AWS's own statement of what
//     the call acted on. This holds for unknown operations too.
//  2. Otherwise the operation's table entry names the member: the response
//     ARN first (Create*, Update*, Start/StopRecommender), then the request
//     ARNs in order. A failed Create* therefore has no primary ARN, since its
//     own ARN exists only in the response; Update*/Start*/Stop* fall back to
//     the request. An operation newer than the table gets the member its
//     name implies, by the same rules (guessedPrimary: CreateFooBar's
//     response fooBarArn, ...).
//  3. ResourceType is the primary ARN's type segment.
//  4. DatasetGroupARN comes from an explicit datasetGroupArn (request, then
//     response), else from a dataset-group primary ARN, else it is derived
//     from a dataset ARN (the primary one, then request datasetArn).
//
// req and resp may be nil (section absent or null). resources are the ARN
// values of the record's resources[] array. host is
// tlsDetails.clientProvidedHostHeader, "" if absent.
func Resolve(eventName, host string, req, resp Lookuper, resources []string) Result {
	var res Result
	var op *Operation
	if i, ok := index[eventName]; ok {
		op = &operations[i]
		res.Known, res.API = true, op.API
	} else {
		res.API = apiFromHost(host)
	}

	primary, pa, parsed := "", ARN{}, false
	for _, r := range resources {
		if a, ok := ParseARN(r); ok && a.IsPersonalize() {
			primary, pa, parsed = r, a, true
			break
		}
	}
	switch {
	case primary != "":
	case op != nil:
		primary = firstMember(resp, req, op.primaryResp, op.primaryReq...)
	default:
		respKey, reqKey := guessedPrimary(eventName)
		primary = firstMember(resp, req, respKey, reqKey)
	}
	if primary != "" && !parsed {
		pa, parsed = ParseARN(primary)
	}
	res.ResourceARN = primary
	if parsed {
		res.ResourceType = pa.ResourceType
	}

	if op != nil {
		for _, k := range op.NonARNIDParams {
			if k == "trackingId" {
				res.TrackingID = member(req, k)
			}
		}
	}

	switch {
	case setTo(&res.DatasetGroupARN, member(req, "datasetGroupArn")):
	case setTo(&res.DatasetGroupARN, member(resp, "datasetGroupArn")):
	case parsed && pa.IsPersonalize() && pa.ResourceType == "dataset-group" && pa.ResourceID != "":
		res.DatasetGroupARN = primary
	default:
		dg, ok := "", false
		if parsed {
			dg, ok = datasetGroupOf(pa)
		}
		if !ok {
			if ds, dsOK := ParseARN(member(req, "datasetArn")); dsOK {
				dg, ok = datasetGroupOf(ds)
			}
		}
		res.DatasetGroupARN, res.DatasetGroupDerived = dg, ok
	}
	return res
}

// firstMember returns the response member respKey if set, else the first
// request member of reqKeys that is; empty keys name nothing.
func firstMember(resp, req Lookuper, respKey string, reqKeys ...string) string {
	if v := member(resp, respKey); v != "" {
		return v
	}
	for _, k := range reqKeys {
		if v := member(req, k); v != "" {
			return v
		}
	}
	return ""
}

// member returns l(key), treating an empty key, a nil Lookuper, a non-string
// and an empty string alike as absent: none of them names a resource.
func member(l Lookuper, key string) string {
	if l == nil || key == "" {
		return ""
	}
	v, _ := l(key)
	return v
}

// setTo stores v in *dst when v is non-empty, so that Resolve's fallback
// chain reads as a list of alternatives.
func setTo(dst *string, v string) bool {
	if v == "" {
		return false
	}
	*dst = v
	return true
}

// datasetGroupOf builds dataset-group/<group> from a dataset ARN
// (dataset/<group>/<TYPE>). It relies on the group's ARN id being its name,
// which AWS examples show but do not promise; hence DatasetGroupDerived.
func datasetGroupOf(a ARN) (string, bool) {
	if !a.IsPersonalize() || a.ResourceType != "dataset" || a.Region == "" || a.AccountID == "" {
		return "", false
	}
	group, _, _ := strings.Cut(a.ResourceID, "/")
	if group == "" {
		return "", false
	}
	return "arn:" + a.Partition + ":personalize:" + a.Region + ":" + a.AccountID + ":dataset-group/" + group, true
}

// apiFromHost classifies a record the table does not know by the endpoint
// the client called, the one field that separates the three groups when
// eventSource is shared.
func apiFromHost(host string) API {
	switch {
	case hasPrefixFold(host, "personalize-events."):
		return APIEvents
	case hasPrefixFold(host, "personalize-runtime."):
		return APIRuntime
	case hasPrefixFold(host, "personalize."):
		return APIControl
	}
	return ""
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case: host names are case
// insensitive and clients do not normalise them.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
