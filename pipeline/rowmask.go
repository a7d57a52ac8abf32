package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// blockPlan maps one column list (of a COPY block or INSERT) onto a plan.
type blockPlan struct {
	table  *rules.TablePlan
	name   schema.QName
	cols   []*rules.ColumnPlan // per position; nil passes through
	names  []string
	index  map[string]int // position of each name
	last   int            // highest position that is masked, read by a row masker, or part of a guarded key
	rows   []int          // positions of row maskers (template), run last
	guards []guardPlan
	// inPlace says a huge masked value may be decoded over its raw text:
	// nothing reads the original of a masked column after masking, except
	// a partial unique key, which fingerprints original values too.
	inPlace bool
}

type guardPlan struct {
	g   *rules.Guard
	pos []int
}

// masks reports whether rows of this block need masking or checking.
func (b *blockPlan) masks() bool {
	return b.table != nil && (b.table.Masked() || len(b.guards) > 0)
}

// blockFor maps a column list to the table's plan. Without a list the
// data holds every column in table order — except, in COPY, generated
// columns, which pg_dump leaves out (INSERTs write DEFAULT for them).
func blockFor(plan *rules.Plan, cat *schema.Catalog, q schema.QName, columns []string, insert bool) *blockPlan {
	b := &blockPlan{table: plan.Tables[q], name: q, last: -1, names: columns}
	if b.table == nil {
		return b
	}
	if len(columns) == 0 {
		b.names = nil
		if t := cat.Table(q); t != nil {
			for _, c := range t.Columns {
				if insert || !c.Generated {
					b.names = append(b.names, c.Name)
				}
			}
		}
	}
	b.cols = make([]*rules.ColumnPlan, len(b.names))
	b.index = map[string]int{}
	for i, name := range b.names {
		b.index[name] = i
		if cp := b.table.Columns[name]; cp != nil {
			b.cols[i] = cp
			if cp.Row != nil {
				b.rows = append(b.rows, i)
			}
			b.last = i
		}
	}
	// A row masker reads its inputs, which must be split out too.
	for _, i := range b.rows {
		for _, in := range b.cols[i].Row.Inputs() {
			if j, ok := b.index[in]; ok {
				b.last = max(b.last, j)
			}
		}
	}
	for _, g := range b.table.Guards {
		gp := guardPlan{g: g}
		for _, c := range g.Columns {
			i, ok := b.index[c]
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
	b.inPlace = !slices.ContainsFunc(b.guards, func(gp guardPlan) bool { return gp.g.Partial })
	return b
}

// rowMasker is what one goroutine needs to mask rows: scratch state for
// the maskers and buffers reused from row to row.
type rowMasker struct {
	scratch *masking.Scratch

	// The row being masked: COPY fields, or INSERT values.
	block   *blockPlan
	fields  [][]byte
	vals    *dump.Row
	dec     []byte
	out     [][]byte
	outNull []bool
	res     *results
	row     int64
	pos     func(int64) dump.Pos
	// rowValue is rm.value, bound once: a method value made per row would
	// allocate on the hot path.
	rowValue func(column string) ([]byte, bool)
	// rowOriginal is rm.originalValue, bound once likewise.
	rowOriginal func(column string) ([]byte, bool)
	rowErr      error
}

// fingerprintSeeds are shared by every goroutine of a process, so that
// equal keys get equal fingerprints whichever goroutine masked them.
var fingerprintSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func newRowMasker() *rowMasker {
	rm := &rowMasker{scratch: masking.NewScratch()}
	rm.rowValue = rm.value
	rm.rowOriginal = rm.originalValue
	return rm
}

// safeMaskUnit is maskUnit with a panic turned into an error, so that a
// bug in a masker fails the run cleanly (outputs removed) instead of
// killing the process.
func (rm *rowMasker) safeMaskUnit(u *unit) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = rm.rowError("", fmt.Errorf("internal error while masking: %v", p))
		}
	}()
	return rm.maskUnit(u)
}

// maskUnit masks every row of a unit into u.out.
func (rm *rowMasker) maskUnit(u *unit) error {
	b := u.t.b
	rm.block, rm.res, rm.vals, rm.pos = b, &u.res, nil, u.t.pos
	for _, ref := range u.rows {
		rm.row = ref.row
		row := u.in[ref.start:ref.end]
		// Fields up to the last one of interest, then the rest of the row whole.
		rm.fields = copytext.SplitN(rm.fields[:0], row, b.last+2)
		n := len(rm.fields)
		if n <= b.last {
			return rm.rowError("", fmt.Errorf("row has %d fields, the table has %d columns", copytext.Count(row), len(b.names)))
		}
		rm.ensureOut(n)
		for i := 0; i < n && i <= b.last; i++ {
			cp := b.cols[i]
			if cp == nil || cp.Row != nil {
				rm.out[i], rm.outNull[i] = rm.out[i][:0], false
				continue
			}
			if err := rm.maskField(i, cp, rm.fields[i]); err != nil {
				return err
			}
		}
		if err := rm.maskRowFields(); err != nil {
			return err
		}
		rm.fingerprints()
		for i := 0; i < n; i++ {
			if i > 0 {
				u.out = append(u.out, '\t')
			}
			var err error
			switch {
			case i > b.last || b.cols[i] == nil:
				if f := rm.fields[i]; u.direct != nil && len(f) >= bigValue {
					err = u.piece(f, false) // straight from the input
				} else {
					u.out = append(u.out, f...)
				}
			case rm.outNull[i]:
				u.out = append(u.out, copytext.Null...)
			case u.direct != nil && len(rm.out[i]) >= bigValue:
				err = u.piece(rm.out[i], true)
			default:
				u.out = copytext.Encode(u.out, rm.out[i])
			}
			if err != nil {
				return err
			}
		}
		u.out = append(u.out, u.in[ref.end:ref.eol]...)
	}
	return nil
}

// piece writes what the unit's output holds so far, then p (COPY-escaped
// when escape is set, a chunk at a time) straight to u.direct.
func (u *unit) piece(p []byte, escape bool) error {
	if _, err := u.direct.Write(u.out); err != nil {
		return err
	}
	u.out = u.out[:0]
	if !escape {
		_, err := u.direct.Write(p)
		return err
	}
	for len(p) > 0 {
		k := min(len(p), 64<<10)
		u.out = copytext.Encode(u.out[:0], p[:k])
		if _, err := u.direct.Write(u.out); err != nil {
			return err
		}
		p = p[k:]
	}
	u.out = u.out[:0]
	return nil
}

// release drops buffers a huge row made grow, and the references into it.
func (rm *rowMasker) release() {
	clear(rm.fields[:cap(rm.fields)])
	rm.fields = rm.fields[:0]
	if cap(rm.dec) > keepBuffer {
		rm.dec = nil
	}
	for i, b := range rm.out {
		if cap(b) > keepBuffer {
			rm.out[i] = nil
		}
	}
}

func (rm *rowMasker) ensureOut(n int) {
	for len(rm.out) < n {
		rm.out = append(rm.out, nil)
		rm.outNull = append(rm.outNull, false)
	}
}

func (rm *rowMasker) rowError(column string, err error) error {
	return &RowError{Pos: rm.pos(rm.row), Table: rm.block.name, Column: column, Err: err}
}

// maskField masks raw COPY field i into rm.out[i].
func (rm *rowMasker) maskField(i int, cp *rules.ColumnPlan, raw []byte) error {
	if copytext.IsNull(raw) {
		return rm.applyCell(i, cp, nil, true)
	}
	if len(raw) >= bigValue && rm.block.inPlace {
		// A huge value is decoded over its raw text, which is not written
		// out (decoding never lengthens it), rather than copied.
		value := raw
		if bytes.IndexByte(raw, '\\') >= 0 {
			var err error
			if value, err = copytext.Decode(raw[:0], raw); err != nil {
				return rm.rowError(cp.Name, err)
			}
		}
		return rm.applyCell(i, cp, value, false)
	}
	var err error
	rm.dec, err = copytext.Decode(rm.dec[:0], raw)
	if err != nil {
		return rm.rowError(cp.Name, err)
	}
	return rm.applyCell(i, cp, rm.dec, false)
}

func (rm *rowMasker) applyCell(i int, cp *rules.ColumnPlan, value []byte, null bool) error {
	if n := len(value); n >= bigValue {
		// Most maskers of long text keep its length (lorem, scrub, …): one
		// allocation of about that size, not a series of ever larger ones.
		if want := n + n/16 + 4096; cap(rm.out[i]) < want {
			rm.out[i] = make([]byte, 0, want)
		}
	}
	out, outNull, err := cp.Cell.Apply(rm.scratch, rm.out[i][:0], value, null)
	if err != nil {
		return rm.rowError(cp.Name, err)
	}
	rm.out[i], rm.outNull[i] = out, outNull
	if !null {
		rm.res.cells++
	}
	if cp.TrackMax && !outNull {
		if n, ok := parseInt(out); ok {
			rm.res.note(cp, n)
		}
	}
	return nil
}

// parseInt reads a decimal integer without allocating (hot path).
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg || len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

// maskRowFields runs the row maskers over the row's masked values (template)
// or its original ones (date_shift by:).
func (rm *rowMasker) maskRowFields() error {
	b := rm.block
	for _, i := range b.rows {
		rm.rowErr = nil
		cp := b.cols[i]
		read := rm.rowValue
		if or, ok := cp.Row.(masking.OriginalReader); ok {
			if _, null := rm.originalValue(or.Self()); null && rm.rowErr == nil {
				rm.out[i], rm.outNull[i] = rm.out[i][:0], true
				continue
			}
			read = rm.rowOriginal
		}
		out, err := cp.Row.MaskRow(rm.scratch, rm.out[i][:0], read)
		if err == nil {
			err = rm.rowErr
		}
		if err == nil {
			err = cp.Cell.Verify(out)
		}
		if err != nil {
			return rm.rowError(cp.Name, err)
		}
		rm.out[i], rm.outNull[i] = out, false
		rm.res.cells++
	}
	return nil
}

// value is what a row masker sees of the current row: masked values where
// the column is masked, original ones elsewhere. A decoding error is kept in
// rm.rowErr, since the row masker's callback cannot return one.
func (rm *rowMasker) value(column string) ([]byte, bool) { return rm.read(column, true) }

// originalValue is what a row masker reading originals (date_shift by:)
// sees: every column as it came in.
func (rm *rowMasker) originalValue(column string) ([]byte, bool) { return rm.read(column, false) }

func (rm *rowMasker) read(column string, masked bool) ([]byte, bool) {
	b := rm.block
	j, ok := b.index[column]
	if !ok || j >= len(b.names) || rm.vals == nil && j >= len(rm.fields) {
		return nil, true
	}
	if masked && b.cols[j] != nil && b.cols[j].Row == nil {
		return rm.out[j], rm.outNull[j]
	}
	if rm.vals != nil {
		if rm.vals.Opaque[j] || rm.vals.Default[j] {
			rm.rowErr = errUnreadable
			return nil, true
		}
		return rm.vals.Values[j], rm.vals.Null[j]
	}
	raw := rm.fields[j]
	if copytext.IsNull(raw) {
		return nil, true
	}
	out, err := copytext.Decode(nil, raw)
	if err != nil {
		rm.rowErr = err
	}
	return out, false
}

var errUnreadable = errors.New("the value is an expression or DEFAULT, not a literal, so it cannot be read or masked")

// fingerprints records the row's guarded unique keys for the table's writer
// to check: of the masked key and, for partial keys, of the original one.
// A key with a NULL never collides, as in PostgreSQL — unless the key says
// NULLS NOT DISTINCT.
func (rm *rowMasker) fingerprints() {
	b := rm.block
	for _, gp := range b.guards {
		hit := guardHit{g: gp.g, row: rm.row}
		null := false
		var out, in [2]maphash.Hash
		for k := range out {
			out[k].SetSeed(fingerprintSeeds[k])
			in[k].SetSeed(fingerprintSeeds[k])
		}
		for j, i := range gp.pos {
			v, isNull := rm.current(i)
			fold := gp.g.Folds[j]
			if isNull {
				if !gp.g.NullsEqual {
					null = true
					break
				}
				v, fold = nullMark, schema.NoFold
			}
			for k := range out {
				writeFolded(&out[k], v, fold)
			}
			if gp.g.Partial {
				orig, origNull := rm.original(i)
				fold := gp.g.Folds[j]
				if origNull {
					orig, fold = nullMark, schema.NoFold
				}
				for k := range in {
					writeFolded(&in[k], orig, fold)
				}
			}
		}
		if null {
			continue
		}
		hit.fp = [2]uint64{out[0].Sum64(), out[1].Sum64()}
		if gp.g.Partial {
			hit.in = [2]uint64{in[0].Sum64(), in[1].Sum64()}
		}
		rm.res.hits = append(rm.res.hits, hit)
	}
}

// current is column i's value as it will be written (raw COPY text for a
// column passing through).
func (rm *rowMasker) current(i int) ([]byte, bool) {
	if rm.block.cols[i] != nil {
		return rm.out[i], rm.outNull[i]
	}
	return rm.original(i)
}

// original is column i's value as it came in.
func (rm *rowMasker) original(i int) ([]byte, bool) {
	if rm.vals != nil {
		return rm.vals.Values[i], rm.vals.Null[i]
	}
	return rm.fields[i], copytext.IsNull(rm.fields[i])
}

// nullMark stands for NULL in a fingerprint: no text value is "\x00N".
var nullMark = []byte{0, 'N'}

// writeFolded hashes v, lower- or upper-cased as the index compares it,
// then a separator.
func writeFolded(h *maphash.Hash, v []byte, fold schema.Fold) {
	if fold == schema.NoFold {
		h.Write(v)
	} else {
		for len(v) > 0 {
			r, n := utf8.DecodeRune(v)
			if fold == schema.FoldLower {
				r = unicode.ToLower(r)
			} else {
				r = unicode.ToUpper(r)
			}
			var buf [utf8.UTFMax]byte
			h.Write(buf[:utf8.EncodeRune(buf[:], r)])
			v = v[n:]
		}
	}
	h.WriteByte(0)
}
