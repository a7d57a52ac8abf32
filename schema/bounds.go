package schema

import (
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Bound is one side of a range a CHECK states for a column: column Op Value,
// Op one of >=, >, <=, <, and Value a decimal constant as written.
type Bound struct {
	Op    string
	Value string
}

// Bounds reads the check as a conjunction of comparisons of column (VALUE
// for a domain's check) with numeric constants: c >= 0, c BETWEEN 1 AND 9,
// 0 < c AND c < 100, with casts on either side and IS NOT NULL allowed
// alongside. ok is false when the check says anything else (c <> 0,
// c % 5 = 0, an OR), which callers cannot keep by bounding values.
// Conjuncts that do not mention column are skipped: in a table's
// CHECK (a > 0 AND b > 0), each column reads its own side.
func (c *Check) Bounds(column string) (bs []Bound, ok bool) {
	tree, err := pg_query.Parse("SELECT " + c.Expr)
	if err != nil || len(tree.Stmts) != 1 {
		return nil, false
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 {
		return nil, false
	}
	rt := sel.TargetList[0].GetResTarget()
	if rt == nil {
		return nil, false
	}
	if column == "VALUE" {
		column = "value"
	}
	b := boundReader{column: column}
	if !b.read(rt.Val) {
		return nil, false
	}
	return b.out, true
}

type boundReader struct {
	column string
	out    []Bound
}

func (b *boundReader) read(n *pg_query.Node) bool {
	if !slices.Contains(columnRefs(n), b.column) {
		// A conjunct of a CHECK over several columns that bounds another
		// one says nothing about this column (that column reads it).
		return true
	}
	if e := n.GetBoolExpr(); e != nil {
		if e.Boolop == pg_query.BoolExprType_OR_EXPR && len(e.Args) == 2 {
			// c > 0 OR c IS NULL: masking keeps NULLs, so a value is
			// bound by the other side.
			for i, a := range e.Args {
				if t := a.GetNullTest(); t != nil && t.Nulltesttype == pg_query.NullTestType_IS_NULL && b.isColumn(t.Arg) {
					return b.read(e.Args[1-i])
				}
			}
		}
		if e.Boolop != pg_query.BoolExprType_AND_EXPR {
			return false
		}
		for _, a := range e.Args {
			if !b.read(a) {
				return false
			}
		}
		return true
	}
	if t := n.GetNullTest(); t != nil {
		return t.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL && b.isColumn(t.Arg)
	}
	e := n.GetAExpr()
	if e == nil {
		return false
	}
	ops := strs(e.Name)
	if len(ops) == 0 {
		return false
	}
	op := ops[len(ops)-1]
	switch e.Kind {
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN:
		l := e.Rexpr.GetList()
		if l == nil || len(l.Items) != 2 || !b.isColumn(e.Lexpr) {
			return false
		}
		lo, ok1 := constant(l.Items[0])
		hi, ok2 := constant(l.Items[1])
		if !ok1 || !ok2 {
			return false
		}
		b.out = append(b.out, Bound{">=", lo}, Bound{"<=", hi})
		return true
	case pg_query.A_Expr_Kind_AEXPR_OP:
	default:
		return false
	}
	flip := map[string]string{">=": "<=", ">": "<", "<=": ">=", "<": ">"}
	if _, cmp := flip[op]; !cmp {
		return false
	}
	if e.Lexpr == nil || e.Rexpr == nil {
		return false
	}
	if b.isColumn(e.Lexpr) {
		v, ok := constant(e.Rexpr)
		if ok {
			b.out = append(b.out, Bound{op, v})
		}
		return ok
	}
	if b.isColumn(e.Rexpr) {
		v, ok := constant(e.Lexpr)
		if ok {
			b.out = append(b.out, Bound{flip[op], v})
		}
		return ok
	}
	return false
}

func (b *boundReader) isColumn(n *pg_query.Node) bool {
	ref := uncast(n).GetColumnRef()
	if ref == nil {
		return false
	}
	f := strs(ref.Fields)
	return len(f) == len(ref.Fields) && len(f) > 0 && f[len(f)-1] == b.column
}

// constant reads a numeric constant: 5, 6.50, '6.50'::numeric, (0)::numeric,
// -5, (- 5), '-5'::integer.
func constant(n *pg_query.Node) (string, bool) {
	n = uncast(n)
	if e := n.GetAExpr(); e != nil && e.Kind == pg_query.A_Expr_Kind_AEXPR_OP && e.Lexpr == nil {
		ops := strs(e.Name)
		if len(ops) == 1 && ops[0] == "-" {
			v, ok := constant(e.Rexpr)
			if !ok {
				return "", false
			}
			if strings.HasPrefix(v, "-") {
				return v[1:], true
			}
			return "-" + v, true
		}
		return "", false
	}
	c := n.GetAConst()
	if c == nil {
		return "", false
	}
	var s string
	switch {
	case c.GetIval() != nil:
		s = strconv.FormatInt(int64(c.GetIval().Ival), 10)
	case c.GetFval() != nil:
		s = c.GetFval().Fval
	case c.GetSval() != nil:
		s = strings.TrimSpace(c.GetSval().Sval)
	default:
		return "", false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "xXnNiI_") {
		return "", false
	}
	return s, true
}

// ValueRefs lists the columns whose values the check reads: those it
// references other than only through IS [NOT] NULL, num_nulls or
// num_nonnulls. Masking keeps NULLs, so a check such as CHECK (email IS NOT
// NULL OR phone IS NOT NULL) holds whatever masks those columns. nil when
// the expression does not parse.
func (c *Check) ValueRefs() []string {
	tree, err := pg_query.Parse("SELECT " + c.Expr)
	if err != nil || len(tree.Stmts) != 1 {
		return slices.Clone(c.refs)
	}
	var out []string
	prune(tree.Stmts[0].Stmt.ProtoReflect(), func(m protoreflect.Message) bool {
		switch n := m.Interface().(type) {
		case *pg_query.NullTest:
			return false
		case *pg_query.FuncCall:
			if f := strs(n.Funcname); len(f) > 0 && (f[len(f)-1] == "num_nulls" || f[len(f)-1] == "num_nonnulls") {
				return false
			}
		case *pg_query.ColumnRef:
			if f := strs(n.Fields); len(f) > 0 && !slices.Contains(out, f[len(f)-1]) {
				out = append(out, f[len(f)-1])
			}
			return false
		}
		return true
	})
	return out
}
