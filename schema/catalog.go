package schema

import "slices"

// Catalog is the schema model of one database.
type Catalog struct {
	Tables    []*Table // in definition order
	Enums     map[QName]*Enum
	Domains   map[QName]*Domain
	Sequences map[QName]*Sequence

	byName map[QName]*Table
}

// Table is an ordinary, partitioned or unlogged table.
type Table struct {
	Name        QName
	Columns     []*Column
	Parent      *QName // partition parent or (first) inheritance parent
	Partitioned bool   // has PARTITION BY
	PrimaryKey  *Key
	Uniques     []*Key // UNIQUE constraints and unique indexes
	ForeignKeys []*ForeignKey
	Checks      []*Check     // every CHECK constraint of the table
	Exclusions  []*Exclusion // EXCLUDE constraints

	inherits []QName // CREATE TABLE … INHERITS / PARTITION OF, in order
}

// Column returns the named column, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Column is one table column.
type Column struct {
	Name      string
	Type      Type
	NotNull   bool   // NOT NULL, primary key or identity
	Generated bool   // GENERATED ALWAYS AS (…) STORED: not in COPY data
	Identity  byte   // 'a' (ALWAYS), 'd' (BY DEFAULT) or 0
	Default   string // default expression as SQL text, "" if none
	Sequence  *QName // sequence feeding the column: OWNED BY, identity, serial or DEFAULT nextval(…)
	// Checks are the table's CHECKs whose expression references this column
	// and no other (wherever they were declared); they are also in Table.Checks.
	Checks []*Check

	local       bool // defined by the table itself, not (only) inherited
	inh         int  // how many parents the column comes from
	seqInferred bool // Sequence was inferred from the sequence's OWNED BY
}

// Key is a primary key, UNIQUE constraint or unique index.
type Key struct {
	Name string
	// Columns are the columns taking part in the key: its plain and folded
	// columns, and the columns its expressions read.
	Columns []string
	Parts   []KeyPart // the key's elements, in order
	Partial bool      // unique index with a WHERE clause: unique only among matching rows
	// NullsNotDistinct is UNIQUE NULLS NOT DISTINCT: NULLs count as equal,
	// so at most one row may have NULL (in every nullable part).
	NullsNotDistinct bool

	where []string // columns the WHERE clause of a partial index reads
}

// KeyPart is one element of a key: a column as stored (Column), a column
// folded to one case (Column and Fold: lower(email)), or any other
// expression (Expr, Column "").
type KeyPart struct {
	Column string
	Fold   Fold
	Expr   string // as PostgreSQL's deparser prints it
}

// Fold is a case folding a key applies to a text column.
type Fold uint8

const (
	NoFold    Fold = iota
	FoldLower      // lower(column)
	FoldUpper      // upper(column)
)

// Exclusion is an EXCLUDE constraint.
type Exclusion struct {
	Name    string
	Columns []string // the columns its elements read
}

// ForeignKey is a FOREIGN KEY constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   QName
	RefColumns []string // the referenced table's primary key when the DDL names none

	key    string // the referenced key, which the foreign key depends on
	cloned bool   // copied from a partitioned parent by Builder.Catalog
}

// Check is a CHECK constraint of a table or domain.
type Check struct {
	Name string
	Expr string // the expression as SQL text, as PostgreSQL's deparser prints it (VALUE becomes value)
	// Column, Op and Pattern are set when the whole check is one regular
	// expression match of a single column (Column "VALUE" for a domain),
	// casts allowed: CHECK (((ssn)::text ~ '^[0-9]{3}$'::text)).
	Column  string
	Op      string // "~" or "~*"
	Pattern string

	refs      []string // columns the expression references
	local     bool     // declared on the table itself, not only inherited
	noInherit bool     // NO INHERIT: children do not get it
}

// References lists the distinct columns the check's expression references.
func (c *Check) References() []string { return slices.Clone(c.refs) }

// Enum is an enum type with its labels in sort order.
type Enum struct {
	Name   QName
	Labels []string
}

// Domain is a domain over a base type (which may itself be a domain).
type Domain struct {
	Name    QName
	Base    Type
	NotNull bool
	Checks  []*Check
}

// Sequence is a sequence with PostgreSQL's defaults filled in.
type Sequence struct {
	Name                       QName
	Type                       Type // int2, int4 or int8
	Start, Increment, Min, Max int64
	OwnedBy                    *ColumnRef

	ownerInferred bool // OwnedBy was inferred by Builder.Catalog, not declared
}

// ColumnRef names a column of a table.
type ColumnRef struct {
	Table  QName
	Column string
}

// FKRef is a foreign key together with the table that declares it.
type FKRef struct {
	Table *Table
	FK    *ForeignKey
}

// Table returns the named table, or nil.
func (c *Catalog) Table(q QName) *Table {
	if c.byName != nil {
		return c.byName[q]
	}
	for _, t := range c.Tables {
		if t.Name == q {
			return t
		}
	}
	return nil
}

// Partitions returns the direct children of q (partitions and inheritance
// children) in definition order.
func (c *Catalog) Partitions(q QName) []*Table {
	var out []*Table
	for _, t := range c.Tables {
		if t.Parent != nil && *t.Parent == q {
			out = append(out, t)
		}
	}
	return out
}

// Referencing returns the foreign keys that reference q, including q's own
// self-references.
func (c *Catalog) Referencing(q QName) []*FKRef {
	var out []*FKRef
	for _, t := range c.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefTable == q {
				out = append(out, &FKRef{Table: t, FK: fk})
			}
		}
	}
	return out
}

// ResolveType follows domains down to the underlying type. It returns that
// base type (array dimensions of the domain uses added) and the domains
// passed through, outermost first, so callers see every domain CHECK and the
// base type's modifiers. A type that is not a domain comes back unchanged.
func (c *Catalog) ResolveType(t Type) (base Type, domains []*Domain) {
	for {
		d := c.Domains[QName{t.Schema, t.Name}]
		if d == nil || len(domains) > len(c.Domains) { // the bound stops a cycle
			return t, domains
		}
		domains = append(domains, d)
		dims := t.ArrayDims
		t = d.Base
		t.ArrayDims += dims
	}
}
