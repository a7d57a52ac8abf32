package pipeline

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
)

var errOpaqueInsert = errors.New("INSERT takes its rows from a query, not VALUES lists, so they cannot be masked; dump with COPY or --inserts")

// insert masks the values of an INSERT statement in place: masked values are
// replaced by new literals, everything else (casts, layout, comments) stays.
func (m *masker) insert(it *plaindump.Item) error {
	iv := it.Insert
	tp := m.plan.Tables[iv.Table]
	if tp != nil && tp.Skip {
		m.stats.SkippedRows += int64(len(iv.Tuples))
		// Keep the comments before the statement; drop the statement.
		gap := it.Raw[:len(it.Raw)-len(it.Text)]
		m.stats.BytesOut += int64(len(gap))
		_, err := m.w.Write(gap)
		return err
	}
	m.stats.Rows += int64(len(iv.Tuples))
	if tp == nil || !tp.Masked() && len(tp.Guards) == 0 {
		return m.write(it)
	}
	if iv.Opaque {
		return &RowError{File: m.r.Name(), Line: it.Line, Table: iv.Table, Err: errOpaqueInsert}
	}
	b := m.blockFor(iv.Table, iv.Columns)
	m.block = b
	defer func() { m.block, m.tuple = nil, nil }()
	m.stmt = m.stmt[:0]
	done := 0
	for t, tuple := range iv.Tuples {
		if len(tuple) != len(b.names) {
			return &RowError{File: m.r.Name(), Line: it.Line, Table: iv.Table,
				Err: fmt.Errorf("row %d of the INSERT has %d values for %d columns", t+1, len(tuple), len(b.names))}
		}
		m.ensureOut(len(tuple))
		// m.fields holds each value's SQL text so guards can read it; row
		// maskers decode through m.tuple.
		m.fields = m.fields[:0]
		m.tuple = tuple
		for i, v := range tuple {
			m.fields = append(m.fields, it.Raw[v.Start:v.End])
			cp := b.cols[i]
			if cp == nil || cp.Row != nil {
				continue
			}
			if err := m.maskValue(it, i, cp, v); err != nil {
				return err
			}
		}
		for _, i := range b.rows {
			if err := m.maskRowField(it, i, b.cols[i]); err != nil {
				return err
			}
		}
		if err := m.checkGuards(it.Line, b); err != nil {
			return err
		}
		for i, v := range tuple {
			cp := b.cols[i]
			if cp == nil || v.Kind == plaindump.ValWord && isDefault(it.Raw[v.Start:v.End]) {
				continue
			}
			start, end := v.Start, v.End
			if v.Kind == plaindump.ValString && !m.outNull[i] {
				start, end = v.LitStart, v.LitEnd
			}
			m.stmt = append(m.stmt, it.Raw[done:start]...)
			if m.outNull[i] {
				m.stmt = append(m.stmt, "NULL"...)
			} else {
				m.stmt = iv.AppendLiteral(m.stmt, m.out[i])
			}
			done = end
		}
	}
	m.stmt = append(m.stmt, it.Raw[done:]...)
	m.stats.BytesOut += int64(len(m.stmt))
	_, err := m.w.Write(m.stmt)
	return err
}

// maskValue masks one INSERT value into m.out[i].
func (m *masker) maskValue(it *plaindump.Item, i int, cp *rules.ColumnPlan, v plaindump.Value) error {
	switch v.Kind {
	case plaindump.ValNull:
		return m.applyCell(it, i, cp, nil, true)
	case plaindump.ValExpr:
		return &RowError{File: m.r.Name(), Line: it.Line, Table: it.Table, Column: cp.Name,
			Err: errors.New("the value is an expression, not a literal, so it cannot be masked")}
	case plaindump.ValWord:
		if isDefault(it.Raw[v.Start:v.End]) {
			m.out[i], m.outNull[i] = nil, false
			return nil
		}
	}
	var err error
	m.dec, err = it.Insert.AppendText(m.dec[:0], it.Raw, v)
	if err != nil {
		return &RowError{File: m.r.Name(), Line: it.Line, Table: it.Table, Column: cp.Name, Err: err}
	}
	return m.applyCell(it, i, cp, m.dec, false)
}

func isDefault(b []byte) bool { return len(b) == 7 && string(bytes.ToUpper(b)) == "DEFAULT" }
