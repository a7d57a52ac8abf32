package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The leak fuzzer builds hostile plain scripts from fuzzer-chosen pieces —
// search_path games, renames, transactions, UPDATEs, INSERT … SELECT,
// ON CONFLICT, large objects, \connect, \copy, expressions — in which the
// canary values only ever appear as data of columns the rules mask. The
// property: a run either fails and writes nothing, or its output holds no
// canary, in any encoding.

var fuzzCanaries = []string{"canary.one@leak.example", "canary.two@leak.example", "canary.three@leak.example"}

// scriptPrelude defines every table the pieces may touch; the rules mask
// each one's email column.
const scriptPrelude = `CREATE SCHEMA app;
CREATE TABLE public.people (id integer NOT NULL, email text);
CREATE TABLE app.people (id integer NOT NULL, email text);
CREATE TABLE public."People" (id integer NOT NULL, email text);
CREATE TABLE public.notes (id integer NOT NULL, email text);
`

func fuzzRules(strict bool, lo string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nstrict: %v\n", strict)
	if lo != "" {
		fmt.Fprintf(&b, "large_objects: %s\n", lo)
	}
	b.WriteString("tables:\n")
	for _, t := range []string{"public.people", "app.people", `public."People"`, "public.notes"} {
		fmt.Fprintf(&b, "  '%s':\n    id: keep\n    email: email\n", t)
	}
	return b.String()
}

// scriptPieces are the fragments a fuzz input strings together; {T} is a
// table name, {C} a canary, {H} the canary's hex.
var scriptPieces = []string{
	"SET search_path = app, public;\n",
	"SET search_path = pg_catalog, app;\n",
	"SET search_path = \"$user\", public;\n",
	"SET search_path TO 'app';\n",
	"SET LOCAL search_path = app;\n",
	"SELECT pg_catalog.set_config('search_path', 'app', false);\n",
	"SELECT pg_catalog.set_config('search_path', 'app', true);\n",
	"SELECT pg_catalog.set_config('search_path', '', false);\n",
	"RESET search_path;\n",
	"RESET ALL;\n",
	"DISCARD ALL;\n",
	"BEGIN;\n",
	"COMMIT;\n",
	"ROLLBACK;\n",
	"COPY {T} (id, email) FROM stdin;\n1\t{C}\n\\.\n",
	"COPY people (id, email) FROM stdin;\n2\t{C}\n\\.\n",
	"COPY {T} FROM stdin;\n3\t{C}\n\\.\n",
	"INSERT INTO {T} VALUES (4, '{C}');\n",
	"INSERT INTO people (id, email) VALUES (5, '{C}'), (6, NULL);\n",
	"INSERT INTO {T} VALUES (7, 'x' || '{C}');\n",
	"INSERT INTO {T} VALUES (8, '{C}'::text || '');\n",
	"INSERT INTO {T} VALUES (9, 'a') ON CONFLICT DO NOTHING;\n",
	"INSERT INTO {T} VALUES (10, 'a') ON CONFLICT (id) DO UPDATE SET email = '{C}';\n",
	"INSERT INTO {T} SELECT 11, '{C}';\n",
	"INSERT INTO {T} VALUES (12, 'a') UNION SELECT 13, '{C}';\n",
	"UPDATE {T} SET email = '{C}';\n",
	"WITH x AS (INSERT INTO {T} VALUES (14, '{C}') RETURNING 1) SELECT 1;\n",
	"MERGE INTO {T} t USING (SELECT 15 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (15, '{C}');\n",
	"SELECT 16, '{C}' INTO public.copied;\n",
	"CREATE TABLE public.made AS SELECT 17 AS id, '{C}'::text AS email;\n",
	"DO $$ BEGIN INSERT INTO public.people VALUES (18, '{C}'); END $$;\n",
	"SELECT public.f('{C}');\n",
	"SELECT pg_catalog.lo_create('16400');\nSELECT pg_catalog.lo_open('16400', 131072);\nSELECT pg_catalog.lowrite(0, '\\x{H}');\nSELECT pg_catalog.lo_close(0);\n",
	"\\connect other\n",
	"\\connect - someone\n",
	"\\copy {T} from stdin\n19\t{C}\n\\.\n",
	"\\i /etc/passwd\n",
	"ALTER TABLE {T} RENAME TO people_old;\n",
	"ALTER TABLE {T} RENAME COLUMN email TO mail;\n",
	"ALTER TABLE {T} SET SCHEMA app;\n",
	"ALTER TABLE {T} ADD COLUMN note text;\n",
	"ALTER TABLE {T} DROP COLUMN email;\n",
	"DROP TABLE {T};\n",
	"CREATE TABLE {T} (id integer, email text);\n",
	"CREATE TABLE people (id integer, email text);\n",
	"CREATE TABLE public.people_old (id integer, email text);\n",
	"ALTER SCHEMA app RENAME TO app2;\n",
	"DROP SCHEMA app CASCADE;\n",
	"CREATE ROLE r PASSWORD 'SCRAM-SHA-256${C}';\n",
	"SELECT * FROM pg_catalog.pg_restore_attribute_stats('relation', 'public.people'::regclass, 'attname', 'email'::name, 'most_common_vals', '{{C}}'::text);\n",
	"-- PostgreSQL database dump\n",
	"-- PostgreSQL database dump complete\n",
	"UPDATE {T} SET email '{C}';\n",
	"CREATE TABLE public.typo (a text DEFAULT '{C}' '{C}');\n",
}

var fuzzTables = []string{"people", "public.people", "app.people", `"People"`, `public."People"`, "notes", "public.notes", "app.notes"}

// buildScript turns fuzz bytes into a script: each byte pair picks a piece
// and a table. Without strict mode, a table the rules do not name passes
// through on purpose, so the pieces that create one get no canary.
func buildScript(data []byte, strict bool) string {
	var b strings.Builder
	b.WriteString(scriptPrelude)
	for i := 0; i+1 < len(data) && i < 64; i += 2 {
		piece := scriptPieces[int(data[i])%len(scriptPieces)]
		table := fuzzTables[int(data[i+1])%len(fuzzTables)]
		c := fuzzCanaries[int(data[i+1]>>4)%len(fuzzCanaries)]
		if !strict && (strings.Contains(piece, "INTO public.copied") || strings.Contains(piece, "public.made")) {
			c = "not-a-canary"
		}
		b.WriteString(strings.NewReplacer("{T}", table, "{C}", c, "{H}", hex.EncodeToString([]byte(c))).Replace(piece))
	}
	return b.String()
}

func FuzzNoCanaryLeaks(f *testing.F) {
	for _, seed := range [][]byte{
		{14, 0}, {0, 1, 15, 0}, {1, 0, 14, 0}, {2, 0, 14, 1}, {4, 2, 14, 0}, {6, 0, 15, 1},
		{11, 0, 0, 0, 13, 0, 14, 0}, {11, 0, 4, 0, 12, 0, 15, 0}, {17, 0}, {19, 0}, {22, 0}, {23, 0},
		{24, 0}, {25, 0}, {26, 0}, {27, 0}, {32, 0}, {33, 0, 14, 1}, {35, 0}, {37, 0, 14, 1},
		{38, 0, 14, 0}, {39, 0, 14, 0}, {42, 0, 43, 0, 14, 0}, {46, 0, 14, 0}, {51, 0},
		{52, 0}, {53, 0},
	} {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		strict := mode&1 == 0
		script := buildScript(data, strict)
		dir := t.TempDir()
		in := filepath.Join(dir, "in.sql")
		os.WriteFile(in, []byte(script), 0o644)
		lo := []string{"", "keep", "drop"}[int(mode>>1)%3]
		rulesPath := filepath.Join(dir, "rules.yaml")
		os.WriteFile(rulesPath, []byte(fuzzRules(strict, lo)), 0o644)
		out := filepath.Join(dir, "out.sql")
		var stdout, stderr strings.Builder
		e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(string) string { return "fuzz-secret-0123456789" }}
		code := e.anonymize([]string{"--rules", rulesPath, "--in", in, "--out", out, "--quiet"})
		for _, c := range fuzzCanaries {
			for _, form := range []string{c, hex.EncodeToString([]byte(c)), strings.ToUpper(c)} {
				if strings.Contains(stderr.String(), form) {
					t.Fatalf("canary %q printed (rules strict=%v, large_objects=%q)\nscript:\n%s\nstderr:\n%s", form, strict, lo, script, stderr.String())
				}
			}
		}
		got, err := os.ReadFile(out)
		if code != ExitOK {
			if err == nil {
				t.Fatalf("exit %d left an output behind\nscript:\n%s", code, script)
			}
			return
		}
		if lo == "keep" && strings.Contains(script, "lowrite") {
			return // large objects kept on purpose
		}
		for _, c := range fuzzCanaries {
			for _, form := range []string{c, hex.EncodeToString([]byte(c)), strings.ToUpper(c)} {
				if strings.Contains(string(got), form) {
					t.Fatalf("canary %q leaked (rules strict=%v, large_objects=%q)\nscript:\n%s\noutput:\n%s", form, strict, lo, script, got)
				}
			}
		}
	})
}
