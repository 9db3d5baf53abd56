// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

const benchBatch = 5000

// renumber gives every record of ld a fresh eventID, so that repeated
// pushes index new documents instead of measuring the 409 path.
func renumber(ld plog.Logs, seq *atomic.Int64) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lrs.At(k).Attributes().PutStr(attr.EventID, "bench-"+strconv.FormatInt(seq.Add(1), 10))
			}
		}
	}
}

func benchServer(b *testing.B) *esdouble.Server {
	return esdouble.Start(b, esdouble.Options{DiscardSources: true})
}

// BenchmarkPush measures one push (encode, gzip level 1, _bulk over HTTP to
// the double on 127.0.0.1, parse the filtered response) of 5,000 realistic
// CloudTrail records, with `workers` pushes in flight as queue consumers
// would run them. The double runs in the same process and its CPU counts.
func BenchmarkPush(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s := benchServer(b)
			cfg := testConfig(s.URL)
			e, err := newExporter(cfg, exportertest.NewNopSettings(metadata.Type))
			if err != nil {
				b.Fatal(err)
			}
			if err := e.start(context.Background(), componenttest.NewNopHost()); err != nil {
				b.Fatal(err)
			}
			batches := make([]plog.Logs, workers)
			for i := range batches {
				batches[i] = cloudTrailLogs(b, i*benchBatch, benchBatch, ct.BodyMap)
			}
			var seq atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			var next atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(ld plog.Logs) {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						// Renumbering (about 2% of a push) stays in the
						// timing: testing.B's timer is not goroutine-safe.
						renumber(ld, &seq)
						if err := e.pushLogs(context.Background(), ld); err != nil {
							b.Error(err)
							return
						}
					}
				}(batches[w])
			}
			wg.Wait()
			b.StopTimer()
			docs := float64(b.N * benchBatch)
			b.ReportMetric(docs/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(benchBatch), "docs/op")
			if got := s.Count("*"); got != b.N*benchBatch {
				b.Fatalf("indexed %d of %d", got, b.N*benchBatch)
			}
		})
	}
}

// BenchmarkPipeline drives the whole exporter as the collector does:
// ConsumeLogs into the in-memory sending queue (items sizer, queue_size
// 20,000, batches of 5,000, 4 consumers, block_on_overflow), then Shutdown
// to drain it. It reports end-to-end docs/s (copying the input included)
// and the peak Go heap; the two sizes show that the heap is bounded by the
// queue, not by the volume.
func BenchmarkPipeline(b *testing.B) {
	for _, total := range []int{20_000, 100_000} {
		b.Run(fmt.Sprintf("docs=%d", total), func(b *testing.B) { benchPipeline(b, total) })
	}
}

func benchPipeline(b *testing.B, total int) {
	s := benchServer(b)
	cfg := testConfig(s.URL)
	q := exporterhelper.NewDefaultQueueConfig()
	q.Sizer = exporterhelper.RequestSizerTypeItems
	q.QueueSize = 20_000
	q.NumConsumers = 4
	q.BlockOnOverflow = true
	bc := exporterhelper.NewDefaultBatchConfig()
	bc.Sizer = exporterhelper.RequestSizerTypeItems
	bc.MinSize, bc.MaxSize, bc.FlushTimeout = benchBatch, benchBatch, 200*time.Millisecond
	q.Batch = configoptional.Some(bc)
	cfg.QueueBatchConfig = configoptional.Some(q)
	const perConsume = 1000
	inputs := make([]plog.Logs, 8)
	for i := range inputs {
		inputs[i] = cloudTrailLogs(b, i*perConsume, perConsume, ct.BodyMap)
	}
	var seq atomic.Int64
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	defer close(stop)
	runtime.GC()
	b.ResetTimer()
	indexed := 0
	for i := 0; i < b.N; i++ {
		// Forget the previous round's documents so that the peak heap is
		// the exporter's, not the double's growing _id index.
		b.StopTimer()
		indexed += s.Count("*")
		s.DeleteDataStreams()
		runtime.GC()
		b.StartTimer()
		h, err := startExporter(b, cfg)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < total/perConsume; j++ {
			// Copying and renumbering the input stays in the timing: the
			// consumers keep exporting meanwhile, so stopping the timer
			// would overstate the throughput.
			ld := plog.NewLogs()
			inputs[j%len(inputs)].CopyTo(ld)
			renumber(ld, &seq)
			if err := h.exp.ConsumeLogs(context.Background(), ld); err != nil {
				b.Fatal(err)
			}
		}
		if err := h.exp.Shutdown(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	docs := b.N * total
	b.ReportMetric(float64(docs)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	if got := indexed + s.Count("*"); got != docs {
		b.Fatalf("indexed %d of %d", got, docs)
	}
}
