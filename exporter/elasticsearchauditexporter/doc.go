// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package elasticsearchauditexporter is the `elasticsearch_audit` exporter:
// it writes log records (above all CloudTrail records from the cloudtrail
// receiver) to Elasticsearch data streams in ECS, for Kibana.
//
// It is built for an audit trail, where a duplicate is noise and a lost
// record is a finding: every document has a stable _id (the CloudTrail
// eventID) and is written with `create`, so redelivery is harmless (409
// counts as already indexed); a push succeeds only once Elasticsearch has
// confirmed every document or the document is in the dead-letter file, and
// anything else goes back to the queue carrying only the records still
// undelivered. See README.md for configuration, fields and failure handling.
package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"
