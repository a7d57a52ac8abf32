package schema

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shop is a small schema most DDL tests start from.
var shop = []string{
	`CREATE SCHEMA app;`,
	`CREATE TABLE public.users (id serial PRIMARY KEY, email text UNIQUE, nick text, CONSTRAINT users_nick_check CHECK (nick <> ''));`,
	`CREATE UNIQUE INDEX users_nick_idx ON public.users (lower(nick));`,
	`CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer REFERENCES public.users, buyer text REFERENCES public.users (email), at date NOT NULL);`,
	`CREATE TABLE public.events (id integer NOT NULL, at date NOT NULL, user_id integer) PARTITION BY RANGE (at);`,
	`CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
	`ALTER TABLE public.events ADD CONSTRAINT events_user_fkey FOREIGN KEY (user_id) REFERENCES public.users (id);`,
	`CREATE SEQUENCE public.tickets_seq;`,
	`CREATE TABLE public.tickets (id bigint DEFAULT nextval('public.tickets_seq'::regclass), body text);`,
	`ALTER SEQUENCE public.tickets_seq OWNED BY public.tickets.id;`,
}

// fkText renders a table's foreign keys as name(cols)->table(cols).
func fkText(t *Table) []string {
	var out []string
	for _, fk := range t.ForeignKeys {
		out = append(out, fk.Name+"("+strings.Join(fk.Columns, ",")+")->"+fk.RefTable.String()+"("+strings.Join(fk.RefColumns, ",")+")")
	}
	return out
}

func colNames(t *Table) []string {
	var out []string
	for _, c := range t.Columns {
		out = append(out, c.Name)
	}
	return out
}

func keyNames(t *Table) []string {
	var out []string
	if t.PrimaryKey != nil {
		out = append(out, "PK "+t.PrimaryKey.Name+"("+strings.Join(t.PrimaryKey.Columns, ",")+")")
	}
	for _, k := range t.Uniques {
		out = append(out, k.Name+"("+strings.Join(k.Columns, ",")+")")
	}
	return out
}

func TestDDL(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		check func(t *testing.T, b *Builder, c *Catalog)
	}{
		{"ADD COLUMN reaches partitions", []string{`ALTER TABLE public.events ADD COLUMN note text;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := colNames(table(t, c, "events_2024")); !reflect.DeepEqual(got, []string{"id", "at", "user_id", "note"}) {
				t.Errorf("partition columns %v", got)
			}
		}},
		{"DROP COLUMN takes keys, checks and foreign keys along", []string{`ALTER TABLE public.users DROP COLUMN nick;`, `ALTER TABLE ONLY public.orders DROP COLUMN IF EXISTS nosuch;`, `ALTER TABLE public.orders DROP COLUMN buyer;`}, func(t *testing.T, b *Builder, c *Catalog) {
			u := table(t, c, "users")
			if got := keyNames(u); !reflect.DeepEqual(got, []string{"PK users_pkey(id)", "users_email_key(email)"}) || len(u.Checks) != 0 {
				t.Errorf("users keys %v, checks %v", got, u.Checks)
			}
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->public.users(id)"}) {
				t.Errorf("orders FKs %v", got)
			}
			if b.rels[QName{"public", "users_nick_idx"}] != 0 {
				t.Error("the index on lower(nick) survives")
			}
		}},
		{"DROP COLUMN CASCADE drops the foreign keys on its key", []string{`ALTER TABLE public.users DROP COLUMN email CASCADE;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->public.users(id)"}) {
				t.Errorf("orders FKs %v", got)
			}
		}},
		{"DROP COLUMN drops the sequence it owns", []string{`ALTER TABLE public.tickets DROP COLUMN id;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if c.Sequences[QName{"public", "tickets_seq"}] != nil {
				t.Error("owned sequence survives its column")
			}
		}},
		{"RENAME COLUMN keeps references", []string{`ALTER TABLE public.users RENAME COLUMN email TO mail;`, `ALTER TABLE ONLY public.users RENAME COLUMN nick TO handle;`, `ALTER TABLE public.tickets RENAME id TO ticket_id;`}, func(t *testing.T, b *Builder, c *Catalog) {
			u := table(t, c, "users")
			if got := keyNames(u); !reflect.DeepEqual(got, []string{"PK users_pkey(id)", "users_email_key(mail)", "users_nick_idx(handle)"}) {
				t.Errorf("users keys %v", got)
			}
			if p := u.Uniques[1].Parts[0]; p != (KeyPart{Column: "handle", Fold: FoldLower}) {
				t.Errorf("folded part %+v", p)
			}
			if chk := u.Checks[0]; chk.Expr != "handle <> ''" || !reflect.DeepEqual(chk.refs, []string{"handle"}) || len(column(t, u, "handle").Checks) != 1 {
				t.Errorf("check %+v", chk)
			}
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->public.users(id)", "orders_buyer_fkey(buyer)->public.users(mail)"}) {
				t.Errorf("orders FKs %v", got)
			}
			if o := c.Sequences[QName{"public", "tickets_seq"}].OwnedBy; *o != (ColumnRef{QName{"public", "tickets"}, "ticket_id"}) {
				t.Errorf("sequence owned by %v", o)
			}
		}},
		{"RENAME COLUMN of a partitioned table renames it in the partitions", []string{`ALTER TABLE public.events RENAME COLUMN user_id TO account_id;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := colNames(table(t, c, "events_2024")); !reflect.DeepEqual(got, []string{"id", "at", "account_id"}) {
				t.Errorf("partition columns %v", got)
			}
			if got := fkText(table(t, c, "events_2024")); !reflect.DeepEqual(got, []string{"events_user_fkey(account_id)->public.users(id)"}) {
				t.Errorf("partition FKs %v", got)
			}
		}},
		{"ALTER COLUMN TYPE", []string{`ALTER TABLE public.orders ALTER COLUMN at TYPE timestamp with time zone USING at::timestamptz, ALTER COLUMN buyer SET DATA TYPE varchar(60);`}, func(t *testing.T, b *Builder, c *Catalog) {
			o := table(t, c, "orders")
			if column(t, o, "at").Type.String() != "timestamp with time zone" || column(t, o, "buyer").Type.String() != "character varying(60)" {
				t.Errorf("types %v %v", column(t, o, "at").Type, column(t, o, "buyer").Type)
			}
		}},
		{"RENAME TO keeps references", []string{`ALTER TABLE public.users RENAME TO accounts;`, `ALTER TABLE public.events RENAME TO happenings;`, `ALTER TABLE IF EXISTS public.nosuch RENAME TO x;`}, func(t *testing.T, b *Builder, c *Catalog) {
			acc := QName{"public", "accounts"}
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->public.accounts(id)", "orders_buyer_fkey(buyer)->public.accounts(email)"}) {
				t.Errorf("orders FKs %v", got)
			}
			if p := table(t, c, "events_2024").Parent; *p != (QName{"public", "happenings"}) {
				t.Errorf("partition parent %v", p)
			}
			if s := c.Sequences[QName{"public", "users_id_seq"}]; s.OwnedBy.Table != acc || *column(t, table(t, c, "accounts"), "id").Sequence != s.Name {
				t.Errorf("serial sequence %+v", s)
			}
			if idx := b.indexes[QName{"public", "users_nick_idx"}]; idx.table != acc {
				t.Errorf("index on %v", idx.table)
			}
			if c.Table(QName{"public", "users"}) != nil || c.Table(acc) == nil {
				t.Error("lookup by name")
			}
		}},
		{"rename chains keep foreign keys right", []string{`ALTER TABLE public.users RENAME TO a;`, `ALTER TABLE public.a RENAME TO b;`, `ALTER TABLE public.b SET SCHEMA app;`,
			`CREATE TABLE public.users (id integer PRIMARY KEY);`, `ALTER TABLE app.b RENAME COLUMN id TO uid;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->app.b(uid)", "orders_buyer_fkey(buyer)->app.b(email)"}) {
				t.Errorf("orders FKs %v", got)
			}
			if got := fkText(table(t, c, "events_2024")); !reflect.DeepEqual(got, []string{"events_user_fkey(user_id)->app.b(uid)"}) {
				t.Errorf("partition FKs %v", got)
			}
			if refs := c.Referencing(QName{"public", "users"}); len(refs) != 0 {
				t.Errorf("the new users table is referenced: %v", refs)
			}
		}},
		{"SET SCHEMA moves indexes and owned sequences", []string{`ALTER TABLE public.users SET SCHEMA app;`, `ALTER TABLE ONLY public.tickets SET SCHEMA app;`}, func(t *testing.T, b *Builder, c *Catalog) {
			id := column(t, table(t, c, "app.users"), "id")
			if *id.Sequence != (QName{"app", "users_id_seq"}) || id.Default != "nextval('app.users_id_seq'::regclass)" {
				t.Errorf("id = %+v", id)
			}
			if b.indexes[QName{"app", "users_email_key"}] == nil || b.rels[QName{"public", "users_email_key"}] != 0 {
				t.Error("indexes did not move")
			}
			if tid := column(t, table(t, c, "app.tickets"), "id"); *tid.Sequence != (QName{"app", "tickets_seq"}) {
				t.Errorf("tickets.id %+v", tid)
			}
		}},
		{"DROP CONSTRAINT", []string{`ALTER TABLE public.orders DROP CONSTRAINT orders_buyer_fkey;`, `ALTER TABLE public.users DROP CONSTRAINT users_email_key;`,
			`ALTER TABLE public.users DROP CONSTRAINT users_nick_check;`, `ALTER TABLE public.users DROP CONSTRAINT IF EXISTS nosuch;`}, func(t *testing.T, b *Builder, c *Catalog) {
			u := table(t, c, "users")
			if got := keyNames(u); !reflect.DeepEqual(got, []string{"PK users_pkey(id)", "users_nick_idx(nick)"}) || len(u.Checks)+len(column(t, u, "nick").Checks) != 0 {
				t.Errorf("users keys %v checks %v", got, u.Checks)
			}
			if b.rels[QName{"public", "users_email_key"}] != 0 {
				t.Error("the constraint's index survives")
			}
		}},
		{"DROP CONSTRAINT CASCADE drops the foreign keys bound to the key", []string{`ALTER TABLE public.users DROP CONSTRAINT users_pkey CASCADE;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_buyer_fkey(buyer)->public.users(email)"}) {
				t.Errorf("orders FKs %v", got)
			}
			if len(table(t, c, "events").ForeignKeys)+len(table(t, c, "events_2024").ForeignKeys) != 0 {
				t.Error("events keeps its foreign key")
			}
		}},
		{"DROP INDEX of a unique index", []string{`DROP INDEX public.users_nick_idx;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := keyNames(table(t, c, "users")); !reflect.DeepEqual(got, []string{"PK users_pkey(id)", "users_email_key(email)"}) {
				t.Errorf("users keys %v", got)
			}
		}},
		{"ALTER INDEX RENAME renames the key and its constraint", []string{`ALTER INDEX public.users_email_key RENAME TO users_mail_key;`, `ALTER INDEX public.users_nick_idx RENAME TO nick_ci;`, `ALTER TABLE public.users DROP CONSTRAINT users_mail_key CASCADE;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := keyNames(table(t, c, "users")); !reflect.DeepEqual(got, []string{"PK users_pkey(id)", "nick_ci(nick)"}) {
				t.Errorf("users keys %v", got)
			}
			if got := fkText(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"orders_user_id_fkey(user_id)->public.users(id)"}) {
				t.Errorf("orders FKs %v", got)
			}
		}},
		{"RENAME CONSTRAINT renames a key's index", []string{`ALTER TABLE public.users RENAME CONSTRAINT users_email_key TO users_mail_key;`, `ALTER TABLE public.orders RENAME CONSTRAINT orders_buyer_fkey TO by_mail;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if b.indexes[QName{"public", "users_mail_key"}] == nil || b.rels[QName{"public", "users_email_key"}] != 0 {
				t.Error("index not renamed")
			}
			if fk := table(t, c, "orders").ForeignKeys[1]; fk.Name != "by_mail" || fk.key != "users_mail_key" {
				t.Errorf("FK %+v", fk)
			}
		}},
		{"DETACH PARTITION keeps the foreign keys", []string{`ALTER TABLE public.events DETACH PARTITION public.events_2024;`, `ALTER TABLE public.events DROP CONSTRAINT events_user_fkey;`}, func(t *testing.T, b *Builder, c *Catalog) {
			p := table(t, c, "events_2024")
			if p.Parent != nil || len(c.Partitions(QName{"public", "events"})) != 0 {
				t.Errorf("still a partition: %v", p.Parent)
			}
			if got := fkText(p); !reflect.DeepEqual(got, []string{"events_user_fkey(user_id)->public.users(id)"}) {
				t.Errorf("detached FKs %v", got)
			}
		}},
		{"INHERIT and NO INHERIT", []string{`CREATE TABLE public.base (id integer, note text);`, `CREATE TABLE public.kid (id integer, note text, extra int);`,
			`ALTER TABLE public.kid INHERIT public.base;`, `ALTER TABLE public.base ADD COLUMN more int;`}, func(t *testing.T, b *Builder, c *Catalog) {
			kid := table(t, c, "kid")
			if *kid.Parent != (QName{"public", "base"}) || !reflect.DeepEqual(colNames(kid), []string{"id", "note", "extra", "more"}) {
				t.Errorf("kid %v %v", kid.Parent, colNames(kid))
			}
			run(t, b, `ALTER TABLE public.kid NO INHERIT public.base;`, `ALTER TABLE public.base DROP COLUMN more;`)
			if kid.Parent != nil || kid.Column("more") == nil {
				t.Errorf("after NO INHERIT: %v %v", kid.Parent, colNames(kid))
			}
		}},
		{"DROP TABLE CASCADE", []string{`DROP TABLE IF EXISTS public.nosuch, public.users CASCADE;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if c.Table(QName{"public", "users"}) != nil || c.Sequences[QName{"public", "users_id_seq"}] != nil || b.rels[QName{"public", "users_nick_idx"}] != 0 {
				t.Error("users, its sequence or its index survive")
			}
			if len(table(t, c, "orders").ForeignKeys)+len(table(t, c, "events").ForeignKeys)+len(table(t, c, "events_2024").ForeignKeys) != 0 {
				t.Error("foreign keys to users survive")
			}
		}},
		{"DROP TABLE of a partitioned table drops its partitions", []string{`DROP TABLE public.events;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if c.Table(QName{"public", "events_2024"}) != nil {
				t.Error("partition survives")
			}
		}},
		{"DROP and CREATE again", []string{`DROP TABLE public.orders;`, `CREATE TABLE public.orders (id bigint);`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := colNames(table(t, c, "orders")); !reflect.DeepEqual(got, []string{"id"}) {
				t.Errorf("orders %v", got)
			}
		}},
		{"CREATE TABLE IF NOT EXISTS keeps the first", []string{`CREATE TABLE IF NOT EXISTS public.orders (other text);`}, func(t *testing.T, b *Builder, c *Catalog) {
			if table(t, c, "orders").Column("other") != nil {
				t.Error("second definition taken")
			}
		}},
		{"DROP SCHEMA CASCADE drops its tables", []string{`CREATE TABLE app.a (id int PRIMARY KEY);`, `CREATE TABLE public.b (a int REFERENCES app.a);`, `CREATE TYPE app.mood AS ENUM ('x');`,
			`CREATE TABLE public.c (m app.mood, n int);`, `DROP SCHEMA app CASCADE;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if c.Table(QName{"app", "a"}) != nil || len(c.Enums) != 0 || b.schemaExists("app") {
				t.Error("schema contents survive")
			}
			if len(table(t, c, "b").ForeignKeys) != 0 || !reflect.DeepEqual(colNames(table(t, c, "c")), []string{"n"}) {
				t.Error("dependent foreign key or column survives")
			}
		}},
		{"ALTER SCHEMA RENAME", []string{`CREATE TABLE app.a (id int PRIMARY KEY);`, `CREATE TABLE public.b (a int REFERENCES app.a);`, `ALTER SCHEMA app RENAME TO web;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if got := fkText(table(t, c, "b")); !reflect.DeepEqual(got, []string{"b_a_fkey(a)->web.a(id)"}) || c.Table(QName{"web", "a"}) == nil {
				t.Errorf("FKs %v", got)
			}
		}},
		{"ALTER TABLE on views, sequences and foreign tables is ignored", []string{`CREATE VIEW public.v AS SELECT 1 AS x;`, `ALTER TABLE ONLY public.v ALTER COLUMN x SET DEFAULT 1;`,
			`ALTER TABLE public.tickets_seq RESET (fillfactor), OWNER TO x;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if len(c.Tables) != 5 {
				t.Errorf("tables %v", tableNames(c))
			}
		}},
		{"DROP COLUMN IF EXISTS and ADD COLUMN IF NOT EXISTS", []string{`ALTER TABLE IF EXISTS public.nosuch ADD COLUMN x int;`, `ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS at text, DROP COLUMN IF EXISTS nosuch;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if column(t, table(t, c, "orders"), "at").Type.String() != "date" {
				t.Error("ADD COLUMN IF NOT EXISTS replaced the column")
			}
		}},
		{"DROP EXPRESSION makes a generated column a data column", []string{`ALTER TABLE public.tickets ADD COLUMN n int GENERATED ALWAYS AS (1) STORED;`, `ALTER TABLE public.tickets ALTER COLUMN n DROP EXPRESSION;`}, func(t *testing.T, b *Builder, c *Catalog) {
			if column(t, table(t, c, "tickets"), "n").Generated {
				t.Error("still generated")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			run(t, b, shop...)
			run(t, b, tc.stmts...)
			c := b.Catalog()
			tc.check(t, b, c)
			checkModel(t, b)
		})
	}
}

// TestDDLRefused: statements PostgreSQL rejects, or whose outcome the
// script does not show, are errors.
func TestDDLRefused(t *testing.T) {
	for _, tc := range []struct {
		stmt string
		err  string
	}{
		{`CREATE TABLE public.orders (id int);`, "relation public.orders already exists"},
		{`CREATE TABLE public.orders_pkey (id int);`, "already exists"},
		{`CREATE TYPE public.orders AS ENUM ('x');`, "type public.orders already exists"},
		{`CREATE TABLE nosuch.t (id int);`, `schema nosuch does not exist`},
		{`CREATE TABLE pg_catalog.t (id int);`, "system catalog"},
		{`DROP TABLE public.users;`, "constraint orders_user_id_fkey on table public.orders depends on public.users"},
		{`DROP TABLE public.nosuch;`, "no such relation"},
		{`DROP TABLE public.users_nick_idx;`, "is an index"},
		{`DROP INDEX public.users_pkey;`, "drop the constraint instead"},
		{`DROP INDEX public.users_email_key;`, "drop the constraint instead"},
		{`ALTER TABLE public.users DROP CONSTRAINT users_pkey;`, "depends on public.users"},
		{`ALTER TABLE public.users DROP CONSTRAINT users_nick_idx;`, "does not exist"},
		{`ALTER TABLE public.users DROP COLUMN id;`, "depends on the column"},
		{`ALTER TABLE public.nosuch ADD COLUMN x int;`, "no such relation"},
		{`ALTER TABLE public.orders ADD COLUMN at int;`, `column at of relation public.orders already exists`},
		{`ALTER TABLE public.orders RENAME COLUMN at TO id;`, "already exists"},
		{`ALTER TABLE public.orders RENAME TO users;`, "relation public.users already exists"},
		{`ALTER TABLE public.events_2024 DROP COLUMN at;`, "inherited column"},
		{`ALTER TABLE public.events_2024 RENAME COLUMN at TO x;`, "inherited column"},
		{`ALTER TABLE ONLY public.events RENAME COLUMN at TO x;`, "child tables too"},
		{`ALTER TABLE ONLY public.events ADD COLUMN x int;`, "child tables too"},
		{`ALTER TABLE public.orders ADD FOREIGN KEY (buyer) REFERENCES public.users (nick);`, "no unique constraint"},
		{`ALTER TABLE public.orders ADD FOREIGN KEY (at) REFERENCES public.tickets;`, "no primary key"},
		{`ALTER TABLE public.orders ADD PRIMARY KEY (at);`, "multiple primary keys"},
		{`ALTER TABLE public.orders ADD UNIQUE (nosuch);`, "does not exist"},
		{`DROP SEQUENCE public.tickets_seq;`, "the default of column id of table public.tickets depends"},
		{`CREATE TABLE app.x (); DROP SCHEMA app;`, "not empty"},
		{`DROP SCHEMA pg_catalog;`, "required by the database system"},
		{`CREATE SCHEMA app;`, "schema app already exists"},
		{`CREATE SCHEMA pg_x;`, "reserved"},
		{`ALTER SCHEMA app RENAME TO public;`, "already exists"},
		{`CREATE VIEW public.v AS SELECT id FROM public.orders; DROP TABLE public.orders;`, "view public.v"},
		{`CREATE VIEW public.v AS SELECT id FROM public.orders; ALTER TABLE public.orders ALTER COLUMN id TYPE bigint;`, "view"},
		{`CREATE TABLE public.t OF public.mood;`, "typed table"},
		{`CREATE TABLE public.t (LIKE public.v);`, "no such relation"},
		{`ALTER TABLE public.orders ATTACH PARTITION public.tickets FOR VALUES IN (1);`, "not partitioned"},
		{`CREATE TABLE public.e2 (id integer, at date NOT NULL); ALTER TABLE public.events ATTACH PARTITION public.e2 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`, "must have exactly the columns"},
		{`DROP OWNED BY bob;`, "owners"},
		{`ALTER TABLE public.events_2024 INHERIT public.orders;`, "partition"},
	} {
		t.Run(tc.stmt, func(t *testing.T) {
			b := NewBuilder()
			run(t, b, shop...)
			_, err := b.Statement(tc.stmt)
			if err == nil || !isModelError(err) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one saying %q", err, tc.err)
			}
		})
	}
}

func TestCreateSchemaElements(t *testing.T) {
	b := NewBuilder()
	b.SetSessionUser("ann")
	run(t, b, `CREATE SCHEMA AUTHORIZATION ann CREATE TABLE t (id int PRIMARY KEY) CREATE TABLE u (t_id int REFERENCES t) CREATE UNIQUE INDEX u_t ON u (t_id);`)
	c := b.Catalog()
	if got := tableNames(c); !reflect.DeepEqual(got, []string{"ann.t", "ann.u"}) {
		t.Fatalf("tables %v", got)
	}
	if got := fkText(table(t, c, "ann.u")); !reflect.DeepEqual(got, []string{"u_t_id_fkey(t_id)->ann.t(id)"}) {
		t.Errorf("FKs %v", got)
	}
	if keys := keyNames(table(t, c, "ann.u")); !slices.Equal(keys, []string{"u_t(t_id)"}) {
		t.Errorf("keys %v", keys)
	}
	_, err := b.Statement(`CREATE SCHEMA s CREATE TABLE public.x (id int);`)
	wantError[*UnsupportedError](t, err, "not the one being created")
}

func TestOtherRelations(t *testing.T) {
	b := NewBuilder()
	run(t, b,
		`CREATE VIEW public.v AS SELECT JSON_QUERY(js, '$.a' RETURNING text) FROM public.src;`, // newer syntax: read by the lexer
		`CREATE MATERIALIZED VIEW IF NOT EXISTS public.mv AS SELECT 1 WITH NO DATA;`,
		`CREATE FOREIGN TABLE public.f (id int) SERVER s;`,
		`CREATE TYPE public.pair AS (a int, b text);`,
		`CREATE TYPE public.floatrange AS RANGE (subtype = float8);`,
		`CREATE OR REPLACE VIEW public.v AS SELECT 2;`,
		`ALTER VIEW public.v RENAME TO w;`,
		`ALTER MATERIALIZED VIEW public.mv SET SCHEMA public;`,
		`CREATE TABLE public.t (p public.pair, s floatrange, m floatmultirange);`,
	)
	for q, want := range map[QName]relKind{{"public", "w"}: relView, {"public", "mv"}: relMatView, {"public", "f"}: relForeign, {"public", "pair"}: relComposite} {
		if got := b.rels[q]; got != want {
			t.Errorf("%s is %v, want %v", q, got, want)
		}
	}
	for _, stmt := range []string{`CREATE TABLE public.w (id int);`, `CREATE TABLE public.pair (id int);`, `CREATE TYPE public.floatrange AS ENUM ('a');`, `CREATE TYPE public.floatmultirange AS ENUM ('a');`} {
		_, err := b.Statement(stmt)
		wantError[*ExistsError](t, err, "already exists")
	}
	typ := table(t, b.Catalog(), "t").Columns
	if typ[0].Type.String() != "public.pair" || typ[1].Type.String() != "public.floatrange" {
		t.Errorf("types %v %v", typ[0].Type, typ[1].Type)
	}
	run(t, b, `DROP VIEW public.w;`, `CREATE TABLE public.w (id int);`, `DROP TYPE public.pair CASCADE;`)
	if got := colNames(table(t, b.Catalog(), "t")); !reflect.DeepEqual(got, []string{"s", "m"}) {
		t.Errorf("columns after DROP TYPE CASCADE %v", got)
	}
	checkModel(t, b)
}

func TestTypeRenames(t *testing.T) {
	b := NewBuilder()
	run(t, b,
		`CREATE SCHEMA app;`,
		`CREATE TYPE public.mood AS ENUM ('a');`,
		`CREATE DOMAIN public.happy AS public.mood;`,
		`CREATE TABLE public.t (m public.mood, h public.happy, ms public.mood[]);`,
		`ALTER TYPE public.mood RENAME TO feeling;`,
		`ALTER DOMAIN public.happy SET SCHEMA app;`,
		`ALTER TYPE public.feeling ADD VALUE 'b';`,
	)
	c := b.Catalog()
	tb := table(t, c, "t")
	if got := []string{tb.Columns[0].Type.String(), tb.Columns[1].Type.String(), tb.Columns[2].Type.String()}; !reflect.DeepEqual(got, []string{"public.feeling", "app.happy", "public.feeling[]"}) {
		t.Errorf("types %v", got)
	}
	if d := c.Domains[QName{"app", "happy"}]; d == nil || d.Base.String() != "public.feeling" {
		t.Errorf("domain %+v", d)
	}
	if e := c.Enums[QName{"public", "feeling"}]; e == nil || !reflect.DeepEqual(e.Labels, []string{"a", "b"}) {
		t.Errorf("enum %+v", e)
	}
	_, err := b.Statement(`DROP TYPE public.feeling;`)
	wantError[*UnsupportedError](t, err, "depends on type public.feeling")
}

func TestCircularPartitions(t *testing.T) {
	b := NewBuilder()
	run(t, b, `CREATE TABLE public.m (id int, at date) PARTITION BY RANGE (at);`,
		`CREATE TABLE public.m1 PARTITION OF public.m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01') PARTITION BY RANGE (at);`)
	for _, stmt := range []string{
		`ALTER TABLE public.m1 ATTACH PARTITION public.m FOR VALUES FROM ('2020-01-01') TO ('2020-06-01');`,
		`ALTER TABLE public.m ATTACH PARTITION public.m FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');`,
	} {
		_, err := b.Statement(stmt)
		wantError[*UnsupportedError](t, err, "circular")
	}
}
