package rules

import (
	"strings"
	"testing"
)

// A column that is one of several in a composite key is not a unique
// column: rules that would collide on a key of that column alone are
// accepted, and the collision guard checks the key as a whole.
func TestCompositeKeyColumnsAreNotUnique(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.address (id integer PRIMARY KEY, line1 text, line2 text, city text, region text, postal text, UNIQUE (line1, line2, city, region, postal));`,
		`CREATE TABLE public.person_phone (person_id integer, phone text, kind text, PRIMARY KEY (person_id, phone, kind));`,
		`CREATE TABLE public.tagged (id integer PRIMARY KEY, tenant integer, code text);`,
		`ALTER TABLE public.tagged ADD CONSTRAINT tagged_key UNIQUE NULLS NOT DISTINCT (tenant, code);`,
		`CREATE TABLE public.single (id integer PRIMARY KEY, code text UNIQUE, pair text, other text, UNIQUE (pair, other));`,
	)
	for _, tc := range []struct {
		name  string
		rules []string // under tables:
		err   string
		guard string // the guard the table must get, if any
	}{
		{"const on a column of a 5-column key", []string{"  address:", "    city: {use: const, value: Springfield}"}, "", "address_line1_line2_city_region_postal_key"},
		{"fictional phones in a key with a permuted id", []string{"  person_phone:", "    person_id: hash_id", "    phone: {use: phone, fictional: true}"}, "", "person_phone_pkey"},
		{"a short hash in a composite key", []string{"  single:", "    pair: {use: hash, length: 6}"}, "", "single_pair_other_key"},
		{"null on one column of a NULLS NOT DISTINCT composite key", []string{"  tagged:", "    code: null"}, "", "tagged_key"},
		{"const on a column alone in a key", []string{"  single:", "    code: {use: const, value: x}"},
			"r.yaml:4: column public.single.code is unique: const would write the same value in every row", ""},
		{"a short hash on a column alone in a key", []string{"  single:", "    code: {use: hash, length: 6}"},
			"r.yaml:4: column public.single.code: column is unique and 6 hex digits could collide; use at least 16 or hash_id", ""},
		{"null on every column of a NULLS NOT DISTINCT key", []string{"  tagged:", "    tenant: null", "    code: null"},
			"r.yaml:4: column public.tagged.tenant is in unique key tagged_key, which is NULLS NOT DISTINCT: null would make every row collide", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planOf(t, cat, nil, append(append([]string{"version: 1", "tables:"}, tc.rules...), "strict: false")...)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			table := strings.TrimSuffix(strings.TrimSpace(tc.rules[0]), ":")
			var names []string
			for _, g := range p.Tables[qn(table)].Guards {
				names = append(names, g.Name)
			}
			if strings.Join(names, ",") != tc.guard {
				t.Errorf("guards %v, want %s", names, tc.guard)
			}
		})
	}
}

// A table named with another case gets a "did you mean", however long its
// quoted spelling: Person.Address for person.address, and the reverse.
func TestSuggestTableDifferingInCase(t *testing.T) {
	cat := catalogOf(t,
		`CREATE SCHEMA person;`,
		`CREATE TABLE person.address (id integer);`,
		`CREATE TABLE public."SalesOrderHeader" (id integer);`,
	)
	for rule, want := range map[string]string{
		"Person.Address":          `r.yaml:3: unknown table "Person"."Address": the dump has no such table (did you mean person.address?)`,
		"public.salesorderheader": `r.yaml:3: unknown table public.salesorderheader: the dump has no such table (did you mean public."SalesOrderHeader"?)`,
	} {
		_, err := planOf(t, cat, nil, "version: 1", "tables:", "  "+rule+": keep")
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v\nwant %s", rule, err, want)
		}
	}
}
