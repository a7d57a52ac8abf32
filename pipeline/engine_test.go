package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// engDump has a masked table (m), a kept one (k) and a skipped one (s).
const engDump = `CREATE TABLE public.m (
    id integer NOT NULL,
    code text,
    note text
);

CREATE TABLE public.k (
    id integer NOT NULL,
    v text
);

CREATE TABLE public.s (
    id integer NOT NULL,
    v text
);

COPY public.m (id, code, note) FROM stdin;
1	a	x
\.

COPY public.k (id, v) FROM stdin;
1	a
\.

COPY public.s (id, v) FROM stdin;
1	a
\.

ALTER TABLE ONLY public.m
    ADD CONSTRAINT m_code_key UNIQUE (code);
`

// upRules masks m.code by upper-casing "x" (x → X) and dropping "dup-".
const upRules = "version: 1\ntables:\n  m:\n    id: keep\n    note: keep\n    code: {use: regex_replace, pattern: '^dup-|x', replacement: ''}\n  k: keep\n  s: skip\n"

// engineFor builds an engine for engDump's plan.
func engineFor(t *testing.T, workers int) (*Engine, *dump.Inventory, *rules.Plan) {
	t.Helper()
	_, inv, err := openScript(t, engDump)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, upRules)
	if err != nil {
		t.Fatal(err)
	}
	eng := NewEngine(plan, inv.Catalog, workers)
	return eng, inv, plan
}

// writeTable writes chunks to a TableWriter for table q and closes it.
func writeTable(t *testing.T, eng *Engine, e *dump.Entry, chunks ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	tw := eng.Table(context.Background(), e, &out)
	for _, c := range chunks {
		if _, err := tw.Write([]byte(c)); err != nil {
			cerr := tw.Close()
			if cerr != err {
				t.Fatalf("Close returned %v after Write's %v", cerr, err)
			}
			return out.String(), err
		}
	}
	err := tw.Close()
	return out.String(), err
}

func mEntry(pos dump.Pos) *dump.Entry {
	return &dump.Entry{Desc: dump.TableData, Section: dump.Data, Table: qn("m"), Columns: []string{"id", "code", "note"}, Pos: pos}
}

// Rows may be cut anywhere by the writes: the writer puts them back
// together, keeps their line ends, and takes a last row without one.
func TestTableWriterCutsAnywhere(t *testing.T) {
	rows := "1\tax\tn1\n2\tb\\tx\tn\\\\2\r\n3\t\\N\tn3\n4\tdup-c\tn4"
	want := "1\ta\tn1\n2\tb\\t\tn\\\\2\r\n3\t\\N\tn3\n4\tc\tn4"
	_, _, plan := engineFor(t, 1)
	for _, workers := range []int{1, 3} {
		for cut := 0; cut <= len(rows); cut++ {
			for cut2 := cut; cut2 <= len(rows); cut2 += 3 {
				eng := NewEngine(plan, nil, workers)
				out, err := writeTable(t, eng, mEntry(dump.Pos{File: "f", Line: 10}), rows[:cut], rows[cut:cut2], rows[cut2:])
				eng.Close()
				if err != nil {
					t.Fatal(err)
				}
				if out != want {
					t.Fatalf("cut at %d, %d: %q, want %q", cut, cut2, out, want)
				}
				if n := eng.rows.Load(); n != 4 {
					t.Fatalf("%d rows", n)
				}
				if n := eng.cells.Load(); n != 3 {
					t.Fatalf("%d masked cells, want 3 (NULL is not one)", n)
				}
			}
		}
	}
}

// Kept and skipped tables pass through (or drop) the text as it comes,
// counting rows.
func TestTableWriterKeepAndSkip(t *testing.T) {
	eng, _, _ := engineFor(t, 2)
	defer eng.Close()
	k := &dump.Entry{Desc: dump.TableData, Table: qn("k"), Columns: []string{"id", "v"}}
	var out bytes.Buffer
	tw := eng.Table(context.Background(), k, &out)
	for _, c := range []string{"1\ta\n2", "\tb\n3\tc\n"} {
		if n, err := tw.Write([]byte(c)); err != nil || n != len(c) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if tw.Rows() != 3 {
		t.Fatalf("Rows() = %d", tw.Rows())
	}
	if err := tw.Close(); err != nil || out.String() != "1\ta\n2\tb\n3\tc\n" {
		t.Fatalf("kept: %q, %v", out.String(), err)
	}
	s := &dump.Entry{Desc: dump.TableData, Table: qn("s"), Columns: []string{"id", "v"}}
	out.Reset()
	tw = eng.Table(context.Background(), s, &out)
	for _, c := range []string{"1\ta\n2", "\tb\n3\tc\n4\td\n"} {
		if n, err := tw.Write([]byte(c)); err != nil || n != len(c) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if tw.Rows() != 4 {
		t.Fatalf("Rows() = %d", tw.Rows())
	}
	if err := tw.Close(); err != nil || out.Len() != 0 {
		t.Fatalf("skipped: %q, %v", out.String(), err)
	}
	if r, s, b := eng.rows.Load(), eng.skipped.Load(), eng.bytesIn.Load(); r != 3 || s != 4 || b != int64(len("1\ta\n2\tb\n3\tc\n")+len("1\ta\n2\tb\n3\tc\n4\td\n")) {
		t.Fatalf("rows %d, skipped %d, bytes %d", r, s, b)
	}
}

// countingWriter records the size of every write.
type countingWriter struct {
	bytes.Buffer
	sizes []int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.Buffer.Write(p)
}

// Kept rows handed over one per Write (as a live source does) go on in
// writes of about passBuffer bytes, not one each; a large piece goes on
// as it is.
func TestTableWriterGathersKeptRows(t *testing.T) {
	eng, _, _ := engineFor(t, 1)
	defer eng.Close()
	k := &dump.Entry{Desc: dump.TableData, Table: qn("k"), Columns: []string{"id", "v"}}
	var out countingWriter
	var want strings.Builder
	tw := eng.Table(context.Background(), k, &out)
	for i := range 20000 {
		row := fmt.Sprintf("%d\tv%d\n", i, i)
		want.WriteString(row)
		if _, err := tw.Write([]byte(row)); err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("7\tbig\n", passBuffer/6)
	want.WriteString(big)
	if _, err := tw.Write([]byte(big)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Fatal("kept rows changed on the way")
	}
	n := len(out.sizes)
	if n < 4 || out.sizes[n-1] != len(big) {
		t.Fatalf("writes of %v bytes, want the large piece last, alone", out.sizes)
	}
	for i, size := range out.sizes[:n-2] {
		if size > passBuffer || size < passBuffer-16 {
			t.Fatalf("write %d of %d bytes, want about %d", i, size, passBuffer)
		}
	}
}

// errWriter fails every write.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// A failing output fails the writer: Write and Close return its error.
func TestTableWriterOutputError(t *testing.T) {
	boom := errors.New("disk full")
	for _, q := range []string{"m", "k"} {
		eng, _, _ := engineFor(t, 2)
		e := &dump.Entry{Desc: dump.TableData, Table: qn(q), Columns: []string{"id", "code", "note"}}
		if q == "k" {
			e.Columns = []string{"id", "v"}
		}
		tw := eng.Table(context.Background(), e, errWriter{boom})
		var err error
		for i := 0; i < 20000 && err == nil; i++ { // past the kept rows' buffer
			_, err = tw.Write([]byte(fmt.Sprintf("%d\tc%d\tn\n", i, i)))
		}
		if cerr := tw.Close(); !errors.Is(cerr, boom) {
			t.Fatalf("%s: Close: %v", q, cerr)
		}
		if err != nil && !errors.Is(err, boom) || q == "k" && err == nil {
			t.Fatalf("%s: Write: %v", q, err)
		}
		if _, err := tw.Write([]byte("1\ta\tb\n")); !errors.Is(err, boom) {
			t.Fatalf("%s: Write after failure: %v", q, err)
		}
		eng.Close()
	}
}

// Row errors are located in the dump: by line in a plain script, by entry
// and row in an archive, by table and row in a live database.
func TestRowErrorPositions(t *testing.T) {
	rows := rowsOf(700, func(i int) string {
		if i == 600 {
			return "600\tbad\\000\tn" // a NUL byte
		}
		return fmt.Sprintf("%d\tc%d\tn", i, i)
	})
	cases := []struct {
		pos  dump.Pos
		want dump.Pos
		text string
	}{
		{dump.Pos{File: "d.sql", Line: 40}, dump.Pos{File: "d.sql", Line: 640}, "d.sql:640: public.m.code: invalid escape at byte 3 of the field: escape produces a NUL byte"},
		{dump.Pos{File: "d.dump", Entry: 7}, dump.Pos{File: "d.dump", Entry: 7, Row: 600}, "d.dump#7:600: public.m.code: invalid escape"},
		{dump.Pos{File: "db"}, dump.Pos{File: "db", Table: qn("m"), Row: 600}, "db:public.m:row 600: public.m.code: invalid escape"},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 4} {
			eng, _, _ := engineFor(t, workers)
			_, err := writeTable(t, eng, mEntry(c.pos), rows)
			eng.Close()
			re := asRowError(t, err)
			if re.Pos != c.want || re.Column != "code" || re.Table != qn("m") || re.Position() != c.want || !strings.HasPrefix(err.Error(), c.text) {
				t.Fatalf("%+v: error %q %+v, want at %+v", c.pos, err, re, c.want)
			}
			var ee interface{ Error() string }
			if ee = errors.Unwrap(err); ee == nil || !strings.Contains(ee.Error(), "escape produces a NUL byte") {
				t.Fatalf("unwrapped %v", ee)
			}
			if strings.Contains(err.Error(), "bad") {
				t.Fatalf("the error quotes the value: %v", err)
			}
		}
	}
}

// A row's fields are checked against the column list: too few is an
// error naming both counts; more pass through.
func TestRowFieldCount(t *testing.T) {
	cases := []struct {
		row, out, err string
	}{
		{"1\ta\tn\n", "1\ta\tn\n", ""},
		{"1\ta\tn\textra\tmore\n", "1\ta\tn\textra\tmore\n", ""},
		// Fields after the last one masked or read pass as they are.
		{"1\ta\n", "1\ta\n", ""},
		{"1\n", "", "row has 1 fields, the table has 3 columns"},
		{"\n", "", "row has 1 fields, the table has 3 columns"},
	}
	for _, c := range cases {
		eng, _, _ := engineFor(t, 1)
		out, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 3}), "0\tz\tn\n", c.row)
		eng.Close()
		if c.err == "" {
			if err != nil || out != "0\tz\tn\n"+c.out {
				t.Fatalf("%q: %q, %v", c.row, out, err)
			}
			continue
		}
		re := asRowError(t, err)
		if re.Pos.Line != 5 || re.Column != "" || err.Error() != "d.sql:5: public.m: "+c.err {
			t.Fatalf("%q: %v", c.row, err)
		}
	}
	// With the last column masked, every field is needed.
	_, inv, err := openScript(t, engDump)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, strings.Replace(upRules, "note: keep", "note: lorem", 1))
	if err != nil {
		t.Fatal(err)
	}
	eng := NewEngine(plan, inv.Catalog, 2)
	_, err = writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 3}), "0\tz\tn\n1\ta\n")
	eng.Close()
	if re := asRowError(t, err); re.Pos.Line != 5 || err.Error() != "d.sql:5: public.m: row has 2 fields, the table has 3 columns" {
		t.Fatalf("short row: %v", err)
	}
}

// CRLF rows keep their line ends, and errors their lines.
func TestCRLFRows(t *testing.T) {
	script := strings.ReplaceAll(codeDump("1\tk1\tn\n2\tx\tn\n3\tdup-k1\tn\n"), "\n", "\r\n")
	_, _, err := runScript(t, script, dropDup, Options{})
	ce := asCollision(t, err)
	if want := lineOf(t, script, "3\tdup-k1"); ce.Pos.Line != want {
		t.Fatalf("collision at %+v, want line %d", ce.Pos, want)
	}
	script = strings.ReplaceAll(codeDump("1\tk1\tn\n2\tdup-x\tn\n3\tk3\tn\n"), "\n", "\r\n")
	out, _, err := runScript(t, script, dropDup, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "FROM stdin;\r\n1\tk1\tn\r\n2\tx\tn\r\n3\tk3\tn\r\n\\.\r\n") {
		t.Fatalf("CRLF rows:\n%q", out)
	}
	// A masked last column: the CR is not part of its value.
	script = strings.ReplaceAll(strings.Replace(codeDump("1\tn\tk1\n2\tn\tdup-x\n"), "(id, code, note)", "(id, note, code)", 1), "\n", "\r\n")
	out, _, err = runScript(t, script, dropDup, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "FROM stdin;\r\n1\tn\tk1\r\n2\tn\tx\r\n\\.\r\n") {
		t.Fatalf("CRLF rows, masked last column:\n%q", out)
	}
}

// A masker that panics fails the run with an error located at its row.
type panicMasker struct{ on string }

func (m panicMasker) Mask(_ *masking.Scratch, dst, value []byte) ([]byte, error) {
	if string(value) == m.on {
		panic("masker bug")
	}
	return append(dst, value...), nil
}

func TestMaskerPanicIsAnError(t *testing.T) {
	rows := rowsOf(1500, func(i int) string { return fmt.Sprintf("%d\tc%d\tn", i, i) })
	for _, huge := range []bool{false, true} {
		for _, workers := range []int{1, 4} {
			eng, _, plan := engineFor(t, workers)
			cp := plan.Tables[qn("m")].Columns["code"]
			cp.Cell = masking.Wrap(panicMasker{on: "c1234"}, cp.Cell.Column())
			var err error
			run := func() { _, err = writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 10}), rows) }
			if huge {
				withThresholds(1, 1<<62, run)
			} else {
				run()
			}
			eng.Close()
			re := asRowError(t, err)
			if re.Pos.Line != 1244 || re.Column != "" || err.Error() != "d.sql:1244: public.m: internal error while masking: masker bug" {
				t.Fatalf("huge %v, %d workers: %v", huge, workers, err)
			}
		}
	}
}

// A masker's error names the column and the row.
type failMasker struct{ on string }

var errMasker = errors.New("cannot mask this")

func (m failMasker) Mask(_ *masking.Scratch, dst, value []byte) ([]byte, error) {
	if string(value) == m.on {
		return dst, errMasker
	}
	return append(dst, value...), nil
}

func TestMaskerErrorIsLocated(t *testing.T) {
	rows := rowsOf(1100, func(i int) string { return fmt.Sprintf("%d\tc%d\tn", i, i) })
	for _, on := range []string{"c1", "c512", "c513", "c1100"} {
		eng, _, plan := engineFor(t, 3)
		cp := plan.Tables[qn("m")].Columns["code"]
		cp.Cell = masking.Wrap(failMasker{on: on}, cp.Cell.Column())
		_, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 10}), rows)
		eng.Close()
		re := asRowError(t, err)
		n := 0
		fmt.Sscanf(on, "c%d", &n)
		if re.Pos.Line != 10+n || re.Column != "code" || !errors.Is(err, errMasker) {
			t.Fatalf("%s: %v", on, err)
		}
	}
}

// record checks fingerprints across calls and widens key ranges.
func TestEngineRecord(t *testing.T) {
	eng := &Engine{sets: map[*rules.Guard]*keySet{}, keys: map[*rules.ColumnPlan]keyRange{}}
	g := &rules.Guard{Name: "g", Columns: []string{"a"}}
	pg := &rules.Guard{Name: "pg", Columns: []string{"b"}, Partial: true}
	a, b := &rules.ColumnPlan{Name: "a"}, &rules.ColumnPlan{Name: "b"}
	pos := func(n int64) dump.Pos { return dump.Pos{Row: n} }
	q := qn("t")
	src := eng.addSource(q, pos)
	var r results
	r.note(a, 5)
	r.note(b, -3)
	r.note(a, 2)
	r.note(a, 9)
	r.cells = 4
	r.hits = append(r.hits, guardHit{g: g, fp: [2]uint64{1, 2}, row: 1}, guardHit{g: pg, fp: [2]uint64{1, 2}, in: [2]uint64{7, 7}, row: 1})
	if err := eng.record(&r, q, src); err != nil {
		t.Fatal(err)
	}
	if eng.keys[a].lo != 2 || eng.keys[a].hi != 9 || eng.keys[b].lo != -3 || eng.keys[b].hi != -3 || eng.cells.Load() != 4 {
		t.Fatalf("keys %+v %+v, cells %d", eng.keys[a], eng.keys[b], eng.cells.Load())
	}
	r.reset()
	if len(r.hits) != 0 || len(r.keys) != 0 || r.cells != 0 {
		t.Fatalf("reset left %+v", r)
	}
	r.note(a, 1)
	r.note(b, 4)
	r.cells = 1
	// Same masked key in the partial guard, same original: no collision;
	// a fingerprint differing in either half is another key.
	r.hits = append(r.hits, guardHit{g: pg, fp: [2]uint64{1, 2}, in: [2]uint64{7, 7}, row: 2},
		guardHit{g: g, fp: [2]uint64{1, 3}, row: 2}, guardHit{g: g, fp: [2]uint64{0, 2}, row: 2})
	if err := eng.record(&r, q, src); err != nil {
		t.Fatal(err)
	}
	if eng.keys[a].lo != 1 || eng.keys[a].hi != 9 || eng.keys[b].lo != -3 || eng.keys[b].hi != 4 || eng.cells.Load() != 5 {
		t.Fatalf("keys %+v %+v, cells %d", eng.keys[a], eng.keys[b], eng.cells.Load())
	}
	for _, h := range []guardHit{
		{g: pg, fp: [2]uint64{1, 2}, in: [2]uint64{7, 8}, row: 3}, // distinct originals
		{g: g, fp: [2]uint64{1, 2}, in: [2]uint64{7, 7}, row: 3},  // not partial
	} {
		r.reset()
		r.hits = append(r.hits, h)
		err := eng.record(&r, q, src)
		ce := asCollision(t, err)
		if ce.Pos.Row != 3 || ce.Key != h.g.Name || ce.Table != q || ce.Position().Row != 3 {
			t.Fatalf("collision %+v", ce)
		}
	}
}

// A guard's set is made as large as its table's row count, within the
// memory budget.
func TestKeySetSize(t *testing.T) {
	for _, tc := range []struct {
		rows   int64
		budget int64
		want   int
	}{
		{0, 0, minSlots}, {300, 0, minSlots}, {-1, 0, minSlots}, {3000, 0, 4096},
		{1 << 40, 0, 1 << 20}, // 24 MB of the default 32
		{1 << 40, 1 << 20, 1 << 15},
	} {
		eng := &Engine{sets: map[*rules.Guard]*keySet{}, keyMemory: tc.budget, expect: map[schema.QName]int64{qn("a"): tc.rows}}
		s := eng.keySetFor(&rules.Guard{Name: "g"}, qn("a"))
		if len(s.slots) != tc.want {
			t.Errorf("%d rows, budget %d: %d slots, want %d", tc.rows, tc.budget, len(s.slots), tc.want)
		}
		if eng.used > eng.budget() || eng.used != int64(len(s.slots))*slotBytes {
			t.Errorf("%d rows, budget %d: %d bytes used", tc.rows, tc.budget, eng.used)
		}
	}
}

// The error messages name what they locate, never the values.
func TestErrorMessages(t *testing.T) {
	ce := &CollisionError{Pos: dump.Pos{File: "d.sql", Line: 3}, Table: qn("t"), Key: "t_key", Columns: []string{"a", "B c"}}
	if got, want := ce.Error(), `d.sql:3: public.t: masked values collide on unique key t_key (a, "B c"); use hash_id for keys, or a masker with more entropy`; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if got := joinCols([]string{"x"}); got != "x" {
		t.Errorf("joinCols: %q", got)
	}
	if got := joinCols(nil); got != "" {
		t.Errorf("joinCols: %q", got)
	}
	re := &RowError{Pos: dump.Pos{File: "d.sql", Line: 4}, Table: qn("t"), Column: "Col", Err: errMasker}
	if got, want := re.Error(), `d.sql:4: public.t."Col": cannot mask this`; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	re.Column = ""
	if got, want := re.Error(), `d.sql:4: public.t: cannot mask this`; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	se := &SequenceError{Pos: dump.Pos{File: "d.sql", Line: 5}, Sequence: qn("s"), Msg: "too far"}
	if got, want := se.Error(), "d.sql:5: sequence public.s: too far"; got != want || se.Position().Line != 5 {
		t.Errorf("%s\nwant %s", got, want)
	}
	rf := &RefusedError{Pos: dump.Pos{File: "d.sql", Line: 6}, Msg: "no"}
	if got := rf.Error(); got != "d.sql:6: no" {
		t.Errorf("%s", got)
	}
	var _ dump.Positioned = ce
	var _ dump.Positioned = re
	var _ dump.Positioned = se
	var _ dump.Positioned = rf
}

// parseInt reads what hash_id writes for integer keys, and nothing else.
func TestParseInt(t *testing.T) {
	cases := []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true},
		{"7", 7, true},
		{"-7", -7, true},
		{"+7", 7, true},
		{"1234567890", 1234567890, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775807", -9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"9999999999999999999", 0, false},
		{"10000000000000000000", 0, false},
		{"1000000000000000000", 1000000000000000000, true},
		{"", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"1.5", 0, false},
		{"12a", 0, false},
		{"/", 0, false},
		{":", 0, false},
		{"--1", 0, false},
	}
	for _, c := range cases {
		n, ok := parseInt([]byte(c.in))
		if n != c.n || ok != c.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.ok)
		}
	}
}

// writeFolded hashes values as the index compares them.
func TestWriteFolded(t *testing.T) {
	sum := func(v string, f schema.Fold) uint64 {
		var h maphash.Hash
		h.SetSeed(fingerprintSeeds[0])
		writeFolded(&h, []byte(v), f)
		return h.Sum64()
	}
	if sum("Ab", schema.FoldLower) != sum("ab", schema.NoFold) || sum("Ab", schema.FoldUpper) != sum("AB", schema.NoFold) {
		t.Fatal("folds")
	}
	if sum("Ab", schema.NoFold) == sum("ab", schema.NoFold) || sum("ab", schema.FoldUpper) == sum("ab", schema.NoFold) {
		t.Fatal("no fold")
	}
	if sum("ÉÀ", schema.FoldLower) != sum("éà", schema.NoFold) || sum("éà", schema.FoldUpper) != sum("ÉÀ", schema.NoFold) {
		t.Fatal("non-ASCII folds")
	}
}

// oneDump is a table of one masked text column.
const oneDump = `CREATE TABLE public.one (
    v text
);

COPY public.one (v) FROM stdin;
a
\.
`

func oneEngine(t *testing.T, workers int) *Engine {
	t.Helper()
	_, inv, err := openScript(t, oneDump)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, "version: 1\ntables:\n  one:\n    v: {use: regex_replace, pattern: 'x', replacement: 'y'}\n")
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(plan, inv.Catalog, workers)
}

// Empty rows and bare CR line ends, first in a unit or not, through the
// paths for small and huge rows.
func TestEmptyRows(t *testing.T) {
	e := &dump.Entry{Desc: dump.TableData, Table: qn("one"), Columns: []string{"v"}, Pos: dump.Pos{File: "d.sql", Line: 1}}
	in := "\n\r\nx\r\n\nax\n\r\n"
	want := "\n\r\ny\r\n\nay\n\r\n"
	for _, item := range []int{1 << 62, 1, 3} {
		withThresholds(item, 1, func() {
			eng := oneEngine(t, 2)
			defer eng.Close()
			for _, chunks := range [][]string{{in}, strings.SplitAfter(in, "\n"), {"\n", "\r", "\nx", "\r\n\nax\n\r\n"}} {
				out, err := writeTable(t, eng, e, chunks...)
				if err != nil || out != want {
					t.Fatalf("item %d, chunks %q: %q, %v; want %q", item, chunks, out, err, want)
				}
			}
		})
	}
}

// A row that fails after an earlier one failed: the earlier error is the
// one returned, from either path.
func TestFirstErrorWins(t *testing.T) {
	rows := "1\tc1\tn\n2\tc2\tn\n3\tc3\tn\n4\t" + strings.Repeat("z", 300) + "\tn\n5\tc5\tn"
	for _, last := range []bool{false, true} {
		withThresholds(200, 1<<62, func() {
			eng, _, plan := engineFor(t, 2)
			defer eng.Close()
			cp := plan.Tables[qn("m")].Columns["code"]
			on := "c2"
			if last {
				on = "c5" // the last row, without a line end, read by Close
			}
			cp.Cell = masking.Wrap(failMasker{on: on}, cp.Cell.Column())
			_, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 1}), rows)
			re := asRowError(t, err)
			if want := map[bool]int{false: 3, true: 6}[last]; re.Pos.Line != want || !errors.Is(err, errMasker) {
				t.Fatalf("last %v: %v", last, err)
			}
		})
	}
	// A huge last row without a line end that fails.
	withThresholds(200, 1<<62, func() {
		eng, _, plan := engineFor(t, 2)
		defer eng.Close()
		cp := plan.Tables[qn("m")].Columns["code"]
		cp.Cell = masking.Wrap(failMasker{on: strings.Repeat("z", 300)}, cp.Cell.Column())
		out, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 1}), "1\tc1\tn\n2\t"+strings.Repeat("z", 300)+"\tn")
		if re := asRowError(t, err); re.Pos.Line != 3 || out != "1\tc1\tn\n" {
			t.Fatalf("%q, %v", out, err)
		}
	})
}

// A huge masked value is decoded in place: a bad escape is still an error
// naming the column.
func TestHugeValueBadEscape(t *testing.T) {
	withThresholds(1<<62, 4, func() {
		eng, _, _ := engineFor(t, 1)
		defer eng.Close()
		out, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 1}), "1\tabc\\tdx\tn\n2\tabcdef\\x00\tn\n")
		re := asRowError(t, err)
		if re.Pos.Line != 3 || re.Column != "code" || !strings.Contains(err.Error(), "escape produces a NUL byte") || out != "" {
			t.Fatalf("%q, %v", out, err)
		}
	})
}

// A huge row's output written in pieces: a failing output fails the row.
func TestHugeRowOutputError(t *testing.T) {
	boom := errors.New("boom")
	for _, value := range []int{1, 1 << 62} {
		withThresholds(1, value, func() {
			eng, _, _ := engineFor(t, 1)
			defer eng.Close()
			tw := eng.Table(context.Background(), mEntry(dump.Pos{File: "d.sql", Line: 1}), errWriter{boom})
			_, err := tw.Write([]byte("1\tabc\tn\n"))
			if cerr := tw.Close(); !errors.Is(err, boom) || !errors.Is(cerr, boom) {
				t.Fatalf("bigValue %d: %v, %v", value, err, cerr)
			}
		})
	}
}

// countWriter fails after n writes.
type countWriter struct {
	n   int
	buf bytes.Buffer
}

func (w *countWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("full")
	}
	w.n--
	return w.buf.Write(p)
}

// Each piece of a huge row is checked.
func TestHugeRowPieces(t *testing.T) {
	// id, code (masked), note (passed): pieces are id+tab, code (escaped,
	// in chunks), tab, note, line end.
	long := strings.Repeat("ab\\t", 40000) // over 64 KiB encoded
	for n := 0; n < 8; n++ {
		withThresholds(1, 1, func() {
			eng, _, _ := engineFor(t, 1)
			defer eng.Close()
			w := &countWriter{n: n}
			tw := eng.Table(context.Background(), mEntry(dump.Pos{File: "d.sql", Line: 1}), w)
			_, err := tw.Write([]byte("1\t" + long + "\t" + long + "\n"))
			cerr := tw.Close()
			if err == nil {
				if cerr != nil || w.buf.String() != "1\t"+long+"\t"+long+"\n" {
					t.Fatalf("%d writes: %v (%d bytes)", n, cerr, w.buf.Len())
				}
				return
			}
			if err.Error() != "full" && !strings.Contains(err.Error(), "full") {
				t.Fatalf("%d writes: %v", n, err)
			}
		})
	}
}

// A guarded key whose columns the data does not list is not checked; the
// rows still pass.
func TestGuardOutsideColumnList(t *testing.T) {
	eng, _, _ := engineFor(t, 1)
	defer eng.Close()
	e := &dump.Entry{Desc: dump.TableData, Table: qn("m"), Columns: []string{"id", "note"}, Pos: dump.Pos{File: "d.sql", Line: 1}}
	out, err := writeTable(t, eng, e, "1\tx\n2\tx\n")
	if err != nil || out != "1\tx\n2\tx\n" {
		t.Fatalf("%q, %v", out, err)
	}
}

// recWriter records each Write.
type recWriter struct{ writes []string }

func (w *recWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// A huge row is written in pieces: what is made so far, then each huge
// value straight from the input (passed through) or escaped a chunk of
// 64 KiB at a time (masked); small values go with the next piece.
func TestHugeRowWrites(t *testing.T) {
	long := strings.Repeat("ab\\t", 30000)    // 120000 bytes raw, 90000 decoded
	longOut := strings.Repeat("ab\\t", 30000) // masked alike (no x)
	cases := []struct {
		value int
		row   string
		want  []string
	}{
		// bigValue 3: "123" and "abc" are huge, "no" is not.
		{3, "123\tabc\tno\n", []string{"", "123", "\t", "abc", "\tno\n"}},
		{3, "12\tab\tnop\n", []string{"12\tab\t", "nop", "\n"}},
		{3, "12\t\\N\tnop\n", []string{"12\t\\N\t", "nop", "\n"}},
		{4, "123\tabc\tno\n", []string{"123\tabc\tno\n"}},
		{4, "1234\tabcx\tno\r\n", []string{"", "1234", "\tabc\tno\r\n"}},
		{1 << 20, "1\t" + long + "\t" + long + "\n", []string{"1\t" + longOut + "\t" + long + "\n"}},
	}
	for _, c := range cases {
		withThresholds(1, c.value, func() {
			eng, _, _ := engineFor(t, 1)
			defer eng.Close()
			w := &recWriter{}
			tw := eng.Table(context.Background(), mEntry(dump.Pos{File: "d.sql", Line: 1}), w)
			if _, err := tw.Write([]byte(c.row)); err != nil {
				t.Fatal(err)
			}
			if err := tw.Close(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(w.writes, c.want) {
				t.Fatalf("bigValue %d, row %.40q: writes %.200q, want %.200q", c.value, c.row, w.writes, c.want)
			}
		})
	}
	// A masked value over 64 KiB goes out in chunks of 64 KiB of its
	// decoded bytes.
	withThresholds(1, 1000, func() {
		eng, _, _ := engineFor(t, 1)
		defer eng.Close()
		w := &recWriter{}
		tw := eng.Table(context.Background(), mEntry(dump.Pos{File: "d.sql", Line: 1}), w)
		if _, err := tw.Write([]byte("1\t" + long + "\tno\n")); err != nil {
			t.Fatal(err)
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		decoded := strings.Repeat("ab\t", 30000)
		enc := func(s string) string { return strings.ReplaceAll(s, "\t", "\\t") }
		want := []string{"1\t", enc(decoded[:64<<10]), enc(decoded[64<<10:]), "\tno\n"}
		if !slices.Equal(w.writes, want) {
			t.Fatalf("writes of %d pieces, want %d", len(w.writes), len(want))
		}
	})
}

// A row exactly bigItem long takes the path for huge rows: the rows before
// it are written before it is masked.
func TestHugeRowThreshold(t *testing.T) {
	huge := "4\t" + strings.Repeat("z", 30) + "\tn\n"
	for _, item := range []int{len(huge), len(huge) + 1} {
		withThresholds(item, 1<<62, func() {
			eng, _, plan := engineFor(t, 2)
			defer eng.Close()
			cp := plan.Tables[qn("m")].Columns["code"]
			cp.Cell = masking.Wrap(failMasker{on: strings.Repeat("z", 30)}, cp.Cell.Column())
			out, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 1}), "1\tc1\tn\n2\tc2\tn\n"+huge)
			if re := asRowError(t, err); re.Pos.Line != 4 {
				t.Fatalf("%v", err)
			}
			if want := map[bool]string{true: "1\tc1\tn\n2\tc2\tn\n", false: ""}[item == len(huge)]; out != want {
				t.Fatalf("bigItem %d: %q written, want %q", item, out, want)
			}
		})
	}
}

// A huge masked value is decoded in place, escapes at its start too.
func TestHugeValueInPlace(t *testing.T) {
	withThresholds(1<<62, 4, func() {
		eng, _, _ := engineFor(t, 1)
		defer eng.Close()
		out, err := writeTable(t, eng, mEntry(dump.Pos{File: "d.sql", Line: 1}), "1\t\\tdx\\\\\tn\n2\tabcx\tn\n3\tab\tn\n")
		if err != nil || out != "1\t\\td\\\\\tn\n2\tabc\tn\n3\tab\tn\n" {
			t.Fatalf("%q, %v", out, err)
		}
	})
}

// A partial key fingerprints original values too: a huge value of such a
// table is not decoded over its raw text, which would make distinct
// originals (\101 and A101) look alike.
func TestPartialKeyHugeOriginals(t *testing.T) {
	const ddl = `CREATE TABLE public.k (
    id integer NOT NULL,
    code text,
    kind text
);

COPY public.k (id, code, kind) FROM stdin;
1	\101	a
2	A101	a
\.

CREATE UNIQUE INDEX k_code ON public.k USING btree (code) WHERE (kind = 'a'::text);
`
	rulesYAML := "version: 1\ntables:\n  k:\n    id: keep\n    kind: keep\n    code: {use: regex_replace, pattern: '[0-9]', replacement: ''}\n"
	for _, value := range []int{1 << 62, 1} {
		var err error
		withThresholds(1<<62, value, func() { _, _, err = runScript(t, ddl, rulesYAML, Options{}) })
		if ce := asCollision(t, err); ce.Pos.Line != lineOf(t, ddl, "2\tA101") {
			t.Fatalf("bigValue %d: %+v", value, ce)
		}
	}
}
