// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// bulkSummary is what writeBulk wrote.
type bulkSummary struct {
	files, records, personalize int
	rawBytes, gzBytes           int64
}

// writeBulk writes a trail of about records records for benchmarks, with the
// mix and the file sizes of real trails: about perFile records per file (50
// by default, some files smaller or larger), 30 % of them Personalize calls
// (random operations from every identity), the rest other services' events,
// over three account/region folders (one an organization member), a file
// every five minutes per folder. Each file is built, written and dropped,
// so the trail's size is not bounded by memory. No digest or Insight files;
// manifest.tsv lists the files in order: key, records, Personalize records,
// JSON bytes, gzip bytes.
func writeBulk(out string, seed uint64, records, perFile int) (*bulkSummary, error) {
	// The default gzip level: about the ratio of delivered trails, and four
	// times faster to write than the examples' best compression.
	g := &gen{r: newRNG(seed), seed: seed, ids: map[string]bool{}, level: gzip.DefaultCompression}
	a1, a2, b := g.envs()
	actA := g.makeActors(acctA, "198.51.100.")
	actB := g.makeActors(acctB, "192.0.2.")
	type folder struct {
		e   *env
		act *actors
		org string
		ps  []*actor
	}
	callers := func(a *actors) []*actor {
		return []*actor{a.terraform, a.pipeline, a.webapp, a.webapp, a.webapp, a.lambda, a.lambda, a.console, a.sso, a.idc, a.federated}
	}
	folders := []folder{
		{e: a1, act: actA, ps: callers(actA)},
		{e: a2, act: actA, ps: callers(actA)},
		{e: b, act: actB, org: orgID, ps: callers(actB)},
	}
	if err := os.RemoveAll(filepath.Join(out, "AWSLogs")); err != nil {
		return nil, err
	}
	// manifest.tsv lists each file with its counts, so that a benchmark can
	// take a prefix of the trail (the files in order) of a known size.
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	man, err := os.Create(filepath.Join(out, "manifest.tsv"))
	if err != nil {
		return nil, err
	}
	defer man.Close()
	mw := bufio.NewWriter(man)
	sum := &bulkSummary{}
	start := time.Date(2026, 11, 20, 0, 5, 0, 0, time.UTC)
	for i := 0; sum.records < records; i++ {
		fo := folders[i%len(folders)]
		at := start.Add(time.Duration(i/len(folders)) * 5 * time.Minute)
		// Real files vary: 20 % small (a quiet five minutes), 10 % twice the size.
		n := perFile
		switch k := g.r.intn(10); {
		case k < 2:
			n = perFile/4 + g.r.intn(perFile/4+1)
		case k == 9:
			n = 2 * perFile
		default:
			n = perFile*3/4 + g.r.intn(perFile/2+1)
		}
		n = max(1, min(n, records-sum.records))
		f := g.newFile(fo.e.acct, fo.e.region, fo.org, "CloudTrail", at.Format("20060102T1504Z"))
		g.files = g.files[:0] // one file at a time
		np := (n*3 + 5) / 10
		for range np {
			op := operations[g.r.intn(len(operations))]
			g.p(f, fo.e, fo.ps[g.r.intn(len(fo.ps))], op.Name)
		}
		g.fill(f, fo.act, fo.e, n-np)
		g.finish(f)
		f.build(g)
		p := filepath.Join(out, filepath.FromSlash(f.key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, f.gz, 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(mw, "%s\t%d\t%d\t%d\t%d\n", f.key, n, np, len(f.raw), len(f.gz))
		sum.files++
		sum.records += n
		sum.personalize += np
		sum.rawBytes += int64(len(f.raw))
		sum.gzBytes += int64(len(f.gz))
		clear(g.ids) // event IDs are random UUIDs: unique without a set across files
	}
	if err := mw.Flush(); err != nil {
		return nil, err
	}
	return sum, man.Close()
}
