package pipeline

import (
	"fmt"
	"strings"
	"testing"
)

// codeDump is a table whose code is unique, with rows for the COPY block.
func codeDump(rows string) string {
	return `CREATE TABLE public.t (
    id integer NOT NULL,
    code text NOT NULL,
    note text
);

COPY public.t (id, code, note) FROM stdin;
` + rows + `\.

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_code_key UNIQUE (code);
`
}

// dropDup masks "dup-X" to "X" and leaves every other code alone: a row
// whose code is dup-X collides with the row whose code is X.
const dropDup = "version: 1\ntables:\n  t:\n    id: keep\n    note: keep\n    code: {use: regex_replace, pattern: '^dup-', replacement: ''}\n"

// Rows are masked in units of 512: a collision is found wherever its two
// rows are, within a unit, across the boundary of two units or far apart,
// and it is located at the later row, whatever the number of workers.
func TestCollisionAcrossUnits(t *testing.T) {
	const n = 1300
	for _, at := range []int{2, 511, 512, 513, 514, 1024, 1025, 1100, n} {
		for _, first := range []int{1, 500, 512, 513} {
			if first >= at {
				continue
			}
			script := codeDump(rowsOf(n, func(i int) string {
				if i == at {
					return fmt.Sprintf("%d\tdup-k%05d\tn", i, first)
				}
				return fmt.Sprintf("%d\tk%05d\tn", i, i)
			}))
			header := lineOf(t, script, "COPY public.t")
			for _, workers := range []int{1, 4} {
				_, _, err := runScript(t, script, dropDup, Options{Workers: workers})
				ce := asCollision(t, err)
				if ce.Pos.Line != header+at || ce.Key != "t_code_key" || ce.Table.String() != "public.t" || len(ce.Columns) != 1 || ce.Columns[0] != "code" {
					t.Fatalf("rows %d and %d, %d workers: collision %+v, want line %d", first, at, workers, ce, header+at)
				}
			}
		}
	}
}

// Without a collision every row comes out, masked, in order, and the
// output does not depend on the number of workers.
func TestNoCollisionKeepsEveryRow(t *testing.T) {
	const n = 1300
	script := codeDump(rowsOf(n, func(i int) string {
		if i%3 == 0 {
			return fmt.Sprintf("%d\tdup-k%05d\tn", i, i)
		}
		return fmt.Sprintf("%d\tk%05d\tn", i, i)
	}))
	var first string
	for _, workers := range []int{1, 4} {
		out, st, err := runScript(t, script, dropDup, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		rows := copyRows(t, out, "public.t")
		if len(rows) != n {
			t.Fatalf("%d rows, want %d", len(rows), n)
		}
		for i, r := range rows {
			if want := fmt.Sprintf("%d\tk%05d\tn", i+1, i+1); r != want {
				t.Fatalf("row %d: %q, want %q", i+1, r, want)
			}
		}
		if st.Rows != n || st.Tables != 1 || st.MaskedCells != n || st.SkippedRows != 0 {
			t.Fatalf("stats %+v", st)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatal("output differs with the number of workers")
		}
	}
}

// A key spanning two tables' rows (a partitioned table's key) is checked
// across them; tables with keys of their own are not.
func TestCollisionAcrossPartitions(t *testing.T) {
	ddl := `CREATE TABLE public.ev (
    id integer NOT NULL,
    part integer NOT NULL,
    code text
) PARTITION BY LIST (part);

CREATE TABLE public.ev_1 (
    id integer NOT NULL,
    part integer NOT NULL,
    code text
);

CREATE TABLE public.ev_2 (
    id integer NOT NULL,
    part integer NOT NULL,
    code text
);

CREATE TABLE public.other (
    id integer NOT NULL,
    code text
);

ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_1 FOR VALUES IN (1);

ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_2 FOR VALUES IN (2);

`
	keys := `
ALTER TABLE ONLY public.ev
    ADD CONSTRAINT ev_code_key UNIQUE (code);

ALTER TABLE ONLY public.other
    ADD CONSTRAINT other_code_key UNIQUE (code);
`
	rulesYAML := "version: 1\ntables:\n  ev:\n    id: keep\n    part: keep\n    code: {use: regex_replace, pattern: '^dup-', replacement: ''}\n" +
		"  other:\n    id: keep\n    code: {use: regex_replace, pattern: '^dup-', replacement: ''}\n"
	data := func(ev2 string) string {
		return "COPY public.ev_1 (id, part, code) FROM stdin;\n1\t1\ta\n2\t1\tb\n\\.\n\n" +
			"COPY public.other (id, code) FROM stdin;\n1\ta\n2\tb\n\\.\n\n" +
			"COPY public.ev_2 (id, part, code) FROM stdin;\n3\t2\tc\n" + ev2 + "\\.\n"
	}
	// Equal values in another table with its own key are no collision.
	out, _, err := runScript(t, ddl+data("4\t2\td\n")+keys, rulesYAML, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := copyRows(t, out, "public.ev_2"); strings.Join(got, "|") != "3\t2\tc|4\t2\td" {
		t.Fatalf("ev_2 rows %q", got)
	}
	script := ddl + data("4\t2\tdup-b\n") + keys
	_, _, err = runScript(t, script, rulesYAML, Options{})
	ce := asCollision(t, err)
	if want := lineOf(t, script, "4\t2\tdup-b"); ce.Pos.Line != want || ce.Table.String() != "public.ev_2" || ce.Key != "ev_code_key" {
		t.Fatalf("collision %+v, want line %d in public.ev_2", ce, want)
	}
	// The same through tables copied in parallel.
	for _, par := range []int{1, 3} {
		src := newMemSource(t, script, par)
		plan, err := planFor(t, src.inv, rulesYAML)
		if err != nil {
			t.Fatal(err)
		}
		sink := newMemSink(par)
		_, err = Run(t.Context(), src, src.inv, sink, plan, Options{Workers: 2})
		ce := asCollision(t, err)
		if ce.Key != "ev_code_key" || (ce.Table.String() != "public.ev_2" && ce.Table.String() != "public.ev_1") {
			t.Fatalf("parallel %d: collision %+v", par, ce)
		}
		if sink.aborted != 1 || sink.committed != 0 {
			t.Fatalf("parallel %d: aborted %d, committed %d", par, sink.aborted, sink.committed)
		}
	}
}

const pairDump = `CREATE TABLE public.p (
    id integer NOT NULL,
    a text,
    b text
);

COPY public.p (id, a, b) FROM stdin;
%s\.

%s
`

// A key with a NULL never collides, as in PostgreSQL, unless the key says
// NULLS NOT DISTINCT.
func TestNullsInGuardedKeys(t *testing.T) {
	rulesYAML := "version: 1\ntables:\n  p:\n    id: keep\n    b: keep\n    a: {use: regex_replace, pattern: '^dup-', replacement: ''}\n"
	cases := []struct {
		name, rows, key string
		collide         int // the row that collides, 0 for none
	}{
		{"null in kept column", "1\tx\t\\N\n2\tdup-x\t\\N\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE (a, b);", 0},
		{"null first", "1\tx\t\\N\n2\tdup-x\t\\N\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE (b, a);", 0},
		{"null in masked column", "1\t\\N\ty\n2\t\\N\ty\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE (a, b);", 0},
		{"no null", "1\tx\ty\n2\tdup-x\ty\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE (a, b);", 2},
		{"nulls not distinct", "1\tx\t\\N\n2\tdup-x\t\\N\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE NULLS NOT DISTINCT (a, b);", 2},
		{"nulls not distinct, null first", "1\tx\t\\N\n2\tdup-x\t\\N\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE NULLS NOT DISTINCT (b, a);", 2},
		{"nulls not distinct, masked nulls", "1\t\\N\ty\n2\t\\N\ty\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE NULLS NOT DISTINCT (a, b);", 2},
		// NULL is not a value: not the empty string, nor the text \N.
		{"nulls not distinct, null and empty", "1\t\\N\ty\n2\t\ty\n3\t\\\\N\ty\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE NULLS NOT DISTINCT (a, b);", 0},
		{"nulls not distinct, distinct", "1\tx\t\\N\n2\tdup-y\t\\N\n", "ALTER TABLE ONLY public.p\n    ADD CONSTRAINT p_key UNIQUE NULLS NOT DISTINCT (a, b);", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := fmt.Sprintf(pairDump, c.rows, c.key)
			_, _, err := runScript(t, script, rulesYAML, Options{})
			if c.collide == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ce := asCollision(t, err)
			if want := lineOf(t, script, "COPY") + c.collide; ce.Pos.Line != want || ce.Key != "p_key" {
				t.Fatalf("collision %+v, want line %d", ce, want)
			}
		})
	}
}

// A partial key's original values may repeat outside its WHERE: equal
// originals masked alike are no collision, distinct ones are.
func TestPartialKeys(t *testing.T) {
	const ddl = `CREATE TABLE public.k (
    id integer NOT NULL,
    code text,
    kind text
);

COPY public.k (id, code, kind) FROM stdin;
%s\.

CREATE UNIQUE INDEX k_code ON public.k USING btree (code) WHERE (kind = 'a'::text);
`
	rulesYAML := "version: 1\ntables:\n  k:\n    id: keep\n    kind: keep\n    code: {use: regex_replace, pattern: '^dup-', replacement: ''}\n"
	cases := []struct {
		name, rows string
		collide    int
	}{
		{"equal originals", "1\tx\tb\n2\tx\tb\n3\tx\ta\n", 0},
		{"equal originals far apart", rowsOf(1200, func(i int) string {
			if i%400 == 1 {
				return fmt.Sprintf("%d\tsame\tb", i)
			}
			return fmt.Sprintf("%d\tc%d\ta", i, i)
		}), 0},
		{"distinct originals", "1\tx\tb\n2\ty\tb\n3\tdup-x\ta\n", 3},
		{"distinct originals far apart", rowsOf(1200, func(i int) string {
			if i == 1100 {
				return fmt.Sprintf("%d\tdup-c7\tb", i)
			}
			return fmt.Sprintf("%d\tc%d\ta", i, i)
		}), 1100},
		{"nulls", "1\t\\N\ta\n2\t\\N\ta\n", 0},
		// NULLS NOT DISTINCT: NULLs are equal values, and equal originals.
		{"nulls not distinct", "1\t\\N\ta\n2\t\\N\ta\n", 0},
		{"nulls not distinct, distinct", "1\tx\ta\n2\t\\N\ta\n3\tdup-x\ta\n", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := fmt.Sprintf(ddl, c.rows)
			if strings.HasPrefix(c.name, "nulls not distinct") {
				script = strings.Replace(script, "(code) WHERE", "(code) NULLS NOT DISTINCT WHERE", 1)
			}
			for _, workers := range []int{1, 3} {
				_, _, err := runScript(t, script, rulesYAML, Options{Workers: workers})
				if c.collide == 0 {
					if err != nil {
						t.Fatal(err)
					}
					continue
				}
				ce := asCollision(t, err)
				if want := lineOf(t, script, "COPY") + c.collide; ce.Pos.Line != want || ce.Key != "k_code" {
					t.Fatalf("collision %+v, want line %d", ce, want)
				}
			}
		})
	}
}

// A unique index on lower() or upper() of a column compares its values
// case-folded: masked values that differ only in case collide.
func TestFoldedKeys(t *testing.T) {
	const ddl = `CREATE TABLE public.u (
    id integer NOT NULL,
    nick text
);

COPY public.u (id, nick) FROM stdin;
%s\.

CREATE UNIQUE INDEX u_nick ON public.u USING btree (%s(nick));
`
	rulesYAML := "version: 1\ntables:\n  u:\n    id: keep\n    nick: {use: regex_replace, pattern: '^dup-', replacement: ''}\n"
	cases := []struct {
		fold, rows string
		collide    int
	}{
		{"lower", "1\tAbc\n2\tdup-aBC\n", 2},
		{"upper", "1\tAbc\n2\tdup-aBC\n", 2},
		{"lower", "1\tÉcole\n2\tdup-école\n", 2},
		{"upper", "1\tÉcole\n2\tdup-école\n", 2},
		{"lower", "1\tAbc\n2\tdup-abd\n", 0},
		{"upper", "1\tAbc\n2\tdup-abd\n", 0},
		// Folding keeps the key's parts apart: ab|c is not a|bc.
		{"lower", "1\tx\n2\ty\n", 0},
	}
	for _, c := range cases {
		script := fmt.Sprintf(ddl, c.rows, c.fold)
		_, _, err := runScript(t, script, rulesYAML, Options{})
		if c.collide == 0 {
			if err != nil {
				t.Fatalf("%s %q: %v", c.fold, c.rows, err)
			}
			continue
		}
		ce := asCollision(t, err)
		if want := lineOf(t, script, "COPY") + c.collide; ce.Pos.Line != want || ce.Key != "u_nick" {
			t.Fatalf("%s %q: collision %+v, want line %d", c.fold, c.rows, ce, want)
		}
	}
	// Without a fold, case matters.
	script := fmt.Sprintf(strings.Replace(ddl, "(%s(nick))", "(nick)%s", 1), "1\tAbc\n2\tdup-aBC\n", "")
	if _, _, err := runScript(t, script, rulesYAML, Options{}); err != nil {
		t.Fatalf("unfolded key: %v", err)
	}
}

// A collision found before a huge row (one masked on its own, after the
// rows before it are written) fails the run cleanly.
func TestCollisionBeforeHugeRow(t *testing.T) {
	script := codeDump("1\tk1\tn\n2\tdup-k1\tn\n3\t" + strings.Repeat("k", 300) + "\tn\n4\tk4\tn\n")
	var err error
	withThresholds(200, 1<<62, func() { _, _, err = runScript(t, script, dropDup, Options{Workers: 2}) })
	if ce := asCollision(t, err); ce.Pos.Line != lineOf(t, script, "2\tdup-k1") {
		t.Fatalf("collision %+v", ce)
	}
}
