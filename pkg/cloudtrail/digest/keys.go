// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package digest // import "github.com/personalize-audit/otelcol-personalize/pkg/cloudtrail/digest"

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrKeyNotFound says no public key has the digest's fingerprint.
var ErrKeyNotFound = errors.New("no public key with this fingerprint")

// Keys finds the public key that signed a digest: the key of that
// fingerprint in the digest's region, valid at the digest's end time.
type Keys interface {
	Key(ctx context.Context, region, fingerprint string, at time.Time) (*rsa.PublicKey, error)
}

// ParsePublicKey reads an RSA public key: DER PKCS#1 (what ListPublicKeys
// returns in Value), or PEM holding PKCS#1 ("RSA PUBLIC KEY") or PKIX
// ("PUBLIC KEY").
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type == "PUBLIC KEY" {
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, err
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, errors.New("not an RSA public key")
			}
			return rk, nil
		}
		b = blk.Bytes
	}
	return x509.ParsePKCS1PublicKey(b)
}

// FileKeys are public keys read from files named <fingerprint>.der or
// <fingerprint>.pem; they stand for every region and time.
type FileKeys map[string]*rsa.PublicKey

// LoadFileKeys reads the key files.
func LoadFileKeys(paths []string) (FileKeys, error) {
	keys := FileKeys{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		k, err := ParsePublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("public key file %s: %w", p, err)
		}
		keys[strings.ToLower(strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))] = k
	}
	return keys, nil
}

// Key returns the key of the fingerprint.
func (k FileKeys) Key(_ context.Context, _, fingerprint string, _ time.Time) (*rsa.PublicKey, error) {
	if pk, ok := k[strings.ToLower(fingerprint)]; ok {
		return pk, nil
	}
	return nil, fmt.Errorf("%w %s in the public_key_files", ErrKeyNotFound, fingerprint)
}

// PublicKey is one key of ListPublicKeys.
type PublicKey struct {
	Fingerprint string
	Value       []byte // DER PKCS#1
	Start, End  time.Time
}

// ListFunc lists the public keys of a region valid between start and end
// (CloudTrail ListPublicKeys, all pages).
type ListFunc func(ctx context.Context, region string, start, end time.Time) ([]PublicKey, error)

// APIKeys finds keys with ListPublicKeys, cached per region: a region's
// keys are listed again only for a fingerprint or a time the cache does
// not hold, at most once per minRefresh.
type APIKeys struct {
	List ListFunc
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu      sync.Mutex
	regions map[string]*regionKeys
}

type regionKeys struct {
	keys   map[string]*rsa.PublicKey
	listed time.Time
}

// minRefresh spaces the listings of a region that keep missing a key (a
// forged fingerprint must not make every digest an API call).
const minRefresh = time.Minute

// Key returns the key of the fingerprint in the region.
func (a *APIKeys) Key(ctx context.Context, region, fingerprint string, at time.Time) (*rsa.PublicKey, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	fingerprint = strings.ToLower(fingerprint)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.regions == nil {
		a.regions = map[string]*regionKeys{}
	}
	rk := a.regions[region]
	if rk != nil {
		if k, ok := rk.keys[fingerprint]; ok {
			return k, nil
		}
		if now().Sub(rk.listed) < minRefresh {
			return nil, fmt.Errorf("%w %s in region %s", ErrKeyNotFound, fingerprint, region)
		}
	}
	// Keys valid over the whole period since the digest: a key is valid for
	// a time range, and ranges of successive keys overlap.
	list, err := a.List(ctx, region, at.Add(-time.Hour), now())
	if err != nil {
		return nil, fmt.Errorf("listing the CloudTrail public keys of region %s: %w", region, err)
	}
	rk = &regionKeys{keys: map[string]*rsa.PublicKey{}, listed: now()}
	if old := a.regions[region]; old != nil {
		for f, k := range old.keys {
			rk.keys[f] = k
		}
	}
	var errs error
	for _, pk := range list {
		k, err := ParsePublicKey(pk.Value)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("public key %s of region %s: %w", pk.Fingerprint, region, err))
			continue
		}
		rk.keys[strings.ToLower(pk.Fingerprint)] = k
	}
	a.regions[region] = rk
	if k, ok := rk.keys[fingerprint]; ok {
		return k, nil
	}
	return nil, errors.Join(fmt.Errorf("%w %s in region %s", ErrKeyNotFound, fingerprint, region), errs)
}
