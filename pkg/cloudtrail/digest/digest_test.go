// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package digest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest"
	"github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest/digesttest"
)

var t0 = time.Date(2026, 11, 20, 10, 1, 31, 0, time.UTC)

func signer(t *testing.T) *digesttest.Signer {
	t.Helper()
	s, err := digesttest.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func chain(s *digesttest.Signer, region string) *digesttest.Chain {
	return &digesttest.Chain{Bucket: "trail-bucket", Account: "111122223333", Region: region, Trail: "audit",
		HomeRegion: "eu-west-1", Signer: s}
}

func next(t *testing.T, c *digesttest.Chain, i int, logs ...digesttest.LogFile) *digesttest.Digest {
	t.Helper()
	d, err := c.Next(t0.Add(time.Duration(i)*time.Hour), t0.Add(time.Duration(i+1)*time.Hour), logs)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReadHashesDecompressedBytes(t *testing.T) {
	s := signer(t)
	d := next(t, chain(s, "eu-west-1"), 0, digesttest.LogFile{Key: "k", Content: []byte("{}")})
	f, err := digest.Read(bytes.NewReader(d.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(d.JSON)
	if f.Hash != hex.EncodeToString(sum[:]) {
		t.Fatalf("hash %s is not the SHA-256 of the decompressed file", f.Hash)
	}
	plain, err := digest.Read(bytes.NewReader(d.JSON))
	if err != nil || plain.Hash != f.Hash {
		t.Fatalf("plain digest: %v, hash %s", err, plain.Hash)
	}
	if len(f.LogFiles) != 1 || f.LogFiles[0].S3Object != "k" {
		t.Fatalf("log files %+v", f.LogFiles)
	}
}

func TestSigningStringOfStartingAndChainedDigest(t *testing.T) {
	s := signer(t)
	c := chain(s, "us-east-2")
	first := next(t, c, 0)
	if !first.File.Starting() {
		t.Fatal("first digest is not a starting digest")
	}
	want := first.File.EndTime + "\ntrail-bucket/" + first.File.S3Object + "\n" + first.File.Hash + "\nnull"
	if got := first.File.SigningString(); got != want {
		t.Fatalf("signing string\n%q, want\n%q", got, want)
	}
	second := next(t, c, 1)
	if !strings.HasSuffix(second.File.SigningString(), "\n"+first.Signature) {
		t.Fatalf("chained signing string does not end with the previous signature: %q", second.File.SigningString())
	}
	if !second.File.Follows(first.File.Hash, first.Signature) {
		t.Fatal("second digest does not follow the first")
	}
	if second.File.Follows(first.File.Hash, strings.Repeat("00", 256)) || second.File.Follows("beef", "") {
		t.Fatal("second digest follows a different digest")
	}
	if first.File.Follows(first.File.Hash, "") {
		t.Fatal("a starting digest follows something")
	}
	// Parsing a written digest gives back the same string.
	f, err := digest.Parse(second.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if f.SigningString() != second.File.SigningString() || f.PreviousLocation() != "trail-bucket/"+first.File.S3Object {
		t.Fatalf("parsed digest differs: %q", f.SigningString())
	}
}

func TestVerify(t *testing.T) {
	s, other := signer(t), signer(t)
	d := next(t, chain(s, "eu-west-1"), 0, digesttest.LogFile{Key: "a", Content: []byte("x")})
	f, err := digest.Read(bytes.NewReader(d.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify(&s.Key.PublicKey, d.Signature); err != nil {
		t.Fatalf("valid signature: %v", err)
	}
	if err := f.Verify(&other.Key.PublicKey, d.Signature); !errors.Is(err, digest.ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
	forged, err := f.Sign(other.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Verify(&s.Key.PublicKey, forged); !errors.Is(err, digest.ErrBadSignature) {
		t.Fatalf("forged signature: %v", err)
	}
	if err := f.Verify(&s.Key.PublicKey, "not hex"); !errors.Is(err, digest.ErrBadSignature) {
		t.Fatalf("non-hex signature: %v", err)
	}
	// A modified digest (one byte of its content) no longer verifies.
	tampered, err := digest.Parse(bytes.Replace(d.JSON, []byte(`"a"`), []byte(`"b"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := tampered.Verify(&s.Key.PublicKey, d.Signature); !errors.Is(err, digest.ErrBadSignature) {
		t.Fatalf("modified digest: %v", err)
	}
}

func TestParseRejectsOtherFiles(t *testing.T) {
	for _, in := range []string{`{"Records":[]}`, `not json`, `[]`} {
		if _, err := digest.Parse([]byte(in)); err == nil {
			t.Errorf("%s: parsed as a digest", in)
		}
	}
}

func TestFileKeysDERAndPEM(t *testing.T) {
	s1, s2, s3 := signer(t), signer(t), signer(t)
	dir := t.TempDir()
	p1 := filepath.Join(dir, s1.Fingerprint+".der")
	p2 := filepath.Join(dir, strings.ToUpper(s2.Fingerprint)+".pem")
	p3 := filepath.Join(dir, s3.Fingerprint+".pem")
	pkix, err := x509.MarshalPKIXPublicKey(&s3.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for p, b := range map[string][]byte{
		p1: s1.PublicDER(),
		p2: pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: s2.PublicDER()}),
		p3: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
	} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := digest.LoadFileKeys([]string{p1, p2, p3})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*digesttest.Signer{s1, s2, s3} {
		k, err := keys.Key(context.Background(), "any", s.Fingerprint, t0)
		if err != nil || !k.Equal(&s.Key.PublicKey) {
			t.Fatalf("key %s: %v", s.Fingerprint, err)
		}
	}
	if _, err := keys.Key(context.Background(), "any", "00ff", t0); !errors.Is(err, digest.ErrKeyNotFound) {
		t.Fatalf("unknown fingerprint: %v", err)
	}
	bad := filepath.Join(dir, "bad.der")
	_ = os.WriteFile(bad, []byte("junk"), 0o600)
	if _, err := digest.LoadFileKeys([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad key file: %v", err)
	}
}

func TestAPIKeysCachePerRegionAndRotation(t *testing.T) {
	old, rotated := signer(t), signer(t)
	now := t0
	calls := map[string]int{}
	served := map[string][]digest.PublicKey{
		"eu-west-1": {{Fingerprint: old.Fingerprint, Value: old.PublicDER()}},
		"us-east-1": {{Fingerprint: rotated.Fingerprint, Value: rotated.PublicDER()}},
	}
	keys := &digest.APIKeys{Now: func() time.Time { return now }, List: func(_ context.Context, region string, _, _ time.Time) ([]digest.PublicKey, error) {
		calls[region]++
		return served[region], nil
	}}
	ctx := context.Background()
	get := func(region, fp string) error {
		_, err := keys.Key(ctx, region, fp, t0)
		return err
	}
	if err := get("eu-west-1", old.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if err := get("eu-west-1", old.Fingerprint); err != nil || calls["eu-west-1"] != 1 {
		t.Fatalf("cached key: %v, %d calls", err, calls["eu-west-1"])
	}
	// Keys are per region.
	if err := get("eu-west-1", rotated.Fingerprint); !errors.Is(err, digest.ErrKeyNotFound) {
		t.Fatalf("key of another region: %v", err)
	}
	if err := get("eu-west-1", rotated.Fingerprint); !errors.Is(err, digest.ErrKeyNotFound) || calls["eu-west-1"] != 1 {
		t.Fatalf("a missing key is listed at most once a minute: %v, %d calls", err, calls["eu-west-1"])
	}
	// Rotation: a new key appears; the old one stays known.
	served["eu-west-1"] = append(served["eu-west-1"], digest.PublicKey{Fingerprint: rotated.Fingerprint, Value: rotated.PublicDER()})
	now = now.Add(2 * time.Minute)
	if err := get("eu-west-1", rotated.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if err := get("eu-west-1", old.Fingerprint); err != nil || calls["eu-west-1"] != 2 {
		t.Fatalf("old key after rotation: %v, %d calls", err, calls["eu-west-1"])
	}
	if err := get("us-east-1", rotated.Fingerprint); err != nil {
		t.Fatal(err)
	}
}
