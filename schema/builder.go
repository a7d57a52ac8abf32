package schema

import (
	"errors"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/pganalyze/pg_query_go/v5/parser"
)

// Builder follows a SQL script statement by statement, the way PostgreSQL
// would run it in one psql session, and accumulates the schema it defines
// into a Catalog. Where it cannot tell what PostgreSQL would do, it returns
// an error rather than guess. It is not safe for concurrent use.
type Builder struct {
	cat *Catalog
	// rels holds every relation name, whatever its kind: PostgreSQL keeps
	// tables, views, sequences, indexes and composite types in one namespace
	// per schema, so the kind found first on the search path decides what an
	// unqualified name means. Temporary relations are under schema pg_temp.
	rels    map[QName]relKind
	indexes map[QName]*index
	views   map[QName]*view
	// types are the range, base and shell types, which the Catalog does not
	// describe but whose names resolve and collide like any other type's.
	types   map[QName]bool
	schemas map[string]bool // schemas the script has (public until dropped)
	tempNS  bool            // the session has created its temporary schema

	session
	// changes counts model changes, so that a rollback can tell whether it
	// would undo one.
	changes int
}

// NewBuilder returns a Builder for a fresh database (schema public, nothing
// in it) at the start of a session whose role is not known.
func NewBuilder() *Builder {
	b := &Builder{
		cat: &Catalog{
			Enums:     map[QName]*Enum{},
			Domains:   map[QName]*Domain{},
			Sequences: map[QName]*Sequence{},
			byName:    map[QName]*Table{},
		},
		rels:    map[QName]relKind{},
		indexes: map[QName]*index{},
		views:   map[QName]*view{},
		types:   map[QName]bool{},
		schemas: map[string]bool{"public": true},
	}
	b.startSession()
	return b
}

// Add feeds one SQL statement as it appears in a dump (leading comments,
// CRLF line ends and a trailing semicolon are fine) and applies what it does
// to the schema; it is Statement without the classification. Statements that
// neither define schema nor act on data are skipped on their first keywords
// without being parsed. A statement the parser rejects gives a *ParseError;
// one the model cannot follow as PostgreSQL would gives one of this package's
// other error types.
func (b *Builder) Add(sql string) error {
	_, err := b.Statement(sql)
	return err
}

// Statement applies one SQL statement exactly like Add and says what it
// does besides defining schema. Text holding several statements is applied
// whole, as PostgreSQL runs a multi-statement query: in one implicit
// transaction. Their effects are merged (Opaque when they differ in kind).
func (b *Builder) Statement(sql string) (Effect, error) {
	r := routeOf(sql)
	if b.set.scsOff && r != skip && strings.IndexByte(sql, '\\') >= 0 {
		return Effect{}, errScs
	}
	switch r {
	case skip, literalRows:
		return Effect{}, nil
	case loData:
		return Effect{Kind: LargeObject, What: "large object data (lowrite)"}, nil
	case loMeta:
		return Effect{Kind: LargeObject, What: "large object metadata"}, nil
	case scanView:
		if ok, err := b.scannedView(sql); ok {
			return Effect{}, err
		}
	}
	res, err := pg_query.Parse(sql)
	if err != nil {
		return Effect{}, parseError(sql, err)
	}
	var eff Effect
	for i, raw := range res.Stmts {
		if len(res.Stmts) > 1 && b.tx == nil {
			b.begin(true)
		}
		var e Effect
		// The text was parsed with standard_conforming_strings on; a
		// statement before this one may have turned it off.
		if i > 0 && b.set.scsOff && strings.IndexByte(sql, '\\') >= 0 {
			err = errScs
		} else {
			e, err = b.apply(raw.Stmt)
		}
		if err != nil {
			if b.tx != nil && b.tx.implicit { // PostgreSQL aborts the implicit block
				b.set, b.kept, b.tx = b.tx.begin.set, b.tx.begin.kept, nil
			}
			return Effect{}, err
		}
		eff = eff.merge(e)
	}
	if b.tx != nil && b.tx.implicit {
		b.commit()
	}
	return eff, nil
}

var errScs = &UnsupportedError{Statement: "a statement with a backslash",
	Reason: "standard_conforming_strings is off, so backslashes in its string literals are escapes, which the bundled parser does not read"}

// parseError turns the parser's error into a *ParseError, noting syntax of
// a later release that would explain it.
func parseError(sql string, err error) *ParseError {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return &ParseError{Message: err.Error(), Offset: -1}
	}
	return &ParseError{Message: withoutLiteral(pe.Message), Offset: charToByte(sql, pe.Cursorpos), Newer: newerSyntax(sql)}
}

// charToByte turns the parser's 1-based character position into a byte
// offset, stepping over characters the way PostgreSQL measures UTF-8 (by
// the lead byte) so invalid input cannot desynchronise the two.
func charToByte(s string, pos int) int {
	if pos <= 0 {
		return -1
	}
	i := 0
	for n := 1; n < pos && i < len(s); n++ {
		switch c := s[i]; {
		case c&0xe0 == 0xc0:
			i += 2
		case c&0xf0 == 0xe0:
			i += 3
		case c&0xf8 == 0xf0:
			i += 4
		default:
			i++
		}
	}
	return min(i, len(s))
}

// apply runs one parsed statement.
func (b *Builder) apply(n *pg_query.Node) (Effect, error) {
	var err error
	switch s := n.GetNode().(type) {
	case *pg_query.Node_TransactionStmt:
		err = b.transaction(s.TransactionStmt)
	case *pg_query.Node_VariableSetStmt:
		err = b.variableSet(s.VariableSetStmt)
	case *pg_query.Node_DiscardStmt:
		err = b.discard(s.DiscardStmt)
	case *pg_query.Node_AlterRoleSetStmt:
		b.noteStartSettings(s.AlterRoleSetStmt.Setstmt)
	case *pg_query.Node_AlterDatabaseSetStmt:
		b.noteStartSettings(s.AlterDatabaseSetStmt.Setstmt)
	case *pg_query.Node_AlterSystemStmt:
		b.noteStartSettings(s.AlterSystemStmt.Setstmt)

	case *pg_query.Node_CreateSchemaStmt:
		err = b.createSchema(s.CreateSchemaStmt)
	case *pg_query.Node_CreateStmt:
		err = b.createTable(s.CreateStmt)
	case *pg_query.Node_CreateForeignTableStmt:
		err = b.createOther(s.CreateForeignTableStmt.BaseStmt.GetRelation(), relForeign, s.CreateForeignTableStmt.BaseStmt.GetIfNotExists())
	case *pg_query.Node_CompositeTypeStmt:
		err = b.createOther(s.CompositeTypeStmt.Typevar, relComposite, false)
	case *pg_query.Node_ViewStmt:
		err = b.createView(s.ViewStmt.View, relView, s.ViewStmt.Replace, false, treeMentions(s.ViewStmt.Query))
	case *pg_query.Node_AlterTableStmt:
		err = b.alterTable(s.AlterTableStmt)
	case *pg_query.Node_IndexStmt:
		err = b.createIndex(s.IndexStmt)
	case *pg_query.Node_CreateEnumStmt:
		err = b.createEnum(s.CreateEnumStmt)
	case *pg_query.Node_AlterEnumStmt:
		err = b.alterEnum(s.AlterEnumStmt)
	case *pg_query.Node_CreateDomainStmt:
		err = b.createDomain(s.CreateDomainStmt)
	case *pg_query.Node_AlterDomainStmt:
		err = b.alterDomain(s.AlterDomainStmt)
	case *pg_query.Node_CreateRangeStmt:
		err = b.createRange(s.CreateRangeStmt)
	case *pg_query.Node_DefineStmt:
		if s.DefineStmt.Kind == pg_query.ObjectType_OBJECT_TYPE {
			err = b.createBaseType(s.DefineStmt)
		}
	case *pg_query.Node_CreateSeqStmt:
		err = b.createSequence(s.CreateSeqStmt)
	case *pg_query.Node_AlterSeqStmt:
		err = b.alterSequence(s.AlterSeqStmt)
	case *pg_query.Node_DropStmt:
		err = b.drop(s.DropStmt)
	case *pg_query.Node_RenameStmt:
		err = b.rename(s.RenameStmt)
	case *pg_query.Node_AlterObjectSchemaStmt:
		err = b.setSchema(s.AlterObjectSchemaStmt)
	case *pg_query.Node_DropOwnedStmt:
		err = &UnsupportedError{Statement: "DROP OWNED", Reason: "the model does not track owners, so it cannot tell what it drops"}
	default:
		return b.effect(n)
	}
	return Effect{}, err
}

// touch records that the model changed.
func (b *Builder) touch() { b.changes++ }

// strs collects the String nodes of a list (names, key columns, labels).
func strs(nodes []*pg_query.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if s := n.GetString_(); s != nil {
			out = append(out, s.Sval)
		}
	}
	return out
}

// objectName builds the name PostgreSQL gives an unnamed constraint, index or
// sequence: name1_name2_label, shortening the longer of name1 and name2 until
// it fits in 63 bytes (without splitting a UTF-8 character).
func objectName(name1, name2, label string) string {
	const maxLen = 63
	avail := maxLen - len(label) - 1
	if name2 != "" {
		avail--
	}
	n1, n2 := len(name1), len(name2)
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	name := clipUTF8(name1, n1)
	if name2 != "" {
		name += "_" + clipUTF8(name2, n2)
	}
	return name + "_" + label
}

// freeName is objectName with a counter appended to the label while the
// name is taken, as PostgreSQL does: t_a_check, t_a_check1, …
func freeName(taken func(string) bool, name1, name2, label string) string {
	name := objectName(name1, name2, label)
	for n := 1; taken(name); n++ {
		name = objectName(name1, name2, label+strconv.Itoa(n))
	}
	return name
}

// clipUTF8 cuts s to at most n bytes at a character boundary.
func clipUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
