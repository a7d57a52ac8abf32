package schema

import (
	"reflect"
	"strings"
	"testing"
)

func TestUniqueKeys(t *testing.T) {
	b := NewBuilder()
	run(t, b,
		`CREATE TABLE public.t (id integer NOT NULL, nick character varying(20), mail text, code text, room integer, during tstzrange, deleted_at timestamp with time zone, a int, b int);`,
		`ALTER TABLE ONLY public.t ADD CONSTRAINT t_code_key UNIQUE NULLS NOT DISTINCT (code);`,
		`CREATE UNIQUE INDEX t_nick_idx ON public.t USING btree (lower((nick)::text));`,
		`CREATE UNIQUE INDEX t_mail_idx ON public.t USING btree (upper(mail)) WHERE (deleted_at IS NULL);`,
		`CREATE UNIQUE INDEX t_ab_idx ON public.t USING btree (a, ((a + b)));`,
		`CREATE UNIQUE INDEX t_nnd_idx ON public.t (b) NULLS NOT DISTINCT;`,
		`CREATE UNIQUE INDEX t_sub_idx ON public.t ((("substring"(code, 1, 3))::text));`,
		`CREATE UNIQUE INDEX ON public.t (lower(mail), id);`,
		`CREATE UNIQUE INDEX t_cast_idx ON public.t ((nick::character(3)));`,
		`ALTER TABLE ONLY public.t ADD CONSTRAINT t_room_excl EXCLUDE USING gist (room WITH =, during WITH &&);`,
		`ALTER TABLE public.t ADD EXCLUDE USING gist (lower(mail) WITH =);`,
		`CREATE INDEX t_plain ON public.t (lower(mail));`,
	)
	tb := table(t, b.Catalog(), "t")
	want := []*Key{
		{Name: "t_code_key", Columns: []string{"code"}, Parts: []KeyPart{{Column: "code"}}, NullsNotDistinct: true},
		{Name: "t_nick_idx", Columns: []string{"nick"}, Parts: []KeyPart{{Column: "nick", Fold: FoldLower}}},
		{Name: "t_mail_idx", Columns: []string{"mail"}, Parts: []KeyPart{{Column: "mail", Fold: FoldUpper}}, Partial: true, where: []string{"deleted_at"}},
		{Name: "t_ab_idx", Columns: []string{"a", "b"}, Parts: []KeyPart{{Column: "a"}, {Expr: "a + b"}}},
		{Name: "t_nnd_idx", Columns: []string{"b"}, Parts: []KeyPart{{Column: "b"}}, NullsNotDistinct: true},
		{Name: "t_sub_idx", Columns: []string{"code"}, Parts: []KeyPart{{Expr: `"substring"(code, 1, 3)::text`}}},
		{Name: "t_lower_id_idx", Columns: []string{"mail", "id"}, Parts: []KeyPart{{Column: "mail", Fold: FoldLower}, {Column: "id"}}},
		{Name: "t_cast_idx", Columns: []string{"nick"}, Parts: []KeyPart{{Expr: "nick::char(3)"}}},
	}
	if !reflect.DeepEqual(tb.Uniques, want) {
		for _, k := range tb.Uniques {
			t.Errorf("got  %+v", k)
		}
		for _, k := range want {
			t.Errorf("want %+v", k)
		}
	}
	if want := []*Exclusion{{Name: "t_room_excl", Columns: []string{"room", "during"}}, {Name: "t_mail_excl", Columns: []string{"mail"}}}; !reflect.DeepEqual(tb.Exclusions, want) {
		t.Errorf("exclusions %+v", tb.Exclusions)
	}
	// Keys with expressions or a WHERE cannot back a constraint, nor be
	// referenced by a foreign key.
	for stmt, sub := range map[string]string{
		`ALTER TABLE public.t ADD CONSTRAINT k UNIQUE USING INDEX t_nick_idx;`:      "partial or has expressions",
		`CREATE TABLE public.r (n varchar(20) REFERENCES public.t (nick));`:         "no unique constraint",
		`ALTER TABLE public.t ADD CONSTRAINT t_room_excl UNIQUE (room);`:            "already exists",
		`ALTER TABLE public.t DROP CONSTRAINT t_nick_idx;`:                          "does not exist",
		`CREATE UNIQUE INDEX t_nick_idx ON public.t (nick);`:                        "already exists",
		`ALTER TABLE public.t ADD CONSTRAINT x PRIMARY KEY USING INDEX t_mail_idx;`: "partial",
	} {
		_, err := b.Statement(stmt)
		if !isModelError(err) || !contains(err, sub) {
			t.Errorf("%s: error %v, want one saying %q", stmt, err, sub)
		}
	}
	run(t, b, `ALTER TABLE public.t DROP CONSTRAINT t_room_excl;`, `ALTER TABLE public.t DROP COLUMN during;`, `DROP INDEX public.t_ab_idx;`)
	if len(tb.Exclusions) != 1 || len(tb.Uniques) != 7 {
		t.Errorf("after drops: exclusions %v, uniques %d", tb.Exclusions, len(tb.Uniques))
	}
	run(t, b, `ALTER TABLE public.t DROP COLUMN deleted_at;`) // the partial index reads it
	if len(tb.Uniques) != 6 {
		t.Errorf("partial index on a dropped column survives: %d uniques", len(tb.Uniques))
	}
	checkModel(t, b)
}

func TestUsingIndexRename(t *testing.T) {
	b := NewBuilder()
	run(t, b,
		`CREATE TABLE public.t (id integer NOT NULL);`,
		`CREATE UNIQUE INDEX t_idx ON public.t (id) NULLS NOT DISTINCT;`,
		`ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_idx;`,
		`CREATE TABLE public.r (t_id integer REFERENCES public.t);`,
	)
	tb := table(t, b.Catalog(), "t")
	want := plainKey("t_pkey", "id")
	want.NullsNotDistinct = true
	if !reflect.DeepEqual(tb.PrimaryKey, want) || len(tb.Uniques) != 0 || b.rels[QName{"public", "t_idx"}] != 0 {
		t.Errorf("PK %+v, uniques %v", tb.PrimaryKey, tb.Uniques)
	}
	_, err := b.Statement(`DROP INDEX public.t_pkey;`)
	wantError[*UnsupportedError](t, err, "drop the constraint instead")
}

func TestLikeIncluding(t *testing.T) {
	b := NewBuilder()
	run(t, b,
		`CREATE TABLE public.src (id serial PRIMARY KEY, mail text, n int CHECK (n > 0), g int GENERATED ALWAYS AS (n * 2) STORED);`,
		`CREATE UNIQUE INDEX src_mail ON public.src (lower(mail));`,
		`CREATE TABLE public.copy (LIKE public.src INCLUDING ALL);`,
		`CREATE TABLE public.bare (LIKE public.src);`,
	)
	c := b.Catalog()
	cp := table(t, c, "copy")
	if got := keyNames(cp); !reflect.DeepEqual(got, []string{"PK copy_pkey(id)", "copy_lower_idx(mail)"}) {
		t.Errorf("copied keys %v", got)
	}
	if len(cp.Checks) != 1 || cp.Checks[0].Name != "src_n_check" || !column(t, cp, "g").Generated {
		t.Errorf("copied checks %v", cp.Checks)
	}
	if id := column(t, cp, "id"); id.Default != "nextval('public.src_id_seq'::regclass)" {
		t.Errorf("copied default %q", id.Default)
	}
	bare := table(t, c, "bare")
	if len(keyNames(bare))+len(bare.Checks) != 0 || column(t, bare, "id").Default != "" || column(t, bare, "g").Generated {
		t.Errorf("LIKE without INCLUDING copied more than columns: %v", bare)
	}
	checkModel(t, b)
}

func contains(err error, sub string) bool { return err != nil && strings.Contains(err.Error(), sub) }
