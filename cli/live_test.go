package cli

// End-to-end equality of the four directions (issue 6, acceptance): a
// database read live and loaded live holds what file mode writes, a live
// source writes what file mode writes for the source's own pg_dump, and a
// live target holds what psql of the masked file gives.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// eqCase is a database the equality tests build: a plain dump (a corpus
// path relative to its root, or a repository path starting with "..") and
// the rules that cover it.
type eqCase struct {
	name, dump, rules string
}

var eqCases = []eqCase{
	{name: "shop", dump: fixture, rules: shopRules},
	{name: "chinook", dump: "chinook/pg15/chinook.plain.sql", rules: "testdata/rules/chinook.yaml"},
	{name: "pagila", dump: "pagila/pg15/pagila.plain.sql", rules: "testdata/rules/pagila.yaml"},
	// The hand-edited northwind writes freight, a real, as 32.3800011
	// where PostgreSQL writes 32.38: masked alike all the same.
	{name: "northwind", dump: "northwind/northwind.sql", rules: "testdata/rules/northwind.yaml"},
}

// path is the dump's path, loadable by this server.
func (c eqCase) path(t *testing.T) string {
	t.Helper()
	if strings.HasPrefix(c.dump, "..") {
		return c.dump
	}
	return withoutPG17Settings(t, corpus.Path(t, c.dump))
}

// eqSecret is the masking secret of every run here: file and live runs
// must agree value for value.
var eqSecret = map[string]string{"ANONYMIZE_SECRET": "live-equality-secret-01"}

// eqAnonymize runs anonymize in-process with eqSecret and -j 2 (the
// machine's cores, so that tables really load in parallel), failing the
// test on a non-zero exit.
func eqAnonymize(t *testing.T, args ...string) {
	t.Helper()
	r := run(t, eqSecret, "", append([]string{"--quiet", "-j", "2"}, args...)...)
	if r.code != ExitOK {
		t.Fatalf("anonymize %s: exit %d:\n%s", strings.Join(eqRedactArgs(args), " "), r.code, r.stderr)
	}
}

// eqRedactArgs is args for a message: connection strings reduced to their
// database name.
func eqRedactArgs(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if strings.HasPrefix(a, "postgres://") {
			out[i] = ".../" + eqDBName(a)
		}
	}
	return out
}

func eqDBName(u string) string {
	u, _, _ = strings.Cut(u, "?")
	return u[strings.LastIndex(u, "/")+1:]
}

// eqLoad creates a database and loads the plain dump at path into it with
// psql.
func eqLoad(t *testing.T, path string) string {
	t.Helper()
	u := pgtest.NewDatabase(t)
	pgtest.Psql(t, u, path)
	return u
}

// eqNewTarget is the URL of a database that does not exist yet, for the
// run to create as --target (the path a user takes); it is dropped when
// the test ends.
func eqNewTarget(t *testing.T) string {
	t.Helper()
	admin := pgtest.AdminURL(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "understudy_test_target_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("connect to drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// eqKeyLine matches the \restrict and \unrestrict lines pg_dump writes
// with a random key.
var eqKeyLine = regexp.MustCompile(`(?m)^\\(un)?restrict [A-Za-z0-9]+$`)

// eqPgDump is the server's pg_dump of the database at u with args, its
// random \restrict key replaced by KEY.
func eqPgDump(t *testing.T, u string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pg_dump.sql")
	eqPgDumpFile(t, u, out, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return eqKeyLine.ReplaceAllString(string(b), `\${1}restrict KEY`)
}

func eqPgDumpFile(t *testing.T, u, out string, args ...string) {
	t.Helper()
	cmd := exec.Command(pgtest.Bin(t, "pg_dump"), append(args, "--file="+out, "--dbname="+u)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// eqSameText fails the test at the first line where two pg_dump scripts
// differ, showing the lines unless they are in a data entry (rows,
// sequence values, large objects' bytes), where the table-of-contents
// comment above them says where instead.
func eqSameText(t *testing.T, what, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	lw, lg := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < min(len(lw), len(lg)) && lw[i] == lg[i] {
		i++
	}
	toc := ""
	for j := i - 1; j >= 0 && toc == ""; j-- {
		if m := eqTOC.FindStringSubmatch(lw[j]); m != nil {
			toc = lw[j]
			if !eqDataTypes[m[1]] && i < min(len(lw), len(lg)) {
				t.Fatalf("%s differs at line %d, under %q:\nwant %.300q\ngot  %.300q", what, i+1, toc, lw[i], lg[i])
			}
		}
	}
	t.Fatalf("%s differs from line %d (%d lines, want %d), under %q", what, i+1, len(lg), len(lw), toc)
}

// eqTOC matches pg_dump's comment before each entry, and eqDataTypes are
// the entry types whose lines hold data.
var (
	eqTOC       = regexp.MustCompile(`^-- (?:Data for )?Name: .*; Type: ([A-Z][A-Z ]*); Schema: `)
	eqDataTypes = map[string]bool{"TABLE DATA": true, "SEQUENCE SET": true, "BLOBS": true, "BLOB DATA": true, "LARGE OBJECTS": true}
)

// eqRelation is a table or sequence of a database.
type eqRelation struct {
	schema, name string
	kind         string // pg_class.relkind
}

func (r eqRelation) String() string { return pgx.Identifier{r.schema, r.name}.Sanitize() }

// eqRelations lists the tables that hold rows (ordinary tables and
// partitions) and the sequences of the database, in name order.
func eqRelations(t *testing.T, conn *pgx.Conn) []eqRelation {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT n.nspname, c.relname, c.relkind::text
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (eqRelation, error) {
		var rel eqRelation
		return rel, r.Scan(&rel.schema, &rel.name, &rel.kind)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eqCopy is a relation's contents as COPY text: a table's rows sorted by
// their text form (byte order, so no collation or missing btree operator
// class — json, xml, point — gets in the way), a sequence's state.
func eqCopy(t *testing.T, conn *pgx.Conn, rel eqRelation) []byte {
	t.Helper()
	q := "SELECT last_value, is_called FROM " + rel.String()
	if rel.kind == "r" {
		rows, err := conn.Query(context.Background(), `SELECT attname::text FROM pg_catalog.pg_attribute
			WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, rel.String())
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			cols[i] = "x." + pgx.Identifier{c}.Sanitize()
		}
		list := strings.Join(cols, ", ")
		q = "SELECT " + list + " FROM ONLY " + rel.String() + " AS x ORDER BY ROW(" + list + `)::text COLLATE "C"`
	}
	var b bytes.Buffer
	if _, err := conn.PgConn().CopyTo(context.Background(), &b, "COPY ("+q+") TO STDOUT"); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return b.Bytes()
}

// eqLargeObjects is every large object's OID, owner, comment and a digest
// of its bytes, one per line.
func eqLargeObjects(t *testing.T, conn *pgx.Conn) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := conn.PgConn().CopyTo(context.Background(), &b, `COPY (
		SELECT m.oid, m.lomowner::regrole, pg_catalog.obj_description(m.oid, 'pg_largeobject'), md5(pg_catalog.lo_get(m.oid)), length(pg_catalog.lo_get(m.oid))
		FROM pg_catalog.pg_largeobject_metadata m ORDER BY m.oid) TO STDOUT`); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// eqSameData fails the test unless the databases at want and got have
// the same tables and sequences with the same contents, and the same
// large objects. Masked
// and kept values alike stay out of the messages: a difference is named by
// its table and row number only.
func eqSameData(t *testing.T, want, got string) {
	t.Helper()
	cw, cg := pgtest.Connect(t, want), pgtest.Connect(t, got)
	rw, rg := eqRelations(t, cw), eqRelations(t, cg)
	if fmt.Sprint(rw) != fmt.Sprint(rg) {
		t.Fatalf("different tables and sequences:\nwant %v\ngot  %v", rw, rg)
	}
	tables := 0
	for _, rel := range rw {
		dw, dg := eqCopy(t, cw, rel), eqCopy(t, cg, rel)
		if bytes.Equal(dw, dg) {
			if rel.kind == "r" {
				tables++
			}
			continue
		}
		if rel.kind == "S" {
			t.Errorf("sequence %s: different state", rel)
			continue
		}
		lw, lg := bytes.Split(dw, []byte("\n")), bytes.Split(dg, []byte("\n"))
		row := 0
		for row < min(len(lw), len(lg)) && bytes.Equal(lw[row], lg[row]) {
			row++
		}
		t.Errorf("table %s: %d rows, want %d; the sorted rows differ from row %d on", rel, len(lg)-1, len(lw)-1, row+1)
	}
	if tables == 0 {
		t.Fatal("no tables compared")
	}
	if lw, lg := eqLargeObjects(t, cw), eqLargeObjects(t, cg); !bytes.Equal(lw, lg) {
		t.Errorf("large objects differ: %d, want %d", bytes.Count(lg, []byte("\n")), bytes.Count(lw, []byte("\n")))
	}
}

// eqConstraintsHold fails the test unless every constraint of the
// database at u is marked valid, every index is valid, and — checked
// again by query, not trusting the flags — every foreign key finds its
// referenced row and every table CHECK holds on every row. It returns how
// many foreign keys it checked.
func eqConstraintsHold(t *testing.T, u string) int {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Connect(t, u)
	for _, q := range []string{
		"SELECT count(*) FROM pg_catalog.pg_constraint WHERE NOT convalidated",
		"SELECT count(*) FROM pg_catalog.pg_index WHERE NOT indisvalid OR NOT indisready",
	} {
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d (%v)", q, n, err)
		}
	}
	// A foreign key cloned onto partitions (conparentid set) is checked
	// through the constraint it was cloned from.
	rows, err := conn.Query(ctx, `SELECT k.conname, k.contype::text,
			cn.nspname, cr.relname, cr.relkind::text, coalesce(fn.nspname, ''), coalesce(fr.relname, ''), coalesce(fr.relkind::text, ''),
			ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
			ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
			coalesce(pg_catalog.pg_get_expr(k.conbin, k.conrelid), '')
		FROM pg_catalog.pg_constraint k
		JOIN pg_catalog.pg_class cr ON cr.oid = k.conrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = cr.relnamespace
		LEFT JOIN pg_catalog.pg_class fr ON fr.oid = k.confrelid LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fr.relnamespace
		WHERE k.contype IN ('f', 'c') AND k.conparentid = 0
		ORDER BY 3, 4, 1`)
	if err != nil {
		t.Fatal(err)
	}
	type constraint struct {
		name, kind          string
		table, ref          eqRelation
		columns, refColumns []string
		check               string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (constraint, error) {
		var c constraint
		return c, r.Scan(&c.name, &c.kind, &c.table.schema, &c.table.name, &c.table.kind,
			&c.ref.schema, &c.ref.name, &c.ref.kind, &c.columns, &c.refColumns, &c.check)
	})
	if err != nil {
		t.Fatal(err)
	}
	// ONLY: a table's own rows, unless it is partitioned (its rows are in
	// its partitions, which a constraint on it covers).
	from := func(rel eqRelation, alias string) string {
		if rel.kind == "p" {
			return rel.String() + " " + alias
		}
		return "ONLY " + rel.String() + " " + alias
	}
	fks := 0
	for _, c := range all {
		var q string
		switch c.kind {
		case "f":
			// MATCH SIMPLE: a row with a NULL in the key references nothing.
			var notNull, match []string
			for i, col := range c.columns {
				notNull = append(notNull, "c."+pgx.Identifier{col}.Sanitize()+" IS NOT NULL")
				match = append(match, "p."+pgx.Identifier{c.refColumns[i]}.Sanitize()+" = c."+pgx.Identifier{col}.Sanitize())
			}
			q = "SELECT count(*) FROM " + from(c.table, "c") + " WHERE " + strings.Join(notNull, " AND ") +
				" AND NOT EXISTS (SELECT FROM " + from(c.ref, "p") + " WHERE " + strings.Join(match, " AND ") + ")"
			fks++
		case "c":
			// The expression is the server's own deparsing: identifiers
			// in it are quoted already.
			q = "SELECT count(*) FROM " + from(c.table, "c") + " WHERE NOT (" + c.check + ")"
		}
		var n int64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Errorf("constraint %s on %s: %v", c.name, c.table, err)
		} else if n != 0 {
			t.Errorf("constraint %s on %s: %d rows violate it", c.name, c.table, n)
		}
	}
	return fks
}

// eqDataEntry is one data entry of a plain dump: a table's COPY block
// (its columns and rows, byte for byte), a sequence's setval statement
// (without the comment and blank lines around it) or large objects' SQL.
type eqDataEntry struct {
	desc, table, columns string
	data                 []byte
}

// eqStatements is SQL text without its comment lines and blank lines.
func eqStatements(sql []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(sql, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && !bytes.HasPrefix(t, []byte("--")) {
			out = append(out, line...)
		}
	}
	return out
}

// eqDumpData reads the plain dump at path with the plain source and
// returns its data entries in dump order.
func eqDumpData(t *testing.T, path string) []eqDataEntry {
	t.Helper()
	ctx := context.Background()
	src, err := plain.Open(ctx, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []eqDataEntry
	for _, e := range inv.Entries {
		d := eqDataEntry{desc: e.Desc, table: e.Table.String(), columns: strings.Join(e.Columns, ",")}
		switch {
		case e.Desc == dump.SequenceSet:
			d.data = eqStatements(e.Defn)
		case e.IsData():
			r, err := src.Open(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, err = b.ReadFrom(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			d.data = b.Bytes()
		default:
			continue
		}
		out = append(out, d)
	}
	return out
}

// TestLiveSourceEqualsFileMode loads each dump into a source database
// with psql, then:
//
//   - target: --source --target gives the source's pg_dump --schema-only,
//     its row counts, constraints that hold, and, value for value, the
//     database psql makes of what --in --out writes from the same dump
//     with the same secret.
//   - out: --source --out writes the same data as --in --out on the
//     source's own pg_dump. Compared, in dump order: the list of data
//     entries (type, table, COPY column list); each table's COPY rows, byte
//     for byte and in the same order; each setval statement. Not compared:
//     the DDL and comments around them, which differ by design — a live
//     source's script is pg_dump's pre-data script, the data, then
//     pg_dump's post-data script with its own header, SETs and \restrict
//     key, and its data entries' comments say "Owner: -"; the target
//     subtest shows what such a script loads into.
func TestLiveSourceEqualsFileMode(t *testing.T) {
	for _, c := range eqCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := c.path(t)
			src := eqLoad(t, path)
			dir := t.TempDir()
			own, ownMasked := filepath.Join(dir, "own.sql"), filepath.Join(dir, "own.masked.sql")
			eqPgDumpFile(t, src, own)
			eqAnonymize(t, "--rules", c.rules, "--in", own, "--out", ownMasked)

			t.Run("target", func(t *testing.T) {
				tgt := eqNewTarget(t)
				eqAnonymize(t, "--rules", c.rules, "--source", src, "--target", tgt)
				masked := filepath.Join(t.TempDir(), "masked.sql")
				eqAnonymize(t, "--rules", c.rules, "--in", path, "--out", masked)
				fileDB := eqLoad(t, masked)

				// \restrict keys and the database's name aside, nothing
				// may differ: the target is made from the source's own
				// pre- and post-data, owners and privileges included, in a
				// database created with the source's encoding and locale
				// (--create shows them).
				schema := func(u string) string {
					return strings.ReplaceAll(eqPgDump(t, u, "--schema-only", "--create"), eqDBName(u), "DATABASE_NAME")
				}
				eqSameText(t, "pg_dump --schema-only --create", schema(src), schema(tgt))
				if want, got := tableCounts(t, src), tableCounts(t, tgt); len(want) == 0 || fmt.Sprint(want) != fmt.Sprint(got) {
					t.Errorf("row counts differ:\nsource %v\ntarget %v", want, got)
				}
				if eqConstraintsHold(t, tgt) == 0 {
					t.Error("no foreign key checked")
				}
				eqSameData(t, fileDB, tgt)
			})

			t.Run("out", func(t *testing.T) {
				fromLive := filepath.Join(t.TempDir(), "live.sql")
				eqAnonymize(t, "--rules", c.rules, "--source", src, "--out", fromLive)
				want, got := eqDumpData(t, ownMasked), eqDumpData(t, fromLive)
				tables := 0
				for i := range max(len(want), len(got)) {
					if i >= len(want) || i >= len(got) {
						t.Fatalf("%d data entries, want %d", len(got), len(want))
					}
					w, g := want[i], got[i]
					if w.desc != g.desc || w.table != g.table || w.columns != g.columns {
						t.Fatalf("data entry %d is %s %s (%s), want %s %s (%s)", i, g.desc, g.table, g.columns, w.desc, w.table, w.columns)
					}
					if !bytes.Equal(w.data, g.data) {
						t.Errorf("%s %s: %d bytes, want %d, not the same bytes", g.desc, g.table, len(g.data), len(w.data))
					}
					if w.desc == dump.TableData {
						tables++
					}
				}
				if tables == 0 {
					t.Fatal("no table data compared")
				}
			})
		})
	}
}

// eqFileCase is a dump for --in FILE --target URL: a file, or a database
// dumped with pg_dump options; largeObjects is how many the target must
// hold.
type eqFileCase struct {
	name         string
	build        func(t *testing.T) (path, rules string)
	largeObjects int
	// source, when set, is the database the dump was made from: the same
	// rules with --source must give the same target, or, when
	// refuseSource, stop before creating it.
	source       string
	refuseSource bool
}

// eqLargeObjectsSQL makes a table whose rows point at large objects:
// small ones, one with a comment, one that no row points at, and one of
// 3 MiB (its lowrite statements, 6 MiB of SQL, are larger than one batch
// of the live sink, so it spans round trips in one transaction).
const eqLargeObjectsSQL = `
CREATE TABLE public.docs (id int PRIMARY KEY, email text UNIQUE, body oid);
INSERT INTO public.docs SELECT g, 'person' || g || '@real.org', lo_from_bytea(0, convert_to(repeat('doc ' || g, g * 10), 'UTF8')) FROM generate_series(1, 5) g;
INSERT INTO public.docs VALUES (6, 'big@real.org', lo_from_bytea(0, (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea) FROM generate_series(1, 3 * 65536) g)));
SELECT lo_from_bytea(0, '\x00ff00'::bytea);
DO $$ BEGIN EXECUTE format('COMMENT ON LARGE OBJECT %s IS %L', (SELECT min(oid) FROM pg_largeobject_metadata), 'the first'); END $$;
`

// eqLODatabase is the large-objects database and its pg_dump (which
// writes large objects unless told not to).
type eqLODatabase struct{ db, dump string }

func eqLargeObjectsDB(t *testing.T) eqLODatabase {
	t.Helper()
	script := filepath.Join(t.TempDir(), "lo.sql")
	if err := os.WriteFile(script, []byte(eqLargeObjectsSQL), 0o600); err != nil {
		t.Fatal(err)
	}
	lo := eqLODatabase{db: eqLoad(t, script), dump: filepath.Join(t.TempDir(), "lo.dump.sql")}
	eqPgDumpFile(t, lo.db, lo.dump)
	return lo
}

// eqLargeObjectsCase is the large-objects dump with rules saying mode. A
// live source cannot copy large objects yet: with keep, --source is
// refused.
func eqLargeObjectsCase(lo eqLODatabase, mode string, want int) eqFileCase {
	return eqFileCase{name: "large-objects-" + mode, largeObjects: want, source: lo.db, refuseSource: mode == "keep", build: func(t *testing.T) (string, string) {
		rules := filepath.Join(t.TempDir(), "lo.yaml")
		if err := os.WriteFile(rules, []byte("version: 1\nlarge_objects: "+mode+"\ntables:\n  public.docs:\n    id: keep\n    email: email\n    body: keep\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return lo.dump, rules
	}}
}

// eqFileCases are the dumps of TestLiveFileToTargetEqualsPsql.
func eqFileCases(lo eqLODatabase) []eqFileCase {
	return []eqFileCase{
		{name: "shop", build: func(t *testing.T) (string, string) { return fixture, shopRules }},
		// pg_dump --inserts --rows-per-insert=100, from the corpus.
		{name: "pagila-inserts", build: func(t *testing.T) (string, string) {
			return corpus.Path(t, "pagila/pg15/pagila.inserts.sql"), "testdata/rules/pagila.yaml"
		}},
		// One INSERT per row, written by hand, with no \restrict: pg_dump's
		// header is in the first statement's entry.
		{name: "northwind", build: func(t *testing.T) (string, string) {
			return corpus.Path(t, "northwind/northwind.sql"), "testdata/rules/northwind.yaml"
		}},
		// pg_dump --column-inserts of a corpus database: one INSERT per
		// row, with column names.
		{name: "chinook-column-inserts", build: func(t *testing.T) (string, string) {
			src := eqLoad(t, corpus.Path(t, "chinook/pg15/chinook.plain.sql"))
			out := filepath.Join(t.TempDir(), "chinook.inserts.sql")
			eqPgDumpFile(t, src, out, "--column-inserts")
			return out, "testdata/rules/chinook.yaml"
		}},
		eqLargeObjectsCase(lo, "keep", 7),
		eqLargeObjectsCase(lo, "drop", 0),
	}
}

// eqCopyBlock matches the COPY header line of pg_dump's plain output.
var eqCopyBlock = regexp.MustCompile(`^COPY .* FROM stdin;$`)

// eqSortedDump is eqPgDump of the whole database with the rows of each
// COPY block sorted: a table's physical row order is the server's choice
// (a row goes to an earlier page that the free space map says has room),
// not the data's.
func eqSortedDump(t *testing.T, u string) string {
	t.Helper()
	lines := strings.Split(eqPgDump(t, u), "\n")
	for i := 0; i < len(lines); i++ {
		if !eqCopyBlock.MatchString(lines[i]) {
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != `\.` {
			end++
		}
		slices.Sort(lines[i+1 : end])
		i = end
	}
	return strings.Join(lines, "\n")
}

// TestLiveFileToTargetEqualsPsql: --in FILE --target URL gives the
// database psql makes of the masked file --out writes: the same pg_dump,
// schema and data, once each COPY block's rows are sorted, \restrict keys
// aside; the same rows, sequence values and large objects compared table
// by table (to name a table that differs); constraints that hold. The source dumps cover COPY, INSERTs of
// several rows, one-row INSERTs with column names, and large objects kept
// (the live sink runs their SQL) and dropped.
func TestLiveFileToTargetEqualsPsql(t *testing.T) {
	for _, c := range eqFileCases(eqLargeObjectsDB(t)) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path, rules := c.build(t)
			masked := filepath.Join(t.TempDir(), "masked.sql")
			eqAnonymize(t, "--rules", rules, "--in", path, "--out", masked)
			psqlDB := eqLoad(t, masked)
			tgt := eqNewTarget(t)
			eqAnonymize(t, "--rules", rules, "--in", path, "--target", tgt)

			eqSameData(t, psqlDB, tgt)
			eqSameText(t, "pg_dump, rows sorted", eqSortedDump(t, psqlDB), eqSortedDump(t, tgt))
			if fks := eqConstraintsHold(t, tgt); fks == 0 && !strings.HasPrefix(c.name, "large-objects") /* docs has no FK */ {
				t.Error("no foreign key checked")
			}
			var n int
			if err := pgtest.Connect(t, tgt).QueryRow(context.Background(), "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata").Scan(&n); err != nil || n != c.largeObjects {
				t.Errorf("%d large objects in the target (%v), want %d", n, err, c.largeObjects)
			}

			if c.source == "" {
				return
			}
			fromSource := eqNewTarget(t)
			if !c.refuseSource {
				eqAnonymize(t, "--rules", rules, "--source", c.source, "--target", fromSource)
				eqSameData(t, psqlDB, fromSource)
				return
			}
			r := run(t, eqSecret, "", "--quiet", "--rules", rules, "--source", c.source, "--target", fromSource)
			var exists bool
			if err := pgtest.Connect(t, pgtest.AdminURL(t)).QueryRow(context.Background(),
				"SELECT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = $1)", eqDBName(fromSource)).Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if r.code != ExitFailure || !strings.Contains(r.stderr, "large objects") || exists {
				t.Errorf("--source with large objects kept: exit %d, target created: %v, want exit %d and none:\n%s", r.code, exists, ExitFailure, r.stderr)
			}
		})
	}
}
