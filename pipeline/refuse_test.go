package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

const refuseDump = `CREATE TABLE public.m (
    id integer NOT NULL,
    secret text
);

CREATE TABLE public.k (
    id integer NOT NULL
);

CREATE TABLE public.s (
    id integer NOT NULL
);

COPY public.m (id, secret) FROM stdin;
1	x
\.

COPY public.k (id) FROM stdin;
1
\.

COPY public.s (id) FROM stdin;
1
\.
`

const refuseRules = "version: 1\ntables:\n  m:\n    id: keep\n    secret: lorem\n  k: keep\n  s: skip\n"

// refusePlan is the plan of refuseDump: m masked, k kept, s skipped, and
// u (no rule, no data) unknown to the plan.
func refusePlan(t *testing.T) *rules.Plan {
	t.Helper()
	_, inv, err := openScript(t, refuseDump)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, refuseRules)
	if err != nil {
		t.Fatal(err)
	}
	if tp := plan.Tables[qn("m")]; tp == nil || !tp.Masked() {
		t.Fatal("m is not masked")
	}
	if tp := plan.Tables[qn("s")]; tp == nil || !tp.Skip || tp.Masked() {
		t.Fatal("s is not skipped")
	}
	if tp := plan.Tables[qn("k")]; tp != nil && tp.Masked() {
		t.Fatal("k is masked")
	}
	return plan
}

func at(line int) dump.Pos { return dump.Pos{File: "d.sql", Line: line} }

func refusal(what string, line int) dump.Refusal { return dump.Refusal{What: what, Pos: at(line)} }

// Refuse fails closed: opaque statements always, statements writing a
// masked table always, others in strict mode; large objects unless the
// rules say what to do with them.
func TestRefuse(t *testing.T) {
	plan := refusePlan(t)
	opaque := refusal("DO block", 3)
	cases := []struct {
		name   string
		inv    dump.Inventory
		strict bool
		lo     rules.LargeObjectMode
		want   string // "" for no refusal
		line   int
	}{
		{name: "nothing", inv: dump.Inventory{}},
		{name: "nothing, strict", inv: dump.Inventory{}, strict: true},
		{name: "opaque", inv: dump.Inventory{Opaque: &opaque}, want: "d.sql:3: DO block may write data Understudy cannot see or mask; remove it from the dump", line: 3},
		{name: "opaque, strict, before writes", strict: true, inv: dump.Inventory{Opaque: &opaque,
			Writes: map[schema.QName]dump.Refusal{qn("m"): refusal("INSERT … SELECT", 1)}}, want: "DO block may write data", line: 3},
		{name: "masked table", inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("m"): refusal("INSERT … SELECT", 7)}},
			want: "d.sql:7: INSERT … SELECT writes rows of public.m whose values cannot be masked (the table has masked columns); dump the data with COPY or plain INSERT … VALUES", line: 7},
		{name: "masked table, strict", strict: true, inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("m"): refusal("UPDATE", 7)}},
			want: "d.sql:7: UPDATE writes rows of public.m whose values cannot be masked (the table has masked columns)", line: 7},
		{name: "kept table", inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("k"): refusal("UPDATE", 7)}}},
		{name: "kept table, strict", strict: true, inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("k"): refusal("UPDATE", 7)}},
			want: "d.sql:7: UPDATE writes rows of public.k whose values cannot be masked (strict mode refuses data it cannot mask)", line: 7},
		{name: "skipped table", inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("s"): refusal("UPDATE", 7)}}},
		{name: "skipped table, strict", strict: true, inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("s"): refusal("UPDATE", 7)}},
			want: "UPDATE writes rows of public.s whose values cannot be masked (strict mode refuses data it cannot mask)", line: 7},
		{name: "unknown table", inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("u"): refusal("UPDATE", 7)}}},
		{name: "unknown table, strict", strict: true, inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("u"): refusal("UPDATE", 7)}},
			want: "UPDATE writes rows of public.u whose values cannot be masked (strict mode refuses data it cannot mask)", line: 7},
		// The first statement in the dump is the one named.
		{name: "first of several, strict", strict: true, inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{
			qn("m"): refusal("UPDATE m", 30), qn("k"): refusal("UPDATE k", 20), qn("s"): refusal("UPDATE s", 40), qn("u"): refusal("UPDATE u", 25)}},
			want: "d.sql:20: UPDATE k writes rows of public.k", line: 20},
		{name: "first of several", inv: dump.Inventory{Writes: map[schema.QName]dump.Refusal{
			qn("m"): refusal("UPDATE m", 30), qn("k"): refusal("UPDATE k", 20), qn("s"): refusal("UPDATE s", 10)}},
			want: "d.sql:30: UPDATE m writes rows of public.m", line: 30},
		{name: "writes before large objects", strict: true, inv: dump.Inventory{LargeObjects: 2, LargeObjectsAt: at(2),
			Writes: map[schema.QName]dump.Refusal{qn("k"): refusal("UPDATE", 9)}}, want: "UPDATE writes rows of public.k", line: 9},
		{name: "large objects", inv: dump.Inventory{LargeObjects: 3, LargeObjectsAt: at(12)},
			want: "d.sql:12: the dump holds large objects (3 statements from here), which can hold any data and cannot be masked: add `large_objects: drop` to the rules (or `keep`, on purpose)", line: 12},
		{name: "one large object", inv: dump.Inventory{LargeObjects: 1, LargeObjectsAt: at(12)}, want: "(1 statements from here)", line: 12},
		{name: "large objects kept", lo: rules.LargeObjectsKeep, inv: dump.Inventory{LargeObjects: 3, LargeObjectsAt: at(12)}},
		{name: "large objects dropped", lo: rules.LargeObjectsDrop, inv: dump.Inventory{LargeObjects: 3, LargeObjectsAt: at(12)}},
		{name: "statistics", strict: true, inv: dump.Inventory{Statistics: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Writes is a map: repeat, so that its order cannot decide.
			for range 20 {
				err := Refuse(&c.inv, plan, c.strict, c.lo)
				if c.want == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					continue
				}
				var re *RefusedError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) || re.Position().Line != c.line || re.Pos.File != "d.sql" {
					t.Fatalf("error %v, want a RefusedError at line %d with %q", err, c.line, c.want)
				}
			}
		})
	}
}

// Archives locate statements by entry, not line.
func TestRefuseFirstByEntry(t *testing.T) {
	plan := refusePlan(t)
	entry := func(n int) dump.Refusal { return dump.Refusal{What: "UPDATE", Pos: dump.Pos{File: "a.dump", Entry: n}} }
	inv := dump.Inventory{Writes: map[schema.QName]dump.Refusal{qn("m"): entry(9), qn("k"): entry(4), qn("s"): entry(6), qn("u"): entry(5)}}
	for range 20 {
		err := Refuse(&inv, plan, true, rules.LargeObjectsKeep)
		var re *RefusedError
		if !errors.As(err, &re) || re.Pos.Entry != 4 || !strings.HasPrefix(err.Error(), "a.dump#4: UPDATE writes rows of public.k") {
			t.Fatalf("error %v, want entry 4", err)
		}
	}
}

// before orders positions by line, then by entry.
func TestBefore(t *testing.T) {
	cases := []struct {
		a, b dump.Pos
		want bool
	}{
		{dump.Pos{Line: 1}, dump.Pos{Line: 2}, true},
		{dump.Pos{Line: 2}, dump.Pos{Line: 1}, false},
		{dump.Pos{Line: 2}, dump.Pos{Line: 2}, false},
		{dump.Pos{Line: 1, Entry: 9}, dump.Pos{Line: 2, Entry: 1}, true},
		{dump.Pos{Line: 2, Entry: 1}, dump.Pos{Line: 1, Entry: 9}, false},
		{dump.Pos{Entry: 1}, dump.Pos{Entry: 2}, true},
		{dump.Pos{Entry: 2}, dump.Pos{Entry: 1}, false},
		{dump.Pos{Entry: 2}, dump.Pos{Entry: 2}, false},
	}
	for _, c := range cases {
		if got := before(c.a, c.b); got != c.want {
			t.Errorf("before(%+v, %+v) = %v", c.a, c.b, got)
		}
	}
}

// Refusals read from a plain script: each Inventory field comes from the
// statements the source notes.
func TestRefuseScript(t *testing.T) {
	cases := []struct {
		name, extra string
		strict      bool
		want        string
	}{
		{"insert select into masked", "INSERT INTO public.m SELECT 2, 'y';\n", false, "writes rows of public.m"},
		{"insert select into kept", "INSERT INTO public.k SELECT 2;\n", false, ""},
		{"insert select into kept, strict", "INSERT INTO public.k SELECT 2;\n", true, "writes rows of public.k"},
		{"do block", "DO $$ BEGIN PERFORM 1; END $$;\n", false, "may write data Understudy cannot see or mask"},
		{"large object", "SELECT pg_catalog.lo_create('16401');\n", false, "the dump holds large objects (1 statements from here)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := refuseDump + "\n" + c.extra
			_, inv, err := openScript(t, script)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := planFor(t, inv, refuseRules)
			if err != nil {
				t.Fatal(err)
			}
			err = Refuse(inv, plan, c.strict, rules.LargeObjectsRefuse)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) || re.Pos.Line != lineOf(t, script, c.extra) {
				t.Fatalf("error %v, want %q at line %d", err, c.want, lineOf(t, script, c.extra))
			}
		})
	}
}
