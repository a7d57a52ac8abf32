package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

const shopRules = "../rules/shop.yaml"

var secretEnv = map[string]string{"ANONYMIZE_SECRET": "test-secret-0000001"}

// anonymizeTo runs anonymize and returns the output file's path.
func anonymizeTo(t *testing.T, env map[string]string, rulesPath, in string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.sql")
	r := run(t, env, "", "--rules", rulesPath, "--in", in, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("anonymize exit %d:\n%s", r.code, r.stderr)
	}
	return out
}

// tableCounts returns the row count of every ordinary table and partition.
func tableCounts(t *testing.T, url string) map[string]int64 {
	return tableQuery[int64](t, url, "SELECT count(*) FROM %s")
}

// tableDigests maps every table to a digest of its rows.
func tableDigests(t *testing.T, url string) map[string]string {
	return tableQuery[string](t, url, "SELECT coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '') FROM %s r")
}

// tableQuery maps every table to the result of query (a format with one
// %s, the table).
func tableQuery[T any](t *testing.T, url, query string) map[string]T {
	t.Helper()
	conn := pgtest.Connect(t, url)
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string]T{}
	for _, n := range names {
		var c T
		if err := conn.QueryRow(ctx, fmt.Sprintf(query, n)).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

func TestAnonymizeShopLoadsWithEveryConstraint(t *testing.T) {
	out := anonymizeTo(t, secretEnv, shopRules, fixture)
	orig, masked := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	pgtest.Psql(t, orig, fixture)
	// Post-data DDL re-adds every PK, UNIQUE, FK and CHECK after the data,
	// so a clean load means every constraint holds for the masked rows.
	pgtest.Psql(t, masked, out)
	want, got := tableCounts(t, orig), tableCounts(t, masked)
	if len(want) == 0 || fmt.Sprint(want) != fmt.Sprint(got) {
		t.Fatalf("row counts differ:\noriginal %v\nmasked   %v", want, got)
	}

	// Keys were permuted; their sequences must still hand out free values.
	conn := pgtest.Connect(t, masked)
	ctx := context.Background()
	for _, stmt := range []string{
		`INSERT INTO public.users (email, first_name, last_name, full_name, display_name, username, national_id, country, status, profile, password_hash, created_at)
		 SELECT 'new' || g || '@example.com', 'New', 'User', 'New User', 'New U.', 'new_user_' || g, '000-00-' || lpad(g::text, 4, '0'), 'GB', 'active', '{}', 'x', now()
		 FROM generate_series(1, 1000) g`,
		`INSERT INTO public.addresses (user_id, street, city, postcode, country)
		 SELECT (SELECT min(id) FROM public.users), '1 New Street', 'London', 'N1 1AA', 'GB' FROM generate_series(1, 1000)`,
		`INSERT INTO public.orders (user_id, shipping_address_id, status, currency, total, placed_at, customer_ip)
		 SELECT a.user_id, a.id, 'pending', 'GBP', 0, now(), '10.0.0.1' FROM public.addresses a, generate_series(1, 1000) WHERE a.id = (SELECT min(id) FROM public.addresses)`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("inserting with default keys after masking: %v\n%s", err, stmt)
		}
	}
	// Every other sequence-fed key that was masked: the next 1,000 values are free.
	rows, err := conn.Query(ctx, `SELECT format('%I.%I', sn.nspname, s.relname), format('%I.%I', tn.nspname, t.relname), a.attname
		FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
		JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE d.deptype IN ('a', 'i')`)
	if err != nil {
		t.Fatal(err)
	}
	type owned struct{ seq, table, col string }
	var all []owned
	for rows.Next() {
		var o owned
		rows.Scan(&o.seq, &o.table, &o.col)
		all = append(all, o)
	}
	rows.Close()
	if len(all) == 0 {
		t.Fatal("no owned sequences found")
	}
	for _, o := range all {
		var clashes int
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s IN (SELECT nextval('%s') FROM generate_series(1, 1000))`, o.table, pgxIdent(o.col), o.seq)
		if err := conn.QueryRow(ctx, q).Scan(&clashes); err != nil {
			t.Fatalf("%s: %v", o.seq, err)
		}
		if clashes != 0 {
			t.Errorf("sequence %s hands out %d values already used in %s.%s", o.seq, clashes, o.table, o.col)
		}
	}
}

func pgxIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// tableData is one table's rows in a dump: decoded values, nil for NULL.
type tableData struct {
	columns []string
	rows    [][][]byte
}

// dumpRows reads every data row of a plain dump, by table, in dump order.
func dumpRows(t *testing.T, path string) map[string]*tableData {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := plaindump.NewReader(f, path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*tableData{}
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Kind != plaindump.CopyRow {
			continue
		}
		td := out[it.Table.String()]
		if td == nil {
			td = &tableData{columns: append([]string(nil), it.Columns...)}
			out[it.Table.String()] = td
		}
		var row [][]byte
		for _, f := range copytext.Split(nil, it.Raw) {
			if copytext.IsNull(f) {
				row = append(row, nil)
				continue
			}
			v, err := copytext.Decode(nil, f)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		td.rows = append(td.rows, row)
	}
	return out
}

// eachMaskedColumn calls fn for every column of data that plan masks.
func eachMaskedColumn(plan *rules.Plan, data map[string]*tableData, fn func(table string, td *tableData, i int, cp *rules.ColumnPlan)) {
	for table, td := range data {
		q, _ := schema.ParseQName(table)
		tp := plan.Tables[q]
		if tp == nil {
			continue
		}
		for i, col := range td.columns {
			if cp := tp.Columns[col]; cp != nil {
				fn(table, td, i, cp)
			}
		}
	}
}

// shopPlan builds the plan of rules/shop.yaml for the fixture.
func shopPlan(t *testing.T) *rules.Plan {
	t.Helper()
	inv := inventory(t, fixture)
	rf, err := rules.Load(shopRules)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rf.Plan(inv.Catalog, pipeline.DataColumns(inv), &masking.Options{Secret: masking.NewSecret([]byte("x")), EmailDomain: rf.EmailDomain})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// Maskers whose outputs come from small sets (a few days of shift, a few
// percent of noise, a first name among thousands, a template of those) may
// coincide with some other row's original by chance; the leak check looks at
// identifying values.
var lowEntropyMaskers = map[string]bool{"first_name": true, "last_name": true, "city": true, "postcode": true, "company": true, "template": true,
	"date_shift": true, "number_noise": true, "lorem": true, "regex_replace": true, "partial": true, "null": true, "const": true}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	phoneRe = regexp.MustCompile(`\+?[0-9][0-9 ().-]{6,}[0-9]`)
)

func TestNoOriginalValueSurvives(t *testing.T) {
	plan := shopPlan(t)
	out := anonymizeTo(t, secretEnv, shopRules, fixture)
	output, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	originals := map[string]string{} // value → where it came from
	eachMaskedColumn(plan, dumpRows(t, fixture), func(table string, td *tableData, i int, cp *rules.ColumnPlan) {
		where := table + "." + td.columns[i]
		for _, row := range td.rows {
			v := row[i]
			if v == nil {
				continue
			}
			// json and scrub keep what they do not recognise; what they
			// must replace is checked below.
			if !lowEntropyMaskers[cp.Masker] && cp.Masker != "json" && cp.Masker != "scrub" && len(v) >= 8 {
				originals[string(v)] = where
			}
			if cp.Masker != "json" && cp.Masker != "scrub" {
				continue
			}
			// PII inside free text and JSON: emails and phone numbers.
			for _, m := range emailRe.FindAll(v, -1) {
				originals[string(m)] = where + " (inside)"
			}
			for _, m := range phoneRe.FindAll(v, -1) {
				if digits := countDigits(m); digits >= 9 {
					originals[string(m)] = where + " (inside)"
				}
			}
		}
	})
	if len(originals) < 2000 {
		t.Fatalf("only %d original values collected; the test is not looking", len(originals))
	}
	var leaks []string
	for v, where := range originals {
		if bytes.Contains(output, []byte(v)) || bytes.Contains(output, copytext.Encode(nil, []byte(v))) {
			leaks = append(leaks, fmt.Sprintf("%s: %q", where, v))
		}
	}
	sort.Strings(leaks)
	if len(leaks) > 0 {
		t.Fatalf("%d original values appear in the output:\n%s", len(leaks), strings.Join(leaks[:min(len(leaks), 40)], "\n"))
	}
}

func countDigits(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

func TestSameSecretSameBytesOtherSecretOtherValues(t *testing.T) {
	a := anonymizeTo(t, secretEnv, shopRules, fixture)
	b := anonymizeTo(t, secretEnv, shopRules, fixture)
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("two runs with the same secret differ")
	}
	c := anonymizeTo(t, map[string]string{"ANONYMIZE_SECRET": "another secret, longer"}, shopRules, fixture)
	plan := shopPlan(t)
	rowsA, rowsC, rowsO := dumpRows(t, a), dumpRows(t, c), dumpRows(t, fixture)
	// Maskers that do not use the secret at all may repeat a value; those
	// that draw from a finite list (a few hundred companies, ± a few days)
	// may by chance draw the same one under both secrets, and are allowed
	// 5%; everything else must change every value.
	secretless := map[string]bool{"null": true, "const": true, "partial": true, "regex_replace": true}
	smallSpace := map[string]bool{"date_shift": true, "number_noise": true, "first_name": true, "last_name": true,
		"city": true, "company": true, "template": true}
	eachMaskedColumn(plan, rowsA, func(table string, td *tableData, i int, cp *rules.ColumnPlan) {
		if secretless[cp.Masker] {
			return
		}
		same, total := 0, 0
		for r, row := range td.rows {
			va, vc, orig := row[i], rowsC[table].rows[r][i], rowsO[table].rows[r][i]
			if va == nil || string(orig) == "{}" {
				continue // nothing to mask
			}
			if (cp.Masker == "json" || cp.Masker == "scrub") && !emailRe.Match(orig) {
				continue // nothing these maskers replace
			}
			total++
			if bytes.Equal(va, vc) {
				same++
			}
		}
		limit := 0
		if smallSpace[cp.Masker] {
			limit = total / 20
		}
		if same > limit {
			t.Errorf("%s.%s (%s): %d of %d values unchanged by a different secret", table, td.columns[i], cp.Masker, same, total)
		}
	})
}

// keepAllRules writes a strict rules file that keeps every table of a dump.
// inventory reads a plain dump's inventory.
func inventory(t *testing.T, path string) *dump.Inventory {
	t.Helper()
	src, err := plain.Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func keepAllRules(t *testing.T, path string) string {
	t.Helper()
	inv := inventory(t, path)
	var b strings.Builder
	b.WriteString("version: 1\nstrict: true\ntables:\n")
	names := map[string]bool{}
	for _, tb := range inv.Catalog.Tables {
		names[tb.Name.String()] = true
	}
	for q := range inv.Rows {
		names[q.String()] = true
	}
	for n := range names {
		fmt.Fprintf(&b, "  '%s': keep\n", strings.ReplaceAll(n, "'", "''"))
	}
	rulesPath := filepath.Join(t.TempDir(), "keep.yaml")
	os.WriteFile(rulesPath, []byte(b.String()), 0o644)
	return rulesPath
}

func TestKeepEverythingIsByteIdentical(t *testing.T) {
	dumps := []string{fixture}
	for _, rel := range corpus.PlainDumps {
		switch rel {
		case "pagila/original/pagila-schema.sql":
		case "pagila/original/pagila-data.sql":
			// Data without its schema is refused (TestDataWithoutSchemaIsRefused):
			// the original pagila is two files, read as one script.
			schemaPart, _ := os.ReadFile(corpus.Path(t, "pagila/original/pagila-schema.sql"))
			dataPart, _ := os.ReadFile(corpus.Path(t, rel))
			both := filepath.Join(t.TempDir(), "pagila-schema+data.sql")
			os.WriteFile(both, append(schemaPart, dataPart...), 0o644)
			dumps = append(dumps, both)
		default:
			dumps = append(dumps, corpus.Path(t, rel))
		}
	}
	for _, dump := range dumps {
		t.Run(filepath.Base(dump), func(t *testing.T) {
			out := anonymizeTo(t, secretEnv, keepAllRules(t, dump), dump)
			in, _ := os.ReadFile(dump)
			got, _ := os.ReadFile(out)
			if !bytes.Equal(in, got) {
				t.Fatalf("output differs from input (%d vs %d bytes)", len(got), len(in))
			}
		})
	}
}

func TestDataWithoutSchemaIsRefused(t *testing.T) {
	dump := corpus.Path(t, "pagila/original/pagila-data.sql")
	out := filepath.Join(t.TempDir(), "out.sql")
	r := run(t, secretEnv, "", "--rules", keepAllRules(t, fixture), "--in", dump, "--out", out)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "pagila-data.sql:23: data for public.actor") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an output was written")
	}
}

func TestUncoveredColumnWritesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.sql")
	r := run(t, secretEnv, "", "--rules", "testdata/errors/uncovered_column/rules.yaml", "--in", fixture, "--out", out)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d", r.code, ExitUsage)
	}
	for _, col := range []string{"public.users.phone (character varying(20))", "public.addresses.company (character varying(60))"} {
		if !strings.Contains(r.stderr, col) {
			t.Errorf("message does not name %s:\n%s", col, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %d files behind", len(entries))
	}
}

func TestCorpusRulesLoadCleanly(t *testing.T) {
	for _, c := range []struct{ rules, dump string }{
		{"testdata/rules/chinook.yaml", "chinook/pg15/chinook.plain.sql"},
		{"testdata/rules/chinook.yaml", "chinook/pg17/chinook.plain.sql"},
		{"testdata/rules/northwind.yaml", "northwind/northwind.sql"},
		{"testdata/rules/pagila.yaml", "pagila/pg15/pagila.plain.sql"},
		{"testdata/rules/pagila.yaml", "pagila/pg15/pagila.inserts.sql"},
		{"testdata/rules/pagila.yaml", "pagila/pg17/pagila.plain.sql"},
	} {
		t.Run(c.dump, func(t *testing.T) {
			dump := corpus.Path(t, c.dump)
			out := anonymizeTo(t, secretEnv, c.rules, dump)
			orig, masked := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
			pgtest.Psql(t, orig, withoutPG17Settings(t, dump))
			pgtest.Psql(t, masked, withoutPG17Settings(t, out))
			if want, got := tableCounts(t, orig), tableCounts(t, masked); fmt.Sprint(want) != fmt.Sprint(got) {
				t.Fatalf("row counts differ:\noriginal %v\nmasked   %v", want, got)
			}
		})
	}
}

// withoutPG17Settings drops the one preamble line a PG15 server rejects
// (corpus README), returning a path psql can load.
func withoutPG17Settings(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("SET transaction_timeout = 0;\n")) {
		return path
	}
	out := filepath.Join(t.TempDir(), "pg15.sql")
	os.WriteFile(out, bytes.Replace(b, []byte("SET transaction_timeout = 0;\n"), nil, 1), 0o644)
	return out
}

// The masked fixture is pinned: a change in any masker, in the plan or in
// the pipeline that changes a byte of the output shows here (rerun with
// -update when the change is intended, and say so in the CHANGELOG).
func TestGoldenMaskedFixture(t *testing.T) {
	out := anonymizeTo(t, map[string]string{"ANONYMIZE_SECRET": "golden-secret-0123456789"}, shopRules, fixture)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "shop.masked.sql")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -run TestGoldenMaskedFixture -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("the masked fixture differs from %s from byte %d (line %d); rerun with -update if intended",
			path, i, bytes.Count(want[:i], []byte("\n"))+1)
	}
}
