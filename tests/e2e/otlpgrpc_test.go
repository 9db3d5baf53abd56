// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // the exporter compresses by default
)

// grpcSink is an OTLP/gRPC logs service on 127.0.0.1 that stores what it gets
// in an otlpSink, so both transports are checked by the same assertions.
type grpcSink struct {
	plogotlp.UnimplementedGRPCServer
	sink *otlpSink
}

func (g *grpcSink) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	g.sink.add(req.Logs(), "grpc")
	return plogotlp.NewExportResponse(), nil
}

// newGRPCSink serves OTLP/gRPC on a free loopback port and returns its address.
func newGRPCSink(t testing.TB, sink *otlpSink) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	plogotlp.RegisterGRPCServer(srv, &grpcSink{sink: sink})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// TestDistributionDeliversExamplesOverOTLPGRPC runs the collector with the
// otlp_grpc exporter and checks every example event and its attributes.
func TestDistributionDeliversExamplesOverOTLPGRPC(t *testing.T) {
	bin := collectorBinary(t)
	watchDir, rep := copyExamples(t)
	sink := newOTLPSink(t)
	grpcAddr := newGRPCSink(t, sink)
	healthAddr := freeLoopbackAddr(t)
	cfg := fmt.Sprintf(`extensions:
  health_check:
    endpoint: %s
receivers:
  cloudtrail:
    directory:
      path: %s
      poll_interval: %s
processors:
  batch:
    timeout: 100ms
exporters:
  otlp_grpc:
    endpoint: %s
    tls:
      insecure: true
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [cloudtrail]
      processors: [batch]
      exporters: [otlp_grpc]
`, yamlString(healthAddr), yamlString(watchDir), pollInterval, yamlString(grpcAddr))
	col := startCollector(t, bin, "grpc", cfg, healthAddr)
	defer col.stop()
	got := waitAndSettle(t, sink, 0, len(rep.Events))
	checkDelivered(t, got, rep.Events, "grpc")
	checkSinkErrors(t, sink)
}

// TestShippedConfigsValidate checks every ready configuration under config/
// against the built binary (environment placeholders filled with samples).
func TestShippedConfigsValidate(t *testing.T) {
	bin := collectorBinary(t)
	matches, err := filepath.Glob(filepath.Join(repoRoot(t), "config", "*.yaml"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no configurations under config/: %v", err)
	}
	for _, path := range matches {
		t.Run(filepath.Base(path), func(t *testing.T) {
			runValidate(t, bin, path)
		})
	}
}

func runValidate(t *testing.T, bin, path string) {
	t.Helper()
	cmd := exec.Command(bin, "validate", "--config", path)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(),
		"OTLP_ENDPOINT=https://otlp.example.com:4318",
		"CLOUDTRAIL_DIR="+t.TempDir(),
		"STORAGE_DIR="+t.TempDir(),
		"ELASTICSEARCH_URL=http://127.0.0.1:9200",
		"ELASTICSEARCH_API_KEY=sample",
		"CLOUDTRAIL_BUCKET=sample-bucket",
		"SQS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/111122223333/cloudtrail",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s validate: %v\n%s", path, err, out)
	}
}
