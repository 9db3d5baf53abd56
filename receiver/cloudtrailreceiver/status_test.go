package cloudtrailreceiver

import (
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// statusHost is a host that records the component statuses reported to it.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

var _ componentstatus.Reporter = (*statusHost)(nil)

func newStatusHost() *statusHost { return &statusHost{Host: componenttest.NewNopHost()} }

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *statusHost) statuses() []componentstatus.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]componentstatus.Status, len(h.events))
	for i, ev := range h.events {
		out[i] = ev.Status()
	}
	return out
}

func (h *statusHost) last() *componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return nil
	}
	return h.events[len(h.events)-1]
}

func (h *statusHost) waitFor(t *testing.T, want componentstatus.Status) *componentstatus.Event {
	t.Helper()
	require.Eventually(t, func() bool { ev := h.last(); return ev != nil && ev.Status() == want },
		waitTimeout, 5*time.Millisecond, "status %v never reported; got %v", want, h.statuses())
	return h.last()
}

// TestStatusDirectoryUnreadable: a directory that cannot be listed makes the
// receiver report a recoverable error naming it, and OK once it can be
// listed again; a failure that lasts is reported once.
func TestStatusDirectoryUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trail")
	require.NoError(t, os.Mkdir(dir, 0o755))
	host := newStatusHost()
	rec := newRecorder()
	h := start(t, testConfig(dir), rec, host)
	h.settle()
	assert.Empty(t, host.statuses(), "a healthy source reports nothing over the collector's own OK")

	require.NoError(t, os.Remove(dir))
	ev := host.waitFor(t, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), dir)
	h.settle()
	failing := host.statuses()
	h.settle()
	// One report while it lasts (a poll under way when the directory went
	// may report a partial failure first).
	assert.Equal(t, failing, host.statuses(), "reported once while it lasts: %v", host.errs())
	for _, st := range failing {
		assert.Equal(t, componentstatus.StatusRecoverableError, st)
	}

	recs, want := mixed("st", 3)
	writeFile(t, dir, "a.json", ctFile(recs...))
	host.waitFor(t, componentstatus.StatusOK)
	require.Eventually(t, func() bool { return len(rec.accepted()) == len(want) }, waitTimeout, 5*time.Millisecond)
	assert.Equal(t, append(failing, componentstatus.StatusOK), host.statuses())
}

// TestStatusS3AccessDenied: an S3 object that cannot be read (access denied)
// is a recoverable error until it is read, then the status is OK again.
func TestStatusS3AccessDenied(t *testing.T) {
	fs3 := newFakeS3(t)
	key := ctKey("", "", acctA, "us-east-1", day1, "denied0000000001")
	want := fs3.putLog(key, 3)
	fs3.setFault(key, http.StatusForbidden)
	host := newStatusHost()
	rec := newRecorder()
	start(t, s3TestConfig(fs3.url), rec, host)

	ev := host.waitFor(t, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), key)
	assert.Empty(t, rec.accepted())

	fs3.setFault(key, 0)
	host.waitFor(t, componentstatus.StatusOK)
	require.Eventually(t, func() bool { return len(rec.accepted()) == len(want) }, waitTimeout, 5*time.Millisecond)
	requireExactlyOnce(t, want, rec.accepted())
}

// TestStatusS3Unreachable: an S3 endpoint nobody answers at is a
// recoverable error.
func TestStatusS3Unreachable(t *testing.T) {
	newFakeS3(t)                              // for its test credentials
	cfg := s3TestConfig("http://127.0.0.1:1") // a port nothing listens on
	host := newStatusHost()
	start(t, cfg, newRecorder(), host)
	ev := host.waitFor(t, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), "127.0.0.1:1")
}

func (h *statusHost) errs() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []error
	for _, ev := range h.events {
		out = append(out, ev.Err())
	}
	return out
}
