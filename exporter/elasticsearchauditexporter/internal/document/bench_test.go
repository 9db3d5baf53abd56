// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"testing"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// BenchmarkAppend measures encoding one realistic CloudTrail record (the
// Personalize CreateCampaign of ecs_test.go) in each layout.
func BenchmarkAppend(b *testing.B) {
	for _, c := range []struct {
		name string
		mode Mode
		body ct.BodyMode
	}{{"ecs/body=map", ModeECS, ct.BodyMap}, {"ecs/body=json", ModeECS, ct.BodyJSON}, {"otel/body=map", ModeOTel, ct.BodyMap}} {
		b.Run(c.name, func(b *testing.B) {
			ld := mapRecord(b, createCampaign, c.body)
			rl := ld.ResourceLogs().At(0)
			sl := rl.ScopeLogs().At(0)
			lr := sl.LogRecords().At(0)
			e := NewEncoder(Options{Mode: c.mode})
			route := Route{Dataset: "cloudtrail.personalize", Namespace: "default"}
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = e.Append(buf[:0], rl.Resource(), sl.Scope(), lr, route)
				_ = e.ID(rl.Resource(), sl.Scope(), lr)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkAppendString measures JSON string escaping of typical text.
func BenchmarkAppendString(b *testing.B) {
	s := "arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023"
	var buf []byte
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
