// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"maps"
	"strings"
)

// templateVersion is written into every template (`version`, `_meta`) so an
// operator can see which exporter release installed it. Bump it when the
// mappings change.
const templateVersion = 2

// templatePriority sits above the built-in logs-*-* template (100) and below
// the 500 that Elastic reserves for user overrides, so that an operator can
// still layer a custom template on top.
const templatePriority = 250

// defaultIndexPattern covers every dataset of this product: cloudtrail.*
// keeps clear of Elastic's own logs-aws.cloudtrail-* (its integration's
// ingest pipeline would rewrite our documents).
const defaultIndexPattern = "logs-cloudtrail.*-*"

// Field is one explicitly mapped field.
type Field struct {
	// Path is the dotted field name.
	Path string
	// Type is the Elasticsearch field type.
	Type string
	// Params are extra mapping parameters (ignore_above, index, ...).
	Params map[string]any
}

var (
	keywordText = map[string]any{"fields": map[string]any{"keyword": map[string]any{"type": "keyword", "ignore_above": 1024}}}
	// rawJSON: searchable as a whole when short, always kept in _source.
	rawJSON = map[string]any{"ignore_above": 8191, "doc_values": false}
	// flattenedParams: a leaf above 8191 bytes would otherwise fail the
	// document (Lucene's term limit is 32766 bytes).
	flattenedParams = map[string]any{"ignore_above": 8191, "depth_limit": 20}
	notIndexed      = map[string]any{"index": false, "doc_values": false}
	lenientDate     = map[string]any{"ignore_malformed": true}
)

func kw(path string) Field { return Field{Path: path, Type: "keyword"} }

// mappedFields is the mapping of both layouts. They share one template: the
// ECS fields and the OTel-native ones (attributes, resource, scope, body,
// severity_*) do not collide. The root is dynamic: false, so an attribute
// not listed here is kept in _source (visible in Discover) but cannot add
// fields to the mapping: no mapping explosion, no type conflict between
// records.
var mappedFields = []Field{
	{Path: "@timestamp", Type: "date"},
	kw("ecs.version"),
	{Path: "message", Type: "text", Params: keywordText},
	{Path: "data_stream.type", Type: "constant_keyword"},
	{Path: "data_stream.dataset", Type: "constant_keyword"},
	{Path: "data_stream.namespace", Type: "constant_keyword"},

	kw("event.id"), kw("event.action"), kw("event.provider"), kw("event.outcome"), kw("event.kind"),
	kw("event.category"), kw("event.type"), kw("event.dataset"),
	{Path: "event.original", Type: "keyword", Params: notIndexed},

	kw("cloud.provider"), kw("cloud.account.id"), kw("cloud.region"), kw("cloud.resource_id"),
	kw("source.address"), {Path: "source.ip", Type: "ip"}, kw("source.domain"),
	kw("user.name"), kw("user.id"),
	{Path: "user_agent.original", Type: "keyword", Params: map[string]any{"ignore_above": 1024, "fields": map[string]any{"text": map[string]any{"type": "match_only_text"}}}},
	kw("error.code"), {Path: "error.message", Type: "text", Params: keywordText},
	kw("tls.version"), kw("tls.version_protocol"), kw("tls.cipher"), kw("tls.client.server_name"),
	kw("server.address"),
	kw("related.user"), {Path: "related.ip", Type: "ip"},
	kw("rpc.method"), kw("rpc.system.name"),
	kw("log.level"), kw("log.file.path"), kw("trace.id"), kw("span.id"),
	kw("service.name"), kw("host.name"),

	kw("aws.cloudtrail.event_version"), kw("aws.cloudtrail.event_type"), kw("aws.cloudtrail.event_category"),
	kw("aws.cloudtrail.request_id"), kw("aws.cloudtrail.api_version"),
	{Path: "aws.cloudtrail.read_only", Type: "boolean"}, {Path: "aws.cloudtrail.management_event", Type: "boolean"},
	kw("aws.cloudtrail.shared_event_id"), kw("aws.cloudtrail.recipient_account_id"),
	kw("aws.cloudtrail.vpc_endpoint_id"), kw("aws.cloudtrail.vpc_endpoint_account_id"),
	{Path: "aws.cloudtrail.session_credential_from_console", Type: "boolean"},
	kw("aws.cloudtrail.addendum.reason"),
	kw("aws.cloudtrail.insight.state"), kw("aws.cloudtrail.insight.type"), kw("aws.cloudtrail.insight.event_source"),
	kw("aws.cloudtrail.insight.event_name"), kw("aws.cloudtrail.insight.error_code"),
	kw("aws.cloudtrail.resources.arn"), kw("aws.cloudtrail.resources.account_id"), kw("aws.cloudtrail.resources.type"),
	{Path: "aws.cloudtrail.request_parameters", Type: "flattened", Params: flattenedParams},
	{Path: "aws.cloudtrail.response_elements", Type: "flattened", Params: flattenedParams},
	{Path: "aws.cloudtrail.additional_eventdata", Type: "flattened", Params: flattenedParams},
	{Path: "aws.cloudtrail.service_event_details", Type: "flattened", Params: flattenedParams},
	{Path: "aws.cloudtrail.request_parameters_json", Type: "keyword", Params: rawJSON},
	{Path: "aws.cloudtrail.response_elements_json", Type: "keyword", Params: rawJSON},
	kw("aws.cloudtrail.user_identity.type"), kw("aws.cloudtrail.user_identity.arn"),
	kw("aws.cloudtrail.user_identity.principal_id"), kw("aws.cloudtrail.user_identity.account_id"),
	kw("aws.cloudtrail.user_identity.access_key_id"), kw("aws.cloudtrail.user_identity.invoked_by"),
	kw("aws.cloudtrail.user_identity.credential_id"), kw("aws.cloudtrail.user_identity.identity_store_arn"),
	kw("aws.cloudtrail.user_identity.on_behalf_of.user_id"),
	{Path: "aws.cloudtrail.user_identity.session_context.mfa_authenticated", Type: "boolean"},
	{Path: "aws.cloudtrail.user_identity.session_context.creation_date", Type: "date", Params: lenientDate},
	kw("aws.cloudtrail.user_identity.session_context.source_identity"),
	kw("aws.cloudtrail.user_identity.session_context.session_issuer.type"),
	kw("aws.cloudtrail.user_identity.session_context.session_issuer.arn"),
	kw("aws.cloudtrail.user_identity.session_context.session_issuer.principal_id"),
	kw("aws.cloudtrail.user_identity.session_context.session_issuer.account_id"),
	kw("aws.cloudtrail.user_identity.session_context.session_issuer.user_name"),

	kw("aws.personalize.api"), kw("aws.personalize.resource.arn"), kw("aws.personalize.resource.type"),
	kw("aws.personalize.dataset_group.arn"), {Path: "aws.personalize.dataset_group.derived", Type: "boolean"},
	kw("aws.personalize.tracking_id"),

	// OTel-native layout (mapping.mode: otel).
	{Path: "observed_timestamp", Type: "date"},
	kw("severity_text"), {Path: "severity_number", Type: "byte"},
	kw("event_name"), kw("trace_id"), kw("span_id"),
	{Path: "resource.attributes", Type: "flattened", Params: flattenedParams},
	kw("scope.name"), kw("scope.version"),
	{Path: "scope.attributes", Type: "flattened", Params: flattenedParams},
	{Path: "attributes", Type: "flattened", Params: flattenedParams},
	{Path: "body.text", Type: "match_only_text"},
	{Path: "body.structured", Type: "flattened", Params: flattenedParams},
}

// MappedFields returns every explicitly mapped field and its type. Kibana
// saved objects and dashboards may rely on these and nothing else.
func MappedFields() map[string]string {
	out := make(map[string]string, len(mappedFields))
	for _, f := range mappedFields {
		out[f.Path] = f.Type
	}
	return out
}

// TemplateSet is what the exporter installs: component templates (installed
// first, in order) and the index template composed of them.
type TemplateSet struct {
	IndexTemplateName string
	IndexTemplate     map[string]any
	// ComponentNames is the install order of ComponentTemplates.
	ComponentNames     []string
	ComponentTemplates map[string]map[string]any
	// Lifecycle says what manages the backing indices, for the log.
	Lifecycle string
	// Warning, when set, is why the configured lifecycle cannot apply to
	// this cluster.
	Warning string
}

// Cluster is what GET / told about the cluster the templates are for.
type Cluster struct {
	// Version is version.number ("8.17.0").
	Version string
	// Serverless: build_flavor "serverless" (no ILM).
	Serverless bool
}

// lifecycle decides what manages the backing indices (the installed
// template sits above the built-in logs one, so it must bring its own):
//
//   - templates::ilm_policy set: that ILM policy (index.lifecycle.name), and
//     no data stream lifecycle, which ILM would override anyway
//     (index.lifecycle.prefer_ilm defaults to true);
//   - otherwise, on 8.11 and later and on serverless: a data stream
//     lifecycle with templates::data_retention (none: kept forever, still
//     rolled over);
//   - otherwise (before 8.11, no data stream lifecycle yet): the built-in
//     ILM policy logs, which the built-in template would have applied
//     (rollover, no deletion), with a warning that data_retention cannot
//     apply;
//   - serverless has no ILM: ilm_policy is ignored there, with a warning,
//     rather than have the whole template refused.
func lifecycle(cfg TemplatesConfig, c Cluster) (ilmPolicy string, dsl map[string]any, desc, warning string) {
	if cfg.ILMPolicy != "" {
		if !c.Serverless {
			return cfg.ILMPolicy, nil, "ILM policy " + cfg.ILMPolicy, ""
		}
		warning = "Elasticsearch Serverless has no ILM: templates::ilm_policy " + cfg.ILMPolicy + " is ignored and the data stream lifecycle applies"
	}
	if !c.Serverless && !versionAtLeast(c.Version, 8, 11) {
		return "logs", nil, "ILM policy logs (built-in: rollover, no deletion)",
			"Elasticsearch " + c.Version + " has no data stream lifecycle (8.11 and later): templates::data_retention is not applied and documents are kept forever; " +
				"set templates::ilm_policy to an ILM policy with a delete phase"
	}
	dsl = map[string]any{}
	desc = "data stream lifecycle, kept forever"
	if cfg.DataRetention != "" {
		dsl["data_retention"] = cfg.DataRetention
		desc = "data stream lifecycle, data_retention " + cfg.DataRetention
	}
	return "", dsl, desc, warning
}

// Templates returns the templates for a configured dataset and the cluster
// they go to. The index pattern is logs-cloudtrail.*-*; a dataset outside
// cloudtrail.* gets its own logs-<dataset>-* pattern and a template name of
// its own, so that two exporters with different datasets do not overwrite
// each other's template. Records routed elsewhere by a data_stream.dataset
// attribute are not covered: they get whatever template matches their name.
func Templates(cfg TemplatesConfig, dataset string, c Cluster) TemplateSet {
	name := "cloudtrail-audit"
	patterns := []string{defaultIndexPattern}
	if !strings.HasPrefix(dataset, "cloudtrail.") {
		name += "-" + dataset
		patterns = []string{"logs-" + dataset + "-*"}
	}
	meta := map[string]any{"managed_by": "otelcol elasticsearch_audit exporter", "version": templateVersion}
	index := map[string]any{
		"mapping": map[string]any{"total_fields": map[string]any{"limit": 2000}},
	}
	ilmPolicy, dsl, desc, warning := lifecycle(cfg, c)
	if ilmPolicy != "" {
		index["lifecycle"] = map[string]any{"name": ilmPolicy}
	}
	settingsName, mappingsName := name+"@settings", name+"@mappings"
	comps := map[string]map[string]any{
		settingsName: {
			"template": map[string]any{"settings": map[string]any{"index": index}},
			"version":  templateVersion, "_meta": meta,
		},
		mappingsName: {
			"template": map[string]any{"mappings": map[string]any{
				"dynamic":        false,
				"date_detection": false,
				"properties":     properties(mappedFields),
			}},
			"version": templateVersion, "_meta": meta,
		},
	}
	it := map[string]any{
		"index_patterns": patterns,
		"priority":       templatePriority,
		"data_stream":    map[string]any{},
		"composed_of":    []string{settingsName, mappingsName},
		"version":        templateVersion,
		"_meta":          meta,
	}
	if dsl != nil {
		it["template"] = map[string]any{"lifecycle": dsl}
	}
	return TemplateSet{
		IndexTemplateName:  name,
		IndexTemplate:      it,
		ComponentNames:     []string{settingsName, mappingsName},
		ComponentTemplates: comps,
		Lifecycle:          desc,
		Warning:            warning,
	}
}

// properties builds nested mapping properties from dotted paths.
func properties(fields []Field) map[string]any {
	root := map[string]any{}
	for _, f := range fields {
		parts := strings.Split(f.Path, ".")
		props := root
		for _, p := range parts[:len(parts)-1] {
			obj, ok := props[p].(map[string]any)
			if !ok {
				obj = map[string]any{"properties": map[string]any{}}
				props[p] = obj
			}
			props = obj["properties"].(map[string]any)
		}
		m := map[string]any{"type": f.Type}
		maps.Copy(m, f.Params)
		props[parts[len(parts)-1]] = m
	}
	return root
}
