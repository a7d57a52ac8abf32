package plain

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

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
	out     Output
	mu      sync.Mutex // guards bw: Abort may come from another goroutine
	bw      *bufio.Writer
	midLine atomic.Bool // what reached out ends in the middle of a line
	buf     []byte
}

// NewSink returns a Sink writing to out.
func NewSink(out Output) *Sink {
	s := &Sink{out: out}
	s.bw = bufio.NewWriterSize(writerFunc(s.emit), 1<<20)
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// emit writes to the output, noting where the last line stands.
func (s *Sink) emit(p []byte) (int, error) {
	n, err := s.out.Write(p)
	if n > 0 {
		s.midLine.Store(p[n-1] != '\n')
	}
	return n, err
}

// write writes p whole: the buffer is flushed only between writes, each of
// which ends at a row or statement boundary, so a stream cut short by a
// failure never ends in half a row.
func (s *Sink) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(p) > s.bw.Available() && s.bw.Buffered() > 0 {
		if err := s.bw.Flush(); err != nil {
			return err
		}
	}
	_, err := s.bw.Write(p)
	return err
}

// FailureMarker ends a failed run's streamed output: it closes any COPY
// block and raises an error, so `psql -1 -v ON_ERROR_STOP=1` loads nothing.
// Its first byte ends a line left unfinished; after a line end it is left
// out, since in a COPY block it would be read as an empty row, and psql
// would fail on that row instead of saying why.
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
	return s.write(defn)
}

// setval rewrites a setval statement to the value the run decided.
func (s *Sink) setval(e *dump.Entry) ([]byte, error) {
	if e.Defn == nil {
		return fmt.Appendf(nil, "\nSELECT pg_catalog.setval(%s, %d, %t);\n\n\n",
			schema.QuoteLiteral(e.Table.String()), e.Set.Value, e.Set.Called), nil
	}
	var ok bool
	if s.buf, ok = dump.AppendSetval(s.buf[:0], e.Defn, *e.Set); !ok {
		return nil, fmt.Errorf("%s: plain: no setval statement in sequence entry %s", e.Pos, e.Table)
	}
	return s.buf, nil
}

// Data returns the writer for a data entry: a COPY block's header comes from
// the entry (or is written the way pg_dump does), the rows from the writer,
// and Close ends the block.
func (s *Sink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	if e.Format == dump.SQL {
		return &block{s: s}, nil
	}
	header := e.Defn
	if header == nil {
		header = copyHeader(e)
	}
	if err := s.write(header); err != nil {
		return nil, err
	}
	end := []byte("\\.\n")
	if bytes.HasSuffix(header, []byte("\r\n")) {
		end = []byte("\\.\r\n")
	}
	if e.Defn == nil {
		end = append(end, "\n\n"...) // pg_dump's blank lines after each entry
	}
	return &block{s: s, end: end}, nil
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

// block is a data entry being written; Close writes its end (a COPY
// block's \. line).
type block struct {
	s   *Sink
	end []byte
}

func (b *block) Write(p []byte) (int, error) {
	if err := b.s.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (b *block) Close() error { return b.s.write(b.end) }

// CloseWithError abandons the entry: a failed run's COPY block is left
// open for Abort's marker to end.
func (b *block) CloseWithError(error) error { return nil }

// Commit moves the finished script into place.
func (s *Sink) Commit(ctx context.Context) error {
	s.mu.Lock()
	err := s.bw.Flush()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.out.Commit()
}

// Abort removes the output, or ends a stream with FailureMarker after what
// is buffered (whole rows and statements). It may be called while another
// goroutine is stuck writing (a reader that stopped reading): the buffer is
// then dropped, and the marker interrupts the write.
func (s *Sink) Abort(ctx context.Context) error {
	if s.mu.TryLock() {
		s.bw.Flush()
		s.mu.Unlock()
	}
	m := FailureMarker
	if !s.midLine.Load() {
		m = m[1:]
	}
	return s.out.Fail(m)
}
