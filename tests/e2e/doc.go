// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package e2e holds end-to-end tests for the otelcol-personalize distribution.
//
// The tests run the built collector binary as a subprocess, feed it CloudTrail
// files and check, with an OTLP/HTTP receiver running inside the test, what it
// exports. The S3, SQS and Elasticsearch tests run it against versitygw and the
// in-process doubles of tests/sqsdouble and tests/esdouble; the scale-out test
// runs three collectors on one SQS queue and kills one. They need the binary:
//
//   - OTELCOL_BIN names it; otherwise <repo>/bin/otelcol-personalize is used
//     (what `make build` produces).
//   - When it is missing the tests skip, unless E2E_REQUIRED=1, in which case
//     they fail (`make test` / `make e2e` set it).
//   - E2E_SKIP=1 skips them even when the binary exists (used by `make unit`
//     so that a stale binary is not tested); E2E_REQUIRED=1 overrides it.
//
// The helpers themselves (the OTLP sink and the CloudTrail oracle) have tests
// that need no binary.
package e2e // import "github.com/personalize-audit/otelcol-personalize/tests/e2e"
