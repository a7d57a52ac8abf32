package plaindump

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/schema"
)

// roundTrip reads src item by item and writes every item back unchanged.
func roundTrip(t testing.TB, src io.Reader, name string) ([]byte, map[string]int) {
	t.Helper()
	r, err := NewReader(src, name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	w := NewWriter(&out)
	rows := map[string]int{}
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch it.Kind {
		case CopyRow:
			rows[it.Table.String()]++
		case Insert:
			rows[it.Table.String()] += len(it.Insert.Tuples)
		}
		if err := w.WriteItem(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), rows
}

func fixturePath() string { return filepath.Join("..", "testdata", "fixtures", "shop.sql") }

func TestRoundTripCorpusAndFixture(t *testing.T) {
	files := []string{fixturePath()}
	for _, rel := range corpus.PlainDumps {
		files = append(files, corpus.Path(t, rel))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, rows := roundTrip(t, bytes.NewReader(in), path)
			if !bytes.Equal(in, out) {
				t.Fatalf("round trip differs at byte %d of %d", firstDiff(in, out), len(in))
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(in)
			zw.Close()
			out, gzRows := roundTrip(t, &gz, path+".gz")
			if !bytes.Equal(in, out) {
				t.Fatalf("gzip round trip differs at byte %d", firstDiff(in, out))
			}
			if len(rows) != len(gzRows) {
				t.Fatalf("gzip copy saw %d tables, plain %d", len(gzRows), len(rows))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestCorpusRowCounts(t *testing.T) {
	want := map[string]map[string]int{
		"chinook/pg15/chinook.plain.sql": {"public.album": 347, "public.artist": 275, "public.customer": 59, "public.employee": 8,
			"public.genre": 25, "public.invoice": 412, "public.invoice_line": 2240, "public.media_type": 5, "public.playlist": 18,
			"public.playlist_track": 8715, "public.track": 3503},
		// northwind's INSERTs leave names unqualified; the schema model resolves them.
		"northwind/northwind.sql": {"categories": 8, "customers": 91, "employee_territories": 49,
			"employees": 9, "order_details": 2155, "orders": 830, "products": 77, "region": 4,
			"shippers": 6, "suppliers": 29, "territories": 53, "us_states": 51},
		"pagila/pg15/pagila.inserts.sql":      {"public.rental": 16044, "public.film_actor": 5462, "public.payment_p2022_03": 2713},
		"netflix/netflix.sql":                 {"public.netflix_shows": 8807},
		"nxs/pg16_3.jsonb-xml.crlf.plain.sql": {"public.list_types": 10, "public.list_types2": 5, "public.list_types3": 5},
	}
	for rel, counts := range want {
		f, err := os.Open(corpus.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		_, rows := roundTrip(t, f, rel)
		f.Close()
		for table, n := range counts {
			if rows[table] != n {
				t.Errorf("%s: %s has %d rows, want %d", rel, table, rows[table], n)
			}
		}
	}
}

func TestItems(t *testing.T) {
	dump := "-- header\n\\restrict abc\n\nSET standard_conforming_strings = on;\r\n" +
		"CREATE FUNCTION f() RETURNS text AS $body$ select 'a;b'; $body$ LANGUAGE sql;\n" +
		"/* c; 'x */ SELECT 'it''s; fine', E'\\'; still';  SELECT 2;\n" +
		"COPY public.\"Mixed Case\" (id, \"Name\") FROM stdin;\r\n1\tA\r\n2\t\\N\r\n\\.\r\n" +
		"INSERT INTO t (a, b) OVERRIDING SYSTEM VALUE VALUES (1, 'x,y'), (-2.5, NULL), (DEFAULT, 'q'::text), (now(), E'\\n');\n" +
		"\\unrestrict abc\n-- trailing comment\n"
	r, err := NewReader(strings.NewReader(dump), "t.sql")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		kind Kind
		line int
		text string
	}
	wants := []want{
		{Meta, 1, "\\restrict abc\n"},
		{Statement, 3, "SET standard_conforming_strings = on;\r\n"},
		{Statement, 5, "CREATE FUNCTION f() RETURNS text AS $body$ select 'a;b'; $body$ LANGUAGE sql;\n"},
		{Statement, 6, "SELECT 'it''s; fine', E'\\'; still';"},
		{Statement, 6, "SELECT 2;\n"},
		{CopyHeader, 7, "COPY public.\"Mixed Case\" (id, \"Name\") FROM stdin;\r\n"},
		{CopyRow, 8, ""},
		{CopyRow, 9, ""},
		{CopyEnd, 10, ""},
		{Insert, 11, ""},
		{Meta, 12, "\\unrestrict abc\n"},
		{Tail, 13, ""},
	}
	var got bytes.Buffer
	for i, w := range wants {
		it, err := r.Next()
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		got.Write(it.Raw)
		got.Write(it.EOL)
		if it.Kind != w.kind || it.Line != w.line || (w.text != "" && string(it.Text) != w.text) {
			t.Errorf("item %d = %v line %d %q, want %v line %d %q", i, it.Kind, it.Line, it.Text, w.kind, w.line, w.text)
		}
		switch it.Kind {
		case CopyHeader:
			if it.Table.String() != `public."Mixed Case"` || strings.Join(it.Columns, ",") != "id,Name" {
				t.Errorf("COPY header table %v columns %q", it.Table, it.Columns)
			}
		case CopyRow:
			if string(it.EOL) != "\r\n" {
				t.Errorf("row EOL %q, want CRLF", it.EOL)
			}
		case Insert:
			iv := it.Insert
			if iv.Table != (schema.QName{Name: "t"}) || len(iv.Tuples) != 4 || iv.Opaque != "" {
				t.Fatalf("insert into %v with %d tuples", iv.Table, len(iv.Tuples))
			}
			kinds := []ValueKind{ValNumber, ValString, ValNumber, ValNull, ValWord, ValString, ValExpr, ValString}
			texts := []string{"1", "x,y", "-2.5", "", "DEFAULT", "q", "", "\n"}
			k := 0
			for _, tuple := range iv.Tuples {
				for _, v := range tuple {
					if v.Kind != kinds[k] {
						t.Errorf("value %d kind %d, want %d (%q)", k, v.Kind, kinds[k], it.Raw[v.Start:v.End])
					}
					if v.Kind != ValNull && v.Kind != ValExpr {
						txt, err := iv.AppendText(nil, it.Raw, v)
						if err != nil || string(txt) != texts[k] {
							t.Errorf("value %d text %q (%v), want %q", k, txt, err, texts[k])
						}
					}
					k++
				}
			}
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after last item: %v, want EOF", err)
	}
	if got.String() != dump {
		t.Fatalf("items do not reproduce the input:\n%q", got.String())
	}
}

func TestAppendLiteral(t *testing.T) {
	iv := &InsertValues{}
	if got := iv.AppendLiteral(nil, []byte(`it's a \ test`)); string(got) != `'it''s a \ test'` {
		t.Errorf("standard strings: %s", got)
	}
	iv.Backslashy = true
	if got := iv.AppendLiteral(nil, []byte(`it's a \ test`)); string(got) != `'it''s a \\ test'` {
		t.Errorf("backslash strings: %s", got)
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		name, dump string
		line       int
		table, msg string
	}{
		{"copy without end", "SET x = 1;\nCOPY public.t (a, b) FROM stdin;\n1\t2\n", 3, "public.t", `no terminating \. line`},
		{"wrong field count", "COPY public.t (a, b) FROM stdin;\n1\t2\n1\t2\t3\n\\.\n", 3, "public.t", "row has 3 fields, the COPY column list has 2"},
		{"invalid escape", "COPY public.t (a) FROM stdin;\nok\nbad\\\n\\.\n", 3, "public.t", "invalid escape"},
		{"binary garbage", "\x00\x01\x02garbage", 1, "", "binary data"},
		{"custom archive", "PGDMP\x01\x0e\x00", 1, "", "custom-format archive"},
		{"nul in statement", "SELECT 1;\nSELECT '\x00';\n", 2, "", "NUL byte"},
		{"nul in row", "COPY public.t (a) FROM stdin;\nx\x00y\n\\.\n", 2, "public.t", "NUL byte"},
		{"unterminated dollar quote", "SELECT 1;\nCREATE FUNCTION f() AS $$\nselect 1;\n", 2, "", "dollar-quoted string $$ opened on line 2 is never closed"},
		{"unterminated string", "SELECT 'abc;\n", 1, "", "string literal opened on line 1"},
		{"copy with options", "COPY public.t (a) FROM stdin WITH (FORMAT csv);\n", 1, "", "not supported"},
		{"meta-command inside a statement", "SELECT 1;\nINSERT INTO t\nVALUES (1) \\g\n", 3, "", "meta-command (backslash) inside an SQL statement"},
		{"pg_dumpall", "--\n-- PostgreSQL database cluster dump\n--\n\nSET x = 1;\n", 2, "", "pg_dumpall output"},
		{"truncated dump", "--\n-- PostgreSQL database dump\n--\n\nSET x = 1;\nCREATE TABLE t (a int);\n", 6, "", "header on line 2 has no \"PostgreSQL database dump complete\" trailer"},
		{"restrict without unrestrict", "\\restrict k1\nSET x = 1;\n-- PostgreSQL database dump complete\n", 3, "", "truncated: \\restrict on line 1 has no \\unrestrict"},
		{"unrestrict with another key", "\\restrict k1\nSET x = 1;\n\\unrestrict k2\n", 3, "", "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(c.dump), "bad.sql")
			for err == nil {
				_, err = r.Next()
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want *SyntaxError", err)
			}
			if se.Line != c.line || se.Table != c.table || !strings.Contains(se.Msg, c.msg) || se.File != "bad.sql" {
				t.Fatalf("error %q (line %d table %q), want line %d table %q containing %q", se, se.Line, se.Table, c.line, c.table, c.msg)
			}
		})
	}
}

func TestCompleteDumps(t *testing.T) {
	for name, dump := range map[string]string{
		"trailer":                     "--\n-- PostgreSQL database dump\n--\nSET x = 1;\n--\n-- PostgreSQL database dump complete\n--\n",
		"restrict":                    "--\n-- PostgreSQL database dump\n--\n\\restrict k\nSET x = 1;\n-- PostgreSQL database dump complete\n\n\\unrestrict k\n",
		"two dumps one after another": "-- PostgreSQL database dump\nSET x = 1;\n-- PostgreSQL database dump complete\n-- PostgreSQL database dump\nSET y = 1;\n-- PostgreSQL database dump complete\n",
		"no header":                   "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(dump), "ok.sql")
			for err == nil {
				_, err = r.Next()
			}
			if err != io.EOF {
				t.Fatalf("got %v, want EOF", err)
			}
		})
	}
}

func TestMetaCommands(t *testing.T) {
	r, err := NewReader(strings.NewReader("\\connect -reuse-previous=on \"dbname='shop'\"\r\n\\c other\n"), "m.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][2]string{{"connect", `-reuse-previous=on "dbname='shop'"`}, {"c", "other"}} {
		it, err := r.Next()
		if err != nil || it.Kind != Meta || it.Meta != want[0] || it.MetaArgs != want[1] {
			t.Fatalf("item %+v (%v), want meta %q args %q", it, err, want[0], want[1])
		}
	}
}

func TestInsertShapes(t *testing.T) {
	cases := []struct {
		stmt, opaque string
		kinds        []ValueKind
	}{
		{"INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING;", "", []ValueKind{ValNumber, ValString}},
		{"INSERT INTO t VALUES (1) ON CONFLICT (id) WHERE x > 0 DO NOTHING RETURNING id;", "", []ValueKind{ValNumber}},
		{"INSERT INTO t VALUES (1) RETURNING *;", "", []ValueKind{ValNumber}},
		{"INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET b = 'real';", "ON CONFLICT DO UPDATE", nil},
		{"INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO UPDATE SET b = excluded.b;", "ON CONFLICT DO UPDATE", nil},
		{"INSERT INTO t VALUES ('x') UNION SELECT email FROM users;", "INSERT … VALUES combined with a query", nil},
		{"INSERT INTO t SELECT * FROM users;", "INSERT … SELECT", nil},
		{"INSERT INTO t (a) (SELECT 1);", "INSERT … SELECT", nil},
		{"INSERT INTO t DEFAULT VALUES;", "INSERT … DEFAULT VALUES", nil},
		{"INSERT INTO t VALUES (B'0101', X'1f', b'1'::bit(1), current_date, 'a' || 'b', 'a'::text || 'b', TRUE, -3);", "",
			[]ValueKind{ValString, ValString, ValString, ValExpr, ValExpr, ValExpr, ValWord, ValNumber}},
		{"INSERT INTO t VALUES ('1'::numeric(10,2), '{}'::text[], 'x'::character varying, 'y'::public.\"My Type\", 'z'::text::varchar(3), '1'::int + 1, 'q' COLLATE \"C\", lower('X'), B 'x');", "",
			[]ValueKind{ValString, ValString, ValString, ValString, ValString, ValExpr, ValExpr, ValExpr, ValExpr}},
	}
	for _, c := range cases {
		r, err := NewReader(strings.NewReader(c.stmt+"\n"), "i.sql")
		if err != nil {
			t.Fatal(err)
		}
		it, err := r.Next()
		if err != nil || it.Kind != Insert {
			t.Fatalf("%s: %v %v", c.stmt, it, err)
		}
		if it.Insert.Opaque != c.opaque {
			t.Errorf("%s: opaque %q, want %q", c.stmt, it.Insert.Opaque, c.opaque)
		}
		if c.kinds == nil {
			continue
		}
		var got []ValueKind
		for _, v := range it.Insert.Tuples[0] {
			got = append(got, v.Kind)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.kinds) {
			t.Errorf("%s: kinds %v, want %v", c.stmt, got, c.kinds)
		}
	}
	r, _ := NewReader(strings.NewReader("INSERT INTO t VALUES (B'0101');\n"), "b.sql")
	it, _ := r.Next()
	if txt, err := it.Insert.AppendText(nil, it.Raw, it.Insert.Tuples[0][0]); err != nil || string(txt) != "0101" {
		t.Errorf("bit string text %q %v", txt, err)
	}
}

func TestMaxItem(t *testing.T) {
	long := "COPY public.t (a) FROM stdin;\n" + strings.Repeat("x", 3<<20) + "\n\\.\n"
	for _, in := range []string{long, "SELECT '" + strings.Repeat("y", 3<<20) + "';\n"} {
		r, err := NewReader(strings.NewReader(in), "big.sql")
		if err != nil {
			t.Fatal(err)
		}
		r.SetMaxItem(2 << 20)
		for err == nil {
			_, err = r.Next()
		}
		var te *ItemTooLargeError
		if !errors.As(err, &te) || te.Limit != 2<<20 {
			t.Fatalf("error %v, want ItemTooLargeError", err)
		}
	}
}

func TestTruncatedGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("SELECT 1;\n"), 10000))
	zw.Close()
	r, err := NewReader(bytes.NewReader(gz.Bytes()[:gz.Len()/2]), "cut.sql.gz")
	for err == nil {
		_, err = r.Next()
	}
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "gzip") {
		t.Fatalf("error %v, want a gzip SyntaxError", err)
	}
}

func FuzzReader(f *testing.F) {
	seeds := []string{
		"SELECT 1;\n",
		"COPY public.t (a, b) FROM stdin;\n1\t2\n\\.\n",
		"CREATE FUNCTION f() AS $x$ ; $x$;\n-- c\n",
		"INSERT INTO t VALUES (1, 'a''b'), (E'\\n', NULL);\n",
		"\\connect db\nSET search_path = a;\n/* x */ SELECT 1; SELECT 2;",
		"COPY t FROM stdin;\r\nx\r\n\\.\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Any input either fails cleanly or reproduces itself exactly.
		r, err := NewReader(bytes.NewReader(in), "fuzz.sql")
		if err != nil {
			return
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			if it.Kind == Insert {
				for _, tuple := range it.Insert.Tuples {
					for _, v := range tuple {
						if v.Start < 0 || v.End > len(it.Raw) || v.Start > v.End {
							t.Fatalf("value range %d..%d outside %d bytes", v.Start, v.End, len(it.Raw))
						}
						it.Insert.AppendText(nil, it.Raw, v)
					}
				}
			}
			w.WriteItem(it)
		}
		w.Flush()
		if !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("round trip of %q gave %q", in, out.Bytes())
		}
	})
}
