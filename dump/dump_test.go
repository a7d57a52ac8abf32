package dump

import (
	"testing"

	"github.com/understudy-db/understudy/schema"
)

func TestParseSetval(t *testing.T) {
	for _, c := range []struct {
		defn string
		name string
		v    SequenceValue
		ok   bool
	}{
		{"--\n-- Name: s; Type: SEQUENCE SET\n--\n\nSELECT pg_catalog.setval('public.s', 42, true);\n", "public.s", SequenceValue{42, true}, true},
		{"SELECT pg_catalog.setval('public.\"Odd''s\"', 1, false);", `public."Odd's"`, SequenceValue{1, false}, true},
		{"select setval('s', -7);", "s", SequenceValue{-7, true}, true},
		{"SELECT 1;", "", SequenceValue{}, false},
	} {
		name, v, ok := ParseSetval([]byte(c.defn))
		if name != c.name || v != c.v || ok != c.ok {
			t.Errorf("%q: %q %+v %v", c.defn, name, v, ok)
		}
	}
}

func TestPosString(t *testing.T) {
	for _, c := range []struct {
		p    Pos
		want string
	}{
		{Pos{File: "d.sql", Line: 12}, "d.sql:12"},
		{Pos{File: "d.dump", Entry: 7, Row: 3}, "d.dump#7:3"},
		{Pos{File: "d.dump", Entry: 7}, "d.dump#7"},
		{Pos{File: "db:5432/shop", Table: schema.QName{Schema: "public", Name: "users"}, Row: 9}, "db:5432/shop:public.users:row 9"},
		{Pos{File: "x"}, "x"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}
