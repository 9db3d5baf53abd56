// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package auditconsoleexporter is the `audit_console` exporter: it prints
// each CloudTrail log record of the cloudtrail receiver as one line (time,
// account, region, user, operation, resource, outcome), for a person at a
// terminal. See README.md.
package auditconsoleexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter"
