package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// Stats summarises a masking run.
type Stats struct {
	Tables      int   // tables with data
	Rows        int64 // rows written
	SkippedRows int64 // rows dropped by skip rules
	MaskedCells int64
	BytesIn     int64
	BytesOut    int64
	Elapsed     time.Duration
}

// Progress is reported periodically while rows stream.
type Progress struct {
	Table     schema.QName
	Rows      int64 // rows done so far, all tables
	TotalRows int64 // from the first pass; 0 if unknown
	BytesIn   int64
}

// MaskOptions configure Mask.
type MaskOptions struct {
	// TotalRows, if known, lets progress show a fraction.
	TotalRows int64
	// Progress, if set, is called about every ProgressEvery.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// RowError is a row that cannot be masked, located by line, table and
// column. It never holds the value.
type RowError struct {
	File   string
	Line   int
	Table  schema.QName
	Column string
	Err    error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("%s:%d: %s.%s: %v", e.File, e.Line, e.Table, schema.QuoteIdent(e.Column), e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// CollisionError is two rows whose masked values collide on a unique key:
// loading them would fail, so the run stops instead.
type CollisionError struct {
	File    string
	Line    int
	Table   schema.QName
	Key     string
	Columns []string
}

func (e *CollisionError) Error() string {
	return fmt.Sprintf("%s:%d: %s: masked values collide on unique key %s (%s); use hash_id for keys, or a masker with more entropy",
		e.File, e.Line, e.Table, e.Key, joinCols(e.Columns))
}

func joinCols(cols []string) string {
	var b bytes.Buffer
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(schema.QuoteIdent(c))
	}
	return b.String()
}

// masker is the state of one masking run over a dump.
type masker struct {
	plan    *rules.Plan
	cat     *schema.Catalog
	r       *plaindump.Reader
	w       *plaindump.Writer
	opts    MaskOptions
	stats   Stats
	scratch *masking.Scratch

	// The current COPY block, and the table whose data was last seen.
	block   *blockPlan
	current schema.QName

	seen     map[*rules.Guard]map[[2]uint64]struct{}
	seeds    [2]maphash.Seed
	maxOut   map[*rules.ColumnPlan]int64
	fields   [][]byte
	row      []byte
	dec      []byte
	out      [][]byte
	outNull  []bool
	stmt     []byte
	tuple    []plaindump.Value // the INSERT tuple being masked, nil for COPY rows
	tables   map[schema.QName]bool
	lastTick time.Time
}

// blockPlan maps one COPY column list (or INSERT column list) onto a plan.
type blockPlan struct {
	table  *rules.TablePlan
	cols   []*rules.ColumnPlan // per position; nil passes through
	names  []string
	last   int // highest position that is masked or part of a guarded key
	rows   []int
	guards []guardPlan
}

type guardPlan struct {
	g   *rules.Guard
	pos []int
}

// Mask streams a plain dump from r to w, masking rows as the plan says.
// Everything that is not a masked value is copied byte for byte.
func Mask(ctx context.Context, r *plaindump.Reader, w *plaindump.Writer, plan *rules.Plan, cat *schema.Catalog, opts MaskOptions) (*Stats, error) {
	m := &masker{plan: plan, cat: cat, r: r, w: w, opts: opts, scratch: masking.NewScratch(),
		seen: map[*rules.Guard]map[[2]uint64]struct{}{}, maxOut: map[*rules.ColumnPlan]int64{},
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, tables: map[schema.QName]bool{}}
	start := time.Now()
	m.lastTick = start
	for n := 0; ; n++ {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := m.item(it); err != nil {
			return nil, err
		}
		if opts.Progress != nil && n&0x3ff == 0 {
			if now := time.Now(); now.Sub(m.lastTick) >= opts.ProgressEvery {
				m.lastTick = now
				opts.Progress(Progress{Table: m.current, Rows: m.stats.Rows + m.stats.SkippedRows, TotalRows: opts.TotalRows, BytesIn: r.Offset()})
			}
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	m.stats.Tables = len(m.tables)
	m.stats.BytesIn = r.Offset()
	m.stats.Elapsed = time.Since(start)
	return &m.stats, nil
}

func (m *masker) item(it *plaindump.Item) error {
	switch it.Kind {
	case plaindump.CopyHeader:
		m.tables[it.Table] = true
		m.current = it.Table
		m.block = m.blockFor(it.Table, it.Columns)
		return m.write(it)
	case plaindump.CopyRow:
		if m.block.table != nil && m.block.table.Skip {
			m.stats.SkippedRows++
			return nil
		}
		m.stats.Rows++
		if m.block.table == nil || !m.block.table.Masked() && len(m.block.guards) == 0 {
			return m.write(it)
		}
		row, err := m.maskRow(it)
		if err != nil {
			return err
		}
		m.stats.BytesOut += int64(len(row) + len(it.EOL))
		return m.w.WriteRow(row, it.EOL)
	case plaindump.CopyEnd:
		m.block = nil
		return m.write(it)
	case plaindump.Insert:
		m.tables[it.Table] = true
		m.current = it.Table
		return m.insert(it)
	case plaindump.Statement:
		if len(m.plan.Sequences) > 0 {
			if out, ok := m.setval(it); ok {
				m.stats.BytesOut += int64(len(out))
				_, err := m.w.Write(out)
				return err
			}
		}
	}
	return m.write(it)
}

func (m *masker) write(it *plaindump.Item) error {
	m.stats.BytesOut += int64(len(it.Raw) + len(it.EOL))
	return m.w.WriteItem(it)
}

// blockFor maps a column list to the table's plan.
func (m *masker) blockFor(q schema.QName, columns []string) *blockPlan {
	b := &blockPlan{table: m.plan.Tables[q], last: -1, names: columns}
	if b.table == nil {
		return b
	}
	if columns == nil {
		// INSERT without a column list: every column in table order.
		if t := m.cat.Table(q); t != nil {
			for _, c := range t.Columns {
				b.names = append(b.names, c.Name)
			}
		}
	}
	b.cols = make([]*rules.ColumnPlan, len(b.names))
	index := map[string]int{}
	for i, name := range b.names {
		index[name] = i
		if cp := b.table.Columns[name]; cp != nil {
			b.cols[i] = cp
			if cp.Row != nil {
				b.rows = append(b.rows, i)
			}
			b.last = i
		}
	}
	for _, g := range b.table.Guards {
		gp := guardPlan{g: g}
		for _, c := range g.Columns {
			i, ok := index[c]
			if !ok {
				gp.pos = nil
				break
			}
			gp.pos = append(gp.pos, i)
			b.last = max(b.last, i)
		}
		if gp.pos != nil {
			b.guards = append(b.guards, gp)
		}
	}
	return b
}

// maskRow rebuilds one COPY row: fields before the last one that matters are
// split out, masked fields are decoded, masked and re-escaped, and the rest
// of the row is copied as it is.
func (m *masker) maskRow(it *plaindump.Item) ([]byte, error) {
	b := m.block
	// Fields up to the last one of interest, then the rest of the row whole.
	m.fields = copytext.SplitN(m.fields[:0], it.Raw, b.last+2)
	n := len(m.fields)
	m.ensureOut(n)
	for i := 0; i < n && i <= b.last; i++ {
		cp := b.cols[i]
		if cp == nil || cp.Row != nil {
			m.out[i], m.outNull[i] = nil, false
			continue
		}
		if err := m.maskField(it, i, cp, m.fields[i]); err != nil {
			return nil, err
		}
	}
	for _, i := range b.rows {
		if err := m.maskRowField(it, i, b.cols[i]); err != nil {
			return nil, err
		}
	}
	if err := m.checkGuards(it.Line, b); err != nil {
		return nil, err
	}
	m.row = m.row[:0]
	for i := 0; i < n; i++ {
		if i > 0 {
			m.row = append(m.row, '\t')
		}
		switch {
		case i > b.last || b.cols[i] == nil:
			m.row = append(m.row, m.fields[i]...)
		case m.outNull[i]:
			m.row = append(m.row, copytext.Null...)
		default:
			m.row = copytext.Encode(m.row, m.out[i])
		}
	}
	return m.row, nil
}

func (m *masker) ensureOut(n int) {
	for len(m.out) < n {
		m.out = append(m.out, nil)
		m.outNull = append(m.outNull, false)
	}
}

// maskField masks raw field i into m.out[i].
func (m *masker) maskField(it *plaindump.Item, i int, cp *rules.ColumnPlan, raw []byte) error {
	null := copytext.IsNull(raw)
	var value []byte
	if !null {
		var err error
		m.dec, err = copytext.Decode(m.dec[:0], raw)
		if err != nil {
			return &RowError{File: m.r.Name(), Line: it.Line, Table: it.Table, Column: cp.Name, Err: err}
		}
		value = m.dec
	}
	return m.applyCell(it, i, cp, value, null)
}

func (m *masker) applyCell(it *plaindump.Item, i int, cp *rules.ColumnPlan, value []byte, null bool) error {
	out, outNull, err := cp.Cell.Apply(m.scratch, m.out[i][:0], value, null)
	if err != nil {
		return &RowError{File: m.r.Name(), Line: it.Line, Table: it.Table, Column: cp.Name, Err: err}
	}
	m.out[i], m.outNull[i] = out, outNull
	if !null {
		m.stats.MaskedCells++
	}
	if cp.TrackMax && !outNull {
		if n, err := strconv.ParseInt(string(out), 10, 64); err == nil && n > m.maxOut[cp] {
			m.maxOut[cp] = n
		}
	}
	return nil
}

// maskRowField runs a row masker (template) over the row's masked values.
func (m *masker) maskRowField(it *plaindump.Item, i int, cp *rules.ColumnPlan) error {
	b := m.block
	var err error
	get := func(column string) ([]byte, bool) {
		for j, name := range b.names {
			if name != column || j >= len(m.fields) {
				continue
			}
			if b.cols[j] != nil && b.cols[j].Row == nil {
				return m.out[j], m.outNull[j]
			}
			v, null, derr := m.original(it, j)
			if derr != nil {
				err = derr
			}
			return v, null
		}
		return nil, true
	}
	out, merr := cp.Row.MaskRow(m.scratch, m.out[i][:0], get)
	if merr == nil {
		merr = err
	}
	if merr != nil {
		return &RowError{File: m.r.Name(), Line: it.Line, Table: it.Table, Column: cp.Name, Err: merr}
	}
	m.out[i], m.outNull[i] = out, false
	m.stats.MaskedCells++
	return nil
}

// original decodes the unmasked value at position j of the current row.
func (m *masker) original(it *plaindump.Item, j int) ([]byte, bool, error) {
	if m.tuple != nil {
		v := m.tuple[j]
		if v.Kind == plaindump.ValNull {
			return nil, true, nil
		}
		out, err := it.Insert.AppendText(nil, it.Raw, v)
		return out, false, err
	}
	raw := m.fields[j]
	if copytext.IsNull(raw) {
		return nil, true, nil
	}
	out, err := copytext.Decode(nil, raw)
	return out, false, err
}

// checkGuards records the row's masked unique keys and fails on a repeat.
// Keys with a NULL never collide, as in PostgreSQL.
func (m *masker) checkGuards(line int, b *blockPlan) error {
	for _, gp := range b.guards {
		var h [2]maphash.Hash
		h[0].SetSeed(m.seeds[0])
		h[1].SetSeed(m.seeds[1])
		null := false
		for _, i := range gp.pos {
			var v []byte
			if b.cols[i] != nil {
				if m.outNull[i] {
					null = true
					break
				}
				v = m.out[i]
			} else {
				if m.tuple != nil && m.tuple[i].Kind == plaindump.ValNull || m.tuple == nil && copytext.IsNull(m.fields[i]) {
					null = true
					break
				}
				v = m.fields[i]
			}
			for k := range h {
				h[k].Write(v)
				h[k].WriteByte(0)
			}
		}
		if null {
			continue
		}
		fp := [2]uint64{h[0].Sum64(), h[1].Sum64()}
		set := m.seen[gp.g]
		if set == nil {
			set = map[[2]uint64]struct{}{}
			m.seen[gp.g] = set
		}
		if _, dup := set[fp]; dup {
			return &CollisionError{File: m.r.Name(), Line: line, Table: b.table.Name, Key: gp.g.Name, Columns: gp.g.Columns}
		}
		set[fp] = struct{}{}
	}
	return nil
}

// setvalRe matches pg_dump's sequence setting statement.
var setvalRe = regexp.MustCompile(`(?is)^SELECT\s+(?:pg_catalog\.)?setval\(\s*'((?:[^']|'')+)'\s*,\s*(-?[0-9]+)\s*(,\s*(?:true|false)\s*)?\)\s*;`)

// setval rewrites a sequence's value so it stays ahead of the masked keys it
// feeds: hash_id may move a key above the original maximum.
func (m *masker) setval(it *plaindump.Item) ([]byte, bool) {
	sub := setvalRe.FindSubmatchIndex(it.Text)
	if sub == nil {
		return nil, false
	}
	name, err := schema.ParseQName(string(bytes.ReplaceAll(it.Text[sub[2]:sub[3]], []byte("''"), []byte("'"))))
	if err != nil {
		return nil, false
	}
	cp := m.plan.Sequences[name]
	if cp == nil {
		return nil, false
	}
	cur, err := strconv.ParseInt(string(it.Text[sub[4]:sub[5]]), 10, 64)
	if err != nil || m.maxOut[cp] <= cur {
		return nil, false
	}
	off := len(it.Raw) - len(it.Text)
	m.stmt = append(m.stmt[:0], it.Raw[:off+sub[4]]...)
	m.stmt = strconv.AppendInt(m.stmt, m.maxOut[cp], 10)
	if sub[6] >= 0 {
		// is_called must be true: the value itself is taken.
		m.stmt = append(m.stmt, ", true"...)
		m.stmt = append(m.stmt, it.Raw[off+sub[7]:]...)
	} else {
		m.stmt = append(m.stmt, it.Raw[off+sub[5]:]...)
	}
	return m.stmt, true
}
