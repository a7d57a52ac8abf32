package pipeline

import (
	"bytes"
	"io"
)

// rowFilter passes on the COPY text rows keep says to keep (counted from
// 0) and drops the others, before they are masked. Runs of kept rows go on
// in one Write.
type rowFilter struct {
	w       io.Writer
	keep    func(row int64) bool
	row     int64
	inRow   bool // the current row started in an earlier Write
	kept    bool // whether the current row is kept
	dropped int64
}

func (f *rowFilter) Write(p []byte) (int, error) {
	start := 0 // p[start:i] is kept and not yet written
	i := 0
	for i < len(p) {
		if !f.inRow {
			f.inRow = true
			f.kept = f.keep(f.row)
			if !f.kept {
				if err := f.flush(p[start:i]); err != nil {
					return start, err
				}
			}
		}
		j := bytes.IndexByte(p[i:], '\n')
		if j < 0 {
			i = len(p)
			break
		}
		i += j + 1
		f.row++
		f.inRow = false
		if !f.kept {
			f.dropped++
			start = i
		}
	}
	if !f.kept {
		start = len(p)
	}
	if err := f.flush(p[start:]); err != nil {
		return start, err
	}
	return len(p), nil
}

func (f *rowFilter) flush(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	_, err := f.w.Write(p)
	return err
}
