// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package conventions holds the test that keeps the house conventions of
// the collector repositories in every package of this module: an SPDX
// license header on each source file and an import comment on each package
// clause.
package conventions // import "github.com/personalize-audit/otelcol-personalize/internal/conventions"
