// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"
)

// sdkBody behaves like the request body the AWS SDK hands net/http: Read
// gives the payload; WriteTo, which io.Copy prefers and net/http uses for its
// end-of-body check, answers io.EOF once the body is closed, here after
// waiting for the close so that the race below always happens.
type sdkBody struct {
	r       *bytes.Reader
	once    sync.Once
	closed  chan struct{}
	wroteTo atomic.Bool
}

func newSDKBody(payload string) *sdkBody {
	return &sdkBody{r: bytes.NewReader([]byte(payload)), closed: make(chan struct{})}
}

func (b *sdkBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *sdkBody) WriteTo(io.Writer) (int64, error) {
	b.wroteTo.Store(true)
	<-b.closed
	return 0, io.EOF
}

func (b *sdkBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// sdkCall does what the SDK does: send, close the request body as soon as
// the response headers are in, then read the response.
func sdkCall(client interface {
	Do(*http.Request) (*http.Response, error)
}, url string,
) (*sdkBody, []byte, error) {
	const payload = `{"QueueUrl":"q","MaxNumberOfMessages":10}`
	body := newSDKBody(payload)
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return body, nil, err
	}
	req.ContentLength = int64(len(payload))
	resp, err := client.Do(req)
	_ = body.Close()
	if err != nil {
		return body, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return body, got, err
}

// TestInMemoryBodyClient: the SQS client's HTTP client gives net/http a
// body that the SDK's early close cannot affect, so a response (a
// ReceiveMessage answer) is read whole and never lost to a retry.
func TestInMemoryBodyClient(t *testing.T) {
	answer := strings.Repeat("x", 1<<20) // more than any buffer holds
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := io.ReadAll(r.Body); err != nil || !strings.Contains(string(b), "MaxNumberOfMessages") {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()

	// Without it, net/http reads the closed SDK body once more after
	// writing it, takes its io.EOF for a failed write and closes the
	// connection under the response.
	body, _, err := sdkCall(&http.Client{Transport: &http.Transport{}}, srv.URL)
	t.Logf("plain client: end-of-body check on the SDK body: %v; reading the response: %v", body.wroteTo.Load(), err)

	_, wrapped := NewSQSClient(aws.Config{Region: "us-east-1"}, srv.URL).Options().HTTPClient.(inMemoryBodyClient)
	require.True(t, wrapped, "the SQS client does not use inMemoryBodyClient")
	for range 20 {
		body, got, err := sdkCall(inMemoryBodyClient{next: &http.Client{Transport: &http.Transport{}}}, srv.URL)
		require.NoError(t, err)
		require.Equal(t, len(answer), len(got))
		require.False(t, body.wroteTo.Load(), "net/http read the SDK's body after sending it")
	}
}
