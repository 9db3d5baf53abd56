// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/metadata"
	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// ctRecord renders a realistic CloudTrail record (about 1.5 KB) for a
// Personalize call by an assumed role. Every fourth call mutates.
func ctRecord(i int) string {
	name, req, resp := "DescribeDatasetGroup", `{"datasetGroupArn":"arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg"}`, `null`
	switch i % 4 {
	case 0:
		name = "CreateCampaign"
		req = fmt.Sprintf(`{"name":"campaign-%d","solutionVersionArn":"arn:aws:personalize:us-east-1:111122223333:solution/retail-sol/3ba6a5be","minProvisionedTPS":1,"campaignConfig":{"itemExplorationConfig":{"explorationWeight":"0.3"}}}`, i)
		resp = fmt.Sprintf(`{"campaignArn":"arn:aws:personalize:us-east-1:111122223333:campaign/campaign-%d"}`, i)
	case 1:
		name = "ListSolutions"
		req = `{"datasetGroupArn":"arn:aws:personalize:us-east-1:111122223333:dataset-group/retail-dsg","maxResults":100}`
	case 2:
		name = "DeleteFilter"
		req = fmt.Sprintf(`{"filterArn":"arn:aws:personalize:us-east-1:111122223333:filter/f-%d"}`, i)
	}
	return fmt.Sprintf(`{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEEXAMPLE123:ml-pipeline-%d","arn":"arn:aws:sts::111122223333:assumed-role/PersonalizeAdmin/ml-pipeline-%d","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEEXAMPLE12","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEEXAMPLE123","arn":"arn:aws:iam::111122223333:role/PersonalizeAdmin","accountId":"111122223333","userName":"PersonalizeAdmin"},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-20T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-20T09:%02d:%02dZ","eventSource":"personalize.amazonaws.com","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/personalize","requestParameters":%s,"responseElements":%s,"requestID":"6f1c2b3a-%08d-4c5d-9e8f-0a1b2c3d4e5f","eventID":"%s","readOnly":%t,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"personalize.us-east-1.amazonaws.com"}}`,
		i, i, (i/60)%60, i%60, name, i%250, req, resp, i, eventID(i), i%4 == 1 || i%4 == 3)
}

func eventID(i int) string { return fmt.Sprintf("0e9d8c7b-%08d-4a5b-8c7d-6e5f4a3b2c1d", i) }

// cloudTrailLogs maps records [from, from+n) with the receiver's mapping.
func cloudTrailLogs(t testing.TB, from, n int, body ct.BodyMode) plog.Logs {
	t.Helper()
	b := ct.NewBatch(ct.MapOptions{Body: body, ScopeName: "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"})
	var r ct.Record
	for i := from; i < from+n; i++ {
		if err := r.Parse([]byte(ctRecord(i))); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(&r, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return b.Take()
}

// testConfig is a config for the double: no queue (ConsumeLogs returns the
// push result), no exporterhelper retry (errors surface), fast bulk retries.
func testConfig(url string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoints = []string{url}
	cfg.QueueBatchConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.BackOffConfig.Enabled = false
	cfg.BulkRetry = BulkRetryConfig{MaxRetries: 4, InitialInterval: 5 * time.Millisecond, MaxInterval: 40 * time.Millisecond}
	return cfg
}

type harness struct {
	exp  exporter.Logs
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
}

func startExporter(t testing.TB, cfg *Config) (*harness, error) {
	t.Helper()
	return startExporterOn(t, cfg, componenttest.NewNopHost())
}

// startExporterOn starts the exporter on host (a statustest.Host to see the
// component status it reports).
func startExporterOn(t testing.TB, cfg *Config, host component.Host) (*harness, error) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	core, logs := observer.New(zap.DebugLevel)
	set := exportertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), host); err != nil {
		return &harness{tel: tel, logs: logs}, err
	}
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return &harness{exp: exp, tel: tel, logs: logs}, nil
}

func mustStart(t testing.TB, cfg *Config) *harness {
	t.Helper()
	h, err := startExporter(t, cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return h
}

// counter sums a counter's data points (optionally those with attr=value).
func (h *harness) counter(t testing.TB, name string, attr ...string) int64 {
	t.Helper()
	m, err := h.tel.GetMetric(name)
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if len(attr) == 2 {
			if v, ok := dp.Attributes.Value(attribute.Key(attr[0])); !ok || v.AsString() != attr[1] {
				continue
			}
		}
		n += dp.Value
	}
	return n
}

// logged reports whether a log line at or above level contains s.
func (h *harness) logged(s string) bool {
	for _, e := range h.logs.All() {
		if strings.Contains(e.Message, s) {
			return true
		}
	}
	return false
}

// allLogText is every message and field, to check nothing leaks.
func (h *harness) allLogText() string {
	var b strings.Builder
	for _, e := range h.logs.All() {
		b.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			fmt.Fprintf(&b, " %s=%v", k, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// waitFor polls cond until it holds or the test's patience runs out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
