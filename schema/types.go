package schema

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Type is a column, domain or sequence type.
type Type struct {
	Schema    string  // "pg_catalog" for built-in types
	Name      string  // internal name (int4, varchar, bpchar, timestamptz …); user types by their own name
	Mods      []int32 // type modifiers as written: varchar(20) → [20], numeric(10,2) → [10 2]; nil if none
	ArrayDims int     // text[] → 1
}

// IsBuiltin reports whether t is the pg_catalog type with the internal name.
func (t Type) IsBuiltin(name string) bool { return t.Schema == "pg_catalog" && t.Name == name }

// Equal reports whether t and u are the same type (Type holds a slice, so
// == does not compile).
func (t Type) Equal(u Type) bool {
	return t.Schema == u.Schema && t.Name == u.Name && t.ArrayDims == u.ArrayDims && slices.Equal(t.Mods, u.Mods)
}

// sqlNames are the SQL spellings format_type uses for built-ins whose internal
// name differs.
var sqlNames = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint",
	"float4": "real", "float8": "double precision", "bool": "boolean",
	"varchar": "character varying", "bpchar": "character", "varbit": "bit varying",
	"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
	"time": "time without time zone", "timetz": "time with time zone",
	"char": `"char"`,
}

// String gives a readable SQL form: "character varying(20)", "integer",
// "text[]", "timestamp(3) with time zone", "public.mood".
func (t Type) String() string {
	var mods string
	if len(t.Mods) > 0 {
		s := make([]string, len(t.Mods))
		for i, m := range t.Mods {
			s[i] = strconv.Itoa(int(m))
		}
		mods = "(" + strings.Join(s, ",") + ")"
	}
	var base string
	switch {
	case t.Schema != "pg_catalog":
		base = QName{t.Schema, t.Name}.String() + mods
	case t.Name == "timestamp" || t.Name == "timestamptz" || t.Name == "time" || t.Name == "timetz":
		// The precision goes between the name and the time zone words.
		word, zone, _ := strings.Cut(sqlNames[t.Name], " ")
		base = word + mods + " " + zone
	default:
		// Built-in names print bare even when they are keywords (numeric,
		// interval, bit); "char" is the one format_type quotes.
		name, ok := sqlNames[t.Name]
		if !ok {
			name = t.Name
		}
		base = name + mods
	}
	return base + strings.Repeat("[]", t.ArrayDims)
}

// builtinTypes are pg_catalog types that DDL may name unqualified; pg_catalog
// is always searched first, so these never resolve to a user schema. SQL
// spellings such as integer or character varying are keywords the grammar
// already turns into pg_catalog.int4 and pg_catalog.varchar.
var builtinTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`bool bytea char name int2 int4 int8 text oid
		tid xid xid8 cid json jsonb jsonpath xml float4 float8 money numeric
		bpchar varchar date time timetz timestamp timestamptz interval bit varbit
		uuid inet cidr macaddr macaddr8 point lseg path box polygon line circle
		tsvector tsquery pg_lsn pg_snapshot txid_snapshot regclass regtype
		regproc regprocedure regoper regoperator regrole regnamespace regconfig
		regdictionary regcollation int4range int8range numrange tsrange
		tstzrange daterange int4multirange int8multirange nummultirange
		tsmultirange tstzmultirange datemultirange refcursor aclitem int2vector
		oidvector record`) {
		m[n] = true
	}
	return m
}()

// serialTypes expand to an integer column fed by an owned sequence.
var serialTypes = map[string]string{
	"serial": "int4", "serial4": "int4",
	"bigserial": "int8", "serial8": "int8",
	"smallserial": "int2", "serial2": "int2",
}

// typeOf normalises a parsed type name; serial is true for serial types,
// which come back as their integer type. An unqualified name is looked up
// on the search path; one no schema has (an extension's type, say) is
// placed in the first schema of the path, where it most likely is.
func (b *Builder) typeOf(tn *pg_query.TypeName) (t Type, serial bool, err error) {
	names := strs(tn.GetNames())
	if len(names) == 0 {
		return Type{}, false, nil
	}
	name := names[len(names)-1]
	t.ArrayDims = len(tn.ArrayBounds)
	if len(names) == 1 && serialTypes[name] != "" && t.ArrayDims == 0 {
		return Type{Schema: "pg_catalog", Name: serialTypes[name]}, true, nil
	}
	q, err := b.findType(names)
	if err != nil {
		return Type{}, false, err
	}
	if q.Schema == "" {
		q.Schema = b.guessSchema()
	}
	t.Schema, t.Name = q.Schema, name
	for _, m := range tn.Typmods {
		if c := m.GetAConst(); c != nil && c.GetIval() != nil {
			t.Mods = append(t.Mods, c.GetIval().Ival)
		}
	}
	if t.IsBuiltin("interval") {
		// The grammar encodes interval field ranges (DAY TO SECOND …) as a
		// leading bitmask; only the fractional-second precision is a typmod
		// anyone writes.
		if len(t.Mods) == 2 {
			t.Mods = t.Mods[1:]
		} else {
			t.Mods = nil
		}
	}
	return t, false, nil
}

// guessSchema is the first existing schema of the search path, "" if none.
func (b *Builder) guessSchema() string {
	exp, _ := b.explicitPath("")
	for _, e := range exp {
		if !e.anyUser {
			return e.schema
		}
	}
	return ""
}

// intRange gives the value range of the integer types sequences may use.
func intRange(t Type) (lo, hi int64) {
	switch {
	case t.IsBuiltin("int2"):
		return -1 << 15, 1<<15 - 1
	case t.IsBuiltin("int4"):
		return -1 << 31, 1<<31 - 1
	}
	return -1 << 63, 1<<63 - 1
}
