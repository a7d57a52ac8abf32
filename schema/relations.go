package schema

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// relKind is the kind of a relation name.
type relKind uint8

const (
	relTable relKind = iota + 1 // a table of the Catalog (or a temporary one)
	// relOpaque is a table made by CREATE TABLE … AS or SELECT … INTO, whose
	// columns come from a query the model does not evaluate.
	relOpaque
	relForeign
	relView
	relMatView
	relSequence
	relIndex
	relComposite // CREATE TYPE … AS (…)
)

func (k relKind) String() string {
	if k == relIndex {
		return "an index"
	}
	return "a " + k.noun()
}

func (k relKind) noun() string {
	switch k {
	case relTable:
		return "table"
	case relOpaque:
		return "table made by CREATE TABLE … AS or SELECT … INTO"
	case relForeign:
		return "foreign table"
	case relView:
		return "view"
	case relMatView:
		return "materialized view"
	case relSequence:
		return "sequence"
	case relIndex:
		return "index"
	case relComposite:
		return "composite type"
	}
	return "nothing"
}

// hasRowType reports whether the relation defines a type of its own name.
func (k relKind) hasRowType() bool {
	return k != 0 && k != relSequence && k != relIndex
}

// index is an index, which PostgreSQL names in its table's schema.
type index struct {
	table      QName
	key        *Key       // unique indexes and PRIMARY KEY / UNIQUE constraints
	excl       *Exclusion // EXCLUDE constraints
	constraint bool       // it backs the constraint of the same name
	parent     QName      // the partitioned index it is attached to
}

// view is a view or materialized view. Its query is not modelled, only the
// names it mentions: a drop of anything it may depend on is refused unless
// CASCADE says to drop the view too.
type view struct {
	mentions map[string]bool
}

// addRel claims a relation name, which must be free; relations with a row
// type also claim the type name.
func (b *Builder) addRel(q QName, kind relKind) error {
	if b.rels[q] != 0 {
		return &ExistsError{Kind: "relation", Name: q.String()}
	}
	if kind.hasRowType() && b.typeExists(q) {
		return &ExistsError{Kind: "type", Name: q.String()}
	}
	b.rels[q] = kind
	if q.Schema == "pg_temp" {
		b.tempNS = true
	}
	b.touch()
	return nil
}

// createOther creates a relation the Catalog does not describe (foreign
// table, composite type).
func (b *Builder) createOther(rv *pg_query.RangeVar, kind relKind, ifNotExists bool) error {
	q, err := b.createName(rv)
	if err != nil {
		return err
	}
	if ifNotExists && b.rels[q] != 0 {
		return nil
	}
	return b.addRel(q, kind)
}

// createView creates or replaces a view or materialized view.
func (b *Builder) createView(rv *pg_query.RangeVar, kind relKind, replace, ifNotExists bool, mentions map[string]bool) error {
	if rv.GetSchemaname() == "" && rv.GetRelpersistence() != "t" {
		for q := range b.rels {
			if q.Schema == "pg_temp" && mentions[q.Name] {
				return &UnsupportedError{Statement: "CREATE VIEW",
					Reason: "it may read temporary table " + QuoteIdent(q.Name) + ", which would make it a temporary view"}
			}
		}
	}
	q, err := b.createName(rv)
	if err != nil {
		return err
	}
	switch old := b.rels[q]; {
	case old != 0 && ifNotExists:
		return nil
	case old == relView && replace:
		b.views[q] = &view{mentions: mentions}
		b.touch()
		return nil
	}
	if err := b.addRel(q, kind); err != nil {
		return err
	}
	b.views[q] = &view{mentions: mentions}
	return nil
}

// dropNames removes relations, with their indexes, from the model without
// looking at what depends on them.
func (b *Builder) dropNames(set map[QName]bool) {
	for q, idx := range b.indexes {
		if set[idx.table] {
			set[q] = true
		}
	}
	for q := range set {
		if idx := b.indexes[q]; idx != nil && !set[idx.table] {
			if t := b.cat.byName[idx.table]; t != nil {
				removeKey(t, idx)
			}
		}
		delete(b.rels, q)
		delete(b.views, q)
		delete(b.indexes, q)
		delete(b.cat.Sequences, q)
		delete(b.cat.byName, q)
	}
	b.cat.Tables = slices.DeleteFunc(b.cat.Tables, func(t *Table) bool { return set[t.Name] })
	for _, t := range b.cat.Tables {
		for _, col := range t.Columns {
			if col.Sequence != nil && set[*col.Sequence] {
				col.Sequence = nil
			}
		}
	}
	b.touch()
}

// removeKey takes an index's key or exclusion constraint off its table.
func removeKey(t *Table, idx *index) {
	if idx.key != nil && t.PrimaryKey == idx.key {
		t.PrimaryKey = nil
	}
	t.Uniques = slices.DeleteFunc(t.Uniques, func(k *Key) bool { return k == idx.key })
	t.Exclusions = slices.DeleteFunc(t.Exclusions, func(e *Exclusion) bool { return e == idx.excl })
}

// dropSet is what a DROP takes away: relations and types, and the
// constraints, defaults and columns of other tables that go with them
// under CASCADE.
type dropSet struct {
	stmt    string
	cascade bool
	rels    map[QName]bool
	types   map[QName]bool
}

// need adds a dependent object: always when auto, else only under CASCADE.
func (d *dropSet) need(dep, on string, auto bool) error {
	if auto || d.cascade {
		return nil
	}
	return &UnsupportedError{Statement: d.stmt, Reason: fmt.Sprintf("%s depends on %s, so PostgreSQL refuses without CASCADE", dep, on)}
}

// dropObjects drops relations and types with everything that depends on
// them, or refuses as PostgreSQL does without CASCADE.
func (b *Builder) dropObjects(stmt string, rels, types []QName, cascade bool) error {
	d := &dropSet{stmt: stmt, cascade: cascade, rels: map[QName]bool{}, types: map[QName]bool{}}
	type item struct {
		q      QName
		isType bool
	}
	var queue []item
	addRel := func(q QName, dep, on string, auto bool) error {
		if d.rels[q] {
			return nil
		}
		if err := d.need(dep, on, auto); err != nil {
			return err
		}
		d.rels[q] = true
		queue = append(queue, item{q: q})
		return nil
	}
	addType := func(q QName, dep, on string, auto bool) error {
		if d.types[q] {
			return nil
		}
		if err := d.need(dep, on, auto); err != nil {
			return err
		}
		d.types[q] = true
		queue = append(queue, item{q: q, isType: true})
		return nil
	}
	for _, q := range rels {
		if err := addRel(q, "", "", true); err != nil {
			return err
		}
	}
	for _, q := range types {
		if err := addType(q, "", "", true); err != nil {
			return err
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		q := it.q
		if it.isType {
			if b.rels[q] == relComposite {
				if err := addRel(q, "", "", true); err != nil {
					return err
				}
			}
			for dq, dom := range b.cat.Domains {
				if dom.Base.Schema == q.Schema && dom.Base.Name == q.Name {
					if err := addType(dq, "domain "+dq.String(), "type "+q.String(), false); err != nil {
						return err
					}
				}
			}
		} else {
			kind := b.rels[q]
			if kind.hasRowType() {
				if err := addType(q, "", "", true); err != nil {
					return err
				}
			}
			for iq, idx := range b.indexes {
				if idx.table == q || idx.parent == q {
					if err := addRel(iq, "", "", true); err != nil {
						return err
					}
				}
			}
			for sq, s := range b.cat.Sequences {
				if s.OwnedBy != nil && !s.ownerInferred && s.OwnedBy.Table == q {
					if err := addRel(sq, "", "", true); err != nil {
						return err
					}
				}
			}
			for _, c := range b.children(q) {
				t := b.cat.byName[q]
				if err := addRel(c.Name, "table "+c.Name.String(), "table "+q.String(), t != nil && t.Partitioned); err != nil {
					return err
				}
			}
		}
		if it.isType || b.rels[q] != relIndex {
			for vq, v := range b.views {
				if v.mentions[q.Name] && vq != q {
					if err := addRel(vq, b.rels[vq].noun()+" "+vq.String()+" (its definition mentions "+QuoteIdent(q.Name)+")", q.String(), false); err != nil {
						return err
					}
				}
			}
		}
	}
	// Constraints, defaults and columns of the tables that stay.
	type colRef struct {
		t   *Table
		col string
	}
	var dropCols []colRef
	for _, t := range b.cat.Tables {
		if d.rels[t.Name] {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if !fk.cloned && (d.rels[fk.RefTable] || d.rels[QName{fk.RefTable.Schema, fk.key}]) {
				if err := d.need("constraint "+QuoteIdent(fk.Name)+" on table "+t.Name.String(), fk.RefTable.String(), false); err != nil {
					return err
				}
			}
		}
		for _, col := range t.Columns {
			if d.types[QName{col.Type.Schema, col.Type.Name}] {
				if err := d.need("column "+QuoteIdent(col.Name)+" of table "+t.Name.String(), "type "+QName{col.Type.Schema, col.Type.Name}.String(), false); err != nil {
					return err
				}
				dropCols = append(dropCols, colRef{t, col.Name})
			}
			if col.Sequence != nil && d.rels[*col.Sequence] && col.Identity == 0 && !col.seqInferred {
				if err := d.need("the default of column "+QuoteIdent(col.Name)+" of table "+t.Name.String(), "sequence "+col.Sequence.String(), false); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range b.cat.Tables {
		if d.rels[t.Name] {
			continue
		}
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *ForeignKey) bool {
			return d.rels[fk.RefTable] || d.rels[QName{fk.RefTable.Schema, fk.key}]
		})
		for _, col := range t.Columns {
			if col.Sequence != nil && d.rels[*col.Sequence] && !col.seqInferred {
				col.Default, col.Sequence = "", nil
			}
		}
	}
	b.dropNames(d.rels)
	for q := range d.types {
		delete(b.cat.Enums, q)
		delete(b.cat.Domains, q)
		delete(b.types, q)
	}
	for _, c := range dropCols {
		if c.t.Column(c.col) != nil && b.cat.byName[c.t.Name] == c.t {
			if err := b.dropColumn(c.t, c.col, true, false, stmt); err != nil {
				return err
			}
		}
	}
	return nil
}

// children are the tables inheriting directly from q, partitions included,
// in definition order.
func (b *Builder) children(q QName) []*Table {
	var out []*Table
	for _, t := range b.cat.Tables {
		if slices.Contains(t.inherits, q) {
			out = append(out, t)
		}
	}
	return out
}

// drop follows DROP TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE /
// SEQUENCE / INDEX / TYPE / DOMAIN / SCHEMA.
func (b *Builder) drop(s *pg_query.DropStmt) error {
	cascade := s.Behavior == pg_query.DropBehavior_DROP_CASCADE
	var want relKind
	stmt := "DROP"
	switch s.RemoveType {
	case pg_query.ObjectType_OBJECT_SCHEMA:
		return b.dropSchemas(strs(s.Objects), s.MissingOk, cascade)
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		return b.dropTypes(s, cascade)
	case pg_query.ObjectType_OBJECT_TABLE:
		want, stmt = relTable, "DROP TABLE"
	case pg_query.ObjectType_OBJECT_VIEW:
		want, stmt = relView, "DROP VIEW"
	case pg_query.ObjectType_OBJECT_MATVIEW:
		want, stmt = relMatView, "DROP MATERIALIZED VIEW"
	case pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		want, stmt = relForeign, "DROP FOREIGN TABLE"
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		want, stmt = relSequence, "DROP SEQUENCE"
	case pg_query.ObjectType_OBJECT_INDEX:
		want, stmt = relIndex, "DROP INDEX"
		if s.Concurrent && b.tx != nil {
			return &UnsupportedError{Statement: "DROP INDEX CONCURRENTLY", Reason: "it cannot run inside a transaction block; the error aborts the transaction"}
		}
	default:
		return nil
	}
	var targets []QName
	for _, o := range s.Objects {
		names := strs(o.GetList().GetItems())
		if len(names) == 0 {
			continue
		}
		q, kind, err := b.findRel(QName{qualifier(names), names[len(names)-1]})
		if err != nil {
			return err
		}
		switch {
		case kind == 0 && s.MissingOk:
			continue
		case kind == 0:
			return &ResolveError{Name: q.String(), Reason: "no such relation; " + stmt + " fails"}
		case kind != want && !(want == relTable && kind == relOpaque):
			return &UnsupportedError{Statement: stmt, Reason: fmt.Sprintf("%s is %s; PostgreSQL refuses", q, kind)}
		}
		if err := b.dropAllowed(stmt, q, kind); err != nil {
			return err
		}
		targets = append(targets, q)
	}
	if len(targets) == 0 {
		return nil
	}
	return b.dropObjects(stmt, targets, nil, cascade)
}

// dropAllowed refuses drops PostgreSQL never allows, CASCADE or not: of an
// object another one cannot exist without.
func (b *Builder) dropAllowed(stmt string, q QName, kind relKind) error {
	switch kind {
	case relIndex:
		idx := b.indexes[q]
		if idx.constraint {
			return &UnsupportedError{Statement: stmt, Reason: fmt.Sprintf("constraint %s on table %s requires index %s; drop the constraint instead", QuoteIdent(q.Name), idx.table, q)}
		}
		if idx.parent != (QName{}) {
			return &UnsupportedError{Statement: stmt, Reason: fmt.Sprintf("index %s is attached to partitioned index %s, which requires it", q, idx.parent)}
		}
	case relSequence:
		if seq := b.cat.Sequences[q]; seq != nil && seq.OwnedBy != nil {
			o := seq.OwnedBy
			if t := b.cat.byName[o.Table]; t != nil {
				if col := t.Column(o.Column); col != nil && col.Identity != 0 && col.Sequence != nil && *col.Sequence == q {
					return &UnsupportedError{Statement: stmt, Reason: fmt.Sprintf("identity column %s of table %s requires sequence %s", QuoteIdent(col.Name), t.Name, q)}
				}
			}
		}
	}
	return nil
}

// dropTypes follows DROP TYPE and DROP DOMAIN.
func (b *Builder) dropTypes(s *pg_query.DropStmt, cascade bool) error {
	stmt := "DROP TYPE"
	if s.RemoveType == pg_query.ObjectType_OBJECT_DOMAIN {
		stmt = "DROP DOMAIN"
	}
	var targets []QName
	for _, o := range s.Objects {
		q, err := b.findType(strs(o.GetTypeName().GetNames()))
		if err != nil {
			return err
		}
		if q.Schema == "" || !b.typeExists(q) {
			if s.MissingOk {
				continue
			}
			return &ResolveError{Name: QName{q.Schema, q.Name}.String(), Reason: "no such type; " + stmt + " fails"}
		}
		isDomain := b.cat.Domains[q] != nil
		switch {
		case q.Schema == "pg_catalog":
			return &UnsupportedError{Statement: stmt, Reason: "type " + q.String() + " is a system type"}
		case stmt == "DROP DOMAIN" && !isDomain:
			return &UnsupportedError{Statement: stmt, Reason: q.String() + " is not a domain"}
		case b.rels[q].hasRowType() && b.rels[q] != relComposite:
			return &UnsupportedError{Statement: stmt, Reason: q.String() + " is the row type of " + b.rels[q].String() + "; drop that instead"}
		}
		targets = append(targets, q)
	}
	if len(targets) == 0 {
		return nil
	}
	return b.dropObjects(stmt, nil, targets, cascade)
}

// createSchema follows CREATE SCHEMA, with its schema elements created in
// the new schema.
func (b *Builder) createSchema(s *pg_query.CreateSchemaStmt) error {
	name := s.Schemaname
	if name == "" {
		var err error
		if name, err = b.roleName(s.Authrole, "CREATE SCHEMA AUTHORIZATION"); err != nil {
			return err
		}
	}
	if strings.HasPrefix(name, "pg_") {
		return &UnsupportedError{Statement: "CREATE SCHEMA", Reason: "schema names starting with pg_ are reserved for system schemas"}
	}
	if b.schemaExists(name) {
		if s.IfNotExists {
			return nil
		}
		return &ExistsError{Kind: "schema", Name: QuoteIdent(name)}
	}
	b.schemas[name] = true
	b.touch()
	if len(s.SchemaElts) == 0 {
		return nil
	}
	// PostgreSQL puts the new schema first on the search path while it runs
	// the elements, and into every name they create.
	saved := b.set.path
	b.set.path = append([]string{name}, saved...)
	defer func() { b.set.path = saved }()
	for _, elt := range s.SchemaElts {
		for _, rv := range eltNames(elt) {
			switch rv.Schemaname {
			case "":
				rv.Schemaname = name
			case name:
			default:
				return &UnsupportedError{Statement: "CREATE SCHEMA", Reason: fmt.Sprintf("an element names schema %s, not the one being created", QuoteIdent(rv.Schemaname))}
			}
		}
		if _, err := b.apply(elt); err != nil {
			return err
		}
	}
	return nil
}

// eltNames are the relation names a CREATE SCHEMA element creates or
// indexes, which PostgreSQL puts in the new schema.
func eltNames(n *pg_query.Node) []*pg_query.RangeVar {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return []*pg_query.RangeVar{s.CreateStmt.Relation}
	case *pg_query.Node_ViewStmt:
		return []*pg_query.RangeVar{s.ViewStmt.View}
	case *pg_query.Node_IndexStmt:
		return []*pg_query.RangeVar{s.IndexStmt.Relation}
	case *pg_query.Node_CreateSeqStmt:
		return []*pg_query.RangeVar{s.CreateSeqStmt.Sequence}
	}
	return nil
}

// roleName gives the role a RoleSpec names.
func (b *Builder) roleName(r *pg_query.RoleSpec, stmt string) (string, error) {
	var name string
	switch r.GetRoletype() {
	case pg_query.RoleSpecType_ROLESPEC_CSTRING:
		name = r.Rolename
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		name = b.set.currentRole()
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		name = b.set.user
	}
	if name == "" {
		return "", &UnsupportedError{Statement: stmt, Reason: "the role it names is not known; the script does not say which role runs it"}
	}
	return name, nil
}

// dropSchemas follows DROP SCHEMA.
func (b *Builder) dropSchemas(names []string, missingOK, cascade bool) error {
	for _, name := range names {
		switch {
		case name == "pg_catalog" || name == "information_schema" || name == "pg_toast" || isTempSchema(name):
			return &UnsupportedError{Statement: "DROP SCHEMA", Reason: "schema " + QuoteIdent(name) + " is required by the database system"}
		case !b.schemas[name] && missingOK:
			continue
		case !b.schemas[name]:
			return &ResolveError{Name: QuoteIdent(name), Reason: "no such schema; DROP SCHEMA fails"}
		}
		var rels, types []QName
		for q, k := range b.rels {
			if q.Schema == name && k != relIndex {
				rels = append(rels, q)
			}
		}
		for _, m := range []map[QName]bool{b.types, keysOf(b.cat.Enums), keysOf(b.cat.Domains)} {
			for q := range m {
				if q.Schema == name {
					types = append(types, q)
				}
			}
		}
		if len(rels)+len(types) > 0 && !cascade {
			return &UnsupportedError{Statement: "DROP SCHEMA", Reason: "schema " + QuoteIdent(name) + " is not empty, so PostgreSQL refuses without CASCADE"}
		}
		if err := b.dropObjects("DROP SCHEMA", rels, types, true); err != nil {
			return err
		}
		delete(b.schemas, name)
		b.touch()
	}
	return nil
}

func keysOf[V any](m map[QName]V) map[QName]bool {
	out := make(map[QName]bool, len(m))
	for q := range m {
		out[q] = true
	}
	return out
}

// remap renames relations (rel) and types (typ) everywhere the model
// refers to them.
func (b *Builder) remap(rel, typ func(QName) QName) {
	c := b.cat
	retype := func(t *Type) {
		if t.Schema != "" && t.Schema != "pg_catalog" {
			q := typ(QName{t.Schema, t.Name})
			t.Schema, t.Name = q.Schema, q.Name
		}
	}
	c.byName = make(map[QName]*Table, len(c.Tables))
	for _, t := range c.Tables {
		t.Name = rel(t.Name)
		c.byName[t.Name] = t
		if t.Parent != nil {
			p := rel(*t.Parent)
			t.Parent = &p
		}
		for i, p := range t.inherits {
			t.inherits[i] = rel(p)
		}
		for _, fk := range t.ForeignKeys {
			fk.RefTable = rel(fk.RefTable)
		}
		for _, col := range t.Columns {
			retype(&col.Type)
			if col.Sequence != nil {
				old, q := *col.Sequence, rel(*col.Sequence)
				if col.Default == nextvalDefault(old) {
					col.Default = nextvalDefault(q)
				}
				col.Sequence = &q
			}
		}
	}
	seqs := make(map[QName]*Sequence, len(c.Sequences))
	for _, s := range c.Sequences {
		s.Name = rel(s.Name)
		if s.OwnedBy != nil {
			s.OwnedBy.Table = rel(s.OwnedBy.Table)
		}
		seqs[s.Name] = s
	}
	c.Sequences = seqs
	enums := make(map[QName]*Enum, len(c.Enums))
	for _, e := range c.Enums {
		e.Name = typ(e.Name)
		enums[e.Name] = e
	}
	c.Enums = enums
	doms := make(map[QName]*Domain, len(c.Domains))
	for _, d := range c.Domains {
		d.Name = typ(d.Name)
		retype(&d.Base)
		doms[d.Name] = d
	}
	c.Domains = doms
	rels := make(map[QName]relKind, len(b.rels))
	for q, k := range b.rels {
		rels[rel(q)] = k
	}
	b.rels = rels
	idxs := make(map[QName]*index, len(b.indexes))
	for q, idx := range b.indexes {
		idx.table = rel(idx.table)
		if idx.parent != (QName{}) {
			idx.parent = rel(idx.parent)
		}
		idxs[rel(q)] = idx
	}
	b.indexes = idxs
	views := make(map[QName]*view, len(b.views))
	for q, v := range b.views {
		views[rel(q)] = v
	}
	b.views = views
	types := make(map[QName]bool, len(b.types))
	for q := range b.types {
		types[typ(q)] = true
	}
	b.types = types
	b.touch()
}

// nextvalDefault is the default pg_dump writes for a column fed by seq.
func nextvalDefault(seq QName) string {
	return "nextval(" + QuoteLiteral(seq.String()) + "::regclass)"
}

// moveRels renames relations (old → new), checking every new name is free;
// hasRow says which of them also rename their row type.
func (b *Builder) moveRels(moves map[QName]QName) error {
	for old, q := range moves {
		if _, moving := moves[q]; b.rels[q] != 0 && !moving {
			return &ExistsError{Kind: "relation", Name: q.String()}
		}
		if b.rels[old].hasRowType() && b.typeExists(q) && b.rels[q] == 0 {
			return &ExistsError{Kind: "type", Name: q.String()}
		}
	}
	swap := func(x QName) QName {
		if q, ok := moves[x]; ok {
			return q
		}
		return x
	}
	rowSwap := func(x QName) QName {
		if q, ok := moves[x]; ok && b.rels[x].hasRowType() {
			return q
		}
		return x
	}
	// Row types are renamed first, while b.rels still has the old names.
	typeMoves := map[QName]QName{}
	for old := range moves {
		typeMoves[old] = rowSwap(old)
	}
	b.remap(swap, func(x QName) QName {
		if q, ok := typeMoves[x]; ok {
			return q
		}
		return x
	})
	// A key's constraint, and the foreign keys bound to it, follow its index.
	for old, q := range moves {
		idx := b.indexes[q]
		if idx == nil || old.Name == q.Name {
			continue
		}
		if idx.key != nil {
			idx.key.Name = q.Name
		}
		if idx.excl != nil {
			idx.excl.Name = q.Name
		}
		for _, t := range b.cat.Tables {
			for _, fk := range t.ForeignKeys {
				if fk.RefTable == idx.table && fk.key == old.Name {
					fk.key = q.Name
				}
			}
		}
	}
	return nil
}

// rename follows ALTER … RENAME of relations, columns, constraints, types
// and schemas.
func (b *Builder) rename(s *pg_query.RenameStmt) error {
	switch s.RenameType {
	case pg_query.ObjectType_OBJECT_SCHEMA:
		return b.renameSchema(s.Subname, s.Newname)
	case pg_query.ObjectType_OBJECT_COLUMN:
		if s.RelationType != pg_query.ObjectType_OBJECT_TABLE && s.RelationType != pg_query.ObjectType_OBJECT_FOREIGN_TABLE {
			return nil // a view's or composite type's column
		}
		t, err := b.alteredTable(s.Relation, s.MissingOk, "ALTER TABLE … RENAME COLUMN")
		if t == nil || err != nil {
			return err
		}
		return b.renameColumn(t, s.Subname, s.Newname, s.Relation.Inh)
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		t, err := b.alteredTable(s.Relation, s.MissingOk, "ALTER TABLE … RENAME CONSTRAINT")
		if t == nil || err != nil {
			return err
		}
		return b.renameConstraint(t, s.Subname, s.Newname, s.Relation.Inh)
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		q, err := b.findType(strs(s.Object.GetList().GetItems()))
		if err != nil {
			return err
		}
		if !b.typeExists(q) {
			if s.MissingOk {
				return nil
			}
			return &ResolveError{Name: q.String(), Reason: "no such type; ALTER TYPE … RENAME fails"}
		}
		return b.moveType(q, QName{q.Schema, s.Newname}, "ALTER TYPE … RENAME")
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_FOREIGN_TABLE, pg_query.ObjectType_OBJECT_SEQUENCE, pg_query.ObjectType_OBJECT_INDEX:
		q, kind, err := b.findRV(s.Relation)
		if err != nil {
			return err
		}
		if kind == 0 {
			if s.MissingOk {
				return nil
			}
			return &ResolveError{Name: q.String(), Reason: "no such relation; ALTER … RENAME fails"}
		}
		if err := relKindFits(s.RenameType, kind, true); err != nil {
			return err
		}
		return b.moveRels(map[QName]QName{q: {q.Schema, s.Newname}})
	}
	return nil
}

// relKindFits checks the relation kind an ALTER statement names against the
// relation's: ALTER TABLE fits anything but a composite type, as PostgreSQL
// allows for compatibility, and ALTER INDEX … RENAME any relation.
func relKindFits(stmt pg_query.ObjectType, kind relKind, renaming bool) error {
	want := map[pg_query.ObjectType]relKind{
		pg_query.ObjectType_OBJECT_VIEW:          relView,
		pg_query.ObjectType_OBJECT_MATVIEW:       relMatView,
		pg_query.ObjectType_OBJECT_FOREIGN_TABLE: relForeign,
		pg_query.ObjectType_OBJECT_SEQUENCE:      relSequence,
		pg_query.ObjectType_OBJECT_INDEX:         relIndex,
	}[stmt]
	switch {
	case kind == relComposite:
		return &UnsupportedError{Statement: "ALTER " + objName(stmt), Reason: "it names a composite type; PostgreSQL wants ALTER TYPE"}
	case want == 0, want == kind, renaming && stmt == pg_query.ObjectType_OBJECT_INDEX:
		return nil
	}
	return &UnsupportedError{Statement: "ALTER " + objName(stmt), Reason: "it names " + kind.String() + "; PostgreSQL refuses"}
}

func objName(t pg_query.ObjectType) string {
	return strings.ReplaceAll(strings.TrimPrefix(t.String(), "OBJECT_"), "_", " ")
}

// moveType renames a type (and a composite type's relation) or moves it to
// another schema.
func (b *Builder) moveType(old, q QName, stmt string) error {
	switch kind := b.rels[old]; {
	case kind == relComposite:
		return b.moveRels(map[QName]QName{old: q})
	case kind.hasRowType():
		return &UnsupportedError{Statement: stmt, Reason: old.String() + " is the row type of " + kind.String() + "; PostgreSQL wants ALTER TABLE"}
	case b.typeExists(q):
		return &ExistsError{Kind: "type", Name: q.String()}
	}
	b.remap(func(x QName) QName { return x }, func(x QName) QName {
		if x == old {
			return q
		}
		return x
	})
	return nil
}

// renameSchema follows ALTER SCHEMA … RENAME TO.
func (b *Builder) renameSchema(old, name string) error {
	switch {
	case !b.schemas[old]:
		if b.schemaExists(old) {
			return &UnsupportedError{Statement: "ALTER SCHEMA … RENAME", Reason: "schema " + QuoteIdent(old) + " is a system schema"}
		}
		return &ResolveError{Name: QuoteIdent(old), Reason: "no such schema; ALTER SCHEMA … RENAME fails"}
	case b.schemaExists(name) || name == "pg_temp":
		return &ExistsError{Kind: "schema", Name: QuoteIdent(name)}
	case strings.HasPrefix(name, "pg_"):
		return &UnsupportedError{Statement: "ALTER SCHEMA … RENAME", Reason: "schema names starting with pg_ are reserved for system schemas"}
	}
	delete(b.schemas, old)
	b.schemas[name] = true
	move := func(x QName) QName {
		if x.Schema == old {
			x.Schema = name
		}
		return x
	}
	b.remap(move, move)
	return nil
}

// setSchema follows ALTER … SET SCHEMA for tables, views, sequences and
// types.
func (b *Builder) setSchema(s *pg_query.AlterObjectSchemaStmt) error {
	stmt := "ALTER " + objName(s.ObjectType) + " … SET SCHEMA"
	if _, err := b.createIn("", s.Newschema); err != nil || isTempSchema(s.Newschema) {
		return &UnsupportedError{Statement: stmt, Reason: "schema " + QuoteIdent(s.Newschema) + " does not exist or takes no objects"}
	}
	switch s.ObjectType {
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		q, err := b.findType(strs(s.Object.GetList().GetItems()))
		if err != nil {
			return err
		}
		if !b.typeExists(q) {
			if s.MissingOk {
				return nil
			}
			return &ResolveError{Name: q.String(), Reason: "no such type; " + stmt + " fails"}
		}
		return b.moveType(q, QName{s.Newschema, q.Name}, stmt)
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_FOREIGN_TABLE, pg_query.ObjectType_OBJECT_SEQUENCE:
	default:
		return nil
	}
	q, kind, err := b.findRV(s.Relation)
	if err != nil {
		return err
	}
	switch {
	case kind == 0 && s.MissingOk:
		return nil
	case kind == 0:
		return &ResolveError{Name: q.String(), Reason: "no such relation; " + stmt + " fails"}
	case q.Schema == "pg_temp":
		return &UnsupportedError{Statement: stmt, Reason: "cannot move objects into or out of temporary schemas"}
	case kind == relSequence && b.cat.Sequences[q] != nil && b.cat.Sequences[q].OwnedBy != nil && !b.cat.Sequences[q].ownerInferred:
		return &UnsupportedError{Statement: stmt, Reason: "sequence " + q.String() + " is owned by a table column and moves only with its table"}
	}
	if err := relKindFits(s.ObjectType, kind, false); err != nil {
		return err
	}
	// A table takes its indexes and owned sequences along.
	moves := map[QName]QName{q: {s.Newschema, q.Name}}
	for iq, idx := range b.indexes {
		if idx.table == q {
			moves[iq] = QName{s.Newschema, iq.Name}
		}
	}
	for sq, seq := range b.cat.Sequences {
		if seq.OwnedBy != nil && !seq.ownerInferred && seq.OwnedBy.Table == q {
			moves[sq] = QName{s.Newschema, sq.Name}
		}
	}
	return b.moveRels(moves)
}
