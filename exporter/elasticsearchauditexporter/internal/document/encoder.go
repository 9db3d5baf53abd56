// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package document turns OpenTelemetry log records into Elasticsearch
// documents (ECS or OTel-native layout), picks their data stream and gives
// each a stable _id. It writes JSON straight into byte slices: at 100k
// documents a second, reflection-based encoding would be the bottleneck.
package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
)

// Mode selects the document layout.
type Mode uint8

const (
	// ModeECS writes Elastic Common Schema fields (the default).
	ModeECS Mode = iota
	// ModeOTel writes the OTel-native layout (attributes.*, resource.attributes.*, body.*).
	ModeOTel
)

// ParseMode reads the `mapping.mode` setting.
func ParseMode(s string) (Mode, bool) {
	switch s {
	case "", "ecs":
		return ModeECS, true
	case "otel":
		return ModeOTel, true
	}
	return 0, false
}

// Options configure an Encoder.
type Options struct {
	Mode Mode
	// EventOriginal copies the body (the whole CloudTrail record) into
	// event.original (ECS mode), kept in _source but not indexed.
	EventOriginal bool
}

// Encoder encodes records. It keeps scratch space between calls and is not
// safe for concurrent use: keep one per goroutine (or in a sync.Pool).
type Encoder struct {
	opts    Options
	t       tree
	types   [4]string
	related [2]string
	ips     [1]string
	scratch []byte
	indices map[Route]string
}

// ECSVersion is the ECS release the ecs layout follows, written as
// ecs.version in every document so that Kibana and the Elastic integrations
// can tell which field semantics apply.
const ECSVersion = "8.17.0"

// NewEncoder returns an Encoder.
func NewEncoder(opts Options) *Encoder {
	return &Encoder{opts: opts, indices: map[Route]string{}}
}

// Index returns the data stream name of a route, memoised so that routing a
// record costs no allocation.
func (e *Encoder) Index(r Route) string {
	if s, ok := e.indices[r]; ok {
		return s
	}
	s := r.Index()
	if len(e.indices) < 1024 {
		e.indices[r] = s
	}
	return s
}

// Append appends the document for lr to dst.
func (e *Encoder) Append(dst []byte, res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord, r Route) []byte {
	if e.opts.Mode == ModeOTel {
		return e.appendOTel(dst, res, scope, lr, r)
	}
	e.t.reset()
	e.t.putTime("@timestamp", timestamp(lr))
	e.t.putStr("ecs.version", ECSVersion)
	attrs := lr.Attributes()
	if isCloudTrail(attrs) {
		e.cloudTrail(res, lr)
	} else {
		e.generic(res, lr)
	}
	e.t.putStr("data_stream.type", "logs")
	e.t.putStr("data_stream.dataset", r.Dataset)
	e.t.putStr("data_stream.namespace", r.Namespace)
	e.t.putStr("event.dataset", r.Dataset)
	return e.t.appendJSON(dst)
}

// timestamp is the event time, else the observed time, else now: a document
// in a data stream must have @timestamp.
func timestamp(lr plog.LogRecord) time.Time {
	if ts := lr.Timestamp(); ts != 0 {
		return ts.AsTime()
	}
	if ts := lr.ObservedTimestamp(); ts != 0 {
		return ts.AsTime()
	}
	return time.Now()
}

// isCloudTrail says whether a record came from the cloudtrail receiver (or
// anything that sets the same attributes) and gets the CloudTrail mapping.
func isCloudTrail(attrs pcommon.Map) bool {
	if _, ok := attrs.Get(attr.EventID); ok {
		return true
	}
	_, ok := attrs.Get(attr.EventSource)
	return ok
}

// MaxIDLength bounds _id: Elasticsearch refuses ids over 512 bytes, and a
// longer event id is replaced by its hash.
const MaxIDLength = 512

// ID returns the document _id: the CloudTrail eventID when there is one (the
// key CloudTrail itself documents for de-duplication), else a SHA-256 of
// what identifies the record (timestamp, resource, scope, event name,
// severity, attributes, body) so that re-reading the same input yields the
// same _id. The observed timestamp is left out on purpose: it changes on
// every read.
func (e *Encoder) ID(res pcommon.Resource, scope pcommon.InstrumentationScope, lr plog.LogRecord) string {
	if v, ok := lr.Attributes().Get(attr.EventID); ok && v.Type() == pcommon.ValueTypeStr {
		if s := v.Str(); s != "" && len(s) <= MaxIDLength {
			return s
		}
	}
	b := e.scratch[:0]
	b = append(b, "v1\x00"...)
	b = strconv.AppendUint(b, uint64(lr.Timestamp()), 10)
	b = append(b, 0)
	b = AppendMap(b, res.Attributes())
	b = append(b, 0)
	b = append(b, scope.Name()...)
	b = append(b, 0)
	b = append(b, lr.EventName()...)
	b = append(b, 0)
	b = append(b, lr.SeverityText()...)
	b = strconv.AppendInt(b, int64(lr.SeverityNumber()), 10)
	b = append(b, 0)
	b = AppendMap(b, lr.Attributes())
	b = append(b, 0)
	b = AppendValue(b, lr.Body())
	sum := sha256.Sum256(b)
	if cap(b) <= 64<<10 {
		e.scratch = b
	}
	return hex.EncodeToString(sum[:20])
}
