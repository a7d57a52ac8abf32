package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/understudy-db/understudy/dump"
)

// multiDump has several tables of different sizes: masked ones with keys,
// a kept one and a skipped one, and a sequence fed by a masked key.
func multiDump() string {
	var b strings.Builder
	b.WriteString(`CREATE TABLE public.big (
    id integer NOT NULL,
    email text,
    note text
);

CREATE SEQUENCE public.big_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

ALTER SEQUENCE public.big_id_seq OWNED BY public.big.id;

ALTER TABLE ONLY public.big ALTER COLUMN id SET DEFAULT nextval('public.big_id_seq'::regclass);

CREATE TABLE public.mid (
    id integer NOT NULL,
    code text
);

CREATE TABLE public.kept (
    id integer NOT NULL,
    v text
);

CREATE TABLE public.gone (
    id integer NOT NULL,
    v text
);

COPY public.mid (id, code) FROM stdin;
`)
	b.WriteString(rowsOf(700, func(i int) string { return fmt.Sprintf("%d\tcode-%d", i, i) }))
	b.WriteString("\\.\n\nCOPY public.kept (id, v) FROM stdin;\n")
	b.WriteString(rowsOf(300, func(i int) string { return fmt.Sprintf("%d\tv%d", i, i) }))
	b.WriteString("\\.\n\nCOPY public.big (id, email, note) FROM stdin;\n")
	b.WriteString(rowsOf(2500, func(i int) string { return fmt.Sprintf("%d\tuser%d@corp.com\tnote %d", i, i, i) }))
	b.WriteString("\\.\n\nCOPY public.gone (id, v) FROM stdin;\n")
	b.WriteString(rowsOf(50, func(i int) string { return fmt.Sprintf("%d\tv%d", i, i) }))
	b.WriteString(`\.

SELECT pg_catalog.setval('public.big_id_seq', 2500, true);

ALTER TABLE ONLY public.big
    ADD CONSTRAINT big_email_key UNIQUE (email);

ALTER TABLE ONLY public.mid
    ADD CONSTRAINT mid_code_key UNIQUE (code);
`)
	return b.String()
}

const multiRules = `version: 1
tables:
  big:
    id: hash_id
    email: email
    note: lorem
  mid:
    id: keep
    code: {use: regex_replace, pattern: '-', replacement: '_'}
  kept: keep
  gone: skip
`

// runMem runs script from a memSource to a memSink, par tables at once.
func runMem(t *testing.T, script, rulesYAML string, par int, opts Options) (*memSource, *memSink, *Stats, error) {
	t.Helper()
	src := newMemSource(t, script, par)
	plan, err := planFor(t, src.inv, rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink(par)
	var st *Stats
	within(t, func() { st, err = Run(context.Background(), src, src.inv, sink, plan, opts) })
	return src, sink, st, err
}

// The output does not depend on the number of workers, nor on how many
// tables are copied at once.
func TestOutputIndependentOfWorkersAndTables(t *testing.T) {
	script := multiDump()
	plainOut, plainStats, err := runScript(t, script, multiRules, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plainOut, "@corp.com") || strings.Contains(plainOut, "code-") || strings.Contains(plainOut, "note 7") {
		t.Fatal("values survive")
	}
	if plainStats.Rows != 700+300+2500 || plainStats.SkippedRows != 50 || plainStats.Tables != 4 || plainStats.MaskedCells != 700+3*2500 {
		t.Fatalf("stats %+v", plainStats)
	}
	if want := int64(len(strings.Join([]string{
		rowsOf(700, func(i int) string { return fmt.Sprintf("%d\tcode-%d", i, i) }),
		rowsOf(300, func(i int) string { return fmt.Sprintf("%d\tv%d", i, i) }),
		rowsOf(2500, func(i int) string { return fmt.Sprintf("%d\tuser%d@corp.com\tnote %d", i, i, i) }),
		rowsOf(50, func(i int) string { return fmt.Sprintf("%d\tv%d", i, i) }),
	}, ""))); plainStats.BytesIn != want {
		t.Fatalf("BytesIn %d, want %d", plainStats.BytesIn, want)
	}
	out4, _, err := runScript(t, script, multiRules, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if out4 != plainOut {
		t.Fatal("plain output differs with 4 workers")
	}
	var ref *memSink
	for _, c := range []struct{ par, workers, tables int }{{1, 1, 0}, {4, 1, 0}, {4, 4, 0}, {4, 4, 2}, {2, 3, 8}, {3, 0, 0}} {
		src, sink, st, err := runMem(t, script, multiRules, c.par, Options{Workers: c.workers, Tables: c.tables})
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if *st != (Stats{Tables: 4, Rows: plainStats.Rows, SkippedRows: 50, MaskedCells: plainStats.MaskedCells, BytesIn: plainStats.BytesIn, Elapsed: st.Elapsed}) {
			t.Fatalf("%+v: stats %+v, want %+v", c, st, plainStats)
		}
		if sink.committed != 1 || sink.aborted != 0 {
			t.Fatalf("%+v: committed %d, aborted %d", c, sink.committed, sink.aborted)
		}
		for _, q := range []string{"big", "mid", "kept"} {
			if got, want := sink.table(q), strings.Join(copyRows(t, plainOut, "public."+q), "\n")+"\n"; got != want {
				t.Fatalf("%+v: %s differs from the plain run", c, q)
			}
			if !sink.closed[qn(q)] || src.opened[qn(q)] != 1 || src.closed[qn(q)] < 1 {
				t.Fatalf("%+v: %s closed %v, opened %d, source closed %d", c, q, sink.closed[qn(q)], src.opened[qn(q)], src.closed[qn(q)])
			}
		}
		if sink.table("gone") != "" || !sink.closed[qn("gone")] {
			t.Fatalf("%+v: skipped table written", c)
		}
		// Non-data entries in dump order: the schema, then the sequence's
		// value (moved), then post-data.
		var descs []string
		for _, e := range sink.entries {
			descs = append(descs, fmt.Sprintf("%s/%s", e.Section, e.Desc))
		}
		if i := slices.Index(descs, "data/SEQUENCE SET"); i < 1 || descs[0] != "pre-data/" || descs[len(descs)-1] != "post-data/" {
			t.Fatalf("%+v: entries %q", c, descs)
		}
		for _, e := range sink.entries {
			if e.Desc == dump.SequenceSet && (e.Set == nil || !e.Set.Called || e.Set.Value <= 2500) {
				t.Fatalf("%+v: sequence value %+v", c, e.Set)
			}
		}
		if ref == nil {
			ref = sink
		} else if !slices.EqualFunc(ref.entries, sink.entries, func(a, b *dump.Entry) bool {
			return a.ID == b.ID && (a.Set == nil) == (b.Set == nil) && (a.Set == nil || *a.Set == *b.Set)
		}) {
			t.Fatalf("%+v: entries differ", c)
		}
	}
}

// Tables are copied largest first when the ends allow several at once;
// tables of one size in dump order.
func TestLargestTableFirst(t *testing.T) {
	checkOpenOrder(t, multiDump(), multiRules, 0, []string{"big", "mid", "kept", "gone"})
	checkOpenOrder(t, multiDump(), multiRules, 2, []string{"big", "mid", "kept", "gone"})
	// One table at a time: in dump order.
	checkOpenOrder(t, multiDump(), multiRules, 1, []string{"mid", "kept", "big", "gone"})
	var b strings.Builder
	for _, q := range []string{"e1", "e2", "small", "e3", "large"} {
		fmt.Fprintf(&b, "CREATE TABLE public.%s (\n    v text\n);\n\n", q)
	}
	for _, q := range []string{"e1", "e2", "small", "e3", "large"} {
		n := map[string]int{"small": 2, "large": 9}[q]
		if n == 0 {
			n = 5
		}
		fmt.Fprintf(&b, "COPY public.%s (v) FROM stdin;\n%s\\.\n\n", q, rowsOf(n, func(int) string { return "row" }))
	}
	checkOpenOrder(t, b.String(), "version: 1\ntables:\n  e1: keep\n  e2: keep\n  e3: keep\n  small: keep\n  large: keep\n", 0, []string{"large", "e1", "e2", "e3", "small"})
}

// checkOpenOrder runs script two tables at a time and checks the order in
// which its tables are opened.
func checkOpenOrder(t *testing.T, script, rulesYAML string, tables int, want []string) {
	t.Helper()
	src := newMemSource(t, script, 2)
	opened := map[string]chan struct{}{}
	for _, q := range want {
		opened[q] = make(chan struct{})
	}
	var mu sync.Mutex
	var order []string
	var late atomic.Bool
	src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
		// Each table waits for the one before it in the expected order to
		// be opened: with two at a time, any other order stalls.
		if i := slices.Index(want, e.Table.Name); i > 0 {
			select {
			case <-opened[want[i-1]]:
			case <-time.After(2 * time.Second):
				late.Store(true)
			}
		}
		mu.Lock()
		order = append(order, e.Table.Name)
		mu.Unlock()
		close(opened[e.Table.Name])
		return r, nil
	}
	plan, err := planFor(t, src.inv, rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	within(t, func() {
		_, err = Run(context.Background(), src, src.inv, newMemSink(2), plan, Options{Workers: 2, Tables: tables})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != strings.Join(want, ",") || late.Load() {
		t.Fatalf("order %s (stalled: %v), want %s", got, late.Load(), strings.Join(want, ","))
	}
}

// blockingReader serves rows, then calls at() once, then serves rows for
// ever (a table too large to finish): only cancellation ends it.
type blockingReader struct {
	row  func(i int) string
	n    int
	at   int
	hook func()
	buf  []byte
}

func (r *blockingReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		r.n++
		if r.n == r.at && r.hook != nil {
			r.hook()
		}
		r.buf = append(r.buf, r.row(r.n)...)
		if r.n%64 == 0 {
			break
		}
	}
	k := copy(p, r.buf)
	r.buf = r.buf[k:]
	return k, nil
}

func (r *blockingReader) Close() error { return nil }

// Cancelling the run's context mid-table stops it promptly with the
// cause, and aborts the sink.
func TestCancelMidTable(t *testing.T) {
	for _, par := range []int{1, 3} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cause := errors.New("operator pressed ^C")
		src := newMemSource(t, multiDump(), par)
		src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
			if e.Table.Name != "big" {
				return r, nil
			}
			return &blockingReader{row: func(i int) string { return fmt.Sprintf("%d\tu%d@corp.com\tn\n", i, i) }, at: 3000,
				hook: func() { cancel(cause) }}, nil
		}
		plan, err := planFor(t, src.inv, multiRules)
		if err != nil {
			t.Fatal(err)
		}
		sink := newMemSink(par)
		done := make(chan error, 1)
		go func() {
			_, err := Run(ctx, src, src.inv, sink, plan, Options{Workers: 2})
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, cause) {
				t.Fatalf("par %d: error %v, want the cause", par, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("par %d: the run did not stop", par)
		}
		if sink.aborted != 1 || sink.committed != 0 {
			t.Fatalf("par %d: aborted %d, committed %d", par, sink.aborted, sink.committed)
		}
		if sink.closed[qn("big")] || !errors.Is(sink.abandoned[qn("big")], cause) {
			t.Fatalf("par %d: big closed %v, abandoned with %v", par, sink.closed[qn("big")], sink.abandoned[qn("big")])
		}
		for _, e := range sink.entries {
			if e.Section == dump.PostData || e.Desc == dump.SequenceSet {
				t.Fatalf("par %d: entry %s %s written after the cancellation", par, e.Desc, e.Table)
			}
		}
		if par == 1 && (src.opened[qn("gone")] != 0 || src.opened[qn("kept")] != 1) {
			t.Fatalf("opened %v", src.opened)
		}
	}
}

// A context cancelled before the run starts stops it at once.
func TestCancelBeforeRun(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("too late")
	cancel(cause)
	src := newMemSource(t, multiDump(), 2)
	plan, err := planFor(t, src.inv, multiRules)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink(2)
	if _, err := Run(ctx, src, src.inv, sink, plan, Options{}); !errors.Is(err, cause) {
		t.Fatalf("error %v", err)
	}
	if len(sink.entries) != 0 || len(src.opened) != 0 || sink.aborted != 1 {
		t.Fatalf("entries %d, opened %v, aborted %d", len(sink.entries), src.opened, sink.aborted)
	}
}

// A context cancelled while the last table is copied in parallel, by a
// source that does not notice, still fails the run, though every table
// was copied.
func TestCancelDuringLastTable(t *testing.T) {
	script := strings.Split(multiDump(), "\nSELECT pg_catalog.setval")[0] // no entries after the data
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	src := newMemSource(t, script, 2)
	src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
		if e.Table.Name == "gone" { // the last and smallest
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				src.mu.Lock()
				n := min(src.closed[qn("kept")], src.closed[qn("mid")], src.closed[qn("big")])
				src.mu.Unlock()
				if n > 0 {
					break
				}
			}
			time.Sleep(10 * time.Millisecond) // their entries end
			cancel(cause)
		}
		return r, nil
	}
	plan, err := planFor(t, src.inv, multiRules)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink(2)
	_, err = Run(ctx, src, src.inv, sink, plan, Options{Workers: 2})
	if !errors.Is(err, cause) || sink.committed != 0 || sink.aborted != 1 {
		t.Fatalf("error %v, committed %d", err, sink.committed)
	}
	for _, q := range []string{"big", "mid", "kept", "gone"} {
		if !sink.closed[qn(q)] {
			t.Fatalf("%s not finished", q)
		}
	}
}

// errReader fails after some rows.
type errReader struct {
	io.Reader
	err      error
	closeErr error
	closed   *bool
}

func (r *errReader) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	if err == io.EOF && r.err != nil {
		return n, r.err
	}
	return n, err
}

func (r *errReader) Close() error {
	if r.closed != nil {
		*r.closed = true
	}
	return r.closeErr
}

// An error on either end stops the run with that error and aborts the
// sink; a data entry that failed is abandoned, not finished.
func TestSourceAndSinkErrors(t *testing.T) {
	boom := errors.New("boom")
	type setup func(src *memSource, sink *memSink, closed *bool)
	onTable := func(q string, f func(e *dump.Entry, r io.ReadCloser, closed *bool) (io.ReadCloser, error)) setup {
		return func(src *memSource, sink *memSink, closed *bool) {
			src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
				if e.Table.Name != q {
					return r, nil
				}
				return f(e, r, closed)
			}
		}
	}
	cases := []struct {
		name      string
		setup     setup
		abandoned string // the table whose entry is abandoned
		closed    bool   // the failing reader was closed
	}{
		{"open", onTable("mid", func(*dump.Entry, io.ReadCloser, *bool) (io.ReadCloser, error) { return nil, boom }), "mid", false},
		{"read, masked", onTable("big", func(_ *dump.Entry, r io.ReadCloser, closed *bool) (io.ReadCloser, error) {
			return &errReader{Reader: r, err: boom, closed: closed}, nil
		}), "big", true},
		{"read, kept", onTable("kept", func(_ *dump.Entry, r io.ReadCloser, closed *bool) (io.ReadCloser, error) {
			return &errReader{Reader: r, err: boom, closed: closed}, nil
		}), "kept", true},
		{"close", onTable("mid", func(_ *dump.Entry, r io.ReadCloser, closed *bool) (io.ReadCloser, error) {
			return &errReader{Reader: r, closeErr: boom, closed: closed}, nil
		}), "mid", true},
		{"sink data", func(src *memSource, sink *memSink, _ *bool) {
			sink.dataErr = func(e *dump.Entry) error {
				if e.Table.Name == "kept" {
					return boom
				}
				return nil
			}
		}, "", false},
		{"sink write, masked", func(src *memSource, sink *memSink, _ *bool) {
			sink.writeErr = func(e *dump.Entry, p []byte) error {
				if e.Table.Name == "big" {
					return boom
				}
				return nil
			}
		}, "big", false},
		{"sink write, kept", func(src *memSource, sink *memSink, _ *bool) {
			sink.writeErr = func(e *dump.Entry, p []byte) error {
				if e.Table.Name == "kept" {
					return boom
				}
				return nil
			}
		}, "kept", false},
		{"commit", func(src *memSource, sink *memSink, _ *bool) { sink.commitErr = boom }, "", false},
	}
	for _, c := range cases {
		for _, par := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d", c.name, par), func(t *testing.T) {
				src := newMemSource(t, multiDump(), par)
				sink := newMemSink(par)
				var closed bool
				c.setup(src, sink, &closed)
				plan, err := planFor(t, src.inv, multiRules)
				if err != nil {
					t.Fatal(err)
				}
				st, err := Run(context.Background(), src, src.inv, sink, plan, Options{Workers: 2})
				if !errors.Is(err, boom) || st != nil {
					t.Fatalf("error %v, stats %v", err, st)
				}
				if sink.aborted != 1 || sink.committed != 0 {
					t.Fatalf("aborted %d, committed %d", sink.aborted, sink.committed)
				}
				if c.abandoned != "" {
					if !errors.Is(sink.abandoned[qn(c.abandoned)], boom) || sink.closed[qn(c.abandoned)] {
						t.Fatalf("%s: abandoned with %v, closed %v", c.abandoned, sink.abandoned[qn(c.abandoned)], sink.closed[qn(c.abandoned)])
					}
				}
				if closed != c.closed {
					t.Fatalf("failing reader closed: %v", closed)
				}
				for q, err := range sink.abandoned {
					if par == 1 && q.Name != c.abandoned {
						t.Fatalf("%s abandoned (%v)", q, err)
					}
				}
			})
		}
	}
}

// A sink's error on a non-data entry stops the run.
type failEntrySink struct {
	*memSink
	desc string
	err  error
}

func (s *failEntrySink) Entry(ctx context.Context, e *dump.Entry) error {
	if e.Desc == s.desc {
		return s.err
	}
	return s.memSink.Entry(ctx, e)
}

func TestSinkEntryError(t *testing.T) {
	boom := errors.New("boom")
	for _, desc := range []string{"", dump.SequenceSet} {
		for _, par := range []int{1, 2} {
			src := newMemSource(t, multiDump(), par)
			plan, err := planFor(t, src.inv, multiRules)
			if err != nil {
				t.Fatal(err)
			}
			sink := &failEntrySink{memSink: newMemSink(par), desc: desc, err: boom}
			if _, err := Run(context.Background(), src, src.inv, sink, plan, Options{}); !errors.Is(err, boom) || sink.aborted != 1 {
				t.Fatalf("%q, par %d: %v", desc, par, err)
			}
		}
	}
}

// A sequence that cannot be kept clear of the keys fails the run.
func TestSequenceErrorAborts(t *testing.T) {
	script := strings.Replace(multiDump(), "AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", "AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE MAXVALUE 2500", 1)
	for _, par := range []int{1, 2} {
		_, sink, _, err := runMem(t, script, multiRules, par, Options{})
		var se *SequenceError
		if !errors.As(err, &se) || sink.aborted != 1 || sink.committed != 0 {
			t.Fatalf("par %d: %v", par, err)
		}
	}
}

// Table data as SQL needs a source that can mask values.
func TestSQLDataNeedsValueSource(t *testing.T) {
	script := engDump + "\nINSERT INTO public.m VALUES (2, 'b', 'y');\n"
	src := newMemSource(t, script, 1)
	for _, e := range src.inv.Entries {
		if e.Desc == dump.TableData && e.Format == dump.SQL {
			src.data[e] = []byte("INSERT INTO public.m VALUES (2, 'b', 'y');\n")
		}
	}
	plan, err := planFor(t, src.inv, upRules)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink(1)
	_, err = Run(context.Background(), src, src.inv, sink, plan, Options{})
	if err == nil || !strings.Contains(err.Error(), ": table data as SQL from a source that cannot mask it") || !strings.HasPrefix(err.Error(), src.inv.Name) {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(sink.table("m"), "INSERT") {
		t.Fatal("unmasked INSERT written")
	}
}

// Large objects are copied as they are, or dropped; statistics never.
func TestLargeObjectsAndStatistics(t *testing.T) {
	const blobs = "\nSELECT pg_catalog.lo_create('16401');\n\nSELECT pg_catalog.lo_open('16401', 131072);\n"
	const stats = "\nSELECT pg_catalog.pg_restore_relation_stats('version', '180000'::integer, 'schemaname', 'public', 'relname', 'k');\n"
	script := engDump + blobs + stats
	for _, drop := range []bool{false, true} {
		out, st, err := runScript(t, script, upRules, Options{DropLargeObjects: drop})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "lo_create") == drop || strings.Contains(out, "lo_open") == drop {
			t.Fatalf("drop %v:\n%s", drop, out)
		}
		if strings.Contains(out, "pg_restore_relation_stats") {
			t.Fatalf("statistics copied:\n%s", out)
		}
		if st.Tables != 3 {
			t.Fatalf("stats %+v", st)
		}
	}
}

// DataColumns gives each table with data the column list of its data
// entries: the first list given, nil when none is.
func TestDataColumns(t *testing.T) {
	data := func(q string, cols ...string) *dump.Entry {
		return &dump.Entry{Desc: dump.TableData, Table: qn(q), Columns: cols}
	}
	inv := &dump.Inventory{Entries: []*dump.Entry{
		{Desc: "TABLE", Table: qn("a"), Defn: []byte("CREATE TABLE a ();")},
		data("a"),
		data("a", "x", "y"),
		data("a", "z"),
		data("b", "p"),
		data("b"),
		data("b", "q"),
		data("c"),
		{Desc: dump.SequenceSet, Table: qn("d")},
		{Desc: dump.Blobs, Table: qn("e"), Columns: []string{"lo"}},
		{Desc: "TABLE", Table: qn("f"), Columns: []string{"w"}},
	}}
	got := DataColumns(inv)
	if len(got) != 3 || strings.Join(got[qn("a")], ",") != "x,y" || strings.Join(got[qn("b")], ",") != "p" {
		t.Fatalf("DataColumns %v", got)
	}
	if c, ok := got[qn("c")]; !ok || c != nil {
		t.Fatalf("c: %v, %v", c, ok)
	}
	// From a script: the COPY list, and nil for INSERTs without one.
	_, sinv, err := openScript(t, twoTables+"\nINSERT INTO public.a VALUES (2, 'y');\n")
	if err != nil {
		t.Fatal(err)
	}
	got = DataColumns(sinv)
	if len(got) != 2 || strings.Join(got[qn("a")], ",") != "id,name" || got[qn("b")] != nil {
		t.Fatalf("DataColumns %v", got)
	}
}

// Progress: a Done event per table finished, with the totals so far.
func TestProgressDoneEvents(t *testing.T) {
	var events []Progress
	var mu sync.Mutex
	_, st, err := runScript(t, multiDump(), multiRules, Options{Workers: 2, Progress: func(p Progress) {
		mu.Lock()
		events = append(events, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	type done struct {
		table      string
		rows, seen int64
	}
	var got []done
	for _, p := range events {
		if p.TotalRows != 700+300+2500+50 {
			t.Fatalf("TotalRows %d", p.TotalRows)
		}
		if len(p.Tables) != 1 || !p.Tables[0].Done || p.Tables[0].Total != p.Tables[0].Rows || p.Tables[0].Elapsed <= 0 {
			t.Fatalf("tables %+v", p.Tables)
		}
		got = append(got, done{p.Tables[0].Table.Name, p.Tables[0].Rows, p.Rows})
	}
	want := []done{{"mid", 700, 700}, {"kept", 300, 1000}, {"big", 2500, 3500}, {"gone", 50, 3550}}
	if !slices.Equal(got, want) {
		t.Fatalf("done events %+v, want %+v", got, want)
	}
	if last := events[len(events)-1]; last.BytesIn != st.BytesIn {
		t.Fatalf("BytesIn %d, want %d", last.BytesIn, st.BytesIn)
	}
}

// gateReader serves first, then waits for open (or a timeout) before
// serving rest.
type gateReader struct {
	first, rest []byte
	gate        <-chan struct{}
	waiting     chan struct{} // closed once first is all read
	waited      bool
	timedOut    bool
}

func (r *gateReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	if !r.waited {
		r.waited = true
		close(r.waiting)
		select {
		case <-r.gate:
		case <-time.After(10 * time.Second):
			r.timedOut = true
		}
	}
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

func (r *gateReader) Close() error { return nil }

// Progress ticks show the tables in flight, with the rows handed to the
// workers so far: a masked table's rows in whole units (512 rows, or
// unitBytes), a kept table's as they come.
func TestProgressTicks(t *testing.T) {
	long := strings.Repeat("x", 1014) // rows of 1024 bytes: 256 to a unit
	cases := []struct {
		name, table string
		first, rest string
		want        int64
	}{
		{"masked, by rows", "big", rowsOf(600, func(i int) string { return fmt.Sprintf("%d\tu%d@c.com\tn", i, i) }), "9999\tz@c.com\tn\n", 513},
		{"masked, by rows, not yet", "big", rowsOf(512, func(i int) string { return fmt.Sprintf("%d\tu%d@c.com\tn", i, i) }), "9999\tz@c.com\tn\n", 0},
		{"masked, by bytes", "big", rowsOf(300, func(i int) string { return fmt.Sprintf("%05d\te%05d\t%s", i, i, long[:1010]) }), "99999\tz\tn\n", 257},
		{"kept", "kept", rowsOf(77, func(i int) string { return fmt.Sprintf("%d\tv", i) }), "78\tv\n", 77},
		{"skipped", "gone", rowsOf(33, func(i int) string { return fmt.Sprintf("%d\tv", i) }), "34\tv\n", 33},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "masked, by bytes" && len(strings.Split(c.first, "\n")[0])+1 != 1024 {
				t.Fatalf("row of %d bytes", len(strings.Split(c.first, "\n")[0])+1)
			}
			src := newMemSource(t, multiDump(), 1)
			gate, waiting := make(chan struct{}), make(chan struct{})
			gr := &gateReader{first: []byte(c.first), rest: []byte(c.rest), gate: gate, waiting: waiting}
			src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
				if e.Table.Name != c.table {
					return r, nil
				}
				return gr, nil
			}
			plan, err := planFor(t, src.inv, strings.Replace(multiRules, "email: email", "email: {use: regex_replace, pattern: '@', replacement: '#'}", 1))
			if err != nil {
				t.Fatal(err)
			}
			var once sync.Once
			var seen TableProgress
			var total int64
			progress := func(p Progress) {
				for _, tp := range p.Tables {
					if tp.Table.Name != c.table || tp.Done {
						continue
					}
					select {
					case <-waiting:
						once.Do(func() {
							seen, total = tp, p.TotalRows
							close(gate)
						})
					default:
					}
				}
			}
			_, err = Run(context.Background(), src, src.inv, newMemSink(1), plan, Options{Workers: 2, Progress: progress, ProgressEvery: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if gr.timedOut {
				t.Fatal("no progress tick while the table was in flight")
			}
			if seen.Rows != c.want || seen.Total != src.inv.Rows[qn(c.table)] || total != 3550 {
				t.Fatalf("in flight: %+v (total %d), want %d rows", seen, total, c.want)
			}
		})
	}
}

// Without a callback, or without a period, there are no ticks.
func TestProgressOff(t *testing.T) {
	var n int
	_, _, err := runScript(t, engDump, upRules, Options{Progress: func(p Progress) {
		n++
		if len(p.Tables) != 1 || !p.Tables[0].Done {
			t.Errorf("a tick: %+v", p)
		}
	}})
	if err != nil || n != 3 {
		t.Fatalf("%d events, %v", n, err)
	}
	src := newMemSource(t, multiDump(), 1)
	src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
		time.Sleep(5 * time.Millisecond) // several periods
		return r, nil
	}
	plan, err := planFor(t, src.inv, multiRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), src, src.inv, newMemSink(1), plan, Options{ProgressEvery: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
}

// A sequence entry without a setval the run can read keeps its text.
func TestSequenceEntryWithoutSetval(t *testing.T) {
	src := newMemSource(t, multiDump(), 1)
	for _, e := range src.inv.Entries {
		if e.Desc == dump.SequenceSet {
			e.Defn = []byte("\nSELECT 1;\n")
		}
	}
	plan, err := planFor(t, src.inv, multiRules)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink(1)
	if _, err := Run(context.Background(), src, src.inv, sink, plan, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, e := range sink.entries {
		if e.Desc == dump.SequenceSet && (e.Set != nil || string(e.Defn) != "\nSELECT 1;\n") {
			t.Fatalf("sequence entry %+v", e)
		}
	}
}

// The first error is the one returned, not the cancellation it caused nor
// one that came after.
func TestFirstErrorIsReturned(t *testing.T) {
	for _, par := range []int{1, 3} {
		ctx, cancel := context.WithCancelCause(context.Background())
		stop, boom := errors.New("stop"), errors.New("boom")
		src := newMemSource(t, multiDump(), par)
		src.open = func(e *dump.Entry, r io.ReadCloser) (io.ReadCloser, error) {
			if e.Table.Name != "mid" {
				return r, nil
			}
			cancel(stop) // then fails on its own
			return nil, boom
		}
		plan, err := planFor(t, src.inv, multiRules)
		if err != nil {
			t.Fatal(err)
		}
		within(t, func() { _, err = Run(ctx, src, src.inv, newMemSink(par), plan, Options{Workers: 2}) })
		if !errors.Is(err, boom) {
			t.Fatalf("par %d: %v", par, err)
		}
	}
}
