package refresher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/internal/pgtest"
)

// A refresh loads a masked copy and swaps it in; the next keeps the one it
// replaces (keep_previous), drops older ones, and brings source changes;
// rollback swaps the previous copy back, and a second rollback undoes it.
func TestRefreshSwapKeepRollback(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	j := f.config("    keep_previous: 1\n").Jobs[0]
	r, logs := f.runner()

	rep, err := f.run(r, j)
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, logs)
	}
	if rep.Result != Success || rep.Previous != "" || rep.Rows != 700 || len(rep.Tables) != 2 {
		t.Errorf("first report: %+v", rep)
	}
	if got := f.databases(); strings.Join(got, " ") != f.staging {
		t.Errorf("databases after the first run: %v", got)
	}
	var email, name string
	query(t, f.url(f.staging), "SELECT email, name FROM users WHERE id = 7", []any{&email, &name})
	if strings.Contains(email, "real.example.org") || strings.Contains(name, "Real Name") {
		t.Errorf("staging holds real values: %s, %s", email, name)
	}
	first := content(t, f.url(f.staging))
	firstOID := f.oid(f.staging)

	exec1(t, f.source, "UPDATE users SET name = 'Changed Person', email = 'changed@real.example.org' WHERE id = 7")
	rep, err = f.run(r, j)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, logs)
	}
	var email2, name2 string
	query(t, f.url(f.staging), "SELECT email, name FROM users WHERE id = 7", []any{&email2, &name2})
	if email2 == email || name2 == name || strings.Contains(email2+name2, "Changed") || strings.Contains(email2, "real.example.org") {
		t.Errorf("the changed row in staging: %q %q (was %q %q): want it changed and masked", email2, name2, email, name)
	}
	if rep.Previous == "" || f.oid(rep.Previous) != firstOID {
		t.Errorf("the first copy is not kept as %q", rep.Previous)
	}
	second := content(t, f.url(f.staging))
	secondOID := f.oid(f.staging)

	// The report is kept on the copy.
	var comment string
	query(t, f.server, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", []any{&comment}, f.staging)
	kept := parseReport(comment)
	if kept == nil || kept.Job != "shop" || kept.Rows != 700 || kept.Result != Success || len(kept.Verification) == 0 {
		t.Errorf("the report on staging: %s", comment)
	}
	noLeak(t, "the report", comment)

	if _, err := f.run(r, j); err != nil {
		t.Fatalf("third run: %v\n%s", err, logs)
	}
	if got := f.databases(); len(got) != 2 || f.oid(f.staging) == secondOID {
		t.Errorf("after the third run (keep_previous 1): %v", got)
	}
	if f.oid(rep.Previous) != 0 {
		t.Errorf("the oldest copy %s was not dropped", rep.Previous)
	}

	restored, err := r.Rollback(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if f.oid(f.staging) != secondOID || content(t, f.url(f.staging)) != second {
		t.Errorf("rollback restored %s, not the second copy", restored)
	}
	if _, err := r.Rollback(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if f.oid(f.staging) == secondOID {
		t.Error("a second rollback did not undo the first")
	}
	_ = first
	noLeak(t, "the logs", logs.String())
}

// Whatever fails before the swap leaves staging as it was: the same
// database (OID) with the same rows, and nothing beside it.
func TestFailureLeavesStaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, logs := f.runner()
	if _, err := f.run(r, f.config("").Jobs[0]); err != nil {
		t.Fatalf("first run: %v\n%s", err, logs)
	}
	oid, before := f.oid(f.staging), content(t, f.url(f.staging))

	for _, tc := range []struct {
		name, extra, stage string
		prepare            func()
		want               any
	}{
		{name: "check false", stage: "checks", want: new(*CheckError),
			extra: "    checks:\n      - \"select count(*) > 0 from users\"\n      - \"select count(*) > 1000000 from orders\"\n"},
		{name: "hook fails", stage: "hooks", want: new(*HookError),
			extra: "    hooks: {after_load: [\"true\", \"exit 3\"]}\n"},
		{name: "timeout", stage: "prepare", extra: "    timeout: 1ms\n"},
		{name: "rules refuse", stage: "load",
			prepare: func() { exec1(t, f.source, "ALTER TABLE users ADD COLUMN phone text DEFAULT 'x'") }},
		{name: "NOT VALID constraint broken", stage: "verify", want: new(*VerifyError),
			prepare: func() {
				exec1(t, f.source, "ALTER TABLE users DROP COLUMN IF EXISTS phone",
					"INSERT INTO orders (user_id, total) VALUES (1, 0)",
					"ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare()
			}
			rep, err := f.run(r, f.config(tc.extra).Jobs[0])
			var se *StageError
			if !errors.As(err, &se) || se.Stage != tc.stage || rep.Result != Failure || rep.Stage != tc.stage {
				t.Fatalf("err = %v (report %s/%s), want a failure in %s", err, rep.Result, rep.Stage, tc.stage)
			}
			if tc.want != nil {
				switch w := tc.want.(type) {
				case **CheckError:
					if !errors.As(err, w) {
						t.Errorf("err = %v, want %T", err, *w)
					}
				case **HookError:
					if !errors.As(err, w) || (*w).Status != 3 {
						t.Errorf("err = %v, want exit status 3", err)
					}
				case **VerifyError:
					if !errors.As(err, w) || !strings.Contains(err.Error(), "total_positive") {
						t.Errorf("err = %v, want total_positive reported", err)
					}
				}
			}
			if f.oid(f.staging) != oid || content(t, f.url(f.staging)) != before {
				t.Error("staging changed")
			}
			if got := f.databases(); strings.Join(got, " ") != f.staging {
				t.Errorf("databases left: %v", got)
			}
			b, _ := json.Marshal(rep)
			noLeak(t, "the report", string(b))
			t.Logf("%s", rep.Error)
		})
	}
	noLeak(t, "the logs", logs.String())
}

// A hook sees the new copy as UNDERSTUDY_TARGET_URL (where migrations
// run), and checks see what it did.
func TestHookMigratesTheCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, logs := f.runner()
	j := f.config(`    hooks:
      after_load: ["psql -X -q -v ON_ERROR_STOP=1 -d \"$UNDERSTUDY_TARGET_URL\" -c 'ALTER TABLE users ADD COLUMN migrated bool DEFAULT true' && test -z \"$ANONYMIZE_SECRET\""]
    checks: ["select bool_and(migrated) from users"]
`).Jobs[0]
	if _, err := f.run(r, j); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	var migrated bool
	query(t, f.url(f.staging), "SELECT bool_and(migrated) FROM users", []any{&migrated})
	if !migrated {
		t.Error("the hook's migration is not in staging")
	}
}

// A leftover __next (a run killed mid-load) is dropped by the next run; a
// staging database an interrupted swap left closed is opened again. With
// keep_previous 0 no copy is kept, and rollback says so.
func TestLeftoversRecovered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, logs := f.runner()
	j := f.config("    keep_previous: 0\n").Jobs[0]
	if _, err := f.run(r, j); err != nil {
		t.Fatal(err)
	}
	exec1(t, f.server, "CREATE DATABASE "+ident(j.next()), "ALTER DATABASE "+ident(f.staging)+" WITH ALLOW_CONNECTIONS false")
	exec1(t, f.url(j.next()), "CREATE TABLE half_loaded (x int)")
	if _, err := f.run(r, j); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if got := f.databases(); len(got) != 1 {
		t.Errorf("databases: %v", got)
	}
	if !strings.Contains(logs.String(), "dropped the leftover") || !strings.Contains(logs.String(), "allowed connections") {
		t.Errorf("the recovery is not logged:\n%s", logs)
	}
	var np *NoPreviousError
	if _, err := r.Rollback(context.Background(), j); !errors.As(err, &np) {
		t.Errorf("rollback = %v, want NoPreviousError", err)
	}
}

// A source that is the staging database itself is refused before
// anything is written.
func TestSourceIsStaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, _ := f.runner()
	exec1(t, f.server, "CREATE DATABASE "+ident(f.staging))
	oid := f.oid(f.staging)
	// Spelled otherwise than the server (the config refuses the same
	// spelling): the servers' identities tell.
	f.source = strings.Replace(f.url(f.staging), "127.0.0.1", "localhost", 1)
	if f.source == f.url(f.staging) {
		t.Skip("the test server is not on 127.0.0.1")
	}
	_, err := f.run(r, f.config("").Jobs[0])
	if err == nil || !strings.Contains(err.Error(), "the target is the source") {
		t.Fatalf("err = %v", err)
	}
	if f.oid(f.staging) != oid || len(f.databases()) != 1 {
		t.Error("staging was touched")
	}
}

// A client on staging during a swap is disconnected, and a client that
// looks at staging at any moment of a refresh sees the old copy or the new
// one, whole: never a half-loaded database.
func TestSwapDisconnectsAndIsAtomic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, logs := f.runner()
	j := f.config("").Jobs[0]
	exec1(t, f.server, "CREATE DATABASE "+ident(f.staging))
	exec1(t, f.url(f.staging), "CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 500) g")
	exec1(t, f.source, "INSERT INTO orders (user_id, total) SELECT 1, g FROM generate_series(1, 20000) g")

	ctx := context.Background()
	held, err := pgx.Connect(ctx, f.url(f.staging))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)

	var mu sync.Mutex
	seen := map[int64]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c, err := pgx.Connect(ctx, f.url(f.staging))
			if err != nil { // during the swap: closed to new sessions, or renamed
				continue
			}
			var n int64
			if c.QueryRow(ctx, "SELECT count(*) FROM orders").Scan(&n) == nil {
				mu.Lock()
				seen[n]++
				mu.Unlock()
			}
			c.Close(ctx)
		}
	}()
	_, err = f.run(r, j)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if err := held.Ping(ctx); err == nil {
		t.Error("a session on staging survived the swap")
	}
	for n := range seen {
		if n != 500 && n != 20500 {
			t.Errorf("a client saw %d orders: a half-loaded copy (seen: %v)", n, seen)
		}
	}
	if seen[500] == 0 {
		t.Errorf("the watcher never saw the old copy: %v", seen)
	}
	var n int64
	query(t, f.url(f.staging), "SELECT count(*) FROM orders", []any{&n})
	if n != 20500 {
		t.Errorf("staging has %d orders after the swap, want 20500", n)
	}
	t.Logf("counts seen: %v", seen)
}

// A dump glob loads the newest match; a subset's verification expects the
// rows the subset keeps.
func TestDumpGlobAndSubset(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dumps := t.TempDir()
	old := writeFile(t, dumps, "shop-1.sql", "this is not a dump\n")
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pgtest.Bin(t, "pg_dump"), "--no-owner", "-f", filepath.Join(dumps, "shop-2.sql"), "-d", f.source).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	cfg := f.configText(strings.Replace(f.configYAML("    subset: public.users=50%\n"), "${SOURCE_URL}", filepath.Join(dumps, "shop-*.sql"), 1))
	r, logs := f.runner()
	rep, err := f.run(r, cfg.Jobs[0])
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if rep.Source != filepath.Join(dumps, "shop-2.sql") {
		t.Errorf("loaded %s", rep.Source)
	}
	var users int
	query(t, f.url(f.staging), "SELECT count(*) FROM users", []any{&users})
	if users == 0 || users >= 200 || rep.Rows >= 700 {
		t.Errorf("a 50%% subset kept %d of 200 users, %d rows", users, rep.Rows)
	}
	for _, tr := range rep.Tables {
		if tr.Loaded != tr.Expected || tr.Source != map[string]int64{"public.users": 200, "public.orders": 500}[tr.Table] {
			t.Errorf("table %+v", tr)
		}
	}
}

// A failed attempt is tried again after the backoff.
func TestRetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	marker := filepath.Join(t.TempDir(), "tried")
	j := f.config(fmt.Sprintf(`    retries: {count: 2, backoff: 100ms}
    hooks: {after_load: ["test -f %s || { touch %s; exit 1; }"]}
`, marker, marker)).Jobs[0]
	r, logs := f.runner()
	rep, err := f.run(r, j)
	if err != nil || rep.Attempts != 2 || rep.Result != Success {
		t.Fatalf("err %v, %d attempts, %s\n%s", err, rep.Attempts, rep.Result, logs)
	}
	if !strings.Contains(logs.String(), "attempt failed; retrying") {
		t.Errorf("the retry is not logged:\n%s", logs)
	}
}

// Checks: true passes; false, NULL, no row, not a boolean and an error
// fail, and an error's message has what it quoted (maybe a value) removed.
func TestChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.source)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for q, want := range map[string]string{
		"select count(*) > 0 from users":          "",
		"select count(*) > 1000000 from orders":   "returned false",
		"select null::bool":                       "returned NULL",
		"select true where false":                 "returned no row",
		"select 1":                                "it must return one boolean column",
		"select true from users":                  "returned more than one row",
		"select true, 1":                          "it must return one boolean column",
		"select nextval('users_id_seq') > 0":      "read-only transaction",
		"select name::int > 0 from users limit 1": `invalid input syntax for type integer: "…" (SQLSTATE 22P02)`,
		"insert into users (email, name) values ('a', 'b') returning true": "read-only transaction",
	} {
		err := check(ctx, conn, 0, q)
		var ce *CheckError
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", q, err)
		case want != "" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", q, err, want)
		}
		if err != nil {
			noLeak(t, "a check's error", err.Error())
		}
	}
}
