// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import "strings"

// ECS categorisation of an API call. event.category is always `api` (the
// call itself); control-plane mutations are also `configuration`, because
// they change how a service is set up. event.type follows the operation's
// verb. Both use only values that ECS allows for those categories.
var (
	catAPI           = []string{"api"}
	catConfiguration = []string{"api", "configuration"}
)

type verb uint8

const (
	verbUnknown verb = iota
	verbCreate
	verbDelete
	verbChange
	verbRead
)

// verbPrefixes maps an operation's leading word to its verb. Longer words
// come first where one is a prefix of another (Untag before ... none today,
// but Deregister before Delete would matter if both were listed).
var verbPrefixes = []struct {
	prefix string
	verb   verb
}{
	{"Create", verbCreate},
	{"Delete", verbDelete},
	{"Update", verbChange}, {"Untag", verbChange}, {"Tag", verbChange},
	{"Start", verbChange}, {"Stop", verbChange}, {"Put", verbChange},
	{"Modify", verbChange}, {"Set", verbChange}, {"Attach", verbChange}, {"Detach", verbChange},
	{"Add", verbChange}, {"Remove", verbChange}, {"Enable", verbChange}, {"Disable", verbChange},
	{"Associate", verbChange}, {"Disassociate", verbChange}, {"Register", verbChange},
	{"Deregister", verbChange}, {"Import", verbChange}, {"Cancel", verbChange}, {"Reset", verbChange},
	{"Describe", verbRead}, {"List", verbRead}, {"Get", verbRead}, {"Search", verbRead},
	{"Lookup", verbRead}, {"BatchGet", verbRead},
}

// classify returns event.category and event.type for an operation. When the
// verb is unknown, CloudTrail's readOnly decides; without it the call is
// only `info`. dataPlane marks ingestion APIs (Personalize events), whose
// writes are data, not configuration. denied adds `denied` for calls refused
// by authorization.
func classify(action string, readOnly, readOnlyKnown, dataPlane, denied bool, scratch []string) (category, typ []string) {
	v := verbUnknown
	for _, p := range verbPrefixes {
		if strings.HasPrefix(action, p.prefix) && (len(action) == len(p.prefix) || isUpper(action[len(p.prefix)])) {
			v = p.verb
			break
		}
	}
	if v == verbUnknown && readOnlyKnown {
		v = verbChange
		if readOnly {
			v = verbRead
		}
	}
	typ = scratch[:0]
	switch v {
	case verbCreate:
		typ = append(typ, "creation")
	case verbDelete:
		typ = append(typ, "deletion")
	case verbChange:
		typ = append(typ, "change")
	case verbRead:
		typ = append(typ, "access", "info")
	default:
		typ = append(typ, "info")
	}
	if denied {
		typ = append(typ, "denied")
	}
	category = catAPI
	if (v == verbCreate || v == verbDelete || v == verbChange) && !dataPlane {
		category = catConfiguration
	}
	return category, typ
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// isDenied recognises authorization failures among CloudTrail error codes
// (AccessDenied, AccessDeniedException, Client.UnauthorizedOperation,
// VpceAccessDenied, ...).
func isDenied(code string) bool {
	return strings.Contains(code, "AccessDenied") || strings.Contains(code, "Unauthorized")
}
