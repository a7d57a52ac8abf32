package subset

import (
	"slices"
	"sort"

	"github.com/understudy-db/understudy/dump"
)

// A table that references itself (users.referred_by, comments.parent_id,
// employees.manager_id) keeps the row a kept row references, and the row
// that one references, and so on. Followed pass by pass, a chain that
// points back in the data's order (each row referring to an earlier one)
// took a pass over the data per link: a thousand passes over the whole
// dump for a referral chain a thousand long. So while a pass reads such a
// table, the rows it does not keep are indexed by their referenced key
// and by what they reference; at the end of the pass the chains are
// followed in memory to a fixed point, and the rows this keeps are
// emitted (their other references and keys) on the next pass. The index
// lives for one pass: 28 bytes per row not kept, per self-reference.

// selfIndex is one pass's index of a self-referencing table's rows not
// kept.
type selfIndex struct {
	edges []*edge    // the table's self-references
	in    []int      // per edge: its position in the node's in edges
	out   []int      // per edge: its position in the node's out edges
	rows  []uint64   // entry<<48 | row of each row indexed
	outs  [][]uint64 // per edge, per row indexed: the key it references (0: NULL)
	refH  [][]uint64 // per edge: the referenced keys of the rows indexed
	refI  [][]uint32 // per edge, parallel to refH: the row's index in rows
	off   bool       // too many rows to index (2^32): chains take passes
}

const rowBits = 48

func newSelfIndex(n *node) *selfIndex {
	x := &selfIndex{}
	for i, ed := range n.out {
		if ed.self {
			x.edges = append(x.edges, ed)
			x.out = append(x.out, i)
			x.in = append(x.in, slices.Index(n.in, ed))
		}
	}
	if len(x.edges) == 0 {
		return nil
	}
	x.outs = make([][]uint64, len(x.edges))
	x.refH = make([][]uint64, len(x.edges))
	x.refI = make([][]uint32, len(x.edges))
	return x
}

// record indexes the current row of entry number ei, which is not kept.
func (c *computer) record(x *selfIndex, e *dump.Entry, ei int, row int64, cols *columns) error {
	if x.off {
		return nil
	}
	if len(x.rows) >= 1<<32-1 || ei >= 1<<(64-rowBits) || row >= 1<<rowBits {
		x.off = true
		return nil
	}
	k := uint32(len(x.rows))
	x.rows = append(x.rows, uint64(ei)<<rowBits|uint64(row))
	for j, ed := range x.edges {
		h, ok, err := c.hash(e, row, ed.cols, cols.out[x.out[j]], ed.norm)
		if err != nil {
			return err
		}
		if !ok {
			h = 0
		}
		x.outs[j] = append(x.outs[j], h)
		if x.in[j] < 0 {
			continue
		}
		h, ok, err = c.hash(e, row, ed.refCols, cols.in[x.in[j]], ed.norm)
		if err != nil {
			return err
		}
		if ok {
			x.refH[j] = append(x.refH[j], h)
			x.refI[j] = append(x.refI[j], k)
		}
	}
	return nil
}

// closeSelf follows n's self-references through the rows indexed in the
// pass just ended, keeping every row a kept row reaches; they are emitted
// on the next pass.
func (c *computer) closeSelf(n *node) {
	x := n.self
	n.self = nil
	if x == nil || x.off || len(x.rows) == 0 {
		return
	}
	for j := range x.edges {
		sort.Sort(byKey{x.refH[j], x.refI[j]})
	}
	type item struct {
		edge int
		key  uint64
	}
	var work []item
	for j, ed := range x.edges {
		ed.need.each(func(k uint64) { work = append(work, item{j, k}) })
	}
	done := &bitset{}
	why := "ancestor of " + n.name.String()
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		h := x.refH[it.edge]
		for i, _ := slices.BinarySearch(h, it.key); i < len(h) && h[i] == it.key; i++ {
			r := x.refI[it.edge][i]
			if done.has(int64(r)) {
				continue
			}
			done.set(int64(r))
			e := n.entries[x.rows[r]>>rowBits]
			row := int64(x.rows[r] & (1<<rowBits - 1))
			n.kept[e].set(row)
			if n.pending[e] == nil {
				n.pending[e] = &bitset{}
			}
			n.pending[e].set(row)
			n.keptN++
			n.reasons[why]++
			n.dirty = true
			for j, ed := range x.edges {
				if k := x.outs[j][r]; k != 0 && ed.need.add(k) {
					work = append(work, item{j, k})
				}
			}
		}
	}
}

// byKey sorts referenced keys with their rows.
type byKey struct {
	h []uint64
	i []uint32
}

func (b byKey) Len() int           { return len(b.h) }
func (b byKey) Less(i, j int) bool { return b.h[i] < b.h[j] }
func (b byKey) Swap(i, j int) {
	b.h[i], b.h[j] = b.h[j], b.h[i]
	b.i[i], b.i[j] = b.i[j], b.i[i]
}
