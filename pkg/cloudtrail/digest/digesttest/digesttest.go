// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

// Package digesttest writes CloudTrail digest chains as CloudTrail does,
// signed with keys generated for the test, for the tests of digest
// validation.
package digesttest // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest/digesttest"

import (
	"bytes"
	"crypto/md5" //nolint:gosec // a fingerprint, as CloudTrail's are 32 hex digits
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest"
)

// Signer is a signing key and its fingerprint.
type Signer struct {
	Key         *rsa.PrivateKey
	Fingerprint string
}

// NewSigner generates a 2048-bit key.
func NewSigner() (*Signer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(x509.MarshalPKCS1PublicKey(&k.PublicKey)) //nolint:gosec // a name, not a check
	return &Signer{Key: k, Fingerprint: hex.EncodeToString(sum[:])}, nil
}

// PublicDER is the public key as ListPublicKeys returns it: DER PKCS#1.
func (s *Signer) PublicDER() []byte { return x509.MarshalPKCS1PublicKey(&s.Key.PublicKey) }

// LogFile is a log file a digest lists.
type LogFile struct {
	Key     string
	Content []byte // decompressed
}

// Digest is one written digest file.
type Digest struct {
	File *digest.File
	// JSON is the decompressed file, Gzip the object as stored.
	JSON, Gzip []byte
	// Signature is the x-amz-meta-signature value.
	Signature string
}

// Key is the digest's object key.
func (d *Digest) Key() string { return d.File.S3Object }

// Chain writes the digests of one trail in one region.
type Chain struct {
	Bucket, Prefix, Account, Region, Trail, HomeRegion string
	Signer                                             *Signer
	prev                                               *Digest
}

// LogKey is the key CloudTrail gives a log file delivered at t.
func LogKey(prefix, account, region string, t time.Time, unique string) string {
	return fmt.Sprintf("%sAWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz", prefix, account, region,
		t.UTC().Format("2006/01/02"), account, region, t.UTC().Format("20060102T1504Z"), unique)
}

// LogKey is the key of a log file of this chain delivered at t.
func (c *Chain) LogKey(t time.Time, unique string) string {
	return LogKey(c.Prefix, c.Account, c.Region, t, unique)
}

// DigestKey is the key of the chain's digest delivered at t.
func (c *Chain) DigestKey(t time.Time) string {
	return fmt.Sprintf("%sAWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", c.Prefix, c.Account,
		c.Region, t.UTC().Format("2006/01/02"), c.Account, c.Region, c.Trail, c.HomeRegion, t.UTC().Format("20060102T150405Z"))
}

// Restart makes the next digest a starting one.
func (c *Chain) Restart() { c.prev = nil }

// Next writes the digest of [start, end) listing logs, chained to the
// previous one.
func (c *Chain) Next(start, end time.Time, logs []LogFile) (*Digest, error) {
	f := &digest.File{
		AccountID:            c.Account,
		StartTime:            start.UTC().Format(time.RFC3339),
		EndTime:              end.UTC().Format(time.RFC3339),
		S3Bucket:             c.Bucket,
		S3Object:             c.DigestKey(end),
		PublicKeyFingerprint: c.Signer.Fingerprint,
		SignatureAlgorithm:   "SHA256withRSA",
		LogFiles:             []digest.LogFile{},
	}
	if p := c.prev; p != nil {
		alg := "SHA-256"
		f.PreviousS3Bucket, f.PreviousS3Object = &p.File.S3Bucket, &p.File.S3Object
		f.PreviousHashValue, f.PreviousHashAlgorithm, f.PreviousSignature = &p.File.Hash, &alg, &p.Signature
	}
	for _, l := range logs {
		sum := sha256.Sum256(l.Content)
		f.LogFiles = append(f.LogFiles, digest.LogFile{S3Bucket: c.Bucket, S3Object: l.Key,
			HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: "SHA-256"})
	}
	d, err := Write(f, c.Signer)
	if err != nil {
		return nil, err
	}
	c.prev = d
	return d, nil
}

// Write serialises f (which may have been altered), and signs it with s.
func Write(f *digest.File, s *Signer) (*Digest, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	parsed, err := digest.Parse(b)
	if err != nil {
		return nil, err
	}
	f.Hash = parsed.Hash
	sig, err := f.Sign(s.Key)
	if err != nil {
		return nil, err
	}
	return &Digest{File: f, JSON: b, Gzip: Gzip(b), Signature: sig}, nil
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
