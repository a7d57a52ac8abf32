package schema

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// pending is a constraint to add once its table is in place: foreign keys
// and key indexes need the table to be found by name.
type pending struct {
	c      *pg_query.Constraint
	column string // set for a column constraint
}

func (b *Builder) createTable(s *pg_query.CreateStmt) error {
	if s.OfTypename != nil {
		return &UnsupportedError{Statement: "CREATE TABLE … OF", Reason: "a typed table takes its columns from a composite type, which the model does not describe"}
	}
	q, err := b.createName(s.Relation)
	if err != nil {
		return err
	}
	if b.rels[q] != 0 {
		if s.IfNotExists {
			return nil
		}
		return &ExistsError{Kind: "relation", Name: q.String()}
	}
	if q.Schema == "pg_temp" {
		// Temporary tables vanish with the session; only their name, which
		// hides other tables on the search path, matters.
		if err := b.addRel(q, relTable); err != nil {
			return err
		}
		if s.Oncommit == pg_query.OnCommitAction_ONCOMMIT_DROP {
			if b.tx == nil {
				b.dropNames(map[QName]bool{q: true})
			} else {
				b.tx.dropAtCommit = append(b.tx.dropAtCommit, q)
			}
		}
		return nil
	}
	t := &Table{Name: q, Partitioned: s.Partspec != nil}
	var cons []pending
	var likes []*pg_query.TableLikeClause
	for _, e := range s.TableElts {
		switch {
		case e.GetColumnDef() != nil:
			cd := e.GetColumnDef()
			if t.Column(cd.Colname) != nil {
				return &ExistsError{Kind: "column", Name: QuoteIdent(cd.Colname) + " of table " + q.String()}
			}
			p, err := b.addColumn(t, cd)
			if err != nil {
				return err
			}
			cons = append(cons, p...)
		case e.GetTableLikeClause() != nil:
			like := e.GetTableLikeClause()
			if err := b.copyColumns(t, like); err != nil {
				return err
			}
			likes = append(likes, like)
		case e.GetConstraint() != nil:
			cons = append(cons, pending{c: e.GetConstraint()})
		}
	}
	for _, n := range s.InhRelations {
		pq, kind, err := b.findRV(n.GetRangeVar())
		if err != nil {
			return err
		}
		if kind != relTable || b.cat.byName[pq] == nil {
			return &UnsupportedError{Statement: "CREATE TABLE", Reason: "parent " + pq.String() + " is not a table of the model"}
		}
		if b.cat.byName[pq].Partitioned != (s.Partbound != nil) {
			return &UnsupportedError{Statement: "CREATE TABLE", Reason: "PARTITION OF needs a partitioned parent and INHERITS a plain one"}
		}
		t.inherits = append(t.inherits, pq)
	}
	if len(t.inherits) > 0 {
		parent := t.inherits[0]
		t.Parent = &parent
		b.inheritColumns(t)
	}
	if err := b.addRel(q, relTable); err != nil {
		return err
	}
	b.cat.Tables = append(b.cat.Tables, t)
	b.cat.byName[q] = t
	for _, like := range likes {
		if err := b.copyConstraints(t, like); err != nil {
			return err
		}
	}
	return b.addConstraints(t, cons)
}

// addConstraints adds constraints in order, foreign keys last, as
// PostgreSQL does: they may reference keys defined alongside them.
func (b *Builder) addConstraints(t *Table, cons []pending) error {
	for _, fks := range []bool{false, true} {
		for _, p := range cons {
			if (p.c.GetContype() == pg_query.ConstrType_CONSTR_FOREIGN) != fks {
				continue
			}
			if err := b.constraint(t, p.c, p.column, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyColumns handles LIKE other: names, types and NOT NULL always, and
// defaults, generation expressions and identities when INCLUDING asks.
func (b *Builder) copyColumns(t *Table, like *pg_query.TableLikeClause) error {
	src, err := b.likeSource(like)
	if err != nil {
		return err
	}
	const includingDefaults, includingGenerated, includingIdentity = 1 << 3, 1 << 4, 1 << 5 // CREATE_TABLE_LIKE_* bits
	for _, c := range src.Columns {
		if t.Column(c.Name) != nil {
			return &ExistsError{Kind: "column", Name: QuoteIdent(c.Name) + " of table " + t.Name.String()}
		}
		col := &Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull, local: true}
		t.Columns = append(t.Columns, col)
		switch {
		case c.Generated && like.Options&includingGenerated != 0:
			col.Generated = true
		case c.Identity != 0 && like.Options&includingIdentity != 0:
			if err := b.identity(t, col, &pg_query.Constraint{GeneratedWhen: string(c.Identity)}); err != nil {
				return err
			}
		case !c.Generated && c.Identity == 0 && like.Options&includingDefaults != 0:
			col.Default, col.Sequence = c.Default, c.Sequence
			if col.Sequence != nil && c.seqInferred {
				col.Sequence = nil
			}
		}
	}
	return nil
}

// likeSource is the table a LIKE clause copies.
func (b *Builder) likeSource(like *pg_query.TableLikeClause) (*Table, error) {
	q, kind, err := b.findRV(like.Relation)
	if err != nil {
		return nil, err
	}
	if src := b.cat.byName[q]; src != nil {
		return src, nil
	}
	if kind == 0 {
		return nil, &ResolveError{Name: q.String(), Reason: "no such relation; CREATE TABLE … LIKE fails"}
	}
	return nil, &UnsupportedError{Statement: "CREATE TABLE … LIKE", Reason: q.String() + " is " + kind.String() + ", whose columns the model does not describe"}
}

// copyConstraints handles LIKE … INCLUDING CONSTRAINTS (checks, with their
// names) and INCLUDING INDEXES (keys and exclusion constraints, named
// afresh), once the new table is in place.
func (b *Builder) copyConstraints(t *Table, like *pg_query.TableLikeClause) error {
	const includingConstraints, includingIndexes = 1 << 2, 1 << 6
	src, err := b.likeSource(like)
	if err != nil {
		return err
	}
	if like.Options&includingConstraints != 0 {
		for _, chk := range src.Checks {
			cp := *chk
			cp.local = true
			b.addCheck(t, &cp)
		}
	}
	if like.Options&includingIndexes == 0 {
		return nil
	}
	for _, idx := range b.indexesOf(src.Name) {
		switch {
		case idx.key != nil:
			k := cloneKey(idx.key)
			k.Name = ""
			if err := b.addKey(t, k, idx.key == src.PrimaryKey, idx.constraint); err != nil {
				return err
			}
		case idx.excl != nil:
			if err := b.addExclusion(t, &Exclusion{Columns: slices.Clone(idx.excl.Columns)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// inheritColumns puts the parents' columns first, as PostgreSQL does for
// INHERITS and PARTITION OF, merging the child's own definitions of the same
// names into them, and copies the parents' inheritable CHECK constraints.
func (b *Builder) inheritColumns(t *Table) {
	own := t.Columns
	var cols []*Column
	byName := map[string]*Column{}
	for _, pq := range t.inherits {
		p := b.cat.byName[pq]
		for _, pc := range p.Columns {
			if c := byName[pc.Name]; c != nil {
				c.inh++
				continue
			}
			i := slices.IndexFunc(own, func(c *Column) bool { return c.Name == pc.Name })
			var c *Column
			if i < 0 {
				cp := *pc
				cp.Checks = nil // relinked below with the copied checks
				cp.local, cp.inh, cp.seqInferred = false, 1, false
				if cp.Sequence != nil && pc.seqInferred {
					cp.Sequence = nil
				}
				c = &cp
			} else {
				c = own[i]
				if c.Type.Name == "" { // PARTITION OF … (col WITH OPTIONS …) names no type
					c.Type = pc.Type
				}
				c.NotNull = c.NotNull || pc.NotNull
				if c.Default == "" && !c.Generated {
					c.Default, c.Sequence = pc.Default, pc.Sequence
				}
				c.Generated = c.Generated || pc.Generated
				c.inh = 1
				// PARTITION OF's WITH OPTIONS only adds options: a partition
				// has no columns of its own.
				c.local = !b.cat.byName[t.inherits[0]].Partitioned
			}
			byName[pc.Name] = c
			cols = append(cols, c)
		}
		for _, chk := range p.Checks {
			if chk.noInherit || slices.ContainsFunc(t.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
				continue
			}
			cp := *chk
			cp.local = false
			b.addCheck(t, &cp)
		}
	}
	for _, c := range own {
		if byName[c.Name] == nil {
			cols = append(cols, c)
		}
	}
	t.Columns = cols
}

// addColumn adds a column definition; its constraints other than NOT NULL,
// DEFAULT, identity and generation come back for the caller to add once the
// column is in place.
func (b *Builder) addColumn(t *Table, cd *pg_query.ColumnDef) ([]pending, error) {
	col := &Column{Name: cd.Colname, NotNull: cd.IsNotNull, local: true}
	t.Columns = append(t.Columns, col)
	if cd.TypeName != nil {
		var serial bool
		var err error
		if col.Type, serial, err = b.typeOf(cd.TypeName); err != nil {
			return nil, err
		}
		if serial {
			if err := b.serial(t, col); err != nil {
				return nil, err
			}
		}
	}
	var rest []pending
	for _, n := range cd.Constraints {
		c := n.GetConstraint()
		switch c.GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_DEFAULT:
			if err := b.setDefault(col, c.RawExpr); err != nil {
				return nil, err
			}
		case pg_query.ConstrType_CONSTR_IDENTITY:
			if err := b.identity(t, col, c); err != nil {
				return nil, err
			}
		case pg_query.ConstrType_CONSTR_GENERATED:
			col.Generated = true
		case pg_query.ConstrType_CONSTR_NULL, pg_query.ConstrType_CONSTR_ATTR_DEFERRABLE,
			pg_query.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE, pg_query.ConstrType_CONSTR_ATTR_DEFERRED,
			pg_query.ConstrType_CONSTR_ATTR_IMMEDIATE:
		default:
			rest = append(rest, pending{c: c, column: col.Name})
		}
	}
	return rest, nil
}

func (b *Builder) setDefault(col *Column, expr *pg_query.Node) error {
	text, err := exprText(expr)
	if err != nil {
		return err
	}
	seq, ok, err := b.nextvalTarget(expr)
	if err != nil {
		return err
	}
	col.Default, col.Sequence, col.seqInferred = text, nil, false
	if ok {
		col.Sequence = &seq
	}
	return nil
}

// serial expands serial/bigserial/smallserial: NOT NULL, a nextval default
// and an owned sequence named table_column_seq.
func (b *Builder) serial(t *Table, col *Column) error {
	name := QName{t.Name.Schema, b.freeRelName(t.Name.Schema, t.Name.Name, col.Name, "seq", nil)}
	seq, err := b.defineSequence(name, col.Type, nil)
	if err != nil {
		return err
	}
	seq.OwnedBy = &ColumnRef{Table: t.Name, Column: col.Name}
	col.NotNull = true
	col.Default = nextvalDefault(name)
	col.Sequence = &name
	return nil
}

// identity handles GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY, inline or added
// by ALTER TABLE (pg_dump's form, which names the sequence; an unqualified
// name is in the table's schema).
func (b *Builder) identity(t *Table, col *Column, c *pg_query.Constraint) error {
	if col == nil || c == nil || c.GeneratedWhen == "" {
		return nil
	}
	if col.Identity != 0 {
		return &UnsupportedError{Statement: "ADD GENERATED … AS IDENTITY", Reason: "column " + QuoteIdent(col.Name) + " is already an identity column"}
	}
	col.Identity = c.GeneratedWhen[0]
	col.NotNull = true
	var name QName
	for _, o := range c.Options {
		if d := o.GetDefElem(); d.GetDefname() == "sequence_name" {
			names := strs(d.Arg.GetList().GetItems())
			name = QName{qualifier(names), names[len(names)-1]}
		}
	}
	switch {
	case name.Name == "":
		name = QName{t.Name.Schema, b.freeRelName(t.Name.Schema, t.Name.Name, col.Name, "seq", nil)}
	case name.Schema == "":
		name.Schema = t.Name.Schema
	case name.Schema != t.Name.Schema:
		return &UnsupportedError{Statement: "GENERATED … AS IDENTITY", Reason: "sequence must be in same schema as table it is linked to"}
	}
	typ := col.Type
	if !typ.IsBuiltin("int2") && !typ.IsBuiltin("int4") {
		typ = Type{Schema: "pg_catalog", Name: "int8"}
	}
	seq, err := b.defineSequence(name, typ, c.Options)
	if err != nil {
		return err
	}
	seq.OwnedBy = &ColumnRef{Table: t.Name, Column: col.Name}
	col.Sequence, col.seqInferred = &name, false
	return nil
}

// constraint adds a PRIMARY KEY, UNIQUE, EXCLUDE, FOREIGN KEY or CHECK
// constraint; column is set for a column constraint, whose key is that
// column. A CHECK is also added to the descendants when recurse is set.
func (b *Builder) constraint(t *Table, c *pg_query.Constraint, column string, recurse bool) error {
	cols := func(nodes []*pg_query.Node) []string {
		if column != "" && len(nodes) == 0 {
			return []string{column}
		}
		return strs(nodes)
	}
	switch c.GetContype() {
	case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
		primary := c.Contype == pg_query.ConstrType_CONSTR_PRIMARY
		if c.Indexname != "" {
			return b.keyUsingIndex(t, c, primary)
		}
		k := &Key{Name: c.Conname, NullsNotDistinct: c.NullsNotDistinct}
		for _, col := range cols(c.Keys) {
			k.Columns = append(k.Columns, col)
			k.Parts = append(k.Parts, KeyPart{Column: col})
		}
		return b.addKey(t, k, primary, true)
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		ex := &Exclusion{Name: c.Conname}
		for _, item := range c.Exclusions {
			if l := item.GetList().GetItems(); len(l) > 0 {
				_, read, err := keyPart(l[0].GetIndexElem())
				if err != nil {
					return err
				}
				for _, col := range read {
					if !slices.Contains(ex.Columns, col) {
						ex.Columns = append(ex.Columns, col)
					}
				}
			}
		}
		return b.addExclusion(t, ex)
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return b.addForeignKey(t, c, cols(c.FkAttrs))
	case pg_query.ConstrType_CONSTR_CHECK:
		chk, err := b.check(c, false)
		if err != nil {
			return err
		}
		chk.local, chk.noInherit = true, c.IsNoInherit
		for _, col := range chk.refs {
			if t.Column(col) == nil {
				return &UnsupportedError{Statement: "CHECK", Reason: "column " + QuoteIdent(col) + " of table " + t.Name.String() + " does not exist"}
			}
		}
		if i := slices.IndexFunc(t.Checks, func(o *Check) bool { return o.Name == chk.Name }); i >= 0 && chk.Name != "" {
			if t.Checks[i].local {
				return &ExistsError{Kind: "constraint", Name: QuoteIdent(chk.Name) + " for relation " + t.Name.String()}
			}
			t.Checks[i].local = true // restates an inherited check: PostgreSQL merges the two
			return nil
		}
		if chk.Name == "" { // named after the first column the expression uses
			first := ""
			if len(chk.refs) > 0 {
				first = chk.refs[0]
			}
			chk.Name = freeName(b.constraintTaken(t.Name.Schema, nil), t.Name.Name, first, "check")
		}
		b.addCheck(t, chk)
		if recurse && !chk.noInherit {
			for _, d := range b.descendants(t.Name) {
				if !slices.ContainsFunc(d.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
					cp := *chk
					cp.local = false
					b.addCheck(d, &cp)
				}
			}
		}
	}
	return nil
}

// constraintTaken says whether a constraint name is used in schema s, or is
// one of extra: PostgreSQL picks names for unnamed constraints that are
// unique within their schema.
func (b *Builder) constraintTaken(s string, extra []string) func(string) bool {
	taken := map[string]bool{}
	for _, n := range extra {
		taken[n] = true
	}
	for _, t := range b.cat.Tables {
		if t.Name.Schema != s {
			continue
		}
		for n := range constraintNames(t) {
			taken[n] = true
		}
	}
	for q, d := range b.cat.Domains {
		if q.Schema == s {
			for _, chk := range d.Checks {
				taken[chk.Name] = true
			}
		}
	}
	return func(n string) bool { return taken[n] }
}

// freeRelName picks a name for an unnamed index, key or sequence, unused by
// relations of schema s and by constraints (unless constraints is nil).
func (b *Builder) freeRelName(s, name1, name2, label string, constraints func(string) bool) string {
	return freeName(func(n string) bool {
		return b.rels[QName{s, n}] != 0 || constraints != nil && constraints(n)
	}, name1, name2, label)
}

// constraintNames are the names t's constraints use.
func constraintNames(t *Table) map[string]bool {
	taken := map[string]bool{}
	if t.PrimaryKey != nil {
		taken[t.PrimaryKey.Name] = true
	}
	for _, k := range t.Uniques {
		taken[k.Name] = true
	}
	for _, e := range t.Exclusions {
		taken[e.Name] = true
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
	b.touch()
}

// addForeignKey adds a FOREIGN KEY, bound, as PostgreSQL binds it, to the
// referenced table's primary key or to the unique key on exactly the
// referenced columns.
func (b *Builder) addForeignKey(t *Table, c *pg_query.Constraint, cols []string) error {
	const stmt = "FOREIGN KEY"
	rq, kind, err := b.findRV(c.Pktable)
	if err != nil {
		return err
	}
	rt := b.cat.byName[rq]
	switch {
	case kind == 0:
		return &ResolveError{Name: rq.String(), Reason: "the referenced table does not exist"}
	case rt == nil:
		return &UnsupportedError{Statement: stmt, Reason: "the referenced relation " + rq.String() + " is " + kind.String() + ", not a table of the model"}
	}
	for _, col := range cols {
		if t.Column(col) == nil {
			return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(col) + " of table " + t.Name.String() + " does not exist"}
		}
	}
	fk := &ForeignKey{Name: c.Conname, Columns: cols, RefTable: rq, RefColumns: strs(c.PkAttrs)}
	var key *Key
	if len(fk.RefColumns) == 0 {
		if key = rt.PrimaryKey; key == nil {
			return &UnsupportedError{Statement: stmt, Reason: "there is no primary key for referenced table " + rq.String()}
		}
		fk.RefColumns = slices.Clone(key.Columns)
	} else {
		for _, k := range append([]*Key{rt.PrimaryKey}, rt.Uniques...) {
			if k != nil && !k.Partial && k.plain() && sameSet(k.Columns, fk.RefColumns) {
				key = k
				break
			}
		}
		if key == nil {
			return &UnsupportedError{Statement: stmt, Reason: "there is no unique constraint matching the referenced columns of " + rq.String()}
		}
	}
	if len(fk.Columns) != len(fk.RefColumns) {
		return &UnsupportedError{Statement: stmt, Reason: "the number of referencing and referenced columns differs"}
	}
	fk.key = key.Name
	if fk.Name == "" {
		fk.Name = freeName(b.constraintTaken(t.Name.Schema, nil), t.Name.Name, strings.Join(fk.Columns, "_"), "fkey")
	}
	t.ForeignKeys = append(t.ForeignKeys, fk)
	b.touch()
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// alteredTable resolves the table an ALTER statement names: nil for
// relations the model does not describe (views, sequences and foreign
// tables that pg_dump alters with ALTER TABLE, temporary tables), an error
// when no relation has the name.
func (b *Builder) alteredTable(rv *pg_query.RangeVar, missingOK bool, stmt string) (*Table, error) {
	q, kind, err := b.findRV(rv)
	switch {
	case err != nil:
		return nil, err
	case kind == 0 && missingOK:
		return nil, nil
	case kind == 0:
		return nil, &ResolveError{Name: q.String(), Reason: "no such relation; " + stmt + " fails"}
	}
	return b.cat.byName[q], nil
}

func (b *Builder) alterTable(s *pg_query.AlterTableStmt) error {
	switch s.Objtype {
	case pg_query.ObjectType_OBJECT_INDEX:
		return b.alterIndex(s)
	case pg_query.ObjectType_OBJECT_TABLE:
	default:
		return nil // ALTER VIEW, ALTER SEQUENCE, ALTER FOREIGN TABLE, ALTER TYPE … ATTRIBUTE
	}
	t, err := b.alteredTable(s.Relation, s.MissingOk, "ALTER TABLE")
	if t == nil || err != nil {
		return err
	}
	// Foreign keys go last, as in PostgreSQL, so they may reference keys
	// the same statement adds.
	for _, fks := range []bool{false, true} {
		for _, n := range s.Cmds {
			cmd := n.GetAlterTableCmd()
			isFK := cmd.GetSubtype() == pg_query.AlterTableType_AT_AddConstraint &&
				cmd.Def.GetConstraint().GetContype() == pg_query.ConstrType_CONSTR_FOREIGN
			if isFK != fks {
				continue
			}
			if err := b.alterCmd(t, cmd, s.Relation.Inh); err != nil {
				return err
			}
		}
	}
	return nil
}

// alterCmd applies one ALTER TABLE subcommand; recurse is false for ALTER
// TABLE ONLY.
func (b *Builder) alterCmd(t *Table, cmd *pg_query.AlterTableCmd, recurse bool) error {
	col := t.Column(cmd.Name)
	stmt := "ALTER TABLE " + t.Name.String()
	needCol := func() error {
		if col == nil {
			return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(cmd.Name) + " does not exist"}
		}
		return nil
	}
	// each applies f to the column in t and, unless ONLY, in its descendants.
	each := func(f func(*Column)) error {
		if err := needCol(); err != nil {
			return err
		}
		f(col)
		if recurse {
			for _, d := range b.descendants(t.Name) {
				if c := d.Column(cmd.Name); c != nil {
					f(c)
				}
			}
		}
		b.touch()
		return nil
	}
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddColumn:
		return b.addColumnCmd(t, cmd, recurse)
	case pg_query.AlterTableType_AT_DropColumn:
		if col == nil && cmd.MissingOk {
			return nil
		}
		if err := needCol(); err != nil {
			return err
		}
		return b.dropColumn(t, cmd.Name, cmd.Behavior == pg_query.DropBehavior_DROP_CASCADE, recurse, stmt+" DROP COLUMN")
	case pg_query.AlterTableType_AT_AlterColumnType:
		return b.alterColumnType(t, cmd, recurse)
	case pg_query.AlterTableType_AT_ColumnDefault:
		if cmd.Def == nil { // DROP DEFAULT
			return each(func(c *Column) { c.Default, c.Sequence, c.seqInferred = "", nil, false })
		}
		var err error
		if e := each(func(c *Column) {
			if err == nil {
				err = b.setDefault(c, cmd.Def)
			}
		}); e != nil {
			return e
		}
		return err
	case pg_query.AlterTableType_AT_SetNotNull:
		return each(func(c *Column) { c.NotNull = true })
	case pg_query.AlterTableType_AT_DropNotNull:
		return each(func(c *Column) { c.NotNull = false })
	case pg_query.AlterTableType_AT_DropExpression:
		// The column keeps its values and is an ordinary one from now on:
		// COPY data holds it.
		return each(func(c *Column) { c.Generated = false })
	case pg_query.AlterTableType_AT_AddIdentity:
		if err := needCol(); err != nil {
			return err
		}
		return b.identity(t, col, cmd.Def.GetConstraint())
	case pg_query.AlterTableType_AT_SetIdentity:
		if err := needCol(); err != nil {
			return err
		}
		return b.setIdentity(col, cmd.Def.GetList().GetItems())
	case pg_query.AlterTableType_AT_DropIdentity:
		if col != nil && col.Identity == 0 && cmd.MissingOk {
			return nil
		}
		if err := needCol(); err != nil {
			return err
		}
		if col.Identity == 0 {
			return &UnsupportedError{Statement: stmt + " DROP IDENTITY", Reason: "column " + QuoteIdent(col.Name) + " is not an identity column"}
		}
		seq := *col.Sequence
		col.Identity, col.Sequence = 0, nil
		b.dropNames(map[QName]bool{seq: true})
	case pg_query.AlterTableType_AT_AddConstraint:
		return b.constraint(t, cmd.Def.GetConstraint(), "", recurse)
	case pg_query.AlterTableType_AT_DropConstraint:
		return b.dropConstraint(t, cmd.Name, cmd.MissingOk, cmd.Behavior == pg_query.DropBehavior_DROP_CASCADE, recurse)
	case pg_query.AlterTableType_AT_AttachPartition:
		return b.attachPartition(t, cmd.Def.GetPartitionCmd())
	case pg_query.AlterTableType_AT_DetachPartition:
		return b.detachPartition(t, cmd.Def.GetPartitionCmd())
	case pg_query.AlterTableType_AT_AddInherit:
		return b.inherit(t, cmd.Def.GetRangeVar())
	case pg_query.AlterTableType_AT_DropInherit:
		return b.noInherit(t, cmd.Def.GetRangeVar())
	case pg_query.AlterTableType_AT_AddOf:
		return &UnsupportedError{Statement: stmt + " OF", Reason: "typed tables are not modelled"}
	}
	return nil
}

// addColumnCmd follows ADD COLUMN, which reaches every descendant.
func (b *Builder) addColumnCmd(t *Table, cmd *pg_query.AlterTableCmd, recurse bool) error {
	cd := cmd.Def.GetColumnDef()
	if t.Column(cd.GetColname()) != nil {
		if cmd.MissingOk { // IF NOT EXISTS
			return nil
		}
		return &ExistsError{Kind: "column", Name: QuoteIdent(cd.Colname) + " of relation " + t.Name.String()}
	}
	desc := b.descendants(t.Name)
	if !recurse && len(desc) > 0 {
		return &UnsupportedError{Statement: "ALTER TABLE ONLY … ADD COLUMN", Reason: "a column must be added to child tables too"}
	}
	cons, err := b.addColumn(t, cd)
	if err != nil {
		return err
	}
	col := t.Columns[len(t.Columns)-1]
	for _, d := range desc {
		if c := d.Column(col.Name); c != nil {
			if !c.Type.Equal(col.Type) {
				return &UnsupportedError{Statement: "ALTER TABLE … ADD COLUMN", Reason: "child table " + d.Name.String() + " has a different type for column " + QuoteIdent(col.Name)}
			}
			c.inh++
			continue
		}
		cp := *col
		cp.Checks, cp.local, cp.inh = nil, false, 1
		d.Columns = append(d.Columns, &cp)
	}
	b.touch()
	return b.addConstraints(t, cons)
}

// descendants are the tables inheriting from q, directly or not.
func (b *Builder) descendants(q QName) []*Table {
	var out []*Table
	seen := map[QName]bool{q: true}
	for queue := []QName{q}; len(queue) > 0; queue = queue[1:] {
		for _, c := range b.children(queue[0]) {
			if !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, c)
				queue = append(queue, c.Name)
			}
		}
	}
	return out
}

// dropColumn follows DROP COLUMN: the column goes with the keys, checks,
// exclusion constraints and foreign keys of its table that use it and the
// sequences it owns; what other objects need it goes too under CASCADE.
func (b *Builder) dropColumn(t *Table, name string, cascade, recurse bool, stmt string) error {
	col := t.Column(name)
	if col.inh > 0 {
		return &UnsupportedError{Statement: stmt, Reason: "cannot drop inherited column " + QuoteIdent(name)}
	}
	children := b.children(t.Name)
	if !recurse && t.Partitioned && len(children) > 0 {
		return &UnsupportedError{Statement: stmt, Reason: "cannot drop a column from only the partitioned table when partitions exist"}
	}
	for vq, v := range b.views {
		if v.mentions[t.Name.Name] && v.mentions[name] {
			if !cascade {
				return &UnsupportedError{Statement: stmt, Reason: b.rels[vq].String() + " " + vq.String() + " may use the column, so PostgreSQL refuses without CASCADE"}
			}
			if err := b.dropObjects(stmt, []QName{vq}, nil, true); err != nil {
				return err
			}
		}
	}
	// Keys of t that use the column: their indexes go, and foreign keys
	// bound to them need CASCADE.
	var gone []QName
	for iq, idx := range b.indexes {
		if idx.table == t.Name && (idx.key != nil && idx.key.uses(name) || idx.excl != nil && slices.Contains(idx.excl.Columns, name)) {
			gone = append(gone, iq)
		}
	}
	for _, o := range b.cat.Tables {
		for _, fk := range o.ForeignKeys {
			refUses := fk.RefTable == t.Name && (slices.Contains(fk.RefColumns, name) || slices.Contains(gone, QName{t.Name.Schema, fk.key}))
			if refUses && !fk.cloned && !(o == t && slices.Contains(fk.Columns, name)) && !cascade {
				return &UnsupportedError{Statement: stmt, Reason: "constraint " + QuoteIdent(fk.Name) + " on table " + o.Name.String() + " depends on the column, so PostgreSQL refuses without CASCADE"}
			}
		}
	}
	for _, o := range b.cat.Tables {
		o.ForeignKeys = slices.DeleteFunc(o.ForeignKeys, func(fk *ForeignKey) bool {
			return o == t && slices.Contains(fk.Columns, name) ||
				fk.RefTable == t.Name && (slices.Contains(fk.RefColumns, name) || slices.Contains(gone, QName{t.Name.Schema, fk.key}))
		})
	}
	set := map[QName]bool{}
	for _, iq := range gone {
		set[iq] = true
		for cq, c := range b.indexes {
			if c.parent == iq {
				set[cq] = true
			}
		}
	}
	if len(set) > 0 {
		b.dropNames(set)
	}
	t.Checks = slices.DeleteFunc(t.Checks, func(c *Check) bool { return slices.Contains(c.refs, name) })
	for _, c := range t.Columns {
		c.Checks = slices.DeleteFunc(c.Checks, func(c *Check) bool { return slices.Contains(c.refs, name) })
	}
	t.Columns = slices.DeleteFunc(t.Columns, func(c *Column) bool { return c == col })
	b.touch()
	var owned []QName
	for sq, s := range b.cat.Sequences {
		if s.OwnedBy != nil && !s.ownerInferred && *s.OwnedBy == (ColumnRef{t.Name, name}) {
			owned = append(owned, sq)
		}
	}
	if len(owned) > 0 {
		if err := b.dropObjects(stmt, owned, nil, cascade); err != nil {
			return err
		}
	}
	for _, c := range children {
		cc := c.Column(name)
		if cc == nil {
			continue
		}
		cc.inh--
		if recurse && cc.inh == 0 && !cc.local {
			if err := b.dropColumn(c, name, cascade, true, stmt); err != nil {
				return err
			}
		} else if cc.inh == 0 {
			cc.local = true
		}
	}
	return nil
}

// renameColumn follows RENAME COLUMN, in every descendant too, and keeps
// every reference to the column right.
func (b *Builder) renameColumn(t *Table, old, name string, recurse bool) error {
	const stmt = "ALTER TABLE … RENAME COLUMN"
	col := t.Column(old)
	switch {
	case col == nil:
		return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(old) + " of " + t.Name.String() + " does not exist"}
	case t.Column(name) != nil:
		return &ExistsError{Kind: "column", Name: QuoteIdent(name) + " of relation " + t.Name.String()}
	case col.inh > 0:
		return &UnsupportedError{Statement: stmt, Reason: "cannot rename inherited column " + QuoteIdent(old)}
	}
	tables := []*Table{t}
	for _, d := range b.descendants(t.Name) {
		if c := d.Column(old); c != nil && c.inh > 0 {
			if !recurse {
				return &UnsupportedError{Statement: stmt, Reason: "inherited column " + QuoteIdent(old) + " must be renamed in child tables too"}
			}
			if d.Column(name) != nil {
				return &ExistsError{Kind: "column", Name: QuoteIdent(name) + " of relation " + d.Name.String()}
			}
			tables = append(tables, d)
		}
	}
	for _, tt := range tables {
		if err := b.renameColumnIn(tt, old, name); err != nil {
			return err
		}
	}
	return nil
}

func (b *Builder) renameColumnIn(t *Table, old, name string) error {
	t.Column(old).Name = name
	ren := func(cols []string) {
		for i, c := range cols {
			if c == old {
				cols[i] = name
			}
		}
	}
	for _, idx := range b.indexes {
		if idx.table != t.Name {
			continue
		}
		if k := idx.key; k != nil {
			ren(k.Columns)
			ren(k.where)
			for i := range k.Parts {
				p := &k.Parts[i]
				if p.Column == old {
					p.Column = name
				}
				if p.Expr != "" {
					expr, err := renameRefs(p.Expr, old, name)
					if err != nil {
						return err
					}
					p.Expr = expr
				}
			}
		}
		if idx.excl != nil {
			ren(idx.excl.Columns)
		}
	}
	for _, chk := range t.Checks {
		if !slices.Contains(chk.refs, old) {
			continue
		}
		expr, err := renameRefs(chk.Expr, old, name)
		if err != nil {
			return err
		}
		chk.Expr = expr
		ren(chk.refs)
		if chk.Column == old {
			chk.Column = name
		}
	}
	for _, fk := range t.ForeignKeys {
		ren(fk.Columns)
	}
	for _, o := range b.cat.Tables {
		for _, fk := range o.ForeignKeys {
			if fk.RefTable == t.Name {
				ren(fk.RefColumns)
			}
		}
	}
	for _, s := range b.cat.Sequences {
		if s.OwnedBy != nil && *s.OwnedBy == (ColumnRef{t.Name, old}) {
			s.OwnedBy.Column = name
		}
	}
	b.touch()
	return nil
}

// alterColumnType follows ALTER COLUMN … TYPE (its USING expression only
// converts the values).
func (b *Builder) alterColumnType(t *Table, cmd *pg_query.AlterTableCmd, recurse bool) error {
	const stmt = "ALTER TABLE … ALTER COLUMN … TYPE"
	col := t.Column(cmd.Name)
	switch {
	case col == nil:
		return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(cmd.Name) + " of " + t.Name.String() + " does not exist"}
	case col.inh > 0:
		return &UnsupportedError{Statement: stmt, Reason: "cannot alter inherited column " + QuoteIdent(cmd.Name)}
	}
	typ, serial, err := b.typeOf(cmd.Def.GetColumnDef().GetTypeName())
	if err != nil {
		return err
	}
	if serial {
		return &UnsupportedError{Statement: stmt, Reason: "serial is not a type PostgreSQL can alter a column to"}
	}
	for vq, v := range b.views {
		if v.mentions[t.Name.Name] && v.mentions[col.Name] {
			return &UnsupportedError{Statement: stmt, Reason: b.rels[vq].String() + " " + vq.String() + " may use the column; PostgreSQL cannot alter the type of a column a view uses"}
		}
	}
	tables := []*Table{t}
	for _, d := range b.descendants(t.Name) {
		if c := d.Column(col.Name); c != nil && c.inh > 0 {
			if !recurse {
				return &UnsupportedError{Statement: stmt, Reason: "the type of inherited column " + QuoteIdent(col.Name) + " must be changed in child tables too"}
			}
			tables = append(tables, d)
		}
	}
	for _, tt := range tables {
		tt.Column(col.Name).Type = typ
	}
	b.touch()
	return nil
}

// dropConstraint follows DROP CONSTRAINT.
func (b *Builder) dropConstraint(t *Table, name string, missingOK, cascade, recurse bool) error {
	stmt := "ALTER TABLE " + t.Name.String() + " DROP CONSTRAINT"
	if idx := b.indexes[QName{t.Name.Schema, name}]; idx != nil && idx.constraint && idx.table == t.Name {
		return b.dropObjects(stmt, []QName{{t.Name.Schema, name}}, nil, cascade)
	}
	if i := slices.IndexFunc(t.ForeignKeys, func(fk *ForeignKey) bool { return fk.Name == name && !fk.cloned }); i >= 0 {
		t.ForeignKeys = slices.Delete(t.ForeignKeys, i, i+1)
		b.touch()
		return nil
	}
	i := slices.IndexFunc(t.Checks, func(c *Check) bool { return c.Name == name })
	if i < 0 {
		if missingOK {
			return nil
		}
		return &UnsupportedError{Statement: stmt, Reason: "constraint " + QuoteIdent(name) + " of relation " + t.Name.String() + " does not exist"}
	}
	if !t.Checks[i].local {
		return &UnsupportedError{Statement: stmt, Reason: "cannot drop inherited constraint " + QuoteIdent(name)}
	}
	dropCheck(t, name)
	for _, c := range b.children(t.Name) {
		if j := slices.IndexFunc(c.Checks, func(o *Check) bool { return o.Name == name }); j >= 0 {
			if recurse && !c.Checks[j].local {
				c.Checks[j].local = true // so that the child's own drop accepts it
				if err := b.dropConstraint(c, name, false, cascade, true); err != nil {
					return err
				}
			} else {
				c.Checks[j].local = true
			}
		}
	}
	b.touch()
	return nil
}

func dropCheck(t *Table, name string) {
	t.Checks = slices.DeleteFunc(t.Checks, func(c *Check) bool { return c.Name == name })
	for _, col := range t.Columns {
		col.Checks = slices.DeleteFunc(col.Checks, func(c *Check) bool { return c.Name == name })
	}
}

// attachPartition follows ATTACH PARTITION: the partition must have exactly
// the parent's columns, types and NOT NULLs and its CHECK constraints.
func (b *Builder) attachPartition(t *Table, pc *pg_query.PartitionCmd) error {
	const stmt = "ALTER TABLE … ATTACH PARTITION"
	cq, kind, err := b.findRV(pc.GetName())
	if err != nil {
		return err
	}
	child := b.cat.byName[cq]
	switch {
	case kind == relForeign:
		return nil // a foreign partition holds no dumped rows
	case child == nil:
		return &ResolveError{Name: cq.String(), Reason: "not a table of the model; " + stmt + " fails"}
	case !t.Partitioned:
		return &UnsupportedError{Statement: stmt, Reason: t.Name.String() + " is not partitioned"}
	case len(child.inherits) > 0:
		return &UnsupportedError{Statement: stmt, Reason: cq.String() + " already inherits from a table"}
	case child == t || slices.Contains(b.descendants(cq), t):
		return &UnsupportedError{Statement: stmt, Reason: "circular inheritance"}
	case len(child.Columns) != len(t.Columns):
		return &UnsupportedError{Statement: stmt, Reason: cq.String() + " must have exactly the columns of " + t.Name.String()}
	}
	for _, p := range t.Columns {
		c := child.Column(p.Name)
		switch {
		case c == nil || !c.Type.Equal(p.Type):
			return &UnsupportedError{Statement: stmt, Reason: cq.String() + " must have column " + QuoteIdent(p.Name) + " of type " + p.Type.String()}
		case p.NotNull && !c.NotNull:
			return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(p.Name) + " of " + cq.String() + " must be NOT NULL"}
		}
	}
	for _, chk := range t.Checks {
		if !chk.noInherit && !slices.ContainsFunc(child.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
			return &UnsupportedError{Statement: stmt, Reason: cq.String() + " is missing constraint " + QuoteIdent(chk.Name)}
		}
	}
	for _, c := range child.Columns {
		c.inh, c.local = 1, false
	}
	for _, chk := range child.Checks {
		if slices.ContainsFunc(t.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
			chk.local = false
		}
	}
	child.inherits = []QName{t.Name}
	parent := t.Name
	child.Parent = &parent
	b.touch()
	return nil
}

// detachPartition follows DETACH PARTITION: the table keeps, as its own,
// the foreign keys it had through its parents.
func (b *Builder) detachPartition(t *Table, pc *pg_query.PartitionCmd) error {
	const stmt = "ALTER TABLE … DETACH PARTITION"
	if pc.GetConcurrent() && b.tx != nil {
		return &UnsupportedError{Statement: stmt + " CONCURRENTLY", Reason: "it cannot run inside a transaction block; the error aborts the transaction"}
	}
	cq, kind, err := b.findRV(pc.GetName())
	if err != nil {
		return err
	}
	child := b.cat.byName[cq]
	if kind == relForeign {
		return nil
	}
	if child == nil || !slices.Contains(child.inherits, t.Name) {
		return &UnsupportedError{Statement: stmt, Reason: cq.String() + " is not a partition of " + t.Name.String()}
	}
	inheritForeignKeys(b.cat)
	for _, fk := range child.ForeignKeys {
		fk.cloned = false
	}
	for _, idx := range b.indexes {
		if idx.table == cq {
			idx.parent = QName{}
		}
	}
	return b.disinherit(child, t)
}

// disinherit cuts child from parent p: the columns and checks it had only
// through p become its own.
func (b *Builder) disinherit(child, p *Table) error {
	for _, pcol := range p.Columns {
		if c := child.Column(pcol.Name); c != nil && c.inh > 0 {
			c.inh--
			if c.inh == 0 {
				c.local = true
			}
		}
	}
	for _, chk := range child.Checks {
		if slices.ContainsFunc(p.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
			chk.local = true
		}
	}
	child.inherits = slices.DeleteFunc(child.inherits, func(q QName) bool { return q == p.Name })
	child.Parent = nil
	if len(child.inherits) > 0 {
		parent := child.inherits[0]
		child.Parent = &parent
	}
	b.touch()
	return nil
}

// inherit follows INHERIT parent: the child must already have the parent's
// columns and CHECK constraints.
func (b *Builder) inherit(child *Table, rv *pg_query.RangeVar) error {
	const stmt = "ALTER TABLE … INHERIT"
	pq, _, err := b.findRV(rv)
	if err != nil {
		return err
	}
	p := b.cat.byName[pq]
	switch {
	case p == nil:
		return &ResolveError{Name: pq.String(), Reason: "not a table of the model; " + stmt + " fails"}
	case p.Partitioned || child.Partitioned:
		return &UnsupportedError{Statement: stmt, Reason: "partitioned tables take part in inheritance only through partitions"}
	case slices.Contains(child.inherits, pq):
		return &UnsupportedError{Statement: stmt, Reason: child.Name.String() + " already inherits from " + pq.String()}
	case len(child.inherits) > 0 && b.cat.byName[child.inherits[0]].Partitioned:
		return &UnsupportedError{Statement: stmt, Reason: child.Name.String() + " is a partition"}
	case p == child || slices.Contains(b.descendants(child.Name), p):
		return &UnsupportedError{Statement: stmt, Reason: "circular inheritance"}
	}
	for _, pc := range p.Columns {
		c := child.Column(pc.Name)
		switch {
		case c == nil || !c.Type.Equal(pc.Type):
			return &UnsupportedError{Statement: stmt, Reason: child.Name.String() + " must have column " + QuoteIdent(pc.Name) + " of type " + pc.Type.String()}
		case pc.NotNull && !c.NotNull:
			return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(pc.Name) + " of " + child.Name.String() + " must be NOT NULL"}
		}
	}
	for _, chk := range p.Checks {
		if !chk.noInherit && !slices.ContainsFunc(child.Checks, func(o *Check) bool { return o.Name == chk.Name }) {
			return &UnsupportedError{Statement: stmt, Reason: child.Name.String() + " is missing constraint " + QuoteIdent(chk.Name)}
		}
	}
	for _, pc := range p.Columns {
		child.Column(pc.Name).inh++
	}
	child.inherits = append(child.inherits, pq)
	if child.Parent == nil {
		child.Parent = &pq
	}
	b.touch()
	return nil
}

// noInherit follows NO INHERIT parent.
func (b *Builder) noInherit(child *Table, rv *pg_query.RangeVar) error {
	pq, _, err := b.findRV(rv)
	if err != nil {
		return err
	}
	p := b.cat.byName[pq]
	if p == nil || !slices.Contains(child.inherits, pq) || p.Partitioned {
		return &UnsupportedError{Statement: "ALTER TABLE … NO INHERIT", Reason: pq.String() + " is not an inheritance parent of " + child.Name.String()}
	}
	return b.disinherit(child, p)
}

// renameConstraint follows RENAME CONSTRAINT. A key's index is renamed with
// it; an inherited CHECK is renamed in the descendants too.
func (b *Builder) renameConstraint(t *Table, old, name string, recurse bool) error {
	const stmt = "ALTER TABLE … RENAME CONSTRAINT"
	if constraintNames(t)[name] {
		return &ExistsError{Kind: "constraint", Name: QuoteIdent(name) + " for relation " + t.Name.String()}
	}
	iq := QName{t.Name.Schema, old}
	if idx := b.indexes[iq]; idx != nil && idx.constraint && idx.table == t.Name {
		return b.moveRels(map[QName]QName{iq: {iq.Schema, name}})
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == old && !fk.cloned {
			fk.Name = name
			b.touch()
			return nil
		}
	}
	i := slices.IndexFunc(t.Checks, func(c *Check) bool { return c.Name == old })
	switch {
	case i < 0:
		return &UnsupportedError{Statement: stmt, Reason: "constraint " + QuoteIdent(old) + " of relation " + t.Name.String() + " does not exist"}
	case !t.Checks[i].local:
		return &UnsupportedError{Statement: stmt, Reason: "cannot rename inherited constraint " + QuoteIdent(old)}
	}
	tables := []*Table{t}
	for _, d := range b.descendants(t.Name) {
		if j := slices.IndexFunc(d.Checks, func(c *Check) bool { return c.Name == old }); j >= 0 && !d.Checks[j].local {
			if !recurse {
				return &UnsupportedError{Statement: stmt, Reason: "inherited constraint " + QuoteIdent(old) + " must be renamed in child tables too"}
			}
			tables = append(tables, d)
		}
	}
	for _, tt := range tables {
		for _, c := range tt.Checks {
			if c.Name == old {
				c.Name = name
			}
		}
	}
	b.touch()
	return nil
}
