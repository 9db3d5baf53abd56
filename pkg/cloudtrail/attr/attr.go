// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package attr names the attributes of the log records pkg/cloudtrail makes
// from CloudTrail records. It is a leaf: consumers of those records (the
// exporters) import it instead of the decoder.
package attr // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"

// Attribute keys. They follow OpenTelemetry semantic conventions where one
// exists (cloud.*, user.*, source.address, user_agent.original, tls.*,
// server.address, rpc.*) and the aws.cloudtrail.* / aws.user_identity.*
// names of the collector-contrib CloudTrail decoder otherwise, so that
// dashboards built for contrib keep working.
const (
	CloudProvider  = "cloud.provider"
	CloudAccountID = "cloud.account.id"
	CloudRegion    = "cloud.region"
	CloudResource  = "cloud.resource_id"

	EventID         = "aws.cloudtrail.event_id"
	EventName       = "aws.cloudtrail.event_name"
	EventSource     = "aws.cloudtrail.event_source"
	EventType       = "aws.cloudtrail.event_type"
	EventCategory   = "aws.cloudtrail.event_category"
	EventVersion    = "aws.cloudtrail.event_version"
	ReadOnly        = "aws.cloudtrail.read_only"
	ManagementEvent = "aws.cloudtrail.management_event"
	SharedEventID   = "aws.cloudtrail.shared_event_id"
	APIVersion      = "aws.cloudtrail.api_version"
	Resources       = "aws.cloudtrail.resources"
	AddendumReason  = "aws.cloudtrail.addendum.reason"
	RequestID       = "aws.request_id"
	RPCSystem       = "rpc.system.name"
	RPCMethod       = "rpc.method"
	ErrorCode       = "aws.error.code"
	ErrorMessage    = "aws.error.message"
	SourceAddress   = "source.address"
	UserAgent       = "user_agent.original"
	UserID          = "user.id"
	UserName        = "user.name"

	IdentityType        = "aws.user_identity.type"
	IdentityARN         = "aws.user_identity.arn"
	IdentityPrincipalID = "aws.user_identity.principal_id"
	IdentityAccountID   = "aws.user_identity.account_id"
	IdentityAccessKeyID = "aws.user_identity.access_key_id"
	IdentityInvokedBy   = "aws.user_identity.invoked_by"
	IdentityCredential  = "aws.user_identity.credential_id"
	IdentityStoreARN    = "aws.user_identity.identity_store_arn"
	OnBehalfOfUserID    = "aws.user_identity.on_behalf_of.user_id"
	SessionMFA          = "aws.user_identity.session_context.mfa_authenticated"
	SessionCreated      = "aws.user_identity.session_context.creation_date"
	SessionSourceID     = "aws.user_identity.session_context.source_identity"
	IssuerType          = "aws.user_identity.session_context.issuer.type"
	IssuerARN           = "aws.user_identity.session_context.issuer.arn"
	IssuerPrincipalID   = "aws.user_identity.session_context.issuer.principal_id"
	IssuerAccountID     = "aws.user_identity.session_context.issuer.account_id"
	IssuerUserName      = "aws.user_identity.session_context.issuer.user_name"
	SessionConsole      = "aws.session.console"

	TLSProtocolName    = "tls.protocol.name"
	TLSProtocolVersion = "tls.protocol.version"
	TLSCipher          = "tls.cipher"
	ServerAddress      = "server.address"
	VPCEndpointID      = "aws.vpc_endpoint.id"
	VPCEndpointAccount = "aws.vpc_endpoint.account_id"

	InsightState       = "aws.cloudtrail.insight.state"
	InsightType        = "aws.cloudtrail.insight.type"
	InsightEventSource = "aws.cloudtrail.insight.event_source"
	InsightEventName   = "aws.cloudtrail.insight.event_name"
	InsightErrorCode   = "aws.cloudtrail.insight.error_code"

	PersonalizeAPI          = "aws.personalize.api"
	PersonalizeResourceARN  = "aws.personalize.resource.arn"
	PersonalizeResourceType = "aws.personalize.resource.type"
	PersonalizeDatasetGroup = "aws.personalize.dataset_group.arn"
	PersonalizeDSGDerived   = "aws.personalize.dataset_group.derived"
	PersonalizeTrackingID   = "aws.personalize.tracking_id"
)
