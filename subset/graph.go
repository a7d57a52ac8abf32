// Package subset chooses the rows of a subset: a keyed-hash sample of a
// root table's rows, pinned rows, and their closure along foreign keys
// both ways — every row that belongs to a kept row (descendants: orders of
// kept users, their items, …) and every row a kept row references
// (ancestors: products of kept items, a referring user, …), to a fixed
// point, so that every foreign key of the result resolves.
//
// Which way an edge is followed is decided per table, from the root: the
// root and every table that references it, directly or through other such
// tables, are descendant tables: a row there is kept when it references a
// kept row of a descendant table, or is referenced by a kept row. The
// tables these reference, and not otherwise reached, are ancestor tables:
// a row there is kept only when a kept row references it (products do
// not pull in every order of every user who bought them). A foreign key
// of a table to itself (users.referred_by) is followed towards the
// referenced row only: the referrer of a kept user is kept, with its own
// descendants; the users it referred are not. Tables reached neither way
// are kept whole unless the rules say otherwise.
//
// The choice is made on the source's data before the copy, in as many
// passes over it as the graph needs (a pass reads only the tables whose
// inputs changed). Kept rows are remembered as one bit per row of each
// data entry; keys are remembered as 64-bit hashes of their text (a
// collision can only keep an extra row, whose own references are then
// followed: the result stays closed), in sorted arrays.
package subset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/schema"
)

// Mode is what a table's subset: tables: entry says.
type Mode uint8

const (
	// Follow keeps the rows the closure reaches (the default for tables
	// connected to the root; for others it keeps what kept rows reference).
	Follow Mode = iota
	// All keeps every row (and what they reference).
	All
	// None keeps no row; a kept row referencing one is an error.
	None
)

var modeNames = [...]string{Follow: "follow", All: "all", None: "none"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads all, none or follow.
func ParseMode(s string) (Mode, bool) {
	for m, n := range modeNames {
		if n == s {
			return Mode(m), true
		}
	}
	return 0, false
}

// Spec is what to keep.
type Spec struct {
	Root    schema.QName
	Percent float64 // (0, 100]
	// Include pins rows by key: the text of a one-column primary key.
	Include map[schema.QName][]string
	// Tables overrides the default mode of a table.
	Tables map[schema.QName]Mode
	// Where, if set, is an SQL condition the root's sampled rows must meet
	// too; it needs a source that runs queries (a live database).
	Where string
}

// role is how the closure reaches a table.
type role uint8

const (
	unconnected role = iota
	descendant       // the root, and tables referencing descendant tables
	ancestor         // referenced by descendant or ancestor tables only
)

var roleNames = [...]string{unconnected: "unconnected", descendant: "descendant", ancestor: "ancestor"}

// node is a table of the closure: a table with data, or a partitioned
// table whose leaf partitions' data entries make up its rows.
type node struct {
	name       schema.QName
	role       role
	mode       Mode
	whole      bool // every row kept
	entries    []*dump.Entry
	out        []*edge // foreign keys of this table
	in         []*edge // foreign keys referencing it
	key        []string
	pins       map[string]bool
	pinNorm    norm            // of the pinned key's column
	sampleNorm []norm          // of the root's key columns, for the sample
	found      map[string]bool // pins seen in the data
	pinTable   schema.QName    // the name the pins were given under
	root       bool

	// state of the closure
	dirty   bool
	scanned bool
	kept    map[*dump.Entry]*bitset
	pending map[*dump.Entry]*bitset // kept by closeCycles, not yet emitted
	cycle   *cycleShape             // on a foreign-key cycle: what its index follows
	cyc     *cycleRows              // this pass's index of its rows not kept
	total   int64
	keptN   int64
	reasons map[string]int64
}

// edge is a foreign key between nodes.
type edge struct {
	name          string
	from, to      *node
	cols, refCols []string
	norm          []norm // per column pair: how equal values are made equal texts
	self          bool
	// need holds the keys kept rows of from reference; keys the keys of
	// to's kept rows, when to is a descendant table (followed down).
	need, keys keySet
}

func (e *edge) String() string {
	return fmt.Sprintf("%s(%s) → %s(%s)", e.from.name, strings.Join(e.cols, ", "), e.to.name, strings.Join(e.refCols, ", "))
}

// down reports whether rows referencing kept rows of e.to are kept.
func (e *edge) down() bool { return e.to.role == descendant && !e.self && !e.to.whole }

// graph is the closure's tables in dump order of their first data entry.
type graph struct {
	nodes  []*node
	byName map[schema.QName]*node
	edges  []*edge
	root   *node
	cat    *schema.Catalog
}

// logical maps a leaf partition to the partitioned table it belongs to.
func logical(cat *schema.Catalog, q schema.QName) schema.QName {
	for {
		t := cat.Table(q)
		if t == nil || t.Parent == nil {
			return q
		}
		p := cat.Table(*t.Parent)
		if p == nil || !p.Partitioned {
			return q
		}
		q = p.Name
	}
}

// PlanError is a subset the schema cannot follow.
type PlanError struct {
	Table schema.QName
	// Part is the part of the Spec that is wrong: root, percent, include
	// or tables ("" when the dump is what cannot be followed).
	Part string
	Msg  string
}

func (e *PlanError) Error() string { return fmt.Sprintf("subset: %s: %s", e.Table, e.Msg) }

func newGraph(inv *dump.Inventory, spec *Spec) (*graph, error) {
	cat := inv.Catalog
	g := &graph{byName: map[schema.QName]*node{}, cat: cat}
	get := func(q schema.QName) *node {
		q = logical(cat, q)
		n := g.byName[q]
		if n == nil {
			n = &node{name: q, kept: map[*dump.Entry]*bitset{}, pending: map[*dump.Entry]*bitset{}, reasons: map[string]int64{}}
			g.byName[q] = n
			g.nodes = append(g.nodes, n)
		}
		return n
	}
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData {
			n := get(e.Table)
			n.entries = append(n.entries, e)
		}
	}
	rootTable := cat.Table(spec.Root)
	if rootTable == nil {
		return nil, &PlanError{Table: spec.Root, Part: "root", Msg: "the root table is not in the dump"}
	}
	if rootTable.Parent != nil && logical(cat, spec.Root) != spec.Root {
		return nil, &PlanError{Table: spec.Root, Part: "root", Msg: "the root is a partition; name its partitioned table " + logical(cat, spec.Root).String()}
	}
	g.root = get(spec.Root)
	g.root.root = true
	seen := map[string]bool{}
	for _, t := range cat.Tables {
		for _, fk := range t.ForeignKeys {
			from, to := get(t.Name), get(fk.RefTable)
			id := from.name.String() + "\x00" + strings.Join(fk.Columns, "\x00") + "\x01" + to.name.String() + "\x00" + strings.Join(fk.RefColumns, "\x00")
			if seen[id] { // cloned to every partition
				continue
			}
			seen[id] = true
			e := &edge{name: fk.Name, from: from, to: to, cols: fk.Columns, refCols: fk.RefColumns, self: from == to}
			if rt := cat.Table(fk.RefTable); rt != nil && len(fk.Columns) == len(fk.RefColumns) {
				e.norm = make([]norm, len(fk.Columns))
				for i := range fk.Columns {
					if a, b := t.Column(fk.Columns[i]), rt.Column(fk.RefColumns[i]); a != nil && b != nil {
						e.norm[i] = pairNorm(categoryOf(cat, a.Type), categoryOf(cat, b.Type))
					}
				}
			}
			from.out = append(from.out, e)
			to.in = append(to.in, e)
			g.edges = append(g.edges, e)
		}
	}
	// Roles: descendants up the references from the root, then ancestors
	// down the references from every descendant.
	g.root.role = descendant
	queue := []*node{g.root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range n.in {
			if !e.self && e.from.role == unconnected {
				e.from.role = descendant
				queue = append(queue, e.from)
			}
		}
	}
	for _, n := range g.nodes {
		if n.role == descendant {
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range n.out {
			if e.to.role == unconnected {
				e.to.role = ancestor
				queue = append(queue, e.to)
			}
		}
	}
	for _, q := range sortedNames(spec.Tables) {
		m := spec.Tables[q]
		n := g.byName[logical(cat, q)]
		if n == nil || cat.Table(q) == nil {
			return nil, &PlanError{Table: q, Part: "tables", Msg: "subset tables: not a table of the dump"}
		}
		if n.root && m != Follow {
			return nil, &PlanError{Table: q, Part: "tables", Msg: "subset tables: the root table's mode is follow (the sample), not " + m.String()}
		}
		n.mode = m
	}
	for _, n := range g.nodes {
		_, explicit := spec.Tables[n.name]
		n.whole = n.mode == All || (n.mode == Follow && n.role == unconnected && !explicit)
	}
	g.shapeCycles()
	key, err := rootKey(cat.Table(g.root.name))
	if err != nil {
		return nil, err
	}
	g.root.key = key
	for _, k := range key {
		var f norm
		if c := rootTable.Column(k); c != nil {
			f = keyNorm(categoryOf(cat, c.Type))
		}
		g.root.sampleNorm = append(g.root.sampleNorm, f)
	}
	for _, q := range sortedNames(spec.Include) {
		vals := spec.Include[q]
		n := g.byName[logical(cat, q)]
		t := cat.Table(q)
		if n == nil || t == nil {
			return nil, &PlanError{Table: q, Part: "include", Msg: "subset include: not a table of the dump"}
		}
		if t.PrimaryKey == nil { // a partition: its partitioned table's key
			t = cat.Table(n.name)
		}
		if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
			return nil, &PlanError{Table: q, Part: "include", Msg: "subset include: pinned rows are named by a one-column primary key, which this table does not have"}
		}
		if n.mode == None {
			return nil, &PlanError{Table: q, Part: "include", Msg: "subset include: the table's mode is none"}
		}
		if n.pins == nil { // a partitioned table and its partition may both be named
			n.key, n.pinTable = t.PrimaryKey.Columns, q
			if c := t.Column(n.key[0]); c != nil {
				n.pinNorm = pinNorm(categoryOf(cat, c.Type))
			}
			n.pins, n.found = map[string]bool{}, map[string]bool{}
		}
		for _, v := range vals {
			if n.pinNorm != nil {
				v = string(n.pinNorm([]byte(v)))
			}
			n.pins[v] = true
		}
	}
	return g, nil
}

// sortedNames is a map's tables in order, so that the first mistake
// reported is the same every run.
func sortedNames[V any](m map[schema.QName]V) []schema.QName {
	out := make([]schema.QName, 0, len(m))
	for q := range m {
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b schema.QName) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// rootKey is the columns the root sample hashes: the primary key, else a
// unique key of NOT NULL columns.
func rootKey(t *schema.Table) ([]string, error) {
	if t.PrimaryKey != nil {
		return t.PrimaryKey.Columns, nil
	}
	for _, k := range t.Uniques {
		if k.Partial || len(k.Parts) != len(k.Columns) {
			continue
		}
		ok := true
		for _, p := range k.Parts {
			if c := t.Column(p.Column); p.Column == "" || p.Fold != schema.NoFold || c == nil || !c.NotNull {
				ok = false
			}
		}
		if ok {
			return k.Columns, nil
		}
	}
	return nil, &PlanError{Table: t.Name, Part: "root", Msg: "the root table needs a primary key (or a unique key of NOT NULL columns) to sample its rows by"}
}

// cycles lists the foreign-key cycles between tables (strongly connected
// components of more than one table, and self-references), for the plan.
func (g *graph) cycles() [][]schema.QName {
	index := map[*node]int{}
	low := map[*node]int{}
	on := map[*node]bool{}
	var stack []*node
	var out [][]schema.QName
	i := 0
	var visit func(n *node)
	visit = func(n *node) {
		index[n], low[n] = i, i
		i++
		stack = append(stack, n)
		on[n] = true
		for _, e := range n.out {
			if _, ok := index[e.to]; !ok {
				visit(e.to)
				low[n] = min(low[n], low[e.to])
			} else if on[e.to] {
				low[n] = min(low[n], index[e.to])
			}
		}
		if low[n] == index[n] {
			var comp []schema.QName
			for {
				m := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[m] = false
				comp = append(comp, m.name)
				if m == n {
					break
				}
			}
			self := false
			for _, e := range n.out {
				self = self || e.self
			}
			if len(comp) > 1 || self {
				slices.SortFunc(comp, func(a, b schema.QName) int { return strings.Compare(a.String(), b.String()) })
				out = append(out, comp)
			}
		}
	}
	for _, n := range g.nodes {
		if _, ok := index[n]; !ok {
			visit(n)
		}
	}
	return out
}
