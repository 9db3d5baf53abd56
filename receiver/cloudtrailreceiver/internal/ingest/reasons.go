// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package ingest // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/ingest"

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"sync"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"
	"github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/source"
)

// Values of the reason attribute of otelcol_cloudtrail_records_failed,
// shared with the cloudtrail_encoding extension's counter.
const (
	ReasonInvalidJSON   = cloudtrail.ReasonInvalidJSON
	ReasonTooLarge      = cloudtrail.ReasonTooLarge
	ReasonBadEventTime  = cloudtrail.ReasonBadEventTime
	ReasonNotCloudTrail = cloudtrail.ReasonNotCloudTrail
)

// Values of the reason attribute of otelcol_cloudtrail_file_errors, besides
// the sources' own (source.ReasonRead, ReasonMissing, ReasonAccessDenied).
const (
	ReasonEmpty             = "empty"
	ReasonFileNotCloudTrail = "not_cloudtrail"
	ReasonTruncated         = "truncated"
	ReasonFileInvalidJSON   = "invalid_json"
	ReasonGzip              = "invalid_gzip"
	ReasonCompression       = "invalid_compression" // corrupt zstd or snappy
	ReasonUnsupported       = "unsupported_compression"
)

// fileErrorReason is the reason attribute of a file that broke.
func fileErrorReason(err error) string {
	switch {
	case errors.Is(err, cloudtrail.ErrEmpty):
		return ReasonEmpty
	case errors.Is(err, cloudtrail.ErrNotCloudTrail):
		return ReasonFileNotCloudTrail
	case errors.Is(err, cloudtrail.ErrTruncated), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ReasonTruncated
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return ReasonGzip
	case errors.Is(err, cloudtrail.ErrDecompress):
		return ReasonCompression
	case errors.Is(err, cloudtrail.ErrUnsupportedCompression):
		return ReasonUnsupported
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return ReasonGzip
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return source.ReasonRead
	}
	return ReasonFileInvalidJSON
}

// reportMarks holds, per file key, the index below which record errors were
// already logged. Workers share it.
type reportMarks struct {
	mu sync.Mutex
	m  map[string]int64
}

func newReportMarks() *reportMarks { return &reportMarks{m: make(map[string]int64)} }

func (r *reportMarks) get(key string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[key]
}

func (r *reportMarks) set(key string, v int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[key] = v
}

func (r *reportMarks) delete(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, key)
}

func (r *reportMarks) rename(from, to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.m[from]; ok {
		r.m[to] = v
		delete(r.m, from)
	}
}
