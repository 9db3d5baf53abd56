// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// maxLoggedFailures bounds the per-document detail in one log line.
const maxLoggedFailures = 5

// settle turns item outcomes into the push result:
//
//   - indexed and duplicate items are done;
//   - rejected items (4xx other than 409/429: sending them again cannot
//     succeed) go to the dead-letter file when one is configured, and
//     otherwise make the push fail with a permanent error;
//   - items still answered 429/5xx after every bulk round, items a failed
//     request never settled, and items the dead-letter file could not take
//     are handed back with a retryable consumererror.Logs holding only those
//     records, so that the caller's retry never resends what is already
//     indexed. A transient answer never goes to the dead-letter file: the
//     cluster will take the record once it recovers, and a file needs a
//     manual replay.
func (e *auditExporter) settle(ctx context.Context, ld plog.Logs, b *batch, reqErr error) error {
	var indexed, duplicate int
	var rejected, exhausted, pending []int
	for i := range b.items {
		switch b.items[i].state {
		case stateIndexed:
			indexed++
		case stateDuplicate:
			duplicate++
		case stateFailed:
			rejected = append(rejected, i)
		case stateRetry:
			exhausted = append(exhausted, i)
		default:
			pending = append(pending, i)
		}
	}
	e.metrics.add(ctx, e.metrics.indexed, indexed)
	e.metrics.add(ctx, e.metrics.duplicate, duplicate)

	back := pending
	var causes []error
	if reqErr != nil {
		causes = append(causes, reqErr)
	}
	var permErr error
	if e.dlq != nil {
		toDLQ := rejected
		if len(toDLQ) > 0 {
			if err := e.dlq.write(e.deadLetterEntries(b, toDLQ)); err != nil {
				e.logger.Error("cannot write the dead-letter file; the documents go back to the queue",
					zap.Int("documents", len(toDLQ)), zap.Error(err))
				back = append(back, toDLQ...)
				causes = append(causes, err)
			} else {
				e.metrics.add(ctx, e.metrics.deadLettered, len(toDLQ))
				e.logger.Warn("documents rejected by Elasticsearch were written to the dead-letter file",
					zap.Int("documents", len(toDLQ)), zap.String("path", e.dlq.path), sampleFailures(b, toDLQ))
			}
		}
	} else if len(rejected) > 0 {
		e.metrics.add(ctx, e.metrics.failed, len(rejected))
		e.logger.Error("Elasticsearch rejected documents and no dead_letter::path is configured: they are NOT indexed",
			zap.Int("documents", len(rejected)), sampleFailures(b, rejected))
		permErr = fmt.Errorf("%d of %d documents rejected by Elasticsearch (%d indexed, %d duplicates); configure dead_letter::path to keep them",
			len(rejected), len(b.items), indexed, duplicate)
	}
	if len(exhausted) > 0 {
		e.logger.Warn("documents still answered 429/5xx after every bulk round; handing them back to be sent again",
			zap.Int("documents", len(exhausted)), sampleFailures(b, exhausted))
		back = append(back, exhausted...)
		causes = append(causes, fmt.Errorf("%d documents still answered 429/5xx after %d retries", len(exhausted), e.cfg.BulkRetry.MaxRetries))
	}
	if len(back) > 0 {
		if permErr != nil {
			causes = append(causes, permErr)
		}
		slices.Sort(back)
		err := fmt.Errorf("%d of %d documents not delivered: %w", len(back), len(b.items), errors.Join(causes...))
		return consumererror.NewLogs(err, subset(ld, b, back))
	}
	if permErr != nil {
		return consumererror.NewPermanent(permErr)
	}
	return nil
}

func (e *auditExporter) deadLetterEntries(b *batch, idx []int) []deadLetterEntry {
	out := make([]deadLetterEntry, len(idx))
	for i, k := range idx {
		it := &b.items[k]
		out[i] = deadLetterEntry{index: it.index, id: it.id, status: it.status, err: it.errRaw, document: b.source(k)}
	}
	return out
}

// sampleFailures logs who failed and why (index, _id, status, error.type),
// never the document or Elasticsearch's reason text, which quotes field
// values.
func sampleFailures(b *batch, idx []int) zap.Field {
	n := min(len(idx), maxLoggedFailures)
	type failure struct {
		Index  string `json:"index"`
		ID     string `json:"id"`
		Status int    `json:"status"`
		Type   string `json:"error_type"`
	}
	s := make([]failure, n)
	for i := range n {
		it := &b.items[idx[i]]
		s[i] = failure{Index: it.index, ID: it.id, Status: it.status, Type: errorType(it.errRaw)}
	}
	return zap.Any("first", s)
}

// subset copies the records at the given item positions (sorted) into a new
// plog.Logs, keeping their resource and scope.
func subset(ld plog.Logs, b *batch, idx []int) plog.Logs {
	out := plog.NewLogs()
	lastRL, lastSL := int32(-1), int32(-1)
	var outRL plog.ResourceLogs
	var outSL plog.ScopeLogs
	for _, k := range idx {
		it := &b.items[k]
		rl := ld.ResourceLogs().At(int(it.rl))
		if it.rl != lastRL {
			outRL = out.ResourceLogs().AppendEmpty()
			rl.Resource().CopyTo(outRL.Resource())
			outRL.SetSchemaUrl(rl.SchemaUrl())
			lastRL, lastSL = it.rl, -1
		}
		sl := rl.ScopeLogs().At(int(it.sl))
		if it.sl != lastSL {
			outSL = outRL.ScopeLogs().AppendEmpty()
			sl.Scope().CopyTo(outSL.Scope())
			outSL.SetSchemaUrl(sl.SchemaUrl())
			lastSL = it.sl
		}
		sl.LogRecords().At(int(it.lr)).CopyTo(outSL.LogRecords().AppendEmpty())
	}
	return out
}
