// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package checkpoint keeps what the receiver remembers of each CloudTrail
// object in a storage extension: how far it was read, and for how long a
// finished one is remembered (checkpoint_retention).
package checkpoint // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver/internal/checkpoint"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Checkpoint is what the receiver remembers about one file, stored as JSON
// under the file's identity (see directory.go: a fingerprint of its first
// bytes, nothing path-based, so that it survives renames).
type Checkpoint struct {
	// Records is the index of the next record not yet delivered: records
	// before it were accepted by the next consumer (or were not selected,
	// duplicates, failed to decode, or dropped with a permanent error).
	Records int64 `json:"records"`
	// Done: the file was read to its end, or to an error it will not get
	// past. It is not read again unless its size changes.
	Done bool `json:"done"`
	// Size and ModTime are the file's when the checkpoint was written.
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	// Path is where the file was last seen.
	Path string `json:"path"`
	// Tail is the fingerprint of the bytes that end at Size. A file found
	// under the same identity must still hold them there: otherwise it is a
	// different file that only starts with the same bytes.
	Tail string `json:"tail,omitempty"`
	// Error is the error that ended the file, if any.
	Error string `json:"error,omitempty"`
}

// KeyPrefix namespaces the receiver's keys in the storage client.
const KeyPrefix = "cloudtrail.file."

// Store reads and writes Store through a storage client.
type Store struct {
	client storage.Client
}

// NewStore returns the checkpoints kept through client.
func NewStore(client storage.Client) *Store { return &Store{client: client} }

// Get returns the checkpoint stored under key, or nil when there is none.
func (c *Store) Get(ctx context.Context, key string) (*Checkpoint, error) {
	var cp Checkpoint
	found, err := GetJSON(ctx, c.client, KeyPrefix+key, &cp)
	if err != nil || !found {
		return nil, err
	}
	return &cp, nil
}

// Set stores cp under key. It is not cancelled with ctx: a checkpoint is
// written after data was delivered, and losing it would deliver the data
// again after a restart.
func (c *Store) Set(ctx context.Context, key string, cp *Checkpoint) error {
	return SetJSON(context.WithoutCancel(ctx), c.client, KeyPrefix+key, cp)
}

// SetAll writes several checkpoints in one storage operation: one
// transaction of file_storage for a whole delivered batch instead of one per
// file.
func (c *Store) SetAll(ctx context.Context, keys []string, cps []*Checkpoint) error {
	ops := make([]*storage.Operation, len(keys))
	for i, key := range keys {
		b, err := json.Marshal(cps[i])
		if err != nil {
			return err
		}
		ops[i] = storage.SetOperation(KeyPrefix+key, b)
	}
	if err := c.client.Batch(context.WithoutCancel(ctx), ops...); err != nil {
		return fmt.Errorf("writing %d checkpoints: %w", len(keys), err)
	}
	return nil
}

// GetJSON reads the JSON value stored under key into v; found is false, and
// v untouched, when there is none. The receiver keeps everything it stores
// (Store, S3 listing positions, the retention's records) as JSON.
func GetJSON(ctx context.Context, client storage.Client, key string, v any) (found bool, err error) {
	b, err := client.Get(ctx, key)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", key, err)
	}
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

// Undecodable reports whether err, from GetJSON, says the stored value is
// not JSON of the expected shape (rather than that storage failed).
func Undecodable(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

// SetJSON stores v as JSON under key.
func SetJSON(ctx context.Context, client storage.Client, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := client.Set(ctx, key, b); err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	return nil
}

func (c *Store) Delete(ctx context.Context, key string) error {
	return c.client.Delete(context.WithoutCancel(ctx), KeyPrefix+key)
}

// StorageClient returns a client of the storage extension id, or an
// in-memory client when id is nil.
func StorageClient(ctx context.Context, host component.Host, id *component.ID, self component.ID) (storage.Client, error) {
	if id == nil {
		return NewMemoryClient(), nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return nil, fmt.Errorf("storage extension %q not found", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("extension %q is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, self, "")
	if err != nil {
		return nil, fmt.Errorf("storage extension %q: %w", id, err)
	}
	return client, nil
}

// MemoryClient is the storage used without a storage extension: Store
// last as long as the process.
type MemoryClient struct {
	mu   sync.Mutex
	data map[string][]byte
}

func NewMemoryClient() *MemoryClient { return &MemoryClient{data: make(map[string][]byte)} }

func (m *MemoryClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (m *MemoryClient) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte(nil), value...)
	return nil
}

func (m *MemoryClient) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *MemoryClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		var err error
		switch op.Type {
		case storage.Get:
			op.Value, err = m.Get(ctx, op.Key)
		case storage.Set:
			err = m.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			err = m.Delete(ctx, op.Key)
		default:
			err = fmt.Errorf("unknown storage operation %d", op.Type)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *MemoryClient) Close(context.Context) error { return nil }
