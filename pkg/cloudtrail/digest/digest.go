// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package digest reads CloudTrail digest files and checks them as aws-cli's
// `cloudtrail validate-logs` does: the SHA-256 of the decompressed file,
// the RSA signature (SHA256withRSA, PKCS#1 v1.5) over the signing string,
// and the link to the previous digest of the chain. It does not depend on
// the collector.
package digest // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest"

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// MaxSize bounds the decompressed size of a digest file. A digest lists
// one entry (about 400 bytes) per log file of an hour of one region.
const MaxSize = 64 << 20

// File is a parsed digest file. Times are kept as written: the signing
// string holds digestEndTime exactly as it is in the file.
type File struct {
	AccountID             string    `json:"awsAccountId"`
	StartTime             string    `json:"digestStartTime"`
	EndTime               string    `json:"digestEndTime"`
	S3Bucket              string    `json:"digestS3Bucket"`
	S3Object              string    `json:"digestS3Object"`
	PublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	SignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	PreviousS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousS3Object      *string   `json:"previousDigestS3Object"`
	PreviousHashValue     *string   `json:"previousDigestHashValue"`
	PreviousHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousSignature     *string   `json:"previousDigestSignature"`
	LogFiles              []LogFile `json:"logFiles"`

	// Hash is the hex SHA-256 of the decompressed file, computed by Read.
	Hash string `json:"-"`
}

// LogFile is one entry of a digest's logFiles.
type LogFile struct {
	S3Bucket      string `json:"s3Bucket"`
	S3Object      string `json:"s3Object"`
	HashValue     string `json:"hashValue"`
	HashAlgorithm string `json:"hashAlgorithm"`
}

// Read reads a digest file, gzipped or not (told by its magic bytes), and
// parses it; File.Hash is the SHA-256 of the exact decompressed bytes.
func Read(r io.Reader) (*File, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		src = gz
	}
	b, err := io.ReadAll(io.LimitReader(src, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("digest file larger than %d bytes decompressed", MaxSize)
	}
	return Parse(b)
}

// Parse parses the decompressed bytes of a digest file.
func Parse(b []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("not a digest file: %w", err)
	}
	if f.S3Object == "" || f.EndTime == "" {
		return nil, errors.New("not a digest file: digestS3Object or digestEndTime missing")
	}
	sum := sha256.Sum256(b)
	f.Hash = hex.EncodeToString(sum[:])
	return &f, nil
}

// Starting reports whether the digest starts a chain: it has no previous
// digest (validation was (re)enabled or logging restarted).
func (f *File) Starting() bool { return f.PreviousS3Object == nil || *f.PreviousS3Object == "" }

// PreviousLocation is the bucket/key of the previous digest ("" for a
// starting digest).
func (f *File) PreviousLocation() string {
	if f.Starting() {
		return ""
	}
	return deref(f.PreviousS3Bucket) + "/" + *f.PreviousS3Object
}

// Location is the bucket/key the digest says it was written to.
func (f *File) Location() string { return f.S3Bucket + "/" + f.S3Object }

// Start and End parse the digest's period.
func (f *File) Start() (time.Time, error) { return time.Parse(time.RFC3339, f.StartTime) }
func (f *File) End() (time.Time, error)   { return time.Parse(time.RFC3339, f.EndTime) }

// SigningString is the string CloudTrail signs: the end time as written,
// bucket/key, the hex hash of the file and the previous digest's signature
// (the literal "null" for a starting digest, as aws-cli and the Java
// implementation have it), joined by newlines with no trailing one.
func (f *File) SigningString() string {
	prev := "null"
	if f.PreviousSignature != nil {
		prev = *f.PreviousSignature
	}
	return f.EndTime + "\n" + f.S3Bucket + "/" + f.S3Object + "\n" + f.Hash + "\n" + prev
}

// ErrBadSignature says a signature does not verify.
var ErrBadSignature = errors.New("digest signature does not verify")

// Verify checks sigHex, the hex signature from the object's metadata,
// against the digest with the public key of its fingerprint.
func (f *File) Verify(pub *rsa.PublicKey, sigHex string) error {
	if f.SignatureAlgorithm != "" && f.SignatureAlgorithm != "SHA256withRSA" {
		return fmt.Errorf("unsupported digest signature algorithm %q", f.SignatureAlgorithm)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex: %w", ErrBadSignature, err)
	}
	sum := sha256.Sum256([]byte(f.SigningString()))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

// Sign signs the digest with priv, returning the hex signature CloudTrail
// puts in x-amz-meta-signature. CloudTrail signs; this is for tests and
// trail generators. f.Hash must be set (Parse sets it).
func (f *File) Sign(priv *rsa.PrivateKey) (string, error) {
	sum := sha256.Sum256([]byte(f.SigningString()))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sig), nil
}

// Follows reports whether f links to prev: its previous hash and signature
// are prev's hash and signature (prevSig from prev's metadata, or "" when
// unknown: then only the hash is compared).
func (f *File) Follows(prevHash, prevSig string) bool {
	if f.Starting() || f.PreviousHashValue == nil || *f.PreviousHashValue != prevHash {
		return false
	}
	return prevSig == "" || (f.PreviousSignature != nil && *f.PreviousSignature == prevSig)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
