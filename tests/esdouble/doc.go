// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package esdouble is an in-process Elasticsearch test double: a real HTTP
// server on 127.0.0.1 that speaks enough of the Elasticsearch REST API for
// an exporter to be tested end to end without a cluster.
//
// It is deliberately strict where a lenient fake would hide bugs: _bulk
// bodies must be well-formed NDJSON ending in a newline, data streams accept
// only `create`, an `_id` written twice to the same data stream answers 409
// version_conflict_engine_exception, documents are checked against the
// mappings of the matching index template (an `ip` field must hold an IP, an
// object field must not receive a concrete value), an index template that
// names a missing component template is refused, and template bodies are
// parsed as the configured version does: unknown keys, keys newer than that
// version (template.lifecycle before 8.11), malformed lifecycles and, with
// Options.Serverless, ILM settings are refused with 400. Data streams take
// the lifecycle and ILM policy their template composes (DataStreamLifecycle).
//
// Faults are injected by rule: per-item statuses (by _id, every Nth item, a
// predicate), whole-request statuses for the next N requests or for a time
// window, 413 above a body size, and connections dropped before a response.
// _bulk requests can be slowed down (SlowBulk) or held until released
// (HoldBulk), so that a client has requests in flight at a chosen moment.
//
// Every response carries `X-Elastic-Product: Elasticsearch` unless the
// double is told to impersonate another product, which is how the official
// client's product check is tested.
package esdouble // import "github.com/personalize-audit/otelcol-personalize/tests/esdouble"
