package schema

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

func (b *Builder) createTable(s *pg_query.CreateStmt) error {
	if s.Relation == nil || s.Relation.Relpersistence == "t" {
		return nil // temporary tables are not part of the database
	}
	t := &Table{Name: b.relName(s.Relation), Partitioned: s.Partspec != nil}
	old := b.cat.byName[t.Name]
	if old != nil && s.IfNotExists {
		return nil
	}
	for _, e := range s.TableElts {
		if cd := e.GetColumnDef(); cd != nil {
			if err := b.addColumn(t, cd); err != nil {
				return err
			}
		} else if like := e.GetTableLikeClause(); like != nil {
			b.copyColumns(t, like)
		}
	}
	for _, n := range s.InhRelations {
		if rv := n.GetRangeVar(); rv != nil {
			t.inherits = append(t.inherits, b.relName(rv))
		}
	}
	if len(t.inherits) > 0 {
		parent := t.inherits[0]
		t.Parent = &parent
		b.inheritColumns(t)
	}
	for _, e := range s.TableElts {
		if c := e.GetConstraint(); c != nil {
			if err := b.constraint(t, c, ""); err != nil {
				return err
			}
		}
	}
	if old != nil { // a script that dropped and re-created it: the new one wins, in place
		b.cat.Tables[slices.Index(b.cat.Tables, old)] = t
	} else {
		b.cat.Tables = append(b.cat.Tables, t)
	}
	b.cat.byName[t.Name] = t
	return nil
}

// copyColumns handles LIKE other: names, types and NOT NULL always, defaults
// and generation expressions when INCLUDING asks for them.
func (b *Builder) copyColumns(t *Table, like *pg_query.TableLikeClause) {
	src := b.cat.byName[b.relName(like.Relation)]
	if src == nil {
		return
	}
	const includingDefaults, includingGenerated = 1 << 3, 1 << 4 // CREATE_TABLE_LIKE_* bits
	for _, c := range src.Columns {
		col := &Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull}
		if c.Generated && like.Options&includingGenerated != 0 {
			col.Generated = true
		}
		if !c.Generated && c.Identity == 0 && like.Options&includingDefaults != 0 {
			col.Default, col.Sequence = c.Default, c.Sequence
		}
		t.Columns = append(t.Columns, col)
	}
}

// inheritColumns puts the parents' columns first, as PostgreSQL does for
// INHERITS and PARTITION OF, merging the child's own definitions of the same
// names into them, and copies the parents' CHECK constraints the child does
// not restate.
func (b *Builder) inheritColumns(t *Table) {
	own := t.Columns
	var cols []*Column
	seen := map[string]bool{}
	var checks []*Check
	for _, pq := range t.inherits {
		p := b.cat.byName[pq]
		if p == nil {
			continue
		}
		for _, pc := range p.Columns {
			if seen[pc.Name] {
				continue
			}
			seen[pc.Name] = true
			i := slices.IndexFunc(own, func(c *Column) bool { return c.Name == pc.Name })
			if i < 0 {
				c := *pc
				c.Checks = nil // relinked below with the copied checks
				cols = append(cols, &c)
				continue
			}
			c := own[i]
			if c.Type.Name == "" { // PARTITION OF … (col WITH OPTIONS …) names no type
				c.Type = pc.Type
			}
			c.NotNull = c.NotNull || pc.NotNull
			if c.Default == "" && !c.Generated {
				c.Default, c.Sequence = pc.Default, pc.Sequence
			}
			c.Generated = c.Generated || pc.Generated
			cols = append(cols, c)
		}
		checks = append(checks, p.Checks...)
	}
	for _, c := range own {
		if !seen[c.Name] {
			cols = append(cols, c)
		}
	}
	t.Columns = cols
	for _, chk := range checks {
		if slices.ContainsFunc(t.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
			continue // the child restates it; PostgreSQL merges the two
		}
		cp := *chk
		b.addCheck(t, &cp)
	}
}

// addColumn adds a column definition with its column constraints.
func (b *Builder) addColumn(t *Table, cd *pg_query.ColumnDef) error {
	if t.Column(cd.Colname) != nil {
		return nil // ADD COLUMN IF NOT EXISTS, or a duplicate PostgreSQL would reject
	}
	col := &Column{Name: cd.Colname, NotNull: cd.IsNotNull}
	t.Columns = append(t.Columns, col)
	if cd.TypeName != nil {
		var serial bool
		col.Type, serial = b.typeOf(cd.TypeName)
		if serial {
			b.serial(t, col)
		}
	}
	for _, n := range cd.Constraints {
		c := n.GetConstraint()
		switch c.GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_DEFAULT:
			if err := b.setDefault(col, c.RawExpr); err != nil {
				return err
			}
		case pg_query.ConstrType_CONSTR_IDENTITY:
			b.identity(t, col, c)
		case pg_query.ConstrType_CONSTR_GENERATED:
			col.Generated = true
		default:
			if err := b.constraint(t, c, col.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Builder) setDefault(col *Column, expr *pg_query.Node) error {
	text, err := exprText(expr)
	if err != nil {
		return err
	}
	col.Default = text
	if q, ok := b.nextvalTarget(expr); ok {
		col.Sequence = &q
	}
	return nil
}

// serial expands serial/bigserial/smallserial: NOT NULL, a nextval default
// and an owned sequence named table_column_seq.
func (b *Builder) serial(t *Table, col *Column) {
	seq := b.defineSequence(QName{t.Name.Schema, objectName(t.Name.Name, col.Name, "seq")}, col.Type, nil)
	seq.OwnedBy = &ColumnRef{Table: t.Name, Column: col.Name}
	name := seq.Name
	col.NotNull = true
	col.Default = "nextval(" + quoteLiteral(name.String()) + "::regclass)"
	col.Sequence = &name
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// identity handles GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY, inline or added
// by ALTER TABLE (pg_dump's form, which names the sequence).
func (b *Builder) identity(t *Table, col *Column, c *pg_query.Constraint) {
	if col == nil || c == nil || c.GeneratedWhen == "" {
		return
	}
	col.Identity = c.GeneratedWhen[0]
	col.NotNull = true
	name := QName{t.Name.Schema, objectName(t.Name.Name, col.Name, "seq")}
	for _, o := range c.Options {
		if d := o.GetDefElem(); d.GetDefname() == "sequence_name" {
			name = b.qualify(strs(d.Arg.GetList().GetItems()))
		}
	}
	typ := col.Type
	if !typ.IsBuiltin("int2") && !typ.IsBuiltin("int4") {
		typ = Type{Schema: "pg_catalog", Name: "int8"}
	}
	seq := b.defineSequence(name, typ, c.Options)
	seq.OwnedBy = &ColumnRef{Table: t.Name, Column: col.Name}
	col.Sequence = &name
}

// constraint adds a PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK constraint;
// column is set for a column constraint, whose key is that column.
func (b *Builder) constraint(t *Table, c *pg_query.Constraint, column string) error {
	cols := func(nodes []*pg_query.Node) []string {
		if column != "" && len(nodes) == 0 {
			return []string{column}
		}
		return strs(nodes)
	}
	switch c.GetContype() {
	case pg_query.ConstrType_CONSTR_PRIMARY:
		if k := b.key(t, c, cols(c.Keys), "pkey"); k != nil {
			t.PrimaryKey = k
			for _, name := range k.Columns {
				if col := t.Column(name); col != nil {
					col.NotNull = true
				}
			}
		}
	case pg_query.ConstrType_CONSTR_UNIQUE:
		if k := b.key(t, c, cols(c.Keys), "key"); k != nil {
			t.Uniques = append(t.Uniques, k)
		}
	case pg_query.ConstrType_CONSTR_FOREIGN:
		fk := &ForeignKey{
			Name:       c.Conname,
			Columns:    cols(c.FkAttrs),
			RefTable:   b.relName(c.Pktable),
			RefColumns: strs(c.PkAttrs),
		}
		if fk.Name == "" {
			fk.Name = freeName(constraintNames(t), t.Name.Name, strings.Join(fk.Columns, "_"), "fkey")
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
	case pg_query.ConstrType_CONSTR_CHECK:
		chk, err := b.check(c, false)
		if err != nil {
			return err
		}
		if chk.Name == "" { // named after the first column the expression uses
			first := ""
			if len(chk.refs) > 0 {
				first = chk.refs[0]
			}
			chk.Name = freeName(constraintNames(t), t.Name.Name, first, "check")
		}
		b.addCheck(t, chk)
	}
	return nil
}

// key builds a primary or unique key; with USING INDEX it takes over the
// named unique index, which PostgreSQL renames to the constraint.
func (b *Builder) key(t *Table, c *pg_query.Constraint, cols []string, label string) *Key {
	k := &Key{Name: c.Conname, Columns: cols}
	if c.Indexname != "" {
		iq := QName{t.Name.Schema, c.Indexname}
		idx, ok := b.indexes[iq]
		if !ok || idx.table != t {
			return nil
		}
		delete(b.indexes, iq)
		t.Uniques = slices.DeleteFunc(t.Uniques, func(u *Key) bool { return u == idx.key })
		k.Columns = idx.key.Columns
		if k.Name == "" {
			k.Name = c.Indexname
		}
	}
	if k.Name == "" {
		cols := strings.Join(k.Columns, "_")
		if label == "pkey" {
			cols = ""
		}
		k.Name = freeName(constraintNames(t), t.Name.Name, cols, label)
	}
	return k
}

// constraintNames are the names t's keys and constraints already use.
func constraintNames(t *Table) map[string]bool {
	taken := map[string]bool{}
	if t.PrimaryKey != nil {
		taken[t.PrimaryKey.Name] = true
	}
	for _, k := range t.Uniques {
		taken[k.Name] = true
	}
	for _, fk := range t.ForeignKeys {
		taken[fk.Name] = true
	}
	for _, c := range t.Checks {
		taken[c.Name] = true
	}
	return taken
}

// addCheck records a table CHECK, and on its column too when the expression
// references that one column only.
func (b *Builder) addCheck(t *Table, chk *Check) {
	t.Checks = append(t.Checks, chk)
	if len(chk.refs) == 1 {
		if col := t.Column(chk.refs[0]); col != nil {
			col.Checks = append(col.Checks, chk)
		}
	}
}

// createIndex records CREATE UNIQUE INDEX on plain columns; indexes on
// expressions say nothing about a column's values and are skipped.
func (b *Builder) createIndex(s *pg_query.IndexStmt) {
	if !s.Unique {
		return
	}
	t := b.cat.byName[b.relName(s.Relation)]
	if t == nil {
		return // e.g. an index on a materialized view
	}
	var cols []string
	for _, p := range s.IndexParams {
		e := p.GetIndexElem()
		if e.GetName() == "" {
			return
		}
		cols = append(cols, e.Name)
	}
	k := &Key{Name: s.Idxname, Columns: cols, Partial: s.WhereClause != nil}
	if k.Name == "" {
		k.Name = freeName(constraintNames(t), t.Name.Name, strings.Join(cols, "_"), "idx")
	}
	t.Uniques = append(t.Uniques, k)
	b.indexes[QName{t.Name.Schema, k.Name}] = uniqueIndex{table: t, key: k}
}

func (b *Builder) alterTable(s *pg_query.AlterTableStmt) error {
	if s.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return nil
	}
	t := b.cat.byName[b.relName(s.Relation)]
	if t == nil {
		return nil // a view, sequence or foreign table pg_dump alters with ALTER TABLE
	}
	for _, n := range s.Cmds {
		cmd := n.GetAlterTableCmd()
		col := t.Column(cmd.GetName())
		switch cmd.GetSubtype() {
		case pg_query.AlterTableType_AT_AddColumn:
			if cd := cmd.Def.GetColumnDef(); cd != nil {
				if err := b.addColumn(t, cd); err != nil {
					return err
				}
			}
		case pg_query.AlterTableType_AT_ColumnDefault:
			if col == nil {
				continue
			}
			if cmd.Def == nil { // DROP DEFAULT
				col.Default = ""
			} else if err := b.setDefault(col, cmd.Def); err != nil {
				return err
			}
		case pg_query.AlterTableType_AT_SetNotNull:
			if col != nil {
				col.NotNull = true
			}
		case pg_query.AlterTableType_AT_DropNotNull:
			if col != nil {
				col.NotNull = false
			}
		case pg_query.AlterTableType_AT_AddIdentity:
			b.identity(t, col, cmd.Def.GetConstraint())
		case pg_query.AlterTableType_AT_AddConstraint:
			if c := cmd.Def.GetConstraint(); c != nil {
				if err := b.constraint(t, c, ""); err != nil {
					return err
				}
			}
		case pg_query.AlterTableType_AT_AttachPartition:
			if child := b.cat.byName[b.relName(cmd.Def.GetPartitionCmd().GetName())]; child != nil {
				parent := t.Name
				child.Parent = &parent
			}
		}
	}
	return nil
}

// seqOptions are the options a CREATE/ALTER SEQUENCE (or identity) states;
// nil means not given.
type seqOptions struct {
	as                         *Type
	start, inc, minVal, maxVal *int64
	ownedBy                    []string
}

func parseSeqOptions(opts []*pg_query.Node) seqOptions {
	var o seqOptions
	for _, n := range opts {
		d := n.GetDefElem()
		switch d.GetDefname() {
		case "as":
			if names := strs(d.Arg.GetTypeName().GetNames()); len(names) > 0 {
				o.as = &Type{Schema: "pg_catalog", Name: names[len(names)-1]}
			}
		case "start":
			o.start = intValue(d.Arg)
		case "increment":
			o.inc = intValue(d.Arg)
		case "minvalue":
			o.minVal = intValue(d.Arg)
		case "maxvalue":
			o.maxVal = intValue(d.Arg)
		case "owned_by":
			o.ownedBy = strs(d.Arg.GetList().GetItems())
		}
	}
	return o
}

// intValue reads a numeric option: Integer for 32-bit values, Float (as
// text) for larger ones; nil for NO MINVALUE and the like.
func intValue(n *pg_query.Node) *int64 {
	switch {
	case n.GetInteger() != nil:
		v := int64(n.GetInteger().Ival)
		return &v
	case n.GetFloat() != nil:
		if v, err := strconv.ParseInt(n.GetFloat().Fval, 10, 64); err == nil {
			return &v
		}
	}
	return nil
}

// defineSequence creates a sequence with PostgreSQL's defaults for what the
// options leave out: bigint, increment 1, bounds from the type and the
// direction, start at the bound the sequence counts away from.
func (b *Builder) defineSequence(name QName, typ Type, opts []*pg_query.Node) *Sequence {
	o := parseSeqOptions(opts)
	if o.as != nil {
		typ = *o.as
	}
	s := &Sequence{Name: name, Type: typ, Increment: 1}
	if o.inc != nil && *o.inc != 0 {
		s.Increment = *o.inc
	}
	lo, hi := intRange(typ)
	if s.Increment > 0 {
		s.Min, s.Max = 1, hi
	} else {
		s.Min, s.Max = lo, -1
	}
	s.Min = deref(o.minVal, s.Min)
	s.Max = deref(o.maxVal, s.Max)
	if s.Increment > 0 {
		s.Start = deref(o.start, s.Min)
	} else {
		s.Start = deref(o.start, s.Max)
	}
	b.setOwner(s, o.ownedBy)
	b.cat.Sequences[name] = s
	return s
}

func deref(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// applySeqOptions applies what an ALTER SEQUENCE states.
func (b *Builder) applySeqOptions(s *Sequence, o seqOptions) {
	if o.as != nil {
		s.Type = *o.as
	}
	s.Start = deref(o.start, s.Start)
	if o.inc != nil && *o.inc != 0 {
		s.Increment = *o.inc
	}
	s.Min = deref(o.minVal, s.Min)
	s.Max = deref(o.maxVal, s.Max)
	b.setOwner(s, o.ownedBy)
}

// setOwner applies OWNED BY table.column (or NONE); nil leaves it alone.
func (b *Builder) setOwner(s *Sequence, ownedBy []string) {
	switch {
	case len(ownedBy) == 1: // OWNED BY NONE
		s.OwnedBy = nil
	case len(ownedBy) >= 2:
		tbl := b.qualify(ownedBy[:len(ownedBy)-1])
		s.OwnedBy = &ColumnRef{Table: tbl, Column: ownedBy[len(ownedBy)-1]}
	}
}
