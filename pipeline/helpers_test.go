package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/schema"
)

// runScript runs the pipeline over a plain dump given as a string, from a
// plain Source to a plain Sink, with opts.
func runScript(t *testing.T, script, rulesYAML string, opts Options) (string, *Stats, error) {
	t.Helper()
	src, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	var out memOut
	var st *Stats
	within(t, func() { st, err = Run(context.Background(), src, inv, plain.NewSink(&out), plan, opts) })
	return out.String(), st, err
}

// within runs f, failing the test if it does not return in 30 seconds (a
// run that hangs).
func within(t testing.TB, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run hangs")
	}
}

// copyRows returns the rows of the COPY block of table q in a plain output
// (the lines between "COPY q" and "\.").
func copyRows(t testing.TB, out, q string) []string {
	t.Helper()
	i := strings.Index(out, "COPY "+q+" ")
	if i < 0 {
		t.Fatalf("no COPY block for %s in:\n%s", q, out)
	}
	body := out[i:]
	body = body[strings.Index(body, "\n")+1:]
	body = body[:strings.Index(body, "\\.")]
	if body == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(body, "\n"), "\n")
}

// memSource serves a plain dump's entries from memory: data entries as
// their COPY text, read once from the plain source. Parallel is par; hooks
// let tests fail or slow down an entry.
type memSource struct {
	inv  *dump.Inventory
	data map[*dump.Entry][]byte
	par  int
	// open, if set, wraps the reader of a data entry (or fails it).
	open func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error)
	// opened counts Open calls per table, and closed Close calls.
	mu             sync.Mutex
	opened, closed map[schema.QName]int
}

func newMemSource(t testing.TB, script string, par int) *memSource {
	t.Helper()
	src, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	ms := &memSource{inv: inv, data: map[*dump.Entry][]byte{}, par: par,
		opened: map[schema.QName]int{}, closed: map[schema.QName]int{}}
	for _, e := range inv.Entries {
		if !e.IsData() || e.Format != dump.CopyText {
			continue
		}
		rc, err := src.Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		ms.data[e] = b
	}
	return ms
}

func (s *memSource) Inventory(context.Context) (*dump.Inventory, error) { return s.inv, nil }
func (s *memSource) Parallel() int                                      { return s.par }
func (s *memSource) Close() error                                       { return nil }

func (s *memSource) Open(ctx context.Context, e *dump.Entry) (io.ReadCloser, error) {
	s.mu.Lock()
	s.opened[e.Table]++
	s.mu.Unlock()
	b, ok := s.data[e]
	if !ok {
		return nil, fmt.Errorf("memSource: no data for %s", e.Table)
	}
	var rc io.ReadCloser = &memReader{Reader: bytes.NewReader(b), s: s, q: e.Table}
	if s.open != nil {
		return s.open(e, rc)
	}
	return rc, nil
}

type memReader struct {
	*bytes.Reader
	s *memSource
	q schema.QName
}

func (r *memReader) Close() error {
	r.s.mu.Lock()
	r.s.closed[r.q]++
	r.s.mu.Unlock()
	return nil
}

// memSink keeps what a run writes: the non-data entries in order, each
// data entry's bytes, and how the run ended.
type memSink struct {
	par int
	// dataErr, if set, fails Data for an entry; writeErr fails a writer's
	// Write; commitErr fails Commit.
	dataErr   func(e *dump.Entry) error
	writeErr  func(e *dump.Entry, p []byte) error
	commitErr error

	mu        sync.Mutex
	entries   []*dump.Entry
	data      map[schema.QName]*bytes.Buffer
	closed    map[schema.QName]bool
	abandoned map[schema.QName]error
	committed int
	aborted   int
}

func newMemSink(par int) *memSink {
	return &memSink{par: par, data: map[schema.QName]*bytes.Buffer{}, closed: map[schema.QName]bool{}, abandoned: map[schema.QName]error{}}
}

func (s *memSink) Parallel() int { return s.par }

func (s *memSink) Entry(ctx context.Context, e *dump.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
	return nil
}

func (s *memSink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	if s.dataErr != nil {
		if err := s.dataErr(e); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.data[e.Table]
	if b == nil {
		b = &bytes.Buffer{}
		s.data[e.Table] = b
	}
	return &memData{s: s, e: e, b: b}, nil
}

func (s *memSink) Commit(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.commitErr != nil {
		return s.commitErr
	}
	s.committed++
	return nil
}

func (s *memSink) Abort(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted++
	return nil
}

// table returns what was written for table q.
func (s *memSink) table(q string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.data[qn(q)]; b != nil {
		return b.String()
	}
	return ""
}

type memData struct {
	s *memSink
	e *dump.Entry
	b *bytes.Buffer
}

func (d *memData) Write(p []byte) (int, error) {
	if d.s.writeErr != nil {
		if err := d.s.writeErr(d.e, p); err != nil {
			return 0, err
		}
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.b.Write(p)
}

func (d *memData) Close() error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.s.closed[d.e.Table] = true
	return nil
}

func (d *memData) CloseWithError(err error) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.s.abandoned[d.e.Table] = err
	return nil
}

// qn parses "schema.name" (or "name", in public).
func qn(s string) schema.QName {
	if sch, name, ok := strings.Cut(s, "."); ok {
		return schema.QName{Schema: sch, Name: name}
	}
	return schema.QName{Schema: "public", Name: s}
}

// rowsOf makes n COPY rows with f(i) for i in 1..n.
func rowsOf(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

// lineOf returns the 1-based line of the first occurrence of s in script.
func lineOf(t testing.TB, script, s string) int {
	t.Helper()
	i := strings.Index(script, s)
	if i < 0 {
		t.Fatalf("%q not in script", s)
	}
	return strings.Count(script[:i], "\n") + 1
}

// asCollision requires err to be a CollisionError and returns it.
func asCollision(t testing.TB, err error) *CollisionError {
	t.Helper()
	var ce *CollisionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a CollisionError", err)
	}
	return ce
}

// asRowError requires err to be a RowError and returns it.
func asRowError(t testing.TB, err error) *RowError {
	t.Helper()
	var re *RowError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want a RowError", err)
	}
	return re
}
