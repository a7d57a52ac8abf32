package subset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// selecter is a source that runs read-only queries in its snapshot (a
// live database), for where: conditions.
type selecter interface {
	Select(ctx context.Context, query string) (io.ReadCloser, error)
}

// columnOpener is a source that reads some columns of a data entry, row
// for row as Open does (a live database): key columns are all a pass needs.
type columnOpener interface {
	OpenColumns(ctx context.Context, e *dump.Entry, cols []string) (io.ReadCloser, error)
}

// rewinder is a source whose data must be rewound to be read again (a
// plain script, read in order).
type rewinder interface{ Rewind() error }

// Result is the chosen rows.
type Result struct {
	g      *graph
	Report *Report
}

// Report says what a subset keeps and why.
type Report struct {
	Root    schema.QName
	Percent float64
	Tables  []TableReport // in dump order
	// Order is the tables in the order the closure reaches them from the
	// root: descendant tables, then ancestor tables, then the others.
	Order  []schema.QName
	Cycles [][]schema.QName // foreign-key cycles and self-references
	Passes int              // passes over the data
	Bytes  int64            // memory held by kept rows' bits and key sets, and by the largest pass's index of rows on cycles
}

// TableReport is one table's share.
type TableReport struct {
	Table       schema.QName
	Role        string // root, descendant, ancestor, unconnected
	Mode        Mode
	Kept, Total int64 // -1: all (kept whole), not read
	// Reasons counts kept rows by the first reason found: "root sample",
	// "pinned", "whole table", "descendant of T", "ancestor of T".
	Reasons map[string]int64
}

// Keep returns which rows of the data entry e are kept: nil keeps every
// row; otherwise keep(n) is called with the 0-based row number.
func (r *Result) Keep(e *dump.Entry) func(row int64) bool {
	if e.Desc != dump.TableData {
		return nil
	}
	n := r.g.byName[logical(r.g.cat, e.Table)]
	switch {
	case n == nil || n.whole:
		return nil
	case n.mode == None:
		return func(int64) bool { return false }
	}
	b := n.kept[e]
	if b == nil {
		return func(int64) bool { return false }
	}
	return b.has
}

// NoneError is a kept row referencing a table whose mode is none.
type NoneError struct {
	Table schema.QName // the none table
	From  schema.QName
	FK    string
	Pos   dump.Pos
}

func (e *NoneError) Error() string {
	return fmt.Sprintf("%s: subset: kept rows of %s reference %s (foreign key %s), whose subset mode is none: the result would not load; make it follow or all", e.Pos, e.From, e.Table, e.FK)
}

func (e *NoneError) Position() dump.Pos { return e.Pos }

// ReadError is a row whose key cannot be read.
type ReadError struct {
	Pos    dump.Pos
	Column string
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("%s: subset: column %s: %v", e.Pos, e.Column, e.Err)
}

func (e *ReadError) Unwrap() error      { return e.Err }
func (e *ReadError) Position() dump.Pos { return e.Pos }

// Compute reads src's data (as often as the graph needs) and chooses the
// rows to keep. A source read in order is rewound before every pass (and
// must be rewound again by the caller before the copy).
func Compute(ctx context.Context, src dump.Source, inv *dump.Inventory, spec *Spec, secret masking.Secret) (*Result, error) {
	if !(spec.Percent > 0 && spec.Percent <= 100) { // NaN too
		return nil, &PlanError{Table: spec.Root, Part: "percent", Msg: fmt.Sprintf("percent must be in (0, 100], got %v", spec.Percent)}
	}
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData && e.Format != dump.CopyText {
			return nil, &PlanError{Table: e.Table, Msg: e.Pos.String() + ": subsetting reads COPY data; this dump has INSERT statements (dump it without --inserts)"}
		}
	}
	g, err := newGraph(inv, spec)
	if err != nil {
		return nil, err
	}
	c := &computer{g: g, src: src, key: secret.Key("subset/" + spec.Root.String())}
	c.threshold = math.MaxUint64
	if spec.Percent < 100 {
		c.threshold = uint64(math.Ldexp(spec.Percent/100, 64))
	}
	if spec.Where != "" {
		if err := c.where(ctx, spec.Where); err != nil {
			return nil, err
		}
	}
	for _, n := range g.nodes {
		n.dirty = n.mode != None
	}
	var data []*dump.Entry
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData {
			data = append(data, e)
		}
	}
	if _, inOrder := src.(rewinder); !inOrder {
		// A source read in any order (a database, an archive) is read the
		// way the closure goes, root first: a table is then read after
		// the tables its rows follow, and most are done in one pass.
		rank := map[*node]int{}
		for i, n := range g.order() {
			rank[n] = i
		}
		slices.SortStableFunc(data, func(a, b *dump.Entry) int {
			return rank[g.byName[logical(g.cat, a.Table)]] - rank[g.byName[logical(g.cat, b.Table)]]
		})
	}
	passes := 0
	for {
		todo := false
		for _, n := range g.nodes {
			todo = todo || c.wants(n)
		}
		if !todo {
			break
		}
		passes++
		if r, ok := src.(rewinder); ok {
			if err := r.Rewind(); err != nil {
				return nil, err
			}
		}
		scanning := map[*node]bool{}
		for _, e := range data {
			n := g.byName[logical(g.cat, e.Table)]
			s, decided := scanning[n]
			if !decided {
				s = c.wants(n)
				scanning[n] = s
				if s {
					n.dirty = false
				}
			}
			if s {
				if err := c.scan(ctx, n, e); err != nil {
					return nil, err
				}
			}
		}
		for n, s := range scanning {
			if s {
				n.scanned = true
			}
		}
		for _, e := range g.edges {
			e.need.compact()
			e.keys.compact()
		}
		c.closeCycles() // from the sorted keys: the same rows and reasons every run
		for _, e := range g.edges {
			e.need.compact()
			e.keys.compact()
		}
		if c.none != nil {
			return nil, c.none
		}
	}
	if err := missingPins(g); err != nil {
		return nil, err
	}
	return &Result{g: g, Report: c.report(spec, passes)}, nil
}

// missingPins reports the pinned keys that match no row: the rows that
// must always be there are not (a key mistyped, a row since deleted).
func missingPins(g *graph) error {
	for _, n := range g.nodes {
		if n.pins == nil || n.whole && !n.scanned { // kept whole, never read
			continue
		}
		var missing []string
		for k := range n.pins {
			if !n.found[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			continue
		}
		slices.Sort(missing)
		more := ""
		if len(missing) > 10 {
			more = fmt.Sprintf(" and %d more", len(missing)-10)
			missing = missing[:10]
		}
		for i, k := range missing {
			missing[i] = strconv.Quote(k)
		}
		return &PlanError{Table: n.pinTable, Part: "include", Msg: fmt.Sprintf("subset include: no row has the pinned key %s%s", strings.Join(missing, ", "), more)}
	}
	return nil
}

type computer struct {
	g         *graph
	whereKeys *keySet // root keys meeting Spec.Where; nil: no condition
	src       dump.Source
	key       *masking.Key
	threshold uint64
	fields    [][]byte
	buf, tup  []byte
	// inKeys and outKeys cache the current row's key hashes, per edge of
	// the node being read.
	inKeys, outKeys []rowKey
	none            *NoneError
	// indexBytes is the largest index of rows on cycles a pass built.
	indexBytes int64
}

// wants reports whether n must be read (again) in the next pass.
func (c *computer) wants(n *node) bool {
	if n.mode == None || !n.dirty || len(n.entries) == 0 {
		return false
	}
	if n.whole { // read once, for what its rows reference
		return !n.scanned && len(n.out) > 0
	}
	return true
}

// columns maps the needed columns of a node to their fields in e's rows.
type columns struct {
	key     []int
	in, out [][]int // per n.in edge (referenced columns), per n.out edge
	max     int
}

// needed lists the columns of n a pass reads, each once.
func needed(n *node) []string {
	var out []string
	add := func(cols []string) {
		for _, c := range cols {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	add(n.key)
	for _, ed := range n.in {
		add(ed.refCols)
	}
	for _, ed := range n.out {
		add(ed.cols)
	}
	return out
}

// columns maps n's needed columns to fields of the rows read: of the
// projection when names is given, else of the entry's column list.
func (c *computer) columns(n *node, e *dump.Entry, names []string) (*columns, error) {
	if names == nil {
		names = e.Columns
	}
	if names == nil {
		t := c.g.cat.Table(e.Table)
		if t == nil {
			return nil, &PlanError{Table: e.Table, Msg: "data for a table the schema does not define"}
		}
		for _, col := range t.Columns {
			if !col.Generated {
				names = append(names, col.Name)
			}
		}
	}
	cols := &columns{max: -1}
	find := func(want []string) ([]int, error) {
		out := make([]int, len(want))
		for i, w := range want {
			j := slices.Index(names, w)
			if j < 0 {
				if t := c.g.cat.Table(e.Table); t != nil && t.Column(w) != nil && t.Column(w).Generated {
					return nil, &PlanError{Table: e.Table, Msg: fmt.Sprintf("%s: column %s, which the subset follows (a foreign key or key), is generated: a dump's data does not hold it; subset the live database (--source), which does", e.Pos, w)}
				}
				return nil, &PlanError{Table: e.Table, Msg: fmt.Sprintf("%s: the data has no column %s, which the subset follows", e.Pos, w)}
			}
			out[i] = j
			cols.max = max(cols.max, j)
		}
		return out, nil
	}
	var err error
	if cols.key, err = find(n.key); err != nil {
		return nil, err
	}
	for _, ed := range n.in {
		ix, err := find(ed.refCols)
		if err != nil {
			return nil, err
		}
		cols.in = append(cols.in, ix)
	}
	for _, ed := range n.out {
		ix, err := find(ed.cols)
		if err != nil {
			return nil, err
		}
		cols.out = append(cols.out, ix)
	}
	return cols, nil
}

// scan reads one data entry of n, keeping the rows that now qualify and
// noting what they reference and what references them.
func (c *computer) scan(ctx context.Context, n *node, e *dump.Entry) error {
	var rc io.ReadCloser
	var cols *columns
	var err error
	var order *heapOrder
	if co, ok := c.src.(columnOpener); ok {
		// Rows are matched with the copy's by number, so they must come
		// in the heap's order as COPY reads them: with a column the
		// index does not hold (ctid), no index-only scan can read the
		// keys in the index's order instead, and the ctids are checked.
		proj := append(needed(n), "ctid")
		if cols, err = c.columns(n, e, proj); err != nil {
			return err
		}
		order = &heapOrder{block: -1}
		rc, err = co.OpenColumns(ctx, e, proj)
	} else {
		if cols, err = c.columns(n, e, nil); err != nil {
			return err
		}
		rc, err = c.src.Open(ctx, e)
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	bits := n.kept[e]
	if bits == nil && !n.whole {
		bits = &bitset{}
		n.kept[e] = bits
	}
	first := !n.scanned
	pend := n.pending[e]
	ei := slices.Index(n.entries, e)
	br := bufio.NewReaderSize(rc, 1<<20)
	var long []byte
	var row int64
	for ; ; row++ {
		if row&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return context.Cause(ctx)
			}
		}
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) { // a row longer than the buffer
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return err
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'})
		if order != nil && !order.next(line[bytes.LastIndexByte(line, '\t')+1:]) {
			return &ReadError{Pos: rowPos(e, row), Column: "ctid", Err: errors.New("the source read the keys out of the table's physical order (an index scan?), so they cannot be matched with the rows copied")}
		}
		if first {
			n.total++
		}
		if bits != nil && bits.has(row) {
			if pend == nil || !pend.has(row) {
				continue
			}
		}
		c.fields = copytext.SplitN(c.fields[:0], line, cols.max+2)
		if len(c.fields) <= cols.max {
			return &ReadError{Pos: rowPos(e, row), Column: "?", Err: errors.New("fewer fields than columns")}
		}
		c.inKeys = resetKeys(c.inKeys, len(n.in))
		c.outKeys = resetKeys(c.outKeys, len(n.out))
		if pend != nil && pend.has(row) { // kept by closeCycles: emit it now
			pend.clear(row)
			if err := c.emit(n, e, row, cols); err != nil {
				return err
			}
			continue
		}
		why, err := c.reason(n, e, row, cols)
		if err != nil {
			return err
		}
		if why == "" {
			if n.cycle != nil {
				if err := c.record(n, e, ei, row, cols); err != nil {
					return err
				}
			}
			continue
		}
		if bits != nil {
			bits.set(row)
		}
		n.keptN++
		n.reasons[why]++
		if err := c.emit(n, e, row, cols); err != nil {
			return err
		}
	}
	return rc.Close()
}

// heapOrder checks that ctids, "(block,offset)", increase.
type heapOrder struct{ block, offset int64 }

func (h *heapOrder) next(ctid []byte) bool {
	b, o, ok := bytes.Cut(bytes.TrimSuffix(bytes.TrimPrefix(ctid, []byte{'('}), []byte{')'}), []byte{','})
	if !ok {
		return false
	}
	block, err1 := strconv.ParseInt(string(b), 10, 64)
	offset, err2 := strconv.ParseInt(string(o), 10, 64)
	if err1 != nil || err2 != nil || block < h.block || block == h.block && offset <= h.offset {
		return false
	}
	h.block, h.offset = block, offset
	return true
}

func rowPos(e *dump.Entry, row int64) dump.Pos {
	p := e.Pos
	p.Table = e.Table
	p.Row = row + 1
	return p
}

// reason says why the current row is kept, "" if it is not (yet).
func (c *computer) reason(n *node, e *dump.Entry, row int64, cols *columns) (string, error) {
	var t []byte
	var ok, pinned bool
	if n.pins != nil || n.root && !n.whole {
		var err error
		if t, ok, err = c.text(e, row, n.key, cols.key, n.sampleNorm); err != nil {
			return "", err
		}
		if pk := c.pinKey(n); ok && n.pins != nil && len(n.key) == 1 && n.pins[string(pk)] {
			pinned = true
			n.found[string(pk)] = true
		}
	}
	if n.whole {
		return "whole table", nil
	}
	if ok && n.root {
		s := c.key.Sum(t)
		if (binary.LittleEndian.Uint64(s[:8]) < c.threshold || c.threshold == math.MaxUint64) && (c.whereKeys == nil || c.whereKeys.has(fnv(t))) {
			return "root sample", nil
		}
	}
	if pinned {
		return "pinned", nil
	}
	for i, ed := range n.in {
		if ed.need.len() == 0 {
			continue
		}
		h, ok, err := c.inKey(n, e, row, cols, i)
		if err != nil {
			return "", err
		}
		if ok && ed.need.has(h) {
			return "ancestor of " + ed.from.name.String(), nil
		}
	}
	for i, ed := range n.out {
		if !ed.down() || ed.keys.len() == 0 {
			continue
		}
		h, ok, err := c.outKey(n, e, row, cols, i)
		if err != nil {
			return "", err
		}
		if ok && ed.keys.has(h) {
			return "descendant of " + ed.to.name.String(), nil
		}
	}
	return "", nil
}

// emit notes a newly kept row's references (the rows it needs) and, for a
// descendant table, its keys (the rows that belong to it).
func (c *computer) emit(n *node, e *dump.Entry, row int64, cols *columns) error {
	for i, ed := range n.out {
		if ed.to.whole && ed.to.mode != None {
			continue
		}
		h, ok, err := c.outKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if ed.to.mode == None {
			if c.none == nil {
				c.none = &NoneError{Table: ed.to.name, From: n.name, FK: ed.name, Pos: rowPos(e, row)}
			}
			continue
		}
		if ed.need.add(h) {
			ed.to.dirty = true
		}
	}
	for i, ed := range n.in {
		if !ed.down() || ed.from.whole || ed.from.mode == None {
			continue
		}
		h, ok, err := c.inKey(n, e, row, cols, i)
		if err != nil {
			return err
		}
		if ok && ed.keys.add(h) {
			ed.from.dirty = true
		}
	}
	return nil
}

// rowKey is one key of the current row, hashed at most once: reason,
// emit and record ask for the same keys.
type rowKey struct {
	h     uint64
	state uint8 // 0: not hashed yet, 1: hashed, 2: NULL
}

func resetKeys(k []rowKey, n int) []rowKey {
	k = slices.Grow(k[:0], n)[:n]
	clear(k)
	return k
}

// inKey is the current row's key that n.in[i] references.
func (c *computer) inKey(n *node, e *dump.Entry, row int64, cols *columns, i int) (uint64, bool, error) {
	ed := n.in[i]
	return c.rowHash(&c.inKeys[i], e, row, ed.refCols, cols.in[i], ed.norm)
}

// outKey is the current row's foreign key n.out[i].
func (c *computer) outKey(n *node, e *dump.Entry, row int64, cols *columns, i int) (uint64, bool, error) {
	ed := n.out[i]
	return c.rowHash(&c.outKeys[i], e, row, ed.cols, cols.out[i], ed.norm)
}

func (c *computer) rowHash(k *rowKey, e *dump.Entry, row int64, names []string, idx []int, norms []norm) (uint64, bool, error) {
	if k.state == 0 {
		h, ok, err := c.hash(e, row, names, idx, norms)
		if err != nil {
			return 0, false, err
		}
		k.h, k.state = h, 2
		if ok {
			k.state = 1
		}
	}
	return k.h, k.state == 1, nil
}

// pinKey is the last key column's value (c.buf) as pins are written.
func (c *computer) pinKey(n *node) []byte {
	if n.pinNorm == nil {
		return c.buf
	}
	return n.pinNorm(c.buf)
}

// text is the decoded key of the current row, length-prefixed per column,
// each normalized by norms if given (c.buf holds the last column's value
// as decoded); ok is false when a part is NULL.
func (c *computer) text(e *dump.Entry, row int64, names []string, idx []int, norms []norm) ([]byte, bool, error) {
	c.tup = c.tup[:0]
	for k, i := range idx {
		f := c.fields[i]
		if copytext.IsNull(f) {
			return nil, false, nil
		}
		var err error
		if c.buf, err = copytext.Decode(c.buf[:0], f); err != nil {
			return nil, false, &ReadError{Pos: rowPos(e, row), Column: names[k], Err: err}
		}
		v := c.buf
		if k < len(norms) && norms[k] != nil {
			v = norms[k](v)
		}
		c.tup = binary.AppendUvarint(c.tup, uint64(len(v)))
		c.tup = append(c.tup, v...)
	}
	return c.tup, true, nil
}

// hash is a 64-bit FNV-1a of the key's text: deterministic, so two runs
// keep the same rows.
func (c *computer) hash(e *dump.Entry, row int64, names []string, idx []int, norms []norm) (uint64, bool, error) {
	t, ok, err := c.text(e, row, names, idx, norms)
	if !ok || err != nil {
		return 0, false, err
	}
	return fnv(t), true, nil
}

func fnv(t []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range t {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}

// WhereError is a where: condition that cannot be applied.
type WhereError struct {
	Table schema.QName
	Err   error
}

func (e *WhereError) Error() string { return fmt.Sprintf("subset where: on %s: %v", e.Table, e.Err) }
func (e *WhereError) Unwrap() error { return e.Err }

// where reads the keys of the root rows meeting cond, in the source's
// snapshot.
func (c *computer) where(ctx context.Context, cond string) error {
	sel, ok := c.src.(selecter)
	if !ok {
		return &WhereError{Table: c.g.root.name, Err: errors.New("a where: condition needs a live database as the source (--source)")}
	}
	return c.whereOn(ctx, sel, cond)
}

func (c *computer) whereOn(ctx context.Context, sel selecter, cond string) error {
	root := c.g.root
	if err := checkWhere(cond); err != nil {
		return &WhereError{Table: root.name, Err: err}
	}
	cols := make([]string, len(root.key))
	idx := make([]int, len(root.key))
	for i, k := range root.key {
		cols[i] = pgx.Identifier{k}.Sanitize()
		idx[i] = i
	}
	// ONLY: a table's inheritance children are tables of their own, whose
	// rows (and keys) are not the root's; a partitioned table's rows are
	// its partitions'.
	from := " FROM ONLY "
	if t := c.g.cat.Table(root.name); t != nil && t.Partitioned {
		from = " FROM "
	}
	query := "SELECT " + strings.Join(cols, ", ") + from + pgx.Identifier{root.name.Schema, root.name.Name}.Sanitize() + " WHERE (" + cond + "\n)"
	rc, err := sel.Select(ctx, query)
	if err != nil {
		return &WhereError{Table: root.name, Err: quiet(err)}
	}
	defer rc.Close()
	keys := &keySet{}
	e := &dump.Entry{Table: root.name, Pos: dump.Pos{File: "where"}}
	br := bufio.NewReaderSize(rc, 1<<16)
	for row := int64(0); ; row++ {
		line, err := br.ReadString('\n')
		if line == "" && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return &WhereError{Table: root.name, Err: quiet(err)}
		}
		c.fields = copytext.SplitN(c.fields[:0], []byte(strings.TrimSuffix(line, "\n")), len(idx)+1)
		if len(c.fields) < len(idx) {
			return &WhereError{Table: root.name, Err: errors.New("unexpected row shape")}
		}
		t, ok, err := c.text(e, row, root.key, idx, root.sampleNorm)
		if err != nil {
			return err
		}
		if ok {
			keys.add(fnv(t))
		}
	}
	if err := rc.Close(); err != nil {
		return &WhereError{Table: root.name, Err: quiet(err)}
	}
	keys.compact()
	c.whereKeys = keys
	return nil
}

func (c *computer) report(spec *Spec, passes int) *Report {
	g := c.g
	r := &Report{Root: spec.Root, Percent: spec.Percent, Passes: passes, Cycles: g.cycles(), Bytes: c.indexBytes}
	for _, n := range g.nodes {
		role := roleNames[n.role]
		if n.root {
			role = "root"
		}
		tr := TableReport{Table: n.name, Role: role, Mode: n.mode, Kept: n.keptN, Total: n.total, Reasons: n.reasons}
		switch {
		case n.whole && !n.scanned: // kept whole without being read
			tr.Kept, tr.Total = -1, -1
		case !n.scanned && len(n.entries) > 0: // none: not read, not 0 rows
			tr.Total = -1
		}
		r.Tables = append(r.Tables, tr)
		for _, b := range n.kept {
			r.Bytes += b.bytes()
		}
	}
	for _, e := range g.edges {
		r.Bytes += e.need.bytes() + e.keys.bytes()
	}
	for _, want := range []role{descendant, ancestor, unconnected} {
		for _, n := range g.order() {
			if n.role == want {
				r.Order = append(r.Order, n.name)
			}
		}
	}
	return r
}

// order is the nodes breadth first from the root (descendants up the
// references, then down), then the rest in dump order.
func (g *graph) order() []*node {
	seen := map[*node]bool{g.root: true}
	out := []*node{g.root}
	for i := 0; i < len(out); i++ {
		n := out[i]
		for _, e := range n.in {
			if !seen[e.from] && e.from.role == descendant {
				seen[e.from] = true
				out = append(out, e.from)
			}
		}
		for _, e := range n.out {
			if !seen[e.to] {
				seen[e.to] = true
				out = append(out, e.to)
			}
		}
	}
	for _, n := range g.nodes {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// String renders the report as the table subset-plan prints.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "subset: %g%% of %s, %d pass(es) over the data, %s of keys and row bits\n", r.Percent, r.Root, r.Passes, sizeString(r.Bytes))
	fmt.Fprintf(&b, "%-40s %-12s %-7s %12s %12s  %s\n", "table", "role", "mode", "kept", "of", "why")
	byName := map[schema.QName]TableReport{}
	for _, t := range r.Tables {
		byName[t.Table] = t
	}
	for _, q := range r.Order {
		t := byName[q]
		kept, total := fmt.Sprint(t.Kept), fmt.Sprint(t.Total)
		if t.Kept < 0 {
			kept = "all"
		}
		if t.Total < 0 {
			total = "(not read)"
		}
		var why []string
		for k, v := range t.Reasons {
			why = append(why, fmt.Sprintf("%s %d", k, v))
		}
		slices.Sort(why)
		fmt.Fprintf(&b, "%-40s %-12s %-7s %12s %12s  %s\n", t.Table, t.Role, t.Mode, kept, total, strings.Join(why, ", "))
	}
	for _, cy := range r.Cycles {
		names := make([]string, len(cy))
		for i, q := range cy {
			names[i] = q.String()
		}
		fmt.Fprintf(&b, "cycle: %s\n", strings.Join(names, " ↔ "))
	}
	return b.String()
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
