package subset

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/schema"
)

var update = flag.Bool("update", false, "rewrite the golden reports under testdata/")

// TestReportGolden: the plan subset-plan prints for the shop, every
// count, reason, role, pass and cycle, against testdata/report_*.txt
// (go test ./subset -run TestReportGolden -update rewrites them). The
// memory figure depends on how sets grow; it is checked apart.
func TestReportGolden(t *testing.T) {
	q := func(n string) schema.QName { return schema.QName{Schema: "public", Name: n} }
	for name, spec := range map[string]*Spec{
		"shop_20":   {Root: users, Percent: 20},
		"shop_100":  {Root: users, Percent: 100},
		"shop_pins": {Root: users, Percent: 1e-9, Include: map[schema.QName][]string{users: {"7", "0012"}}},
		"shop_modes": {Root: q("orders"), Percent: 30, Tables: map[schema.QName]Mode{
			q("countries"): None, q("categories"): All, q("payments"): Follow}},
	} {
		t.Run(name, func(t *testing.T) {
			src, inv := open(t, shopScript(40))
			r, err := Compute(context.Background(), src, inv, spec, secret)
			if err != nil {
				t.Fatal(err)
			}
			got := regexp.MustCompile(`, [0-9.]+ (B|KiB|MiB) of keys`).ReplaceAllString(r.Report.String(), ", N of keys")
			path := filepath.Join("testdata", "report_"+name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("report:\n%s\nwant:\n%s", got, want)
			}
			if r.Report.Bytes <= 0 {
				t.Errorf("report holds %d bytes", r.Report.Bytes)
			}
		})
	}
}

// TestPercentHundred: 100% is a valid percent and keeps every root row
// (2^64 does not fit the sample's threshold).
func TestPercentHundred(t *testing.T) {
	src, inv := open(t, shopScript(300))
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 100}, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	if len(got["users"]) != 300 || len(got["orders"]) != 600 || len(got["payments"]) != 300 {
		t.Errorf("kept %d users, %d orders, %d payments", len(got["users"]), len(got["orders"]), len(got["payments"]))
	}
}

func TestSizeString(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 1<<20 - 1: "1024.0 KiB", 1 << 20: "1.0 MiB", 3 << 19: "1.5 MiB"} {
		if got := sizeString(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// TestLongRows: rows longer than the reader's 1 MiB buffer are read
// whole, their keys and references included.
func TestLongRows(t *testing.T) {
	long := strings.Repeat("x", 1<<20+100)
	var b strings.Builder
	b.WriteString("CREATE TABLE public.users (id int PRIMARY KEY, bio text);\nCREATE TABLE public.notes (id int PRIMARY KEY, body text, user_id int REFERENCES public.users(id));\n")
	b.WriteString("COPY public.users (id, bio) FROM stdin;\n")
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&b, "%d\t%s%d\n", i, long, i)
	}
	b.WriteString("\\.\nCOPY public.notes (id, body, user_id) FROM stdin;\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "%d\t%s\t%d\n", i, long, i%4+1)
	}
	b.WriteString("\\.\n")
	src, inv := open(t, b.String())
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 50}, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	ids := set(got["users"], 0)
	if len(ids) == 0 || len(ids) == 4 {
		t.Fatalf("kept %d of 4 users", len(ids))
	}
	for _, u := range got["users"] {
		if u[1] != long+u[0] {
			t.Errorf("user %s: bio of %d bytes", u[0], len(u[1]))
		}
	}
	if len(got["notes"]) != 2*len(ids) {
		t.Errorf("kept %d notes for %d users", len(got["notes"]), len(ids))
	}
	for _, n := range got["notes"] {
		if !ids[n[2]] {
			t.Errorf("note %s of user %s, not kept", n[0], n[2])
		}
	}
	for _, tr := range r.Report.Tables {
		if tr.Total != map[string]int64{"users": 4, "notes": 8}[tr.Table.Name] {
			t.Errorf("%s: %d rows read", tr.Table, tr.Total)
		}
	}
}

// memSource serves a dump's data from memory, in any order: the way a
// database or an archive does, unlike a plain script read in order.
type memSource struct {
	inv  *dump.Inventory
	data map[*dump.Entry]string
}

func newMemSource(t *testing.T, script string) *memSource {
	t.Helper()
	src, inv := open(t, script)
	m := &memSource{inv: inv, data: map[*dump.Entry]string{}}
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData {
			rc, err := src.Open(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			m.data[e] = readAll(t, rc)
		}
	}
	return m
}

func (m *memSource) Inventory(context.Context) (*dump.Inventory, error) { return m.inv, nil }
func (m *memSource) Open(_ context.Context, e *dump.Entry) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(m.data[e])), nil
}
func (m *memSource) Parallel() int { return 4 }
func (m *memSource) Close() error  { return nil }

func (m *memSource) keep(t *testing.T, r *Result) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for e, d := range m.data {
		keep := r.Keep(e)
		for i, row := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
			if keep == nil || keep(int64(i)) {
				out[e.Table.Name] = append(out[e.Table.Name], row)
			}
		}
	}
	return out
}

// TestAnyOrderSource: a source read in any order gives the rows a script
// read in order gives, in fewer passes (read root first).
func TestAnyOrderSource(t *testing.T) {
	script := shopScript(60)
	m := newMemSource(t, script)
	r, err := Compute(context.Background(), m, m.inv, &Spec{Root: users, Percent: 25}, secret)
	if err != nil {
		t.Fatal(err)
	}
	src, inv := open(t, script)
	want, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 25}, secret)
	if err != nil {
		t.Fatal(err)
	}
	got, wantRows := m.keep(t, r), kept(t, src, inv, want)
	for table, rows := range wantRows {
		if len(got[table]) != len(rows) {
			t.Errorf("%s: %d rows kept in any order, %d in order", table, len(got[table]), len(rows))
		}
	}
	if r.Report.Passes >= want.Report.Passes {
		t.Errorf("%d passes in any order, %d in order", r.Report.Passes, want.Report.Passes)
	}
}

// TestShortRow: a row with fewer fields than the columns the subset
// reads is an error at its row, not a crash.
func TestShortRow(t *testing.T) {
	m := newMemSource(t, "CREATE TABLE public.users (id int PRIMARY KEY, referred_by int REFERENCES public.users(id));\nCOPY public.users (id, referred_by) FROM stdin;\n1\t\\N\n2\t1\n\\.\n")
	for e := range m.data {
		m.data[e] = "1\t\\N\n2\n"
	}
	_, err := Compute(context.Background(), m, m.inv, &Spec{Root: users, Percent: 100}, secret)
	var re *ReadError
	if !errors.As(err, &re) || re.Pos.Row != 2 || !strings.Contains(err.Error(), "fewer fields") {
		t.Errorf("%v", err)
	}
}

// TestRootPartition: the root must be the partitioned table, not one of
// its partitions; the error names the table to use.
func TestRootPartition(t *testing.T) {
	src, inv := open(t, `
CREATE TABLE public.ev (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE public.ev_1 PARTITION OF public.ev FOR VALUES FROM (0) TO (100);
COPY public.ev_1 (id) FROM stdin;
5
\.
`)
	_, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "ev_1"}, Percent: 50}, secret)
	var pe *PlanError
	if !errors.As(err, &pe) || pe.Part != "root" || !strings.Contains(err.Error(), "name its partitioned table public.ev") {
		t.Errorf("%v", err)
	}
	if _, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "ev"}, Percent: 100}, secret); err != nil {
		t.Errorf("the partitioned table as the root: %v", err)
	}
}

// TestNormalizedForeignKeys: a reference is followed by value, as
// PostgreSQL compares: numeric 1.00 is 1.0, text '0042' is integer 42,
// timestamptz in any offset, character(4) with its padding, a UUID in
// any spelling, intervals by length, citext in any case.
func TestNormalizedForeignKeys(t *testing.T) {
	src, inv := open(t, `
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE TABLE public.parent (id numeric PRIMARY KEY);
CREATE TABLE public.counter (id int PRIMARY KEY);
CREATE TABLE public.slot (at timestamptz PRIMARY KEY);
CREATE TABLE public.code (c character(4) PRIMARY KEY);
CREATE TABLE public.acct (id uuid PRIMARY KEY);
CREATE TABLE public.span (d interval PRIMARY KEY);
CREATE TABLE public.nick (n public.citext PRIMARY KEY);
CREATE TABLE public.users (id int PRIMARY KEY, p numeric(6,2) REFERENCES public.parent(id), n text REFERENCES public.counter(id), at timestamptz REFERENCES public.slot(at), c text REFERENCES public.code(c), a text REFERENCES public.acct(id), d interval REFERENCES public.span(d), k text REFERENCES public.nick(n));
COPY public.parent (id) FROM stdin;
1.0
2.0
\.
COPY public.counter (id) FROM stdin;
42
43
\.
COPY public.slot (at) FROM stdin;
2024-01-01 09:00:00+09
2024-01-02 00:00:00+00
\.
COPY public.code (c) FROM stdin;
ab  
cd  
\.
COPY public.acct (id) FROM stdin;
a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11
b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12
\.
COPY public.span (d) FROM stdin;
2 years
1 day
\.
COPY public.nick (n) FROM stdin;
Alice
Bob
\.
COPY public.users (id, p, n, at, c, a, d, k) FROM stdin;
1	1.00	0042	2024-01-01 00:00:00+00	ab	{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}	24 mons	ALICE
\.
`)
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 100}, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	for table, want := range map[string]string{"parent": "1.0", "counter": "42", "slot": "2024-01-01 09:00:00+09", "code": "ab  ",
		"acct": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "span": "2 years", "nick": "Alice"} {
		if rows := got[table]; len(rows) != 1 || rows[0][0] != want {
			t.Errorf("%s: kept %v, want only %q", table, rows, want)
		}
	}
}

// TestRootKey: a root without a primary key is sampled by a unique key
// of NOT NULL columns; without one (a partial index, an expression, a
// nullable column) it cannot be sampled.
func TestRootKey(t *testing.T) {
	ok := "CREATE TABLE public.users (a int NOT NULL, b text NOT NULL, c int, UNIQUE (c), UNIQUE (a, b));\nCOPY public.users (a, b, c) FROM stdin;\n1\tx\t\\N\n2\ty\t\\N\n\\.\n"
	src, inv := open(t, ok)
	r, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 100}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := kept(t, src, inv, r); len(got["users"]) != 2 {
		t.Errorf("kept %v", got)
	}
	for _, ddl := range []string{
		"CREATE TABLE public.users (a int, b int);",
		"CREATE TABLE public.users (a int, b int NOT NULL); CREATE UNIQUE INDEX u ON public.users (a);",
		"CREATE TABLE public.users (a int NOT NULL, b int); CREATE UNIQUE INDEX u ON public.users (a) WHERE b > 0;",
		"CREATE TABLE public.users (a int NOT NULL, b int); CREATE UNIQUE INDEX u ON public.users ((a + 1));",
		"CREATE TABLE public.users (a text NOT NULL, b int); CREATE UNIQUE INDEX u ON public.users (lower(a));",
	} {
		src, inv := open(t, ddl+"\nCOPY public.users (a, b) FROM stdin;\n1\t1\n\\.\n")
		_, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: 50}, secret)
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %v", ddl, err)
		}
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"all": All, "none": None, "follow": Follow} {
		if m, ok := ParseMode(s); !ok || m != want || m.String() != s {
			t.Errorf("%q: %v %v", s, m, ok)
		}
	}
	for _, s := range []string{"", "All", "some"} {
		if _, ok := ParseMode(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestCanonicalInt(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "7": true, "9": true, "-1": true, "42": true, "-90": true, "1234567890": true,
		"": false, "-": false, "-0": false, "00": false, "07": false, "-07": false, "/": false, ":": false, "1/": false, "1:": false, "+1": false, "1.0": false} {
		if got := canonicalInt([]byte(s)); got != want {
			t.Errorf("%q: %v", s, got)
		}
	}
}

// whereSource is a live source's stand-in for where: conditions: its
// query answers with the keys given.
type whereSource struct {
	*memSource
	keys, query string
}

func (w *whereSource) Select(_ context.Context, q string) (io.ReadCloser, error) {
	w.query = q
	return io.NopCloser(strings.NewReader(w.keys)), nil
}

// TestWhereKeepsOnlyMatchingRoots: the sample is limited to the roots
// the condition returned (read as COPY text, NULL keys skipped); a
// partitioned root is queried with its partitions, any other without its
// inheritance children.
func TestWhereKeepsOnlyMatchingRoots(t *testing.T) {
	w := &whereSource{memSource: newMemSource(t, shopScript(30)), keys: "2\n5\n\\N\n"}
	r, err := Compute(context.Background(), w, w.inv, &Spec{Root: users, Percent: 100, Where: "id IN (2, 5)"}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.query, ` FROM ONLY "public"."users" WHERE (id IN (2, 5)`) {
		t.Errorf("query %q", w.query)
	}
	got := map[string]bool{}
	for _, row := range w.keep(t, r)["users"] {
		got[strings.Split(row, "\t")[0]] = true
	}
	if !got["2"] || !got["5"] || got["1"] || got["4"] || len(got) > 4 {
		t.Errorf("kept users %v", keys(got))
	}

	w = &whereSource{memSource: newMemSource(t, `
CREATE TABLE public.ev (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE public.ev_1 PARTITION OF public.ev FOR VALUES FROM (0) TO (100);
COPY public.ev_1 (id) FROM stdin;
5
6
\.
`), keys: "6\n"}
	r, err = Compute(context.Background(), w, w.inv, &Spec{Root: schema.QName{Schema: "public", Name: "ev"}, Percent: 100, Where: "id > 5"}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.query, ` FROM "public"."ev" WHERE`) {
		t.Errorf("query %q", w.query)
	}
	if rows := w.keep(t, r)["ev_1"]; len(rows) != 1 || rows[0] != "6" {
		t.Errorf("kept %v", rows)
	}
}
