// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The S3 tests run the collector's S3 polling source against versitygw, a
// real S3 server (https://github.com/versity/versitygw) serving a POSIX
// directory, so that listing, paging, ETags and SigV4 signing are those of an
// S3 implementation and not of a test double written alongside the receiver.
const (
	envVersityGW = "VERSITYGW_BIN"

	// Credentials of versitygw's root account for the run; the collector gets
	// them through the AWS SDK's environment provider like in production.
	s3AccessKey = "e2eaccesskey"
	s3SecretKey = "e2esecretkey0123456789"
	s3Region    = "us-east-1"

	// s3PollInterval is short so that a new object is picked up quickly; it
	// bounds how long the "nothing is re-delivered" check must listen.
	s3PollInterval = time.Second
)

// versityGWBinary returns the versitygw binary named by $VERSITYGW_BIN. When
// it is unset or unusable the test is skipped, or failed with E2E_REQUIRED=1
// (`make e2e` installs a pinned versitygw and sets both).
func versityGWBinary(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv(envVersityGW)
	var err error
	if bin == "" {
		err = errors.New("$" + envVersityGW + " is not set")
	} else {
		var fi os.FileInfo
		fi, err = os.Stat(bin)
		if err == nil && (!fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0) {
			err = fmt.Errorf("%s is not an executable file (mode %v)", bin, fi.Mode())
		}
	}
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("versitygw (S3 server) is not usable: %v; install it with `make versitygw` and set %s=.tools/bin/versitygw-<version>",
		err, envVersityGW)
	if e2eRequired() {
		tb.Fatalf("%s=1: %s", envRequired, msg)
	}
	tb.Skipf("skipping S3 test: %s (set %s=1 to make this a failure)", msg, envRequired)
	return ""
}

// s3Server is one versitygw process on 127.0.0.1 with a POSIX backend, and an
// S3 client for it.
type s3Server struct {
	endpoint string // http://127.0.0.1:port
	client   *s3.Client
}

// startVersityGW starts versitygw on a free loopback port, serving a fresh
// temp directory (each top-level directory is a bucket), and waits until it
// answers HTTP. The process is stopped when the test ends.
func startVersityGW(tb testing.TB, bin string) *s3Server {
	tb.Helper()
	dataDir := tb.TempDir()
	addr := freeLoopbackAddr(tb)
	out := &lineLogger{t: tb, prefix: "[versitygw] "}
	cmd := exec.Command(bin, "--quiet", "--access", s3AccessKey, "--secret", s3SecretKey, "--port", addr, "posix", dataDir)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start versitygw: %v", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		out.flush()
		close(done)
	}()
	// Registered after TempDir, so it runs before the directory is removed;
	// it waits for the output to drain so nothing logs after the test ends.
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	endpoint := "http://" + addr
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			tb.Fatalf("versitygw exited before answering: %v (see its log above)", waitErr)
		default:
		}
		// Any HTTP answer (an anonymous request gets 403) means it serves.
		resp, err := client.Get(endpoint + "/")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("versitygw on %s not answering after 30s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Logf("versitygw serving %s on %s", dataDir, endpoint)

	return &s3Server{
		endpoint: endpoint,
		client: s3.New(s3.Options{
			Region:       s3Region,
			Credentials:  credentials.NewStaticCredentialsProvider(s3AccessKey, s3SecretKey, ""),
			BaseEndpoint: aws.String(endpoint),
			UsePathStyle: true,
			// Plain signed PUTs: S3-compatible servers differ in their support
			// of the SDK's default trailing checksums, which are beside the point here.
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		}),
	}
}

func (s *s3Server) createBucket(tb testing.TB, bucket string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		tb.Fatalf("CreateBucket %s: %v", bucket, err)
	}
}

// putFile uploads the local file path as bucket/key.
func (s *s3Server) putFile(tb testing.TB, bucket, key, path string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: f}); err != nil {
		tb.Fatalf("PutObject s3://%s/%s: %v", bucket, key, err)
	}
}

// uploadTree uploads every regular file under dir with its slash-separated
// relative path as key (so dir/AWSLogs/... becomes the key AWSLogs/...),
// and returns how many it uploaded.
func (s *s3Server) uploadTree(tb testing.TB, bucket, dir string) int {
	tb.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		s.putFile(tb, bucket, filepath.ToSlash(rel), path)
		n++
		return nil
	})
	if err != nil {
		tb.Fatalf("upload %s: %v", dir, err)
	}
	return n
}

// isolateAWSEnv points the AWS SDK of the collector subprocesses (which
// inherit the test's environment) at the local server with the test
// credentials, and closes every path to real AWS: no shared config or
// credentials files, no profile, web identity or container credentials, no
// EC2 instance metadata, and every service endpoint overridden.
func isolateAWSEnv(tb testing.TB, endpoint string) {
	tb.Helper()
	noFile := filepath.Join(tb.TempDir(), "absent")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      s3AccessKey,
		"AWS_SECRET_ACCESS_KEY":                  s3SecretKey,
		"AWS_SESSION_TOKEN":                      "",
		"AWS_REGION":                             s3Region,
		"AWS_DEFAULT_REGION":                     s3Region,
		"AWS_PROFILE":                            "",
		"AWS_CONFIG_FILE":                        noFile,
		"AWS_SHARED_CREDENTIALS_FILE":            noFile,
		"AWS_ROLE_ARN":                           "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_ENDPOINT_URL":                       endpoint,
	} {
		tb.Setenv(k, v)
	}
}

// s3CollectorConfig renders cloudtrail (S3 source, file_storage checkpoints)
// -> batch -> otlp_http (JSON) to the sink. logLevel is the collector's own
// log level (the benchmark uses warn to keep its output to the GC trace).
func s3CollectorConfig(endpoint, bucket, storageDir, healthAddr, sinkURL string, maxConcurrent int, logLevel string) string {
	return fmt.Sprintf(`extensions:
  health_check:
    endpoint: %s
  file_storage:
    directory: %s
    create_directory: true

receivers:
  cloudtrail:
    s3:
      bucket: %s
      region: %s
      endpoint: %s
      force_path_style: true
      poll_interval: %s
      max_concurrent_objects: %d
    storage: file_storage

processors:
  batch:
    timeout: 100ms

exporters:
  otlp_http:
    endpoint: %s
    encoding: json
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s

service:
  extensions: [health_check, file_storage]
  telemetry:
    logs:
      level: %s
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [cloudtrail]
      processors: [batch]
      exporters: [otlp_http]
`, yamlString(healthAddr), yamlString(storageDir), yamlString(bucket), s3Region, yamlString(endpoint),
		s3PollInterval, maxConcurrent, yamlString(sinkURL), logLevel)
}

// TestS3SourceDeliversExamples runs the distribution's S3 polling source
// against a real S3 server holding examples/ under its real key layout:
// every Personalize event arrives once, a restart on the same storage
// repeats nothing, and a new object's events are picked up.
func TestS3SourceDeliversExamples(t *testing.T) {
	bin := collectorBinary(t)
	gw := versityGWBinary(t)
	root := repoRoot(t)

	examples := filepath.Join(root, "examples")
	if fi, err := os.Stat(examples); err != nil || !fi.IsDir() {
		t.Fatalf("bundled examples directory %s is missing: %v", examples, err)
	}
	// A local copy is what gets uploaded, and what the oracle reads: the new
	// object of step 3 is written here first.
	local := filepath.Join(t.TempDir(), "bucket")
	copyTree(t, examples, local)
	storageDir := filepath.Join(t.TempDir(), "storage")
	staging := t.TempDir()

	rep, err := cloudTrailOracle(local, personalizeSource)
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if len(rep.Events) == 0 {
		t.Fatalf("the examples under %s hold no %s events: nothing to test", examples, personalizeSource)
	}
	t.Logf("oracle: %d CloudTrail files, %d digests, %d Personalize events", rep.Files, rep.Digests, len(rep.Events))

	srv := startVersityGW(t, gw)
	isolateAWSEnv(t, srv.endpoint)
	const bucket = "personalize-audit-cloudtrail-111122223333"
	srv.createBucket(t, bucket)
	t.Logf("uploaded %d objects to s3://%s", srv.uploadTree(t, bucket, local), bucket)

	sink := newOTLPSink(t)
	healthAddr := freeLoopbackAddr(t)
	// Several objects in flight (the default): examples/ holds an event
	// delivered in two objects of one folder, which must still arrive once.
	const maxConcurrent = 4

	// 1. Every example event arrives exactly once.
	col := startCollector(t, bin, "s3-run1", s3CollectorConfig(srv.endpoint, bucket, storageDir, healthAddr, sink.URL(), maxConcurrent, "info"), healthAddr)
	got := waitAndSettle(t, sink, 0, len(rep.Events))
	checkDelivered(t, got, rep.Events, contentTypeJSON)
	for _, r := range got {
		if b, _ := r.attrString("aws.s3.bucket"); b != bucket {
			t.Errorf("record %v: aws.s3.bucket = %q, want %q", r.Attributes["aws.cloudtrail.event_id"], b, bucket)
			break
		}
	}
	checkSinkErrors(t, sink)
	if t.Failed() {
		col.stop()
		t.FailNow()
	}

	// 2. After a restart on the same storage, nothing is delivered again.
	col.stop()
	before := sink.Len()
	healthAddr = freeLoopbackAddr(t)
	col = startCollector(t, bin, "s3-run2", s3CollectorConfig(srv.endpoint, bucket, storageDir, healthAddr, sink.URL(), maxConcurrent, "info"), healthAddr)
	time.Sleep(settle + 3*s3PollInterval)
	if after := sink.Len(); after != before {
		t.Fatalf("after restart on the same storage %d records were delivered again; first eventIDs: %v",
			after-before, firstIDs(sink.Records()[before:], 10))
	}

	// 3. A new object: its 3 Personalize records arrive, the 2 others do not.
	key, newIDs := newEventsFile(t, staging, local, "e2eS3NewObject")
	srv.putFile(t, bucket, key, filepath.Join(local, filepath.FromSlash(key)))
	t.Logf("put s3://%s/%s with Personalize events %v", bucket, key, newIDs)
	fresh := freshEvents(t, local, rep, newIDs)

	got = waitAndSettle(t, sink, before, len(fresh))
	checkDelivered(t, got, fresh, contentTypeJSON)
	for _, r := range got {
		if k, _ := r.attrString("aws.s3.key"); k != key {
			t.Errorf("record %v: aws.s3.key = %q, want %q", r.Attributes["aws.cloudtrail.event_id"], k, key)
		}
	}
	checkSinkErrors(t, sink)

	col.stop()
}
