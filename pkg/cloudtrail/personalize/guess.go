// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package personalize // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/personalize"

import "strings"

// guessedPrimary names the members that hold the primary ARN of an operation
// missing from the table (one newer than it), from its name alone, as the
// table's own entries follow it: CreateFooBar returns fooBarArn in its
// response (only there: a failed create has none); Update/Start/Stop name it
// in the response, else the request; Delete/Describe in the request. Other
// verbs get no guess.
func guessedPrimary(eventName string) (respKey, reqKey string) {
	for _, v := range []struct {
		verb      string
		resp, req bool
	}{
		{"Create", true, false}, {"Update", true, true}, {"Start", true, true}, {"Stop", true, true},
		{"Delete", false, true}, {"Describe", false, true},
	} {
		noun, ok := strings.CutPrefix(eventName, v.verb)
		if !ok || noun == "" || noun[0] < 'A' || noun[0] > 'Z' {
			continue
		}
		var b strings.Builder // one allocation: fooBarArn
		b.Grow(len(noun) + len("Arn"))
		b.WriteByte(noun[0] + 'a' - 'A')
		b.WriteString(noun[1:])
		b.WriteString("Arn")
		key := b.String()
		if v.resp {
			respKey = key
		}
		if v.req {
			reqKey = key
		}
		return respKey, reqKey
	}
	return "", ""
}
