// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import "net/netip"

// classifySource splits CloudTrail's sourceIPAddress into source.ip or
// source.domain. It is an IP only when it parses as one: an IPv4 with
// leading zeros (035.249.253.232, found in anonymised data) is neither,
// because 035 is octal to some parsers and decimal to others, and guessing
// would put a wrong address into an audit record; the raw value is always
// kept in source.address. "AWS Internal" is neither too.
func classifySource(s string) (ip, domain string) {
	if s == "" {
		return "", ""
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return a.WithZone("").String(), ""
		}
		return s, "" // any valid form suits an ip field; no need to reformat
	}
	if isDomain(s) {
		return "", s
	}
	return "", ""
}

// isDomain accepts host names: dot-separated labels of letters, digits,
// '-' and '_', no empty label, at least one letter (so that malformed IPs
// such as 035.249.253.232 are not mistaken for names), at most 253 bytes.
func isDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	letter := false
	labelLen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
			labelLen++
		case c >= '0' && c <= '9', c == '-', c == '_':
			labelLen++
		case c == '.':
			if labelLen == 0 {
				return false
			}
			labelLen = 0
		default:
			return false
		}
	}
	return letter && labelLen > 0
}
