// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package auditconsoleexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/auditconsoleexporter"

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/attr"
)

// consoleExporter writes one line per log record to out.
type consoleExporter struct {
	mu  sync.Mutex // one push's lines stay together
	out io.Writer
}

func newConsoleExporter(out io.Writer) *consoleExporter {
	return &consoleExporter{out: out}
}

func (e *consoleExporter) pushLogs(_ context.Context, ld plog.Logs) error {
	var b strings.Builder
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				appendLine(&b, rl.Resource().Attributes(), lrs.At(k))
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := io.WriteString(e.out, b.String())
	return err
}

// appendLine writes the record as
//
//	<time> <account> <region> <user> <operation> <resource> <outcome>
//
// with "-" for what the record does not have, so every line has the same
// seven columns.
func appendLine(b *strings.Builder, res pcommon.Map, lr plog.LogRecord) {
	attrs := lr.Attributes()
	when := "-"
	if lr.Timestamp() != 0 {
		when = lr.Timestamp().AsTime().UTC().Format(time.RFC3339)
	}
	operation := first(attrs, attr.EventName)
	if operation == "" {
		operation = lr.EventName()
	}
	fields := []string{
		when,
		first(res, attr.CloudAccountID),
		first(res, attr.CloudRegion),
		// The person or role, else the service acting, else the identity's
		// type (an AWSAccount or Unknown identity has no name).
		first(attrs, attr.UserName, attr.IdentityInvokedBy, attr.UserID, attr.IdentityType),
		operation,
		first(attrs, attr.PersonalizeResourceARN, attr.CloudResource),
	}
	for _, f := range fields {
		b.WriteString(column(f))
		b.WriteByte(' ')
	}
	if code := first(attrs, attr.ErrorCode); code != "" {
		b.WriteString("failure (")
		b.WriteString(column(code))
		b.WriteString(")\n")
		return
	}
	b.WriteString("success\n")
}

// first returns the first of keys that m holds with a non-empty value.
func first(m pcommon.Map, keys ...string) string {
	for _, k := range keys {
		if v, ok := m.Get(k); ok {
			if s := v.AsString(); s != "" {
				return s
			}
		}
	}
	return ""
}

// column keeps a value on its line and in its column: empty is "-", and a
// value with spaces or control characters (CloudTrail text is not ours to
// trust) is quoted.
func column(s string) string {
	if s == "" {
		return "-"
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '"' }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
