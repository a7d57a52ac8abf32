package rules

import (
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

// A unique column masked by a non-bijection with too few values for its
// table's rows is reported, naming it and the masker to use instead;
// bijections (credit_card in a unique column), large spaces (email) and
// columns of composite keys (city) are not.
func TestCrowdedUniqueColumns(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.users (id integer PRIMARY KEY, first text UNIQUE, email text UNIQUE, card text UNIQUE, city text, zip text, UNIQUE (city, zip));`,
	)
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  users:", "    first: first_name", "    email: email", "    card: credit_card", "    city: city", "strict: false")
	for _, g := range p.Tables[qn("users")].Guards {
		if g.Name == "users_card_key" {
			t.Error("credit_card in a unique column is a bijection, yet guarded")
		}
	}
	for _, tc := range []struct {
		rows int64
		want string
	}{
		{3, ""},
		{5000, "unique column public.users.first (5000 rows) is masked with first_name, which writes about 1.61e+03 distinct values: about 7.8e+03 colliding pairs are expected, and a collision stops the run; use hash_id, a bijection that keeps the value's shape (or hash, email or username for text)"},
		{100_000_000, "unique column public.users.first (100000000 rows)"},
	} {
		var got []string
		for _, c := range p.Crowded(map[schema.QName]int64{qn("users"): tc.rows}) {
			got = append(got, c.String())
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%d rows: %q, want nothing", tc.rows, got)
		case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)):
			t.Errorf("%d rows: %q\nwant %q", tc.rows, got, tc.want)
		}
	}
}
