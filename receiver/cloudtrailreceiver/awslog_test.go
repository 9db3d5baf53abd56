// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"bytes"
	"io"
	"log"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
)

// TestSDKLogsGoThroughZap reads objects in S3 mode from a server that sends
// no checksums (as versitygw does), which makes the SDK log "Response has no
// supported checksum" for each: the line must reach the component's logger
// at debug, and nothing may reach stderr or the standard logger.
func TestSDKLogsGoThroughZap(t *testing.T) {
	fs3 := newFakeS3(t)
	key := ctKey("", "", acctA, "us-east-1", day1, "sdklog0000000001")
	want := fs3.putLog(key, 4)

	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	realStderr := os.Stderr
	os.Stderr = stderr
	var stdlog bytes.Buffer
	log.SetOutput(&stdlog)
	t.Cleanup(func() {
		os.Stderr = realStderr
		log.SetOutput(os.Stderr)
	})

	rec := newRecorder()
	h := start(t, s3TestConfig(fs3.url), rec, nil)
	require.Eventually(t, func() bool { return len(rec.accepted()) >= len(want) }, waitTimeout, 5*time.Millisecond)
	h.shutdown()
	requireExactlyOnce(t, want, rec.accepted())

	os.Stderr = realStderr
	_, err = stderr.Seek(0, io.SeekStart)
	require.NoError(t, err)
	written, err := io.ReadAll(stderr)
	require.NoError(t, err)
	assert.Empty(t, string(written), "nothing on stderr")
	assert.Empty(t, stdlog.String(), "nothing through the standard logger")

	sdk := h.logs.FilterField(zapcore.Field{Key: "origin", Type: zapcore.StringType, String: "aws-sdk"}).All()
	require.NotEmpty(t, sdk, "the SDK's log lines reach the component's logger")
	for _, e := range sdk {
		assert.Equal(t, zapcore.DebugLevel, e.Level, "%s", e.Message)
	}
	assert.Contains(t, sdk[0].Message, "Response has no supported checksum")
}
