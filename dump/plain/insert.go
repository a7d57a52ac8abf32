package plain

import (
	"bytes"
	"fmt"
	"io"
	"runtime"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/internal/ascii"
	"github.com/understudy-db/understudy/plaindump"
)

// insertWriter rewrites INSERT statements with masked values, reusing its
// buffers from statement to statement.
type insertWriter struct {
	row  dump.Row
	bufs [][]byte // decoded values; the masker may replace Row.Values with its own
	out  []byte
	w    io.Writer
}

// mask writes the statement it to w with every row's values passed through
// m.
func (iw *insertWriter) mask(it *plaindump.Item, m dump.RowMasker, pos dump.Pos, w io.Writer) error {
	iv := it.Insert
	if c, ok := m.(dump.RowCounter); ok {
		unmasked := 0
		if m.Skip() || !m.Masks() {
			unmasked = len(iv.Tuples)
		}
		c.Read(len(it.Raw), unmasked)
	}
	if m.Skip() {
		// Keep the comments before the statement; drop the statement.
		_, err := w.Write(it.Raw[:len(it.Raw)-len(it.Text)])
		return err
	}
	if !m.Masks() {
		_, err := w.Write(it.Raw)
		return err
	}
	if iv.Opaque != "" {
		// The run refuses such a dump before masking starts.
		return &RefusedError{Pos: pos, Msg: iv.Opaque + ": its values cannot be masked"}
	}
	iw.out, iw.w = iw.out[:0], nil
	if len(it.Raw) >= bigStatement { // written in pieces, not rebuilt whole first
		iw.w = w
	}
	done := 0
	counted, line := len(it.Raw)-len(it.Text), pos.Line // pos.Line is where the text starts
	for t, tuple := range iv.Tuples {
		iw.row.Lines = iw.row.Lines[:0]
		for _, v := range tuple { // the line of each value
			line += bytes.Count(it.Raw[counted:v.Start], nl)
			counted = v.Start
			iw.row.Lines = append(iw.row.Lines, line)
		}
		if len(tuple) > 0 {
			pos.Line = iw.row.Lines[0]
		}
		if err := iw.load(it, tuple, m); err != nil {
			return &RefusedError{Pos: pos, Msg: fmt.Sprintf("row %d of the INSERT: %v", t+1, err)}
		}
		if err := m.MaskRow(&iw.row, pos); err != nil {
			return err
		}
		for i, v := range tuple {
			if !iw.row.Changed[i] {
				continue
			}
			start, end := v.Start, v.End
			if v.Kind == plaindump.ValString && !iw.row.Null[i] {
				start, end = v.LitStart, v.LitEnd // keep a ::cast
			}
			if err := iw.emit(it.Raw[done:start]); err != nil {
				return err
			}
			switch val := iw.row.Values[i]; {
			case iw.row.Null[i]:
				iw.out = append(iw.out, "NULL"...)
			case v.Kind == plaindump.ValNumber && isNumber(val):
				iw.out = append(iw.out, val...) // a number stays a bare number
			default:
				iw.out = append(iw.out, '\'')
				for len(val) > 0 { // a huge value a chunk at a time
					k := min(len(val), 64<<10)
					iw.out = iv.AppendLiteralBody(iw.out, val[:k])
					if err := iw.flush(); err != nil {
						return err
					}
					val = val[k:]
				}
				iw.out = append(iw.out, '\'')
			}
			done = end
		}
	}
	if err := iw.emit(it.Raw[done:]); err != nil {
		return err
	}
	if iw.w == nil {
		_, err := w.Write(iw.out)
		return err
	}
	return iw.flush()
}

// release drops the buffers a huge statement made grow, and collects the
// garbage it left before the next is read (the pacer would let the heap
// double first).
func (iw *insertWriter) release() {
	for i, b := range iw.bufs {
		if cap(b) > bigStatement {
			iw.bufs[i] = nil
		}
	}
	clear(iw.row.Values)
	if cap(iw.out) > bigStatement {
		iw.out = nil
	}
	runtime.GC()
}

// emit adds raw bytes of the statement to the output: straight to the
// writer when writing in pieces.
func (iw *insertWriter) emit(p []byte) error {
	if iw.w == nil || len(p) < 64<<10 {
		iw.out = append(iw.out, p...)
		return nil
	}
	if err := iw.flush(); err != nil {
		return err
	}
	_, err := iw.w.Write(p)
	return err
}

// flush writes what the output holds, when writing in pieces.
func (iw *insertWriter) flush() error {
	if iw.w == nil || len(iw.out) == 0 {
		return nil
	}
	_, err := iw.w.Write(iw.out)
	iw.out = iw.out[:0]
	return err
}

// load decodes the values of a tuple that m reads into iw.row.
func (iw *insertWriter) load(it *plaindump.Item, tuple []plaindump.Value, m dump.RowMasker) error {
	r := &iw.row
	n := len(tuple)
	for len(iw.bufs) < n {
		iw.bufs = append(iw.bufs, nil)
	}
	r.Values = append(r.Values[:0], iw.bufs[:n]...)
	r.Null = resize(r.Null, n)
	r.Opaque = resize(r.Opaque, n)
	r.Default = resize(r.Default, n)
	r.Changed = resize(r.Changed, n)
	for i, v := range tuple {
		r.Values[i] = r.Values[i][:0]
		switch v.Kind {
		case plaindump.ValNull:
			r.Null[i] = true
		case plaindump.ValExpr:
			r.Opaque[i] = true
		case plaindump.ValWord:
			if bytes.EqualFold(it.Raw[v.Start:v.End], []byte("DEFAULT")) {
				r.Default[i] = true
				continue
			}
			fallthrough
		default:
			if !m.Reads(i) {
				continue // a value passing through is not decoded
			}
			if n := v.End - v.Start; n > cap(r.Values[i]) && n >= 64<<10 {
				r.Values[i] = make([]byte, 0, n) // unquoting never lengthens it
			}
			var err error
			if r.Values[i], err = it.Insert.AppendText(r.Values[i], it.Raw, v); err != nil {
				return err
			}
			iw.bufs[i] = r.Values[i]
		}
	}
	return nil
}

// resize returns b with length n, all false.
func resize(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	b = b[:n]
	clear(b)
	return b
}

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
