package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/understudy-db/understudy/internal/ascii"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// insert masks the values of an INSERT statement into the raw unit u:
// masked values are replaced by new literals, everything else (casts,
// layout, comments) stays as it was. kept says the statement's bytes are
// the unit's to keep (a huge statement the reader handed over, in a unit of
// its own): its huge spans and values then become pieces of the output
// instead of copies.
func (wk *worker) insert(plan *rules.Plan, cat *schema.Catalog, it *plaindump.Item, q schema.QName, u *unit, kept bool) error {
	iv := it.Insert
	tp := plan.Tables[q]
	if tp != nil && tp.Skip {
		u.res.skipped += int64(len(iv.Tuples))
		// Keep the comments before the statement; drop the statement.
		u.in = append(u.in, it.Raw[:len(it.Raw)-len(it.Text)]...)
		return nil
	}
	u.res.rows += int64(len(iv.Tuples))
	b := wk.insertBlock(plan, cat, q, iv.Columns)
	if !b.masks() {
		u.span(it.Raw, kept)
		u.endPieces()
		return nil
	}
	wk.block, wk.res, wk.item, wk.line, wk.kept = b, &u.res, it, it.Line, kept
	defer func() {
		wk.tuple, wk.item, wk.kept = nil, nil, false
		if kept {
			wk.release()
		}
	}()
	if iv.Opaque != "" {
		// Inventory.Refuse stops such a dump before masking starts.
		return wk.rowError("", fmt.Errorf("%s: its values cannot be masked", iv.Opaque))
	}
	done := 0
	for t, tuple := range iv.Tuples {
		if len(tuple) != len(b.names) {
			return wk.rowError("", fmt.Errorf("row %d of the INSERT has %d values for %d columns", t+1, len(tuple), len(b.names)))
		}
		wk.ensureOut(len(tuple))
		// wk.fields holds each value's SQL text so guards can read it; row
		// maskers decode through wk.tuple.
		wk.fields = wk.fields[:0]
		wk.tuple = tuple
		for i, v := range tuple {
			wk.fields = append(wk.fields, it.Raw[v.Start:v.End])
			cp := b.cols[i]
			if cp == nil || cp.Row != nil {
				continue
			}
			if err := wk.maskValue(i, cp, v); err != nil {
				return err
			}
		}
		if err := wk.maskRowFields(); err != nil {
			return err
		}
		wk.fingerprints()
		for i, v := range tuple {
			cp := b.cols[i]
			if cp == nil || v.Kind == plaindump.ValWord && isDefault(it.Raw[v.Start:v.End]) {
				continue
			}
			start, end := v.Start, v.End
			if v.Kind == plaindump.ValString && !wk.outNull[i] {
				start, end = v.LitStart, v.LitEnd // keep a ::cast
			}
			u.span(it.Raw[done:start], kept)
			switch {
			case wk.outNull[i]:
				u.in = append(u.in, "NULL"...)
			case v.Kind == plaindump.ValNumber && isNumber(wk.out[i]):
				u.in = append(u.in, wk.out[i]...) // a number stays a bare number
			case len(wk.out[i]) >= bigValue:
				// The writer quotes it on the way out; the unit owns it now.
				esc := literal
				if iv.Backslashy {
					esc = backslashyLiteral
				}
				u.addPiece(piece{b: wk.out[i], esc: esc})
				wk.out[i] = nil
			default:
				u.in = iv.AppendLiteral(u.in, wk.out[i])
			}
			done = end
		}
	}
	u.span(it.Raw[done:], kept)
	u.endPieces()
	return nil
}

// span adds b, part of a statement, to the output of raw unit u: as a piece
// when it is huge and kept (the unit holds the statement's bytes), else as a
// copy.
func (u *unit) span(b []byte, kept bool) {
	if kept && len(b) >= bigValue {
		u.addPiece(piece{b: b})
		return
	}
	u.in = append(u.in, b...)
}

// insertBlock returns the block plan of an INSERT's column list, built once
// per table and list: dumps hold thousands of INSERTs per table.
func (wk *worker) insertBlock(plan *rules.Plan, cat *schema.Catalog, q schema.QName, columns []string) *blockPlan {
	key := q.String()
	if columns != nil {
		key += "(" + strings.Join(columns, "\x00")
	}
	if b := wk.blocks[key]; b != nil {
		return b
	}
	b := blockFor(plan, cat, q, slices.Clone(columns), true)
	if wk.blocks == nil {
		wk.blocks = map[string]*blockPlan{}
	}
	wk.blocks[key] = b
	return b
}

// maskValue masks one INSERT value into wk.out[i].
func (wk *worker) maskValue(i int, cp *rules.ColumnPlan, v plaindump.Value) error {
	it := wk.item
	switch v.Kind {
	case plaindump.ValNull:
		return wk.applyCell(i, cp, nil, true)
	case plaindump.ValExpr:
		return wk.rowError(cp.Name, errors.New("the value is an expression, not a literal, so it cannot be masked"))
	case plaindump.ValWord:
		if isDefault(it.Raw[v.Start:v.End]) {
			wk.out[i], wk.outNull[i] = wk.out[i][:0], false
			return nil
		}
	}
	if v.Kind == plaindump.ValString && wk.kept && v.LitEnd-v.LitStart >= bigValue && wk.block.inPlace {
		// A huge literal is unquoted over itself, which is not written out
		// (unquoting never lengthens it), rather than copied.
		value, err := it.Insert.AppendText(it.Raw[v.LitStart:v.LitStart], it.Raw, v)
		if err != nil {
			return wk.rowError(cp.Name, err)
		}
		return wk.applyCell(i, cp, value, false)
	}
	var err error
	wk.dec, err = it.Insert.AppendText(wk.dec[:0], it.Raw, v)
	if err != nil {
		return wk.rowError(cp.Name, err)
	}
	return wk.applyCell(i, cp, wk.dec, false)
}

func isDefault(b []byte) bool { return bytes.EqualFold(b, []byte("DEFAULT")) }

// isNumber reports whether b is a plain decimal number (-12, 3.50), safe to
// write into SQL unquoted.
func isNumber(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	digits, dots := 0, 0
	for _, c := range b {
		switch {
		case ascii.IsDigit(c):
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
