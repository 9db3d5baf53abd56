// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// BenchmarkStages splits the per-record cost of a selected record.
func BenchmarkStages(b *testing.B) {
	raw := []byte(benchRecord(0, true))
	b.Run("parse", func(b *testing.B) {
		var r Record
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if err := r.Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, body := range []BodyMode{BodyNone, BodyMap} {
		b.Run("append/body="+body.String(), func(b *testing.B) {
			var r Record
			if err := r.Parse(raw); err != nil {
				b.Fatal(err)
			}
			batch := NewBatch(MapOptions{Body: body})
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := batch.Append(&r, now); err != nil {
					b.Fatal(err)
				}
				if batch.Len() == 1000 {
					batch.Take()
				}
			}
		})
	}
	// floor is what pdata alone spends on the finished record: a deep copy
	// of it (plog's CopyTo) makes every allocation the mapping must make,
	// without parsing, reading or key searches. No decoder that hands the
	// collector this record can be cheaper; append minus floor is the part
	// that is ours.
	for _, body := range []BodyMode{BodyNone, BodyMap} {
		b.Run("floor/body="+body.String(), func(b *testing.B) {
			var r Record
			if err := r.Parse(raw); err != nil {
				b.Fatal(err)
			}
			done, err := NewBatch(MapOptions{Body: body}).Append(&r, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			recs := plog.NewLogRecordSlice()
			b.ReportAllocs()
			for b.Loop() {
				done.CopyTo(recs.AppendEmpty())
				if recs.Len() == 1000 {
					recs = plog.NewLogRecordSlice()
				}
			}
		})
	}
}
