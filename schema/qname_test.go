package schema

import (
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

func TestQNameString(t *testing.T) {
	for _, c := range []struct {
		q    QName
		want string
	}{
		{QName{"public", "users"}, "public.users"},
		{QName{"public", "PatientNotes"}, `public."PatientNotes"`},
		{QName{"Audit Log", "events"}, `"Audit Log".events`},
		{QName{"public", "user"}, `public."user"`},       // reserved
		{QName{"public", "numeric"}, `public."numeric"`}, // column-name keyword
		{QName{"public", "name"}, "public.name"},         // unreserved keyword
		{QName{"public", "a.b"}, `public."a.b"`},
		{QName{"public", `say "hi"`}, `public."say ""hi"""`},
		{QName{"public", "bıgınt"}, `public."bıgınt"`},
		{QName{"public", "t$1_x"}, "public.t$1_x"},
		{QName{"public", "1abc"}, `public."1abc"`},
		{QName{"", "users"}, "users"},
	} {
		if got := c.q.String(); got != c.want {
			t.Errorf("%#v.String() = %s, want %s", c.q, got, c.want)
		}
	}
}

func TestParseQName(t *testing.T) {
	for _, c := range []struct {
		in   string
		want QName
	}{
		{"users", QName{"public", "users"}},
		{"public.users", QName{"public", "users"}},
		{`public."PatientNotes"`, QName{"public", "PatientNotes"}},
		{"public.PatientNotes", QName{"public", "PatientNotes"}}, // no case folding
		{`"Audit Log".events`, QName{"Audit Log", "events"}},
		{`"a.b"`, QName{"public", "a.b"}},
		{`"a.b"."c.d"`, QName{"a.b", "c.d"}},
		{`s."say ""hi"""`, QName{"s", `say "hi"`}},
		{`"""".x`, QName{`"`, "x"}},
		{"public.bıgınt", QName{"public", "bıgınt"}},
	} {
		got, err := ParseQName(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseQName(%s) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"", ".", "a.", ".a", "a..b", `""`, `"".a`, `a.""`, `"abc`, `a."b`, `ab"c`,
		`"a"b`, `"a"."b"c`, "a.b.c", `"a".b.c`,
	} {
		if q, err := ParseQName(bad); err == nil {
			t.Errorf("ParseQName(%q) = %#v, want an error", bad, q)
		}
	}
}

func TestQNameRoundTrip(t *testing.T) {
	for _, q := range []QName{
		{"public", "users"}, {"public", "PatientNotes"}, {"Audit Log", "events"},
		{"x", `"`}, {"a.b", "c.d"}, {"public", "select"}, {"ü", "ß"},
	} {
		got, err := ParseQName(q.String())
		if err != nil || got != q {
			t.Errorf("ParseQName(%s) = %#v, %v; want %#v", q, got, err, q)
		}
	}
}

// TestQuotedKeywords checks the embedded keyword list against the parser's
// own scanner: every entry must be a keyword that is not UNRESERVED.
func TestQuotedKeywords(t *testing.T) {
	for w := range quotedKeywords {
		res, err := pg_query.Scan(w)
		if err != nil || len(res.Tokens) != 1 {
			t.Fatalf("scan %q: %v %v", w, res, err)
		}
		if k := res.Tokens[0].KeywordKind; k == pg_query.KeywordKind_NO_KEYWORD || k == pg_query.KeywordKind_UNRESERVED_KEYWORD {
			t.Errorf("%q is %v, should not be in quotedKeywords", w, k)
		}
	}
	for _, w := range []string{"name", "value", "type", "data", "year", "text", "action"} {
		if quotedKeywords[w] {
			t.Errorf("%q is unreserved and must print bare", w)
		}
	}
}
