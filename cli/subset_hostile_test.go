package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/internal/pgtest"
)

// hostileDB is a new database holding script, for a live source.
func hostileDB(t *testing.T, script string) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	if _, err := pgtest.Connect(t, url).Exec(context.Background(), script); err != nil {
		t.Fatal(err)
	}
	return url
}

// hostileFile writes a test file and returns its path.
func hostileFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const hostileUsers = `
CREATE TABLE public.users (id serial PRIMARY KEY, country text);
CREATE TABLE public.orders (id int PRIMARY KEY, user_id int REFERENCES public.users(id));
INSERT INTO public.users (country) SELECT CASE WHEN g % 2 = 0 THEN 'NL' ELSE 'DE' END FROM generate_series(1, 100) g;
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
`

// TestSubsetWhereInjection: a where: condition that ends the statement it
// is put in (and would COMMIT, turn read-only off and create a table in
// the source) or closes its parenthesis (COPY … TO PROGRAM) is refused at
// its rules line before anything runs; one expression that tries to write
// fails in the read-only snapshot. The source is left as it was.
func TestSubsetWhereInjection(t *testing.T) {
	src := hostileDB(t, hostileUsers)
	conn := pgtest.Connect(t, src)
	for _, where := range []string{
		`"true)) TO STDOUT; COMMIT; SET default_transaction_read_only = off; COMMIT; CREATE TABLE public.pwned(x int); COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; COPY (SELECT 1 WHERE (true"`,
		`"true)) TO PROGRAM 'psql -c \"CREATE TABLE public.pwned(x int)\"' --"`,
		// the session goes on to read the data: floats would be rounded
		`"set_config('extra_float_digits', '-15', false) IS NOT NULL"`,
		`"country = 'a\\' || '; COMMIT; SET default_transaction_read_only = off; COMMIT; CREATE TABLE public.pwned(x int); --'"`,
	} {
		rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nsubset:\n  root: public.users\n  percent: 50\n  where: "+where+"\n")
		r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "rules.yaml:7: subset where: on public.users: not one SQL condition") {
			t.Errorf("where: %s: exit %d\n%s", where, r.code, r.stderr)
		}
	}
	rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nsubset:\n  root: public.users\n  percent: 50\n  where: nextval('public.users_id_seq') > 0\n")
	if r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src); r.code == ExitOK || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("nextval in where: exit %d\n%s", r.code, r.stderr)
	}
	var tables, last int64
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'), last_value FROM public.users_id_seq`).Scan(&tables, &last); err != nil {
		t.Fatal(err)
	}
	if tables != 2 || last != 100 {
		t.Errorf("the source changed: %d tables, users_id_seq at %d", tables, last)
	}
	// A ';' or ')' inside a string is data.
	rulesPath = hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nsubset:\n  root: public.users\n  percent: 100\n  where: \"country <> 'x;)' AND country = 'NL' -- Dutch users\"\n")
	if r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src); r.code != ExitOK || !strings.Contains(r.stdout, "root sample 50") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestSubsetPercentNaN: --subset T=NaN% compared false both ways and kept
// every row; NaN and infinities are refused as usage mistakes.
func TestSubsetPercentNaN(t *testing.T) {
	for _, pct := range []string{"NaN%", "nan", "Inf%", "-0%", "1e3%", "", "%"} {
		r := run(t, secretEnv, "", "subset-plan", "--rules", shopRules, "--in", fixture, "--subset", "public.users="+pct)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "expected TABLE=PERCENT%") {
			t.Errorf("--subset public.users=%s: exit %d\n%s%s", pct, r.code, r.stdout, r.stderr)
		}
	}
}

// equalKeysDump has foreign keys that hold between values PostgreSQL
// compares equal but prints differently: numeric scales, float -0,
// character(n) padding, intervals, and a relations: edge from text to an
// integer key. Every referencing row is kept (the root is whole through
// them); every referenced row must be too.
const equalKeysDump = `
CREATE TABLE public.acct (id int PRIMARY KEY);
CREATE TABLE public.prod (code numeric PRIMARY KEY);
CREATE TABLE public.cc (c character(4) PRIMARY KEY);
CREATE TABLE public.fl (f double precision PRIMARY KEY);
CREATE TABLE public.iv (i interval PRIMARY KEY);
CREATE TABLE public.legacy (id int PRIMARY KEY);
CREATE TABLE public.line (id int PRIMARY KEY, acct_id int, prod_code numeric(10,3), c text, f double precision, i interval, legacy_ref text);
COPY public.acct (id) FROM stdin;
1
2
\.
COPY public.prod (code) FROM stdin;
1.00
2.5
3
\.
COPY public.cc (c) FROM stdin;
ab  
abcd
\.
COPY public.fl (f) FROM stdin;
0
1.5
\.
COPY public.iv (i) FROM stdin;
1 day
02:00:00
\.
COPY public.legacy (id) FROM stdin;
42
7
\.
COPY public.line (id, acct_id, prod_code, c, f, i, legacy_ref) FROM stdin;
1	1	1.000	ab	-0	24:00:00	0042
2	2	2.500	abcd	1.5	02:00:00	7
3	1	3.000	ab	-0	1 day	+7
\.
ALTER TABLE public.line ADD CONSTRAINT line_acct FOREIGN KEY (acct_id) REFERENCES public.acct(id);
ALTER TABLE public.line ADD CONSTRAINT line_prod FOREIGN KEY (prod_code) REFERENCES public.prod(code);
ALTER TABLE public.line ADD CONSTRAINT line_cc FOREIGN KEY (c) REFERENCES public.cc(c);
ALTER TABLE public.line ADD CONSTRAINT line_fl FOREIGN KEY (f) REFERENCES public.fl(f);
ALTER TABLE public.line ADD CONSTRAINT line_iv FOREIGN KEY (i) REFERENCES public.iv(i);
`

// TestSubsetEqualKeys: a key is followed by value, not by text: the
// subset of equalKeysDump loads with every foreign key, and keeps every
// referenced row (the relation too).
func TestSubsetEqualKeys(t *testing.T) {
	in := hostileFile(t, "dump.sql", equalKeysDump)
	rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nrelations:\n  - {from: public.line.legacy_ref, to: public.legacy.id}\nsubset: {root: public.acct, percent: 100}\n")
	out := filepath.Join(t.TempDir(), "out.sql")
	r := run(t, secretEnv, "", "--rules", rulesPath, "--in", in, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, table := range []string{"prod", "cc", "fl", "iv", "legacy"} {
		m := regexp.MustCompile(`public\.` + table + `\s+ancestor\s+follow\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("no line for %s:\n%s", table, r.stderr)
		}
		if m[1] != m[2] {
			t.Errorf("%s: kept %s of %s, every row is referenced", table, m[1], m[2])
		}
	}
	db := pgtest.NewDatabase(t)
	pgtest.Psql(t, db, out)
}

// TestSubsetSpecMistakes: a root, pinned key or tables: entry that is not
// in the dump is the command line's or the rules' mistake: exit 2, named
// by its flag or at its rules line. A pinned key that matches no row was
// ignored: the rows that must always be there were silently not. A pin
// is matched by value (007 is 7).
func TestSubsetSpecMistakes(t *testing.T) {
	rulesWith := func(section string) string { return subsetRules(t, shopRules, section) }
	base, err := os.ReadFile(shopRules)
	if err != nil {
		t.Fatal(err)
	}
	at := func(n int) string { return fmt.Sprintf("rules.yaml:%d: ", strings.Count(string(base), "\n")+1+n) }
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--subset", "public.nosuch=10%"}, `--subset "public.nosuch=10%": subset: public.nosuch: the root table is not in the dump`},
		{[]string{"--subset", "public.events_2024_01=10%"}, `the root is a partition`},
		{[]string{"--subset", "public.users=10%", "--pin", "public.nosuch=1"}, `--pin: subset: public.nosuch: subset include: not a table of the dump`},
		{[]string{"--subset", "public.users=10%", "--pin", "public.users=1,999999,abc"}, `--pin: subset: public.users: subset include: no row has the pinned key "999999", "abc"`},
		{[]string{"--rules", rulesWith("subset:\n  root: public.userz\n  percent: 5\n")}, at(2) + "subset root: no table public.userz in the dump (did you mean public.users?)"},
		{[]string{"--rules", rulesWith("subset:\n  root: public.users\n  include:\n    public.user: [1]\n")}, at(4) + "subset include: no table public.\"user\" in the dump (did you mean public.users?)"},
		{[]string{"--rules", rulesWith("subset:\n  root: public.users\n  include:\n    public.users: [1, 424242]\n")}, at(4) + `subset: public.users: subset include: no row has the pinned key "424242"`},
		{[]string{"--rules", rulesWith("subset:\n  root: public.users\n  tables:\n    public.orders: all\n    public.userz: none\n")}, at(5) + "subset tables: no table public.userz in the dump (did you mean public.users?)"},
		{[]string{"--rules", rulesWith("subset:\n  root: public.users\n  tables:\n    public.users: none\n")}, at(4) + "subset: public.users: subset tables: the root table's mode is follow"},
	} {
		args := append([]string{"subset-plan", "--rules", shopRules, "--in", fixture}, c.args...)
		r := run(t, secretEnv, "", args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, want %d and %q\n%s", c.args, r.code, ExitUsage, c.want, r.stderr)
		}
	}
	// check, which takes no subset, names the tables that are not there.
	r := run(t, secretEnv, "", "check", "--rules", rulesWith("subset:\n  root: public.userz\n  tables: {public.orders: all, public.nope: none}\n"), "--in", fixture)
	if r.code != ExitUsage || !strings.Contains(r.stderr, at(2)+"subset root: no table public.userz") || !strings.Contains(r.stderr, at(3)+"subset tables: no table public.nope") {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, secretEnv, "", "subset-plan", "--rules", shopRules, "--in", fixture, "--subset", "public.users=0.0001%", "--pin", "public.users=007,0010")
	if r.code != ExitOK || !strings.Contains(r.stdout, "pinned 2") {
		t.Errorf("pins 007, 0010: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestSubsetLiveIndexOnlyScan: a live source's keys are matched with the
// rows copied by row number, so they must be read in the heap's order. On
// a vacuumed table whose foreign-key column has an index, SELECT of that
// column alone is an index-only scan, in the index's order: the subset
// kept other children than file mode, children of parents it did not
// keep, and the target did not load.
func TestSubsetLiveIndexOnlyScan(t *testing.T) {
	src := hostileDB(t, `
CREATE TABLE public.parent (id int PRIMARY KEY);
CREATE TABLE public.child (id int PRIMARY KEY, parent_id int REFERENCES public.parent(id), pad text);
CREATE INDEX ON public.child (parent_id);
INSERT INTO public.parent SELECT generate_series(1, 500);
INSERT INTO public.child SELECT g, (g * 7919) % 500 + 1, repeat('x', 100) FROM generate_series(1, 20000) g;`)
	conn := pgtest.Connect(t, src)
	// Twice: the first may find the inserting transaction not yet old
	// enough to mark the pages all-visible.
	for _, q := range []string{"VACUUM (FREEZE, ANALYZE) public.child", "VACUUM (FREEZE, ANALYZE) public.child"} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	var plan string
	if err := conn.QueryRow(context.Background(), `EXPLAIN SELECT "parent_id" FROM ONLY public.child`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Only Scan") {
		t.Logf("the planner does not choose an index-only scan here (%s): the test proves less", plan)
	}
	dir := t.TempDir()
	dumpPath := filepath.Join(dir, "src.sql")
	if out, err := exec.Command(pgtest.Bin(t, "pg_dump"), "-d", src, "-f", dumpPath).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\n")
	fileOut, liveOut := filepath.Join(dir, "file.sql"), filepath.Join(dir, "live.sql")
	for _, args := range [][]string{{"--in", dumpPath, "--out", fileOut}, {"--source", src, "--out", liveOut}, {"--source", src, "--target", pgtest.NewDatabase(t)}} {
		r := run(t, secretEnv, "", append([]string{"--rules", rulesPath, "--subset", "public.parent=10%", "--quiet"}, args...)...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	fileRows, liveRows := sortedRows(t, fileOut), sortedRows(t, liveOut)
	for _, table := range []string{"public.parent", "public.child"} {
		if !slices.Equal(fileRows[table], liveRows[table]) || len(fileRows[table]) == 0 {
			t.Errorf("%s: file mode kept %d rows, live mode %d, not the same", table, len(fileRows[table]), len(liveRows[table]))
		}
	}
}

// TestSubsetPinTextKeys: --pin split its keys at every comma, so a text
// key holding one could not be pinned, and cut TABLE=… at the first '=',
// so a quoted table name holding one could not be named. Keys are now
// read as CSV fields; the table name up to the first '=' outside quotes.
func TestSubsetPinTextKeys(t *testing.T) {
	in := hostileFile(t, "dump.sql", `
CREATE TABLE public."odd=name" (k text PRIMARY KEY, n int);
COPY public."odd=name" (k, n) FROM stdin;
com,ma	1
say "hi"	2
back\\slash	3
tab\there	4
plain	5
ünï	6
	7
\.
`)
	rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\n")
	r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--in", in, "--subset", `public."odd=name"=0.0001%`,
		"--pin", `public."odd=name"="com,ma","say ""hi""",back\slash,ünï`, "--pin", "public.\"odd=name\"=tab\there,\"\"")
	if r.code != ExitOK || !strings.Contains(r.stdout, "pinned 6") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range []string{`public."odd=name"=`, `public."odd=name"=a,,b`, `public."odd=name"=a,`, `public."odd=name"="open`, `public."odd=name"="a"b`, `public."odd=name"=a"b`, `public."odd=name"`} {
		r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--in", in, "--subset", `public."odd=name"=10%`, "--pin", bad)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "expected TABLE=KEY") {
			t.Errorf("--pin %s: exit %d\n%s", bad, r.code, r.stderr)
		}
	}
}

// TestSubsetWhereInheritance: where: read the root's inheritance
// children too (SELECT … FROM parent), so a child's row meeting the
// condition let the parent's row of the same key into the sample; a
// partitioned root is still read through its partitions.
func TestSubsetWhereInheritance(t *testing.T) {
	src := hostileDB(t, `
CREATE TABLE public.veh (id int PRIMARY KEY, fast boolean NOT NULL);
CREATE TABLE public.car (doors int) INHERITS (public.veh);
INSERT INTO public.veh SELECT g, false FROM generate_series(1, 50) g;
INSERT INTO public.car SELECT g, true, 4 FROM generate_series(1, 50) g;
CREATE TABLE public.ev (id int, at int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.ev_1 PARTITION OF public.ev FOR VALUES FROM (0) TO (10);
INSERT INTO public.ev SELECT g, g % 10 FROM generate_series(1, 40) g;`)
	for _, c := range []struct{ root, where, want string }{
		{"public.veh", "fast", "public.veh                               root         follow             0           50  \n"},
		{"public.ev", "id <= 30", "root sample 30"},
	} {
		rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nsubset:\n  root: "+c.root+"\n  percent: 100\n  where: "+c.where+"\n")
		r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src)
		if r.code != ExitOK || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%s where %s: exit %d, want %q\n%s%s", c.root, c.where, r.code, c.want, r.stdout, r.stderr)
		}
	}
}

// TestSubsetWhereErrorsQuiet: PostgreSQL's message for a where: that
// fails on the data may quote a value (invalid input syntax for type
// integer: "NL", a function's RAISE): it is left out; a message about the
// condition itself (an unknown column) is kept.
func TestSubsetWhereErrorsQuiet(t *testing.T) {
	src := hostileDB(t, hostileUsers+`
UPDATE public.users SET country = 'secret-' || id;
CREATE FUNCTION public.leak(t text) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'got %', t; END$$;`)
	for _, c := range []struct{ where, want string }{
		{"country::int > 0", "SQLSTATE 22P02"},
		{"public.leak(country)", "SQLSTATE P0001"},
		{"1 / (id - id) > 0", "SQLSTATE 22012"},
		{"countri = 'x'", `column "countri" does not exist`},
	} {
		rulesPath := hostileFile(t, "rules.yaml", "version: 1\nstrict: false\ntables: {}\nsubset:\n  root: public.users\n  percent: 50\n  where: "+c.where+"\n")
		r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "rules.yaml:7: ") || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "secret-") {
			t.Errorf("where: %s: exit %d, want %q and no value\n%s", c.where, r.code, c.want, r.stderr)
		}
	}
}
