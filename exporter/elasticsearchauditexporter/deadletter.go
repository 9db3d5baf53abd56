// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package elasticsearchauditexporter // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter"

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"
)

// deadLetter appends documents that Elasticsearch rejected for good to an
// NDJSON file, one line per document:
//
//	{"@timestamp":"…","index":"logs-…","id":"…","status":400,"error":{…},"document":{…}}
//
// Each batch is written with one write and fsynced before the push reports
// success, so an acknowledged record is either in Elasticsearch or on disk.
// The file holds audit data: it is created 0600.
type deadLetter struct {
	mu   sync.Mutex
	path string
	f    *os.File
	buf  []byte
}

func openDeadLetter(path string) (*deadLetter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("dead letter directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dead letter file: %w", err)
	}
	return &deadLetter{path: path, f: f}, nil
}

// deadLetterEntry is one rejected document.
type deadLetterEntry struct {
	index, id string
	status    int
	err       json.RawMessage // the item's error object from Elasticsearch
	document  []byte          // the document's JSON
}

// write appends entries and syncs the file.
func (d *deadLetter) write(entries []deadLetterEntry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return fmt.Errorf("dead letter file %s is closed", d.path)
	}
	b := d.buf[:0]
	now := time.Now()
	for _, e := range entries {
		b = append(b, `{"@timestamp":`...)
		b = document.AppendTime(b, now)
		b = append(b, `,"index":`...)
		b = document.AppendString(b, e.index)
		b = append(b, `,"id":`...)
		b = document.AppendString(b, e.id)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(e.status), 10)
		b = append(b, `,"error":`...)
		if len(e.err) > 0 && json.Valid(e.err) {
			b = append(b, e.err...)
		} else {
			b = append(b, `{"type":"unknown","reason":`...)
			b = document.AppendBytesAsString(b, e.err)
			b = append(b, '}')
		}
		b = append(b, `,"document":`...)
		b = append(b, e.document...)
		b = append(b, "}\n"...)
	}
	if cap(b) <= 4<<20 {
		d.buf = b
	}
	if _, err := d.f.Write(b); err != nil {
		return fmt.Errorf("writing dead letter file %s: %w", d.path, err)
	}
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("syncing dead letter file %s: %w", d.path, err)
	}
	return nil
}

func (d *deadLetter) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}
