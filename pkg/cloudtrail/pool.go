// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"bufio"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// A trail is many small files (75 KB on average), each read by a decoder of
// its own: the scanner's buffer, the gzip reader (its 32 KiB window and
// Huffman tables) and the read-ahead of a file were more than half of what
// the collector allocated per record. Decoders take them from these pools
// and give them back on Close.
var (
	scanBuffers sync.Pool // *[]byte
	gzipReaders sync.Pool // *gzip.Reader
	readAheads  sync.Pool // *bufio.Reader of readAheadSize
)

// maxPooledBuffer: a buffer grown for a large record (up to MaxRecordSize)
// is dropped rather than kept for every later file.
const maxPooledBuffer = 1 << 20

// readAheadSize is the bufio.Reader that compressed streams are read
// through when their source is not a byte reader already.
const readAheadSize = 64 << 10

func getScanBuffer(size int) []byte {
	if p, _ := scanBuffers.Get().(*[]byte); p != nil && cap(*p) >= size {
		return *p
	}
	return make([]byte, size)
}

func putScanBuffer(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBuffer {
		return
	}
	scanBuffers.Put(&b)
}

// getGzipReader returns a gzip reader of r, reused when one is pooled.
func getGzipReader(r io.Reader) (*gzip.Reader, error) {
	if gz, _ := gzipReaders.Get().(*gzip.Reader); gz != nil {
		if err := gz.Reset(r); err != nil {
			gzipReaders.Put(gz)
			return nil, err
		}
		return gz, nil
	}
	return gzip.NewReader(r)
}

// pooledGzip closes a gzip reader and returns it to the pool.
type pooledGzip struct{ *gzip.Reader }

func (g pooledGzip) Close() error {
	err := g.Reader.Close()
	gzipReaders.Put(g.Reader)
	return err
}

func getReadAhead(r io.Reader) *bufio.Reader {
	if br, _ := readAheads.Get().(*bufio.Reader); br != nil {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, readAheadSize)
}

// pooledReadAhead returns a read-ahead reader to the pool on Close.
type pooledReadAhead struct{ *bufio.Reader }

func (b pooledReadAhead) Close() error {
	b.Reader.Reset(nil)
	readAheads.Put(b.Reader)
	return nil
}
