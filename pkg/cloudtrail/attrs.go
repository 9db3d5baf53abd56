package cloudtrail

import "go.opentelemetry.io/collector/pdata/pcommon"

// attrList collects a record's attributes before they are written into its
// pcommon.Map, so that the map is allocated once at its exact size: pdata's
// attribute slice is the largest pointer-holding allocation per record, and
// sizing it by guess either wastes memory the GC must scan or regrows it.
type attrList struct {
	kv []attrKV
}

type attrKind uint8

const (
	attrStr attrKind = iota
	attrBool
	attrResources // the resources[] array, a slice of maps
)

type attrKV struct {
	key  string
	str  string
	node int32 // attrResources: the array node
	kind attrKind
	b    bool
}

func (a *attrList) reset() { a.kv = a.kv[:0] }

func (a *attrList) str(k, v string) {
	a.kv = append(a.kv, attrKV{key: k, str: v, kind: attrStr})
}

func (a *attrList) boolean(k string, v bool) {
	a.kv = append(a.kv, attrKV{key: k, kind: attrBool, b: v})
}

func (a *attrList) resources(node int32) {
	a.kv = append(a.kv, attrKV{key: AttrResources, node: node, kind: attrResources})
}

// flush writes the attributes into m in the order they were added, leaving
// room for extra more.
func (a *attrList) flush(d *Doc, m pcommon.Map, extra int) {
	m.EnsureCapacity(len(a.kv) + extra)
	for i := range a.kv {
		kv := &a.kv[i]
		switch kv.kind {
		case attrStr:
			m.PutStr(kv.key, kv.str)
		case attrBool:
			m.PutBool(kv.key, kv.b)
		case attrResources:
			putResources(d, kv.node, m.PutEmptySlice(kv.key))
		}
	}
}

// putResources maps resources[] (objects of ARN, accountId, type) to a slice
// of maps with semantic-convention-style keys.
func putResources(d *Doc, rs int32, sl pcommon.Slice) {
	end := d.nodes[rs].next
	for e := rs + 1; e < end; e = d.nodes[e].next {
		if d.kind(e) != kindObject {
			continue
		}
		m := sl.AppendEmpty().SetEmptyMap()
		if s, ok := d.strAt(e, "ARN"); ok {
			m.PutStr("arn", s)
		}
		if s, ok := d.strAt(e, "accountId"); ok {
			m.PutStr("account_id", s)
		}
		if s, ok := d.strAt(e, "type"); ok {
			m.PutStr("type", s)
		}
	}
}
