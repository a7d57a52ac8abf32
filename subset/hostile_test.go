package subset

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

var users = schema.QName{Schema: "public", Name: "users"}

// TestPercentOutOfRange: NaN compared false with both bounds and kept
// every row.
func TestPercentOutOfRange(t *testing.T) {
	src, inv := open(t, shopScript(10))
	for _, p := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, -1, 100.5} {
		_, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: p}, secret)
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("percent %v: %v", p, err)
		}
	}
}

// TestPinsByValue: pins are matched by value (a UUID in upper case, an
// integer with leading zeros); a pin matching no row is an error naming
// it; pins given for a partitioned table and for one of its partitions
// add up.
func TestPinsByValue(t *testing.T) {
	src, inv := open(t, `
CREATE TABLE public.accounts (id uuid PRIMARY KEY, n int);
CREATE TABLE public.ev (id int, at int, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE public.ev_1 PARTITION OF public.ev FOR VALUES FROM (0) TO (100);
CREATE TABLE public.ev_2 PARTITION OF public.ev FOR VALUES FROM (100) TO (200);
COPY public.accounts (id, n) FROM stdin;
a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11	1
b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12	2
\.
COPY public.ev_1 (id, at) FROM stdin;
5	1
\.
COPY public.ev_2 (id, at) FROM stdin;
105	1
\.
`)
	acc := schema.QName{Schema: "public", Name: "accounts"}
	ev, ev2 := schema.QName{Schema: "public", Name: "ev"}, schema.QName{Schema: "public", Name: "ev_2"}
	spec := &Spec{Root: acc, Percent: 1e-9, Include: map[schema.QName][]string{
		acc: {"{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"}, ev: {"005"}, ev2: {"105"}}}
	r, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	if len(got["accounts"]) != 1 || len(got["ev_1"]) != 1 || len(got["ev_2"]) != 1 {
		t.Errorf("kept %v", got)
	}
	spec.Include[acc] = append(spec.Include[acc], "c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13")
	if err := src.Rewind(); err != nil {
		t.Fatal(err)
	}
	_, err = Compute(context.Background(), src, inv, spec, secret)
	var pe *PlanError
	if !errors.As(err, &pe) || pe.Part != "include" || pe.Table != acc || !strings.Contains(err.Error(), `"c0eebc999c0b4ef8bb6d6bb9bd380a13"`) {
		t.Errorf("a pin matching no row: %v", err)
	}
}

func TestHeapOrder(t *testing.T) {
	h := &heapOrder{block: -1}
	for _, c := range []string{"(0,1)", "(0,2)", "(0,10)", "(1,1)", "(12,3)"} {
		if !h.next([]byte(c)) {
			t.Fatalf("%s refused", c)
		}
	}
	for _, c := range []string{"(12,3)", "(12,2)", "(11,9)", "", "12,x", "(x,1)"} {
		if h.next([]byte(c)) {
			t.Errorf("%s accepted after (12,3)", c)
		}
	}
}

// TestLongSelfChains: a chain of self-references pointing back in the
// data's order took a pass over the whole dump per link (a thousand for
// a chain a thousand long); now it is followed in memory, through two
// self-references (one composite), in a few passes, and keeps what
// following it pass by pass kept: every row a kept row reaches.
func TestLongSelfChains(t *testing.T) {
	var b strings.Builder
	b.WriteString(`
CREATE TABLE public.u (id int PRIMARY KEY, ref int REFERENCES public.u(id), a int, b int, pa int, pb int, UNIQUE (a, b),
  FOREIGN KEY (pa, pb) REFERENCES public.u(a, b));
CREATE TABLE public.big (id int PRIMARY KEY, u_id int REFERENCES public.u(id));
COPY public.u (id, ref, a, b, pa, pb) FROM stdin;
`)
	const n = 1000
	ref := map[int][]int{}
	for i := 1; i <= n; i++ {
		r, pa := `\N`, `\N`
		if i%2 == 0 && i > 1 { // even rows chain to the previous row by id
			r = fmt.Sprint(i - 1)
			ref[i] = append(ref[i], i-1)
		}
		if i%2 == 1 && i > 2 { // odd rows by (a, b), to the row two back
			pa = fmt.Sprint(i - 2)
			ref[i] = append(ref[i], i-2)
		}
		pb := pa
		fmt.Fprintf(&b, "%d\t%s\t%d\t%d\t%s\t%s\n", i, r, i, i, pa, pb)
	}
	b.WriteString("\\.\nCOPY public.big (id, u_id) FROM stdin;\n")
	for i := 1; i <= 3*n; i++ {
		fmt.Fprintf(&b, "%d\t%d\n", i, i%n+1)
	}
	b.WriteString("\\.\n")
	src, inv := open(t, b.String())
	r, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "u"}, Percent: 1}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if r.Report.Passes > 4 {
		t.Errorf("%d passes", r.Report.Passes)
	}
	got := kept(t, src, inv, r)
	keptU := set(got["u"], 0)
	// Brute force: what the kept rows no kept row references reach.
	want := map[string]bool{}
	var walk func(int)
	walk = func(i int) {
		if want[fmt.Sprint(i)] {
			return
		}
		want[fmt.Sprint(i)] = true
		for _, j := range ref[i] {
			walk(j)
		}
	}
	sampled := r.Report.Tables[0].Reasons["root sample"]
	if sampled == 0 {
		t.Fatal("no row sampled")
	}
	// Every kept row's references are kept (closed) …
	for _, row := range got["u"] {
		var id int
		fmt.Sscan(row[0], &id)
		for _, j := range ref[id] {
			if !keptU[fmt.Sprint(j)] {
				t.Fatalf("row %d kept, the row %d it references not", id, j)
			}
		}
	}
	// … and every kept row is reached from a sampled one: the roots of the
	// kept rows are the rows no kept row references.
	referenced := map[string]bool{}
	for _, row := range got["u"] {
		var id int
		fmt.Sscan(row[0], &id)
		for _, j := range ref[id] {
			referenced[fmt.Sprint(j)] = true
		}
	}
	tops := 0
	for id := range keptU {
		if !referenced[id] {
			tops++
			var i int
			fmt.Sscan(id, &i)
			walk(i)
		}
	}
	if int64(tops) > sampled || !maps(want, keptU) {
		t.Errorf("%d rows kept from %d tops, %d sampled; the walk from the tops reaches %d", len(keptU), tops, sampled, len(want))
	}
	if len(got["big"]) != 3*len(keptU) {
		t.Errorf("big: %d rows for %d kept users", len(got["big"]), len(keptU))
	}
}

// TestLongCycleChains: the same through two tables referencing each other,
// each row pointing back to the other table's previous row: 205 passes
// for chains 1,000 long; and the report is the same every run.
func TestLongCycleChains(t *testing.T) {
	var b strings.Builder
	b.WriteString("CREATE TABLE public.a (id int PRIMARY KEY, b_id int);\nCREATE TABLE public.b (id int PRIMARY KEY, a_id int);\n")
	for _, table := range []string{"a (id, b_id)", "b (id, a_id)"} {
		fmt.Fprintf(&b, "COPY public.%s FROM stdin;\n1\t\\N\n", table)
		for i := 2; i <= 1000; i++ {
			fmt.Fprintf(&b, "%d\t%d\n", i, i-1)
		}
		b.WriteString("\\.\n")
	}
	b.WriteString("ALTER TABLE public.a ADD FOREIGN KEY (b_id) REFERENCES public.b(id);\nALTER TABLE public.b ADD FOREIGN KEY (a_id) REFERENCES public.a(id);\n")
	src, inv := open(t, b.String())
	var first string
	for range 3 {
		if err := src.Rewind(); err != nil {
			t.Fatal(err)
		}
		r, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "a"}, Percent: 1}, secret)
		if err != nil {
			t.Fatal(err)
		}
		if r.Report.Passes > 4 {
			t.Errorf("%d passes", r.Report.Passes)
		}
		got := kept(t, src, inv, r)
		if len(got["a"]) != 1000 || len(got["b"]) != 1000 { // every row is on the chains
			t.Errorf("kept %d of a, %d of b", len(got["a"]), len(got["b"]))
		}
		if first == "" {
			first = r.Report.String()
		} else if s := r.Report.String(); s != first {
			t.Errorf("reports differ:\n%s\n%s", first, s)
		}
	}
}

// TestReportNoneTable: a table whose mode is none is not read: the plan
// said "0 of 0" rows for a table that has rows.
func TestReportNoneTable(t *testing.T) {
	src, inv := open(t, shopScript(20))
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 50,
		Tables: map[schema.QName]Mode{{Schema: "public", Name: "countries"}: None}}, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(r.Report.String(), "\n") {
		if strings.HasPrefix(line, "public.countries ") && (!strings.Contains(line, " none ") || !strings.Contains(line, "0   (not read)")) {
			t.Errorf("%q", line)
		}
	}
}

// TestSampleTimeZone: pg_dump prints a timestamptz in its session's time
// zone (PGTZ), so a root keyed by one sampled other rows from a dump taken
// elsewhere, or from the live source.
func TestSampleTimeZone(t *testing.T) {
	sample := func(zone int) map[string]bool {
		var b strings.Builder
		b.WriteString("CREATE TABLE public.ev (id int, at timestamp with time zone, PRIMARY KEY (id, at));\nCOPY public.ev (id, at) FROM stdin;\n")
		for i := 1; i <= 400; i++ {
			fmt.Fprintf(&b, "%d\t2024-01-%02d %02d:30:00+%02d\n", i, i%28+1, (i%12)+zone, zone)
		}
		b.WriteString("\\.\n")
		src, inv := open(t, b.String())
		r, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "ev"}, Percent: 30}, secret)
		if err != nil {
			t.Fatal(err)
		}
		return set(kept(t, src, inv, r)["ev"], 0)
	}
	utc, tokyo := sample(0), sample(9)
	if len(utc) == 0 || !maps(utc, tokyo) {
		t.Errorf("UTC dump kept %d rows, a Tokyo dump %d, not the same", len(utc), len(tokyo))
	}
}

// TestGeneratedKeyColumn: a foreign key on a generated column cannot be
// followed in a dump, whose data leaves the column out; the error says
// so, and that a live source can.
func TestGeneratedKeyColumn(t *testing.T) {
	src, inv := open(t, `
CREATE TABLE public.parent (id int PRIMARY KEY);
CREATE TABLE public.child (id int PRIMARY KEY, x int, gx int GENERATED ALWAYS AS (x + 0) STORED REFERENCES public.parent(id));
COPY public.parent (id) FROM stdin;
1
\.
COPY public.child (id, x) FROM stdin;
1	1
\.
`)
	_, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "parent"}, Percent: 50}, secret)
	if err == nil || !strings.Contains(err.Error(), "column gx, which the subset follows (a foreign key or key), is generated") {
		t.Errorf("%v", err)
	}
}

// TestReportCountsCycleIndex: the memory a pass's index of rows on
// cycles takes is reported with the rest.
func TestReportCountsCycleIndex(t *testing.T) {
	src, inv := open(t, shopScript(2000)) // users.referred_by: a cycle
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 10}, secret)
	if err != nil {
		t.Fatal(err)
	}
	var held int64
	for _, n := range r.g.nodes {
		for _, b := range n.kept {
			held += b.bytes()
		}
	}
	for _, e := range r.g.edges {
		held += e.need.bytes() + e.keys.bytes()
	}
	// 1,800 users not kept, indexed by key and reference: 8 + 8 + 12 bytes.
	if r.Report.Bytes < held+1800*28 {
		t.Errorf("reported %d bytes, %d held without the index", r.Report.Bytes, held)
	}
}
