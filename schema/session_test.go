package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// run feeds statements to b, failing the test on an error.
func run(t *testing.T, b *Builder, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := b.Statement(s); err != nil {
			t.Fatalf("Statement(%q): %v", s, err)
		}
	}
}

// wantError checks that err is an E whose message contains sub.
func wantError[E error](t *testing.T, err error, sub string) {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want %T", err, err, e)
	}
	if !strings.Contains(err.Error(), sub) {
		t.Errorf("error %q does not say %q", err, sub)
	}
}

func TestResolveTable(t *testing.T) {
	setup := []string{
		`CREATE SCHEMA app;`,
		`CREATE TABLE public.users (id int);`,
		`CREATE TABLE app.users (id int);`,
		`CREATE TABLE app.orders (id int);`,
		`CREATE TABLE app.pg_notes (id int);`,
		`CREATE VIEW public.v AS SELECT 1;`,
	}
	for _, tc := range []struct {
		name   string
		user   string // the session's login role; "" unknown
		script []string
		lookup string
		want   string // the table found, or "" when err is expected
		err    string
	}{
		{"default path, role unknown: a role named app would find app.users", "", nil, "users", "", `"$user"`},
		{"default path, role unknown, only app has it", "", nil, "orders", "", `"$user"`},
		{"default path, role app", "app", nil, "users", "app.users", ""},
		{"default path, role without a schema", "bob", nil, "users", "public.users", ""},
		{"default path, role without a schema, missing", "bob", nil, "orders", "", "no table of that name"},
		{"pg_catalog first, then app", "", []string{`SET search_path = pg_catalog, app;`}, "users", "app.users", ""},
		{"pg_catalog first hides pg_ names", "", []string{`SET search_path = pg_catalog, app;`}, "pg_notes", "", "pg_catalog first"},
		{"implicit pg_catalog first", "", []string{`SET search_path = app;`}, "pg_notes", "", "pg_catalog first"},
		{"pg_catalog listed last", "", []string{`SET search_path = app, pg_catalog;`}, "pg_notes", "app.pg_notes", ""},
		{"a view is not a table", "", []string{`SET search_path = public;`}, "v", "", "is a view"},
		{"qualified", "", nil, "app.orders", "app.orders", ""},
		{"qualified, missing", "", nil, "public.orders", "", "no such table"},
		{"information_schema first", "", []string{`SET search_path = information_schema, app;`}, "users", "", "information_schema"},
		{"set_config folds unquoted names", "", []string{`SELECT pg_catalog.set_config('search_path', 'APP', false);`}, "users", "app.users", ""},
		{"quoted name keeps its case", "", []string{`SET search_path = "APP";`}, "users", "", "no table of that name"},
		{"SET ROLE", "bob", []string{`SET ROLE app;`}, "users", "app.users", ""},
		{"RESET ROLE", "app", []string{`SET ROLE bob;`, `RESET ROLE;`}, "users", "app.users", ""},
		{"SET ROLE NONE", "app", []string{`SET ROLE bob;`, `SET ROLE NONE;`}, "users", "app.users", ""},
		{"SET SESSION AUTHORIZATION", "bob", []string{`SET SESSION AUTHORIZATION app;`}, "users", "app.users", ""},
		{"SET SESSION AUTHORIZATION DEFAULT", "bob", []string{`SET SESSION AUTHORIZATION app;`, `SET SESSION AUTHORIZATION DEFAULT;`}, "users", "public.users", ""},
		{"set_config of role", "bob", []string{`SELECT pg_catalog.set_config('role', 'app', false);`}, "users", "app.users", ""},
		{"a temporary table hides others", "", []string{`SET search_path = public;`, `CREATE TEMP TABLE users (id int);`}, "users", "", "temporary"},
		{"qualified past a temporary table", "", []string{`CREATE TEMP TABLE users (id int);`}, "public.users", "public.users", ""},
		{"DISCARD TEMP", "", []string{`SET search_path = public;`, `CREATE TEMP TABLE users (id int);`, `DISCARD TEMP;`}, "users", "public.users", ""},
		{"pg_temp listed last", "", []string{`SET search_path = public, pg_temp;`, `CREATE TEMP TABLE users (id int);`}, "users", "public.users", ""},
		{"ON COMMIT DROP outside a transaction", "", []string{`SET search_path = public;`, `CREATE TEMP TABLE users (id int) ON COMMIT DROP;`}, "users", "public.users", ""},
		{"ON COMMIT DROP at commit", "", []string{`SET search_path = public;`, `BEGIN;`, `CREATE TEMP TABLE users (id int) ON COMMIT DROP;`, `COMMIT;`}, "users", "public.users", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			run(t, b, setup...)
			if tc.user != "" {
				b.SetSessionUser(tc.user)
			}
			run(t, b, tc.script...)
			q := QName{Name: tc.lookup}
			if i := strings.IndexByte(tc.lookup, '.'); i >= 0 {
				q = QName{tc.lookup[:i], tc.lookup[i+1:]}
			}
			got, err := b.ResolveTable(q)
			if tc.err != "" {
				wantError[*ResolveError](t, err, tc.err)
				return
			}
			if err != nil || got.Schema+"."+got.Name != tc.want {
				t.Errorf("ResolveTable(%v) = %v, %v; want %s", q, got, err, tc.want)
			}
		})
	}
}

func TestCreationSchema(t *testing.T) {
	for _, tc := range []struct {
		name   string
		user   string
		script []string
		want   string // schema of CREATE TABLE x; "" when err is expected
		err    string
	}{
		{"default path, public only", "", nil, "public", ""},
		{"default path, role unknown, another schema", "", []string{`CREATE SCHEMA app;`}, "", `"$user"`},
		{"default path, role app", "app", []string{`CREATE SCHEMA app;`}, "app", ""},
		{"default path, role without a schema", "bob", []string{`CREATE SCHEMA app;`}, "public", ""},
		{"first existing schema", "", []string{`CREATE SCHEMA app;`, `SET search_path = nosuch, app, public;`}, "app", ""},
		{"empty path", "", []string{`SELECT pg_catalog.set_config('search_path', '', false);`}, "", "no schema has been selected"},
		{"pg_catalog first", "", []string{`SET search_path = pg_catalog, public;`}, "", "system catalog"},
		{"quoted name with a comma", "", []string{`CREATE SCHEMA "a,b";`, `SET search_path = "a,b", public;`}, "a,b", ""},
		{"set_config with a quoted comma", "", []string{`CREATE SCHEMA "a,b";`, `SELECT pg_catalog.set_config('search_path', '"a,b", public', false);`}, "a,b", ""},
		{"a string literal names one schema", "", []string{`CREATE SCHEMA "a, b";`, `SET search_path = 'a, b';`}, "a, b", ""},
		{"SET TO DEFAULT", "bob", []string{`CREATE SCHEMA app;`, `SET search_path = app;`, `SET search_path TO DEFAULT;`}, "public", ""},
		{"RESET search_path", "bob", []string{`CREATE SCHEMA app;`, `SET search_path = app;`, `RESET search_path;`}, "public", ""},
		{"RESET ALL", "bob", []string{`CREATE SCHEMA app;`, `SET search_path = app;`, `RESET ALL;`}, "public", ""},
		{"RESET ALL keeps the role", "bob", []string{`CREATE SCHEMA app;`, `SET ROLE app;`, `RESET ALL;`}, "app", ""},
		{"DISCARD ALL resets the role too", "bob", []string{`CREATE SCHEMA app;`, `SET ROLE app;`, `SET search_path = app;`, `DISCARD ALL;`}, "public", ""},
		{"SET LOCAL outside a transaction", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `SET LOCAL search_path = app;`}, "public", ""},
		{"SET LOCAL until COMMIT", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SET LOCAL search_path = app;`, `COMMIT;`}, "public", ""},
		{"SET LOCAL inside", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SET LOCAL search_path = app;`}, "app", ""},
		{"SET rolled back", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SET search_path = app;`, `ROLLBACK;`}, "public", ""},
		{"SET committed", "", []string{`CREATE SCHEMA app;`, `BEGIN;`, `SET search_path = app;`, `COMMIT;`}, "app", ""},
		{"SET after SET LOCAL outlives the transaction", "", []string{`CREATE SCHEMA app;`, `CREATE SCHEMA b;`, `BEGIN;`, `SET LOCAL search_path = b;`, `SET search_path = app;`, `COMMIT;`}, "app", ""},
		{"set_config is_local outside a transaction", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `SELECT pg_catalog.set_config('search_path', 'app', true);`}, "public", ""},
		{"set_config is_local inside a transaction", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SELECT pg_catalog.set_config('search_path', 'app', true);`}, "app", ""},
		{"set_config is_local ends with the transaction", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SELECT set_config('search_path', 'app', 'true');`, `END;`}, "public", ""},
		{"ROLLBACK TO SAVEPOINT undoes a SET", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SAVEPOINT s;`, `SET search_path = app;`, `ROLLBACK TO SAVEPOINT s;`}, "public", ""},
		{"RELEASE keeps a SET", "", []string{`CREATE SCHEMA app;`, `SET search_path = public;`, `BEGIN;`, `SAVEPOINT s;`, `SET search_path = app;`, `RELEASE s;`}, "app", ""},
		{"pg_temp first creates temporary tables", "", []string{`SET search_path = pg_temp, public;`}, "pg_temp", ""},
		{"renamed schema leaves the path", "", []string{`CREATE SCHEMA app;`, `SET search_path = app, public;`, `ALTER SCHEMA app RENAME TO web;`}, "public", ""},
		{"dropped schema leaves the path", "", []string{`CREATE SCHEMA app;`, `SET search_path = app, public;`, `DROP SCHEMA app;`}, "public", ""},
		{"dropped public", "", []string{`DROP SCHEMA public;`}, "", "no schema has been selected"},
		{"CREATE SCHEMA AUTHORIZATION names the schema after the role", "bob", []string{`CREATE SCHEMA AUTHORIZATION joe;`, `SET search_path = joe;`}, "joe", ""},
		{"CREATE SCHEMA AUTHORIZATION CURRENT_USER", "ann", []string{`CREATE SCHEMA AUTHORIZATION CURRENT_USER;`}, "ann", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			if tc.user != "" {
				b.SetSessionUser(tc.user)
			}
			run(t, b, tc.script...)
			_, err := b.Statement(`CREATE TABLE x (id int);`)
			if tc.err != "" {
				wantError[*ResolveError](t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "pg_temp" {
				if _, err := b.ResolveTable(QName{Name: "x"}); err == nil || b.Catalog().Table(QName{"public", "x"}) != nil {
					t.Errorf("x is not temporary: %v", err)
				}
				return
			}
			if b.Catalog().Table(QName{tc.want, "x"}) == nil {
				t.Errorf("x not created in %s: %v", tc.want, tableNames(b.Catalog()))
			}
		})
	}
}

func TestSearchPathSyntax(t *testing.T) {
	for s, want := range map[string][]string{
		``:                      {},
		` a , "B,c" , D `:       {"a", "B,c", "d"},
		`"$user", public`:       {"$user", "public"},
		`$user`:                 {"$user"},
		`"a""b"`:                {`a"b`},
		`a"b`:                   {`a"b`},
		`a,`:                    nil,
		`,a`:                    nil,
		`a b`:                   nil,
		`""`:                    nil,
		`"a`:                    nil,
		strings.Repeat("x", 70): {strings.Repeat("x", 63)},
	} {
		got, err := splitIdentifiers(s)
		if want == nil {
			if err == nil {
				t.Errorf("splitIdentifiers(%q) = %q, want an error", s, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) && len(want) > 0 {
			t.Errorf("splitIdentifiers(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	b := NewBuilder()
	_, err := b.Statement(`SELECT pg_catalog.set_config('search_path', 'a b', false);`)
	wantError[*UnsupportedError](t, err, "invalid list syntax")
	_, err = b.Statement(`SELECT pg_catalog.set_config('search_path', current_setting('x'), false);`)
	wantError[*UnsupportedError](t, err, "cannot evaluate")
	_, err = b.Statement(`SELECT pg_catalog.set_config('search_path', 'a', false) FROM public.t;`)
	wantError[*UnsupportedError](t, err, "cannot evaluate")
	run(t, b, `SELECT pg_catalog.set_config('statement_timeout', current_setting('x'), false);`)
}

// TestMultiStatementText: PostgreSQL runs a multi-statement text as one
// transaction, so SET LOCAL lasts to its end.
func TestMultiStatementText(t *testing.T) {
	b := NewBuilder()
	run(t, b, `CREATE SCHEMA app;`, `SET search_path = public;`,
		`SET LOCAL search_path = app; CREATE TABLE x (id int);`, `CREATE TABLE y (id int);`)
	if got := tableNames(b.Catalog()); !reflect.DeepEqual(got, []string{"app.x", "public.y"}) {
		t.Errorf("tables %v", got)
	}
	_, err := b.Statement(`CREATE TABLE public.z (id int); ROLLBACK;`)
	wantError[*RollbackError](t, err, "ROLLBACK")
	if b.tx != nil {
		t.Error("the implicit transaction is left open after an error")
	}
}

func TestTransactions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []string
		err    string // error of the last statement; "" for none
	}{
		{"rolled-back CREATE", []string{`BEGIN;`, `CREATE TABLE public.a (id int);`, `ROLLBACK;`}, "ROLLBACK rolls back schema changes"},
		{"ABORT", []string{`START TRANSACTION;`, `ALTER TABLE public.t ADD COLUMN c int;`, `ABORT;`}, "ROLLBACK"},
		{"committed CREATE", []string{`BEGIN;`, `CREATE TABLE public.a (id int);`, `COMMIT;`}, ""},
		{"rollback with no schema change", []string{`BEGIN;`, `SET search_path = public;`, `DROP TABLE IF EXISTS public.nosuch;`, `ROLLBACK;`}, ""},
		{"ROLLBACK outside a transaction", []string{`ROLLBACK;`}, ""},
		{"ROLLBACK TO undoing a change", []string{`BEGIN;`, `SAVEPOINT s;`, `DROP TABLE public.t;`, `ROLLBACK TO s;`}, "ROLLBACK TO SAVEPOINT s"},
		{"ROLLBACK TO after a change before the savepoint", []string{`BEGIN;`, `DROP TABLE public.t;`, `SAVEPOINT s;`, `SET search_path = x;`, `ROLLBACK TO s;`, `COMMIT;`}, ""},
		{"ROLLBACK TO the latest savepoint of a name", []string{`BEGIN;`, `SAVEPOINT s;`, `DROP TABLE public.t;`, `SAVEPOINT s;`, `ROLLBACK TO s;`, `RELEASE s;`, `COMMIT;`}, ""},
		{"ROLLBACK TO a missing savepoint", []string{`BEGIN;`, `ROLLBACK TO nosuch;`}, "does not exist"},
		{"COMMIT AND CHAIN", []string{`BEGIN;`, `DROP TABLE public.t;`, `COMMIT AND CHAIN;`, `ROLLBACK;`}, ""},
		{"DISCARD ALL in a transaction", []string{`BEGIN;`, `DISCARD ALL;`}, "transaction block"},
		{"PREPARE TRANSACTION of a change", []string{`BEGIN;`, `DROP TABLE public.t;`, `PREPARE TRANSACTION 'x';`}, "outside the session"},
		{"CREATE INDEX CONCURRENTLY in a transaction", []string{`BEGIN;`, `CREATE INDEX CONCURRENTLY i ON public.t (id);`}, "transaction block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			run(t, b, `CREATE TABLE public.t (id int);`)
			run(t, b, tc.script[:len(tc.script)-1]...)
			_, err := b.Statement(tc.script[len(tc.script)-1])
			switch {
			case tc.err == "" && err != nil:
				t.Fatal(err)
			case tc.err == "":
			case strings.Contains(tc.err, "rolls back") || strings.HasPrefix(tc.err, "ROLLBACK"):
				wantError[*RollbackError](t, err, tc.err)
			default:
				wantError[*UnsupportedError](t, err, tc.err)
			}
		})
	}
}

func TestSessions(t *testing.T) {
	b := NewBuilder()
	run(t, b, `CREATE SCHEMA app;`, `SET search_path = app;`, `CREATE TEMP TABLE tmp (id int);`, `BEGIN;`, `CREATE TABLE t (id int);`)
	wantError[*RollbackError](t, b.End(), "end of the script")
	wantError[*RollbackError](t, b.NewSession(), "new session")

	b = NewBuilder()
	run(t, b, `CREATE SCHEMA app;`, `SET search_path = app;`, `CREATE TEMP TABLE tmp (id int);`, `BEGIN;`, `SET search_path = public;`)
	if err := b.NewSession(); err != nil {
		t.Fatal(err)
	}
	if b.rels[QName{"pg_temp", "tmp"}] != 0 || b.tempNS {
		t.Error("temporary table survives the session")
	}
	// A new session starts from the defaults: "$user", public, and the
	// role of the login.
	if _, err := b.Statement(`CREATE TABLE t (id int);`); err == nil {
		t.Error(`"$user" with the role unknown and schema app: want an error`)
	}
	b.SetSessionUser("app")
	run(t, b, `CREATE TABLE t (id int);`)
	if err := b.NewSession(); err != nil {
		t.Fatal(err)
	}
	run(t, b, `CREATE TABLE u (id int);`) // the login role stays
	if got := tableNames(b.Catalog()); !reflect.DeepEqual(got, []string{"app.t", "app.u"}) {
		t.Errorf("tables %v", got)
	}
	if err := b.End(); err != nil {
		t.Fatal(err)
	}

	// Settings given to databases or roles apply to later sessions, with
	// values the model cannot know.
	b = NewBuilder()
	run(t, b, `ALTER DATABASE d SET search_path = app;`, `CREATE TABLE x (id int);`)
	if err := b.NewSession(); err != nil {
		t.Fatal(err)
	}
	_, err := b.Statement(`CREATE TABLE y (id int);`)
	wantError[*ResolveError](t, err, "search_path is unknown")
	run(t, b, `RESET search_path;`, `CREATE TABLE public.y (id int);`)
	_, err = b.Statement(`CREATE TABLE z (id int);`)
	wantError[*ResolveError](t, err, "search_path is unknown")
	run(t, b, `SET search_path = public;`, `CREATE TABLE z (id int);`)
}

// TestStandardConformingStrings: with standard_conforming_strings off a
// backslash escapes a quote, which the parser (built with it on) misreads:
// INSERT INTO t VALUES ('a\', ', f(), ') would hide a function call.
func TestStandardConformingStrings(t *testing.T) {
	b := NewBuilder()
	hidden := `INSERT INTO public.t VALUES ('a\', ', public.f(), ');`
	run(t, b, `CREATE TABLE public.t (a text, b text, c text);`, hidden,
		`BEGIN;`, `SET standard_conforming_strings = off;`, `ROLLBACK;`, hidden)
	for _, off := range []string{`SET standard_conforming_strings = off;`, `SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false);`} {
		run(t, b, off, `INSERT INTO public.t VALUES ('a', 'b', 'c');`, `COMMENT ON TABLE public.t IS 'a\b';`)
		for _, sql := range []string{hidden, `SELECT 'a\';`} {
			_, err := b.Statement(sql)
			wantError[*UnsupportedError](t, err, "standard_conforming_strings is off")
		}
		run(t, b, `RESET standard_conforming_strings;`, hidden)
	}
}

func TestResolveSequence(t *testing.T) {
	b := NewBuilder()
	run(t, b, `CREATE SCHEMA app;`, `CREATE SEQUENCE public.s;`, `CREATE SEQUENCE app."S";`, `CREATE TABLE public.t (id int);`,
		`SET search_path = app, public;`)
	for lit, want := range map[string]string{
		"public.s":      "public.s",
		"S":             "public.s", // folds to s
		`"S"`:           `app."S"`,
		` PUBLIC.S `:    "public.s",
		"db.public.s":   "public.s",
		"public.nosuch": "no such sequence",
		"t":             "is a table",
		`"unbalanced`:   "not a valid relation name",
	} {
		q, err := b.ResolveSequence(lit)
		if err != nil {
			wantError[*ResolveError](t, err, want)
		} else if q.String() != want {
			t.Errorf("ResolveSequence(%q) = %v, want %s", lit, q, want)
		}
	}
}
