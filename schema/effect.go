package schema

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Effect says what a statement does besides defining schema.
type Effect struct {
	Kind   EffectKind
	Tables []QName // resolved tables whose rows it writes (WritesRows)
	What   string  // short statement description for messages: "UPDATE", "DO block", "function call public.f()"
}

// EffectKind classifies what a statement does to data.
type EffectKind uint8

const (
	// NoEffect: the statement defines schema, changes settings, reads, or
	// writes no values (DELETE, TRUNCATE); or its rows are data the dump
	// reader sees (COPY … FROM stdin, INSERT … VALUES of literals).
	NoEffect EffectKind = iota
	// WritesRows: the statement writes rows whose values the dump reader
	// never sees (UPDATE, MERGE, INSERT … SELECT, CREATE TABLE … AS, …).
	WritesRows
	// Opaque: the statement runs code or brings in rows the model cannot
	// look into (DO, CALL, EXECUTE, functions other than the ones pg_dump
	// calls, COPY from a server file or program, an enabled subscription).
	Opaque
	// LargeObject: the statement creates, fills or describes a large object.
	LargeObject
	// Statistics: the statement restores planner statistics, whose
	// most-common values and histograms are column values.
	Statistics
	// RolePassword: the statement sets a role's password.
	RolePassword
)

func (k EffectKind) String() string {
	switch k {
	case NoEffect:
		return "no effect"
	case WritesRows:
		return "writes rows"
	case Opaque:
		return "opaque"
	case LargeObject:
		return "large object"
	case Statistics:
		return "statistics"
	case RolePassword:
		return "role password"
	}
	return "unknown"
}

// merge combines the effects of two statements, or two parts of one:
// effects of different kinds make an Opaque one.
func (e Effect) merge(o Effect) Effect {
	switch {
	case o.Kind == NoEffect:
		return e
	case e.Kind == NoEffect:
		return o
	case e.Kind == o.Kind:
		for _, q := range o.Tables {
			if !slices.Contains(e.Tables, q) {
				e.Tables = append(e.Tables, q)
			}
		}
		return e
	}
	return Effect{Kind: Opaque, What: e.What + "; " + o.What}
}

// effect classifies a statement that defines no schema.
func (b *Builder) effect(n *pg_query.Node) (Effect, error) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt,
		*pg_query.Node_MergeStmt, *pg_query.Node_SelectStmt:
		return b.query(n, true)
	case *pg_query.Node_CreateTableAsStmt:
		return b.createTableAs(s.CreateTableAsStmt)
	case *pg_query.Node_DoStmt:
		return Effect{Kind: Opaque, What: "DO block"}, nil
	case *pg_query.Node_CallStmt:
		return Effect{Kind: Opaque, What: "CALL"}, nil
	case *pg_query.Node_ExecuteStmt:
		return Effect{Kind: Opaque, What: "EXECUTE"}, nil
	case *pg_query.Node_PrepareStmt:
		return b.deferred(s.PrepareStmt.Query, "PREPARE")
	case *pg_query.Node_DeclareCursorStmt:
		return b.deferred(s.DeclareCursorStmt.Query, "DECLARE CURSOR")
	case *pg_query.Node_ExplainStmt:
		return b.explain(s.ExplainStmt)
	case *pg_query.Node_CopyStmt:
		return b.copyEffect(s.CopyStmt)
	case *pg_query.Node_CreateRoleStmt:
		if hasPassword(s.CreateRoleStmt.Options) {
			return Effect{Kind: RolePassword, What: "CREATE ROLE … PASSWORD"}, nil
		}
	case *pg_query.Node_AlterRoleStmt:
		if hasPassword(s.AlterRoleStmt.Options) {
			return Effect{Kind: RolePassword, What: "ALTER ROLE … PASSWORD"}, nil
		}
	case *pg_query.Node_GrantStmt:
		return largeObject(s.GrantStmt.Objtype, "GRANT/REVOKE ON LARGE OBJECT"), nil
	case *pg_query.Node_CommentStmt:
		return largeObject(s.CommentStmt.Objtype, "COMMENT ON LARGE OBJECT"), nil
	case *pg_query.Node_SecLabelStmt:
		return largeObject(s.SecLabelStmt.Objtype, "SECURITY LABEL ON LARGE OBJECT"), nil
	case *pg_query.Node_AlterOwnerStmt:
		return largeObject(s.AlterOwnerStmt.ObjectType, "ALTER LARGE OBJECT"), nil
	case *pg_query.Node_CreateSubscriptionStmt:
		// pg_dump writes subscriptions with connect = false: they copy
		// nothing until enabled.
		if !option(s.CreateSubscriptionStmt.Options, "connect", true) || !option(s.CreateSubscriptionStmt.Options, "enabled", true) {
			return Effect{}, nil
		}
		return Effect{Kind: Opaque, What: "CREATE SUBSCRIPTION"}, nil
	case *pg_query.Node_AlterSubscriptionStmt:
		if s.AlterSubscriptionStmt.Kind == pg_query.AlterSubscriptionType_ALTER_SUBSCRIPTION_ENABLED &&
			!option(s.AlterSubscriptionStmt.Options, "enabled", true) {
			return Effect{}, nil // DISABLE
		}
		return Effect{Kind: Opaque, What: "ALTER SUBSCRIPTION"}, nil
	case *pg_query.Node_ImportForeignSchemaStmt:
		return Effect{}, &UnsupportedError{Statement: "IMPORT FOREIGN SCHEMA", Reason: "it creates foreign tables whose names the script does not show"}
	}
	return Effect{}, nil
}

func largeObject(t pg_query.ObjectType, what string) Effect {
	if t == pg_query.ObjectType_OBJECT_LARGEOBJECT {
		return Effect{Kind: LargeObject, What: what}
	}
	return Effect{}
}

// hasPassword reports a PASSWORD option other than PASSWORD NULL.
func hasPassword(opts []*pg_query.Node) bool {
	return slices.ContainsFunc(opts, func(n *pg_query.Node) bool {
		d := n.GetDefElem()
		return d.GetDefname() == "password" && d.Arg != nil
	})
}

// query classifies a data statement; top is false for one nested in
// another (a CTE, EXPLAIN, PREPARE), whose settings and tables it would
// create the model does not apply.
func (b *Builder) query(n *pg_query.Node, top bool) (Effect, error) {
	var with *pg_query.WithClause
	var main Effect
	var err error
	switch s := n.GetNode().(type) {
	case *pg_query.Node_InsertStmt:
		with = s.InsertStmt.WithClause
		main, err = b.insertEffect(s.InsertStmt, top && with == nil)
	case *pg_query.Node_UpdateStmt:
		with = s.UpdateStmt.WithClause
		main, err = b.writes(s.UpdateStmt.Relation, "UPDATE")
	case *pg_query.Node_MergeStmt:
		with = s.MergeStmt.WithClause
		main, err = b.writes(s.MergeStmt.Relation, "MERGE")
	case *pg_query.Node_DeleteStmt:
		with = s.DeleteStmt.WithClause
		main = calls(n)
	case *pg_query.Node_SelectStmt:
		with = s.SelectStmt.WithClause
		if s.SelectStmt.IntoClause != nil {
			if !top {
				return Effect{}, &UnsupportedError{Statement: "SELECT … INTO", Reason: "it is not allowed inside another statement"}
			}
			main, err = b.createOpaque(s.SelectStmt.IntoClause, false, "SELECT … INTO")
			break
		}
		if err = b.applySetConfig(s.SelectStmt, top); err != nil {
			return Effect{}, err
		}
		main = calls(n)
	case *pg_query.Node_ExecuteStmt:
		main = Effect{Kind: Opaque, What: "EXECUTE"}
	}
	if err != nil || with == nil {
		return main, err
	}
	eff := main
	verb := ""
	if main.Kind == WritesRows {
		verb = verbOf(n)
	}
	for _, c := range with.Ctes {
		q := c.GetCommonTableExpr().GetCtequery()
		e, err := b.query(q, false)
		if err != nil {
			return Effect{}, err
		}
		if e.Kind == WritesRows && verb == "" {
			verb = verbOf(q)
		}
		eff = eff.merge(e)
	}
	if eff.Kind == WritesRows {
		eff.What = "WITH … " + verb
	}
	return eff, nil
}

// verbOf names a data-modifying statement.
func verbOf(n *pg_query.Node) string {
	switch n.GetNode().(type) {
	case *pg_query.Node_InsertStmt:
		return "INSERT"
	case *pg_query.Node_UpdateStmt:
		return "UPDATE"
	case *pg_query.Node_MergeStmt:
		return "MERGE"
	}
	return "SELECT"
}

// insertEffect classifies an INSERT: VALUES lists of literals are data the
// dump reader sees — but only as a statement of its own (plain says so);
// rows from a query, defaults, an ON CONFLICT update, or an INSERT inside
// a WITH, EXPLAIN or PREPARE are not.
func (b *Builder) insertEffect(s *pg_query.InsertStmt, plain bool) (Effect, error) {
	what := "INSERT … SELECT"
	sel := s.SelectStmt.GetSelectStmt()
	switch {
	case s.OnConflictClause.GetAction() == pg_query.OnConflictAction_ONCONFLICT_UPDATE:
		what = "INSERT … ON CONFLICT DO UPDATE"
	case s.SelectStmt == nil:
		what = "INSERT … DEFAULT VALUES"
	case literalValues(sel) && plain:
		return Effect{}, nil
	case literalValues(sel):
		what = "INSERT … VALUES inside another statement"
	case len(sel.GetValuesLists()) > 0:
		what = "INSERT … VALUES with expressions"
	}
	return b.writes(s.Relation, what)
}

// literalValues reports a bare VALUES list of constants.
func literalValues(s *pg_query.SelectStmt) bool {
	if s == nil || len(s.ValuesLists) == 0 || s.WithClause != nil || s.Op != pg_query.SetOperation_SETOP_NONE ||
		s.SortClause != nil || s.LimitCount != nil || s.LimitOffset != nil {
		return false
	}
	for _, row := range s.ValuesLists {
		for _, v := range row.GetList().GetItems() {
			if !literal(v) {
				return false
			}
		}
	}
	return true
}

// literal reports a constant: a literal, possibly cast or negated, NULL,
// DEFAULT, or an ARRAY[…] or ROW(…) of those.
func literal(n *pg_query.Node) bool {
	switch v := n.GetNode().(type) {
	case *pg_query.Node_AConst, *pg_query.Node_SetToDefault:
		return true
	case *pg_query.Node_TypeCast:
		return literal(v.TypeCast.Arg)
	case *pg_query.Node_AArrayExpr:
		return !slices.ContainsFunc(v.AArrayExpr.Elements, func(e *pg_query.Node) bool { return !literal(e) })
	case *pg_query.Node_RowExpr:
		return !slices.ContainsFunc(v.RowExpr.Args, func(e *pg_query.Node) bool { return !literal(e) })
	case *pg_query.Node_AExpr:
		ops := strs(v.AExpr.Name)
		return v.AExpr.Kind == pg_query.A_Expr_Kind_AEXPR_OP && v.AExpr.Lexpr == nil &&
			len(ops) == 1 && (ops[0] == "-" || ops[0] == "+") && literal(v.AExpr.Rexpr)
	}
	return false
}

// writes is the effect of writing rows into the relation rv names.
func (b *Builder) writes(rv *pg_query.RangeVar, what string) (Effect, error) {
	q, kind, err := b.findRV(rv)
	switch {
	case err != nil:
		return Effect{}, err
	case kind == 0:
		return Effect{}, &ResolveError{Name: q.String(), Reason: "no such relation; " + what + " fails"}
	case kind == relTable || kind == relOpaque:
		return Effect{Kind: WritesRows, Tables: []QName{q}, What: what}, nil
	}
	// Rows written through a view or into a foreign table land where the
	// model cannot tell.
	return Effect{Kind: Opaque, What: what + " into " + kind.String() + " " + q.String()}, nil
}

// createTableAs follows CREATE TABLE … AS (which writes the query's rows
// into a table whose columns the model does not know) and CREATE
// MATERIALIZED VIEW (computed from other tables).
func (b *Builder) createTableAs(s *pg_query.CreateTableAsStmt) (Effect, error) {
	if s.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
		return Effect{}, b.createView(s.Into.GetRel(), relMatView, false, s.IfNotExists, treeMentions(s.Query))
	}
	return b.createOpaque(s.Into, s.IfNotExists, "CREATE TABLE … AS")
}

// createOpaque creates the table of CREATE TABLE … AS or SELECT … INTO.
func (b *Builder) createOpaque(into *pg_query.IntoClause, ifNotExists bool, what string) (Effect, error) {
	q, err := b.createName(into.GetRel())
	if err != nil {
		return Effect{}, err
	}
	if ifNotExists && b.rels[q] != 0 {
		return Effect{}, nil // PostgreSQL skips the statement, rows and all
	}
	if err := b.addRel(q, relOpaque); err != nil {
		return Effect{}, err
	}
	if q.Schema == "pg_temp" && into.OnCommit == pg_query.OnCommitAction_ONCOMMIT_DROP {
		if b.tx == nil {
			b.dropNames(map[QName]bool{q: true})
		} else {
			b.tx.dropAtCommit = append(b.tx.dropAtCommit, q)
		}
	}
	if into.SkipData {
		return Effect{}, nil
	}
	return Effect{Kind: WritesRows, Tables: []QName{q}, What: what}, nil
}

// deferred classifies PREPARE and DECLARE CURSOR, whose statement runs
// later (EXECUTE, FETCH), out of the model's sight.
func (b *Builder) deferred(q *pg_query.Node, what string) (Effect, error) {
	e, err := b.query(q, false)
	if err != nil || e.Kind == NoEffect {
		return Effect{}, err
	}
	return Effect{Kind: Opaque, What: what}, nil
}

// explain classifies EXPLAIN, which runs the statement only with ANALYZE
// (though planning alone may run functions).
func (b *Builder) explain(s *pg_query.ExplainStmt) (Effect, error) {
	if s.Query.GetCreateTableAsStmt() != nil || s.Query.GetSelectStmt().GetIntoClause() != nil {
		return Effect{}, &UnsupportedError{Statement: "EXPLAIN", Reason: "EXPLAIN of a statement that creates a table is not followed"}
	}
	e, err := b.query(s.Query, false)
	if err != nil || e.Kind == WritesRows && !option(s.Options, "analyze", false) {
		return Effect{}, err
	}
	return e, nil
}

// option reads a boolean option of a WITH (…) list, def when absent.
func option(opts []*pg_query.Node, name string, def bool) bool {
	for _, o := range opts {
		if d := o.GetDefElem(); d.GetDefname() == name {
			return defBool(d)
		}
	}
	return def
}

// defBool reads a boolean option as PostgreSQL does: no value means true.
func defBool(d *pg_query.DefElem) bool {
	switch {
	case d.Arg == nil:
		return true
	case d.Arg.GetBoolean() != nil:
		return d.Arg.GetBoolean().Boolval
	case d.Arg.GetInteger() != nil:
		return d.Arg.GetInteger().Ival != 0
	}
	v, ok := parseBool(d.Arg.GetString_().GetSval())
	return v || !ok
}

// parseBool reads PostgreSQL's boolean spellings.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "y", "yes", "on", "1":
		return true, true
	case "f", "false", "n", "no", "off", "0":
		return false, true
	}
	return false, false
}

// copyEffect classifies COPY: the dump reader handles COPY … FROM stdin;
// from a server file or program the rows come from where it cannot look.
func (b *Builder) copyEffect(c *pg_query.CopyStmt) (Effect, error) {
	switch {
	case c.IsFrom && c.IsProgram:
		return Effect{Kind: Opaque, What: "COPY … FROM PROGRAM"}, nil
	case c.IsFrom && c.Filename != "":
		return Effect{Kind: Opaque, What: "COPY … FROM file"}, nil
	case c.IsProgram:
		return Effect{Kind: Opaque, What: "COPY … TO PROGRAM"}, nil
	case c.Query != nil:
		return b.query(c.Query, false)
	}
	return Effect{}, nil
}

// The functions pg_dump calls, by kind; any other function call is opaque.
var dumpFunctions = map[string]EffectKind{
	"set_config": NoEffect, "setval": NoEffect,
	"lo_create": LargeObject, "lo_creat": LargeObject, "lo_open": LargeObject, "lowrite": LargeObject,
	"lo_close": LargeObject, "lo_unlink": LargeObject, "lo_from_bytea": LargeObject, "lo_put": LargeObject,
	"lo_import":                 LargeObject,
	"pg_restore_relation_stats": Statistics, "pg_restore_attribute_stats": Statistics,
}

// calls classifies a statement by the functions it calls anywhere.
func calls(n *pg_query.Node) Effect {
	var e Effect
	walk(n.ProtoReflect(), func(m protoreflect.Message) {
		fc, ok := m.Interface().(*pg_query.FuncCall)
		if !ok {
			return
		}
		name := strs(fc.Funcname)
		base := name[len(name)-1]
		kind, known := dumpFunctions[base]
		if schema := qualifier(name); !known || schema != "" && schema != "pg_catalog" {
			what := QuoteIdent(base)
			if schema != "" {
				what = QName{schema, base}.String()
			}
			e = e.merge(Effect{Kind: Opaque, What: "function call " + what + "()"})
			return
		}
		switch kind {
		case LargeObject:
			e = e.merge(Effect{Kind: kind, What: "large object function " + base + "()"})
		case Statistics:
			e = e.merge(Effect{Kind: kind, What: "statistics function " + base + "()"})
		}
	})
	return e
}

// applySetConfig follows SELECT set_config(…) of the settings the model
// tracks, when the SELECT is the plain list of calls pg_dump writes, with
// constant arguments. A call it cannot evaluate like that is refused.
func (b *Builder) applySetConfig(s *pg_query.SelectStmt, top bool) error {
	plain := top && s.FromClause == nil && s.WhereClause == nil && s.WithClause == nil && s.ValuesLists == nil &&
		s.Op == pg_query.SetOperation_SETOP_NONE && s.GroupClause == nil && s.HavingClause == nil &&
		s.LimitCount == nil && s.LimitOffset == nil && s.DistinctClause == nil
	applied := map[*pg_query.FuncCall]bool{}
	if plain {
		for _, t := range s.TargetList {
			fc := t.GetResTarget().GetVal().GetFuncCall()
			if fc == nil || !isSetConfig(fc) || len(fc.Args) != 3 {
				continue
			}
			name, ok1 := constString(fc.Args[0])
			value, ok2 := constString(fc.Args[1])
			local, ok3 := constBool(fc.Args[2])
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			if err := b.setConfig(name, value, local); err != nil {
				return err
			}
			applied[fc] = true
		}
	}
	var err error
	walk(s.ProtoReflect(), func(m protoreflect.Message) {
		fc, ok := m.Interface().(*pg_query.FuncCall)
		if !ok || err != nil || !isSetConfig(fc) || applied[fc] {
			return
		}
		if len(fc.Args) > 0 {
			if name, ok := constString(fc.Args[0]); ok && !followedSetting(name) {
				return
			}
		}
		err = &UnsupportedError{Statement: "SELECT set_config(…)", Reason: "it may change search_path or the role in a way the model cannot evaluate; " +
			"write SELECT pg_catalog.set_config('name', 'value', false) with constants"}
	})
	return err
}

func isSetConfig(fc *pg_query.FuncCall) bool {
	name := strs(fc.Funcname)
	s := qualifier(name)
	return name[len(name)-1] == "set_config" && (s == "" || s == "pg_catalog")
}

// constString reads a string literal, possibly cast.
func constString(n *pg_query.Node) (string, bool) {
	if s := uncast(n).GetAConst().GetSval(); s != nil {
		return s.Sval, true
	}
	return "", false
}

// constBool reads a boolean literal, possibly cast, or a string spelling.
func constBool(n *pg_query.Node) (bool, bool) {
	c := uncast(n).GetAConst()
	switch {
	case c.GetBoolval() != nil:
		return c.GetBoolval().Boolval, true
	case c.GetSval() != nil:
		return parseBool(c.GetSval().Sval)
	}
	return false, false
}
