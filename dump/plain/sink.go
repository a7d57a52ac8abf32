package plain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/schema"
)

// Output is where a Sink writes: an outfile.File.
type Output interface {
	io.Writer
	Commit() error
	// Fail ends a failed output: an atomic file is removed; a stream ends
	// with marker.
	Fail(marker []byte) error
}

// Sink writes a dump as a plain script. Entries from a plain Source come
// out byte for byte as they went in, masked values and moved sequences
// aside.
type Sink struct {
	out Output
	buf []byte
}

// NewSink returns a Sink writing to out.
func NewSink(out Output) *Sink { return &Sink{out: out} }

// FailureMarker ends a failed run's streamed output: it closes any COPY
// block and raises an error, so `psql -1 -v ON_ERROR_STOP=1` loads nothing.
var FailureMarker = []byte("\n\\.\nDO $$ BEGIN RAISE EXCEPTION 'anonymize failed: this dump is incomplete'; END $$;\n")

// Parallel is 1: a script is written in order.
func (s *Sink) Parallel() int { return 1 }

// Entry writes a non-data entry.
func (s *Sink) Entry(ctx context.Context, e *dump.Entry) error {
	defn := e.Defn
	if e.Desc == dump.SequenceSet && e.Set != nil {
		var err error
		if defn, err = s.setval(e); err != nil {
			return err
		}
	}
	_, err := s.out.Write(defn)
	return err
}

// setvalValue finds the value and is_called arguments of a setval statement.
var setvalValue = regexp.MustCompile(`(?is)SELECT\s+(?:pg_catalog\.)?setval\(\s*'(?:[^']|'')+'\s*,\s*(-?[0-9]+)\s*(,\s*(?:true|false)\s*)?\)\s*;`)

// setval rewrites a setval statement to the value the run decided.
func (s *Sink) setval(e *dump.Entry) ([]byte, error) {
	if e.Defn == nil {
		return fmt.Appendf(nil, "\nSELECT pg_catalog.setval(%s, %d, %t);\n\n\n",
			quoteLiteral(e.Table.String()), e.Set.Value, e.Set.Called), nil
	}
	all := setvalValue.FindAllSubmatchIndex(e.Defn, -1)
	if all == nil {
		return nil, fmt.Errorf("%s: plain: no setval statement in sequence entry %s", e.Pos, e.Table)
	}
	sub := all[len(all)-1] // the statement itself follows any comments
	s.buf = append(s.buf[:0], e.Defn[:sub[2]]...)
	s.buf = strconv.AppendInt(s.buf, e.Set.Value, 10)
	s.buf = append(s.buf, ", "...)
	s.buf = strconv.AppendBool(s.buf, e.Set.Called)
	if sub[4] >= 0 {
		s.buf = append(s.buf, e.Defn[sub[5]:]...)
	} else {
		s.buf = append(s.buf, e.Defn[sub[3]:]...)
	}
	return s.buf, nil
}

func quoteLiteral(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte("''"))) + "'"
}

// Data returns the writer for a data entry: a COPY block's header comes from
// the entry (or is written the way pg_dump does), the rows from the writer,
// and Close ends the block.
func (s *Sink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	if e.Format == dump.SQL {
		return nopCloser{s.out}, nil
	}
	header := e.Defn
	if header == nil {
		header = copyHeader(e)
	}
	if _, err := s.out.Write(header); err != nil {
		return nil, err
	}
	end := []byte("\\.\n")
	if bytes.HasSuffix(header, []byte("\r\n")) {
		end = []byte("\\.\r\n")
	}
	if e.Defn == nil {
		end = append(end, "\n\n"...) // pg_dump's blank lines after each entry
	}
	return &copyBlock{w: s.out, end: end}, nil
}

// copyHeader is pg_dump's header of a table's data.
func copyHeader(e *dump.Entry) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "--\n-- Data for Name: %s; Type: TABLE DATA; Schema: %s; Owner: -\n--\n\nCOPY %s", e.Table.Name, e.Table.Schema, e.Table)
	if e.Columns != nil {
		b.WriteString(" (")
		for i, c := range e.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(schema.QuoteIdent(c))
		}
		b.WriteString(")")
	}
	b.WriteString(" FROM stdin;\n")
	return b.Bytes()
}

type copyBlock struct {
	w   io.Writer
	end []byte
}

func (c *copyBlock) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *copyBlock) Close() error {
	_, err := c.w.Write(c.end)
	return err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Commit moves the finished script into place.
func (s *Sink) Commit(ctx context.Context) error { return s.out.Commit() }

// Abort removes the output, or ends a stream with FailureMarker.
func (s *Sink) Abort(ctx context.Context) error { return s.out.Fail(FailureMarker) }
