// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package benchsink

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// TestOTLPCountsJSONLogRecords: the cheap count agrees with pdata's, also
// when an attribute key or a string value spells the member it counts.
func TestOTLPCountsJSONLogRecords(t *testing.T) {
	ld := plog.NewLogs()
	for r := range 3 {
		sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
		for i := range 4 + r {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Unix(1700000000, int64(i))))
			lr.Attributes().PutStr("observedTimeUnixNano", `"observedTimeUnixNano":`)
			lr.Body().SetStr(`{"observedTimeUnixNano":1}`)
		}
	}
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	require.NoError(t, err)

	s := NewOTLP()
	post := func(b []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, post(body))
	assert.Equal(t, int64(ld.LogRecordCount()), s.Events())
	assert.Equal(t, http.StatusBadRequest, post([]byte(`[1,2]`)))
	assert.Equal(t, int64(1), s.Bad())
}
