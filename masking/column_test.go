package masking

import (
	"fmt"
	"slices"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

const columnDDL = `
CREATE SCHEMA crm;
SET search_path = public;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE crm.tier AS ENUM ('gold', 'silver');
CREATE DOMAIN us_postal AS text CHECK (VALUE ~ '^[0-9]{5}$');
CREATE DOMAIN code AS varchar(8) NOT NULL CHECK (VALUE ~* '^[a-z]+$');
CREATE DOMAIN strict_code AS code CHECK (VALUE ~ '^[A-Z]');
CREATE DOMAIN lookbehind AS text CHECK (VALUE ~ '(?<=x)y');
CREATE DOMAIN longish AS text CHECK (length(VALUE) > 3);
CREATE DOMAIN codes AS code[];
CREATE DOMAIN price AS numeric(12,4);
CREATE DOMAIN small AS int2;
CREATE TABLE t (
  id int8 PRIMARY KEY,
  a int2, b int4 NOT NULL, s smallserial,
  n numeric(10,2), n1 numeric(7), n0 numeric, pr price, sm small,
  v varchar(20), vv varchar, ch char(3), ch1 char, ch0 "char", tx text, nm name,
  f4 real, f8 double precision, bo boolean, d date, ts timestamp, tz timestamptz,
  u uuid, ip inet, cd cidr, bt bytea, j json, jb jsonb, mo money,
  m mood, ti crm.tier, arr text[], iarr int4[][], va varchar(5)[], ma mood[],
  zip us_postal, cde code, sc strict_code, lb lookbehind, l longish, cs codes,
  ci citext, hs hstore, pt point,
  email text UNIQUE,
  x text CHECK (x ~ '^[a-z]'), y text,
  uq1 int, uq2 int, part text,
  CHECK (x ~* 'Q'), CHECK (y ~ '^a' AND x ~ 'b'), CHECK (length(y) < 9),
  UNIQUE (uq1, uq2)
);
CREATE UNIQUE INDEX ON t (part) WHERE part IS NOT NULL;
CREATE TABLE crm.nokey (k text, w varchar(3));
`

type columnWant struct {
	cat              Category
	array            bool
	max              int
	intMin, intMax   int64
	precision, scale int
	labels           []string
	notNull, unique  bool
	checks           []string // name=regexp
}

func TestNewColumn(t *testing.T) {
	b := schema.NewBuilder()
	if err := b.Add(columnDDL); err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog()
	const i16, i32, i64 = 1<<15 - 1, 1<<31 - 1, 1<<63 - 1
	text := columnWant{cat: CatText}
	cases := map[string]map[string]columnWant{
		"public.t": {
			"id":    {cat: CatInt, intMin: -i64 - 1, intMax: i64, notNull: true, unique: true},
			"a":     {cat: CatInt, intMin: -i16 - 1, intMax: i16},
			"b":     {cat: CatInt, intMin: -i32 - 1, intMax: i32, notNull: true},
			"s":     {cat: CatInt, intMin: -i16 - 1, intMax: i16, notNull: true},
			"n":     {cat: CatNumeric, precision: 10, scale: 2},
			"n1":    {cat: CatNumeric, precision: 7},
			"n0":    {cat: CatNumeric},
			"pr":    {cat: CatNumeric, precision: 12, scale: 4},
			"sm":    {cat: CatInt, intMin: -i16 - 1, intMax: i16},
			"v":     {cat: CatText, max: 20},
			"vv":    text,
			"ch":    {cat: CatText, max: 3},
			"ch1":   {cat: CatText, max: 1},
			"ch0":   {cat: CatText, max: 1},
			"tx":    text,
			"nm":    text,
			"f4":    {cat: CatFloat},
			"f8":    {cat: CatFloat},
			"bo":    {cat: CatBool},
			"d":     {cat: CatDate},
			"ts":    {cat: CatTimestamp},
			"tz":    {cat: CatTimestampTZ},
			"u":     {cat: CatUUID},
			"ip":    {cat: CatInet},
			"cd":    {cat: CatCidr},
			"bt":    {cat: CatBytea},
			"j":     {cat: CatJSON},
			"jb":    {cat: CatJSON},
			"mo":    {cat: CatNumeric},
			"m":     {cat: CatEnum, labels: []string{"sad", "ok", "happy"}},
			"ti":    {cat: CatEnum, labels: []string{"gold", "silver"}},
			"arr":   {cat: CatText, array: true},
			"iarr":  {cat: CatInt, array: true, intMin: -i32 - 1, intMax: i32},
			"va":    {cat: CatText, array: true, max: 5},
			"ma":    {cat: CatEnum, array: true, labels: []string{"sad", "ok", "happy"}},
			"zip":   {cat: CatText, checks: []string{"us_postal_check=^[0-9]{5}$"}},
			"cde":   {cat: CatText, max: 8, notNull: true, checks: []string{"code_check=(?i)^[a-z]+$"}},
			"sc":    {cat: CatText, max: 8, notNull: true, checks: []string{"strict_code_check=^[A-Z]", "code_check=(?i)^[a-z]+$"}},
			"lb":    text, // RE2 has no lookbehind: not verified
			"l":     text, // not a regular expression
			"cs":    {cat: CatText, array: true, max: 8, notNull: true, checks: []string{"code_check=(?i)^[a-z]+$"}},
			"ci":    text,
			"hs":    {cat: CatOther},
			"pt":    {cat: CatOther},
			"email": {cat: CatText, unique: true},
			"x":     {cat: CatText, checks: []string{"t_x_check=^[a-z]", "t_x_check1=(?i)Q"}},
			"y":     text,                                         // its regular expression CHECK also reads x
			"uq1":   {cat: CatInt, intMin: -i32 - 1, intMax: i32}, // a composite key: not unique alone
			"uq2":   {cat: CatInt, intMin: -i32 - 1, intMax: i32}, // a composite key: not unique alone
			"part":  text,                                         // a partial unique index does not make values unique
		},
		"crm.nokey": {
			"k": text,
			"w": {cat: CatText, max: 3},
		},
	}
	for tname, cols := range cases {
		q, _ := schema.ParseQName(tname)
		tb := cat.Table(q)
		if tb == nil {
			t.Fatalf("no table %s", tname)
		}
		if len(tb.Columns) != len(cols) {
			t.Errorf("%s has %d columns, the test lists %d", tname, len(tb.Columns), len(cols))
		}
		for _, sc := range tb.Columns {
			want, ok := cols[sc.Name]
			if !ok {
				t.Errorf("%s.%s: not in the test", tname, sc.Name)
				continue
			}
			c := NewColumn(cat, tb, sc)
			var checks []string
			for _, ch := range c.Checks {
				checks = append(checks, ch.Name+"="+ch.Re.String())
			}
			got := columnWant{cat: c.Category, array: c.Array, max: c.MaxChars, intMin: c.IntMin, intMax: c.IntMax,
				precision: c.Precision, scale: c.Scale, labels: c.Labels, notNull: c.NotNull, unique: c.Unique, checks: checks}
			if fmt.Sprint(got) != fmt.Sprint(want) || !slices.Equal(got.labels, want.labels) || !slices.Equal(got.checks, want.checks) {
				t.Errorf("%s.%s (%s):\n got %+v\nwant %+v", tname, sc.Name, sc.Type, got, want)
			}
			if c.Table != tname || c.Name != sc.Name || !c.Type.Equal(sc.Type) {
				t.Errorf("%s.%s: named %s.%s of type %v", tname, sc.Name, c.Table, c.Name, c.Type)
			}
			if c.IsText() != (c.Category == CatText) {
				t.Errorf("%s.%s: IsText() = %v for category %s", tname, sc.Name, c.IsText(), c.Category)
			}
		}
	}

	// Base is the type under the domains, with their array dimensions.
	tb := cat.Table(schema.QName{Schema: "public", Name: "t"})
	for col, want := range map[string]string{"sc": "character varying(8)", "cs": "character varying(8)[]", "pr": "numeric(12,4)", "ti": "crm.tier", "v": "character varying(20)"} {
		if got := NewColumn(cat, tb, tb.Column(col)).Base.String(); got != want {
			t.Errorf("%s: base type %s, want %s", col, got, want)
		}
	}
	if got := NewColumn(cat, tb, tb.Column("sc")).TypeName(); got != "public.strict_code" {
		t.Errorf("TypeName of a domain column = %q", got)
	}
}

// TestNewColumnChecksVerify: a case-insensitive CHECK (~*) is verified
// case-insensitively, a plain one (~) case-sensitively.
func TestNewColumnChecksVerify(t *testing.T) {
	b := schema.NewBuilder()
	if err := b.Add(columnDDL); err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog()
	tb := cat.Table(schema.QName{Schema: "public", Name: "t"})
	for _, tc := range []struct {
		col, value string
		ok         bool
	}{
		{"cde", "abc", true},
		{"cde", "ABC", true},
		{"cde", "ab1", false},
		{"sc", "Abc", true},
		{"sc", "abc", false},
		{"x", "aq", true},
		{"x", "aQ", true},
		{"x", "Aq", false},
		{"x", "ab", false},
		{"zip", "12345", true},
		{"zip", "1234", false},
		{"lb", "anything", true},
	} {
		cell := Wrap(constMasker{}, NewColumn(cat, tb, tb.Column(tc.col)))
		err := cell.Verify([]byte(tc.value))
		if (err == nil) != tc.ok {
			t.Errorf("%s: Verify(%q) = %v, want ok=%v", tc.col, tc.value, err, tc.ok)
		}
	}
}

// Which CHECKs a column reports unclear: on numbers, those that are not
// bounds; on other types, those that read the value and are not a pattern.
// A CHECK on one column counts once, wherever pg_dump wrote it.
func TestNewColumnUnclearChecks(t *testing.T) {
	b := schema.NewBuilder()
	if err := b.Add(`CREATE TABLE public.k (n integer CONSTRAINT k_n CHECK (n > 0), n2 integer, n3 integer CONSTRAINT k_n3 CHECK (n3 IS NOT NULL),
		tx text CONSTRAINT k_tx CHECK (length(tx) < 9), tp text CONSTRAINT k_tp CHECK (tp ~ '^a'), tn text CONSTRAINT k_tn CHECK (tn IS NOT NULL),
		CONSTRAINT k_n2 CHECK ((n2 < 5)));`); err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog()
	tb := cat.Table(schema.QName{Schema: "public", Name: "k"})
	for _, tc := range []struct {
		col, checks string
		unclear     []string
	}{
		{"n", "k_n", nil},
		{"n2", "k_n2", nil},
		{"n3", "", nil}, // no bound: no range
		{"tx", "", []string{"k_tx"}},
		{"tp", "", nil},
		{"tn", "", nil},
	} {
		c := NewColumn(cat, tb, tb.Column(tc.col))
		checks := ""
		if c.Range != nil {
			checks = c.Range.Checks
		}
		if checks != tc.checks || !slices.Equal(c.Unclear, tc.unclear) {
			t.Errorf("%s: range of %q, unclear %v; want %q, %v", tc.col, checks, c.Unclear, tc.checks, tc.unclear)
		}
	}
}
