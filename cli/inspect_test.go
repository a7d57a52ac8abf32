package cli

import (
	"encoding/json"
	"github.com/understudy-db/understudy/dump/plain"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/internal/corpus"
)

func inspectJSON(t *testing.T, path string) *inspectReport {
	t.Helper()
	r := run(t, nil, "", "inspect", "--in", path, "--json")
	if r.code != ExitOK {
		t.Fatalf("inspect exit %d: %s", r.code, r.stderr)
	}
	var rep inspectReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// The corpus README's row counts, and every foreign key of each schema.
func TestInspectCorpus(t *testing.T) {
	cases := []struct {
		file string
		rows string
		fks  []string
	}{
		{"chinook/pg15/chinook.plain.sql",
			"album 347, artist 275, customer 59, employee 8, genre 25, invoice 412, invoice_line 2240, media_type 5, playlist 18, playlist_track 8715, track 3503",
			[]string{
				"public.album(artist_id)->public.artist(artist_id)",
				"public.customer(support_rep_id)->public.employee(employee_id)",
				"public.employee(reports_to)->public.employee(employee_id)",
				"public.invoice(customer_id)->public.customer(customer_id)",
				"public.invoice_line(invoice_id)->public.invoice(invoice_id)",
				"public.invoice_line(track_id)->public.track(track_id)",
				"public.playlist_track(playlist_id)->public.playlist(playlist_id)",
				"public.playlist_track(track_id)->public.track(track_id)",
				"public.track(album_id)->public.album(album_id)",
				"public.track(genre_id)->public.genre(genre_id)",
				"public.track(media_type_id)->public.media_type(media_type_id)",
			}},
		{"northwind/northwind.sql",
			"categories 8, customer_customer_demo 0, customer_demographics 0, customers 91, employee_territories 49, employees 9, order_details 2155, orders 830, products 77, region 4, shippers 6, suppliers 29, territories 53, us_states 51",
			[]string{
				"public.customer_customer_demo(customer_type_id)->public.customer_demographics(customer_type_id)",
				"public.customer_customer_demo(customer_id)->public.customers(customer_id)",
				"public.employee_territories(employee_id)->public.employees(employee_id)",
				"public.employee_territories(territory_id)->public.territories(territory_id)",
				"public.employees(reports_to)->public.employees(employee_id)",
				"public.order_details(order_id)->public.orders(order_id)",
				"public.order_details(product_id)->public.products(product_id)",
				"public.orders(customer_id)->public.customers(customer_id)",
				"public.orders(employee_id)->public.employees(employee_id)",
				"public.orders(ship_via)->public.shippers(shipper_id)",
				"public.products(category_id)->public.categories(category_id)",
				"public.products(supplier_id)->public.suppliers(supplier_id)",
				"public.territories(region_id)->public.region(region_id)",
			}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rep := inspectJSON(t, corpus.Path(t, c.file))
			var rows []string
			for _, tb := range rep.Tables {
				rows = append(rows, tb.Table+" "+itoa(tb.Rows))
			}
			if got := strings.Join(rows, ", "); got != c.rows {
				t.Errorf("rows:\n got %s\nwant %s", got, c.rows)
			}
			var fks []string
			for _, fk := range rep.ForeignKeys {
				fks = append(fks, fk.Table+"("+strings.Join(fk.Columns, ",")+")->"+fk.References+"("+strings.Join(fk.RefColumns, ",")+")")
			}
			if got, want := strings.Join(fks, "\n"), strings.Join(c.fks, "\n"); got != want {
				t.Errorf("foreign keys:\n got %s\nwant %s", got, want)
			}
			// Text output names the same tables and keys.
			text := run(t, nil, "", "inspect", "--in", corpus.Path(t, c.file))
			for _, fk := range rep.ForeignKeys {
				if !strings.Contains(text.stdout, fk.Table+" ("+strings.Join(fk.Columns, ", ")+") -> "+fk.References) {
					t.Errorf("text output misses foreign key %s", fk.Name)
				}
			}
		})
	}
}

func itoa(n int64) string { return strings.TrimSpace(strings.ReplaceAll(thousands(n), ",", "")) }

// The JSON format is stable: the fixture's report is a golden file.
func TestInspectJSONGolden(t *testing.T) {
	r := run(t, nil, "", "inspect", "--in", fixture, "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, filepath.Join("testdata", "inspect-shop.json"), r.stdout)
	again := run(t, nil, "", "inspect", "--in", fixture, "--json")
	if again.stdout != r.stdout {
		t.Fatal("two runs give different JSON")
	}
}

// Bad input: a located error, a non-zero exit and no output file.
func TestBadInputLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	rulesPath := writeFile(t, dir, "rules.yaml", "version: 1\ntables:\n  public.t: keep\n")
	cases := []struct{ name, dump, want string }{
		{"copy without end", "CREATE TABLE public.t (a int, b int);\nCOPY public.t (a, b) FROM stdin;\n1\t2\n", `bad.sql:3: public.t: COPY block started at line 2 has no terminating \. line`},
		{"wrong field count", "CREATE TABLE public.t (a int, b int);\nCOPY public.t (a, b) FROM stdin;\n1\t2\t3\n\\.\n", "bad.sql:3: public.t: row has 3 fields, the COPY column list has 2"},
		{"invalid escape", "CREATE TABLE public.t (a int, b int);\nCOPY public.t (a, b) FROM stdin;\n1\t2\\\n\\.\n", "bad.sql:3: public.t: invalid escape"},
		{"binary garbage", "\x00\x01\x02\xff garbage", "bad.sql:1: binary data"},
		{"unterminated dollar quote", "CREATE FUNCTION f() RETURNS int AS $$\nselect 1;\n", "bad.sql:1: dollar-quoted string $$ opened on line 1 is never closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, dir, "bad.sql", c.dump)
			outDir := t.TempDir()
			r := run(t, secretEnv, "", "--rules", rulesPath, "--in", in, "--out", filepath.Join(outDir, "out.sql"))
			if r.code != ExitFailure {
				t.Fatalf("exit %d, want %d: %s", r.code, ExitFailure, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Fatalf("stderr %q, want it to contain %q", r.stderr, c.want)
			}
			if entries, _ := filepath.Glob(filepath.Join(outDir, "*")); len(entries) != 0 {
				t.Fatalf("left %v behind", entries)
			}
		})
	}
}

// On stdout a failed run cannot take back what it wrote: it ends the stream
// with an error statement, so a loading psql fails instead of half-loading.
func TestFailedRunPoisonsStdout(t *testing.T) {
	dir := t.TempDir()
	rulesPath := writeFile(t, dir, "rules.yaml", "version: 1\ntables:\n  public.t:\n    a: keep\n    d: date_shift\n")
	in := writeFile(t, dir, "bad.sql", "CREATE TABLE public.t (a integer, d date);\nCOPY public.t (a, d) FROM stdin;\n1\t2020-01-01\n2\tnot a date\n\\.\n")
	r := run(t, secretEnv, "", "--rules", rulesPath, "--in", in, "--out", "-")
	if r.code != ExitFailure {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasSuffix(r.stdout, string(plain.FailureMarker[1:])) {
		t.Fatalf("stdout does not end with the failure marker:\n%q", r.stdout)
	}
}
