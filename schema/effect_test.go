package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestEffect(t *testing.T) {
	setup := []string{
		`CREATE SCHEMA app;`,
		`CREATE TABLE public.users (id int PRIMARY KEY, email text);`,
		`CREATE TABLE app.users (id int PRIMARY KEY, email text);`,
		`CREATE TABLE public.log (id int, msg text);`,
		`CREATE VIEW public.v AS SELECT id FROM public.users;`,
		`SET search_path = public;`,
	}
	pub, app, log := QName{"public", "users"}, QName{"app", "users"}, QName{"public", "log"}
	for _, tc := range []struct {
		sql    string
		kind   EffectKind
		tables []QName
		what   string
	}{
		// Writes rows the dump reader does not see.
		{`UPDATE users SET email = 'x';`, WritesRows, []QName{pub}, "UPDATE"},
		{`SET search_path = pg_catalog, app; UPDATE users SET email = 'x';`, WritesRows, []QName{app}, "UPDATE"},
		{`MERGE INTO users u USING log l ON u.id = l.id WHEN MATCHED THEN UPDATE SET email = l.msg;`, WritesRows, []QName{pub}, "MERGE"},
		{`INSERT INTO log SELECT id, email FROM users;`, WritesRows, []QName{log}, "INSERT … SELECT"},
		{`INSERT INTO log DEFAULT VALUES;`, WritesRows, []QName{log}, "INSERT … DEFAULT VALUES"},
		{`INSERT INTO users VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET email = excluded.email;`, WritesRows, []QName{pub}, "INSERT … ON CONFLICT DO UPDATE"},
		{`INSERT INTO log VALUES (1, (SELECT email FROM users LIMIT 1));`, WritesRows, []QName{log}, "INSERT … VALUES with expressions"},
		{`INSERT INTO log VALUES (1, 'a') UNION SELECT 2, 'b';`, WritesRows, []QName{log}, "INSERT … SELECT"},
		{`WITH x AS (UPDATE users SET email = 'x' RETURNING id) SELECT 1;`, WritesRows, []QName{pub}, "WITH … UPDATE"},
		{`WITH x AS (SELECT id, email FROM users) INSERT INTO log SELECT * FROM x;`, WritesRows, []QName{log}, "WITH … INSERT"},
		{`WITH x AS (DELETE FROM users RETURNING *) INSERT INTO log SELECT id, email FROM x;`, WritesRows, []QName{log}, "WITH … INSERT"},
		{`WITH x AS (INSERT INTO log VALUES (1, 'a') RETURNING id) UPDATE users SET email = 'b';`, WritesRows, []QName{pub, log}, "WITH … UPDATE"},
		{`WITH x AS (INSERT INTO log VALUES (1, 'a') RETURNING 1) SELECT 1;`, WritesRows, []QName{log}, "WITH … INSERT"},
		{`WITH x AS (SELECT 1) INSERT INTO log VALUES (1, 'a');`, WritesRows, []QName{log}, "WITH … INSERT"},
		{`SELECT id, email INTO public.copy FROM users;`, WritesRows, []QName{{"public", "copy"}}, "SELECT … INTO"},
		{`CREATE TABLE public.copy AS SELECT * FROM users;`, WritesRows, []QName{{"public", "copy"}}, "CREATE TABLE … AS"},
		{`PREPARE p AS SELECT 1; CREATE TABLE public.copy AS EXECUTE p;`, WritesRows, []QName{{"public", "copy"}}, "CREATE TABLE … AS"},
		{`EXPLAIN ANALYZE UPDATE users SET email = 'x';`, WritesRows, []QName{pub}, "UPDATE"},
		{`COPY (UPDATE users SET email = 'x' RETURNING id) TO STDOUT;`, WritesRows, []QName{pub}, "UPDATE"},
		// No values written, or only ones the dump reader sees.
		{`INSERT INTO log VALUES (1, 'a'), (2, NULL), (-3, 'b'::text), (4, DEFAULT);`, NoEffect, nil, ""},
		{`INSERT INTO log VALUES (1, 'a') ON CONFLICT DO NOTHING;`, NoEffect, nil, ""},
		{`DELETE FROM users WHERE id = 1;`, NoEffect, nil, ""},
		{`TRUNCATE users;`, NoEffect, nil, ""},
		{`SELECT 1, 'x' FROM users WHERE id > 0;`, NoEffect, nil, ""},
		{`VALUES (1, 'a');`, NoEffect, nil, ""},
		{`SELECT pg_catalog.setval('public.s', 10, true);`, NoEffect, nil, ""},
		{`SELECT pg_catalog.set_config('search_path', '', false);`, NoEffect, nil, ""},
		{`CREATE TABLE public.copy AS SELECT * FROM users WITH NO DATA;`, NoEffect, nil, ""},
		{`CREATE MATERIALIZED VIEW public.mv AS SELECT * FROM users WITH NO DATA;`, NoEffect, nil, ""},
		{`EXPLAIN UPDATE users SET email = 'x';`, NoEffect, nil, ""},
		{`COPY users FROM stdin;`, NoEffect, nil, ""},
		{`COPY users TO STDOUT;`, NoEffect, nil, ""},
		{`PREPARE p AS SELECT id FROM users;`, NoEffect, nil, ""},
		{`CREATE ROLE r LOGIN;`, NoEffect, nil, ""},
		{`ALTER ROLE r WITH PASSWORD NULL;`, NoEffect, nil, ""},
		{`GRANT SELECT ON TABLE users TO r;`, NoEffect, nil, ""},
		// Runs what the model cannot see.
		{`DO $$ BEGIN UPDATE users SET email = 'x'; END $$;`, Opaque, nil, "DO block"},
		{`CALL public.p();`, Opaque, nil, "CALL"},
		{`EXECUTE p;`, Opaque, nil, "EXECUTE"},
		{`PREPARE p AS UPDATE users SET email = 'x';`, Opaque, nil, "PREPARE"},
		{`DECLARE c CURSOR FOR SELECT public.f();`, Opaque, nil, "DECLARE CURSOR"},
		{`SELECT public.f();`, Opaque, nil, "function call public.f()"},
		{`SELECT * FROM public.f();`, Opaque, nil, "function call public.f()"},
		{`SELECT id FROM users WHERE id IN (SELECT g FROM generate_series(1, 3) g);`, Opaque, nil, "function call generate_series()"},
		{`SELECT app.setval('x', 1);`, Opaque, nil, "function call app.setval()"},
		{`DELETE FROM users WHERE public.f(id);`, Opaque, nil, "function call public.f()"},
		{`COPY users FROM '/tmp/users.csv';`, Opaque, nil, "COPY … FROM file"},
		{`COPY users FROM PROGRAM 'cat /tmp/users.csv';`, Opaque, nil, "COPY … FROM PROGRAM"},
		{`INSERT INTO v VALUES (1) ON CONFLICT DO NOTHING; INSERT INTO v SELECT 1;`, Opaque, nil, "INSERT … SELECT into a view public.v"},
		{`SELECT pg_catalog.lo_create(1); SELECT public.f();`, Opaque, nil, "large object function lo_create(); function call public.f()"},
		{`CREATE SUBSCRIPTION s CONNECTION 'host=prod' PUBLICATION p;`, Opaque, nil, "CREATE SUBSCRIPTION"},
		{`CREATE SUBSCRIPTION s CONNECTION 'host=prod' PUBLICATION p WITH (connect = false, slot_name = 's');`, NoEffect, nil, ""},
		{`ALTER SUBSCRIPTION s ENABLE;`, Opaque, nil, "ALTER SUBSCRIPTION"},
		{`ALTER SUBSCRIPTION s DISABLE;`, NoEffect, nil, ""},
		// Large objects, statistics, passwords.
		{`SELECT pg_catalog.lo_create('16385');`, LargeObject, nil, "large object function lo_create()"},
		{`SELECT pg_catalog.lo_open('16385', 131072);`, LargeObject, nil, "large object function lo_open()"},
		{`SELECT pg_catalog.lowrite(0, '\x4142');`, LargeObject, nil, "large object data (lowrite)"},
		{`SELECT lowrite(0, '\x41');`, LargeObject, nil, "large object function lowrite()"},
		{`SELECT pg_catalog.lo_close(0);`, LargeObject, nil, "large object function lo_close()"},
		{`SELECT pg_catalog.lo_unlink('16385');`, LargeObject, nil, "large object function lo_unlink()"},
		{`SELECT lo_from_bytea(0, '\x41');`, LargeObject, nil, "large object function lo_from_bytea()"},
		{`SELECT lo_put(16385, 0, '\x41');`, LargeObject, nil, "large object function lo_put()"},
		{`SELECT lo_import('/etc/passwd');`, LargeObject, nil, "large object function lo_import()"},
		{`ALTER LARGE OBJECT 16385 OWNER TO r;`, LargeObject, nil, "large object metadata"},
		{`COMMENT ON LARGE OBJECT 16385 IS 'scan of a passport';`, LargeObject, nil, "large object metadata"},
		{`GRANT SELECT ON LARGE OBJECT 16385 TO r;`, LargeObject, nil, "GRANT/REVOKE ON LARGE OBJECT"},
		{`REVOKE ALL ON LARGE OBJECT 16385 FROM r;`, LargeObject, nil, "GRANT/REVOKE ON LARGE OBJECT"},
		{`SECURITY LABEL FOR selinux ON LARGE OBJECT 16385 IS 'x';`, LargeObject, nil, "SECURITY LABEL ON LARGE OBJECT"},
		{`SELECT * FROM pg_catalog.pg_restore_relation_stats('version', '180000'::integer, 'schemaname', 'public', 'relname', 'users', 'relpages', '1'::integer);`, Statistics, nil, "statistics function pg_restore_relation_stats()"},
		{`SELECT * FROM pg_catalog.pg_restore_attribute_stats('relation', 'public.users'::regclass, 'attname', 'email'::name, 'most_common_vals', '{a@b.c}'::text);`, Statistics, nil, "statistics function pg_restore_attribute_stats()"},
		{`CREATE ROLE r PASSWORD 'SCRAM-SHA-256$4096:x';`, RolePassword, nil, "CREATE ROLE … PASSWORD"},
		{`CREATE USER r WITH ENCRYPTED PASSWORD 'md5x';`, RolePassword, nil, "CREATE ROLE … PASSWORD"},
		{`ALTER ROLE r WITH LOGIN PASSWORD 'x';`, RolePassword, nil, "ALTER ROLE … PASSWORD"},
		{`ALTER USER r PASSWORD 'x';`, RolePassword, nil, "ALTER ROLE … PASSWORD"},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			b := NewBuilder()
			run(t, b, setup...)
			eff, err := b.Statement(tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			want := Effect{Kind: tc.kind, Tables: tc.tables, What: tc.what}
			if !reflect.DeepEqual(eff, want) {
				t.Errorf("Statement = %+v (%v), want %+v", eff, eff.Kind, want)
			}
		})
	}
}

func TestEffectErrors(t *testing.T) {
	for sql, sub := range map[string]string{
		`UPDATE public.nosuch SET a = 1;`:                                    "no such relation",
		`INSERT INTO nosuch SELECT 1;`:                                       "no such relation",
		`EXPLAIN ANALYZE CREATE TABLE public.x AS SELECT 1;`:                 "creates a table",
		`PREPARE p AS SELECT 1 INTO public.x;`:                               "inside another statement",
		`WITH x AS (SELECT set_config('search_path', 'a', false)) SELECT 1;`: "cannot evaluate",
		`IMPORT FOREIGN SCHEMA r FROM SERVER s INTO public;`:                 "foreign tables",
		`SELECT 1 INTO public.users;`:                                        "already exists",
	} {
		b := NewBuilder()
		run(t, b, `CREATE TABLE public.users (id int);`)
		_, err := b.Statement(sql)
		if !isModelError(err) || !strings.Contains(err.Error(), sub) {
			t.Errorf("%s: error %v, want one saying %q", sql, err, sub)
		}
	}
}

// TestStatementCreates: CREATE TABLE … AS and SELECT … INTO make a table
// the model knows the name of, not the columns.
func TestStatementCreates(t *testing.T) {
	b := NewBuilder()
	run(t, b, `CREATE TABLE public.copy AS SELECT 1 AS a;`, `CREATE TABLE IF NOT EXISTS public.copy AS SELECT 2 AS b;`)
	_, err := b.ResolveTable(QName{"public", "copy"})
	wantError[*ResolveError](t, err, "CREATE TABLE … AS")
	if eff, err := b.Statement(`CREATE TABLE IF NOT EXISTS public.copy AS SELECT 2 AS b;`); err != nil || eff.Kind != NoEffect {
		t.Errorf("IF NOT EXISTS of an existing table: %+v %v", eff, err)
	}
	run(t, b, `DROP TABLE public.copy;`, `CREATE TABLE public.copy (a int);`)
	if _, err := b.ResolveTable(QName{"public", "copy"}); err != nil {
		t.Error(err)
	}
}

func TestNewerSyntax(t *testing.T) {
	for sql, newer := range map[string]string{
		"CREATE TABLE public.t (\n    a integer,\n    b integer GENERATED ALWAYS AS ((a * 2)) VIRTUAL\n);": "virtual generated columns",
		"SELECT * FROM JSON_TABLE(js, '$' COLUMNS (a int PATH '$.a')) jt;":                                 "JSON_TABLE",
		"MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING t.*;":                        "MERGE … RETURNING",
		"CREATE TABLE p (id int, valid tstzrange, PRIMARY KEY (id, valid WITHOUT OVERLAPS));":              "WITHOUT OVERLAPS",
		"SELECT JSON_VALUE(js, '$.a' RETURNING int) FROM t;":                                               "JSON_VALUE",
		"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED;":                                       "NOT ENFORCED",
		"ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (a * 3);":                                          "SET EXPRESSION",
		"CREATE TABLE public.t (a integer,, b text);":                                                      "",
	} {
		_, err := NewBuilder().Statement(sql)
		var pe *ParseError
		if !errorsAs(err, &pe) {
			t.Fatalf("%q: %v, want a *ParseError", sql, err)
		}
		if !strings.Contains(pe.Newer, newer) || newer == "" && pe.Newer != "" {
			t.Errorf("%q: Newer = %q, want %q", sql, pe.Newer, newer)
		}
		if newer != "" && !strings.Contains(pe.Error(), "newer than the bundled PostgreSQL 16 parser understands") {
			t.Errorf("%q: message %q", sql, pe.Error())
		}
		if pe.Offset < 0 || pe.Offset > len(sql) {
			t.Errorf("%q: offset %d", sql, pe.Offset)
		}
	}
	// The offset still points at the token the parser stopped at.
	sql := "-- Name: t\n\nCREATE TABLE public.\"bıgınt\" (b integer GENERATED ALWAYS AS ((a * 2)) VIRTUAL);"
	_, err := NewBuilder().Statement(sql)
	var pe *ParseError
	if !errorsAs(err, &pe) || !strings.HasPrefix(sql[pe.Offset:], "VIRTUAL") {
		t.Errorf("offset %d: %v", pe.Offset, err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func TestParseErrorsNeverQuoteLiterals(t *testing.T) {
	for sql, want := range map[string]string{
		"UPDATE users SET email 'real@person.example';": "at or near a string literal",
		"UPDATE users SET n 123456789;":                 "at or near a number",
		"UPDATE users SET email = ;":                    `at or near ";"`,
		"CREATE TABLE t (a int,,);":                     `at or near ","`,
	} {
		err := NewBuilder().Add(sql)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "real@person") || strings.Contains(err.Error(), "123456789") {
			t.Errorf("%s: %v, want %q", sql, err, want)
		}
	}
}
