package masking

import (
	"regexp"
	"slices"

	"github.com/understudy-db/understudy/schema"
)

// Category is the family of values a column holds, as maskers see it.
type Category uint8

const (
	CatOther Category = iota
	CatText
	CatInt
	CatNumeric
	CatFloat
	CatBool
	CatDate
	CatTimestamp
	CatTimestampTZ
	CatUUID
	CatInet
	CatCidr
	CatBytea
	CatJSON
	CatEnum
	CatXML
)

var categoryNames = [...]string{CatOther: "other", CatText: "text", CatInt: "integer", CatNumeric: "numeric",
	CatFloat: "floating point", CatBool: "boolean", CatDate: "date", CatTimestamp: "timestamp",
	CatTimestampTZ: "timestamptz", CatUUID: "uuid", CatInet: "inet", CatCidr: "cidr", CatBytea: "bytea",
	CatJSON: "json", CatEnum: "enum", CatXML: "xml"}

func (c Category) String() string { return categoryNames[c] }

// Numeric is set for integers, numerics and floating-point numbers.
func (c Category) Numeric() bool { return c == CatInt || c == CatNumeric || c == CatFloat }

var builtinCategory = map[string]Category{
	"text": CatText, "varchar": CatText, "bpchar": CatText, "name": CatText, "citext": CatText, "char": CatText,
	"int2": CatInt, "int4": CatInt, "int8": CatInt,
	"numeric": CatNumeric, "money": CatNumeric,
	"float4": CatFloat, "float8": CatFloat,
	"bool":      CatBool,
	"date":      CatDate,
	"timestamp": CatTimestamp, "timestamptz": CatTimestampTZ,
	"uuid": CatUUID,
	"inet": CatInet, "cidr": CatCidr,
	"bytea": CatBytea,
	"json":  CatJSON, "jsonb": CatJSON,
	"xml": CatXML,
}

// Column is what a masker knows about the column it fills.
type Column struct {
	Table string // schema-qualified table name, for messages
	Name  string
	// Type is the declared type; Base is the type under any domains.
	Type, Base schema.Type
	Category   Category
	// Array is set when values are arrays whose elements are of Category.
	Array bool
	// MaxChars is the length limit of varchar(n) and char(n), 0 if none.
	MaxChars int
	// IntMin and IntMax bound integer columns.
	IntMin, IntMax int64
	// Precision and Scale of numeric(p,s); Precision 0 means unconstrained.
	Precision, Scale int
	// Labels of an enum column.
	Labels []string
	// NotNull is set for NOT NULL columns (and domains).
	NotNull bool
	// Unique is set when the column alone is a primary key, UNIQUE
	// constraint or unique index (partial ones aside). A column that is one
	// of several in a composite key is not: other columns tell its rows
	// apart, and the run's collision guard checks the key as a whole.
	Unique bool
	// Checks are the regular-expression CHECKs of the column and its domains
	// that masked values are verified against.
	Checks []Check
	// Range is what the numeric CHECKs of the column and its domains allow
	// (nil: no bound). Unclear names the CHECKs masked values may break:
	// on numbers those that state something other than a range, on other
	// types those that are not a pattern verified by Checks.
	Range   *Range
	Unclear []string
}

// Check is a regular-expression CHECK a value must match.
type Check struct {
	Name string
	Re   *regexp.Regexp
}

// NewColumn describes column col of table t for the maskers.
func NewColumn(cat *schema.Catalog, t *schema.Table, col *schema.Column) *Column {
	c := &Column{Table: t.Name.String(), Name: col.Name, Type: col.Type, NotNull: col.NotNull}
	base, domains := cat.ResolveType(col.Type)
	for _, d := range domains {
		c.NotNull = c.NotNull || d.NotNull
	}
	c.Base = base
	c.Array = base.ArrayDims > 0
	c.Category = builtinCategory[base.Name]
	if base.Schema != "pg_catalog" {
		c.Category = CatOther
		if en := cat.Enums[schema.QName{Schema: base.Schema, Name: base.Name}]; en != nil {
			c.Category = CatEnum
			c.Labels = en.Labels
		} else if base.Name == "citext" {
			c.Category = CatText
		}
	}
	switch base.Name {
	case "varchar", "bpchar":
		if len(base.Mods) > 0 {
			c.MaxChars = int(base.Mods[0])
		} else if base.Name == "bpchar" {
			c.MaxChars = 1 // char without a length is char(1)
		}
	case "char":
		c.MaxChars = 1
	case "int2":
		c.IntMin, c.IntMax = -1<<15, 1<<15-1
	case "int4":
		c.IntMin, c.IntMax = -1<<31, 1<<31-1
	case "int8":
		c.IntMin, c.IntMax = -1<<63, 1<<63-1
	case "numeric":
		if len(base.Mods) > 0 {
			c.Precision = int(base.Mods[0])
		}
		if len(base.Mods) > 1 {
			c.Scale = int(base.Mods[1])
		}
	}
	addCheck := func(ch *schema.Check) {
		if ch.Pattern == "" {
			return
		}
		pat := ch.Pattern
		if ch.Op == "~*" {
			pat = "(?i)" + pat
		}
		// PostgreSQL's regex dialect is close to RE2 for the patterns used in
		// CHECKs; one that does not compile cannot be verified.
		if re, err := regexp.Compile(pat); err == nil {
			c.Checks = append(c.Checks, Check{Name: ch.Name, Re: re})
		} else {
			c.Unclear = append(c.Unclear, ch.Name)
		}
	}
	for _, d := range domains {
		for _, ch := range d.Checks {
			addCheck(ch)
		}
	}
	for _, ch := range col.Checks {
		if ch.Column == col.Name {
			addCheck(ch)
		}
	}
	switch {
	case c.Category.Numeric():
		dchecks := domainChecks(domains)
		// A table CHECK over this column and others (a > 0 AND b > 0,
		// lo <= hi) binds it too: read its side, or report it unclear.
		checks := slices.Clone(col.Checks)
		for _, ch := range t.Checks {
			// Only where it reads values: one that tests NULLs holds anyway.
			if len(ch.References()) > 1 && slices.Contains(ch.ValueRefs(), col.Name) {
				checks = append(checks, ch)
			}
		}
		var unclear []string
		c.Range, unclear = columnRange(col.Name, dchecks, checks)
		c.Unclear = append(c.Unclear, unclear...)
	default:
		// Only patterns are verified on other types: any other CHECK that
		// reads the value (x <> upper(x), d > '2000-01-01') may fail at load.
		for _, ch := range slices.Concat(domainChecks(domains), col.Checks) {
			if ch.Pattern == "" && len(ch.ValueRefs()) > 0 {
				c.Unclear = append(c.Unclear, ch.Name)
			}
		}
	}
	c.Unique = isUnique(t, col.Name)
	return c
}

// domainChecks are the CHECKs of a column's domains.
func domainChecks(domains []*schema.Domain) []*schema.Check {
	var out []*schema.Check
	for _, d := range domains {
		out = append(out, d.Checks...)
	}
	return out
}

func isUnique(t *schema.Table, col string) bool {
	keys := t.Uniques
	if t.PrimaryKey != nil {
		keys = append([]*schema.Key{t.PrimaryKey}, keys...)
	}
	for _, k := range keys {
		if !k.Partial && len(k.Columns) == 1 && k.Columns[0] == col {
			return true
		}
	}
	return false
}

// TypeName describes the column's type for messages: "character varying(20)".
func (c *Column) TypeName() string { return c.Type.String() }

// IsText reports whether the column holds text (of any length).
func (c *Column) IsText() bool { return c.Category == CatText }
