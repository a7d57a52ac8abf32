package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
)

const tplDump = `CREATE TABLE public.p (
    id integer NOT NULL,
    first text,
    label text,
    city text,
    code text
);

COPY public.p (id, first, label, city, code) FROM stdin;
%s\.

INSERT INTO public.p VALUES %s;

ALTER TABLE ONLY public.p
    ADD CONSTRAINT p_code_key UNIQUE (code);
`

// first → "F" + the value's tail, code: "dup-" dropped; the label reads
// first (masked), city (kept) and code (masked).
const tplRules = `version: 1
tables:
  p:
    id: keep
    city: keep
    first: {use: regex_replace, pattern: '^.', replacement: 'F'}
    code: {use: regex_replace, pattern: '^dup-', replacement: ''}
    label: {use: template, template: '{{.first}}/{{.city}}/{{.code}}'}
`

// A template reads the masked values of masked columns and the original
// values of the others, NULL as empty, in COPY rows and INSERTs alike.
func TestTemplateReadsMaskedAndUnmasked(t *testing.T) {
	copyRows := "1\talice\tx\tParis\tdup-a\n" +
		"2\t\\N\tx\tSaint\\tDenis\tb\n" +
		"3\tbob\t\\N\t\\N\t\\N\n"
	inserts := "(4, 'carol', 'x', 'Lyon', 'dup-c'), (5, NULL, NULL, 'O''Hare', 'd')"
	out, st, err := runScript(t, fmt.Sprintf(tplDump, copyRows, inserts), tplRules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1\tFlice\tFlice/Paris/a\tParis\ta\n",
		"2\t\\N\t/Saint\\tDenis/b\tSaint\\tDenis\tb\n",
		"3\tFob\tFob//\t\\N\t\\N\n",
		"INSERT INTO public.p VALUES (4, 'Farol', 'Farol/Lyon/c', 'Lyon', 'c'), (5, NULL, '/O''Hare/d', 'O''Hare', 'd');",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Masked cells: first (3 non-NULL), code (4 non-NULL), label (5).
	if st.MaskedCells != 3+4+5 || st.Rows != 5 {
		t.Errorf("stats %+v", st)
	}
}

// A template cannot read a value it cannot decode (COPY) or that is not a
// literal (INSERT): the row fails, naming the template's column.
func TestTemplateUnreadableInput(t *testing.T) {
	script := fmt.Sprintf(tplDump, "1\talice\tx\tbad\\000\ta\n", "(2, 'b', 'x', 'c', 'd')")
	_, _, err := runScript(t, script, tplRules, Options{})
	re := asRowError(t, err)
	if re.Column != "label" || re.Pos.Line != lineOf(t, script, "1\talice") || !strings.Contains(err.Error(), "escape produces a NUL byte") {
		t.Fatalf("undecodable input: %v", err)
	}

	// INSERT: DEFAULT and expressions are not values.
	eng, _, _ := tplEngine(t)
	defer eng.Close()
	vm := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("p"), Format: dump.SQL})
	for _, c := range []struct {
		i       int
		def, op bool
	}{{3, true, false}, {3, false, true}} {
		row := newRow("9", "bob", "x", "c", "d")
		row.Default[c.i], row.Opaque[c.i] = c.def, c.op
		err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 7})
		re := asRowError(t, err)
		if re.Column != "label" || !errors.Is(err, errUnreadable) || re.Pos.Line != 7 {
			t.Fatalf("%+v: %v", c, err)
		}
	}
}

// tplEngine is an engine for tplDump's plan.
func tplEngine(t *testing.T) (*Engine, *dump.Inventory, *rules.Plan) {
	t.Helper()
	_, inv, err := openScript(t, fmt.Sprintf(tplDump, "", "(1, 'a', 'b', 'c', 'd')"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, tplRules)
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(plan, inv.Catalog, 1), inv, plan
}

// newRow is a row of literal values ("NULL" for NULL).
func newRow(vals ...string) *dump.Row {
	r := &dump.Row{Null: make([]bool, len(vals)), Opaque: make([]bool, len(vals)), Default: make([]bool, len(vals)), Changed: make([]bool, len(vals))}
	for i, v := range vals {
		if v == "NULL" {
			r.Values = append(r.Values, nil)
			r.Null[i] = true
		} else {
			r.Values = append(r.Values, []byte(v))
		}
	}
	return r
}

// The RowMasker of an INSERT entry: which values it reads, what it
// changes, and where its errors are.
func TestValueMasker(t *testing.T) {
	eng, _, plan := tplEngine(t)
	defer eng.Close()
	vm := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("p"), Format: dump.SQL})
	if vm.Skip() || !vm.Masks() {
		t.Fatal("p is masked")
	}
	for i, want := range []bool{true, true, true, true, true, false, false} {
		if vm.Reads(i) != want {
			t.Errorf("Reads(%d) = %v", i, !want)
		}
	}
	row := newRow("1", "alice", "x", "Paris", "dup-a")
	row.Default[0] = true
	if err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 3}); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%q %v %v", row.Values, row.Null, row.Changed)
	if want := `["1" "Flice" "Flice/Paris/a" "Paris" "a"] [false false false false false] [false true true false true]`; got != want {
		t.Fatalf("row %s\nwant %s", got, want)
	}
	// A DEFAULT in a masked column stays DEFAULT; a NULL stays NULL.
	row = newRow("2", "NULL", "x", "Lyon", "b")
	row.Default[4] = true
	if err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 4}); err != nil {
		t.Fatal(err)
	}
	got = fmt.Sprintf("%q %v %v", row.Values, row.Null, row.Changed)
	if want := `["2" "" "/Lyon/" "Lyon" "b"] [false true false false false] [false true true false false]`; got != want {
		t.Fatalf("row %s\nwant %s", got, want)
	}
	// A collision is located at the row.
	row = newRow("3", "x", "x", "y", "a")
	err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 5})
	if ce := asCollision(t, err); ce.Pos.Line != 5 || ce.Key != "p_code_key" {
		t.Fatalf("collision %+v", ce)
	}
	// An expression in a masked column cannot be masked: the error names
	// the column and, when the row says, its value's line.
	for _, lines := range [][]int{nil, {10, 11, 12, 13, 14}, {10, 11}} {
		row = newRow("4", "expr", "x", "y", "e")
		row.Opaque[1] = true
		row.Lines = lines
		err = vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 6})
		re := asRowError(t, err)
		want := 6
		if len(lines) == 5 {
			want = 11
		}
		if re.Column != "first" || re.Pos.Line != want || !errors.Is(err, errUnreadable) {
			t.Fatalf("lines %v: %v", lines, err)
		}
	}
	// A masker's error too.
	cp := plan.Tables[qn("p")].Columns["code"]
	cell := cp.Cell
	cp.Cell = masking.Wrap(failMasker{on: "bad"}, cell.Column())
	row = newRow("4", "ok", "x", "y", "bad")
	row.Lines = []int{20, 21, 22, 23, 24}
	err = vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 19})
	if re := asRowError(t, err); re.Column != "code" || re.Pos.Line != 24 || !errors.Is(err, errMasker) {
		t.Fatalf("masker error: %v", err)
	}
	cp.Cell = cell
	// Too many or too few values.
	for _, row := range []*dump.Row{newRow("5", "a", "b", "c"), newRow("5", "a", "b", "c", "d", "e")} {
		err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 8})
		re := asRowError(t, err)
		if want := fmt.Sprintf("d.sql:8: public.p: the INSERT has %d values for 5 columns", len(row.Values)); err.Error() != want || re.Column != "" {
			t.Fatalf("%v, want %s", err, want)
		}
	}
	if n := eng.rows.Load(); n != 9 {
		t.Errorf("%d rows counted", n)
	}
	// Rows without lines (an archive's INSERT data) are located by their
	// number in the entry.
	at := dump.Pos{File: "d.dump", Entry: 7}
	av := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("p"), Format: dump.SQL, Pos: at})
	for i, code := range []string{"dup-q", "r"} {
		if err := av.MaskRow(newRow(fmt.Sprint(10+i), "n", "x", "y", code), at); err != nil {
			t.Fatal(err)
		}
	}
	err = av.MaskRow(newRow("12", "n", "x", "y", "q"), at)
	if ce := asCollision(t, err); ce.Pos.Line != 0 || ce.Pos.Row != 3 || ce.Pos.Entry != 7 {
		t.Fatalf("collision in an archive's rows %+v", ce.Pos)
	}
}

// A RowMasker for a kept table reads nothing; one for a skipped table drops
// every row.
func TestValueMaskerKeepAndSkip(t *testing.T) {
	eng, _, _ := engineFor(t, 1)
	defer eng.Close()
	k := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("k"), Format: dump.SQL})
	if k.Skip() || k.Masks() || k.Reads(0) {
		t.Fatal("k is kept")
	}
	row := newRow("1", "a")
	if err := k.MaskRow(row, dump.Pos{}); err != nil || row.Changed[0] || row.Changed[1] {
		t.Fatalf("kept row: %v %v", err, row.Changed)
	}
	s := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("s"), Format: dump.SQL})
	if !s.Skip() || s.Masks() {
		t.Fatal("s is skipped")
	}
	if err := s.MaskRow(newRow("1", "a"), dump.Pos{}); err != nil {
		t.Fatal(err)
	}
	m := eng.Values(&dump.Entry{Desc: dump.TableData, Table: qn("m"), Format: dump.SQL, Columns: []string{"id", "code", "note"}})
	if m.Skip() || !m.Masks() || !m.Reads(0) || !m.Reads(1) || m.Reads(2) {
		t.Fatal("m reads id and code")
	}
	if r, s := eng.rows.Load(), eng.skipped.Load(); r != 1 || s != 1 {
		t.Fatalf("rows %d, skipped %d", r, s)
	}
}

// INSERTs of a skipped table are dropped (their comments kept); the
// table's COPY block is kept, empty.
func TestSkipDropsRows(t *testing.T) {
	script := engDump + "\n-- before\nINSERT INTO public.s VALUES (2, 'b'), (3, 'c');\nINSERT INTO public.s VALUES (4, 'd');\n\nINSERT INTO public.k VALUES (2, 'b');\n"
	out, st, err := runScript(t, script, upRules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "COPY public.s (id, v) FROM stdin;\n\\.\n") || strings.Contains(out, "INSERT INTO public.s") || !strings.Contains(out, "-- before\n") {
		t.Fatalf("skipped table:\n%s", out)
	}
	if !strings.Contains(out, "INSERT INTO public.k VALUES (2, 'b');\n") || !strings.Contains(out, "COPY public.k (id, v) FROM stdin;\n1\ta\n\\.\n") {
		t.Fatalf("kept table:\n%s", out)
	}
	// The rows of INSERTs a source passes through (or drops) without
	// MaskRow count too: 3 INSERT rows skipped and 1 kept, besides COPY's.
	if st.SkippedRows != 4 || st.Rows != 3 || st.Tables != 3 || st.MaskedCells != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// INSERT rows are checked for collisions with the COPY rows of the same
// table, and located at their line.
func TestInsertCollision(t *testing.T) {
	script := fmt.Sprintf(tplDump, "1\talice\tx\tParis\ta\n", "(2, 'bob', 'x', 'Lyon', 'b'),\n    (3, 'carol', 'x', 'Nice', 'dup-a')")
	_, _, err := runScript(t, script, tplRules, Options{})
	ce := asCollision(t, err)
	if want := lineOf(t, script, "(3, 'carol'"); ce.Pos.Line != want || ce.Key != "p_code_key" {
		t.Fatalf("collision %+v, want line %d", ce, want)
	}
}

// A template input the data does not list reads as NULL.
func TestTemplateInputNotInData(t *testing.T) {
	eng, _, _ := tplEngine(t)
	defer eng.Close()
	e := &dump.Entry{Desc: dump.TableData, Table: qn("p"), Columns: []string{"id", "first", "label", "code"}, Pos: dump.Pos{File: "d.sql", Line: 1}}
	out, err := writeTable(t, eng, e, "1\talice\tx\tdup-a\n")
	if err != nil || out != "1\tFlice\tFlice//a\ta\n" {
		t.Fatalf("%q, %v", out, err)
	}
	vm := eng.Values(e)
	row := newRow("2", "bob", "x", "b")
	if err := vm.MaskRow(row, dump.Pos{File: "d.sql", Line: 2}); err != nil || string(row.Values[2]) != "Fob//b" {
		t.Fatalf("%q, %v", row.Values, err)
	}
}

// An INSERT without a column list holds every column, generated ones too
// (as DEFAULT); a COPY without one leaves those out.
func TestInsertWithoutColumnList(t *testing.T) {
	out, err := maskString(t, twoTables+"\nINSERT INTO public.b VALUES (2, DEFAULT, 'secret note');\n", "version: 1\ntables:\n  a: keep\n  b:\n    id: keep\n    note: {use: regex_replace, pattern: 'secret', replacement: 'public'}\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "INSERT INTO public.b VALUES (2, DEFAULT, 'public note');") || !strings.Contains(out, "1\thello note\n") {
		t.Fatalf("output:\n%s", out)
	}
}
