package schema

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// plain reports whether every part of k is a column as stored.
func (k *Key) plain() bool {
	return !slices.ContainsFunc(k.Parts, func(p KeyPart) bool { return p.Column == "" || p.Fold != NoFold })
}

// uses reports whether k reads the column, in its parts or its WHERE.
func (k *Key) uses(col string) bool {
	return slices.Contains(k.Columns, col) || slices.Contains(k.where, col)
}

func cloneKey(k *Key) *Key {
	c := *k
	c.Columns, c.Parts, c.where = slices.Clone(k.Columns), slices.Clone(k.Parts), slices.Clone(k.where)
	return &c
}

// indexesOf lists the indexes on q in name order, for a stable result.
func (b *Builder) indexesOf(q QName) []*index {
	var names []QName
	for iq, idx := range b.indexes {
		if idx.table == q {
			names = append(names, iq)
		}
	}
	slices.SortFunc(names, func(a, c QName) int { return strings.Compare(a.Name, c.Name) })
	out := make([]*index, len(names))
	for i, iq := range names {
		out[i] = b.indexes[iq]
	}
	return out
}

// addKey adds a primary key, UNIQUE constraint (constraint set) or unique
// index to t, with the index PostgreSQL creates for it.
func (b *Builder) addKey(t *Table, k *Key, primary, constraint bool) error {
	stmt := "UNIQUE"
	if primary {
		stmt = "PRIMARY KEY"
		if t.PrimaryKey != nil {
			return &UnsupportedError{Statement: stmt, Reason: "multiple primary keys for table " + t.Name.String() + " are not allowed"}
		}
	}
	for _, col := range k.Columns {
		if t.Column(col) == nil {
			return &UnsupportedError{Statement: stmt, Reason: "column " + QuoteIdent(col) + " of table " + t.Name.String() + " does not exist"}
		}
	}
	if k.Name == "" {
		var taken func(string) bool
		if constraint {
			taken = b.constraintTaken(t.Name.Schema, nil)
		}
		switch {
		case primary:
			k.Name = b.freeRelName(t.Name.Schema, t.Name.Name, "", "pkey", taken)
		case constraint:
			k.Name = b.freeRelName(t.Name.Schema, t.Name.Name, indexColumnNames(k), "key", taken)
		default:
			k.Name = b.freeRelName(t.Name.Schema, t.Name.Name, indexColumnNames(k), "idx", nil)
		}
	}
	q := QName{t.Name.Schema, k.Name}
	if err := b.addRel(q, relIndex); err != nil {
		return err
	}
	b.indexes[q] = &index{table: t.Name, key: k, constraint: constraint}
	if primary {
		t.PrimaryKey = k
		for _, name := range k.Columns {
			t.Column(name).NotNull = true
		}
	} else {
		t.Uniques = append(t.Uniques, k)
	}
	return nil
}

// indexColumnNames is the middle of an unnamed index's name: its columns'
// names, or what PostgreSQL calls an expression ("lower", "expr").
func indexColumnNames(k *Key) string {
	names := make([]string, len(k.Parts))
	for i, p := range k.Parts {
		switch {
		case p.Fold == FoldLower:
			names[i] = "lower"
		case p.Fold == FoldUpper:
			names[i] = "upper"
		case p.Column != "":
			names[i] = p.Column
		default:
			names[i] = "expr"
		}
	}
	return strings.Join(names, "_")
}

// keyUsingIndex follows ADD PRIMARY KEY / UNIQUE USING INDEX: the unique
// index becomes the constraint, renamed after it.
func (b *Builder) keyUsingIndex(t *Table, c *pg_query.Constraint, primary bool) error {
	const stmt = "ADD CONSTRAINT … USING INDEX"
	iq := QName{t.Name.Schema, c.Indexname}
	idx := b.indexes[iq]
	switch {
	case idx == nil || idx.key == nil || idx.table != t.Name:
		return &UnsupportedError{Statement: stmt, Reason: "no unique index " + iq.String() + " on table " + t.Name.String()}
	case idx.constraint:
		return &UnsupportedError{Statement: stmt, Reason: "index " + iq.String() + " already belongs to a constraint"}
	case idx.key.Partial || !idx.key.plain():
		return &UnsupportedError{Statement: stmt, Reason: "index " + iq.String() + " is partial or has expressions"}
	case primary && t.PrimaryKey != nil:
		return &UnsupportedError{Statement: stmt, Reason: "multiple primary keys for table " + t.Name.String() + " are not allowed"}
	}
	idx.constraint = true
	if primary {
		t.Uniques = slices.DeleteFunc(t.Uniques, func(k *Key) bool { return k == idx.key })
		t.PrimaryKey = idx.key
		for _, name := range idx.key.Columns {
			t.Column(name).NotNull = true
		}
	}
	b.touch()
	if c.Conname != "" && c.Conname != c.Indexname {
		return b.moveRels(map[QName]QName{iq: {iq.Schema, c.Conname}})
	}
	return nil
}

// addExclusion adds an EXCLUDE constraint with its index.
func (b *Builder) addExclusion(t *Table, ex *Exclusion) error {
	for _, col := range ex.Columns {
		if t.Column(col) == nil {
			return &UnsupportedError{Statement: "EXCLUDE", Reason: "column " + QuoteIdent(col) + " of table " + t.Name.String() + " does not exist"}
		}
	}
	if ex.Name == "" {
		ex.Name = b.freeRelName(t.Name.Schema, t.Name.Name, strings.Join(ex.Columns, "_"), "excl", b.constraintTaken(t.Name.Schema, nil))
	}
	q := QName{t.Name.Schema, ex.Name}
	if err := b.addRel(q, relIndex); err != nil {
		return err
	}
	b.indexes[q] = &index{table: t.Name, excl: ex, constraint: true}
	t.Exclusions = append(t.Exclusions, ex)
	return nil
}

// keyPart describes one element of an index and lists the columns it reads:
// a column, lower/upper of a column (casts to text around either are
// value-preserving and ignored), or another expression.
func keyPart(e *pg_query.IndexElem) (KeyPart, []string, error) {
	if e.GetName() != "" {
		return KeyPart{Column: e.Name}, []string{e.Name}, nil
	}
	if fc := stripTextCasts(e.GetExpr()).GetFuncCall(); fc != nil && len(fc.Args) == 1 && fc.AggOrder == nil && fc.Over == nil && !fc.AggStar {
		fn := strs(fc.Funcname)
		fold := map[string]Fold{"lower": FoldLower, "upper": FoldUpper}[fn[len(fn)-1]]
		if col := columnName(stripTextCasts(fc.Args[0])); col != "" && fold != NoFold && (len(fn) == 1 || len(fn) == 2 && fn[0] == "pg_catalog") {
			return KeyPart{Column: col, Fold: fold}, []string{col}, nil
		}
	}
	text, err := exprText(e.GetExpr())
	if err != nil {
		return KeyPart{}, nil, err
	}
	return KeyPart{Expr: text}, columnRefs(e.GetExpr()), nil
}

// stripTextCasts removes casts to text and to varchar without a length,
// which keep a text value as it is (a cast to char or varchar(n) would not).
func stripTextCasts(n *pg_query.Node) *pg_query.Node {
	for tc := n.GetTypeCast(); tc != nil; tc = n.GetTypeCast() {
		names := strs(tc.TypeName.GetNames())
		if len(tc.TypeName.GetTypmods()) > 0 || len(tc.TypeName.GetArrayBounds()) > 0 || len(names) == 0 ||
			names[len(names)-1] != "text" && names[len(names)-1] != "varchar" ||
			len(names) == 2 && names[0] != "pg_catalog" {
			return n
		}
		n = tc.Arg
	}
	return n
}

// columnName is the column a bare column reference names, "" for anything
// else.
func columnName(n *pg_query.Node) string {
	ref := n.GetColumnRef()
	if ref == nil || len(ref.Fields) != 1 {
		return ""
	}
	return ref.Fields[0].GetString_().GetSval()
}

// createIndex follows CREATE INDEX. Every index claims its name; unique ones
// on a table of the model also become keys: on columns, folded columns or
// expressions, partial or not.
func (b *Builder) createIndex(s *pg_query.IndexStmt) error {
	const stmt = "CREATE INDEX"
	if s.Concurrent && b.tx != nil {
		return &UnsupportedError{Statement: stmt + " CONCURRENTLY", Reason: "it cannot run inside a transaction block; the error aborts the transaction"}
	}
	tq, kind, err := b.findRV(s.Relation)
	if err != nil {
		return err
	}
	switch kind {
	case relTable, relMatView, relOpaque:
	case 0:
		return &ResolveError{Name: tq.String(), Reason: "no such relation; " + stmt + " fails"}
	default:
		return &UnsupportedError{Statement: stmt, Reason: "cannot create an index on " + kind.String()}
	}
	t := b.cat.byName[tq]
	k := &Key{Name: s.Idxname, Partial: s.WhereClause != nil, NullsNotDistinct: s.NullsNotDistinct}
	for _, p := range s.IndexParams {
		part, read, err := keyPart(p.GetIndexElem())
		if err != nil {
			return err
		}
		k.Parts = append(k.Parts, part)
		for _, col := range read {
			if !slices.Contains(k.Columns, col) {
				k.Columns = append(k.Columns, col)
			}
		}
	}
	if s.WhereClause != nil {
		k.where = columnRefs(s.WhereClause)
	}
	if s.Idxname != "" && b.rels[QName{tq.Schema, s.Idxname}] != 0 && s.IfNotExists {
		return nil
	}
	if s.Unique && t != nil {
		return b.addKey(t, k, false, false)
	}
	if k.Name == "" {
		k.Name = b.freeRelName(tq.Schema, tq.Name, indexColumnNames(k), "idx", nil)
	}
	q := QName{tq.Schema, k.Name}
	if err := b.addRel(q, relIndex); err != nil {
		return err
	}
	b.indexes[q] = &index{table: tq}
	return nil
}

// alterIndex follows ALTER INDEX … ATTACH PARTITION, which ties a
// partition's index to its parent's: dropping the parent's drops it too.
func (b *Builder) alterIndex(s *pg_query.AlterTableStmt) error {
	pq, kind, err := b.findRV(s.Relation)
	if err != nil {
		return err
	}
	if kind != relIndex {
		if kind == 0 && s.MissingOk {
			return nil
		}
		return &ResolveError{Name: pq.String(), Reason: "not an index; ALTER INDEX fails"}
	}
	for _, n := range s.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd.GetSubtype() != pg_query.AlterTableType_AT_AttachPartition {
			continue
		}
		cq, kind, err := b.findRV(cmd.Def.GetPartitionCmd().GetName())
		if err != nil {
			return err
		}
		if kind != relIndex {
			return &ResolveError{Name: cq.String(), Reason: "not an index; ALTER INDEX … ATTACH PARTITION fails"}
		}
		b.indexes[cq].parent = pq
		b.touch()
	}
	return nil
}
