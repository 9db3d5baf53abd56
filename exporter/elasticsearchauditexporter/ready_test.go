// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ct "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/tests/esdouble"
)

// TestRecoveryMidRetryInstallsBeforeBulk takes Elasticsearch away while a
// push is retrying and brings a fresh cluster back at the same address: the
// first requests it sees must be GET /, the template PUTs, and only then
// _bulk with require_data_stream=true, so that the data stream is created
// from our template and not from the built-in logs one.
func TestRecoveryMidRetryInstallsBeforeBulk(t *testing.T) {
	for _, tc := range []struct {
		name string
		// upAtStart: the cluster answers at start and goes away before
		// the push; otherwise it is unreachable from the start.
		upAtStart bool
	}{{"down at start", false}, {"down after start", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var addr string
			var first *esdouble.Server
			if tc.upAtStart {
				first = esdouble.New(esdouble.Options{})
				addr = strings.TrimPrefix(first.URL, "http://")
			} else {
				addr = freeAddr(t)
			}
			cfg := testConfig("http://" + addr)
			cfg.BulkRetry = BulkRetryConfig{MaxRetries: 1000, InitialInterval: 5 * time.Millisecond, MaxInterval: 10 * time.Millisecond}
			h := mustStart(t, cfg)
			if first != nil {
				first.Close()
			}
			down := dropConnections(t, addr)
			done := make(chan error, 1)
			go func() { done <- h.exp.ConsumeLogs(t.Context(), cloudTrailLogs(t, 0, 20, ct.BodyMap)) }()
			waitFor(t, "the push to retry", func() bool { return down.accepted.Load() >= 5 })
			down.close()

			s := esdouble.Start(t, esdouble.Options{Addr: addr})
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range s.Requests() {
				got = append(got, r.Method+" "+r.Path)
			}
			want := []string{"GET /", "PUT /_component_template/cloudtrail-audit@settings",
				"PUT /_component_template/cloudtrail-audit@mappings", "PUT /_index_template/cloudtrail-audit", "POST /_bulk"}
			if len(got) < len(want) || fmt.Sprint(got[:len(want)]) != fmt.Sprint(want) {
				t.Fatalf("requests after recovery %v, want %v first", got, want)
			}
			if q := s.Requests()[len(want)-1].Query; !strings.Contains(q, "require_data_stream=true") {
				t.Fatalf("first _bulk after recovery has query %q", q)
			}
			if s.Count(defaultStream) != 20 || s.TemplateFor(defaultStream) != "cloudtrail-audit" {
				t.Fatalf("after recovery: %d documents, template %q", s.Count(defaultStream), s.TemplateFor(defaultStream))
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// connDropper is a cluster that is down: it accepts connections at addr and
// closes them at once, counting them.
type connDropper struct {
	l        net.Listener
	accepted atomic.Int64
	done     chan struct{}
}

func dropConnections(t *testing.T, addr string) *connDropper {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	d := &connDropper{l: l, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			d.accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(d.close)
	return d
}

func (d *connDropper) close() {
	d.l.Close()
	<-d.done
}
