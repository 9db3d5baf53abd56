package cloudtrailreceiver // import "github.com/personalize-audit/otelcol-personalize/receiver/cloudtrailreceiver"

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

// checkpoint is what the receiver remembers about one file, stored as JSON
// under the file's identity (see directory.go: a fingerprint of its first
// bytes, nothing path-based, so that it survives renames).
type checkpoint struct {
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

// checkpointKeyPrefix namespaces the receiver's keys in the storage client.
const checkpointKeyPrefix = "cloudtrail.file."

// checkpoints reads and writes checkpoints through a storage client.
type checkpoints struct {
	client storage.Client
}

// get returns the checkpoint stored under key, or nil when there is none.
func (c *checkpoints) get(ctx context.Context, key string) (*checkpoint, error) {
	var cp checkpoint
	found, err := getJSON(ctx, c.client, checkpointKeyPrefix+key, &cp)
	if err != nil || !found {
		return nil, err
	}
	return &cp, nil
}

// set stores cp under key. It is not cancelled with ctx: a checkpoint is
// written after data was delivered, and losing it would deliver the data
// again after a restart.
func (c *checkpoints) set(ctx context.Context, key string, cp *checkpoint) error {
	return setJSON(context.WithoutCancel(ctx), c.client, checkpointKeyPrefix+key, cp)
}

// getJSON reads the JSON value stored under key into v; found is false, and
// v untouched, when there is none. The receiver keeps everything it stores
// (checkpoints, S3 listing positions, the retention's records) as JSON.
func getJSON(ctx context.Context, client storage.Client, key string, v any) (found bool, err error) {
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

// undecodable reports whether err, from getJSON, says the stored value is
// not JSON of the expected shape (rather than that storage failed).
func undecodable(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

// setJSON stores v as JSON under key.
func setJSON(ctx context.Context, client storage.Client, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := client.Set(ctx, key, b); err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	return nil
}

func (c *checkpoints) delete(ctx context.Context, key string) error {
	return c.client.Delete(context.WithoutCancel(ctx), checkpointKeyPrefix+key)
}

// getStorageClient returns a client of the storage extension id, or an
// in-memory client when id is nil.
func getStorageClient(ctx context.Context, host component.Host, id *component.ID, self component.ID) (storage.Client, error) {
	if id == nil {
		return newMemoryClient(), nil
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

// memoryClient is the storage used without a storage extension: checkpoints
// last as long as the process.
type memoryClient struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newMemoryClient() *memoryClient { return &memoryClient{data: make(map[string][]byte)} }

func (m *memoryClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (m *memoryClient) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte(nil), value...)
	return nil
}

func (m *memoryClient) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memoryClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
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

func (m *memoryClient) Close(context.Context) error { return nil }
