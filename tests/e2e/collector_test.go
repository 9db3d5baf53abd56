// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	envBinary   = "OTELCOL_BIN"
	envRequired = "E2E_REQUIRED"
	envSkip     = "E2E_SKIP"

	modulePath = "github.com/personalize-audit/otelcol-personalize"
	binaryName = "otelcol-personalize"

	readyTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

func e2eRequired() bool { return os.Getenv(envRequired) == "1" }

// repoRoot finds the root of this Go module by walking up from the test's
// working directory (the package directory) to the go.mod that declares it.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("could not find the root of module %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// collectorBinary returns the path of the distribution binary: $OTELCOL_BIN,
// else <repo>/bin/otelcol-personalize. When it does not exist the test is
// skipped, or failed when E2E_REQUIRED=1.
func collectorBinary(t testing.TB) string {
	t.Helper()
	if os.Getenv(envSkip) == "1" && !e2eRequired() {
		t.Skipf("%s=1: end-to-end tests skipped (they run in the e2e step of `make test`)", envSkip)
	}
	bin := os.Getenv(envBinary)
	source := "$" + envBinary
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "bin", binaryName)
		source = "default location"
	}
	abs, err := filepath.Abs(bin)
	if err == nil {
		bin = abs
	}
	fi, err := os.Stat(bin)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0:
		return bin
	case err == nil:
		err = fmt.Errorf("not an executable file (mode %v)", fi.Mode())
	}
	msg := fmt.Sprintf("collector binary %s (%s) is not usable: %v; build it with `make build` or point %s at one",
		bin, source, err, envBinary)
	if e2eRequired() {
		t.Fatalf("%s=1: %s", envRequired, msg)
	}
	t.Skipf("skipping end-to-end test: %s (set %s=1 to make this a failure)", msg, envRequired)
	return ""
}

// freeLoopbackAddr returns a 127.0.0.1:port that was free a moment ago.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("close listener: %v", err)
	}
	return addr
}

// yamlString quotes s as a YAML double-quoted scalar (JSON strings are valid ones).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// collector is one run of the distribution binary.
type collector struct {
	t          testing.TB
	name       string
	cmd        *exec.Cmd
	healthAddr string
	done       chan struct{} // closed when the process has exited and its output is drained
	waitErr    error         // valid after done is closed
	stopped    atomic.Bool
}

// startCollector writes configYAML to a file in a temp dir and starts the
// binary on it, with its stdout/stderr copied to the test log. It waits until
// the health_check extension, which configYAML must configure on healthAddr,
// answers 200. The process is killed at the end of the test if still running.
func startCollector(t testing.TB, bin, name, configYAML, healthAddr string) *collector {
	t.Helper()
	return startCollectorWith(t, bin, name, configYAML, healthAddr, nil)
}

// startCollectorWith is startCollector with onLine (when not nil) given each
// line of the process's output as well (BenchmarkS3Source reads the Go
// runtime's GC trace from it), and flags after --config.
func startCollectorWith(t testing.TB, bin, name, configYAML, healthAddr string, onLine func(string), flags ...string) *collector {
	t.Helper()
	c := launchCollector(t, bin, name, configYAML, healthAddr, onLine, flags...)
	c.waitReady(readyTimeout)
	return c
}

// launchCollector is startCollectorWith without the wait for readiness: the
// crash tests kill some runs while they are still starting.
func launchCollector(t testing.TB, bin, name, configYAML, healthAddr string, onLine func(string), flags ...string) *collector {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	t.Logf("[%s] config %s:\n%s", name, cfgPath, configYAML)

	out := &lineLogger{t: t, prefix: "[" + name + "] ", onLine: onLine}
	cmd := exec.Command(bin, append([]string{"--config", cfgPath}, flags...)...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	c := &collector{t: t, name: name, cmd: cmd, healthAddr: healthAddr, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait() // also waits for the output copying to finish
		out.flush()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
			return
		default:
		}
		t.Logf("[%s] still running at the end of the test: killing it", name)
		_ = cmd.Process.Kill()
		<-c.done
	})
	return c
}

func (c *collector) waitReady(timeout time.Duration) {
	c.t.Helper()
	url := "http://" + c.healthAddr + "/"
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			c.t.Fatalf("[%s] collector exited before becoming ready: %v (see its log above)", c.name, c.waitErr)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.t.Logf("[%s] ready (pid %d)", c.name, c.cmd.Process.Pid)
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("[%s] collector not ready after %v (health check %s: %s)", c.name, timeout, url, last)
}

// stop sends SIGTERM and waits for a clean exit; it fails the test when the
// process does not exit in time or exits with an error.
func (c *collector) stop() {
	c.t.Helper()
	if !c.stopped.CompareAndSwap(false, true) {
		return
	}
	select {
	case <-c.done:
		c.t.Fatalf("[%s] collector had already exited: %v", c.name, c.waitErr)
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatalf("[%s] SIGTERM: %v", c.name, err)
	}
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		c.t.Fatalf("[%s] collector did not exit within %v of SIGTERM; killed", c.name, stopTimeout)
	}
	if c.waitErr != nil {
		c.t.Fatalf("[%s] collector exited with an error after SIGTERM: %v", c.name, c.waitErr)
	}
	c.t.Logf("[%s] stopped cleanly", c.name)
}

// kill sends SIGKILL, as a crash or the OOM killer would: no shutdown code
// runs. It waits until the process is gone and its output drained; the
// end-of-test cleanup then leaves it alone.
func (c *collector) kill() {
	c.t.Helper()
	c.stopped.Store(true)
	if err := c.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		c.t.Fatalf("[%s] SIGKILL: %v", c.name, err)
	}
	<-c.done
	c.t.Logf("[%s] killed (%v)", c.name, c.waitErr)
}

// waitUntil polls cond every 20 ms until it holds, failing with state()
// after timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not done after %v: %s", timeout, state())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lineLogger copies a process's output into the test log, line by line.
type lineLogger struct {
	t      testing.TB
	prefix string
	onLine func(string) // optional
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(l.buf[:i]), "\r")
		if l.onLine != nil {
			l.onLine(line)
		}
		l.t.Log(l.prefix + line)
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		if l.onLine != nil {
			l.onLine(string(l.buf))
		}
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}

// copyExamples copies the bundled examples/ into a fresh directory (the
// collector may be given new files there) and returns it with what the
// oracle expects from it.
func copyExamples(t testing.TB) (string, oracleReport) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bucket")
	copyTree(t, filepath.Join(repoRoot(t), "examples"), dir)
	return dir, personalizeOracle(t, dir)
}

// personalizeOracle is the oracle's view of dir's Personalize events; a
// directory without any fails the test, which would have nothing to check.
func personalizeOracle(t testing.TB, dir string) oracleReport {
	t.Helper()
	rep, err := cloudTrailOracle(dir, personalizeSource)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if len(rep.Events) == 0 {
		t.Fatalf("%s holds no %s events: nothing to test", dir, personalizeSource)
	}
	return rep
}

// copyTree copies the regular files and directories of src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(path, target)
		default:
			return nil // symlinks and other special files are not copied
		}
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}
