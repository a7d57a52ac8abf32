package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

func TestRelations(t *testing.T) {
	f := mustParse(t, "version: 1", "tables: {}", "relations:",
		"  - {from: public.audit.user_ref, to: public.users.id}",
		`  - from: [sales.lines.order_no, sales.lines."Region"]`,
		"    to: [sales.orders.no, sales.orders.region]",
		"  - {from: audit.actor, to: users.id}")
	want := []*Relation{
		{Line: 4, From: schema.QName{Schema: "public", Name: "audit"}, FromCols: []string{"user_ref"}, To: schema.QName{Schema: "public", Name: "users"}, ToCols: []string{"id"}},
		{Line: 5, From: schema.QName{Schema: "sales", Name: "lines"}, FromCols: []string{"order_no", "Region"}, To: schema.QName{Schema: "sales", Name: "orders"}, ToCols: []string{"no", "region"}},
		{Line: 7, From: schema.QName{Schema: "public", Name: "audit"}, FromCols: []string{"actor"}, To: schema.QName{Schema: "public", Name: "users"}, ToCols: []string{"id"}},
	}
	if !reflect.DeepEqual(f.Relations, want) {
		t.Errorf("relations %+v", f.Relations)
	}

	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"relations: {from: a.b, to: c.d}"}, "x.yaml:3: relations must be a list"},
		{[]string{"relations: [{from: a.b}]"}, "x.yaml:3: relations entry needs from: and to:"},
		{[]string{"relations: [{from: a, to: c.d}]"}, `x.yaml:3: relations from: expected schema.table.column, got "a"`},
		{[]string{"relations: [{from: [a.b, c.d], to: [e.f, e.g]}]"}, "the columns of one side belong to one table"},
		{[]string{"relations: [{from: [a.b, a.c], to: e.f}]"}, "x.yaml:3: relations: 2 column(s) reference 1"},
		{[]string{"relations: [{from: a.b, to: c.d, kind: fk}]"}, `relations: unknown key "kind"`},
	} {
		_, err := parseLines(append([]string{"version: 1", "tables: {}"}, tc.lines...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.lines, err, tc.want)
		}
	}
}

func TestApplyRelations(t *testing.T) {
	cat := catalogOf(t, `CREATE TABLE public.users (id int PRIMARY KEY);
CREATE TABLE public.audit (id int PRIMARY KEY, user_ref int);`)
	f := mustParse(t, "version: 1", "tables: {}", "relations:", "  - {from: public.audit.user_ref, to: public.users.id}")
	if err := f.ApplyRelations(cat); err != nil {
		t.Fatal(err)
	}
	fks := cat.Table(schema.QName{Schema: "public", Name: "audit"}).ForeignKeys
	if len(fks) != 1 || fks[0].RefTable.Name != "users" || fks[0].Columns[0] != "user_ref" || !strings.Contains(fks[0].Name, "x.yaml:4") {
		t.Fatalf("foreign keys %+v", fks)
	}
	bad := mustParse(t, "version: 1", "tables: {}", "relations:", "  - {from: public.audit.nope, to: public.users.id}", "  - {from: public.audit.id, to: public.ghosts.id}")
	err := bad.ApplyRelations(cat)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || !strings.Contains(err.Error(), "x.yaml:4: relations: table public.audit has no column nope") ||
		!strings.Contains(err.Error(), "x.yaml:5: relations: no table public.ghosts") {
		t.Errorf("got %v", err)
	}
}
