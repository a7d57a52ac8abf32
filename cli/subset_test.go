package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/internal/benchdump"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// subsetRules writes base's rules with a subset: section appended.
func subsetRules(t *testing.T, base, section string) string {
	t.Helper()
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, append(b, []byte("\n"+section)...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// planLine matches a table's line of subset-plan's report.
var planLine = regexp.MustCompile(`(?m)^(?:anonymize: )?(\S+)\s+(root|descendant|ancestor|unconnected)\s+(follow|all|none)\s+(\S+)\s+(\S+(?: \S+)?)\s{2}(.*)$`)

// planCounts reads the kept rows per table of a report ("all" as -1).
func planCounts(t *testing.T, report string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range planLine.FindAllStringSubmatch(report, -1) {
		n := int64(-1)
		if m[4] != "all" {
			var err error
			if n, err = strconv.ParseInt(m[4], 10, 64); err != nil {
				t.Fatalf("report line %q", m[0])
			}
		}
		out[m[1]] = n
	}
	if len(out) == 0 {
		t.Fatalf("no table in the report:\n%s", report)
	}
	return out
}

// ints reads one column of integers.
func ints(t *testing.T, url, query string) map[int64]int64 {
	t.Helper()
	conn := pgtest.Connect(t, url)
	rows, err := conn.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// sortedRows is every COPY row of a plain dump, table by table, sorted:
// the rows a dump holds whatever order they come in.
func sortedRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var table string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case table == "" && strings.HasPrefix(line, "COPY ") && strings.HasSuffix(line, "FROM stdin;"):
			table = strings.Fields(line)[1]
			out[table] = []string{}
		case table != "" && line == `\.`:
			slices.Sort(out[table])
			table = ""
		case table != "":
			out[table] = append(out[table], line)
		}
	}
	return out
}

// TestSubsetShop takes 10% of 10,000 users of the shop and checks the
// closure against the whole database: every order of a kept user is kept,
// everything loads with every constraint, pinned users are there, two runs
// give the same bytes, and a live source gives the same rows.
func TestSubsetShop(t *testing.T) {
	full := benchdump.Path(t, 25) // 10,000 users
	pins := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
	section := "subset:\n  root: public.users\n  percent: 10\n  include:\n    public.users: [" + strings.Join(pins, ", ") + "]\n"
	masked := subsetRules(t, shopRules, section)
	plain := filepath.Join(t.TempDir(), "keep.yaml")
	if err := os.WriteFile(plain, []byte("version: 1\nstrict: false\ntables: {}\n"+section), 0o600); err != nil {
		t.Fatal(err)
	}

	// Unmasked, so that kept rows can be compared with the original by key.
	dir := t.TempDir()
	keepOut := filepath.Join(dir, "keep.sql")
	r := run(t, secretEnv, "", "--rules", plain, "--in", full, "--out", keepOut)
	if r.code != ExitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	counts := planCounts(t, r.stderr)
	m := regexp.MustCompile(`public\.users .*root sample (\d+)`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no root sample in the summary:\n%s", r.stderr)
	}
	if n, _ := strconv.Atoi(m[1]); n < 900 || n > 1100 {
		t.Errorf("root sample kept %d of 10,000 users, want 10%% ± 1 point", n)
	}
	orig, sub := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Psql(t, orig, full)
	pgtest.Psql(t, sub, keepOut) // FKs, UNIQUEs and CHECKs are added after the data

	users := ints(t, sub, "SELECT id, 0 FROM public.users")
	for _, p := range pins {
		id, _ := strconv.ParseInt(p, 10, 64)
		if _, ok := users[id]; !ok {
			t.Errorf("pinned user %d is missing", id)
		}
	}
	ordersOf := ints(t, orig, "SELECT user_id, count(*) FROM public.orders GROUP BY 1")
	keptOrdersOf := ints(t, sub, "SELECT user_id, count(*) FROM public.orders GROUP BY 1")
	for id := range users {
		if ordersOf[id] != keptOrdersOf[id] {
			t.Errorf("user %d: %d of %d orders kept", id, keptOrdersOf[id], ordersOf[id])
		}
	}
	itemsOf := ints(t, orig, "SELECT order_id, count(*) FROM public.order_items GROUP BY 1")
	keptItemsOf := ints(t, sub, "SELECT order_id, count(*) FROM public.order_items GROUP BY 1")
	for o, n := range ints(t, sub, "SELECT id, 0 FROM public.orders") {
		_ = n
		if itemsOf[o] != keptItemsOf[o] {
			t.Errorf("order %d: %d of %d items kept", o, keptItemsOf[o], itemsOf[o])
		}
	}
	got := tableCounts(t, sub)
	for table, n := range counts {
		if n >= 0 && got[table] != n && !strings.Contains(table, "events") { // events is partitioned: its leaves are counted apart
			t.Errorf("%s: the plan says %d rows, the database has %d", table, n, got[table])
		}
	}

	// Masked: the same rows (masking does not change which), the same bytes twice.
	a, b := filepath.Join(dir, "a.sql"), filepath.Join(dir, "b.sql")
	for _, out := range []string{a, b} {
		if r := run(t, secretEnv, "", "--rules", masked, "--in", full, "--out", out, "--quiet"); r.code != ExitOK {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("two subset runs gave different bytes")
	}
	maskedDB := pgtest.NewDatabase(t)
	pgtest.Psql(t, maskedDB, a)
	if m := tableCounts(t, maskedDB); fmt.Sprint(m) != fmt.Sprint(got) {
		t.Errorf("masked subset counts %v, unmasked %v", m, got)
	}

	// Live source: the same rows, masked alike.
	liveOut := filepath.Join(dir, "live.sql")
	if r := run(t, secretEnv, "", "--rules", masked, "--source", orig, "--out", liveOut, "--quiet"); r.code != ExitOK {
		t.Fatalf("live: exit %d:\n%s", r.code, r.stderr)
	}
	fileRows, liveRows := sortedRows(t, a), sortedRows(t, liveOut)
	for table, rows := range fileRows {
		if !slices.Equal(rows, liveRows[table]) {
			onlyFile, onlyLive := 0, 0
			in := map[string]bool{}
			for _, r := range liveRows[table] {
				in[r] = true
			}
			for _, r := range rows {
				if !in[r] {
					onlyFile++
				}
				delete(in, r)
			}
			onlyLive = len(in)
			t.Errorf("%s: live mode kept %d rows, file mode %d; %d rows only in file mode's output, %d only in live mode's", table, len(liveRows[table]), len(rows), onlyFile, onlyLive)
		}
	}
}

// TestSubsetCorpus subsets chinook and pagila on customer at 20%: the
// result loads, and subset-plan's counts are the loaded database's.
func TestSubsetCorpus(t *testing.T) {
	for _, c := range []struct{ dump, rules string }{
		{"chinook/pg15/chinook.plain.sql", "testdata/rules/chinook.yaml"},
		{"pagila/pg15/pagila.plain.sql", "testdata/rules/pagila.yaml"},
	} {
		t.Run(filepath.Base(c.rules), func(t *testing.T) {
			in := corpus.Path(t, c.dump)
			plan := run(t, secretEnv, "", "subset-plan", "--rules", c.rules, "--in", in, "--subset", "public.customer=20%")
			if plan.code != ExitOK {
				t.Fatalf("subset-plan exit %d:\n%s", plan.code, plan.stderr)
			}
			out := filepath.Join(t.TempDir(), "out.sql")
			if r := run(t, secretEnv, "", "--rules", c.rules, "--in", in, "--out", out, "--subset", "public.customer=20%", "--quiet"); r.code != ExitOK {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			db := pgtest.NewDatabase(t)
			pgtest.Psql(t, db, out)
			conn := pgtest.Connect(t, db)
			for table, want := range planCounts(t, plan.stdout) {
				var n int64
				if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if want >= 0 && n != want {
					t.Errorf("%s: subset-plan says %d rows, the database has %d", table, want, n)
				}
			}
			if !strings.Contains(plan.stdout, "public.customer") || !strings.Contains(plan.stdout, "root sample") {
				t.Errorf("plan:\n%s", plan.stdout)
			}
		})
	}
}

// shapesDump has what real schemas have and subsets trip on: an FK cycle
// between two tables (one side deferrable), a self-reference with mutual
// pairs and a self-loop, a composite FK, an FK to a UNIQUE column that is
// not the primary key, a partitioned table, and a relation the schema does
// not declare (audit.user_ref). Foreign keys come after the data, as
// pg_dump writes them.
const shapesDump = `
CREATE TABLE public.teams (id int PRIMARY KEY, captain_id int);
CREATE TABLE public.people (id int PRIMARY KEY, team_id int, buddy_id int, code text UNIQUE NOT NULL, name text);
CREATE TABLE public.badges (person_code text, n int, PRIMARY KEY (person_code, n));
CREATE TABLE public.badge_log (person_code text, n int, note text);
CREATE TABLE public.events (id int, person_id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.audit (id int PRIMARY KEY, user_ref int, what text);
COPY public.teams (id, captain_id) FROM stdin;
%s\.
COPY public.people (id, team_id, buddy_id, code, name) FROM stdin;
%s\.
COPY public.badges (person_code, n) FROM stdin;
%s\.
COPY public.badge_log (person_code, n, note) FROM stdin;
%s\.
COPY public.events_2024 (id, person_id, at) FROM stdin;
%s\.
COPY public.events_2025 (id, person_id, at) FROM stdin;
%s\.
COPY public.audit (id, user_ref, what) FROM stdin;
%s\.
ALTER TABLE public.people ADD CONSTRAINT people_team_fk FOREIGN KEY (team_id) REFERENCES public.teams(id);
ALTER TABLE public.people ADD CONSTRAINT people_buddy_fk FOREIGN KEY (buddy_id) REFERENCES public.people(id);
ALTER TABLE public.teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES public.people(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE public.badges ADD CONSTRAINT badges_code_fk FOREIGN KEY (person_code) REFERENCES public.people(code);
ALTER TABLE public.badge_log ADD CONSTRAINT badge_log_fk FOREIGN KEY (person_code, n) REFERENCES public.badges(person_code, n);
ALTER TABLE public.events ADD CONSTRAINT events_person_fk FOREIGN KEY (person_id) REFERENCES public.people(id);
`

func TestSubsetSchemaShapes(t *testing.T) {
	var teams, people, badges, logs, ev24, ev25, audit strings.Builder
	for i := 1; i <= 200; i++ {
		fmt.Fprintf(&teams, "%d\t%d\n", i, i*5-2)
	}
	for p := 1; p <= 1000; p++ {
		buddy := `\N`
		switch {
		case p%10 == 1: // mutual pairs: 1↔2, 11↔12, …
			buddy = fmt.Sprint(p + 1)
		case p%10 == 2:
			buddy = fmt.Sprint(p - 1)
		case p%10 == 3: // a self-loop
			buddy = fmt.Sprint(p)
		case p%10 == 4: // a chain towards lower ids
			buddy = fmt.Sprint(p - 4)
		}
		fmt.Fprintf(&people, "%d\t%d\t%s\tc%d\tname %d\n", p, (p-1)/5+1, buddy, p, p)
		if p%2 == 0 {
			fmt.Fprintf(&badges, "c%d\t1\nc%d\t2\n", p, p)
			fmt.Fprintf(&logs, "c%d\t2\tgot it\n", p)
		}
		fmt.Fprintf(&ev24, "%d\t%d\t2024-0%d-01\n", p, p, p%9+1)
		fmt.Fprintf(&ev25, "%d\t%d\t2025-0%d-01\n", p+1000, p, p%9+1)
		fmt.Fprintf(&audit, "%d\t%d\tlogin\n", p, p)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "shapes.sql")
	script := fmt.Sprintf(shapesDump, teams.String(), people.String(), badges.String(), logs.String(), ev24.String(), ev25.String(), audit.String())
	if err := os.WriteFile(in, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte(`version: 1
strict: false
tables:
  public.people:
    id: hash_id
    name: full_name
relations:
  - from: public.audit.user_ref
    to: public.people.id
subset:
  root: public.teams
  percent: 10
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.sql")
	r := run(t, secretEnv, "", "--rules", rulesPath, "--in", in, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"cycle: public.people ↔ public.teams", "public.audit", "descendant of public.people"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stderr)
		}
	}
	db := pgtest.NewDatabase(t)
	pgtest.Psql(t, db, out) // every FK is added after the data: it must hold
	conn := pgtest.Connect(t, db)
	ctx := context.Background()
	var teamsKept, peopleKept, orphans, auditKept int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM teams), (SELECT count(*) FROM people),
		(SELECT count(*) FROM audit a WHERE NOT EXISTS (SELECT FROM people p WHERE p.id = a.user_ref)),
		(SELECT count(*) FROM audit)`).Scan(&teamsKept, &peopleKept, &orphans, &auditKept); err != nil {
		t.Fatal(err)
	}
	if teamsKept < 5 || teamsKept > 60 || peopleKept == 0 {
		t.Errorf("kept %d of 200 teams and %d people", teamsKept, peopleKept)
	}
	// The relation is followed both ways and masked like the key it names.
	if orphans != 0 || auditKept != peopleKept {
		t.Errorf("audit: %d rows, %d not matching a kept person (kept people %d)", auditKept, orphans, peopleKept)
	}
}

// TestCIFixtureRehearsal builds the CI fixture as `make fixture-ci` does,
// loads it into a throwaway database and applies the sample migration to
// it: migration rehearsal in miniature.
func TestCIFixtureRehearsal(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	// The test runs the Makefile's own flags, so the two cannot drift.
	m := regexp.MustCompile(`(?s)\nfixture-ci:.*?--subset (\S+) --pin (\S+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no fixture-ci target with --subset and --pin in the Makefile")
	}
	out := filepath.Join(t.TempDir(), "shop.ci.sql")
	r := run(t, map[string]string{"ANONYMIZE_SECRET": "understudy-ci-fixture-secret"}, "",
		"--rules", shopRules, "--in", fixture, "--out", out, "--subset", string(m[1]), "--pin", string(m[2]))
	if r.code != ExitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "pinned") {
		t.Errorf("no pinned rows in the summary:\n%s", r.stderr)
	}
	db := pgtest.NewDatabase(t)
	pgtest.Psql(t, db, out)
	pgtest.Psql(t, db, "../testdata/migrations/rehearsal.sql")
	var gold, users int64
	conn := pgtest.Connect(t, db)
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FILTER (WHERE loyalty_tier = 'gold'), count(*) FROM public.users").Scan(&gold, &users); err != nil {
		t.Fatal(err)
	}
	if users < 40 || users > 100 || gold == 0 {
		t.Errorf("fixture has %d users, %d gold after the migration", users, gold)
	}
}

// TestSubsetWhere samples only root rows meeting where:, read in the live
// source's snapshot; a file source refuses it at its line.
func TestSubsetWhere(t *testing.T) {
	rulesPath := subsetRules(t, shopRules, "subset:\n  root: public.users\n  percent: 100\n  where: country = 'NL' AND status <> 'closed'\n")
	src := pgtest.NewDatabase(t)
	pgtest.Psql(t, src, fixture)
	var want int64
	if err := pgtest.Connect(t, src).QueryRow(context.Background(),
		"SELECT count(*) FROM public.users WHERE country = 'NL' AND status <> 'closed'").Scan(&want); err != nil {
		t.Fatal(err)
	}
	r := run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--source", src)
	if r.code != ExitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if m := regexp.MustCompile(`root sample (\d+)`).FindStringSubmatch(r.stdout); m == nil || m[1] != fmt.Sprint(want) {
		t.Errorf("root sample %v, want %d users meeting where:\n%s", m, want, r.stdout)
	}
	r = run(t, secretEnv, "", "subset-plan", "--rules", rulesPath, "--in", fixture)
	if r.code == ExitOK || !strings.Contains(r.stderr, "rules.yaml:") || !strings.Contains(r.stderr, "needs a live database") {
		t.Errorf("where: on a file: exit %d\n%s", r.code, r.stderr)
	}
	bad := subsetRules(t, shopRules, "subset:\n  root: public.users\n  percent: 100\n  where: no_such_column = 1\n")
	r = run(t, secretEnv, "", "subset-plan", "--rules", bad, "--source", src)
	if r.code == ExitOK || !strings.Contains(r.stderr, "no_such_column") {
		t.Errorf("a bad where: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSubsetArchivesEqualPlain: a subset of a custom, directory or tar
// archive is the subset of the plain dump of the same database, byte for
// byte (but for the random \restrict key).
func TestSubsetArchivesEqualPlain(t *testing.T) {
	restrict := regexp.MustCompile(`(?m)^\\(un)?restrict .*$`)
	masked := func(in string) string {
		out := filepath.Join(t.TempDir(), "out.sql")
		r := run(t, secretEnv, "", "--rules", "testdata/rules/pagila.yaml", "--in", in, "--out", out, "--format", "plain", "--subset", "public.customer=20%", "--quiet")
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d:\n%s", in, r.code, r.stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return restrict.ReplaceAllString(string(b), "")
	}
	want := masked(corpus.Path(t, "pagila/pg15/pagila.plain.sql"))
	for _, a := range []string{"pagila/pg15/pagila.Fc.gzip.dump", "pagila/pg15/pagila.Fd", "pagila/pg15/pagila.Ft.tar"} {
		if got := masked(corpus.Path(t, a)); got != want {
			t.Errorf("%s: the subset differs from the plain dump's", a)
		}
	}
}
