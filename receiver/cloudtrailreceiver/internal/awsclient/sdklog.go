// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package awsclient // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/awsclient"

import (
	"fmt"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/zap"
)

// sdkLogger routes the AWS SDK's log lines through the component's logger.
// The SDK's default logger writes to stderr past the collector's logging
// ("SDK 2026/... DEBUG Response has no supported checksum", once per object
// read from some S3-compatible servers). Its lines are details of single
// requests, so all of them go at debug, with the SDK's own classification.
type sdkLogger struct {
	logger *zap.Logger
}

var _ logging.Logger = sdkLogger{}

func newSDKLogger(logger *zap.Logger) sdkLogger {
	return sdkLogger{logger: logger.With(zap.String("origin", "aws-sdk"))}
}

func (l sdkLogger) Logf(classification logging.Classification, format string, v ...any) {
	if ce := l.logger.Check(zap.DebugLevel, ""); ce != nil {
		ce.Message = fmt.Sprintf(format, v...)
		ce.Write(zap.String("sdk_level", string(classification)))
	}
}
