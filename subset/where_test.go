package subset

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

// TestCheckWhere: a where: condition is one expression, however it is
// spelled; one that would end the COPY statement it is put in, close its
// parenthesis or hide a ';' from one reading of backslashes is refused.
func TestCheckWhere(t *testing.T) {
	for _, ok := range []string{
		`country = 'NL' AND status <> 'closed'`,
		`name = 'a;b)' OR name = 'it''s'`,
		`name = $$x);$$ OR name = $t$;$$)$t$`,
		`name = $$$$ OR name = $t$$t$`,
		`"we;ird)" = 1`,
		`note = E'it\'s; ok)'`,
		`created_at > now() - interval '1 year' -- the last year only`,
		`/* ; ) /* nested ; */ */ true`,
		`coalesce(a, (b + 1)) > 0`,
		`a$b$ = 1 AND $1 IS NULL`,
		`x = B'1010' AND y = X'ff'`,
	} {
		if err := checkWhere(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"",
		"true)) TO STDOUT; COMMIT; SET default_transaction_read_only = off; COMMIT; CREATE TABLE pwned(x int); COPY (SELECT 1 WHERE (true",
		"true; DROP TABLE users",
		"true)) TO PROGRAM 'touch /tmp/x' --",
		"true) UNION SELECT 1 --",
		"x = 'open",
		`x = "open`,
		"/* open",
		"/* /* */ still open",
		"(true",
		"$q$ open",
		// standard_conforming_strings off: the backslash escapes the quote
		// and the ';' is code; on: it is in the second string.
		`x = 'a\' || '; COMMIT; CREATE TABLE pwned(x int); --'`,
		`x = E'a\\'; COMMIT; --'`,
		// a bit string never escapes: the ';' is code whatever the setting.
		`x = B'\' ; COMMIT; --'`,
		"true;",
		"set_config('extra_float_digits', '-15', false) IS NOT NULL",
		`pg_catalog."set_config"('TimeZone', 'UTC', false) <> ''`,
		"SET_CONFIG ('TimeZone', 'UTC', false) <> ''",
	} {
		if err := checkWhere(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// selectSource records the query a where: condition runs.
type selectSource struct{ query string }

func (s *selectSource) Select(_ context.Context, q string) (io.ReadCloser, error) {
	s.query = q
	return io.NopCloser(strings.NewReader("")), nil
}

// TestWhereQueryShape: the condition goes in its own parentheses, with a
// line break after it, so a trailing -- comment cannot swallow them.
func TestWhereQueryShape(t *testing.T) {
	_, inv := open(t, shopScript(10))
	g, err := newGraph(inv, &Spec{Root: schema.QName{Schema: "public", Name: "users"}, Percent: 10})
	if err != nil {
		t.Fatal(err)
	}
	sel := &selectSource{}
	c := &computer{g: g}
	if err := c.whereOn(context.Background(), sel, "id > 3 -- recent"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(sel.query, "WHERE (id > 3 -- recent\n)") {
		t.Errorf("query %q", sel.query)
	}
	err = c.whereOn(context.Background(), sel, "true); SELECT (1")
	var we *WhereError
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "not one SQL condition") {
		t.Errorf("err %v", err)
	}
}

// TestIdentChars: the bytes PostgreSQL's lexer takes in an identifier,
// at every range's edges.
func TestIdentChars(t *testing.T) {
	start := "azAZ_\x80\xff"
	notStart := "`{@[$09/:\x7f \"'"
	for i := 0; i < len(start); i++ {
		if !identStart(start[i]) || !identCont(start[i]) {
			t.Errorf("%q does not start an identifier", start[i])
		}
	}
	for i := 0; i < len(notStart); i++ {
		if identStart(notStart[i]) {
			t.Errorf("%q starts an identifier", notStart[i])
		}
	}
	for _, c := range []byte("09$") {
		if !identCont(c) {
			t.Errorf("%q does not continue an identifier", c)
		}
	}
	for _, c := range []byte("/:`{@[\x7f \"'") {
		if identCont(c) {
			t.Errorf("%q continues an identifier", c)
		}
	}
}
