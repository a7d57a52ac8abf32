package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/schema"
)

// defaultSampleRows is how many rows init and check read of each table.
const defaultSampleRows = 1000

// maxSampledValue bounds the bytes of one sampled value kept for the
// detector: a shape shows in its start, and a sample stays small however
// large the cells.
const maxSampledValue = 4096

// samples holds, per table and column, the non-NULL values read from the
// first rows of the table's data, as text. They are only ever looked at by
// the detector: never printed.
type samples map[schema.QName]map[string][]string

// sample reads at most n rows of every table with data: the first n of
// each COPY block (the rest is skipped without decoding), the first n
// INSERT rows, or a LIMIT query in the source's snapshot for a live
// database. Partitions' rows are filed under their topmost parent.
func sample(ctx context.Context, src dump.Source, inv *dump.Inventory, n int) (samples, error) {
	out := samples{}
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		cols := e.Columns
		if cols == nil {
			cols = dataColumns(inv.Catalog.Table(e.Table))
		}
		into := out.table(rootOf(inv.Catalog, e.Table))
		add := func(i int, v []byte) {
			if i < len(cols) && len(into[cols[i]]) < n {
				into[cols[i]] = append(into[cols[i]], string(v[:min(len(v), maxSampledValue)]))
			}
		}
		var err error
		switch {
		case isLive(src):
			err = sampleLive(ctx, src.(*live.Source), e.Table, cols, n, add)
		case e.Format == dump.CopyText:
			err = sampleCopy(ctx, src, e, n, add)
		default:
			if vs, ok := src.(dump.ValueSource); ok {
				err = vs.MaskValues(ctx, e, &sampler{n: n, add: add}, io.Discard)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func isLive(src dump.Source) bool { _, ok := src.(*live.Source); return ok }

func (s samples) table(q schema.QName) map[string][]string {
	if s[q] == nil {
		s[q] = map[string][]string{}
	}
	return s[q]
}

// rootOf returns a partition's (or inheritance child's) topmost parent.
func rootOf(cat *schema.Catalog, q schema.QName) schema.QName {
	for i := 0; i < 64; i++ {
		t := cat.Table(q)
		if t == nil || t.Parent == nil {
			return q
		}
		q = *t.Parent
	}
	return q
}

func dataColumns(t *schema.Table) []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, c := range t.Columns {
		if !c.Generated {
			out = append(out, c.Name)
		}
	}
	return out
}

// sampleCopy decodes the first n rows of a COPY block and closes it, which
// skips the rest.
func sampleCopy(ctx context.Context, src dump.Source, e *dump.Entry, n int, add func(int, []byte)) error {
	r, err := src.Open(ctx, e)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var fields [][]byte
	var buf []byte
	for rows := 0; rows < n; rows++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A row longer than the buffer: its start is enough for a
			// shape, and the rest is read past.
			long := append([]byte{}, line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				if len(long) < 1<<20 {
					long = append(long, line...)
				}
			}
			line = long
		}
		if len(line) == 0 && err != nil {
			break
		}
		row := []byte(strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"))
		fields = copytext.Split(fields[:0], row)
		for i, f := range fields {
			if copytext.IsNull(f) {
				continue
			}
			var derr error
			if buf, derr = copytext.Decode(buf[:0], f); derr == nil {
				add(i, buf)
			}
		}
		if err != nil {
			break
		}
	}
	return r.Close()
}

// sampleLive reads the first n rows of a table in the source's snapshot.
func sampleLive(ctx context.Context, src *live.Source, q schema.QName, cols []string, n int, add func(int, []byte)) error {
	if len(cols) == 0 {
		return nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = schema.QuoteIdent(c)
	}
	r, err := src.Select(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM ONLY "+q.String()+" LIMIT "+strconv.Itoa(n))
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var fields [][]byte
	var buf []byte
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			fields = copytext.Split(fields[:0], []byte(strings.TrimSuffix(string(line), "\n")))
			for i, f := range fields {
				if !copytext.IsNull(f) {
					var derr error
					if buf, derr = copytext.Decode(buf[:0], f); derr == nil {
						add(i, buf)
					}
				}
			}
		}
		if err != nil {
			break
		}
	}
	return r.Close()
}

// sampler collects the values of the first n INSERT rows of an entry.
type sampler struct {
	n, rows int
	add     func(int, []byte)
}

func (s *sampler) Skip() bool       { return false }
func (s *sampler) Masks() bool      { return true }
func (s *sampler) Reads(i int) bool { return true }

func (s *sampler) MaskRow(row *dump.Row, _ dump.Pos) error {
	if s.rows >= s.n {
		return nil // the rest of the entry is read past
	}
	s.rows++
	for i, v := range row.Values {
		if v != nil && !row.Null[i] && (row.Opaque == nil || !row.Opaque[i]) {
			s.add(i, v)
		}
	}
	return nil
}
