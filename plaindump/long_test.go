package plaindump

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// items reads every item of in, or the error that stops it, as text.
func items(t *testing.T, in []byte) []string {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in), "t.sql")
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for {
		it, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return append(out, err.Error())
		}
		s := fmt.Sprintf("%v line %d raw %q eol %q text %q table %v cols %q meta %q %q", it.Kind, it.Line, it.Raw, it.EOL, it.Text, it.Table, it.Columns, it.Meta, it.MetaArgs)
		if it.Insert != nil {
			s += fmt.Sprintf(" insert %+v", *it.Insert)
		}
		out = append(out, s)
	}
}

// longStatements are inputs whose statements span many lines: quotes,
// dollar quotes, comments and E'…' strings across and at the start of lines,
// semicolons inside them, statements that end mid-line.
var longStatements = []string{
	"-- head\nCREATE FUNCTION f() RETURNS int\n    AS $x$\n" + strings.Repeat("  x; 'y' -- z ;\n", 5000) + "$x$;  SELECT 1;\n-- tail\n",
	"INSERT INTO t VALUES ('a\n" + strings.Repeat("b;\n", 4000) + "', E'c\\\n;\n',\n'd'\n), (\n'e'\n);\n\\connect db\n",
	"/* open\n" + strings.Repeat("; */ /* ;\n", 300) + strings.Repeat("*/\n", 300) + "*/ SELECT\n$$;$$ -- ;\n;COPY t (a) FROM stdin;\n1\n\\.\n",
	"SELECT\n" + strings.Repeat("'it''s'\n||", 3000) + "'x'\n;",
	"SELECT \"a\n;\" FROM t\nWHERE x = E'\n\\';'\n;\n",
	"\n\n-- only comments\n" + strings.Repeat("-- ;\n", 2000),
	"SELECT 'never closed\n" + strings.Repeat("x;\n", 100),
	"SET standard_conforming_strings = off;\nSELECT '\n\\';\n" + strings.Repeat("\\'x;\n", 100) + "';\nINSERT INTO t VALUES ('a\\'\n;');\n",
	"SELECT 1;\nSELECT 2\n\\q\n",
}

// Gathering the lines of a long statement gives the same items as
// appending them to one buffer.
func TestGatheredStatements(t *testing.T) {
	for i, in := range longStatements {
		want := items(t, []byte(in))
		func() {
			defer func(n int) { gatherStatementAfter = n }(gatherStatementAfter)
			for _, after := range []int{0, 1, 100} {
				gatherStatementAfter = after
				got := items(t, []byte(in))
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("input %d, gathering after %d bytes:\n got %.300q\nwant %.300q", i, after, got, want)
				}
			}
		}()
	}
}

// A long line inside a long statement, rows longer than the read buffer,
// and the limit on an item's size counting every part of it.
func TestLongLinesInStatements(t *testing.T) {
	big := strings.Repeat("y", 3*ReadBufferSize/2)
	in := "SELECT '" + big + "\n" + big + "\n" + strings.Repeat("z\n", 10) + big + "';\n" +
		"COPY public.t (a) FROM stdin;\n" + big + "\n" + big + "x\r\n\\.\n"
	got := items(t, []byte(in))
	var out strings.Builder
	r, _ := NewReader(strings.NewReader(in), "t.sql")
	w := NewWriter(&out)
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		w.WriteItem(it)
	}
	w.Flush()
	if out.String() != in || len(got) != 5 {
		t.Fatalf("round trip: %d items, equal %v", len(got), out.String() == in)
	}
	for _, limit := range []int{len(big) * 2, len(big)*3 + 20} {
		r, _ := NewReader(strings.NewReader(in), "t.sql")
		r.SetMaxItem(limit)
		_, err := r.Next()
		if _, ok := err.(*ItemTooLargeError); !ok {
			t.Errorf("limit %d: %v, want ItemTooLargeError", limit, err)
		}
	}
}

// Keep hands a long row or any statement over; the reader reads on into
// buffers of its own.
func TestKeep(t *testing.T) {
	big := strings.Repeat("r", 2*ReadBufferSize)
	in := "SELECT 1;\nCOPY public.t (a) FROM stdin;\nshort\n" + big + "\n\\.\nSELECT 2;\n"
	r, _ := NewReader(strings.NewReader(in), "t.sql")
	var kept [][]byte
	var want []string
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ok := r.Keep()
		if short := (it.Kind == CopyRow || it.Kind == CopyEnd) && len(it.Raw) < ReadBufferSize; ok == short {
			t.Errorf("%v of %d bytes: Keep %v", it.Kind, len(it.Raw), ok)
		}
		if ok {
			kept = append(kept, it.Raw)
			want = append(want, string(it.Raw))
		}
	}
	for i := range kept {
		if string(kept[i]) != want[i] {
			t.Errorf("kept item %d changed", i)
		}
	}
}
