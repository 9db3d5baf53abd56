// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"

import "strings"

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string // aws, aws-cn, aws-us-gov, ...
	Service   string
	Region    string // empty for global resources (recipe, algorithm, feature-transformation)
	AccountID string // empty for global resources
	// ResourceType is the resource part up to its first '/', and ResourceID
	// everything after it. Splitting only once keeps multi-part ids intact:
	// a solution version is solution/<name>/<version> and a dataset is
	// dataset/<group>/<TYPE>, both of type solution / dataset.
	ResourceType string
	ResourceID   string
}

// ParseARN parses "arn:<partition>:<service>:<region>:<account>:<resource>".
// The resource keeps any further ':' (the string is split into at most six
// parts). A resource without '/' is all ResourceType, with an empty
// ResourceID. It reports false for anything else, including the
// HIDDEN_DUE_TO_SECURITY_REASONS placeholder CloudTrail writes for redacted
// values, so callers can keep such a value verbatim without inventing a type.
//
// It does not allocate: the fields are substrings of s.
func ParseARN(s string) (ARN, bool) {
	var parts [5]string
	rest := s
	for i := range parts {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return ARN{}, false
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	if parts[0] != "arn" || parts[1] == "" || parts[2] == "" || rest == "" {
		return ARN{}, false
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], AccountID: parts[4], ResourceType: rest}
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		a.ResourceType, a.ResourceID = rest[:j], rest[j+1:]
	}
	return a, true
}

// IsPersonalize reports whether the ARN names a Personalize resource, as
// opposed to the IAM roles and KMS keys that Personalize requests also carry.
func (a ARN) IsPersonalize() bool { return a.Service == "personalize" }
