package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/outfile"
)

// The tests in this file feed anonymize hostile input — real pg_dump and
// pg_dumpall output, large objects, malformed rows and statements — and
// check that it fails closed: a refused run exits non-zero, leaves no
// output, and prints a located error that holds no value; a run that
// succeeds holds no canary.

// canaryEnv gives in-process runs the canary secret, which must never be
// printed.
var canaryEnv = map[string]string{"ANONYMIZE_SECRET": canarySecret}

// leakForms returns the ways v can appear in a dump or a message: as is,
// as bytea hex in either case, base64, and COPY-escaped.
func leakForms(v string) []string {
	h := hex.EncodeToString([]byte(v))
	return []string{v, h, strings.ToUpper(h), base64.StdEncoding.EncodeToString([]byte(v)), string(copytext.Encode(nil, []byte(v)))}
}

// assertNoLeak fails the test if s holds, in any form, a canary of
// canary_test.go, the canary secret, or one of extra.
func assertNoLeak(t *testing.T, what, s string, extra ...string) {
	t.Helper()
	for _, c := range append(append([]string{canarySecret}, canaries...), extra...) {
		for _, form := range leakForms(c) {
			if strings.Contains(s, form) {
				t.Errorf("%s holds %q (as %q):\n%s", what, c, form, clip(s))
			}
		}
	}
}

// clip shortens s for a failure message.
func clip(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n…\n" + s[len(s)-2000:]
	}
	return s
}

// assertDirHolds fails the test unless dir holds exactly the entries
// named in want: a failed run leaves no output and no temporary .*.tmp.
func assertDirHolds(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// assertLocated fails the test unless a line of stderr starts with
// "file:line: " and holds every one of msgs.
func assertLocated(t *testing.T, stderr, file string, line int, msgs ...string) {
	t.Helper()
	prefix := fmt.Sprintf("%s:%d: ", file, line)
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for _, m := range msgs {
			if !strings.Contains(l, m) {
				t.Errorf("error %q does not say %q", l, m)
			}
		}
		return
	}
	t.Errorf("no error located at %s; stderr:\n%s", strings.TrimSuffix(prefix, " "), stderr)
}

// lineOf returns the 1-based line of text on which sub first appears.
func lineOf(t *testing.T, text, sub string) int {
	t.Helper()
	i := strings.Index(text, sub)
	if i < 0 {
		t.Fatalf("%q not found", sub)
	}
	return strings.Count(text[:i], "\n") + 1
}

// sqlExec runs statements, one by one, in the database at url.
func sqlExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
}

// pgDump dumps the database at url with pg_dump and args into a file in
// dir and returns its path.
func pgDump(t *testing.T, dir, name, url string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	cmd := exec.Command(pgtest.Bin(t, "pg_dump"), append(args, "-f", path, "-d", url)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump %v: %v\n%s", args, err, out)
	}
	return path
}

// psqlLoad loads file into the database at url the way the README says a
// masked dump is loaded: one transaction, stopping at the first error.
func psqlLoad(t *testing.T, url, file string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(pgtest.Bin(t, "psql"), "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file)
	return cmd.CombinedOutput()
}

// userTables lists the tables of the database at url outside the system
// schemas.
func userTables(t *testing.T, url string) []string {
	t.Helper()
	conn := pgtest.Connect(t, url)
	rows, err := conn.Query(context.Background(), `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// queryString returns the single text value of query.
func queryString(t *testing.T, url, query string) string {
	t.Helper()
	var s string
	if err := pgtest.Connect(t, url).QueryRow(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return s
}

// randomHex returns n random bytes in hex, for names and canaries unique
// to a test run.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// A large object can hold anything: without `large_objects:` in the rules
// a dump holding one is refused at its first statement; `drop` leaves its
// bytes out; `keep` copies them on purpose.
func TestRealDumpLargeObjects(t *testing.T) {
	const loCanary = "canary-large-object-payload-5e1d"
	db := pgtest.NewDatabase(t)
	sqlExec(t, db,
		`CREATE TABLE public.docs (id integer PRIMARY KEY, owner_email text, body oid)`,
		`INSERT INTO public.docs VALUES (1, 'canary.alpha@leakcheck.org', lo_from_bytea(0, '`+loCanary+`'::bytea))`)
	dir := t.TempDir()
	dump := pgDump(t, dir, "lo.sql", db)
	text, _ := os.ReadFile(dump)
	if !strings.Contains(string(text), hex.EncodeToString([]byte(loCanary))) {
		t.Fatalf("pg_dump did not write the large object's bytes as hex; the test is not looking:\n%s", text)
	}
	loLine := lineOf(t, string(text), "SELECT pg_catalog.lo_create(")

	const table = "tables:\n  public.docs:\n    id: keep\n    owner_email: email\n    body: keep\n"
	for _, c := range []struct {
		name, rules string
		code        int
	}{
		{"strict, no large_objects", "version: 1\n" + table, ExitFailure},
		{"not strict, no large_objects", "version: 1\nstrict: false\n" + table, ExitFailure},
		{"drop", "version: 1\nlarge_objects: drop\n" + table, ExitOK},
		{"keep", "version: 1\nlarge_objects: keep\n" + table, ExitOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			outDir := t.TempDir()
			rulesPath := writeFile(t, t.TempDir(), "rules.yaml", c.rules)
			out := filepath.Join(outDir, "out.sql")
			r := run(t, canaryEnv, "", "--rules", rulesPath, "--in", dump, "--out", out)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, c.code, r.stderr)
			}
			assertNoLeak(t, "stderr", r.stderr, loCanary)
			if c.code != ExitOK {
				assertLocated(t, r.stderr, dump, loLine, "large objects", "large_objects: drop")
				assertDirHolds(t, outDir)
				return
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "drop" {
				assertNoLeak(t, "output", string(got), loCanary)
			} else {
				assertNoLeak(t, "output", string(got)) // the owner's email is masked all the same
				if !bytes.Contains(got, []byte(hex.EncodeToString([]byte(loCanary)))) {
					t.Errorf("large_objects: keep did not keep the large object")
				}
			}
			target := pgtest.NewDatabase(t)
			if msg, err := psqlLoad(t, target, out); err != nil {
				t.Fatalf("the output does not load: %v\n%s", err, msg)
			}
			n := queryString(t, target, "SELECT count(*)::text FROM pg_catalog.pg_largeobject_metadata")
			if want := map[string]string{"drop": "0", "keep": "1"}[c.name]; n != want {
				t.Errorf("the loaded database has %s large objects, want %s", n, want)
			}
		})
	}
}

// pgDumpAll dumps the whole test cluster with pg_dumpall and args. Other
// tests create and drop databases meanwhile, and pg_dumpall fails when one
// it listed is gone before its turn, so it is retried.
func pgDumpAll(t *testing.T, path string, args ...string) string {
	t.Helper()
	var out []byte
	var err error
	for range 5 {
		cmd := exec.Command(pgtest.Bin(t, "pg_dumpall"), append(args, "-f", path, "-d", pgtest.AdminURL(t))...)
		if out, err = cmd.CombinedOutput(); err == nil {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("pg_dumpall %v: %v\n%s", args, err, out)
	return ""
}

// withoutComments drops every line that is a -- comment.
func withoutComments(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "--") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// dumpAllSection returns the part of pg_dumpall output that dumps one
// database: from its `-- Database "name" dump` comment to the next.
func dumpAllSection(t *testing.T, all, database string) string {
	t.Helper()
	start := strings.Index(all, "-- Database \""+database+"\" dump\n")
	if start < 0 {
		t.Fatalf("pg_dumpall output has no section for %s", database)
	}
	rest := all[start+1:]
	end := len(rest)
	for _, next := range []string{"-- Database \"", "-- PostgreSQL database cluster dump complete"} {
		if i := strings.Index(rest, next); i >= 0 && i < end {
			end = i
		}
	}
	return "-" + rest[:end]
}

// pg_dumpall output holds several databases, whose same-named tables would
// be taken for one, and role password hashes: it is refused, also with its
// header comments stripped, and whatever the rules say.
func TestRealDumpAllRefused(t *testing.T) {
	emails := []string{"canary.dumpall.one@leakcheck.org", "canary.dumpall.two@leakcheck.org"}
	var dbs []string
	for i, email := range emails {
		db := pgtest.NewDatabase(t)
		sqlExec(t, db, `CREATE TABLE public.users (id integer PRIMARY KEY, email text)`,
			fmt.Sprintf(`INSERT INTO public.users VALUES (%d, '%s')`, i+1, email))
		u, err := url.Parse(db)
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, strings.TrimPrefix(u.Path, "/"))
	}
	// A role with a password: its hash must never be copied.
	role := "understudy_test_role_" + randomHex(t, 6)
	rolePassword := "canary-role-password-" + randomHex(t, 4)
	conn := pgtest.Connect(t, pgtest.AdminURL(t))
	if _, err := conn.Exec(context.Background(), "CREATE ROLE "+role+" LOGIN PASSWORD '"+rolePassword+"'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) }) // before conn closes

	secrets := append(append([]string(nil), emails...), rolePassword, "SCRAM-SHA-256$")

	dir := t.TempDir()
	all := pgDumpAll(t, filepath.Join(dir, "all.sql"), "--inserts")
	for _, e := range emails {
		if !strings.Contains(all, e) {
			t.Fatalf("pg_dumpall output lacks %s; the test is not looking", e)
		}
	}
	if !strings.Contains(all, "SCRAM-SHA-256$") {
		t.Fatalf("pg_dumpall output lacks the role's password hash; the test is not looking")
	}
	// The two test databases, one after the other, as pg_dump --create
	// writes each: the second \connect is the refusal.
	both := dumpAllSection(t, all, dbs[0]) + dumpAllSection(t, all, dbs[1])

	headless := strings.ReplaceAll(all, "-- PostgreSQL database cluster dump", "--")
	inputs := []struct {
		name, text string
		// line is where the refusal must be located; msgs are the
		// messages one of which it must give.
		line int
		msgs []string
	}{
		{"as dumped", all, lineOf(t, all, "-- PostgreSQL database cluster dump"), []string{"pg_dumpall output"}},
		{"cluster header stripped", headless, firstRoleOrConnect(t, headless), []string{"sets a role's password", `\connect to another database`}},
		{"comments stripped", withoutComments(all), firstRoleOrConnect(t, withoutComments(all)),
			[]string{"sets a role's password", `\connect to another database`}},
		{"two databases", both, lineOf(t, both, `\connect `+dbs[1]), []string{`\connect to another database`}},
		{"two databases, comments stripped", withoutComments(both), lineOf(t, withoutComments(both), `\connect `+dbs[1]),
			[]string{`\connect to another database`}},
	}
	users := "  public.users:\n    id: keep\n    email: email\n"
	rulesFiles := map[string]string{
		"strict":                    "version: 1\ntables:\n" + users,
		"not strict":                "version: 1\nstrict: false\ntables:\n" + users,
		"not strict, keep anything": "version: 1\nstrict: false\nlarge_objects: keep\ntables:\n" + users,
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			inDir := t.TempDir()
			path := writeFile(t, inDir, "dump.sql", in.text)
			for rname, rules := range rulesFiles {
				rulesPath := writeFile(t, inDir, "rules.yaml", rules)
				outDir := t.TempDir()
				for _, out := range []string{filepath.Join(outDir, "out.sql"), "-"} {
					r := run(t, canaryEnv, "", "--rules", rulesPath, "--in", path, "--out", out)
					if r.code != ExitFailure {
						t.Errorf("%s, --out %s: exit %d, want %d:\n%s", rname, out, r.code, ExitFailure, r.stderr)
					}
					assertNoLeak(t, "stderr", r.stderr, secrets...)
					assertNoLeak(t, "stdout", r.stdout, secrets...)
					if out == "-" && !strings.HasSuffix(r.stdout, string(plain.FailureMarker[1:])) {
						t.Errorf("%s: the stream does not end with the failure marker: %q", rname, r.stdout)
					}
					assertOneOf(t, r.stderr, path, in.line, in.msgs)
				}
				assertDirHolds(t, outDir)
				r := run(t, canaryEnv, "", "check", "--rules", rulesPath, "--in", path)
				if r.code != ExitFailure {
					t.Errorf("%s: check exit %d, want %d:\n%s", rname, r.code, ExitFailure, r.stderr)
				}
				assertNoLeak(t, "check output", r.stdout+r.stderr, secrets...)
			}
		})
	}
}

// firstRoleOrConnect returns the line of the first statement in
// pg_dumpall output without its header that must be refused: a role's
// password, or the first \connect (after the roles were created).
func firstRoleOrConnect(t *testing.T, text string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, `\connect `) || strings.HasPrefix(l, "ALTER ROLE ") && strings.Contains(l, " PASSWORD '") {
			return i + 1
		}
	}
	t.Fatal("no role password and no \\connect")
	return 0
}

// assertOneOf fails the test unless stderr holds an error located in file
// at line that says one of msgs.
func assertOneOf(t *testing.T, stderr, file string, line int, msgs []string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(file) + `:(\d+): (.*)$`)
	m := re.FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("no error located in %s:\n%s", file, stderr)
		return
	}
	if m[1] != fmt.Sprint(line) {
		t.Errorf("error located at line %s, want %d:\n%s", m[1], line, stderr)
	}
	for _, msg := range msgs {
		if strings.Contains(m[2], msg) {
			return
		}
	}
	t.Errorf("error %q says none of %q", m[0], msgs)
}

// Real --inserts and --column-inserts dumps of awkward types — bit strings,
// arrays, negative numbers, NaN and infinities, bytea, json — mask, hold no
// canary and load; so does the COPY dump of the same table.
func TestRealDumpInsertsOfEveryShape(t *testing.T) {
	const (
		tagCanary   = "canary-tag-value-0c4f"
		bytesCanary = "canary-bytea-value-93ab"
	)
	source := pgtest.NewDatabase(t)
	sqlExec(t, source, `CREATE TABLE public.shapes (
		id integer PRIMARY KEY,
		email text,
		flags bit(4),
		vflags bit varying(8),
		tags text[],
		nums integer[],
		neg integer,
		amount numeric,
		ratio double precision,
		score real,
		raw bytea,
		blob bytea,
		doc json,
		docb jsonb
	)`, `INSERT INTO public.shapes VALUES
		(1, 'canary.alpha@leakcheck.org', B'1010', B'101', ARRAY['`+tagCanary+`', 'b c', 'd"e', 'it''s'], ARRAY[-1, 2], -42, -3.5, 'NaN', '-Infinity',
		 '\xdeadbeef', '`+bytesCanary+`'::bytea, '{"email": "canary.alpha@leakcheck.org", "n": -1}', '{"a": [1, -2.5e3]}'),
		(-2, 'canary.beta@leakcheck.org', B'0001', B'', '{}', NULL, -2147483648, 'NaN', 'Infinity', 'NaN',
		 '', '\x00ff'::bytea, '[]', 'null'),
		(3, NULL, NULL, NULL, ARRAY[NULL, 'x'], ARRAY[[1, 2], [3, -4]], 0, '-Infinity', '-1e-300', '1.5e10',
		 NULL, NULL, NULL, '{"k": "it''s \"quoted\""}')`)
	rules := writeFile(t, t.TempDir(), "rules.yaml", `version: 1
tables:
  public.shapes:
    id: hash_id
    email: email
    flags: keep
    vflags: null
    tags: {use: hash, length: 16}
    nums: hash_id
    neg: hash_id
    amount: number_noise
    ratio: number_noise
    score: keep
    raw: keep
    blob: hash
    doc: {use: json, paths: {"$.email": email}}
    docb: keep
`)
	extra := []string{"canary.beta@leakcheck.org", tagCanary, bytesCanary}
	// The kept columns, to compare after the load.
	const kept = `SELECT string_agg(concat_ws(' ', flags, score, raw, docb), '; ' ORDER BY score) FROM public.shapes`
	want := queryString(t, source, kept)
	dir := t.TempDir()
	for _, args := range [][]string{{"--inserts"}, {"--column-inserts"}, {"--inserts", "--rows-per-insert=2"}, {}} {
		name := "COPY"
		if len(args) > 0 {
			name = strings.Join(args, " ")
		}
		t.Run(name, func(t *testing.T) {
			dump := pgDump(t, dir, strings.NewReplacer("-", "", " ", "_", "=", "").Replace(name)+".sql", source, args...)
			text, _ := os.ReadFile(dump)
			if !bytes.Contains(text, []byte(hex.EncodeToString([]byte(bytesCanary)))) || !bytes.Contains(text, []byte(tagCanary)) {
				t.Fatalf("the dump lacks the canaries; the test is not looking:\n%s", text)
			}
			out := filepath.Join(t.TempDir(), "out.sql")
			r := run(t, canaryEnv, "", "--rules", rules, "--in", dump, "--out", out)
			if r.code != ExitOK {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			assertNoLeak(t, "stderr", r.stderr, extra...)
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			assertNoLeak(t, "output", string(got), extra...)
			target := pgtest.NewDatabase(t)
			if msg, err := psqlLoad(t, target, out); err != nil {
				t.Fatalf("the output does not load: %v\n%s", err, msg)
			}
			if got := queryString(t, target, kept); got != want {
				t.Errorf("kept columns changed:\n got %s\nwant %s", got, want)
			}
			if n := queryString(t, target, "SELECT count(*)::text FROM public.shapes WHERE vflags IS NULL"); n != "3" {
				t.Errorf("%s rows of 3 have vflags masked to NULL", n)
			}
		})
	}
}

// exactCase is a dump that fails at a known place.
type exactCase struct {
	name string
	dump string
	// at is the text on the line the error must name; nth picks its
	// occurrence (0: the first).
	at  string
	nth int
	// msgs must all be in the error.
	msgs []string
	crlf bool
	gzip bool
}

const exactRules = `version: 1
tables:
  public.people:
    id: hash_id
    email: email
    name: full_name
    born: {use: date_shift, max_days: 30}
`

// peopleDump returns a dump of public.people whose COPY block holds rows
// 1..n, row bad holding a date that is not one.
func peopleDump(n, bad int) string {
	var b strings.Builder
	b.WriteString("--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n")
	b.WriteString("CREATE TABLE public.people (\n    id integer NOT NULL,\n    email text,\n    name text,\n    born date\n);\n\n")
	b.WriteString("--\n-- Data for Name: people; Type: TABLE DATA; Schema: public; Owner: -\n--\n\n")
	b.WriteString("COPY public.people (id, email, name, born) FROM stdin;\n")
	for i := 1; i <= n; i++ {
		born := "1980-01-02"
		if i == bad {
			born = "not-a-date-CANARY"
		}
		fmt.Fprintf(&b, "%d\tcanary.alpha@leakcheck.org\tCanaryname Alphason\t%s\n", i, born)
	}
	b.WriteString("\\.\n\n")
	return b.String()
}

const dumpTrailer = "\n--\n-- PostgreSQL database dump complete\n--\n\n"

const peopleDDL = "CREATE TABLE public.people (\n    id integer NOT NULL,\n    email text,\n    name text,\n    born date\n);\n\n"

// Errors name the exact line: in LF, CRLF and gzip dumps, for COPY rows,
// INSERT values, refused statements after comments, and parse errors, whose
// message also gives the byte in the statement PostgreSQL's parser stopped
// at.
func TestErrorLinesAreExact(t *testing.T) {
	copyBad := peopleDump(60, 37) + dumpTrailer
	wrongFields := strings.Replace(peopleDump(60, 0), "41\tcanary.alpha@leakcheck.org\t", "41\tcanary.alpha@leakcheck.org\t\t", 1) + dumpTrailer
	insertSpanning := peopleDDL + "INSERT INTO public.people VALUES\n    (1, 'canary.alpha@leakcheck.org', 'Canaryname Alphason', '1980-01-02'),\n" +
		"    (2, 'canary.alpha@leakcheck.org',\n     'Canaryname Alphason',\n     'not-a-date-CANARY'),\n    (3, NULL, NULL, NULL);\n"
	insertFirst := peopleDDL + "--\n-- Data for Name: people; Type: TABLE DATA; Schema: public; Owner: -\n--\n\n" +
		"INSERT INTO public.people VALUES (1, 'canary.alpha@leakcheck.org', 'Canaryname Alphason', 'not-a-date-CANARY');\n" +
		"INSERT INTO public.people VALUES (2, 'canary.alpha@leakcheck.org', 'Canaryname Alphason', '1980-01-02');\n"
	comment := "/*\n * A comment\n * over several lines;\n * with semicolons; and 'quotes'\n */\n-- and a line comment\n\n"
	update := peopleDump(3, 0) + comment + "UPDATE public.people SET email = 'canary.alpha@leakcheck.org';\n" + dumpTrailer
	meta := peopleDump(3, 0) + comment + "\\i /tmp/more-canary.alpha@leakcheck.org.sql\n" + dumpTrailer
	parseErr := peopleDump(3, 0) + comment + "CREATE TABLE public.other (\n    id integer,\n    note text NOT NULLX\n);\n" + dumpTrailer
	literalErr := peopleDump(3, 0) + comment + "UPDATE public.people\n   SET email 'canary.alpha@leakcheck.org';\n" + dumpTrailer
	virtual := "SET client_encoding = 'UTF8';\n\n" + comment + "CREATE TABLE public.people (\n    id integer NOT NULL,\n    email text,\n    name text,\n    born date,\n" +
		"    email_lower text GENERATED ALWAYS AS (lower(email)) VIRTUAL\n);\n"

	cases := []exactCase{
		{name: "COPY row", dump: copyBad, at: "not-a-date-CANARY", msgs: []string{"public.people.born", "not a date"}},
		{name: "COPY row, CRLF", dump: copyBad, at: "not-a-date-CANARY", crlf: true, msgs: []string{"public.people.born"}},
		{name: "COPY row, gzip", dump: copyBad, at: "not-a-date-CANARY", gzip: true, msgs: []string{"public.people.born"}},
		{name: "COPY row, gzip and CRLF", dump: copyBad, at: "not-a-date-CANARY", gzip: true, crlf: true, msgs: []string{"public.people.born"}},
		{name: "COPY row with a field too many, CRLF", dump: wrongFields, at: "41\t", crlf: true, msgs: []string{"5 fields", "has 4"}},
		{name: "INSERT spanning lines", dump: insertSpanning, at: "not-a-date-CANARY", msgs: []string{"public.people.born", "not a date"}},
		{name: "INSERT after pg_dump's comment block", dump: insertFirst, at: "not-a-date-CANARY", msgs: []string{"public.people.born"}},
		{name: "UPDATE after a multi-line comment", dump: update, at: "UPDATE public.people", msgs: []string{"UPDATE writes rows of public.people"}},
		{name: "UPDATE after a multi-line comment, CRLF", dump: update, at: "UPDATE public.people", crlf: true, msgs: []string{"UPDATE writes rows"}},
		{name: "meta-command after a multi-line comment", dump: meta, at: "\\i ", msgs: []string{`meta-command \i`}},
		{name: "parse error", dump: parseErr, at: "NULLX", msgs: []string{`syntax error at or near "NULLX"`,
			fmt.Sprintf("at byte %d of the statement", len("CREATE TABLE public.other (\n    id integer,\n    note text NOT "))}},
		{name: "parse error, CRLF", dump: parseErr, at: "NULLX", crlf: true, msgs: []string{`syntax error at or near "NULLX"`,
			fmt.Sprintf("at byte %d of the statement", len("CREATE TABLE public.other (\r\n    id integer,\r\n    note text NOT "))}},
		{name: "parse error at a literal", dump: literalErr, at: "SET email", msgs: []string{"syntax error at or near a string literal",
			fmt.Sprintf("at byte %d of the statement", len("UPDATE public.people\n   SET email "))}},
		{name: "PostgreSQL 18 virtual generated column", dump: virtual, at: "VIRTUAL", msgs: []string{
			"PostgreSQL 18 virtual generated columns", "newer than the bundled", "at byte"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t) })
	}
}

func (c exactCase) check(t *testing.T) {
	text := c.dump
	if c.crlf {
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	i := -1
	for range c.nth + 1 {
		j := strings.Index(text[i+1:], c.at)
		if j < 0 {
			t.Fatalf("%q not in the dump", c.at)
		}
		i += 1 + j
	}
	line := strings.Count(text[:i], "\n") + 1
	dir := t.TempDir()
	data, name := []byte(text), "dump.sql"
	if c.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data, name = b.Bytes(), "dump.sql.gz"
	}
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rules := writeFile(t, dir, "rules.yaml", exactRules)
	outDir := t.TempDir()
	r := run(t, canaryEnv, "", "--rules", rules, "--in", in, "--out", filepath.Join(outDir, "out.sql"))
	if r.code != ExitFailure {
		t.Fatalf("exit %d, want %d:\n%s", r.code, ExitFailure, r.stderr)
	}
	assertNoLeak(t, "stderr", r.stderr, "more-canary")
	assertDirHolds(t, outDir)
	assertLocated(t, r.stderr, in, line, c.msgs...)
}

// With strict: false, a run says once how many columns pass through
// unmasked — also under --quiet, and in check.
func TestNotStrictWarnsOnce(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", canaryDump+"CREATE TABLE public.extra (a integer, b text);\n")
	rules := writeFile(t, dir, "rules.yaml", "version: 1\nstrict: false\ntables:\n  public.people:\n    email: email\n    name: full_name\n")
	// people has 7 columns, 2 with a rule; extra has 2 and none.
	for _, args := range [][]string{
		{"--rules", rules, "--in", in, "--out", filepath.Join(t.TempDir(), "out.sql")},
		{"--rules", rules, "--in", in, "--out", filepath.Join(t.TempDir(), "out.sql"), "--quiet"},
		{"--rules", rules, "--in", in, "--out", "-"},
		{"check", "--rules", rules, "--in", in},
	} {
		r := run(t, canaryEnv, "", args...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d:\n%s", args, r.code, r.stderr)
		}
		var warnings []string
		for _, l := range strings.Split(r.stderr, "\n") {
			if strings.Contains(l, "warning") {
				warnings = append(warnings, l)
			}
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "strict: false: 7 column(s) have no rule") {
			t.Errorf("%v: want one warning about 7 columns, got %q", args, warnings)
		}
		assertNoLeak(t, "stderr", r.stderr)
	}
}

// An input without a single statement — an empty file, or the stdin of a
// pg_dump that failed — is bad input (exit 1) and says so, rather than
// blaming the rules for naming tables the dump lacks.
func TestEmptyInput(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, dir, "rules.yaml", canaryRules)
	var gz bytes.Buffer
	gzip.NewWriter(&gz).Close()
	inputs := []struct {
		name, content, msg string
	}{
		{"empty", "", "is empty"},
		{"gzip of nothing", gz.String(), "is empty"},
		{"blank lines", "\n\r\n  \n", "holds no SQL statement"},
		{"comments", "--\n-- nothing here\n--\n/* nor here; */\n", "holds no SQL statement"},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "in.sql", in.content)
			outDir := t.TempDir()
			for _, c := range []struct {
				name string // of the input in messages
				args []string
			}{
				{path, []string{"--rules", rules, "--in", path, "--out", filepath.Join(outDir, "out.sql")}},
				{"stdin", []string{"--rules", rules, "--in", "-", "--out", filepath.Join(outDir, "out.sql")}},
				{"stdin", []string{"--rules", rules, "--in", "-", "--out", "-"}},
				{path, []string{"check", "--rules", rules, "--in", path}},
				{path, []string{"inspect", "--in", path}},
				{"stdin", []string{"inspect", "--in", "-"}},
			} {
				r := run(t, canaryEnv, in.content, c.args...)
				if want := c.name + " " + in.msg; r.code != ExitFailure || !strings.Contains(r.stderr, want) {
					t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, r.code, ExitFailure, want, r.stderr)
				}
				assertNoLeak(t, "stderr", r.stderr)
			}
			assertDirHolds(t, outDir)
		})
	}
}

// Exit status 2 is for mistakes on the command line and in the rules,
// including the secret; 1 for bad input and runs that fail.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", canaryDump)
	rules := writeFile(t, dir, "rules.yaml", canaryRules)
	badRules := writeFile(t, dir, "bad.yaml", strings.Replace(canaryRules, "email: email", "email: emial", 1))
	badData := writeFile(t, dir, "bad.sql", strings.Replace(canaryDump, "1980-01-02", "not-a-date-CANARY", 1))
	empty := writeFile(t, dir, "empty.sql", "")
	secret := func(name, content string) string { return writeFile(t, dir, name, content) }
	unreadable := secret("unreadable", canarySecret)
	os.Chmod(unreadable, 0)
	short := canarySecret[:15]

	type tc struct {
		name string
		args []string
		env  map[string]string
		code int
		msg  string
	}
	cases := []tc{
		{"no arguments", nil, canaryEnv, ExitUsage, "Usage"},
		{"unknown flag", []string{"--bogus"}, canaryEnv, ExitUsage, "bogus"},
		{"stray argument", []string{"--rules", rules, "--in", in, "--out", "-", "extra"}, canaryEnv, ExitUsage, `unexpected argument "extra"`},
		{"no --rules", []string{"--in", in, "--out", "-"}, canaryEnv, ExitUsage, "--rules is required"},
		{"no --in", []string{"--rules", rules, "--out", "-"}, canaryEnv, ExitUsage, "or --source URL is required"},
		{"no --out", []string{"--rules", rules, "--in", in}, canaryEnv, ExitUsage, "or --target URL is required"},
		{"-j -1", []string{"--rules", rules, "--in", in, "--out", "-", "-j", "-1"}, canaryEnv, ExitUsage, "-j"},
		{"--max-row-size 0", []string{"--rules", rules, "--in", in, "--out", "-", "--max-row-size", "0"}, canaryEnv, ExitUsage, "--max-row-size"},
		{"rules file missing", []string{"--rules", filepath.Join(dir, "nope.yaml"), "--in", in, "--out", "-"}, canaryEnv, ExitUsage, "nope.yaml"},
		{"rules wrong", []string{"--rules", badRules, "--in", in, "--out", "-"}, canaryEnv, ExitUsage, `unknown masker "emial"`},
		{"--secret-file without a value", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file"}, nil, ExitUsage, "secret-file"},
		{"--secret-file missing", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", filepath.Join(dir, "nope")}, nil, ExitUsage, "no such file"},
		{"--secret-file a directory", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", dir}, nil, ExitUsage, "is a directory"},
		{"--secret-file of 15 bytes", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", secret("short", short+"\n")}, nil, ExitUsage, "holds 15 bytes"},
		{"--secret-file of 16 bytes", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", secret("sixteen", canarySecret[:16])}, nil, ExitOK, ""},
		{"--secret-file of 4096 bytes", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", secret("4k", strings.Repeat(canarySecret[:16], 256))}, nil, ExitOK, ""},
		{"--secret-file over 4 KiB", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", secret("big", strings.Repeat(canarySecret[:16], 256)+"x")}, nil, ExitUsage, "larger than 4096 bytes"},
		{"ANONYMIZE_SECRET of 15 bytes", []string{"--rules", rules, "--in", in, "--out", "-"}, map[string]string{"ANONYMIZE_SECRET": short}, ExitUsage, "holds 15 bytes"},
		{"--in missing", []string{"--rules", rules, "--in", filepath.Join(dir, "nope.sql"), "--out", "-"}, canaryEnv, ExitFailure, "no such file"},
		{"--in empty", []string{"--rules", rules, "--in", empty, "--out", "-"}, canaryEnv, ExitFailure, "is empty"},
		{"bad data", []string{"--rules", rules, "--in", badData, "--out", "-"}, canaryEnv, ExitFailure, "bad.sql:12: public.people.born"},
		{"--out in a missing directory", []string{"--rules", rules, "--in", in, "--out", filepath.Join(dir, "nope", "out.sql")}, canaryEnv, ExitFailure, "no such file"},
		{"check with bad data", []string{"check", "--rules", rules, "--in", badData}, canaryEnv, ExitOK, ""},
		{"check with wrong rules", []string{"check", "--rules", badRules, "--in", in}, canaryEnv, ExitUsage, "emial"},
		{"check with an empty input", []string{"check", "--rules", rules, "--in", empty}, canaryEnv, ExitFailure, "is empty"},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, tc{"--secret-file unreadable", []string{"--rules", rules, "--in", in, "--out", "-", "--secret-file", unreadable}, nil, ExitUsage, "permission denied"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.env, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, c.code, c.msg, r.stderr)
			}
			if c.code == ExitOK {
				if !strings.Contains(c.name, "check") {
					assertNoLeak(t, "output", r.stdout)
				}
			} else {
				assertNoLeak(t, "output", r.stdout)
			}
			assertNoLeak(t, "stderr", r.stderr, short)
		})
	}
	assertDirHolds(t, dir, "4k", "bad.sql", "bad.yaml", "big", "empty.sql", "in.sql", "rules.yaml", "short", "sixteen", "unreadable")
}

// --help (and -h, help) prints the usage once, to stdout only, and exits 0,
// whatever else is on the command line.
func TestHelpOnceOnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"-help"}, {"help"}, {"--rules", "x.yaml", "--help"}, {"--help", "--bogus"},
		{"check", "--help"}, {"inspect", "-h"},
	} {
		r := run(t, nil, "", args...)
		if r.code != ExitOK || strings.Count(r.stdout, "Usage") != 1 || r.stderr != "" {
			t.Errorf("%v: exit %d, %d usages on stdout, stderr %q", args, r.code, strings.Count(r.stdout, "Usage"), r.stderr)
		}
	}
}

// --out naming the input, directly or through a link, is refused before
// anything is opened; the input stays as it was.
func TestOutIsIn(t *testing.T) {
	for _, c := range []struct {
		name string
		out  func(dir, in string) string
	}{
		{"same path", func(dir, in string) string { return in }},
		{"another spelling", func(dir, in string) string { return dir + "//./in.sql" }},
		{"relative path", func(dir, in string) string {
			wd, _ := os.Getwd()
			rel, err := filepath.Rel(wd, in)
			if err != nil {
				panic(err)
			}
			return rel
		}},
		{"symbolic link", func(dir, in string) string {
			l := filepath.Join(dir, "link.sql")
			os.Symlink("in.sql", l)
			return l
		}},
		{"hard link", func(dir, in string) string {
			l := filepath.Join(dir, "hard.sql")
			os.Link(in, l)
			return l
		}},
		{"link to a link", func(dir, in string) string {
			os.Symlink("in.sql", filepath.Join(dir, "link1.sql"))
			l := filepath.Join(dir, "link2.sql")
			os.Symlink(filepath.Join(dir, "link1.sql"), l)
			return l
		}},
		{"the rules", func(dir, in string) string { return filepath.Join(dir, "rules.yaml") }},
		{"the secret", func(dir, in string) string { return filepath.Join(dir, "secret") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeFile(t, dir, "in.sql", canaryDump)
			rules := writeFile(t, dir, "rules.yaml", canaryRules)
			secret := writeFile(t, dir, "secret", canarySecret+"\n")
			out := c.out(dir, in)
			before := snapshot(t, dir)
			r := run(t, nil, "", "--rules", rules, "--in", in, "--out", out, "--secret-file", secret)
			if r.code != ExitUsage || !strings.Contains(r.stderr, "is the same file as") {
				t.Errorf("exit %d, want %d:\n%s", r.code, ExitUsage, r.stderr)
			}
			assertNoLeak(t, "stderr", r.stderr)
			if after := snapshot(t, dir); after != before {
				t.Errorf("the directory changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshot describes every entry of dir: name, type, size, mtime and, for
// a regular file, content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %v %d %d", e.Name(), fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			content, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			fmt.Fprintf(&b, " %x", content)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// The failure marker closes a COPY block whether the output stopped at a
// line end (where its leading newline would add an empty row) or inside a
// line, and psql then fails on the marker's own exception, committing
// nothing.
func TestFailureMarkerEndsTheLine(t *testing.T) {
	const table = "CREATE TABLE public.t (a integer);\nCOPY public.t (a) FROM stdin;\n1\n"
	for _, c := range []struct {
		name, written, want, psqlSays string
	}{
		{"nothing written", "", string(plain.FailureMarker[1:]), `invalid command \.`},
		{"at a line end", table, table + string(plain.FailureMarker[1:]), "anonymize failed: this dump is incomplete"},
		{"inside a line", table + "2", table + "2" + string(plain.FailureMarker), "anonymize failed: this dump is incomplete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			f, err := outfile.Create(context.Background(), "-", &b)
			if err != nil {
				t.Fatal(err)
			}
			sink := plain.NewSink(f)
			if c.written != "" {
				if err := sink.Entry(context.Background(), &dump.Entry{Defn: []byte(c.written)}); err != nil {
					t.Fatal(err)
				}
			}
			sink.Abort(context.Background())
			if b.String() != c.want {
				t.Fatalf("the stream is %q, want %q", b.String(), c.want)
			}
			db := pgtest.NewDatabase(t)
			msg, err := psqlLoad(t, db, writeFile(t, t.TempDir(), "stream.sql", b.String()))
			if err == nil || !strings.Contains(string(msg), c.psqlSays) {
				t.Errorf("psql: %v, want a failure saying %q:\n%s", err, c.psqlSays, msg)
			}
			if tables := userTables(t, db); len(tables) != 0 {
				t.Errorf("the database holds %v", tables)
			}
		})
	}
}
