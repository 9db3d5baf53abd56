// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package cloudtrail

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"
)

// The decoder's Hash sees every decompressed byte, in the one pass, for a
// whole file, a file with bytes after its last value and a broken one.
func TestDecoderHashSeesDecompressedBytes(t *testing.T) {
	rec := `{"eventVersion":"1.08","eventSource":"personalize.amazonaws.com","eventName":"CreateCampaign","eventTime":"2026-11-20T10:00:00Z","eventID":"e1","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}`
	for name, plain := range map[string]string{
		"whole":    `{"Records":[` + rec + `,` + rec + `]}`,
		"trailing": `{"Records":[` + rec + `]}` + "\n\n   \n",
		"broken":   `{"Records":[` + rec + `,{"eventTime":` + " trailing bytes the decoder never parses",
	} {
		t.Run(name, func(t *testing.T) {
			for _, in := range [][]byte{gz(t, []byte(plain)), []byte(plain)} {
				h := sha256.New()
				fr, err := NewFileReader(bytes.NewReader(in), NewSelector(nil, nil, nil), DecoderOptions{Hash: h, BufferSize: 16})
				if err != nil {
					t.Fatal(err)
				}
				b := NewBatch(MapOptions{})
				for {
					err = fr.ReadBatch(b, 1)
					b.Take()
					if err != nil {
						break
					}
				}
				if name == "broken" {
					var fe *FileError
					if !errors.As(err, &fe) {
						t.Fatalf("want a file error, got %v", err)
					}
				} else if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				if err := fr.ReadRest(); err != nil {
					t.Fatal(err)
				}
				_ = fr.Close()
				if want := sha256.Sum256([]byte(plain)); !bytes.Equal(h.Sum(nil), want[:]) {
					t.Fatal("hash is not the SHA-256 of the decompressed file")
				}
			}
		})
	}
}

// BenchmarkFileReaderDigestHash is the cost of digest validation on the
// read path: BenchmarkFileReader's gzipped body=map case with and without
// SHA-256 of the decompressed bytes. MB/s are decompressed bytes, so
// ns/op ÷ MB is the CPU time per MB with validation on and off.
func BenchmarkFileReaderDigestHash(b *testing.B) {
	for _, bc := range benchCases {
		plain := benchFile(10000, bc.every)
		input := gzipBytes(plain)
		for _, hash := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/hash=%v", bc.name, hash), func(b *testing.B) {
				b.SetBytes(int64(len(plain)))
				for b.Loop() {
					opts := DecoderOptions{}
					if hash {
						opts.Hash = sha256.New()
					}
					fr, err := NewFileReader(bytes.NewReader(input), nil, opts)
					if err != nil {
						b.Fatal(err)
					}
					batch := NewBatch(MapOptions{Body: BodyMap})
					for err == nil {
						err = fr.ReadBatch(batch, 1000)
						batch.Take()
					}
					if err != io.EOF {
						b.Fatal(err)
					}
					_ = fr.ReadRest()
					_ = fr.Close()
				}
			})
		}
	}
}
