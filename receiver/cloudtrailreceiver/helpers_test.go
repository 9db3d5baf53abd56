// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrailreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/personalize-audit/otelcol-personalize/internal/metrictest"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/metadata"
)

const (
	testPollInterval = 40 * time.Millisecond
	waitTimeout      = 10 * time.Second
	personalizeSrc   = "personalize.amazonaws.com"
)

// ---- CloudTrail fixtures ----

// ctRecord returns one CloudTrail record as JSON.
// ebCloudTrail is the detail-type of EventBridge events that carry an API
// call recorded by CloudTrail.
const ebCloudTrail = "AWS API Call via CloudTrail"

// ebEvent is one EventBridge event, as an EventBridge rule delivering through
// Firehose writes it, one per line.
func ebEvent(detailType, detail string) string {
	return `{"version":"0","id":"e","detail-type":"` + detailType + `","source":"aws.personalize","account":"111122223333","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`
}

func ctRecord(id, source, name string) string {
	return ctRecordTime(id, source, name, "2024-05-01T12:00:00Z")
}

func ctRecordTime(id, source, name, eventTime string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},`+
		`"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.15",`+
		`"requestParameters":{"campaignArn":"arn:aws:personalize:us-east-1:111122223333:campaign/movies"},"responseElements":null,`+
		`"requestID":"req-%s","eventID":%q,"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		eventTime, source, name, id, id)
}

// mixed returns n records whose eventIDs start with prefix: every third is
// from another service, the others are Personalize calls. It returns the
// records and the IDs of the Personalize ones.
func mixed(prefix string, n int) (recs, personalize []string) {
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		if i%3 == 2 {
			recs = append(recs, ctRecord(id, "s3.amazonaws.com", "GetObject"))
			continue
		}
		name := "DescribeCampaign"
		if i%2 == 1 {
			name = "CreateCampaign"
		}
		recs = append(recs, ctRecord(id, personalizeSrc, name))
		personalize = append(personalize, id)
	}
	return recs, personalize
}

func ctFile(recs ...string) []byte {
	return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	return compressBytes(t, b, func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriter(w), nil })
}

// compressBytes returns b written through the compressing writer nw makes.
func compressBytes(t testing.TB, b []byte, nw func(io.Writer) (io.WriteCloser, error)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := nw(&buf)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// oldTime is the modification time given to fixture files, so that they do
// not look like files still being written.
var oldTime = time.Now().Add(-time.Hour)

// writeFile writes data at dir/rel (creating directories) and dates it an
// hour back.
func writeFile(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	// Write to a name the receiver ignores, then rename, as a sync tool does.
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, data, 0o600))
	require.NoError(t, os.Chtimes(tmp, oldTime, oldTime))
	require.NoError(t, os.Rename(tmp, path))
	return path
}

// ---- consumers ----

// recorder is a consumer.Logs that records the eventIDs it accepts and lets
// the test decide the result of each call.
type recorder struct {
	mu       sync.Mutex
	calls    int
	ids      []string
	logs     []plog.Logs
	mutates  bool
	decide   func(call int, ld plog.Logs) error // nil or returning nil: accept
	block    func(call int) bool                // true: block until the context ends
	blocking chan struct{}                      // closed when a call blocks
	once     sync.Once
}

func newRecorder() *recorder { return &recorder{blocking: make(chan struct{})} }

func (r *recorder) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: r.mutates}
}

func (r *recorder) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	r.mu.Lock()
	call := r.calls
	r.calls++
	block := r.block != nil && r.block(call)
	r.mu.Unlock()
	if block {
		r.once.Do(func() { close(r.blocking) })
		<-ctx.Done()
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.decide != nil {
		if err := r.decide(call, ld); err != nil {
			return err
		}
	}
	r.ids = append(r.ids, eventIDs(ld)...)
	r.logs = append(r.logs, ld)
	return nil
}

func (r *recorder) accepted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

func (r *recorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func (r *recorder) allLogs() []plog.Logs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.logs)
}

func eventIDs(ld plog.Logs) []string {
	var ids []string
	forEachRecord(ld, func(_ plog.ResourceLogs, _ plog.ScopeLogs, lr plog.LogRecord) {
		v, _ := lr.Attributes().Get(attr.EventID)
		ids = append(ids, v.Str())
	})
	return ids
}

func forEachRecord(ld plog.Logs, fn func(plog.ResourceLogs, plog.ScopeLogs, plog.LogRecord)) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				fn(rl, sl, lr)
			}
		}
	}
}

// ---- receiver harness ----

type harness struct {
	t    *testing.T
	dir  string
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
	rcv  receiver.Logs
	next consumer.Logs
	down bool
}

// testConfig is a configuration reading dir with fast polls and retries.
func testConfig(dir string) *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Directory.Path = dir
	cfg.Directory.PollInterval = testPollInterval
	cfg.RetryOnFailure.InitialInterval = time.Millisecond
	cfg.RetryOnFailure.MaxInterval = 5 * time.Millisecond
	cfg.RetryOnFailure.RandomizationFactor = 0
	return cfg
}

// start creates and starts a receiver; it is shut down at the end of the test.
func start(t *testing.T, cfg *Config, next consumer.Logs, host component.Host) *harness {
	t.Helper()
	if host == nil {
		host = componenttest.NewNopHost()
	}
	core, logs := observer.New(zapcore.DebugLevel)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // stable: the storage client is per component ID
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	set.BuildInfo.Version = "1.2.3-test"
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	h := &harness{t: t, dir: cfg.Directory.Path, tel: tel, logs: logs, rcv: rcv, next: next}
	t.Cleanup(h.shutdown)
	return h
}

func (h *harness) shutdown() {
	if h.down {
		return
	}
	h.down = true
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(h.t, h.rcv.Shutdown(ctx))
}

// counter sums the points of an int64 counter whose attributes include attrs.
func (h *harness) counter(name string, attrs ...attribute.KeyValue) int64 {
	return metrictest.Sum(h.t, h.tel, name, attrs...)
}

// waitCounter waits until the counter reaches want.
func (h *harness) waitCounter(want int64, name string, attrs ...attribute.KeyValue) {
	h.t.Helper()
	require.Eventuallyf(h.t, func() bool { return h.counter(name, attrs...) >= want },
		waitTimeout, 5*time.Millisecond, "%s%v never reached %d (at %d)", name, attrs, want, h.counter(name, attrs...))
	require.Equalf(h.t, want, h.counter(name, attrs...), "%s%v", name, attrs)
}

// settle lets a few polls pass, for assertions that nothing more happens.
func (h *harness) settle() {
	h.t.Helper()
	time.Sleep(4 * testPollInterval)
}

func (h *harness) errorLogs() []observer.LoggedEntry {
	return h.logs.FilterLevelExact(zapcore.ErrorLevel).All()
}

// field returns a logged field's value as a string.
func field(e observer.LoggedEntry, key string) (string, bool) {
	v, ok := e.ContextMap()[key]
	if !ok {
		return "", false
	}
	return fmt.Sprint(v), true
}

// ---- AWS ----

// staticAWSCredentials gives the receiver's AWS clients, which take their
// credentials from the default chain, static ones, and keeps them away from
// the host's AWS files and instance metadata.
func staticAWSCredentials(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// ---- storage ----

// storageHost is a component.Host exposing extensions.
type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

// startFileStorage starts the real file_storage extension over dir and
// returns a host exposing it and a function that shuts it down.
func startFileStorage(t *testing.T, dir string) (component.Host, component.ID, func()) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.Compaction.Directory = dir
	id := component.NewID(f.Type())
	ext, err := f.Create(context.Background(), extension.Settings{
		ID:                id,
		TelemetrySettings: componenttest.NewNopTelemetrySettings(),
		BuildInfo:         component.NewDefaultBuildInfo(),
	}, cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			require.NoError(t, ext.Shutdown(context.Background()))
		}
	}
	t.Cleanup(stop)
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: ext}}, id, stop
}

// ---- assertions ----

// requireExactlyOnce asserts that got holds every ID of want once and nothing else.
func requireExactlyOnce(t *testing.T, want, got []string) {
	t.Helper()
	counts := map[string]int{}
	for _, id := range got {
		counts[id]++
	}
	var dup []string
	for id, n := range counts {
		if n > 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", id, n))
		}
	}
	slices.Sort(dup)
	require.Emptyf(t, dup, "records delivered more than once")
	require.ElementsMatch(t, want, got)
}

var errTransient = errors.New("downstream unavailable")

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
