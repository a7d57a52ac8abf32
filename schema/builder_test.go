package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// build feeds statements to a new Builder and returns the finished catalog.
func build(t *testing.T, stmts ...string) *Catalog {
	t.Helper()
	b := NewBuilder()
	for _, s := range stmts {
		if err := b.Add(s); err != nil {
			t.Fatalf("Add(%q): %v", s, err)
		}
	}
	return b.Catalog()
}

func table(t *testing.T, c *Catalog, name string) *Table {
	t.Helper()
	q, err := ParseQName(name)
	if err != nil {
		t.Fatal(err)
	}
	tb := c.Table(q)
	if tb == nil {
		t.Fatalf("table %s not in catalog", name)
	}
	return tb
}

func column(t *testing.T, tb *Table, name string) *Column {
	t.Helper()
	c := tb.Column(name)
	if c == nil {
		t.Fatalf("column %s.%s missing", tb.Name, name)
	}
	return c
}

// plainKey is a key on plain columns, as PRIMARY KEY and UNIQUE make.
func plainKey(name string, cols ...string) *Key {
	k := &Key{Name: name, Columns: cols}
	for _, c := range cols {
		k.Parts = append(k.Parts, KeyPart{Column: c})
	}
	return k
}

func pg(name string, mods ...int32) Type {
	if len(mods) == 0 {
		mods = nil
	}
	return Type{Schema: "pg_catalog", Name: name, Mods: mods}
}

func TestTypes(t *testing.T) {
	c := build(t, `CREATE DOMAIN public."bıgınt" AS bigint;`, `CREATE TYPE public.mood AS ENUM ('sad', 'ok');`,
		`CREATE TABLE public.t (
		a integer, b int, c smallint, d bigint, e character varying(20), f varchar, g character(2),
		h char, i numeric(10,2), j decimal, k boolean, l double precision, m real, n float(10),
		o timestamp(3) without time zone, p timestamp with time zone, q time with time zone,
		r interval, s interval(3), u text[], v uuid, w jsonb, x bytea, y public.mood, z mood,
		aa "bıgınt", ab "char", ac bit(8), ad bit varying(5), ae int[][], af pg_catalog.text,
		ag inet, ah tsvector, ai xml, aj money, ak json, al "MyType")`)
	tb := table(t, c, "public.t")
	for _, w := range []struct {
		col  string
		want Type
		str  string
	}{
		{"a", pg("int4"), "integer"},
		{"b", pg("int4"), "integer"},
		{"c", pg("int2"), "smallint"},
		{"d", pg("int8"), "bigint"},
		{"e", pg("varchar", 20), "character varying(20)"},
		{"f", pg("varchar"), "character varying"},
		{"g", pg("bpchar", 2), "character(2)"},
		{"h", pg("bpchar", 1), "character(1)"},
		{"i", pg("numeric", 10, 2), "numeric(10,2)"},
		{"j", pg("numeric"), "numeric"},
		{"k", pg("bool"), "boolean"},
		{"l", pg("float8"), "double precision"},
		{"m", pg("float4"), "real"},
		{"n", pg("float4"), "real"},
		{"o", pg("timestamp", 3), "timestamp(3) without time zone"},
		{"p", pg("timestamptz"), "timestamp with time zone"},
		{"q", pg("timetz"), "time with time zone"},
		{"r", pg("interval"), "interval"},
		{"s", pg("interval", 3), "interval(3)"},
		{"u", Type{Schema: "pg_catalog", Name: "text", ArrayDims: 1}, "text[]"},
		{"v", pg("uuid"), "uuid"},
		{"w", pg("jsonb"), "jsonb"},
		{"x", pg("bytea"), "bytea"},
		{"y", Type{Schema: "public", Name: "mood"}, "public.mood"},
		{"z", Type{Schema: "public", Name: "mood"}, "public.mood"},
		{"aa", Type{Schema: "public", Name: "bıgınt"}, `public."bıgınt"`},
		{"ab", pg("char"), `"char"`},
		{"ac", pg("bit", 8), "bit(8)"},
		{"ad", pg("varbit", 5), "bit varying(5)"},
		{"ae", Type{Schema: "pg_catalog", Name: "int4", ArrayDims: 2}, "integer[][]"},
		{"af", pg("text"), "text"},
		{"ag", pg("inet"), "inet"},
		{"ah", pg("tsvector"), "tsvector"},
		{"ai", pg("xml"), "xml"},
		{"aj", pg("money"), "money"},
		{"ak", pg("json"), "json"},
		{"al", Type{Schema: "public", Name: "MyType"}, `public."MyType"`},
	} {
		got := column(t, tb, w.col).Type
		if !reflect.DeepEqual(got, w.want) {
			t.Errorf("column %s: type %#v, want %#v", w.col, got, w.want)
		}
		if got.String() != w.str {
			t.Errorf("column %s: String() = %q, want %q", w.col, got.String(), w.str)
		}
	}
}

func TestSerial(t *testing.T) {
	c := build(t, `CREATE SCHEMA shop;`, `CREATE TABLE shop.orders (id serial PRIMARY KEY, big bigserial, small smallserial, note text);`)
	tb := table(t, c, "shop.orders")
	id := column(t, tb, "id")
	if !id.Type.Equal(pg("int4")) || !id.NotNull || id.Default != "nextval('shop.orders_id_seq'::regclass)" ||
		id.Sequence == nil || *id.Sequence != (QName{"shop", "orders_id_seq"}) {
		t.Errorf("serial column: %+v", id)
	}
	for _, w := range []struct {
		seq  string
		col  string
		typ  string
		max  int64
		coln string
	}{
		{"orders_id_seq", "id", "int4", 1<<31 - 1, "id"},
		{"orders_big_seq", "big", "int8", 1<<63 - 1, "big"},
		{"orders_small_seq", "small", "int2", 1<<15 - 1, "small"},
	} {
		s := c.Sequences[QName{"shop", w.seq}]
		if s == nil {
			t.Fatalf("sequence %s missing; have %v", w.seq, c.Sequences)
		}
		if !s.Type.Equal(pg(w.typ)) || s.Start != 1 || s.Increment != 1 || s.Min != 1 || s.Max != w.max ||
			s.OwnedBy == nil || *s.OwnedBy != (ColumnRef{QName{"shop", "orders"}, w.coln}) {
			t.Errorf("sequence %s = %+v owned by %v", w.seq, s, s.OwnedBy)
		}
	}
	if column(t, tb, "note").Sequence != nil {
		t.Error("note has a sequence")
	}
}

func TestIdentity(t *testing.T) {
	c := build(t,
		`CREATE TABLE public.a (id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10), code integer GENERATED BY DEFAULT AS IDENTITY, x text);`,
		// pg_dump's form: the identity is added after the table, naming its sequence.
		`CREATE TABLE public.items (id integer NOT NULL, name text);`,
		"ALTER TABLE public.items ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n    SEQUENCE NAME public.items_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1\n);",
	)
	a := table(t, c, "a")
	if id := column(t, a, "id"); id.Identity != 'a' || !id.NotNull || *id.Sequence != (QName{"public", "a_id_seq"}) {
		t.Errorf("a.id = %+v", id)
	}
	if s := c.Sequences[QName{"public", "a_id_seq"}]; s == nil || s.Start != 100 || s.Increment != 10 || !s.Type.Equal(pg("int8")) ||
		*s.OwnedBy != (ColumnRef{QName{"public", "a"}, "id"}) {
		t.Errorf("a_id_seq = %+v", s)
	}
	if code := column(t, a, "code"); code.Identity != 'd' || *code.Sequence != (QName{"public", "a_code_seq"}) {
		t.Errorf("a.code = %+v", code)
	}
	if s := c.Sequences[QName{"public", "a_code_seq"}]; s == nil || !s.Type.Equal(pg("int4")) || s.Max != 1<<31-1 {
		t.Errorf("a_code_seq = %+v", s)
	}
	if x := column(t, a, "x"); x.Identity != 0 || x.Sequence != nil {
		t.Errorf("a.x = %+v", x)
	}
	items := table(t, c, "items")
	if id := column(t, items, "id"); id.Identity != 'a' || *id.Sequence != (QName{"public", "items_id_seq"}) {
		t.Errorf("items.id = %+v", id)
	}
	if s := c.Sequences[QName{"public", "items_id_seq"}]; s == nil || !s.Type.Equal(pg("int4")) || s.Min != 1 || s.Max != 1<<31-1 ||
		*s.OwnedBy != (ColumnRef{QName{"public", "items"}, "id"}) {
		t.Errorf("items_id_seq = %+v", s)
	}
}

func TestGeneratedColumn(t *testing.T) {
	c := build(t, `CREATE TABLE public.line (price numeric(10,2), qty integer, total numeric GENERATED ALWAYS AS ((price * (qty)::numeric)) STORED);`)
	tb := table(t, c, "line")
	if !column(t, tb, "total").Generated || column(t, tb, "price").Generated {
		t.Errorf("generated flags wrong: %+v", tb.Columns)
	}
}

func TestDefaultsAndNotNull(t *testing.T) {
	c := build(t,
		`CREATE TABLE public.t (id integer, at timestamp with time zone DEFAULT now() NOT NULL, k text DEFAULT 'x''y', n int);`,
		`CREATE SEQUENCE public.t_id_seq AS integer;`,
		`ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;`,
		`ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);`,
		`ALTER TABLE public.t ALTER COLUMN n SET NOT NULL;`,
	)
	tb := table(t, c, "t")
	if at := column(t, tb, "at"); at.Default != "now()" || !at.NotNull {
		t.Errorf("at = %+v", at)
	}
	if k := column(t, tb, "k"); k.Default != "'x''y'" {
		t.Errorf("k default %q", k.Default)
	}
	if id := column(t, tb, "id"); id.Default != "nextval('public.t_id_seq'::regclass)" || *id.Sequence != (QName{"public", "t_id_seq"}) {
		t.Errorf("id = %+v", id)
	}
	if s := c.Sequences[QName{"public", "t_id_seq"}]; !s.Type.Equal(pg("int4")) || *s.OwnedBy != (ColumnRef{QName{"public", "t"}, "id"}) {
		t.Errorf("sequence = %+v", s)
	}
	if !column(t, tb, "n").NotNull {
		t.Error("SET NOT NULL not applied")
	}
}

func TestSequenceDefaults(t *testing.T) {
	c := build(t,
		`CREATE SEQUENCE public.up;`,
		`CREATE SEQUENCE public.down AS smallint INCREMENT BY -1;`,
		`CREATE SEQUENCE public.big START WITH 5000000000 MINVALUE -9223372036854775808 MAXVALUE 9223372036854775807 NO CYCLE;`,
		`CREATE SEQUENCE public."Mixed_seq";`,
		`CREATE TABLE public.t (id integer DEFAULT nextval('"Mixed_seq"'::regclass), b bigint DEFAULT nextval('public.UP'));`,
	)
	for name, want := range map[string]Sequence{
		"up":   {Type: pg("int8"), Start: 1, Increment: 1, Min: 1, Max: 1<<63 - 1},
		"down": {Type: pg("int2"), Start: -1, Increment: -1, Min: -1 << 15, Max: -1},
		"big":  {Type: pg("int8"), Start: 5000000000, Increment: 1, Min: -1 << 63, Max: 1<<63 - 1},
	} {
		s := c.Sequences[QName{"public", name}]
		want.Name = QName{"public", name}
		if s == nil {
			t.Fatalf("sequence %s missing", name)
		}
		got := *s
		got.OwnedBy, got.ownerInferred = nil, false // checked below
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sequence %s = %+v, want %+v", name, got, want)
		}
	}
	tb := table(t, c, "t")
	if q := column(t, tb, "id").Sequence; q == nil || *q != (QName{"public", "Mixed_seq"}) {
		t.Errorf("quoted regclass: %v", q)
	}
	if q := column(t, tb, "b").Sequence; q == nil || *q != (QName{"public", "up"}) {
		t.Errorf("unquoted regclass must fold: %v", q)
	}
	// Sequences nobody OWNS are attributed to the first column that uses them.
	if s := c.Sequences[QName{"public", "up"}]; s.OwnedBy == nil || *s.OwnedBy != (ColumnRef{QName{"public", "t"}, "b"}) {
		t.Errorf("inferred owner %v", s.OwnedBy)
	}
}

func TestKeysAndForeignKeys(t *testing.T) {
	c := build(t,
		`CREATE TABLE public.a (x integer, y integer, PRIMARY KEY (x, y));`,
		`CREATE TABLE public.b (id integer PRIMARY KEY, x integer, y integer, FOREIGN KEY (x, y) REFERENCES public.a);`,
		`CREATE TABLE public.users (id integer CONSTRAINT users_pk PRIMARY KEY, email text UNIQUE, handle text);`,
		`CREATE TABLE public.logins (email text REFERENCES public.users (email), by_id integer);`,
		`ALTER TABLE ONLY public.logins ADD CONSTRAINT logins_by_fkey FOREIGN KEY (by_id) REFERENCES public.users(id) ON DELETE CASCADE;`,
		`CREATE TABLE public.tree (id integer PRIMARY KEY, parent integer REFERENCES public.tree);`,
		`CREATE UNIQUE INDEX users_handle_idx ON public.users USING btree (handle);`,
		`CREATE UNIQUE INDEX users_lower_idx ON public.users USING btree (lower(email));`,
		`CREATE UNIQUE INDEX users_active_idx ON public.users (handle) WHERE (id > 0);`,
		`CREATE INDEX users_plain_idx ON public.users (handle);`,
	)
	a := table(t, c, "a")
	if a.PrimaryKey == nil || a.PrimaryKey.Name != "a_pkey" || !reflect.DeepEqual(a.PrimaryKey.Columns, []string{"x", "y"}) {
		t.Errorf("a PK = %+v", a.PrimaryKey)
	}
	if !column(t, a, "x").NotNull {
		t.Error("PK columns are NOT NULL")
	}
	b := table(t, c, "b")
	want := &ForeignKey{Name: "b_x_y_fkey", Columns: []string{"x", "y"}, RefTable: QName{"public", "a"}, RefColumns: []string{"x", "y"}, key: "a_pkey"}
	if len(b.ForeignKeys) != 1 || !reflect.DeepEqual(b.ForeignKeys[0], want) {
		t.Errorf("composite FK = %+v", b.ForeignKeys)
	}
	users := table(t, c, "users")
	if users.PrimaryKey.Name != "users_pk" {
		t.Errorf("named PK = %+v", users.PrimaryKey)
	}
	active := plainKey("users_active_idx", "handle")
	active.Partial, active.where = true, []string{"id"}
	wantU := []*Key{
		plainKey("users_email_key", "email"),
		plainKey("users_handle_idx", "handle"),
		{Name: "users_lower_idx", Columns: []string{"email"}, Parts: []KeyPart{{Column: "email", Fold: FoldLower}}},
		active,
	}
	if !reflect.DeepEqual(users.Uniques, wantU) {
		t.Errorf("users uniques:")
		for _, u := range users.Uniques {
			t.Errorf("  %+v", u)
		}
	}
	logins := table(t, c, "logins")
	wantL := []*ForeignKey{
		{Name: "logins_email_fkey", Columns: []string{"email"}, RefTable: QName{"public", "users"}, RefColumns: []string{"email"}, key: "users_email_key"},
		{Name: "logins_by_fkey", Columns: []string{"by_id"}, RefTable: QName{"public", "users"}, RefColumns: []string{"id"}, key: "users_pk"},
	}
	if !reflect.DeepEqual(logins.ForeignKeys, wantL) {
		t.Errorf("FK to UNIQUE column: %+v", logins.ForeignKeys)
	}
	refs := c.Referencing(QName{"public", "users"})
	if len(refs) != 2 || refs[0].Table != logins || refs[1].FK.Name != "logins_by_fkey" {
		t.Errorf("Referencing(users) = %+v", refs)
	}
	tree := table(t, c, "tree")
	if refs := c.Referencing(tree.Name); len(refs) != 1 || refs[0].Table != tree || !reflect.DeepEqual(refs[0].FK.RefColumns, []string{"id"}) {
		t.Errorf("self reference: %+v", refs)
	}
}

func TestUsingIndex(t *testing.T) {
	c := build(t,
		`CREATE TABLE public.t (id integer NOT NULL, code text NOT NULL);`,
		`CREATE UNIQUE INDEX t_id_idx ON public.t (id);`,
		`CREATE UNIQUE INDEX t_code_idx ON public.t (code);`,
		`ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;`,
		`ALTER TABLE public.t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_idx;`,
	)
	tb := table(t, c, "t")
	if !reflect.DeepEqual(tb.PrimaryKey, plainKey("t_pkey", "id")) {
		t.Errorf("PK = %+v", tb.PrimaryKey)
	}
	if len(tb.Uniques) != 1 || !reflect.DeepEqual(tb.Uniques[0], plainKey("t_code_key", "code")) {
		t.Errorf("uniques = %+v", tb.Uniques)
	}
}

func TestChecks(t *testing.T) {
	c := build(t,
		`CREATE DOMAIN public.email AS text CONSTRAINT email_check CHECK ((VALUE ~ '^[^@]+@example\.com$'::text));`,
		`CREATE DOMAIN public.year AS integer CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155)));`,
		`CREATE DOMAIN public.code AS text NOT NULL CHECK (VALUE ~* '^[a-z]+$');`,
		`CREATE TABLE public.p (
		ssn character varying(11),
		code text CHECK (code ~* '^[a-z]+$'),
		n integer,
		lo integer, hi integer,
		CONSTRAINT p_ssn_check CHECK (((ssn)::text ~ '^[0-9]{3}-[0-9]{2}-[0-9]{4}$'::text)),
		CONSTRAINT p_n_check CHECK ((n > 0)),
		CONSTRAINT p_range CHECK ((lo <= hi)));`,
		`ALTER TABLE public.p ADD CONSTRAINT p_lo_check CHECK (lo OPERATOR(pg_catalog.~) '^1'::text) NOT VALID;`,
	)
	email := c.Domains[QName{"public", "email"}]
	if len(email.Checks) != 1 {
		t.Fatalf("email domain checks = %v", email.Checks)
	}
	if ck := email.Checks[0]; ck.Column != "VALUE" || ck.Op != "~" || ck.Pattern != `^[^@]+@example\.com$` || !strings.Contains(ck.Expr, "~") {
		t.Errorf("email domain check = %+v", ck)
	}
	year := c.Domains[QName{"public", "year"}]
	if ck := year.Checks[0]; ck.Name != "year_check" || ck.Pattern != "" || ck.Column != "" || !strings.Contains(ck.Expr, "1901") {
		t.Errorf("year check = %+v", ck)
	}
	code := c.Domains[QName{"public", "code"}]
	if ck := code.Checks[0]; !code.NotNull || ck.Name != "code_check" || ck.Op != "~*" || ck.Column != "VALUE" {
		t.Errorf("code domain = %+v, check %+v", code, ck)
	}

	p := table(t, c, "p")
	byName := map[string]*Check{}
	for _, ck := range p.Checks {
		byName[ck.Name] = ck
	}
	if ck := byName["p_ssn_check"]; ck == nil || ck.Column != "ssn" || ck.Op != "~" || ck.Pattern != "^[0-9]{3}-[0-9]{2}-[0-9]{4}$" {
		t.Errorf("ssn check = %+v", ck)
	}
	if ck := byName["p_code_check"]; ck == nil || ck.Column != "code" || ck.Op != "~*" || ck.Pattern != "^[a-z]+$" {
		t.Errorf("unnamed column check = %+v", ck)
	}
	if ck := byName["p_n_check"]; ck == nil || ck.Pattern != "" || ck.Column != "" || ck.Op != "" || ck.Expr != "n > 0" {
		t.Errorf("non-regex check = %+v", ck)
	}
	if ck := byName["p_lo_check"]; ck == nil || ck.Column != "lo" || ck.Op != "~" || ck.Pattern != "^1" {
		t.Errorf("OPERATOR(pg_catalog.~) check = %+v", ck)
	}
	if len(p.Checks) != 5 {
		t.Errorf("%d table checks, want 5", len(p.Checks))
	}
	// Single-column checks are listed on their column; p_range spans two.
	for col, want := range map[string][]string{"ssn": {"p_ssn_check"}, "code": {"p_code_check"}, "n": {"p_n_check"}, "lo": {"p_lo_check"}, "hi": nil} {
		var got []string
		for _, ck := range column(t, p, col).Checks {
			got = append(got, ck.Name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("column %s checks %v, want %v", col, got, want)
		}
	}
}

func TestUnnamedConstraintNames(t *testing.T) {
	c := build(t, `CREATE TABLE public.t (a integer CHECK (a > 0) CHECK (a < 9), b integer UNIQUE, CHECK (a < b), CHECK (true), UNIQUE (a, b));`,
		`CREATE DOMAIN public.d AS integer CHECK (VALUE > 0) CHECK (VALUE < 9);`)
	tb := table(t, c, "t")
	var got []string
	for _, ck := range tb.Checks {
		got = append(got, ck.Name)
	}
	for _, k := range tb.Uniques {
		got = append(got, k.Name)
	}
	for _, ck := range c.Domains[QName{"public", "d"}].Checks {
		got = append(got, ck.Name)
	}
	if want := []string{"t_a_check", "t_a_check1", "t_a_check2", "t_check", "t_b_key", "t_a_b_key", "d_check", "d_check1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
}

func TestResolveType(t *testing.T) {
	c := build(t,
		`CREATE DOMAIN public.short AS character varying(10) CHECK (length(VALUE) > 1);`,
		`CREATE DOMAIN public.shorter AS public.short NOT NULL CHECK (VALUE ~ '^[A-Z]');`,
		`CREATE TABLE public.t (a public.shorter, b public.short[], c text);`,
	)
	tb := table(t, c, "t")
	base, doms := c.ResolveType(column(t, tb, "a").Type)
	if !reflect.DeepEqual(base, pg("varchar", 10)) || len(doms) != 2 || doms[0].Name.Name != "shorter" || doms[1].Name.Name != "short" {
		t.Errorf("ResolveType(a) = %v, %v", base, doms)
	}
	base, doms = c.ResolveType(column(t, tb, "b").Type)
	if base.String() != "character varying(10)[]" || len(doms) != 1 {
		t.Errorf("ResolveType(b) = %v, %v", base, doms)
	}
	if base, doms = c.ResolveType(column(t, tb, "c").Type); !base.Equal(pg("text")) || doms != nil {
		t.Errorf("ResolveType(c) = %v, %v", base, doms)
	}
}

func TestEnums(t *testing.T) {
	c := build(t,
		"CREATE TYPE public.mood AS ENUM (\n    'sad',\n    'happy'\n);",
		`ALTER TYPE public.mood ADD VALUE 'ok' BEFORE 'happy';`,
		`ALTER TYPE public.mood ADD VALUE 'ecstatic' AFTER 'happy';`,
		`ALTER TYPE public.mood ADD VALUE 'meh';`,
		`ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'sad';`,
		`ALTER TYPE public.mood RENAME VALUE 'meh' TO 'so-so';`,
		`ALTER TYPE public.mood OWNER TO postgres;`,
		`CREATE TYPE public.pair AS (a integer, b text);`,
	)
	e := c.Enums[QName{"public", "mood"}]
	if want := []string{"sad", "ok", "happy", "ecstatic", "so-so"}; e == nil || !reflect.DeepEqual(e.Labels, want) {
		t.Errorf("labels = %v, want %v", e, want)
	}
	if len(c.Enums) != 1 {
		t.Errorf("composite type taken for an enum: %v", c.Enums)
	}
}

func TestPartitionsAndInheritance(t *testing.T) {
	c := build(t,
		`CREATE TABLE public.r (id integer PRIMARY KEY);`,
		`CREATE TABLE public.m (id integer NOT NULL, at date NOT NULL, v text DEFAULT 'x', CONSTRAINT m_v CHECK (v <> '')) PARTITION BY RANGE (at);`,
		`CREATE TABLE public.m1 PARTITION OF public.m (v WITH OPTIONS NOT NULL) FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');`,
		// pg_dump's form: a plain table, attached afterwards, with its own column order.
		`CREATE TABLE public.m2 (at date NOT NULL, id integer NOT NULL, v text DEFAULT 'x', CONSTRAINT m_v CHECK (v <> ''));`,
		`ALTER TABLE ONLY public.m ATTACH PARTITION public.m2 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');`,
		`ALTER TABLE public.m ADD CONSTRAINT m_id_fkey FOREIGN KEY (id) REFERENCES public.r(id);`,
		`CREATE TABLE public.base (id integer NOT NULL, name text);`,
		`CREATE TABLE public.child (extra integer, name text NOT NULL) INHERITS (public.base);`,
	)
	m := table(t, c, "m")
	if !m.Partitioned || m.Parent != nil {
		t.Errorf("m = %+v", m)
	}
	parts := c.Partitions(m.Name)
	if len(parts) != 2 || parts[0].Name.Name != "m1" || parts[1].Name.Name != "m2" {
		t.Fatalf("Partitions(m) = %v", parts)
	}
	cols := func(tb *Table) (out []string) {
		for _, c := range tb.Columns {
			out = append(out, c.Name+" "+c.Type.String())
		}
		return out
	}
	m1 := parts[0]
	if got := cols(m1); !reflect.DeepEqual(got, []string{"id integer", "at date", "v text"}) {
		t.Errorf("m1 columns %v", got)
	}
	if v := column(t, m1, "v"); !v.NotNull || v.Default != "'x'" || len(v.Checks) != 1 {
		t.Errorf("m1.v = %+v", v)
	}
	if got := cols(parts[1]); !reflect.DeepEqual(got, []string{"at date", "id integer", "v text"}) {
		t.Errorf("attached partition keeps its own column order: %v", got)
	}
	for _, p := range parts {
		if *p.Parent != m.Name || len(p.ForeignKeys) != 1 || p.ForeignKeys[0].Name != "m_id_fkey" {
			t.Errorf("partition %s: parent %v, FKs %+v", p.Name, p.Parent, p.ForeignKeys)
		}
	}
	if refs := c.Referencing(QName{"public", "r"}); len(refs) != 3 {
		t.Errorf("Referencing(r) has %d entries, want m, m1, m2", len(refs))
	}
	child := table(t, c, "child")
	if got := cols(child); !reflect.DeepEqual(got, []string{"id integer", "name text", "extra integer"}) {
		t.Errorf("child columns %v", got)
	}
	if *child.Parent != (QName{"public", "base"}) || !column(t, child, "name").NotNull || !column(t, child, "id").NotNull {
		t.Errorf("child = %+v", child)
	}
	if len(child.ForeignKeys) != 0 {
		t.Error("plain inheritance does not inherit foreign keys")
	}
}

func TestIgnoredStatements(t *testing.T) {
	b := NewBuilder()
	for _, s := range []string{
		"",
		"  \n-- only a comment\n",
		`INSERT INTO public.t VALUES (1, 'CREATE TABLE ((');`,
		`COMMENT ON TABLE public.t IS 'x';`,
		`GRANT ALL ON SCHEMA public TO PUBLIC;`,
		"CREATE FUNCTION public.f() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$ BEGIN CREATE TABLE x (; END $$;",
		`CREATE VIEW public.v AS SELECT 1;`,
		`CREATE TRIGGER x BEFORE INSERT ON t (((( ;`, // never parsed: triggers define no schema
		`ALTER TABLE public.t OWNER TO postgres;`,
		`ALTER TABLE ONLY public."We ird" OWNER TO "Role";`,
		`SELECT pg_catalog.setval('public.s', 10, true);`,
		`SET statement_timeout = 0;`,
		`\restrict abc`,
		`CREATE MATERIALIZED VIEW public.mv AS SELECT 1 WITH NO DATA;`,
		`CREATE TEMPORARY TABLE tmp (id int);`,
	} {
		if err := b.Add(s); err != nil {
			t.Errorf("Add(%q) = %v, want it ignored", s, err)
		}
	}
	if c := b.Catalog(); len(c.Tables) != 0 {
		t.Errorf("tables from ignored statements: %v", c.Tables[0].Name)
	}
}

func TestRoute(t *testing.T) {
	for sql, want := range map[string]route{
		"CREATE TABLE t (a int);":                                 parse,
		"create unlogged table t (a int);":                        parse,
		"/* x /* nested */ */ -- c\r\nCREATE TABLE t();":          parse,
		"CREATE UNIQUE INDEX i ON t (a);":                         parse,
		"CREATE INDEX i ON t (a);":                                parse,
		"CREATE TYPE t AS ENUM ('a');":                            parse,
		"CREATE DOMAIN d AS int;":                                 parse,
		"CREATE SEQUENCE s;":                                      parse,
		"CREATE TEMP SEQUENCE s;":                                 parse,
		"CREATE GLOBAL TEMPORARY TABLE t ();":                     parse,
		"CREATE SCHEMA s;":                                        parse,
		"CREATE FOREIGN TABLE f () SERVER s;":                     parse,
		"CREATE ROLE r PASSWORD 'x';":                             parse,
		"CREATE OR REPLACE VIEW v AS SELECT 1;":                   scanView,
		"CREATE TEMP RECURSIVE VIEW v (n) AS SELECT 1;":           scanView,
		"CREATE MATERIALIZED VIEW m AS SELECT 1;":                 scanView,
		"CREATE FUNCTION f() RETURNS int AS 'x';":                 skip,
		"CREATE OR REPLACE FUNCTION f() RETURNS int AS 'x';":      skip,
		"CREATE EXTENSION x;":                                     skip,
		"CREATE /* c */ TABLE t ();":                              parse,
		"ALTER TABLE ONLY t ADD CONSTRAINT c PRIMARY KEY (a);":    parse,
		"ALTER TABLE t OWNER TO x;":                               skip,
		"ALTER TABLE t ADD COLUMN c int, OWNER TO x;":             parse,
		"ALTER SEQUENCE s OWNED BY t.a;":                          parse,
		"ALTER SEQUENCE public.s OWNER TO postgres;":              skip,
		"ALTER INDEX i ATTACH PARTITION j;":                       parse,
		"ALTER SCHEMA a RENAME TO b;":                             parse,
		"ALTER SCHEMA a OWNER TO b;":                              skip,
		"ALTER FOREIGN DATA WRAPPER w OPTIONS (a 'b');":           skip,
		"ALTER FUNCTION f() OWNER TO x;":                          skip,
		"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO x;":   skip,
		"ALTER ROLE r SET search_path = a;":                       parse,
		"ALTER USER MAPPING FOR r SERVER s OPTIONS (a 'b');":      skip,
		"ALTER LARGE OBJECT 1 OWNER TO x;":                        loMeta,
		"DROP TABLE t;":                                           parse,
		"DROP SCHEMA s CASCADE;":                                  parse,
		"DROP FUNCTION f();":                                      skip,
		"DROP FOREIGN DATA WRAPPER w;":                            skip,
		"SET search_path = a;":                                    parse,
		"SET SESSION search_path TO a;":                           parse,
		"set local SEARCH_PATH to a;":                             parse,
		`SET "search_path" TO a;`:                                 parse,
		"SET ROLE r;":                                             parse,
		"SET SESSION AUTHORIZATION r;":                            parse,
		"SET client_encoding = 'UTF8';":                           skip,
		"SET standard_conforming_strings = off;":                  parse,
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;":   skip,
		"SELECT pg_catalog.set_config('search_path', '', false);": parse,
		"SELECT pg_catalog.setval('s', 1, true);":                 parse,
		"SELECT pg_catalog.lowrite(0, '\\x0a0b');":                loData,
		"SELECT pg_catalog.lowrite(0, '\\x0a'), public.f();":      parse,
		"SELECT pg_catalog.lo_open('16385', 131072);":             parse,
		"RESET search_path;":                                      parse,
		"RESET ALL;":                                              parse,
		"RESET statement_timeout;":                                skip,
		"DISCARD ALL;":                                            parse,
		"BEGIN;":                                                  parse,
		"ROLLBACK TO SAVEPOINT a;":                                parse,
		"INSERT INTO t VALUES (1);":                               literalRows,
		"INSERT INTO public.\"T\" (a, \"b\") VALUES (1, 'x''y'), (-2.5e3, NULL), (DEFAULT, B'01') ;\n-- end": literalRows,
		"INSERT INTO t VALUES ('a'), (now());":             parse,
		"INSERT INTO t VALUES ('a'::text);":                parse,
		"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;": parse,
		"INSERT INTO t VALUES (1); SELECT public.f();":     parse,
		"INSERT INTO t VALUES ('a\\', ', public.f(), ');":  literalRows, // standard_conforming_strings on: two literals
		"INSERT INTO t SELECT 1;":                          parse,
		"WITH x AS (SELECT 1) SELECT * FROM x;":            parse,
		"(SELECT 1);":                                      parse,
		"DO $$ BEGIN END $$;":                              parse,
		"TRUNCATE t;":                                      skip,
		"TABLE t;":                                         skip,
		"COMMENT ON TABLE t IS 'x';":                       skip,
		"COMMENT ON LARGE OBJECT 1 IS 'x';":                loMeta,
		"COMMENT /* c */ ON LARGE OBJECT 1 IS 'x';":        parse,
		"GRANT ALL ON TABLE t TO x;":                       skip,
		"GRANT SELECT ON LARGE OBJECT 1 TO x;":             parse,
		"SECURITY LABEL FOR p ON LARGE OBJECT 1 IS 'x';":   parse,
		"\\connect db":                                     skip,
		"":                                                 skip,
	} {
		if got := routeOf(sql); got != want {
			t.Errorf("routeOf(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestParseErrorOffset(t *testing.T) {
	for _, sql := range []string{
		"CREATE TABLE public.t (\n    a integer,,\n    b text\n);",
		"-- Name: t; Type: TABLE\r\n\r\nCREATE TABLE public.\"bıgınt\" (a integer,, b text);",
	} {
		err := NewBuilder().Add(sql)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Add(%q) = %v, want a *ParseError", sql, err)
		}
		if want := strings.Index(sql, ",,") + 1; pe.Offset != want {
			t.Errorf("offset %d, want %d (%q); message %q", pe.Offset, want, sql[pe.Offset:], pe.Message)
		}
		if !strings.Contains(pe.Error(), "syntax error") {
			t.Errorf("message %q", pe.Error())
		}
	}
}

func TestCharToByte(t *testing.T) {
	s := "aıb" // ı is two bytes
	for pos, want := range map[int]int{0: -1, 1: 0, 2: 1, 3: 3, 4: 4, 99: 4} {
		if got := charToByte(s, pos); got != want {
			t.Errorf("charToByte(%q, %d) = %d, want %d", s, pos, got, want)
		}
	}
}

func TestObjectName(t *testing.T) {
	long := strings.Repeat("t", 60)
	if got := objectName(long, "col", "seq"); len(got) != 63 || !strings.HasSuffix(got, "_col_seq") {
		t.Errorf("objectName long table = %q (%d)", got, len(got))
	}
	if got := objectName(strings.Repeat("ı", 40), "", "pkey"); len(got) > 63 || !strings.HasSuffix(got, "ı_pkey") {
		t.Errorf("objectName must not split a character: %q", got)
	}
}

func TestIsLowrite(t *testing.T) {
	for s, want := range map[string]bool{
		"SELECT pg_catalog.lowrite(0, '\\x4142');\n":         true,
		"select  PG_CATALOG . lowrite ( 12 , '\\x' ) ; -- c": true,
		"SELECT pg_catalog.lowrite(0, '\\x41'), public.f();": false,
		"SELECT pg_catalog.lowrite(0, '\\x41'' ');":          false,
		"SELECT pg_catalog.lowrite(0, 'AB');":                false,
		"SELECT pg_catalog.lowrite(f(), '\\x41');":           false,
		"SELECT pg_catalog.lowrite(0, '\\x41');SELECT 1;":    false,
		"SELECT pg_catalog.lowrite(0, '\\x41":                false,
	} {
		if got := isLowrite(s); got != want {
			t.Errorf("isLowrite(%q) = %v", s, got)
		}
	}
}
