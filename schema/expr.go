package schema

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// exprText gives an expression as SQL text. Raw parse trees carry no end
// position to slice the source by, so the expression is deparsed as the
// only target of a SELECT and the keyword cut off again.
func exprText(n *pg_query.Node) (string, error) {
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, -1)}}
	out, err := pg_query.Deparse(&pg_query.ParseResult{
		Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}}},
	})
	if err != nil {
		return "", &ParseError{Message: "cannot deparse expression: " + err.Error(), Offset: -1}
	}
	return strings.TrimPrefix(out, "SELECT "), nil
}

// check builds a CHECK constraint of a table or (domain) of a domain; an
// unnamed one is left for the caller to name.
func (b *Builder) check(c *pg_query.Constraint, domain bool) (*Check, error) {
	expr, err := exprText(c.RawExpr)
	if err != nil {
		return nil, err
	}
	chk := &Check{Name: c.Conname, Expr: expr, refs: columnRefs(c.RawExpr)}
	chk.Column, chk.Op, chk.Pattern = regexMatch(c.RawExpr)
	if domain {
		// In a domain CHECK, VALUE parses as a column reference "value".
		if chk.Column == "value" {
			chk.Column = "VALUE"
		} else {
			chk.Column, chk.Op, chk.Pattern = "", "", ""
		}
	}
	return chk, nil
}

// regexMatch recognises `column ~ 'pattern'` and `column ~* 'pattern'`, with
// any casts on either side (pg_dump prints ((c)::text ~ '…'::text)).
func regexMatch(n *pg_query.Node) (column, op, pattern string) {
	e := n.GetAExpr()
	if e == nil || e.Kind != pg_query.A_Expr_Kind_AEXPR_OP {
		return "", "", ""
	}
	ops := strs(e.Name) // OPERATOR(pg_catalog.~) has a schema part
	if len(ops) == 0 || ops[len(ops)-1] != "~" && ops[len(ops)-1] != "~*" {
		return "", "", ""
	}
	ref := uncast(e.Lexpr).GetColumnRef()
	lit := uncast(e.Rexpr).GetAConst().GetSval()
	if ref == nil || lit == nil {
		return "", "", ""
	}
	fields := strs(ref.Fields)
	if len(fields) != len(ref.Fields) || len(fields) == 0 {
		return "", "", "" // t.* or similar
	}
	return fields[len(fields)-1], ops[len(ops)-1], lit.Sval
}

func uncast(n *pg_query.Node) *pg_query.Node {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().Arg
	}
	return n
}

// columnRefs lists the distinct column names an expression references, in
// order of appearance.
func columnRefs(n *pg_query.Node) []string {
	var out []string
	walk(n.ProtoReflect(), func(m protoreflect.Message) {
		ref, ok := m.Interface().(*pg_query.ColumnRef)
		if !ok {
			return
		}
		fields := strs(ref.Fields)
		if len(fields) == 0 {
			return
		}
		name := fields[len(fields)-1]
		for _, o := range out {
			if o == name {
				return
			}
		}
		out = append(out, name)
	})
	return out
}

// walk visits every message in a parse tree; reflection spares a switch over
// the hundreds of node types an expression may contain.
func walk(m protoreflect.Message, visit func(protoreflect.Message)) {
	prune(m, func(m protoreflect.Message) bool { visit(m); return true })
}

// prune is walk where visit says whether to go below m.
func prune(m protoreflect.Message, visit func(protoreflect.Message) bool) {
	if !visit(m) {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				prune(l.Get(i).Message(), visit)
			}
		default:
			prune(v.Message(), visit)
		}
		return true
	})
}

// nextvalTarget recognises DEFAULT nextval('seq'::regclass) and returns the
// sequence. The name is a regclass literal, resolved when the default is
// set: unquoted parts fold to lower case and an unqualified one is looked up
// on the search path.
func (b *Builder) nextvalTarget(n *pg_query.Node) (QName, bool, error) {
	fc := n.GetFuncCall()
	if fc == nil || len(fc.Args) != 1 {
		return QName{}, false, nil
	}
	fn := strs(fc.Funcname)
	if len(fn) == 0 || fn[len(fn)-1] != "nextval" {
		return QName{}, false, nil
	}
	lit := uncast(fc.Args[0]).GetAConst().GetSval()
	if lit == nil {
		return QName{}, false, nil
	}
	seq, err := b.ResolveSequence(lit.Sval)
	return seq, err == nil, err
}

// ResolveSequence resolves a sequence named the way nextval('…') and
// setval('…') name one: by the text of a regclass literal, whose unquoted
// parts fold to lower case and whose unqualified name is looked up on the
// search path at this point of the script. It fails, with a *ResolveError,
// unless the name means a sequence.
func (b *Builder) ResolveSequence(regclass string) (QName, error) {
	parts, err := splitQualified(strings.TrimSpace(regclass), true)
	if err != nil || len(parts) > 3 {
		return QName{}, &ResolveError{Name: regclass, Reason: "not a valid relation name"}
	}
	q, kind, err := b.findRel(QName{qualifier(parts), parts[len(parts)-1]})
	switch {
	case err != nil:
		return QName{}, err
	case kind == 0:
		return QName{}, &ResolveError{Name: q.String(), Reason: "no such sequence"}
	case kind != relSequence:
		return QName{}, &ResolveError{Name: q.String(), Reason: "it is " + kind.String() + ", not a sequence"}
	}
	return q, nil
}

// renameRefs rewrites the column references to old in an expression's text
// to name.
func renameRefs(expr, old, name string) (string, error) {
	res, err := pg_query.Parse("SELECT " + expr)
	if err != nil || len(res.Stmts) != 1 {
		return "", &ParseError{Message: "cannot reparse expression " + expr, Offset: -1}
	}
	walk(res.ProtoReflect(), func(m protoreflect.Message) {
		if ref, ok := m.Interface().(*pg_query.ColumnRef); ok && len(ref.Fields) > 0 {
			if s := ref.Fields[len(ref.Fields)-1].GetString_(); s != nil && s.Sval == old {
				s.Sval = name
			}
		}
	})
	out, err := pg_query.Deparse(res)
	if err != nil {
		return "", &ParseError{Message: "cannot deparse expression: " + err.Error(), Offset: -1}
	}
	return strings.TrimPrefix(out, "SELECT "), nil
}

// treeMentions collects every name a parse tree mentions: relations,
// columns, functions, types.
func treeMentions(n *pg_query.Node) map[string]bool {
	out := map[string]bool{}
	if n == nil {
		return out
	}
	walk(n.ProtoReflect(), func(m protoreflect.Message) {
		switch v := m.Interface().(type) {
		case *pg_query.RangeVar:
			out[v.Relname] = true
		case *pg_query.String:
			out[v.Sval] = true
		}
	})
	return out
}
