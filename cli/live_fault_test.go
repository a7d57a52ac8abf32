//go:build linux

package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// Faults and safety of live mode, run as the anonymize process: signals
// and dropped connections mid-copy, a target that is the source however
// it is spelled, a hot standby as source, and passwords that never show,
// whatever fails. (That a source session cannot write is proven on the
// sessions themselves: TestSourceReadOnly in dump/live.)

// lfPassword returns a password holding a canary unique to the test, then
// characters a URL must escape (lfPieces), and the canary to look for.
func lfPassword(t *testing.T) (password, canary string) {
	canary = "CANARYPW" + randomHex(t, 8)
	return canary + "-p@ss:/w?rd", canary
}

// lfPieces are pieces of the end of every lfPassword: a URL that does not
// escape them is cut there, and a parse error may quote what follows.
var lfPieces = []string{"p@ss", "w?rd", "rd@"}

// lfSuperRole creates a superuser with password (see pgtest.PasswordRole:
// a hot standby asks for it) and returns its name. Create it before the
// databases it will own: cleanups run last in, first out.
func lfSuperRole(t *testing.T, password string) string {
	t.Helper()
	role := pgtest.PasswordRole(t, pgtest.AdminURL(t), password)
	lfExec(t, pgtest.AdminURL(t), "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" SUPERUSER")
	return role
}

// lfURL is the URL base with database db and, when user is set, that user
// and password.
func lfURL(t *testing.T, base, db, user, password string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// lfHostPort is the host and port of a URL.
func lfHostPort(t *testing.T, u string) (string, string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Hostname(), p.Port()
}

// lfDB is the database a URL names.
func lfDB(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Path, "/")
}

// lfNewName is a database name no one uses, dropped (if a run left it)
// when the test ends.
func lfNewName(t *testing.T) string {
	t.Helper()
	name := "understudy_fault_" + randomHex(t, 6)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, pgtest.AdminURL(t))
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

// lfQuery runs query on a connection of its own, closed at once (a
// session left open would count as one the run left behind), and scans
// its one row into dest.
func lfQuery(t *testing.T, u, query string, dest ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, query).Scan(dest...); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
}

// lfExec runs statements in the database at u on a connection of its own,
// closed at once.
func lfExec(t *testing.T, u string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
}

// lfExists reports whether the test server has a database named name.
func lfExists(t *testing.T, name string) bool {
	t.Helper()
	var n int
	lfQuery(t, pgtest.AdminURL(t), "SELECT count(*) FROM pg_database WHERE datname = "+lfLiteral(name), &n)
	return n == 1
}

func lfLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// lfOwned lists the databases the roles own, and the OID of database db:
// what a run as those roles created, and whether db was dropped and made
// anew. (Other test packages create and drop databases meanwhile.)
func lfOwned(t *testing.T, db string, roles ...string) string {
	t.Helper()
	var owned string
	lfQuery(t, pgtest.AdminURL(t), `SELECT format('owned %s, %s has OID %s',
			(SELECT COALESCE(array_agg(datname::text ORDER BY datname), '{}') FROM pg_database WHERE pg_get_userbyid(datdba) = ANY (`+lfArray(roles)+`)),
			`+lfLiteral(db)+`, (SELECT oid FROM pg_database WHERE datname = `+lfLiteral(db)+`))`, &owned)
	return owned
}

func lfArray(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = lfLiteral(v)
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
}

var lfRestrict = regexp.MustCompile(`(?m)^\\(un)?restrict \S+$`)

// lfFingerprint sums up the database at u: its schema as pg_dump writes
// it, every table's row count and an order-independent hash of its rows,
// every sequence's state, its prepared transactions. Equal fingerprints:
// nothing was written.
func lfFingerprint(t *testing.T, u string) string {
	t.Helper()
	schema, err := os.ReadFile(pgDump(t, t.TempDir(), "schema.sql", u, "--schema-only"))
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	lfQuery(t, u, `SELECT COALESCE(array_agg(n ORDER BY n), '{}') FROM (SELECT format('%I.%I', schemaname, relname) AS n FROM pg_stat_user_tables) t`, &tables)
	var b strings.Builder
	b.WriteString(lfRestrict.ReplaceAllString(string(schema), `\${1}restrict KEY`))
	for _, tb := range tables {
		var rows int64
		var sum string
		lfQuery(t, u, "SELECT count(*), COALESCE(sum(hashtextextended(x::text, 0)::numeric), 0)::text FROM "+tb+" x", &rows, &sum)
		fmt.Fprintf(&b, "%s: %d rows, %s\n", tb, rows, sum)
	}
	var seqs, prepared string
	lfQuery(t, u, `SELECT COALESCE(string_agg(s, ',' ORDER BY s), '') FROM (SELECT format('%I.%I=%s', schemaname, sequencename, last_value) AS s FROM pg_sequences) t`, &seqs)
	lfQuery(t, u, `SELECT count(*)::text FROM pg_prepared_xacts WHERE database = current_database()`, &prepared)
	fmt.Fprintf(&b, "sequences %s\nprepared transactions %s\n", seqs, prepared)
	return b.String()
}

// lfQuiet waits until no session is connected to database db (the run's
// server processes end once they see their client gone) and fails the
// test if some still are after half a minute. With no session left, no
// snapshot the run exported is left either: one lives only as long as
// the transaction that exported it.
func lfQuiet(t *testing.T, db string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var sessions string
		lfQuery(t, pgtest.AdminURL(t), `SELECT COALESCE(string_agg(format('%s %s %s', application_name, state, left(query, 60)), '; '), '')
			FROM pg_stat_activity WHERE datname = `+lfLiteral(db)+` AND pid <> pg_backend_pid()`, &sessions)
		if sessions == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions still connected to %s: %s", db, sessions)
		}
	}
}

// lfCopying reports whether rows are being copied into database db: a
// COPY FROM that has processed rows is running there. (Its transaction
// has not committed, so they cannot be counted in the table.)
func lfCopying(t *testing.T, db string) bool {
	t.Helper()
	var n int
	lfQuery(t, pgtest.AdminURL(t), `SELECT count(*) FROM pg_stat_progress_copy
		WHERE datname = `+lfLiteral(db)+` AND command = 'COPY FROM' AND tuples_processed > 0`, &n)
	return n > 0
}

// lfRun is a run of the anonymize process.
type lfRun struct {
	code           int
	stdout, stderr string
	tmp            string // its TMPDIR
}

// lfCommand prepares anonymize with args and extra environment, its
// output collected and its TMPDIR a directory of its own.
func lfCommand(t *testing.T, env []string, args ...string) (*lfRun, func() *proc, func(*proc)) {
	t.Helper()
	r := &lfRun{tmp: t.TempDir()}
	cmd, stderr := anonymizeCommand(args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Env = append(append(cmd.Env, "TMPDIR="+r.tmp), env...)
	start := func() *proc { return startProc(t, cmd) }
	wait := func(p *proc) {
		r.code = p.wait(t)
		r.stdout, r.stderr = stdout.String(), stderr.String()
	}
	return r, start, wait
}

// lfAnonymize runs anonymize with args and extra environment to the end.
func lfAnonymize(t *testing.T, env []string, args ...string) *lfRun {
	t.Helper()
	r, start, wait := lfCommand(t, env, args...)
	wait(start())
	t.Logf("anonymize exit %d; stderr:\n%s", r.code, r.stderr)
	return r
}

// lfNoLeak fails the test if a password canary (or the masking secret)
// shows in the run's output or in any file it left in its TMPDIR.
func lfNoLeak(t *testing.T, r *lfRun, canaries ...string) {
	t.Helper()
	lfNoLeakIn(t, "stdout", r.stdout, canaries...)
	lfNoLeakIn(t, "stderr", r.stderr, canaries...)
	filepath.WalkDir(r.tmp, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			lfNoLeakIn(t, path, string(b), canaries...)
		}
		return nil
	})
}

func lfNoLeakIn(t *testing.T, what, s string, canaries ...string) {
	t.Helper()
	for _, p := range lfPieces {
		if strings.Contains(s, p) {
			t.Errorf("%s holds %q, a piece of a password:\n%s", what, p, clip(s))
		}
	}
	for _, c := range append([]string{canarySecret}, canaries...) {
		for _, form := range append(leakForms(c), url.QueryEscape(c)) {
			if strings.Contains(s, form) {
				t.Errorf("%s holds the canary %q (as %q):\n%s", what, c, form, clip(s))
			}
		}
	}
}

// TestLiveFaultsMidCopy: SIGTERM or SIGINT, or a connection of either end
// dropped, while a table is being copied from --source to --target: the
// run exits 1 (within 5 s of a signal), the database it created is gone,
// and the source is untouched, with no session of the run left on it.
// What a pre-existing target is left as: one replaced with --clean was
// dropped when the run opened it, so after a failure from then on it no
// longer exists, neither its old contents nor a partial copy (a run that
// fails before it opens the target leaves it as it was); an empty one the
// run did not create stays, possibly partly loaded.
func TestLiveFaultsMidCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a table of half a million rows")
	}
	t.Parallel() // waits on the server and on processes, mostly
	password, canary := lfPassword(t)
	role := lfSuperRole(t, password)
	admin := pgtest.AdminURL(t)
	src := pgtest.NewDatabase(t)
	// About 35 MB of COPY text: a second or more to copy, so that the run
	// is still copying when the test has seen it start.
	lfExec(t, src,
		`CREATE TABLE public.accounts AS SELECT g::bigint AS id, 'user' || g || '@example.org' AS email, md5(g::text) AS note FROM generate_series(1, 500000) g`,
		`ALTER TABLE public.accounts ADD PRIMARY KEY (id)`,
		`CREATE TABLE public.plans (id int PRIMARY KEY, name text)`,
		`INSERT INTO public.plans VALUES (1, 'free'), (2, 'paid')`,
		`ANALYZE`)
	rules := writeFile(t, t.TempDir(), "rules.yaml", "version: 1\ntables:\n  public.accounts:\n    id: keep\n    email: email\n    note: keep\n  public.plans: keep\n")
	before := lfFingerprint(t, src)
	source := lfURL(t, src, lfDB(t, src), role, password)

	type fault struct {
		name     string
		target   func(t *testing.T) string // the target's database
		clean    bool
		act      func(t *testing.T, p *proc, target string) // the fault
		want     string                                     // in stderr
		signal   bool
		survives bool // the target database is there after the run
	}
	signal := func(sig syscall.Signal) func(*testing.T, *proc, string) {
		return func(t *testing.T, p *proc, _ string) {
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatalf("the run ended before the signal: %v", err)
			}
		}
	}
	// terminate ends the server process of a COPY of db: a connection
	// dropped under the run.
	terminate := func(db func(target string) string) func(*testing.T, *proc, string) {
		return func(t *testing.T, _ *proc, target string) {
			var n int
			lfQuery(t, admin, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = `+lfLiteral(db(target))+` AND query LIKE 'COPY %' AND pid <> pg_backend_pid()`, &n)
			if n == 0 {
				t.Fatal("no COPY to terminate")
			}
		}
	}
	newTarget := func(t *testing.T) string { return lfNewName(t) }
	faults := []fault{
		{name: "SIGTERM", target: newTarget, act: signal(syscall.SIGTERM), want: "anonymize: interrupted by SIGTERM\n", signal: true},
		{name: "SIGINT", target: newTarget, act: signal(syscall.SIGINT), want: "anonymize: interrupted by SIGINT\n", signal: true},
		{name: "SIGTERM, a --clean target", clean: true, act: signal(syscall.SIGTERM), want: "interrupted by SIGTERM", signal: true,
			target: func(t *testing.T) string {
				name := lfNewName(t)
				lfExec(t, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
				lfExec(t, lfURL(t, admin, name, "", ""), "CREATE TABLE keepme (id int)", "INSERT INTO keepme VALUES (1)")
				return name
			}},
		{name: "SIGTERM, an empty target", act: signal(syscall.SIGTERM), want: "interrupted by SIGTERM", signal: true, survives: true,
			target: func(t *testing.T) string { return lfDB(t, pgtest.NewDatabase(t)) }},
		{name: "source connection dropped", target: newTarget, want: live.Redact(source),
			act: terminate(func(string) string { return lfDB(t, src) })},
		{name: "target connection dropped", target: newTarget,
			act: terminate(func(target string) string { return target })},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			name := f.target(t)
			target := lfURL(t, admin, name, role, password)
			args := []string{"--rules", rules, "--source", source, "--target", target, "-j", "2"}
			if f.clean {
				args = append(args, "--clean")
			}
			r, start, wait := lfCommand(t, nil, args...)
			p := start()
			p.waitUntil(t, "it listens for signals", func() bool { return listening(p.cmd.Process.Pid) })
			p.waitUntil(t, "rows are being copied into the target", func() bool { return lfCopying(t, name) })
			at := time.Now()
			f.act(t, p, name)
			wait(p)
			took := time.Since(at)
			t.Logf("exit %d %v after the fault; stderr:\n%s", r.code, took.Round(time.Millisecond), r.stderr)

			if r.code != ExitFailure {
				t.Errorf("exit %d, want %d", r.code, ExitFailure)
			}
			want := f.want
			if want == "" {
				want = live.Redact(target)
			}
			if n := strings.Count(r.stderr, want); n == 0 || f.signal && n > 1 { // a signal is reported once
				t.Errorf("stderr says %q %d times", want, n)
			}
			if f.signal && took > 5*time.Second {
				t.Errorf("the run took %v to stop after the signal", took)
			}
			if lfExists(t, name) != f.survives {
				t.Errorf("target database %s exists: %v, want %v", name, !f.survives, f.survives)
			}
			lfNoLeak(t, r, canary)
			lfQuiet(t, lfDB(t, src))
			if f.survives {
				lfQuiet(t, name)
			}
		})
	}
	// The target is opened, and a --clean one dropped, only once the
	// source's schema is read and the rules planned on it: a run that
	// fails before (here the source is not there) leaves it as it was.
	t.Run("a --clean target, failing before the load", func(t *testing.T) {
		name := lfNewName(t)
		lfExec(t, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		lfExec(t, lfURL(t, admin, name, "", ""), "CREATE TABLE keepme (id int)", "INSERT INTO keepme VALUES (1)")
		r := lfAnonymize(t, nil, "--rules", rules, "--source", lfURL(t, src, "understudy_missing_"+randomHex(t, 4), role, password),
			"--target", lfURL(t, admin, name, role, password), "--clean")
		if r.code != ExitFailure {
			t.Errorf("exit %d, want %d", r.code, ExitFailure)
		}
		var n int
		lfQuery(t, lfURL(t, admin, name, "", ""), "SELECT count(*) FROM keepme", &n)
		if n != 1 {
			t.Errorf("the --clean target holds %d rows of its own, want 1", n)
		}
		lfNoLeak(t, r, canary)
	})
	if after := lfFingerprint(t, src); after != before {
		t.Errorf("the source changed:\n--- before\n%s\n--- after\n%s", before, after)
	}
}

// TestLiveTargetIsSourceRefused: a --target naming the --source database
// is refused, however the two are spelled, before anything is written:
// --clean would otherwise drop the source.
func TestLiveTargetIsSourceRefused(t *testing.T) {
	t.Parallel() // waits on the server and on processes, mostly
	password, canary := lfPassword(t)
	role := lfSuperRole(t, password)
	other := "understudy_other_" + randomHex(t, 4) // a role that cannot read pg_control_system()
	lfExec(t, pgtest.AdminURL(t), "CREATE ROLE "+pgx.Identifier{other}.Sanitize()+" LOGIN CREATEDB")
	t.Cleanup(func() { lfExec(t, pgtest.AdminURL(t), "DROP ROLE "+pgx.Identifier{other}.Sanitize()) })
	src := pgtest.NewDatabase(t)
	lfExec(t, src, `CREATE TABLE public.people (id int PRIMARY KEY, email text)`,
		`INSERT INTO public.people SELECT g, 'p' || g || '@example.org' FROM generate_series(1, 100) g`)
	rules := writeFile(t, t.TempDir(), "rules.yaml", "version: 1\ntables:\n  public.people:\n    id: keep\n    email: email\n")
	db := lfDB(t, src)
	host, port := lfHostPort(t, src)
	var socketDirs string
	lfQuery(t, src, "SELECT current_setting('unix_socket_directories')", &socketDirs)
	socket, _, _ := strings.Cut(socketDirs, ",")
	source := lfURL(t, src, db, role, password)
	quoted := "'" + password + "'" // a keyword/value password: no quote or backslash in it to escape
	before, owned := lfFingerprint(t, src), lfOwned(t, db, role, other)

	local, loop := "localhost:"+port+"/"+db, host+":"+port+"/"+db // how messages name the target
	for _, c := range []struct {
		name   string
		target string
		env    []string
		clean  bool
		where  string
	}{
		{name: "localhost for 127.0.0.1", target: lfURL(t, "postgres://localhost:"+port, db, role, password), where: local},
		{name: "keyword/value", target: fmt.Sprintf("host=%s port=%s dbname=%s user=%s password=%s", host, port, db, role, quoted), where: loop},
		{name: "no port (PGPORT)", target: lfURL(t, "postgresql://localhost", db, role, password), env: []string{"PGPORT=" + port}, where: local},
		{name: "all from PG* variables", target: "dbname=" + db, env: []string{"PGHOST=" + host, "PGPORT=" + port, "PGUSER=" + role, "PGPASSWORD=" + password}, where: loop},
		{name: "another user", target: lfURL(t, "postgres://"+host+":"+port, db, other, ""), where: loop},
		{name: "unix socket", target: fmt.Sprintf("host=%s port=%s dbname=%s user=postgres", socket, port, db), where: socket + ":" + port + "/" + db},
		{name: "percent-encoded name", target: "postgres://" + url.UserPassword(role, password).String() + "@" + host + ":" + port + "/%" + fmt.Sprintf("%02X", db[0]) + db[1:], where: loop},
		{name: "--clean", target: lfURL(t, "postgres://localhost:"+port, db, role, password), clean: true, where: local},
		{name: "--clean, keyword/value", target: fmt.Sprintf("host=localhost port=%s dbname=%s user=%s password=%s", port, db, other, quoted), clean: true, where: local},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--rules", rules, "--source", source, "--target", c.target}
			if c.clean {
				args = append(args, "--clean")
			}
			r := lfAnonymize(t, c.env, args...)
			if r.code != ExitFailure {
				t.Errorf("exit %d, want %d", r.code, ExitFailure)
			}
			for _, want := range []string{"anonymize: " + c.where + ": ", "the target is the source database (" + db + ", system "} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not say %q", want)
				}
			}
			lfNoLeak(t, r, canary)
		})
	}
	lfQuiet(t, db)
	if after := lfFingerprint(t, src); after != before {
		t.Errorf("the source changed:\n--- before\n%s\n--- after\n%s", before, after)
	}
	if after := lfOwned(t, db, role, other); after != owned {
		t.Errorf("databases before: %s\nafter: %s", owned, after)
	}
}

// TestLiveStandbyAndPasswords: a hot standby works as --source, giving
// the same masked database as its primary, and the primary is refused as
// its --target. A password (a unique canary) never shows in stdout,
// stderr, the output or a temporary file, whatever fails, and every
// error still names the database concerned. One standby serves every
// case: making one copies the whole test cluster.
func TestLiveStandbyAndPasswords(t *testing.T) {
	t.Parallel() // waits on the server and on processes, mostly
	password, canary := lfPassword(t)
	role := lfSuperRole(t, password)
	plainPassword, plainCanary := lfPassword(t)
	plainRole := pgtest.PasswordRole(t, pgtest.AdminURL(t), plainPassword) // no CREATEDB, no grants
	admin := pgtest.AdminURL(t)
	src := pgtest.NewDatabase(t)
	pgtest.Psql(t, src, fixture)
	full := pgtest.NewDatabase(t) // a target that is not empty
	lfExec(t, full, "CREATE TABLE public.already (id int)")
	standbyAdmin := pgtest.Standby(t)
	rules := "../rules/shop.yaml"
	db := lfDB(t, src)
	primary := lfURL(t, src, db, role, password)
	standby := lfURL(t, standbyAdmin, db, role, password)
	before := lfFingerprint(t, src)
	canaries := []string{canary, plainCanary}

	t.Run("standby source", func(t *testing.T) {
		fromStandby, fromPrimary := lfNewName(t), lfNewName(t)
		for _, c := range []struct{ source, target string }{{standby, fromStandby}, {primary, fromPrimary}} {
			r := lfAnonymize(t, nil, "--rules", rules, "--source", c.source, "--target", lfURL(t, admin, c.target, role, password), "--progress")
			if r.code != ExitOK {
				t.Fatalf("exit %d from %s", r.code, live.Redact(c.source))
			}
			if want := "-> " + live.Redact(lfURL(t, admin, c.target, "", "")) + "\n"; !strings.Contains(r.stderr, want) {
				t.Errorf("the summary does not say %q", want)
			}
			lfNoLeak(t, r, canaries...)
		}
		dir := t.TempDir()
		a, err := os.ReadFile(pgDump(t, dir, "standby.sql", lfURL(t, admin, fromStandby, "", "")))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(pgDump(t, dir, "primary.sql", lfURL(t, admin, fromPrimary, "", "")))
		if err != nil {
			t.Fatal(err)
		}
		lfNoLeakIn(t, "the target's pg_dump", string(a), canaries...)
		if x, y := lfRestrict.ReplaceAllString(string(a), ""), lfRestrict.ReplaceAllString(string(b), ""); x != y {
			t.Errorf("the copy from the standby differs from the copy from the primary (%d vs %d bytes of pg_dump)", len(x), len(y))
		}

		out := filepath.Join(t.TempDir(), "out.sql")
		r := lfAnonymize(t, nil, "--rules", rules, "--source", standby, "--out", out)
		if r.code != ExitOK {
			t.Fatalf("exit %d", r.code)
		}
		text, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lfNoLeakIn(t, out, string(text), canaries...)
		lfNoLeak(t, r, canaries...)
	})

	t.Run("the primary as target of its standby", func(t *testing.T) {
		r := lfAnonymize(t, nil, "--rules", rules, "--source", standby, "--target", primary, "--clean")
		if r.code != ExitFailure || !strings.Contains(r.stderr, live.Redact(primary)+": the target is the source database") {
			t.Errorf("exit %d, want %d and a refusal", r.code, ExitFailure)
		}
		lfNoLeak(t, r, canaries...)
	})

	// Every way a run can fail with a password in play.
	closed := func() string { // a port nothing listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	}()
	sHost, sPort := lfHostPort(t, standbyAdmin)
	wrong := password + "-wrong" // still holds the canary
	nowhere := "postgres://" + url.UserPassword(role, password).String() + "@127.0.0.1:" + closed + "/" + db
	// A pg_dump that fails in the run's snapshot, after printing its
	// arguments: the password must be in neither.
	fake := t.TempDir()
	script := "#!/bin/sh\nif [ \"$1\" = --version ]; then exec '" + pgtest.Bin(t, "pg_dump") + "' --version; fi\n" +
		"echo \"pg_dump called with: $*\" >&2\nexec '" + pgtest.Bin(t, "pg_dump") + "' \"$@\" --snapshot=00000003-00000000-1\n"
	if err := os.WriteFile(filepath.Join(fake, "pg_dump"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	newTarget := func() string { return lfURL(t, admin, lfNewName(t), role, password) }
	for _, c := range []struct {
		name           string
		source, target string
		env            []string
		want           []string // in stderr
	}{
		{name: "wrong password, URL", source: lfURL(t, standbyAdmin, db, role, wrong), target: newTarget(),
			want: []string{live.Redact(standby), "password authentication failed"}},
		{name: "wrong password, keyword/value", source: fmt.Sprintf("host=%s port=%s dbname=%s user=%s password='%s'", sHost, sPort, db, role, wrong), target: newTarget(),
			want: []string{live.Redact(standby), "password authentication failed"}},
		{name: "wrong password, PGPASSWORD", source: lfURL(t, standbyAdmin, db, role, ""), target: newTarget(), env: []string{"PGPASSWORD=" + wrong},
			want: []string{live.Redact(standby), "password authentication failed"}},
		{name: "wrong password, target", source: primary, target: lfURL(t, standbyAdmin, "postgres", role, wrong),
			want: []string{live.Redact(lfURL(t, standbyAdmin, "postgres", "", "")), "password authentication failed"}},
		{name: "source unreachable", source: nowhere, target: newTarget(), want: []string{live.Redact(nowhere), "connect"}},
		{name: "target unreachable", source: primary, target: strings.Replace(nowhere, "/"+db, "/elsewhere", 1),
			want: []string{"127.0.0.1:" + closed + "/elsewhere", "connect"}},
		{name: "source database missing", source: lfURL(t, src, "understudy_missing_"+randomHex(t, 4), role, password), target: newTarget(),
			want: []string{"/understudy_missing_", "does not exist"}},
		{name: "source refused (no privilege)", source: lfURL(t, src, db, plainRole, plainPassword), target: newTarget(),
			want: []string{live.Redact(src), "permission denied"}},
		{name: "pg_dump fails", source: standby, target: newTarget(), env: []string{"PATH=" + fake + ":" + os.Getenv("PATH")},
			want: []string{live.Redact(standby), "pg_dump", "pg_dump called with: ", "snapshot"}},
		{name: "target not empty", source: primary, target: lfURL(t, full, lfDB(t, full), role, password),
			want: []string{live.Redact(full) + ": the target database is not empty"}},
		{name: "no CREATEDB", source: primary, target: lfURL(t, admin, lfNewName(t), plainRole, plainPassword),
			want: []string{"CREATEDB"}},
		{name: "target on a read-only standby", source: primary, target: lfURL(t, standbyAdmin, lfNewName(t), role, password),
			want: []string{"read-only"}},
		{name: "target is the source", source: primary, target: strings.Replace(primary, "127.0.0.1", "localhost", 1),
			want: []string{"the target is the source database"}},
		{name: "source unparsable", source: "postgres://" + role + ":" + password + "@127.0.0.1:badport/" + db, target: newTarget(),
			want: []string{"invalid connection string"}},
		{name: "target unparsable", source: primary, target: "host=127.0.0.1 password='" + password + " port=1",
			want: []string{"invalid connection string"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := lfAnonymize(t, c.env, "--rules", rules, "--source", c.source, "--target", c.target)
			if r.code == ExitOK {
				t.Error("the run succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q", w)
				}
			}
			lfNoLeak(t, r, canaries...)
		})
	}
	lfQuiet(t, db)
	if after := lfFingerprint(t, src); after != before {
		t.Errorf("the source changed:\n--- before\n%s\n--- after\n%s", before, after)
	}
}
