package subset

import (
	"sort"

	"github.com/understudy-db/understudy/dump"
)

// Tables on a foreign-key cycle — one referencing itself
// (users.referred_by, comments.parent_id) or several referencing each
// other — keep the rows a kept row reaches around the cycle, and the rows
// those reach, and so on. Followed pass by pass, a chain that points back
// in the data's order took a pass over the whole dump per link: a
// thousand passes for a referral chain a thousand long. So while a pass
// reads such a table, the rows it does not keep are indexed by the keys
// that would keep them (their referenced key, for a kept row referencing
// it; their reference, for a descendant table's row referencing a kept
// row) and by the keys they would pass on; at the end of the pass the
// chains are followed in memory, around the cycle, to a fixed point. The
// rows this keeps are emitted (all their references and keys) on the
// next pass. The index lives for one pass: about 8 bytes per row not
// kept, and 8 to 12 more per foreign key of the cycle.

// cycleShape is which foreign keys of a table on a cycle the index
// follows (positions in the node's in and out edges).
type cycleShape struct {
	up     []int // in edges from the cycle: a row is kept when a kept row references it
	down   []int // out edges to the cycle followed down: kept when it references a kept row
	needs  []int // out edges to the cycle: what a kept row references
	keys   []int // in edges from the cycle followed down: what rows referencing a kept row match
	upOf   map[*edge]int
	downOf map[*edge]int
}

// cycleRows is one pass's index of a cycle table's rows not kept.
type cycleRows struct {
	rows   []uint64   // entry<<48 | row of each row indexed
	needs  [][]uint64 // per needs edge, per row: the key it references (0: NULL)
	keys   [][]uint64 // per keys edge, per row: its referenced key
	upH    [][]uint64 // per up edge: referenced keys …
	upI    [][]uint32 // … and their rows' indexes in rows
	downH  [][]uint64 // per down edge: references …
	downI  [][]uint32 // … and their rows' indexes
	done   bitset     // rows kept by the closure
	off    bool       // too many rows to index (2^32): chains take passes
	sorted bool
}

const rowBits = 48

// shapeCycles finds the tables on foreign-key cycles and what to index.
func (g *graph) shapeCycles() {
	comp := map[*node]int{}
	for i, cy := range g.cycles() {
		for _, q := range cy {
			comp[g.byName[q]] = i + 1
		}
	}
	same := func(a, b *node) bool { return comp[a] != 0 && comp[a] == comp[b] }
	for _, n := range g.nodes {
		if comp[n] == 0 || n.whole || n.mode == None {
			continue
		}
		s := &cycleShape{upOf: map[*edge]int{}, downOf: map[*edge]int{}}
		for i, ed := range n.in {
			if !same(ed.from, n) {
				continue
			}
			s.upOf[ed] = len(s.up)
			s.up = append(s.up, i)
			if ed.down() && !ed.from.whole && ed.from.mode != None {
				s.keys = append(s.keys, i)
			}
		}
		for i, ed := range n.out {
			if !same(ed.to, n) {
				continue
			}
			if ed.down() {
				s.downOf[ed] = len(s.down)
				s.down = append(s.down, i)
			}
			if !ed.to.whole && ed.to.mode != None {
				s.needs = append(s.needs, i)
			}
		}
		n.cycle = s
	}
}

// record indexes the current row of entry number ei of n, not kept.
func (c *computer) record(n *node, e *dump.Entry, ei int, row int64, cols *columns) error {
	s := n.cycle
	if n.cyc == nil {
		n.cyc = &cycleRows{needs: make([][]uint64, len(s.needs)), keys: make([][]uint64, len(s.keys)),
			upH: make([][]uint64, len(s.up)), upI: make([][]uint32, len(s.up)),
			downH: make([][]uint64, len(s.down)), downI: make([][]uint32, len(s.down))}
	}
	x := n.cyc
	if x.off {
		return nil
	}
	if len(x.rows) >= 1<<32-1 || ei >= 1<<(64-rowBits) || row >= 1<<rowBits {
		x.off = true
		return nil
	}
	k := uint32(len(x.rows))
	x.rows = append(x.rows, uint64(ei)<<rowBits|uint64(row))
	for j, i := range s.needs {
		h, _, err := c.outKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		x.needs[j] = append(x.needs[j], h) // 0 when NULL
	}
	for j, i := range s.keys {
		h, _, err := c.inKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		x.keys[j] = append(x.keys[j], h)
	}
	for j, i := range s.up {
		h, ok, err := c.inKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		if ok {
			x.upH[j], x.upI[j] = append(x.upH[j], h), append(x.upI[j], k)
		}
	}
	for j, i := range s.down {
		h, ok, err := c.outKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		if ok {
			x.downH[j], x.downI[j] = append(x.downH[j], h), append(x.downI[j], k)
		}
	}
	return nil
}

// closeCycles follows the cycles through the rows indexed in the pass just
// ended, keeping every row a kept row reaches; they are emitted on the
// next pass.
func (c *computer) closeCycles() {
	type item struct {
		ed   *edge
		key  uint64
		down bool // a key of ed.keys (else of ed.need)
	}
	var work []item
	for _, ed := range c.g.edges {
		if ed.to.cyc != nil && !ed.to.cyc.off {
			if _, ok := ed.to.cycle.upOf[ed]; ok {
				ed.need.each(func(k uint64) { work = append(work, item{ed, k, false}) })
			}
		}
		if ed.from.cyc != nil && !ed.from.cyc.off {
			if _, ok := ed.from.cycle.downOf[ed]; ok {
				ed.keys.each(func(k uint64) { work = append(work, item{ed, k, true}) })
			}
		}
	}
	keep := func(n *node, r uint32, why string) {
		x := n.cyc
		if x.done.has(int64(r)) {
			return
		}
		x.done.set(int64(r))
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
		for j, i := range n.cycle.needs {
			if ed, k := n.out[i], x.needs[j][r]; k != 0 && ed.need.add(k) {
				ed.to.dirty = true
				work = append(work, item{ed, k, false})
			}
		}
		for j, i := range n.cycle.keys {
			if ed, k := n.in[i], x.keys[j][r]; k != 0 && ed.keys.add(k) {
				ed.from.dirty = true
				work = append(work, item{ed, k, true})
			}
		}
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		n, why := it.ed.to, "ancestor of "+it.ed.from.name.String()
		if it.down {
			n, why = it.ed.from, "descendant of "+it.ed.to.name.String()
		}
		x := n.cyc
		if x == nil || x.off {
			continue
		}
		if !x.sorted {
			for j := range x.upH {
				sort.Sort(byKey{x.upH[j], x.upI[j]})
			}
			for j := range x.downH {
				sort.Sort(byKey{x.downH[j], x.downI[j]})
			}
			x.sorted = true
		}
		var h []uint64
		var ix []uint32
		if it.down {
			j := n.cycle.downOf[it.ed]
			h, ix = x.downH[j], x.downI[j]
		} else {
			j, ok := n.cycle.upOf[it.ed]
			if !ok {
				continue
			}
			h, ix = x.upH[j], x.upI[j]
		}
		for i := sort.Search(len(h), func(i int) bool { return h[i] >= it.key }); i < len(h) && h[i] == it.key; i++ {
			keep(n, ix[i], why)
		}
	}
	var size int64
	for _, n := range c.g.nodes {
		size += n.cyc.bytes()
		n.cyc = nil
	}
	c.indexBytes = max(c.indexBytes, size)
}

// bytes is the index's size in memory.
func (x *cycleRows) bytes() int64 {
	if x == nil {
		return 0
	}
	n := int64(cap(x.rows))*8 + x.done.bytes()
	for _, l := range [][][]uint64{x.needs, x.keys, x.upH, x.downH} {
		for _, v := range l {
			n += int64(cap(v)) * 8
		}
	}
	for _, l := range [][][]uint32{x.upI, x.downI} {
		for _, v := range l {
			n += int64(cap(v)) * 4
		}
	}
	return n
}

// byKey sorts keys with their rows.
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
