// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// obj is a JSON object that keeps its member order, so that records come out
// in the field order CloudTrail itself uses.
type obj []kv

// skip is a sentinel value: o() drops members whose value is skip{}.
type skip struct{}

// hidden is CloudTrail's replacement for sensitive values.
const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// o builds an obj from alternating keys and values, dropping skip{} values.
func o(pairs ...any) obj {
	if len(pairs)%2 != 0 {
		panic("o: odd number of arguments")
	}
	out := make(obj, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			panic(fmt.Sprintf("o: key %v is not a string", pairs[i]))
		}
		if _, drop := pairs[i+1].(skip); drop {
			continue
		}
		out = append(out, kv{k, pairs[i+1]})
	}
	return out
}

// optStr returns s, or skip{} when s is empty.
func optStr(s string) any {
	if s == "" {
		return skip{}
	}
	return s
}

// get returns the value of member k.
func (ob obj) get(k string) (any, bool) {
	for _, m := range ob {
		if m.k == k {
			return m.v, true
		}
	}
	return nil, false
}

// encode writes v as compact JSON (no HTML escaping, like CloudTrail).
func encode(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case obj:
		b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, m.k)
			b.WriteByte(':')
			encode(b, m.v)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case []obj:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, e)
		}
		b.WriteByte(']')
	case string:
		encodeString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		raw, err := json.Marshal(x)
		if err != nil {
			panic(err)
		}
		b.Write(raw)
	case json.Number:
		b.WriteString(string(x))
	default:
		panic(fmt.Sprintf("encode: unsupported type %T", v))
	}
}

func encodeString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}

// rng is a small deterministic generator (SplitMix64). It is spelled out here
// so that the output depends on the seed only, never on the Go release.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed ^ 0x5DEECE66D2B7E151} }

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a value in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		panic("intn: n <= 0")
	}
	return int(r.next() % uint64(n))
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *rng) chars(n int, alphabet string) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(out)
}

const (
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	keyChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	hexChars   = "0123456789abcdef"
)

func (r *rng) hex(n int) string { return r.chars(n, hexChars) }

// uuid returns a random (version 4 style) UUID.
func (r *rng) uuid() string {
	h := []byte(r.hex(32))
	h[12] = '4'
	h[16] = "89ab"[r.intn(4)]
	s := string(h)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// key returns an AWS-style identifier such as AKIA + 16 characters.
func (r *rng) key(prefix string, n int) string { return prefix + r.chars(n, keyChars) }

func (r *rng) pick(ss ...string) string { return ss[r.intn(len(ss))] }

// weighted picks index i with probability w[i]/sum(w).
func (r *rng) weighted(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.intn(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}
