// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDemoPrintsOneLinePerCall runs what `make run` runs (config/demo.yaml
// from the repo root) and checks what a newcomer sees: on stdout one line per
// Personalize event of examples/ (time, account, region, user, operation,
// resource, outcome), matching the oracle's events, and on stderr only a
// screenful of log lines.
func TestDemoPrintsOneLinePerCall(t *testing.T) {
	bin := collectorBinary(t)
	root := repoRoot(t)
	rep := personalizeOracle(t, filepath.Join(root, "examples"))
	want := map[string]int{}
	for _, ev := range rep.Events {
		want[demoKey(ev.EventTime.UTC().Format(time.RFC3339), ev.AccountID, ev.Region, ev.EventName, outcome(ev.ErrorCode))]++
	}

	cmd := exec.Command(bin, "--config", filepath.Join("config", "demo.yaml"))
	cmd.Dir = root
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		out, log []string
		wg       sync.WaitGroup
	)
	collect := func(r *bufio.Scanner, into *[]string) {
		defer wg.Done()
		for r.Scan() {
			mu.Lock()
			*into = append(*into, r.Text())
			mu.Unlock()
		}
	}
	wg.Add(2)
	go collect(bufio.NewScanner(stdout), &out)
	go collect(bufio.NewScanner(stderr), &log)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	waitUntil(t, deliverTimeout, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(out) >= len(rep.Events)
	}, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%d of %d lines printed; log:\n%s", len(out), len(rep.Events), strings.Join(log, "\n"))
	})
	time.Sleep(settle) // strays and duplicates would come now
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	err = cmd.Wait()
	stopped = true
	for _, l := range log {
		t.Logf("[demo stderr] %s", l)
	}
	if err != nil {
		t.Fatalf("demo exited with %v after Ctrl-C", err)
	}

	got := map[string]int{}
	for _, line := range out {
		f := strings.Fields(line)
		if len(f) == 8 && strings.HasPrefix(f[7], "(") { // failure (Code)
			f = append(f[:6], f[6]+" "+f[7])
		}
		if len(f) != 7 {
			t.Errorf("line %q: %d columns, want time account region user operation resource outcome", line, len(f))
			continue
		}
		if _, err := time.Parse(time.RFC3339, f[0]); err != nil {
			t.Errorf("line %q: time %q is not RFC 3339", line, f[0])
		}
		got[demoKey(f[0], f[1], f[2], f[4], f[6])]++
	}
	var diff []string
	for k, n := range want {
		if got[k] != n {
			diff = append(diff, fmt.Sprintf("%s: printed %d, want %d", k, got[k], n))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("%s: printed %d, not an event of examples/", k, n))
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("the lines do not match the events of examples/:\n%s", strings.Join(head(diff, 20), "\n"))
	}
	if len(out) != len(rep.Events) {
		t.Errorf("%d lines for %d events", len(out), len(rep.Events))
	}
	// Start-up, a summary and shutdown, not a debug dump: a screenful.
	if len(log) > 25 {
		t.Errorf("%d log lines on stderr, want a screenful (at most 25)", len(log))
	}
}

func demoKey(when, account, region, operation, outcome string) string {
	return strings.Join([]string{when, account, region, operation, outcome}, " ")
}

func outcome(errorCode string) string {
	if errorCode == "" {
		return "success"
	}
	return "failure (" + errorCode + ")"
}
