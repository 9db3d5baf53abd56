// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail"

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// compression is what a stream's first bytes say it is compressed with.
type compression struct {
	name  string
	magic []byte
	read  bool // the decoder reads it; otherwise ErrUnsupportedCompression
}

// compressions are told apart by magic bytes, never by a file name or a
// Content-Encoding. CloudTrail writes gzip; Firehose deliveries (EventBridge
// events, CloudWatch Logs) may also be Snappy (framing format) or ZIP, and
// archives of trails are sometimes recompressed. The unread ones are named in
// the error, rather than failing as "not JSON".
var compressions = []compression{
	{"gzip", []byte{0x1f, 0x8b}, true},
	{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}, true},
	{"snappy", []byte("\xff\x06\x00\x00sNaPpY"), true},
	{"s2", []byte("\xff\x06\x00\x00S2sTwO"), true},
	{"zip", []byte("PK\x03\x04"), false},
	{"bzip2", []byte("BZh"), false},
	{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, false},
}

// sniffLen is how many first bytes sniff looks at: the longest magic.
const sniffLen = 10

// compressionOf returns the compression whose magic head starts with, or
// nil for plain input.
func compressionOf(head []byte) *compression {
	for i := range compressions {
		if bytes.HasPrefix(head, compressions[i].magic) {
			return &compressions[i]
		}
	}
	return nil
}

// maxCompressionLayers bounds nested compression. Two layers occur: a
// Firehose stream with GZIP compression delivering CloudWatch Logs
// subscription payloads, which are gzipped already, writes gzip in gzip.
const maxCompressionLayers = 2

// decompress returns the decompressed stream of src.
func (d *Decoder) decompress(comp *compression, src io.Reader) (io.Reader, error) {
	switch comp.name {
	case "gzip":
		gz, err := getGzipReader(src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		d.closers = append(d.closers, pooledGzip{gz})
		return gz, nil
	case "zstd":
		// One goroutine and a bounded window: a file is one stream among
		// many the receiver may read at once.
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(32<<20))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		d.closers = append(d.closers, zstdCloser{zr})
		return decompressErrors{zr, "zstd"}, nil
	case "snappy", "s2":
		return decompressErrors{s2.NewReader(src), comp.name}, nil
	}
	return nil, fmt.Errorf("%w: %s (gzip, zstd and snappy are read)", ErrUnsupportedCompression, comp.name)
}

// zstdCloser closes a zstd decoder, whose Close returns nothing.
type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }

// decompressErrors marks a decompressor's failures (other than the end of
// its input) with ErrDecompress, so that they read as a fault of the
// compressed data rather than of the JSON.
type decompressErrors struct {
	r    io.Reader
	name string
}

func (e decompressErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w (%s): %w", ErrDecompress, e.name, err)
	}
	return n, err
}

// sniff looks at the first bytes of r for a compression's magic and returns
// a reader of the whole stream, the sniffed bytes included.
//
// Decompression reads byte by byte through an io.ByteReader, and flate has
// fast paths for the concrete readers a stream most often already is
// (*bufio.Reader, *bytes.Reader, *strings.Reader), so such a reader is
// handed on as it is (peeked, or read and rewound) rather than wrapped again;
// other compressed streams get one bufio.Reader. Plain input goes straight
// into the scanner's buffer with no intermediate copy.
func (d *Decoder) sniff(r io.Reader) (io.Reader, *compression, error) {
	switch r := r.(type) {
	case *bufio.Reader:
		head, err := r.Peek(sniffLen)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, nil, err
		}
		return r, compressionOf(head), nil
	case interface {
		io.ReadSeeker
		io.ByteReader
	}:
		if pos, err := r.Seek(0, io.SeekCurrent); err == nil {
			head, err := readHead(r)
			if err != nil {
				return nil, nil, err
			}
			if _, err := r.Seek(pos, io.SeekStart); err == nil {
				return r, compressionOf(head), nil
			}
			return d.putBack(head, r)
		}
	}
	head, err := readHead(r)
	if err != nil {
		return nil, nil, err
	}
	return d.putBack(head, r)
}

// readHead reads the bytes sniff looks at (fewer if the stream is shorter).
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return head[:n], nil
}

// putBack returns the stream of head followed by the rest of r.
func (d *Decoder) putBack(head []byte, r io.Reader) (io.Reader, *compression, error) {
	src := io.MultiReader(bytes.NewReader(head), r)
	if comp := compressionOf(head); comp != nil {
		br := getReadAhead(src)
		d.closers = append(d.closers, pooledReadAhead{br})
		return br, comp, nil
	}
	return src, nil, nil
}
