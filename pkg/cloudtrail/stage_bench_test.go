package cloudtrail

import (
	"testing"
	"time"
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
}
