package pipeline

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// blockPlan maps one COPY column list (or INSERT column list) onto a plan.
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

// masks reports whether rows of this block need a worker.
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
	index := b.index
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
	// A row masker reads its inputs, which must be split out too.
	for _, i := range b.rows {
		for _, in := range b.cols[i].Row.Inputs() {
			if j, ok := index[in]; ok {
				b.last = max(b.last, j)
			}
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
	b.inPlace = true
	for _, gp := range b.guards {
		if gp.g.Partial {
			b.inPlace = false
		}
	}
	return b
}

// worker is what one goroutine needs to mask rows: scratch state for the
// maskers and buffers reused from row to row.
type worker struct {
	file    string
	scratch *masking.Scratch
	seeds   [2]maphash.Seed

	// The row being masked.
	block   *blockPlan
	line    int
	fields  [][]byte
	tuple   []plaindump.Value // the INSERT tuple, nil for COPY rows
	item    *plaindump.Item   // the INSERT statement
	kept    bool              // its bytes are the unit's (see insert)
	dec     []byte
	out     [][]byte
	outNull []bool
	res     *results
	// rowValue is wk.value, bound once: a method value made per row would
	// allocate on the hot path.
	rowValue func(column string) ([]byte, bool)
	rowErr   error
	blocks   map[string]*blockPlan // INSERT column lists seen, by table and list
}

// fingerprintSeeds are shared by all workers of a process, so that equal
// keys get equal fingerprints whichever worker masked them.
var fingerprintSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func newWorker(file string) *worker {
	wk := &worker{file: file, scratch: masking.NewScratch(), seeds: fingerprintSeeds}
	wk.rowValue = wk.value
	return wk
}

// safeMaskRows is maskRows with a panic turned into an error, so that a bug
// in a masker fails the run cleanly (temporary files removed) instead of
// killing the process.
func (wk *worker) safeMaskRows(u *unit) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = wk.rowError("", fmt.Errorf("internal error while masking: %v", p))
		}
	}()
	return wk.maskRows(u)
}

// maskRows masks every row of a rows unit into u.out.
func (wk *worker) maskRows(u *unit) error {
	wk.block, wk.res, wk.tuple = u.block, &u.res, nil
	b := u.block
	for _, ref := range u.rows {
		wk.line = ref.line
		row := u.in[ref.start:ref.end]
		// Fields up to the last one of interest, then the rest of the row whole.
		wk.fields = copytext.SplitN(wk.fields[:0], row, b.last+2)
		n := len(wk.fields)
		if n <= b.last {
			return wk.rowError("", fmt.Errorf("row has %d fields, the table has %d columns", copytext.Count(row), len(b.names)))
		}
		wk.ensureOut(n)
		for i := 0; i < n && i <= b.last; i++ {
			cp := b.cols[i]
			if cp == nil || cp.Row != nil {
				wk.out[i], wk.outNull[i] = wk.out[i][:0], false
				continue
			}
			if err := wk.maskField(i, cp, wk.fields[i]); err != nil {
				return err
			}
		}
		if err := wk.maskRowFields(); err != nil {
			return err
		}
		wk.fingerprints()
		for i := 0; i < n; i++ {
			if i > 0 {
				u.out = append(u.out, '\t')
			}
			switch {
			case i > b.last || b.cols[i] == nil:
				if f := wk.fields[i]; len(f) >= bigValue {
					u.addPiece(piece{b: f}) // straight from the input
				} else {
					u.out = append(u.out, f...)
				}
			case wk.outNull[i]:
				u.out = append(u.out, copytext.Null...)
			case len(wk.out[i]) >= bigValue:
				// The writer escapes it on the way out; the unit owns it now.
				u.addPiece(piece{b: wk.out[i], esc: copyEscaped})
				wk.out[i] = nil
			default:
				u.out = copytext.Encode(u.out, wk.out[i])
			}
		}
		u.out = append(u.out, u.in[ref.end:ref.eol]...)
	}
	u.endPieces()
	wk.release()
	return nil
}

// release drops the worker's references into the unit just masked, and
// buffers a huge value made grow past keepBuffer.
func (wk *worker) release() {
	clear(wk.fields[:cap(wk.fields)])
	wk.fields = wk.fields[:0]
	if cap(wk.dec) > keepBuffer {
		wk.dec = nil
	}
	for i, b := range wk.out {
		if cap(b) > keepBuffer {
			wk.out[i] = nil
		}
	}
}

func (wk *worker) ensureOut(n int) {
	for len(wk.out) < n {
		wk.out = append(wk.out, nil)
		wk.outNull = append(wk.outNull, false)
	}
}

func (wk *worker) rowError(column string, err error) error {
	return &RowError{File: wk.file, Line: wk.line, Table: wk.block.name, Column: column, Err: err}
}

// maskField masks raw COPY field i into wk.out[i].
func (wk *worker) maskField(i int, cp *rules.ColumnPlan, raw []byte) error {
	if copytext.IsNull(raw) {
		return wk.applyCell(i, cp, nil, true)
	}
	if len(raw) >= bigValue && wk.block.inPlace {
		// A huge value is decoded over its raw text, which is not written
		// out (decoding never lengthens it), rather than copied.
		value := raw
		if bytes.IndexByte(raw, '\\') >= 0 {
			var err error
			if value, err = copytext.Decode(raw[:0], raw); err != nil {
				return wk.rowError(cp.Name, err)
			}
		}
		return wk.applyCell(i, cp, value, false)
	}
	var err error
	wk.dec, err = copytext.Decode(wk.dec[:0], raw)
	if err != nil {
		return wk.rowError(cp.Name, err)
	}
	return wk.applyCell(i, cp, wk.dec, false)
}

func (wk *worker) applyCell(i int, cp *rules.ColumnPlan, value []byte, null bool) error {
	if n := len(value); n >= bigValue {
		// Most maskers of long text keep its length (lorem, scrub, …): one
		// allocation of about that size, not a series of ever larger ones.
		if want := n + n/16 + 4096; cap(wk.out[i]) < want {
			wk.out[i] = make([]byte, 0, want)
		}
	}
	out, outNull, err := cp.Cell.Apply(wk.scratch, wk.out[i][:0], value, null)
	if err != nil {
		return wk.rowError(cp.Name, err)
	}
	wk.out[i], wk.outNull[i] = out, outNull
	if !null {
		wk.res.cells++
	}
	if cp.TrackMax && !outNull {
		if n, ok := parseInt(out); ok {
			wk.res.note(cp, n)
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

// maskRowFields runs the row maskers (template) over the row's masked values.
func (wk *worker) maskRowFields() error {
	b := wk.block
	for _, i := range b.rows {
		wk.rowErr = nil
		cp := b.cols[i]
		out, err := cp.Row.MaskRow(wk.scratch, wk.out[i][:0], wk.rowValue)
		if err == nil {
			err = wk.rowErr
		}
		if err == nil {
			err = cp.Cell.Verify(out)
		}
		if err != nil {
			return wk.rowError(cp.Name, err)
		}
		wk.out[i], wk.outNull[i] = out, false
		wk.res.cells++
	}
	return nil
}

// value is what a row masker sees of the current row: masked values where
// the column is masked, original ones elsewhere. A decoding error is kept in
// wk.rowErr, since the row masker's callback cannot return one.
func (wk *worker) value(column string) ([]byte, bool) {
	b := wk.block
	j, ok := b.index[column]
	if !ok || j >= len(wk.fields) {
		return nil, true
	}
	if b.cols[j] != nil && b.cols[j].Row == nil {
		return wk.out[j], wk.outNull[j]
	}
	v, null, err := wk.original(j)
	if err != nil {
		wk.rowErr = err
	}
	return v, null
}

// original decodes the unmasked value at position j of the current row.
func (wk *worker) original(j int) ([]byte, bool, error) {
	if wk.tuple != nil {
		v := wk.tuple[j]
		if v.Kind == plaindump.ValNull {
			return nil, true, nil
		}
		out, err := wk.item.Insert.AppendText(nil, wk.item.Raw, v)
		return out, false, err
	}
	raw := wk.fields[j]
	if copytext.IsNull(raw) {
		return nil, true, nil
	}
	out, err := copytext.Decode(nil, raw)
	return out, false, err
}

// fingerprints records the row's guarded unique keys for the writer to
// check: of the masked key and, for partial keys, of the original one. A
// key with a NULL never collides, as in PostgreSQL — unless the key says
// NULLS NOT DISTINCT.
func (wk *worker) fingerprints() {
	b := wk.block
	for _, gp := range b.guards {
		hit := guardHit{g: gp.g, table: b.name, line: wk.line}
		null := false
		var out, in [2]maphash.Hash
		for k := range out {
			out[k].SetSeed(wk.seeds[k])
			in[k].SetSeed(wk.seeds[k])
		}
		for j, i := range gp.pos {
			var v []byte
			isNull := false
			switch {
			case b.cols[i] != nil:
				isNull, v = wk.outNull[i], wk.out[i]
			case wk.tuple != nil:
				isNull, v = wk.tuple[i].Kind == plaindump.ValNull, wk.fields[i]
			default:
				isNull, v = copytext.IsNull(wk.fields[i]), wk.fields[i]
			}
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
				orig := wk.fields[i]
				if wk.tuple == nil && copytext.IsNull(orig) || wk.tuple != nil && wk.tuple[i].Kind == plaindump.ValNull {
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
		wk.res.hits = append(wk.res.hits, hit)
	}
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
