// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// s3BenchSet is a generated bucket content for BenchmarkS3Source.
type s3BenchSet struct {
	name        string
	objects     int
	recordsEach int   // records per object (0: fill up to bytesEach)
	bytesEach   int64 // decompressed size per object when recordsEach is 0
	// personalizeEvery: 1 in that many records is a Personalize one (and the
	// last record of each object always is, so that its arrival says the
	// object was read to the end); the rest are other services' records,
	// which the receiver decodes and drops. The medium and large sets share a
	// sparse mix (1 in 10000) so that they differ only in object size, and
	// their memory reflects reading, not records queued for export (which the
	// small set, all Personalize, measures).
	personalizeEvery int
}

// s3BenchGenerated is what was uploaded for one set.
type s3BenchGenerated struct {
	bucket      string
	objects     int
	records     int   // all records (what the receiver decodes)
	personalize int   // records the collector exports
	rawBytes    int64 // decompressed bytes
	gzBytes     int64 // bytes in S3
}

// BenchmarkS3Source measures the S3 polling source of the built distribution
// against versitygw, with max_concurrent_objects 1, 4 and 16:
//
//   - objects/s, records/s and MB/s (decompressed), from the collector's
//     start to the last exported record, so its startup (~0.1 s) is included;
//     records are all records decoded, exported or not;
//   - peak-heap-MiB: the largest Go heap of the collector, from its GC trace
//     (GODEBUG=gctrace=1, the larger of heap-at-GC-start and heap-at-GC-end);
//   - peak-RSS-MiB: the collector's peak resident set (VmHWM in /proc).
//
// The large set has objects of 50 MB decompressed, the medium set of 1 MB in
// the same record mix: objects are streamed, never held whole, so their peak
// memory must be about the same. The empty set gives the collector's own
// footprint. Run with `make bench-s3` (one iteration per case).
func BenchmarkS3Source(b *testing.B) {
	bin := collectorBinary(b)
	gw := versityGWBinary(b)
	srv := startVersityGW(b, gw)
	isolateAWSEnv(b, srv.endpoint)
	// Inherited by the collectors started from here on (not by versitygw).
	b.Setenv("GODEBUG", "gctrace=1")

	sets := []s3BenchSet{
		// No objects: the collector's own footprint, to read the others against.
		{name: "empty", personalizeEvery: 1},
		{name: "small-200x100rec", objects: 200, recordsEach: 100, personalizeEvery: 1},
		{name: "medium-150x1MB", objects: 150, bytesEach: 1 << 20, personalizeEvery: 10000},
		{name: "large-3x50MB", objects: 3, bytesEach: 50 << 20, personalizeEvery: 10000},
	}
	for _, set := range sets {
		gen := generateS3BenchSet(b, srv, set)
		b.Logf("%s: %d objects, %d records (%d Personalize), %.1f MB decompressed, %.1f MB gzip",
			set.name, gen.objects, gen.records, gen.personalize, float64(gen.rawBytes)/1e6, float64(gen.gzBytes)/1e6)
		concs := []int{1, 4, 16}
		if set.objects == 0 {
			concs = concs[:1]
		}
		for _, conc := range concs {
			b.Run(fmt.Sprintf("%s/concurrency=%d", set.name, conc), func(b *testing.B) {
				benchS3Run(b, bin, srv, gen, conc)
			})
		}
	}
}

// benchS3Run reads the whole set b.N times, each time with fresh checkpoint
// storage, and reports throughput, peak heap and peak RSS.
func benchS3Run(b *testing.B, bin string, srv *s3Server, gen s3BenchGenerated, conc int) {
	var elapsed time.Duration
	var peakRSS, peakHeap int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sink := newOTLPSink(b)
		storageDir := filepath.Join(b.TempDir(), "storage")
		healthAddr := freeLoopbackAddr(b)
		cfg := s3CollectorConfig(srv.endpoint, gen.bucket, storageDir, healthAddr, sink.URL(), conc, "warn")
		var gc gcTrace
		b.StartTimer()

		start := time.Now()
		col := startCollectorWith(b, bin, fmt.Sprintf("bench-c%d-%d", conc, i), cfg, healthAddr, gc.line)
		if !sink.WaitForLen(gen.personalize, 10*time.Minute) {
			b.Fatalf("only %d of %d records exported", sink.Len(), gen.personalize)
		}
		if gen.objects == 0 {
			time.Sleep(2 * s3PollInterval) // a few empty polls
		}
		elapsed += time.Since(start)

		b.StopTimer()
		peakRSS = max(peakRSS, vmHWM(b, col.cmd.Process.Pid))
		col.stop()
		heap, gcs := gc.result()
		if gcs == 0 {
			b.Fatalf("no GC trace line in the collector's output (GODEBUG=gctrace=1)")
		}
		peakHeap = max(peakHeap, heap)
		if n := sink.Len(); n != gen.personalize {
			b.Fatalf("%d records exported, want %d", n, gen.personalize)
		}
		for _, e := range sink.Errors() {
			b.Errorf("OTLP sink: %s", e)
		}
		b.StartTimer()
	}
	sec := elapsed.Seconds()
	b.ReportMetric(float64(gen.objects*b.N)/sec, "objects/s")
	b.ReportMetric(float64(gen.records*b.N)/sec, "records/s")
	b.ReportMetric(float64(gen.rawBytes*int64(b.N))/sec/1e6, "MB/s")
	b.ReportMetric(float64(peakRSS)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
}

// gcTrace collects the Go runtime's GC trace lines ("gc 7 @0.135s 6%: ...,
// 27->27->16 MB, 30 MB goal, ...") from a process's output. The heap peaks
// just before or during a collection, so the largest of the first two
// figures over all GCs is the peak heap, exact to the trace's MB rounding,
// unlike sampling.
type gcTrace struct {
	mu   sync.Mutex
	peak int64 // MB
	gcs  int
}

var gcTraceRE = regexp.MustCompile(`\bgc \d+ @[0-9.]+s .*?(\d+)->(\d+)->\d+ MB`)

func (g *gcTrace) line(s string) {
	for _, m := range gcTraceRE.FindAllStringSubmatch(s, -1) {
		a, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := strconv.ParseInt(m[2], 10, 64)
		g.mu.Lock()
		g.peak = max(g.peak, a, b)
		g.gcs++
		g.mu.Unlock()
	}
}

// result returns the peak heap in bytes and the number of GCs seen.
func (g *gcTrace) result() (int64, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak << 20, g.gcs
}

// vmHWM returns the peak resident set size of a process in bytes (Linux
// /proc/<pid>/status VmHWM), or 0 elsewhere.
func vmHWM(tb testing.TB, pid int) int64 {
	tb.Helper()
	if runtime.GOOS != "linux" {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatalf("read status of pid %d: %v", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatalf("parse VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	tb.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// generateS3BenchSet writes the set's objects one by one (streamed through
// gzip, so a 50 MB object is never in memory whole), uploads each under a
// valid CloudTrail key of one region folder, and removes the local file.
func generateS3BenchSet(b *testing.B, srv *s3Server, set s3BenchSet) s3BenchGenerated {
	b.Helper()
	gen := s3BenchGenerated{bucket: "bench-" + strings.ToLower(strings.ReplaceAll(set.name, "x", "-")), objects: set.objects}
	srv.createBucket(b, gen.bucket)
	dir := b.TempDir()
	const account, region = "111122223333", "us-east-1"
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for o := 0; o < set.objects; o++ {
		at := base.Add(time.Duration(o) * 5 * time.Minute)
		key := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_bench%06d.json.gz",
			account, region, at.Format("2006/01/02"), account, region, at.Format("20060102T1504Z"), o)
		path := filepath.Join(dir, fmt.Sprintf("obj%06d.json.gz", o))
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		cw := &countingWriter{w: f}
		zw, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
		bw := bufio.NewWriterSize(zw, 1<<16)
		raw := int64(0)
		write := func(p []byte) {
			if _, err := bw.Write(p); err != nil {
				b.Fatal(err)
			}
			raw += int64(len(p))
		}
		write([]byte(`{"Records":[`))
		for r := 0; ; r++ {
			last := (set.recordsEach > 0 && r == set.recordsEach-1) ||
				(set.recordsEach == 0 && raw >= set.bytesEach-2048)
			src, name := "s3.amazonaws.com", "GetObject"
			if last || r%set.personalizeEvery == 0 {
				src, name = personalizeSource, "DescribeDatasetImportJob"
				gen.personalize++
			}
			doc, err := json.Marshal(newCTRecord(account, region, src, name, at.Add(-time.Duration(r%600)*time.Second), newEventID(b)))
			if err != nil {
				b.Fatal(err)
			}
			if r > 0 {
				write([]byte{','})
			}
			write(doc)
			gen.records++
			if last {
				break
			}
		}
		write([]byte(`]}`))
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		gen.rawBytes += raw
		gen.gzBytes += cw.n
		srv.putFile(b, gen.bucket, key, path)
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
	}
	return gen
}

type countingWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
