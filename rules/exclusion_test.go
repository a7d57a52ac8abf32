package rules

import (
	"testing"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

func TestExclusionsOverMaskedColumnsAreListed(t *testing.T) {
	b := schema.NewBuilder()
	for _, sql := range []string{
		"CREATE TABLE public.booking (id integer NOT NULL, room integer, guest text, during tsrange);",
		"ALTER TABLE ONLY public.booking ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
		"ALTER TABLE ONLY public.booking ADD CONSTRAINT one_guest EXCLUDE USING btree (guest WITH =);",
	} {
		if err := b.Add(sql); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Parse("r.yaml", []byte("version: 1\ntables:\n  booking:\n    id: keep\n    room: keep\n    guest: full_name\n    during: keep\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.Plan(b.Catalog(), nil, &masking.Options{Secret: masking.NewSecret([]byte("s")), EmailDomain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Unchecked) != 1 || plan.Unchecked[0] != "public.booking: one_guest (guest)" {
		t.Fatalf("unchecked %q", plan.Unchecked)
	}
}
