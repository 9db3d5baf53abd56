// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package personalize knows the Amazon Personalize API as CloudTrail records
// it: the 79 operations of its three API groups, and which resource each
// record acted on.
//
// CloudTrail gives no resource for most Personalize calls (resources[] is
// undocumented for the service), so the enrichment has to be derived from
// requestParameters and responseElements, and where to look differs per
// operation. The per-operation knowledge is compiled from operations.tsv
// (derived from the botocore service models) and primary.tsv (the rule of
// which member names the primary resource) so that it can be reviewed as
// data and regenerated when AWS adds an operation; see README.md.
//
// The package is stdlib-only and allocation-free on the hot path so that it
// can run once per decoded record.
package personalize // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"

//go:generate go run ./internal/gen

// EventSource is the CloudTrail eventSource of every Personalize API group.
// All three botocore models sign as "personalize", so the data-plane groups
// are expected under the same source as the control plane; tell them apart
// with the operation table or the host header, never with eventSource.
const EventSource = "personalize.amazonaws.com"

// API names the botocore model (API group) an operation belongs to. The
// values are short and stable because they end up as attribute values.
type API string

const (
	APIControl API = "control" // personalize-2018-05-22
	APIEvents  API = "events"  // personalize-events-2018-03-22
	APIRuntime API = "runtime" // personalize-runtime-2018-05-22
)

// Operation is one row of the compiled table.
//
// The slices are shared with the table: Lookup hands them out without copying
// so that it stays allocation-free, and callers must treat them as read-only.
type Operation struct {
	Name     string // CloudTrail eventName, e.g. "CreateCampaign"
	API      API
	Mutating bool
	// ReadOnly is the CloudTrail readOnly value to expect. It is inferred
	// (AWS does not document it per operation), so it describes, it does not
	// validate: network-activity records may omit readOnly altogether.
	ReadOnly    bool
	AccessLevel string // IAM access level: Read, List, Write, Tagging
	// RequestARNParams are the Personalize ARN members of requestParameters
	// in table order, including nested ones as dotted or [] paths. IAM role
	// and KMS key ARNs are left out: they are never the audited resource.
	RequestARNParams  []string
	RequiredARNParams []string // the subset the model marks required
	// ResponseARNs are the ARN members of responseElements. For read-only
	// operations they describe the model only: CloudTrail documents
	// responseElements as null for those calls.
	ResponseARNs   []string
	NonARNIDParams []string // identifiers that are not ARNs, e.g. trackingId

	// primaryResp is the responseElements member tried first for the
	// primary ARN, primaryReq the requestParameters members tried next, in
	// order. Both come from primary.tsv; keeping them per operation rather
	// than deriving them from the name prefix is what lets GetSolutionMetrics
	// or StopSolutionVersionCreation differ from their siblings.
	primaryResp string
	primaryReq  []string
}

// index maps an eventName to its position in operations.
var index = func() map[string]int {
	m := make(map[string]int, len(operations))
	for i := range operations {
		m[operations[i].Name] = i
	}
	return m
}()

// Lookup returns the operation named by a CloudTrail eventName. A miss is not
// an error: IAM already defines actions (CreateDataInsightsJob) that have no
// public API yet, so records of unknown operations must be expected.
func Lookup(eventName string) (Operation, bool) {
	i, ok := index[eventName]
	if !ok {
		return Operation{}, false
	}
	return operations[i], true
}

// Operations returns every operation in table order. The result is a deep
// copy, so callers may sort or edit it without affecting Lookup or Resolve.
func Operations() []Operation {
	out := make([]Operation, len(operations))
	for i, op := range operations {
		op.RequestARNParams = clone(op.RequestARNParams)
		op.RequiredARNParams = clone(op.RequiredARNParams)
		op.ResponseARNs = clone(op.ResponseARNs)
		op.NonARNIDParams = clone(op.NonARNIDParams)
		out[i] = op
	}
	return out
}

// clone copies s but keeps nil as nil, so a copied Operation compares equal
// to the table entry under reflect.DeepEqual.
func clone(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}
