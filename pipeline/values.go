package pipeline

import (
	"fmt"

	"github.com/understudy-db/understudy/dump"
)

// valueMasker masks rows that come as values (a plain dump's INSERTs) on
// the calling goroutine.
type valueMasker struct {
	eng   *Engine
	entry *dump.Entry
	b     *blockPlan
	rm    *rowMasker
	res   results
	n     int64
	at    dump.Pos             // of the statement being masked
	pos   func(int64) dump.Pos // v.where, bound once
	src   uint64               // the engine's number for its guard hits
}

// Values returns the RowMasker for a data entry whose rows come as values.
func (eng *Engine) Values(e *dump.Entry) dump.RowMasker {
	v := &valueMasker{eng: eng, entry: e, b: blockFor(eng.plan, eng.cat, e.Table, e.Columns, true), rm: newRowMasker()}
	v.pos = v.where
	if len(v.b.guards) > 0 {
		v.src = eng.addSource(e.Table, v.hitPos)
	}
	return v
}

func (v *valueMasker) where(int64) dump.Pos { return v.at }

// hitRow is what a guard hit of the current row keeps to locate it later,
// when its statement is long gone: its line, or its row in the entry.
func (v *valueMasker) hitRow() int64 {
	if v.at.Line > 0 {
		return int64(v.at.Line)
	}
	return v.n
}

// hitPos locates a row from hitRow.
func (v *valueMasker) hitPos(n int64) dump.Pos {
	p := v.entry.Pos
	if v.at.File != "" {
		p = v.at
	}
	if p.Line > 0 {
		p.Line = int(n)
	} else {
		p.Row = n
	}
	return p
}

func (v *valueMasker) Skip() bool { return v.b.table != nil && v.b.table.Skip }

// Read counts a statement's bytes, and the rows it holds that are skipped
// or pass through without MaskRow, for the run's summary.
func (v *valueMasker) Read(bytes, unmasked int) {
	v.eng.bytesIn.Add(int64(bytes))
	if v.Skip() {
		v.eng.skipped.Add(int64(unmasked))
	} else {
		v.eng.rows.Add(int64(unmasked))
	}
}
func (v *valueMasker) Masks() bool { return v.b.masks() }

// Reads: masked columns, what row maskers read, guarded keys — every
// column up to the last of them, to be safe with lists that name fewer.
func (v *valueMasker) Reads(i int) bool { return i <= v.b.last }

// MaskRow masks one row in place. An error about a column names the line
// of its value, when the row says.
func (v *valueMasker) MaskRow(row *dump.Row, pos dump.Pos) error {
	err := v.maskRow(row, pos)
	if re, ok := err.(*RowError); ok && re.Column != "" && len(row.Lines) == len(row.Values) {
		if i, ok := v.b.index[re.Column]; ok {
			re.Pos.Line = row.Lines[i]
		}
	}
	return err
}

func (v *valueMasker) maskRow(row *dump.Row, pos dump.Pos) error {
	b, rm := v.b, v.rm
	rm.release() // the last row's values are written by now
	v.n++
	if v.Skip() {
		v.eng.skipped.Add(1)
		return nil
	}
	v.eng.rows.Add(1)
	if !b.masks() {
		return nil
	}
	rm.block, rm.res, rm.vals, rm.row, rm.pos, v.at = b, &v.res, row, v.n, v.pos, pos
	v.res.reset()
	if len(row.Values) != len(b.names) {
		return rm.rowError("", fmt.Errorf("the INSERT has %d values for %d columns", len(row.Values), len(b.names)))
	}
	rm.ensureOut(len(row.Values))
	for i, cp := range b.cols {
		if cp == nil || cp.Row != nil || row.Default[i] {
			rm.out[i], rm.outNull[i] = rm.out[i][:0], false
			continue
		}
		if row.Opaque[i] {
			return rm.rowError(cp.Name, errUnreadable)
		}
		if err := rm.applyCell(i, cp, row.Values[i], row.Null[i]); err != nil {
			return err
		}
	}
	if err := rm.maskRowFields(); err != nil {
		return err
	}
	rm.fingerprints()
	for i := range v.res.hits {
		v.res.hits[i].row = v.hitRow()
	}
	for i, cp := range b.cols {
		if cp != nil && !row.Default[i] {
			row.Values[i], row.Null[i], row.Changed[i] = rm.out[i], rm.outNull[i], true
		}
	}
	return v.eng.record(&v.res, v.entry.Table, v.src)
}
