package dump

import (
	"testing"

	"github.com/understudy-db/understudy/schema"
)

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
