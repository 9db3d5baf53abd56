// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/personalize-audit/otelcol-personalize/internal/statustest"
)

// waitForStatus waits until the latest status reported to h is want.
func waitForStatus(t *testing.T, h *statustest.Host, want componentstatus.Status) *componentstatus.Event {
	t.Helper()
	require.Eventually(t, func() bool { ev := h.Last(); return ev != nil && ev.Status() == want },
		waitTimeout, 5*time.Millisecond, "status %v never reported; got %v", want, h.Statuses())
	return h.Last()
}

// TestStatusDirectoryUnreadable: a directory that cannot be listed makes the
// receiver report a recoverable error naming it, and OK once it can be
// listed again; a failure that lasts is reported once.
func TestStatusDirectoryUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trail")
	require.NoError(t, os.Mkdir(dir, 0o755))
	host := statustest.NewHost()
	rec := newRecorder()
	h := start(t, testConfig(dir), rec, host)
	h.settle()
	assert.Empty(t, host.Statuses(), "a healthy source reports nothing over the collector's own OK")

	require.NoError(t, os.Remove(dir))
	ev := waitForStatus(t, host, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), dir)
	h.settle()
	failing := host.Statuses()
	h.settle()
	// One report while it lasts (a poll under way when the directory went
	// may report a partial failure first).
	assert.Equal(t, failing, host.Statuses(), "reported once while it lasts: %v", host.Errs())
	for _, st := range failing {
		assert.Equal(t, componentstatus.StatusRecoverableError, st)
	}

	recs, want := mixed("st", 3)
	writeFile(t, dir, "a.json", ctFile(recs...))
	waitForStatus(t, host, componentstatus.StatusOK)
	require.Eventually(t, func() bool { return len(rec.accepted()) == len(want) }, waitTimeout, 5*time.Millisecond)
	assert.Equal(t, append(failing, componentstatus.StatusOK), host.Statuses())
}

// TestStatusS3AccessDenied: an S3 object that cannot be read (access denied)
// is a recoverable error until it is read, then the status is OK again.
func TestStatusS3AccessDenied(t *testing.T) {
	fs3 := newFakeS3(t)
	key := ctKey("", "", acctA, "us-east-1", day1, "denied0000000001")
	want := fs3.putLog(key, 3)
	fs3.setFault(key, http.StatusForbidden)
	host := statustest.NewHost()
	rec := newRecorder()
	start(t, s3TestConfig(fs3.url), rec, host)

	ev := waitForStatus(t, host, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), key)
	assert.Empty(t, rec.accepted())

	fs3.setFault(key, 0)
	waitForStatus(t, host, componentstatus.StatusOK)
	require.Eventually(t, func() bool { return len(rec.accepted()) == len(want) }, waitTimeout, 5*time.Millisecond)
	requireExactlyOnce(t, want, rec.accepted())
}

// TestStatusS3Unreachable: an S3 endpoint nobody answers at is a
// recoverable error.
func TestStatusS3Unreachable(t *testing.T) {
	newFakeS3(t)                              // for its test credentials
	cfg := s3TestConfig("http://127.0.0.1:1") // a port nothing listens on
	host := statustest.NewHost()
	start(t, cfg, newRecorder(), host)
	ev := waitForStatus(t, host, componentstatus.StatusRecoverableError)
	require.ErrorContains(t, ev.Err(), "127.0.0.1:1")
}
