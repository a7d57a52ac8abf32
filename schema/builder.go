package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/pganalyze/pg_query_go/v5/parser"
)

// Builder accumulates DDL statements into a Catalog. It is not safe for
// concurrent use.
type Builder struct {
	cat *Catalog
	// indexes are unique indexes by name (in their table's schema), for
	// ADD CONSTRAINT … USING INDEX.
	indexes map[QName]uniqueIndex
	// search is the first usable schema of search_path, where unqualified
	// names go; "" means public.
	search string
}

type uniqueIndex struct {
	table *Table
	key   *Key
}

// NewBuilder returns an empty Builder; unqualified names mean public until a
// search_path setting says otherwise.
func NewBuilder() *Builder {
	return &Builder{
		cat: &Catalog{
			Enums:     map[QName]*Enum{},
			Domains:   map[QName]*Domain{},
			Sequences: map[QName]*Sequence{},
			byName:    map[QName]*Table{},
		},
		indexes: map[QName]uniqueIndex{},
	}
}

// ParseError reports a statement PostgreSQL's parser rejects.
type ParseError struct {
	Message string
	Offset  int // byte offset in the statement, -1 if unknown
}

func (e *ParseError) Error() string {
	if e.Offset < 0 {
		return "schema: " + e.Message
	}
	return fmt.Sprintf("schema: %s (at byte %d of the statement)", e.Message, e.Offset)
}

// Add feeds one SQL statement as it appears in a dump (leading comments, CRLF
// line ends and a trailing semicolon are fine). Statements that define no
// schema are skipped on their first keywords without being parsed (text
// holding several statements is judged by the first and then applied whole).
// A statement the parser rejects gives a *ParseError.
func (b *Builder) Add(sql string) error {
	if !defines(sql) {
		return nil
	}
	res, err := pg_query.Parse(sql)
	if err != nil {
		var pe *parser.Error
		if errors.As(err, &pe) {
			return &ParseError{Message: pe.Message, Offset: charToByte(sql, pe.Cursorpos)}
		}
		return &ParseError{Message: err.Error(), Offset: -1}
	}
	for _, raw := range res.Stmts {
		if err := b.statement(raw.Stmt); err != nil {
			return err
		}
	}
	return nil
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

func (b *Builder) statement(n *pg_query.Node) error {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateStmt:
		return b.createTable(s.CreateStmt)
	case *pg_query.Node_AlterTableStmt:
		return b.alterTable(s.AlterTableStmt)
	case *pg_query.Node_IndexStmt:
		b.createIndex(s.IndexStmt)
	case *pg_query.Node_CreateEnumStmt:
		q := b.qualify(strs(s.CreateEnumStmt.TypeName))
		b.cat.Enums[q] = &Enum{Name: q, Labels: strs(s.CreateEnumStmt.Vals)}
	case *pg_query.Node_AlterEnumStmt:
		b.alterEnum(s.AlterEnumStmt)
	case *pg_query.Node_CreateDomainStmt:
		return b.createDomain(s.CreateDomainStmt)
	case *pg_query.Node_AlterDomainStmt:
		return b.alterDomain(s.AlterDomainStmt)
	case *pg_query.Node_CreateSeqStmt:
		if s.CreateSeqStmt.Sequence.GetRelpersistence() == "t" {
			return nil
		}
		q := b.relName(s.CreateSeqStmt.Sequence)
		if s.CreateSeqStmt.IfNotExists && b.cat.Sequences[q] != nil {
			return nil
		}
		b.defineSequence(q, Type{Schema: "pg_catalog", Name: "int8"}, s.CreateSeqStmt.Options)
	case *pg_query.Node_AlterSeqStmt:
		if seq := b.cat.Sequences[b.relName(s.AlterSeqStmt.Sequence)]; seq != nil {
			b.applySeqOptions(seq, parseSeqOptions(s.AlterSeqStmt.Options))
		}
	case *pg_query.Node_VariableSetStmt:
		b.setSearchPath(s.VariableSetStmt)
	case *pg_query.Node_SelectStmt:
		b.setConfig(s.SelectStmt)
	}
	return nil
}

// creationSchema is where an unqualified name goes.
func (b *Builder) creationSchema() string {
	if b.search == "" {
		return "public"
	}
	return b.search
}

func (b *Builder) relName(rv *pg_query.RangeVar) QName {
	if rv.GetSchemaname() != "" {
		return QName{rv.Schemaname, rv.GetRelname()}
	}
	return QName{b.creationSchema(), rv.GetRelname()}
}

// qualify turns a parsed dotted name (catalog.schema.name, schema.name or
// name) into a QName.
func (b *Builder) qualify(names []string) QName {
	switch len(names) {
	case 0:
		return QName{}
	case 1:
		return QName{b.creationSchema(), names[0]}
	}
	return QName{names[len(names)-2], names[len(names)-1]}
}

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

// setSearchPath tracks SET search_path and RESET search_path.
func (b *Builder) setSearchPath(s *pg_query.VariableSetStmt) {
	if s.Name != "search_path" {
		return
	}
	switch s.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		var names []string
		for _, a := range s.Args {
			names = append(names, a.GetAConst().GetSval().GetSval())
		}
		b.search = firstSchema(names)
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
		b.search = ""
	}
}

// setConfig tracks pg_dump's SELECT pg_catalog.set_config('search_path', '…', false).
func (b *Builder) setConfig(s *pg_query.SelectStmt) {
	if len(s.TargetList) != 1 {
		return
	}
	fc := s.TargetList[0].GetResTarget().GetVal().GetFuncCall()
	if fc == nil || len(fc.Args) < 2 {
		return
	}
	fn := strs(fc.Funcname)
	if len(fn) == 0 || fn[len(fn)-1] != "set_config" ||
		fc.Args[0].GetAConst().GetSval().GetSval() != "search_path" {
		return
	}
	value := fc.Args[1].GetAConst().GetSval()
	if value == nil {
		return
	}
	var names []string
	for _, item := range splitList(value.Sval) {
		if parts, err := splitQualified(item, true); err == nil && len(parts) == 1 {
			names = append(names, parts[0])
		}
	}
	b.search = firstSchema(names)
}

// splitList splits a search_path value on commas outside double quotes and
// trims the blanks around each item.
func splitList(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] == '"' {
			quoted = !quoted
		}
		if i == len(s) || s[i] == ',' && !quoted {
			if item := strings.TrimSpace(s[start:i]); item != "" {
				out = append(out, item)
			}
			start = i + 1
		}
	}
	return out
}

// firstSchema picks the schema new objects are created in: the first entry
// of the path, skipping "$user" (the role is unknown here) and pg_catalog
// (nobody creates tables there). "" means public.
func firstSchema(names []string) string {
	for _, n := range names {
		if n != "$user" && n != "pg_catalog" && n != "" {
			return n
		}
	}
	return ""
}

func (b *Builder) alterEnum(s *pg_query.AlterEnumStmt) {
	e := b.cat.Enums[b.qualify(strs(s.TypeName))]
	if e == nil {
		return
	}
	if s.OldVal != "" { // RENAME VALUE
		for i, l := range e.Labels {
			if l == s.OldVal {
				e.Labels[i] = s.NewVal
			}
		}
		return
	}
	at := len(e.Labels)
	for i, l := range e.Labels {
		if l == s.NewVal {
			return // already there: IF NOT EXISTS, or an error PostgreSQL would raise
		}
		if l == s.NewValNeighbor {
			at = i
			if s.NewValIsAfter {
				at++
			}
		}
	}
	e.Labels = append(e.Labels[:at], append([]string{s.NewVal}, e.Labels[at:]...)...)
}

func (b *Builder) createDomain(s *pg_query.CreateDomainStmt) error {
	d := &Domain{Name: b.qualify(strs(s.Domainname))}
	d.Base, _ = b.typeOf(s.TypeName)
	for _, n := range s.Constraints {
		if err := b.domainConstraint(d, n.GetConstraint()); err != nil {
			return err
		}
	}
	b.cat.Domains[d.Name] = d
	return nil
}

func (b *Builder) alterDomain(s *pg_query.AlterDomainStmt) error {
	d := b.cat.Domains[b.qualify(strs(s.TypeName))]
	if d == nil {
		return nil
	}
	switch s.Subtype {
	case "C": // ADD CONSTRAINT
		return b.domainConstraint(d, s.Def.GetConstraint())
	case "O": // SET NOT NULL
		d.NotNull = true
	case "N": // DROP NOT NULL
		d.NotNull = false
	}
	return nil
}

func (b *Builder) domainConstraint(d *Domain, c *pg_query.Constraint) error {
	switch c.GetContype() {
	case pg_query.ConstrType_CONSTR_NOTNULL:
		d.NotNull = true
	case pg_query.ConstrType_CONSTR_CHECK:
		chk, err := b.check(c, true)
		if err != nil {
			return err
		}
		if chk.Name == "" {
			taken := map[string]bool{}
			for _, o := range d.Checks {
				taken[o.Name] = true
			}
			chk.Name = freeName(taken, d.Name.Name, "", "check")
		}
		d.Checks = append(d.Checks, chk)
	}
	return nil
}

// objectName builds the name PostgreSQL gives an unnamed constraint, index or
// sequence: name1_name2_label, shortening the longer of name1 and name2 until
// it fits in 63 bytes (without splitting a UTF-8 character). The numeric
// suffix PostgreSQL adds on a clash is not reproduced.
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
func freeName(taken map[string]bool, name1, name2, label string) string {
	name := objectName(name1, name2, label)
	for n := 1; taken[name]; n++ {
		name = objectName(name1, name2, label+strconv.Itoa(n))
	}
	return name
}

// clipUTF8 cuts s to at most n bytes at a character boundary.
func clipUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
