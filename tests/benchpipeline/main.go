// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Command benchpipeline is `make bench`: the cost of the whole pipeline,
// measured against the floor of decompressing the same files.
//
// On a trail written by internal/tools/gentrail -records (0.25x, 1x and 4x
// of a reference size, the smaller ones prefixes of the larger), it runs
//
//	(a) gzip -dc over the files (the floor);
//	(b) the pkg/cloudtrail decoder alone, default selection, body map and
//	    none, from gzip and from plain JSON;
//	(c) the built collector with config/elasticsearch.yaml: directory →
//	    elasticsearch_audit (ECS, synchronous) → tests/benchsink.Bulk, and
//	    (c') the same with a persistent sending queue;
//	(d) config/otlp.yaml with encoding json: directory → otlp_http →
//	    tests/benchsink.OTLP;
//	(e) S3 (versitygw) → elasticsearch_audit;
//
// each measured process pinned to one core (taskset, where it exists) while
// the sinks and this driver run on another. CPU is the process's utime+stime
// (from /proc when the last event arrived, which leaves out the shutdown;
// rusage elsewhere), peak RSS its VmHWM (or rusage maxrss). It prints one
// table and writes it into docs/performance.md between the bench markers.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/personalize-audit/otelcol-personalize/tests/benchsink"
)

type options struct {
	records  int
	sizes    []float64
	cases    map[string]bool
	bin      string
	gw       string
	work     string
	out      string
	core     int
	profile  string
	timeout  time.Duration
	repoRoot string
	ab       []string
	rounds   int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "decode" {
		decodeMain(os.Args[2:])
		return
	}
	var o options
	var sizes, cases string
	flag.IntVar(&o.records, "records", 300000, "records of the reference (1x) trail")
	flag.StringVar(&sizes, "sizes", "0.25,1,4", "trail sizes, as multiples of -records")
	flag.StringVar(&cases, "cases", "gzip,decoder,es,otlp,s3", "what to run: gzip, decoder, es, es-queue (es with a persistent sending queue), otlp, s3")
	flag.StringVar(&o.bin, "bin", "bin/otelcol-personalize", "the collector binary")
	flag.StringVar(&o.gw, "versitygw", "", "versitygw binary (the s3 case is skipped without it)")
	flag.StringVar(&o.work, "work", "build/bench", "directory for trails and run state (trails are kept and reused)")
	flag.StringVar(&o.out, "out", "docs/performance.md", "document to write the table into (\"\" for none)")
	flag.IntVar(&o.core, "core", 0, "the core the measured processes run on (-1: not pinned)")
	flag.StringVar(&o.profile, "profile", "", "instead of the table: a CPU profile of this case (es, otlp, s3) on the 1x trail, written to <work>/<case>.pprof, and its heap at the end to <work>/<case>.heap.pprof")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "longest a collector run may take")
	var ab string
	flag.StringVar(&ab, "ab", "", "instead of the table: comma-separated collector binaries run in turn (-rounds times) on the -cases collector cases at the 1x size; prints each one's best CPU and peak RSS, and the ratios to the first")
	flag.IntVar(&o.rounds, "rounds", 3, "with -ab: rounds")
	flag.Parse()
	if ab != "" {
		o.ab = strings.Split(ab, ",")
	}
	for _, s := range strings.Split(sizes, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f <= 0 {
			fatalf("bad -sizes %q", sizes)
		}
		o.sizes = append(o.sizes, f)
	}
	o.cases = map[string]bool{}
	for _, c := range strings.Split(cases, ",") {
		o.cases[strings.TrimSpace(c)] = true
	}
	var err error
	if o.repoRoot, err = os.Getwd(); err != nil {
		fatalf("%v", err)
	}
	if err := run(&o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchpipeline: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// result is one row of the table.
type result struct {
	what    string
	size    string
	records int64 // input records
	events  int64 // records out (selected / exported)
	bytes   int64 // decompressed JSON bytes
	wall    time.Duration
	cpu     time.Duration
	rss     int64 // bytes
	floor   *result
	note    string
}

func run(o *options) error {
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	largest := 0.0
	for _, s := range o.sizes {
		largest = max(largest, s)
	}
	full, err := trail(o, int(largest*float64(o.records)))
	if err != nil {
		return err
	}
	sets := make([]*trailSet, len(o.sizes))
	for i, s := range o.sizes {
		if sets[i], err = full.prefix(o.work, sizeLabel(s), int(s*float64(o.records))); err != nil {
			return err
		}
	}
	if len(o.ab) > 0 {
		for i, s := range o.sizes {
			if s == 1 || i == len(o.sizes)-1 {
				return abRuns(o, sets[i])
			}
		}
	}
	if o.profile != "" {
		for i, s := range o.sizes {
			if s == 1 || i == len(o.sizes)-1 {
				return profileCase(o, o.profile, sets[i])
			}
		}
	}
	var gw *versityGW
	if o.cases["s3"] {
		if o.gw == "" {
			logf("no -versitygw: the s3 case is skipped (make versitygw)")
			delete(o.cases, "s3")
		} else if gw, err = startVersityGW(o); err != nil {
			return err
		}
		defer gw.stop()
	}
	start := time.Now()
	var rows []*result
	for _, set := range sets {
		var floor *result
		if o.cases["gzip"] {
			if floor, err = gunzipCase(o, set); err != nil {
				return err
			}
			rows = append(rows, floor)
		}
		add := func(r *result, err error) error {
			if err != nil {
				return err
			}
			r.floor = floor
			rows = append(rows, r)
			logf("%-44s %s: %.2f CPU-s/M records, %.0f MiB", r.what, r.size, r.cpuPerM(), float64(r.rss)/(1<<20))
			return nil
		}
		if o.cases["decoder"] {
			for _, body := range []string{"map", "none"} {
				for _, plain := range []bool{false, true} {
					if err := add(decoderCase(o, set, body, plain)); err != nil {
						return err
					}
				}
			}
		}
		for _, c := range []string{"es", "es-queue", "otlp", "s3"} {
			if o.cases[c] {
				if err := add(collectorCase(o, c, set, gw, false)); err != nil {
					return err
				}
			}
		}
	}
	table := render(rows)
	fmt.Println(table)
	logf("all runs: %s", time.Since(start).Round(time.Second))
	if o.out != "" {
		return writeDoc(o.out, table)
	}
	return nil
}

func sizeLabel(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) + "x" }

func (r *result) cpuPerM() float64 {
	if r.records == 0 {
		return 0
	}
	return r.cpu.Seconds() / float64(r.records) * 1e6
}

func render(rows []*result) string {
	var b strings.Builder
	b.WriteString("| run | trail | input records | events | input records/s | events/s | MB/s | CPU-s per M input records | CPU ratio to (a) | wall/CPU | peak RSS MiB |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		sec := r.wall.Seconds()
		ratio := "1.00"
		if r.floor != nil && r.floor.cpuPerM() > 0 {
			ratio = fmt.Sprintf("%.2f", r.cpuPerM()/r.floor.cpuPerM())
		} else if r.floor == nil && !strings.HasPrefix(r.what, "(a)") {
			ratio = "–"
		}
		wc := "–"
		if r.cpu > 0 && strings.HasPrefix(r.what, "(") && r.what[1] >= 'c' {
			wc = fmt.Sprintf("%.2f", sec/r.cpu.Seconds())
		}
		what := r.what
		if r.note != "" {
			what += " (" + r.note + ")"
		}
		rss := "–"
		if r.rss > 0 {
			rss = fmt.Sprintf("%.0f", float64(r.rss)/(1<<20))
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.0f | %.0f | %.1f | %.2f | %s | %s | %s |\n",
			what, r.size, r.records, r.events, float64(r.records)/sec, float64(r.events)/sec,
			float64(r.bytes)/sec/1e6, r.cpuPerM(), ratio, wc, rss)
	}
	return b.String()
}

const (
	beginMarker = "<!-- make bench: begin (written by tests/benchpipeline) -->"
	endMarker   = "<!-- make bench: end -->"
)

// writeDoc replaces the part of the document between the markers (or
// appends it) with the table and what it was measured on.
func writeDoc(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var b strings.Builder
	b.WriteString(beginMarker + "\n\n")
	fmt.Fprintf(&b, "Measured %s on %s, %d cores (%s/%s, %s); the measured process pinned to one core. "+
		"The machine is shared: compare ratios within this table, not absolute figures across runs.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), cpuModel(), cpuCount(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	b.WriteString(table)
	b.WriteString("\n" + endMarker)
	doc := string(old)
	i, j := strings.Index(doc, beginMarker), strings.Index(doc, endMarker)
	switch {
	case i >= 0 && j > i:
		doc = doc[:i] + b.String() + doc[j+len(endMarker):]
	case doc == "":
		doc = "# Performance\n\n" + b.String() + "\n"
	default:
		doc = strings.TrimRight(doc, "\n") + "\n\n" + b.String() + "\n"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// cpuCount is the machine's cores, not this process's (which is pinned).
func cpuCount() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	n := strings.Count(string(data), "\nprocessor\t") + map[bool]int{true: 1}[strings.HasPrefix(string(data), "processor\t")]
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}

// ---------------------------------------------------------------------------
// Trails.

// trailSet is a trail: files under dir, in manifest order.
type trailSet struct {
	label       string
	dir         string
	keys        []string
	records     int64
	personalize int64
	raw, gz     int64
}

type manifestRow struct {
	key                  string
	records, personalize int64
	raw, gz              int64
}

// fullTrail is the largest trail, from which the others are prefixes.
type fullTrail struct {
	dir  string
	rows []manifestRow
}

// trail returns a gentrail trail of n records, generating it once.
func trail(o *options, n int) (*fullTrail, error) {
	dir := filepath.Join(o.work, fmt.Sprintf("trail-%d", n))
	man := filepath.Join(dir, "manifest.tsv")
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		logf("writing a %d-record trail into %s (once; kept for later runs)", n, dir)
		cmd := exec.Command("go", "run", "./internal/tools/gentrail", "-out", dir, "-records", strconv.Itoa(n))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("gentrail: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(man)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t := &fullTrail{dir: dir}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 5 {
			return nil, fmt.Errorf("%s: bad line %q", man, sc.Text())
		}
		r := manifestRow{key: p[0]}
		for i, dst := range []*int64{&r.records, &r.personalize, &r.raw, &r.gz} {
			if *dst, err = strconv.ParseInt(p[i+1], 10, 64); err != nil {
				return nil, fmt.Errorf("%s: %w", man, err)
			}
		}
		t.rows = append(t.rows, r)
	}
	return t, sc.Err()
}

// prefix is the trail's first files holding at least n records, hard-linked
// (or copied) into their own directory, for the directory source.
func (t *fullTrail) prefix(work, label string, n int) (*trailSet, error) {
	s := &trailSet{label: label, dir: filepath.Join(work, "set-"+label)}
	for _, r := range t.rows {
		if s.records >= int64(n) {
			break
		}
		s.keys = append(s.keys, r.key)
		s.records += r.records
		s.personalize += r.personalize
		s.raw += r.raw
		s.gz += r.gz
	}
	stamp := fmt.Sprintf("%s %d %d\n", t.dir, len(s.keys), s.records)
	if old, err := os.ReadFile(filepath.Join(s.dir, ".complete")); err == nil && string(old) == stamp {
		return s, nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return nil, err
	}
	for _, k := range s.keys {
		if err := link(filepath.Join(t.dir, k), filepath.Join(s.dir, k)); err != nil {
			return nil, err
		}
	}
	return s, os.WriteFile(filepath.Join(s.dir, ".complete"), []byte(stamp), 0o644)
}

func link(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func (s *trailSet) paths() []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = filepath.Join(s.dir, k)
	}
	return out
}

// ---------------------------------------------------------------------------
// Processes.

// pinned returns the command for name and args, on core (when taskset is
// there and core >= 0).
func pinned(core int, name string, args ...string) *exec.Cmd {
	if core >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			return exec.Command(ts, append([]string{"-c", strconv.Itoa(core), name}, args...)...)
		}
	}
	return exec.Command(name, args...)
}

// usage is a finished process's CPU time and peak RSS from its rusage
// (which includes the children it waited for).
func usage(ps *os.ProcessState) (time.Duration, int64) {
	cpu := ps.UserTime() + ps.SystemTime()
	var rss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) << 10 // KiB on Linux
	}
	return cpu, rss
}

// procUsage is a running process's CPU time and peak RSS from /proc.
func procUsage(pid int) (time.Duration, int64, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// Fields after the command name (which is in parentheses).
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	cpu := time.Duration(ut+st) * time.Second / clkTck
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, false
	}
	var rss int64
	for _, l := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			rss = kb << 10
		}
	}
	return cpu, rss, true
}

// gunzipCase is (a): gzip -dc over every file of the set.
func gunzipCase(o *options, s *trailSet) (*result, error) {
	var list bytes.Buffer
	for _, p := range s.paths() {
		list.WriteString(p)
		list.WriteByte(0)
	}
	cmd := pinned(o.core, "xargs", "-0", "-n", "256", "gzip", "-dc")
	cmd.Stdin = &list
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	cmd.Stdout, cmd.Stderr = devnull, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gzip -dc: %w", err)
	}
	r := &result{what: "(a) gzip -dc", size: s.label, records: s.records, bytes: s.raw, wall: time.Since(start)}
	// No peak RSS: rusage's maxrss of a child counts this process's
	// resident set at the fork, and gzip ends before /proc can be read.
	r.cpu, _ = usage(cmd.ProcessState)
	logf("%-44s %s: %.2f CPU-s/M records", r.what, r.size, r.cpuPerM())
	return r, nil
}

// decoderCase is (b): this program's decode mode over the set's files, in
// its own pinned process.
func decoderCase(o *options, s *trailSet, body string, plain bool) (*result, error) {
	list := filepath.Join(o.work, "list-"+s.label+".txt")
	if err := os.WriteFile(list, []byte(strings.Join(s.paths(), "\n")), 0o644); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := pinned(o.core, self, "decode", "-list", list, "-body", body, "-plain="+strconv.FormatBool(plain))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var d decodeResult
	if err := json.Unmarshal(out, &d); err != nil {
		return nil, fmt.Errorf("decode: %w: %q", err, out)
	}
	in := "gzip"
	if plain {
		in = "plain"
	}
	r := &result{what: fmt.Sprintf("(b) decoder, body %s, %s", body, in), size: s.label, records: d.Records, events: d.Selected,
		bytes: d.Bytes, wall: time.Duration(d.WallNS), cpu: time.Duration(d.CPUNS), rss: d.PeakRSS}
	return r, nil
}

// ---------------------------------------------------------------------------
// The collector.

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type sink interface {
	http.Handler
	Events() int64
	Requests() int64
	Bad() int64
}

func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}

// collectorConfig is the shipped configuration of the case with what a
// benchmark must change: the health check's and pprof's ports, the
// collector's own metrics off (no fixed port), JSON for OTLP, and the S3
// receiver pointed at versitygw.
func collectorConfig(o *options, c, healthAddr, pprofAddr string, gw *versityGW) (string, error) {
	shipped := map[string]string{"es": "config/elasticsearch.yaml", "es-queue": "config/elasticsearch.yaml", "otlp": "config/otlp.yaml", "s3": "config/elasticsearch.yaml"}[c]
	cfg, err := readYAML(filepath.Join(o.repoRoot, shipped))
	if err != nil {
		return "", err
	}
	set := func(v any, path ...string) {
		m := cfg
		for _, k := range path[:len(path)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[path[len(path)-1]] = v
	}
	set(healthAddr, "extensions", "health_check", "endpoint")
	set("none", "service", "telemetry", "metrics", "level")
	set("warn", "service", "telemetry", "logs", "level")
	if pprofAddr != "" {
		set(pprofAddr, "extensions", "pprof", "endpoint")
		svc := cfg["service"].(map[string]any)
		svc["extensions"] = append(svc["extensions"].([]any), "pprof")
	}
	switch c {
	case "es-queue":
		// What the persistent sending queue the shipped configuration left
		// for synchronous export (issue 13's crash tests) would cost.
		set(true, "exporters", "elasticsearch_audit", "sending_queue", "enabled")
		set("file_storage", "exporters", "elasticsearch_audit", "sending_queue", "storage")
	case "otlp":
		set("json", "exporters", "otlp_http", "encoding")
	case "s3":
		s3cfg, err := readYAML(filepath.Join(o.repoRoot, "config/s3.yaml"))
		if err != nil {
			return "", err
		}
		rcv := s3cfg["receivers"].(map[string]any)["cloudtrail"].(map[string]any)
		s3 := rcv["s3"].(map[string]any)
		s3["region"] = "us-east-1"
		s3["endpoint"] = gw.endpoint
		s3["force_path_style"] = true
		cfg["receivers"].(map[string]any)["cloudtrail"] = rcv
	}
	out, err := yaml.Marshal(cfg)
	return string(out), err
}

func readYAML(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, yaml.Unmarshal(data, &m)
}

var caseNames = map[string]string{
	"es":       "(c) collector: directory → elasticsearch_audit",
	"es-queue": "(c') the same with a persistent sending queue",
	"otlp":     "(d) collector: directory → otlp_http (JSON)",
	"s3":       "(e) collector: S3 (versitygw) → elasticsearch_audit",
}

// collector is a started collector run.
type collector struct {
	cmd     *exec.Cmd
	done    chan struct{}
	sink    sink
	stopAll []func()
	start   time.Time
	pprof   string
}

func startCollector(o *options, c string, s *trailSet, gw *versityGW, profile bool) (*collector, error) {
	var sk sink
	if c == "otlp" {
		sk = benchsink.NewOTLP()
	} else {
		sk = benchsink.NewBulk()
	}
	url, stopSink, err := serve(sk)
	if err != nil {
		return nil, err
	}
	col := &collector{sink: sk, stopAll: []func(){stopSink}, done: make(chan struct{})}
	healthAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if profile {
		if col.pprof, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	cfg, err := collectorConfig(o, c, healthAddr, col.pprof, gw)
	if err != nil {
		return nil, err
	}
	runDir, err := os.MkdirTemp(o.work, "run-"+c+"-")
	if err != nil {
		return nil, err
	}
	col.stopAll = append(col.stopAll, func() { _ = os.RemoveAll(runDir) })
	cfgPath := filepath.Join(runDir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"STORAGE_DIR="+filepath.Join(runDir, "storage"),
		"CLOUDTRAIL_DIR="+s.dir,
		"ELASTICSEARCH_URL="+url, "ELASTICSEARCH_API_KEY=YmVuY2g6YmVuY2g=",
		"OTLP_ENDPOINT="+url)
	if c == "s3" {
		bucket, err := gw.bucket(s)
		if err != nil {
			return nil, err
		}
		env = append(env, "CLOUDTRAIL_BUCKET="+bucket, "AWS_ACCESS_KEY_ID="+gwAccess, "AWS_SECRET_ACCESS_KEY="+gwSecret,
			"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	}
	logPath := filepath.Join(o.work, "collector-"+c+"-"+s.label+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	col.cmd = pinned(o.core, o.repoRoot+"/"+o.bin, "--config", cfgPath)
	if filepath.IsAbs(o.bin) {
		col.cmd = pinned(o.core, o.bin, "--config", cfgPath)
	}
	col.cmd.Env = env
	col.cmd.Stdout, col.cmd.Stderr = logFile, logFile
	col.start = time.Now()
	if err := col.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = col.cmd.Wait()
		logFile.Close()
		close(col.done)
	}()
	return col, nil
}

// wait waits for n events at the sink; it returns the process's CPU and
// peak RSS at that moment.
func (col *collector) wait(n int64, timeout time.Duration) (time.Duration, time.Duration, int64, error) {
	deadline := time.Now().Add(timeout)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for col.sink.Events() < n {
		select {
		case <-col.done:
			return 0, 0, 0, fmt.Errorf("the collector exited after %d of %d events (%v)", col.sink.Events(), n, col.cmd.ProcessState)
		case <-t.C:
		}
		if time.Now().After(deadline) {
			return 0, 0, 0, fmt.Errorf("only %d of %d events after %s", col.sink.Events(), n, timeout)
		}
	}
	wall := time.Since(col.start)
	cpu, rss, ok := procUsage(col.cmd.Process.Pid)
	if !ok { // no /proc: rusage after the stop (includes the shutdown)
		col.stop()
		cpu, rss = usage(col.cmd.ProcessState)
	}
	return wall, cpu, rss, nil
}

func (col *collector) stop() {
	select {
	case <-col.done:
	default:
		_ = col.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-col.done:
		case <-time.After(30 * time.Second):
			_ = col.cmd.Process.Kill()
			<-col.done
		}
	}
	for i := len(col.stopAll) - 1; i >= 0; i-- {
		col.stopAll[i]()
	}
	col.stopAll = nil
}

func collectorCase(o *options, c string, s *trailSet, gw *versityGW, profile bool) (*result, error) {
	col, err := startCollector(o, c, s, gw, profile)
	if err != nil {
		return nil, err
	}
	defer col.stop()
	wall, cpu, rss, err := col.wait(s.personalize, o.timeout)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w (log in %s)", c, s.label, err, o.work)
	}
	r := &result{what: caseNames[c], size: s.label, records: s.records, events: col.sink.Events(), bytes: s.raw, wall: wall, cpu: cpu, rss: rss}
	if bad := col.sink.Bad(); bad > 0 {
		return nil, fmt.Errorf("%s on %s: the sink refused %d requests", c, s.label, bad)
	}
	r.note = fmt.Sprintf("%d requests", col.sink.Requests())
	return r, nil
}

// fetch writes the body of a GET to path.
func fetch(url, path string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// profileCase runs one case with the pprof extension and writes a CPU
// profile of the whole run and a heap profile at its end.
func profileCase(o *options, c string, s *trailSet) error {
	var gw *versityGW
	if c == "s3" {
		var err error
		if gw, err = startVersityGW(o); err != nil {
			return err
		}
		defer gw.stop()
	}
	col, err := startCollector(o, c, s, gw, true)
	if err != nil {
		return err
	}
	defer col.stop()
	path := filepath.Join(o.work, c+".pprof")
	// Started before the data flows and long enough for the whole run.
	var profErr error
	got := make(chan struct{})
	go func() {
		defer close(got)
		for i := 0; ; i++ {
			res, err := http.Get("http://" + col.pprof + "/debug/pprof/profile?seconds=" + strconv.Itoa(int(o.timeout.Seconds()/10)))
			if err != nil {
				if i < 100 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				profErr = err
				return
			}
			defer res.Body.Close()
			f, err := os.Create(path)
			if err != nil {
				profErr = err
				return
			}
			_, profErr = io.Copy(f, res.Body)
			f.Close()
			return
		}
	}()
	wall, cpu, _, err := col.wait(s.personalize, o.timeout)
	if err != nil {
		return err
	}
	logf("%s on %s: %s wall, %s CPU (%.2f CPU-s/M records); waiting for the profile", c, s.label, wall.Round(time.Millisecond), cpu, cpu.Seconds()/float64(s.records)*1e6)
	// The heap at the end of the run: what the collector still holds once
	// the whole trail went through (what peak RSS grows with).
	if err := fetch("http://"+col.pprof+"/debug/pprof/heap?gc=1", filepath.Join(o.work, c+".heap.pprof")); err != nil {
		return err
	}
	<-got
	if profErr != nil {
		return profErr
	}
	logf("wrote %s (go tool pprof -top %s %s)", path, o.bin, path)
	return nil
}

// ---------------------------------------------------------------------------
// versitygw: the set's files are hard-linked into its POSIX backend, one
// bucket per set (listing and GET are what the receiver does; uploading
// 25,000 objects first would only slow the benchmark down).

const (
	gwAccess = "benchaccess"
	gwSecret = "benchsecretbenchsecret"
)

type versityGW struct {
	cmd      *exec.Cmd
	root     string
	endpoint string
	done     chan struct{}
}

func startVersityGW(o *options) (*versityGW, error) {
	root := filepath.Join(o.work, "s3")
	if err := os.RemoveAll(root); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	other := -1
	if o.core >= 0 && cpuCount() > 1 {
		other = (o.core + 1) % cpuCount()
	}
	gw := &versityGW{root: root, endpoint: "http://" + addr, done: make(chan struct{})}
	gw.cmd = pinned(other, o.gw, "--quiet", "--access", gwAccess, "--secret", gwSecret, "--port", addr, "posix", root)
	logFile, err := os.Create(filepath.Join(o.work, "versitygw.log"))
	if err != nil {
		return nil, err
	}
	gw.cmd.Stdout, gw.cmd.Stderr = logFile, logFile
	if err := gw.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = gw.cmd.Wait(); logFile.Close(); close(gw.done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		res, err := http.Get(gw.endpoint + "/")
		if err == nil {
			res.Body.Close()
			return gw, nil
		}
		select {
		case <-gw.done:
			return nil, errors.New("versitygw exited at start (see build/bench/versitygw.log)")
		case <-ctx.Done():
			gw.stop()
			return nil, fmt.Errorf("versitygw not answering: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// bucket makes the set's bucket: a directory of the backend.
func (gw *versityGW) bucket(s *trailSet) (string, error) {
	name := "bench-" + strings.NewReplacer(".", "-", "x", "").Replace(s.label) + "x"
	dir := filepath.Join(gw.root, name)
	if _, err := os.Stat(dir); err == nil {
		return name, nil
	}
	for _, k := range s.keys {
		if err := link(filepath.Join(s.dir, k), filepath.Join(dir, k)); err != nil {
			return "", err
		}
	}
	return name, nil
}

func (gw *versityGW) stop() {
	if gw == nil {
		return
	}
	_ = gw.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-gw.done:
	case <-time.After(10 * time.Second):
		_ = gw.cmd.Process.Kill()
		<-gw.done
	}
}

// abRuns runs each binary in turn on each collector case, rounds times, and
// prints the best CPU (and the peak RSS of that run) per binary with its
// ratio to the first: interleaved best-of-N, the way internal/tools/bench-ab.sh
// compares Go benchmarks on a shared machine.
func abRuns(o *options, s *trailSet) error {
	var gw *versityGW
	if o.cases["s3"] {
		var err error
		if gw, err = startVersityGW(o); err != nil {
			return err
		}
		defer gw.stop()
	}
	bins := o.ab
	type best struct {
		cpu, wall time.Duration
		rss       int64
	}
	results := map[string]map[string]*best{}
	var cases []string
	for _, c := range []string{"es", "es-queue", "otlp", "s3"} {
		if o.cases[c] {
			cases = append(cases, c)
			results[c] = map[string]*best{}
		}
	}
	for round := 0; round < o.rounds; round++ {
		for _, c := range cases {
			for _, bin := range bins {
				oo := *o
				oo.bin = bin
				r, err := collectorCase(&oo, c, s, gw, false)
				if err != nil {
					return fmt.Errorf("%s: %w", bin, err)
				}
				logf("round %d %-5s %-40s %.2f CPU-s/M records, wall/CPU %.2f, %.0f MiB", round+1, c, bin, r.cpuPerM(), r.wall.Seconds()/r.cpu.Seconds(), float64(r.rss)/(1<<20))
				b := results[c][bin]
				if b == nil || r.cpu < b.cpu {
					results[c][bin] = &best{cpu: r.cpu, wall: r.wall, rss: r.rss}
				}
			}
		}
	}
	fmt.Printf("| case (%s trail, best of %d, interleaved) | binary | CPU-s per M input records | CPU ratio to %s | wall/CPU | peak RSS MiB |\n|---|---|--:|--:|--:|--:|\n", s.label, o.rounds, filepath.Base(bins[0]))
	for _, c := range cases {
		base := results[c][bins[0]]
		for _, bin := range bins {
			b := results[c][bin]
			fmt.Printf("| %s | %s | %.2f | %.2f | %.2f | %.0f |\n", c, filepath.Base(bin), b.cpu.Seconds()/float64(s.records)*1e6,
				b.cpu.Seconds()/base.cpu.Seconds(), b.wall.Seconds()/b.cpu.Seconds(), float64(b.rss)/(1<<20))
		}
	}
	return nil
}
