// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package document // import "github.com/personalize-audit/otelcol-personalize/exporter/elasticsearchauditexporter/internal/document"

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// valueKind says how a leaf is written.
type valueKind uint8

const (
	kindStr       valueKind = iota
	kindBool                // b
	kindTime                // t
	kindPdata               // pv, written as JSON
	kindRaw                 // raw, a JSON text written as is
	kindRawString           // raw, written as a JSON string
	kindPdataJSON           // pv, its JSON text written as a JSON string
	kindStrs                // strs, an array of strings
)

type leaf struct {
	kind valueKind
	b    bool
	s    string
	t    time.Time
	pv   pcommon.Value
	raw  []byte
	strs []string
}

// node is an object member. Children form a singly linked list through
// next. A node is present in the current document when gen matches the
// tree's generation, and holds a value when leafGen does.
type node struct {
	key               string
	keyJSON           []byte // `"key":`, escaped once
	parent            int32
	first, last, next int32
	gen, leafGen      uint32
	val               leaf
}

// maxNodes bounds the remembered shape: records with ever-new attribute
// keys would otherwise grow it without limit.
const maxNodes = 4096

// tree builds one document from dotted paths ("event.action") into nested
// objects. Elasticsearch accepts dotted keys in _source, but nested objects
// are what Kibana, _source filtering and the double's strict checks expect,
// and building them here lets conflicts be resolved instead of rejected.
//
// The tree outlives a document: its nodes and a path index are kept, and a
// generation counter says which nodes the current document uses. Records of
// one source have the same shape, so after the first record a field costs
// one map lookup instead of a walk, and keys are escaped once.
type tree struct {
	nodes []node
	paths map[string]int32
	// ctAttrs and plainAttrs map attribute keys straight to nodes, under
	// the CloudTrail renames and under their own names; -1 means skipped.
	ctAttrs, plainAttrs map[string]int32
	gen                 uint32
	// scratch renders values that are written as JSON text in a string.
	scratch []byte
}

// reset starts a new document.
func (t *tree) reset() {
	t.gen++
	if t.gen == 0 || len(t.nodes) == 0 || len(t.nodes) > maxNodes || len(t.ctAttrs)+len(t.plainAttrs) > maxNodes {
		t.nodes = t.nodes[:0]
		t.nodes = append(t.nodes, node{parent: -1, first: -1, last: -1, next: -1})
		if t.paths == nil {
			t.paths = make(map[string]int32, 128)
			t.ctAttrs = make(map[string]int32, 64)
			t.plainAttrs = make(map[string]int32, 64)
		}
		clear(t.paths)
		clear(t.ctAttrs)
		clear(t.plainAttrs)
		t.gen = 1
	}
	t.nodes[0].gen = t.gen
}

// lookup returns the node for path, creating it (and its ancestors) on
// first use. Empty segments ("a..b", a trailing dot) are not split.
func (t *tree) lookup(path string) int32 {
	if n, ok := t.paths[path]; ok {
		return n
	}
	parent := int32(0)
	rest := path
	for {
		i := strings.IndexByte(rest, '.')
		if i <= 0 || i == len(rest)-1 {
			break
		}
		parent = t.child(parent, rest[:i])
		rest = rest[i+1:]
	}
	n := t.child(parent, rest)
	t.paths[strings.Clone(path)] = n
	return n
}

func (t *tree) child(parent int32, key string) int32 {
	// Written with U+FFFD for bytes that are not UTF-8: two such keys that
	// come out the same are one member, never a key twice.
	key = strings.ToValidUTF8(key, "\uFFFD")
	for c := t.nodes[parent].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].key == key {
			return c
		}
	}
	key = strings.Clone(key)
	kj := AppendString(nil, key)
	kj = append(kj, ':')
	idx := int32(len(t.nodes))
	t.nodes = append(t.nodes, node{key: key, keyJSON: kj, parent: parent, first: -1, last: -1, next: -1})
	p := &t.nodes[parent]
	if p.last >= 0 {
		t.nodes[p.last].next = idx
	} else {
		p.first = idx
	}
	p.last = idx
	return idx
}

// attrNode returns the node an attribute key maps to under a naming
// function (which returns "" to skip the attribute), remembered in cache.
func (t *tree) attrNode(cache map[string]int32, key string, name func(string) string) int32 {
	if n, ok := cache[key]; ok {
		return n
	}
	n := int32(-1)
	if path := name(key); path != "" {
		n = t.lookup(path)
	}
	cache[strings.Clone(key)] = n
	return n
}

// put sets path to v. The first value set for a path in a document wins, so
// specific mappings placed first are never overwritten by generic
// pass-through.
func (t *tree) put(path string, v leaf) { t.putAt(t.lookup(path), v) }

func (t *tree) putAt(n int32, v leaf) {
	nd := &t.nodes[n]
	if nd.leafGen == t.gen {
		return
	}
	nd.val, nd.leafGen = v, t.gen
	for ; n >= 0 && t.nodes[n].gen != t.gen; n = t.nodes[n].parent {
		t.nodes[n].gen = t.gen
	}
}

func (t *tree) putStr(path, s string) {
	if s != "" {
		t.put(path, leaf{kind: kindStr, s: s})
	}
}

func (t *tree) putTime(path string, ts time.Time) { t.put(path, leaf{kind: kindTime, t: ts}) }

// putValueAt sets node n to an attribute value; empty values and empty
// strings are left out.
func (t *tree) putValueAt(n int32, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if s := v.Str(); s != "" {
			t.putAt(n, leaf{kind: kindStr, s: s})
		}
	case pcommon.ValueTypeEmpty:
	case pcommon.ValueTypeBool:
		t.putAt(n, leaf{kind: kindBool, b: v.Bool()})
	default:
		t.putAt(n, leaf{kind: kindPdata, pv: v})
	}
}

// putAttrs sets every attribute of m under a naming function.
func (t *tree) putAttrs(m pcommon.Map, cache map[string]int32, name func(string) string) {
	for k, v := range m.All() {
		if n := t.attrNode(cache, k, name); n >= 0 {
			t.putValueAt(n, v)
		}
	}
}

func (t *tree) putStrs(path string, s []string) {
	if len(s) > 0 {
		t.put(path, leaf{kind: kindStrs, strs: s})
	}
}

// appendJSON writes the current document as one JSON object.
func (t *tree) appendJSON(dst []byte) []byte { return t.appendObject(dst, 0, false) }

// firstPresent is the first child of n in the current document, or -1.
func (t *tree) firstPresent(n int32) int32 {
	c := t.nodes[n].first
	for c >= 0 && t.nodes[c].gen != t.gen {
		c = t.nodes[c].next
	}
	return c
}

// appendObject writes node n as an object. A node holding both a value and
// members (attributes "a" and "a.b") writes the value as member "value":
// Elasticsearch would reject the document, and an audit pipeline must not
// lose a record over an attribute naming clash. When a member "value" is
// there too (attribute "a.value"), that member is written and the node's
// own value is left out: Elasticsearch refuses an object with a key twice.
func (t *tree) appendObject(dst []byte, n int32, withValue bool) []byte {
	dst = append(dst, '{')
	sep := false
	if withValue && !t.hasPresentChild(n, "value") {
		dst = append(dst, `"value":`...)
		dst = t.appendLeaf(dst, &t.nodes[n].val)
		sep = true
	}
	for c := t.firstPresent(n); c >= 0; c = t.nodes[c].next {
		nd := &t.nodes[c]
		if nd.gen != t.gen {
			continue
		}
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = append(dst, nd.keyJSON...)
		hasValue := nd.leafGen == t.gen
		if hasValue && t.firstPresent(c) < 0 {
			dst = t.appendLeaf(dst, &nd.val)
			continue
		}
		dst = t.appendObject(dst, c, hasValue)
	}
	return append(dst, '}')
}

// hasPresentChild says whether n has a member key in the current document.
func (t *tree) hasPresentChild(n int32, key string) bool {
	for c := t.firstPresent(n); c >= 0; c = t.nodes[c].next {
		if t.nodes[c].gen == t.gen && t.nodes[c].key == key {
			return true
		}
	}
	return false
}

func (t *tree) appendLeaf(dst []byte, v *leaf) []byte {
	switch v.kind {
	case kindStr:
		return AppendString(dst, v.s)
	case kindBool:
		return strconv.AppendBool(dst, v.b)
	case kindTime:
		return AppendTime(dst, v.t)
	case kindPdata:
		return AppendValue(dst, v.pv)
	case kindRaw:
		return append(dst, v.raw...)
	case kindRawString:
		return AppendBytesAsString(dst, v.raw)
	case kindPdataJSON:
		t.scratch = AppendValue(t.scratch[:0], v.pv)
		return AppendBytesAsString(dst, t.scratch)
	case kindStrs:
		dst = append(dst, '[')
		for i, s := range v.strs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, s)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}
