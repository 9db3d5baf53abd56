// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// The secrets of TestNoSecretInLogs: distinctive values that appear nowhere
// else, so that any occurrence in the output is a leak.
const (
	secretAPIKey      = "c2VjcmV0LWlkOnNlY3JldC1hcGkta2V5LTdmM2E5" // base64 "secret-id:secret-api-key-7f3a9"
	secretUser        = "audit-writer"
	secretPassword    = "pw-secret-91c4d2e8"
	secretHeaderValue = "hdr-secret-5b7e0f13"
	secretAWSKeyID    = "AKIASECRETKEYID4242"
	secretAWSSecret   = "aws-secret-access-key-6d1c8b9e2f"
	secretAWSToken    = "aws-session-token-0a9b8c7d6e5f"
)

// failingS3 answers every request 403 AccessDenied or 500 in turn, as a
// bucket with a wrong policy or an S3-compatible server in trouble does, and
// remembers whether a request was signed with the test's access key.
type failingS3 struct {
	requests atomic.Int64
	mu       sync.Mutex
	signed   bool
}

func (s *failingS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	s.mu.Lock()
	if strings.Contains(r.Header.Get("Authorization"), "Credential="+secretAWSKeyID+"/") &&
		r.Header.Get("X-Amz-Security-Token") == secretAWSToken {
		s.signed = true
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	if n%2 == 0 {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`)
		return
	}
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F8</RequestId></Error>`)
}

func (s *failingS3) wasSigned() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signed
}

// TestNoSecretInLogs runs the built binary at debug level with every kind
// of secret configured: elasticsearch_audit with an API key, another with
// user and password, both with a custom header, each pointed at an
// Elasticsearch that refuses every _bulk (503) and at an endpoint that is
// not listening; and the receiver's S3 source with static AWS keys and a
// session token against an S3 endpoint that answers 403 and 500. The whole
// output, start to shutdown, must hold none of the secret values nor the
// encoded forms they take in headers.
func TestNoSecretInLogs(t *testing.T) {
	bin := collectorBinary(t)
	watchDir, _ := copyExamples(t)
	storageDir := filepath.Join(t.TempDir(), "storage")
	healthAddr := freeLoopbackAddr(t)
	unreachable := "http://" + freeLoopbackAddr(t)

	esKey := esdouble.Start(t, esdouble.Options{APIKey: secretAPIKey})
	esKey.FailBulkFor(time.Hour, http.StatusServiceUnavailable)
	esBasic := esdouble.Start(t, esdouble.Options{User: secretUser, Password: secretPassword})
	esBasic.FailBulkFor(time.Hour, http.StatusServiceUnavailable)

	s3 := &failingS3{}
	s3srv := httptest.NewServer(s3)
	t.Cleanup(s3srv.Close)
	isolateAWSEnv(t, s3srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", secretAWSKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretAWSSecret)
	t.Setenv("AWS_SESSION_TOKEN", secretAWSToken)

	exporter := func(name, auth, esURL string) string {
		return fmt.Sprintf(`  elasticsearch_audit/%s:
    endpoints: [%s, %s]
%s
    headers:
      X-Proxy-Token: %s
    timeout: 2s
    dead_letter:
      path: %s
    bulk_retry:
      max_retries: 2
      initial_interval: 50ms
      max_interval: 200ms
    sending_queue:
      enabled: false
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 300ms
      max_elapsed_time: 0s
`, name, yamlString(esURL), yamlString(unreachable), auth, yamlString(secretHeaderValue),
			yamlString(filepath.Join(storageDir, name+"-dead-letter.ndjson")))
	}
	cfg := fmt.Sprintf(`extensions:
  health_check:
    endpoint: %[1]s
  file_storage:
    directory: %[2]s
    create_directory: true
receivers:
  cloudtrail/files1:
    directory:
      path: %[3]s
      poll_interval: 1s
    storage: file_storage
    batch_size: 20
  cloudtrail/files2:
    directory:
      path: %[3]s
      poll_interval: 1s
    storage: file_storage
    batch_size: 20
  cloudtrail/s3:
    s3:
      bucket: trail-bucket
      region: us-east-1
      endpoint: %[4]s
      force_path_style: true
      poll_interval: 1s
    storage: file_storage
exporters:
%[5]s%[6]s  debug:
    verbosity: basic
service:
  extensions: [health_check, file_storage]
  telemetry:
    logs:
      level: debug
    metrics:
      level: none
  pipelines:
    # One receiver per exporter: with synchronous export a fan-out would
    # wait on the first exporter's retries and never reach the second.
    logs/apikey:
      receivers: [cloudtrail/files1]
      exporters: [elasticsearch_audit/apikey]
    logs/basic:
      receivers: [cloudtrail/files2]
      exporters: [elasticsearch_audit/basic]
    logs/s3:
      receivers: [cloudtrail/s3]
      exporters: [debug]
`, healthAddr, yamlString(storageDir), yamlString(watchDir), yamlString(s3srv.URL),
		exporter("apikey", "    api_key: "+yamlString(secretAPIKey), esKey.URL),
		exporter("basic", "    user: "+yamlString(secretUser)+"\n    password: "+yamlString(secretPassword), esBasic.URL))

	var mu sync.Mutex
	var output strings.Builder
	col := startCollectorWith(t, bin, "secrets", cfg, healthAddr, func(line string) {
		mu.Lock()
		output.WriteString(line)
		output.WriteByte('\n')
		mu.Unlock()
	})
	// Until each exporter has had _bulk requests refused and the S3 source
	// several answers, then a few more seconds of retries.
	refused := func(s *esdouble.Server) int {
		n := 0
		for _, r := range s.Requests() {
			if strings.HasSuffix(r.Path, "_bulk") && r.Status == http.StatusServiceUnavailable {
				n++
			}
		}
		return n
	}
	waitUntil(t, deliverTimeout, func() bool { return refused(esKey) >= 2 && refused(esBasic) >= 2 && s3.requests.Load() >= 4 },
		func() string {
			return fmt.Sprintf("refused bulks: %d (api key), %d (basic); S3 requests %d", refused(esKey), refused(esBasic), s3.requests.Load())
		})
	time.Sleep(3 * time.Second)
	// The shutdown's own messages count too; a shutdown that hangs in the
	// outage is not what this test is about, so it is cut short.
	_ = col.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-col.done:
	case <-time.After(20 * time.Second):
		col.kill()
	}
	col.stopped.Store(true)

	// The secrets reached the servers, so the configuration used them.
	for _, s := range []*esdouble.Server{esKey, esBasic} {
		for _, r := range s.Requests() {
			if r.Status == http.StatusUnauthorized {
				t.Fatalf("%s answered 401 to %s %s: the test's credentials were not sent", s.URL, r.Method, r.Path)
			}
		}
	}
	if !s3.wasSigned() {
		t.Fatal("no S3 request was signed with the test's access key and session token")
	}

	mu.Lock()
	out := output.String()
	mu.Unlock()
	if !strings.Contains(out, `"level":"debug"`) && !strings.Contains(out, "\tdebug\t") {
		t.Fatal("no debug line in the output: the collector did not log at debug level")
	}
	b64 := base64.StdEncoding.EncodeToString
	for what, secret := range map[string]string{
		"api_key":                        secretAPIKey,
		"api_key, decoded":               "secret-api-key-7f3a9",
		"password":                       secretPassword,
		"basic auth header":              b64([]byte(secretUser + ":" + secretPassword)),
		"custom header value":            secretHeaderValue,
		"custom header value, in base64": b64([]byte(secretHeaderValue)),
		"AWS secret access key":          secretAWSSecret,
		"AWS session token":              secretAWSToken,
		"AWS access key id":              secretAWSKeyID,
	} {
		if i := strings.Index(out, secret); i >= 0 {
			start := max(0, strings.LastIndexByte(out[:i], '\n'))
			end := i + strings.IndexByte(out[i:]+"\n", '\n')
			t.Errorf("the %s appears in the output: %s", what, out[start:end])
		}
	}
	t.Logf("%d bytes of output checked; %d and %d bulk requests refused; %d S3 requests", len(out), refused(esKey), refused(esBasic), s3.requests.Load())

	t.Run("checkpoint and dead-letter files are private", func(t *testing.T) {
		checkPrivateFiles(t, storageDir, []string{"apikey-dead-letter.ndjson", "basic-dead-letter.ndjson"})
	})
}

// checkPrivateFiles fails unless every file under dir (the file_storage
// databases holding the checkpoints, the dead-letter files) is readable by
// its owner only (0600; file_storage's databases are opened 0600 and its
// directory made 0750 by default) and the named files exist.
func checkPrivateFiles(t *testing.T, dir string, want []string) {
	t.Helper()
	seen := map[string]bool{}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if fi.Mode().Perm()&0o027 != 0 {
				t.Errorf("directory %s has mode %v, want no group write and nothing for others", path, fi.Mode().Perm())
			}
		case fi.Mode().Perm() != 0o600:
			t.Errorf("%s has mode %v, want 0600 (it holds audit records or checkpoints)", path, fi.Mode().Perm())
		default:
			n++
		}
		seen[d.Name()] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("%s was not created under %s", name, dir)
		}
	}
	if n <= len(want) {
		t.Errorf("only %d private files under %s: where are the checkpoint databases?", n, dir)
	}
}
