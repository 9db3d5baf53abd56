// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
)

// TestTLSVerifiedByDefault: the default configuration verifies the server's
// certificate, so an Elasticsearch (or a man in the middle) with a
// certificate no trusted CA signed gets no request and the push fails with
// a certificate error; the same server is used once its CA is configured.
func TestTLSVerifiedByDefault(t *testing.T) {
	def := createDefaultConfig().(*Config)
	if def.TLS.Insecure || def.TLS.InsecureSkipVerify {
		t.Fatalf("default tls: insecure %v, insecure_skip_verify %v; want both false", def.TLS.Insecure, def.TLS.InsecureSkipVerify)
	}

	var served atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "_bulk") {
			_, _ = w.Write([]byte(`{"errors":false,"items":[]}`))
			return
		}
		_, _ = w.Write([]byte(`{"version":{"number":"8.17.0"},"tagline":"You Know, for Search"}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()

	cfg := testConfig(srv.URL)
	cfg.Templates.Install = false
	h := mustStart(t, cfg)
	err := h.exp.ConsumeLogs(context.Background(), cloudTrailLogs(t, 0, 1, ct.BodyMap))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("push to a server with an untrusted certificate: %v, want a certificate error", err)
	}
	if n := served.Load(); n != 0 {
		t.Fatalf("the untrusted server answered %d requests", n)
	}

	// The same server, trusted through ca_file: the TLS handshake succeeds.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg = testConfig(srv.URL)
	cfg.Templates.Install = false
	cfg.TLS.CAFile = ca
	h = mustStart(t, cfg)
	_ = h.exp.ConsumeLogs(context.Background(), cloudTrailLogs(t, 0, 1, ct.BodyMap))
	if served.Load() == 0 {
		t.Fatal("no request reached the server trusted through ca_file")
	}
}
