// Package pipeline runs Understudy's jobs on a dump: read the source, build
// the plan, mask the rows, write the sink.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// Inventory is what a dump holds: its schema and how many rows each table
// has in it.
type Inventory struct {
	Catalog *schema.Catalog
	// Rows counts data rows per table (COPY rows and INSERT tuples).
	Rows map[schema.QName]int64
	// DataOrder lists the tables with data, in the order the dump holds them.
	DataOrder []schema.QName
	// Columns holds each data table's column list as the dump gives it
	// (nil for INSERTs without one).
	Columns map[schema.QName][]string
	// DumpedFrom and DumpedBy are the versions in pg_dump's header comments.
	DumpedFrom, DumpedBy string
	// Writes are the statements that write rows other than as COPY data or
	// INSERT … VALUES of plain literals, first one per table: the masking
	// cannot see their values (see Refuse).
	Writes map[schema.QName]Write
	// Opaque is the first statement that may write data without saying
	// where (DO, CALL, a function call), or nil.
	Opaque *Write
	// LargeObjects counts the statements that create, fill or alter large
	// objects; LargeObjectLine is the first one's.
	LargeObjects    int
	LargeObjectLine int
	// Statistics counts PostgreSQL 18's statistics statements, which hold
	// real column values: they are always left out of the output.
	Statistics int
	// Statements counts the SQL statements and meta-commands, COPY and
	// INSERT included: none means the input holds no SQL at all.
	Statements int
	// File names the dump, for messages.
	File string
}

// Write is a statement that writes data the masking cannot see.
type Write struct {
	File, What string
	Line       int
}

// Scan reads a whole plain dump once, building the schema model from its
// DDL, counting rows without decoding them, and noting every statement that
// writes data other than as COPY rows or literal INSERT values.
func Scan(ctx context.Context, r *plaindump.Reader) (*Inventory, error) {
	inv := &Inventory{Rows: map[schema.QName]int64{}, Columns: map[schema.QName][]string{}, Writes: map[schema.QName]Write{}, File: r.Name()}
	sc := newScript(r.Name())
	seen := map[schema.QName]bool{}
	var current schema.QName
	for n := 0; ; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, context.Cause(ctx)
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			if err := sc.end(r.Line()); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, err
		}
		switch it.Kind {
		case plaindump.CopyRow:
			inv.Rows[current]++
		case plaindump.CopyHeader, plaindump.Insert:
			inv.Statements++
			q, err := sc.table(it)
			if err != nil {
				return nil, err
			}
			current = q
			if !seen[q] {
				seen[q] = true
				inv.DataOrder = append(inv.DataOrder, q)
				inv.Rows[q] += 0
				inv.Columns[q] = append([]string(nil), it.Columns...)
			}
			if it.Kind == plaindump.Insert {
				inv.Rows[q] += int64(len(it.Insert.Tuples))
				inv.noteInsert(r.Name(), it, q)
			}
		case plaindump.Meta:
			inv.Statements++
			if err := sc.meta(it); err != nil {
				return nil, err
			}
		case plaindump.Statement:
			inv.Statements++
			if inv.DumpedBy == "" {
				inv.noteVersions(it.Raw)
			}
			eff, err := sc.statement(it)
			if err != nil {
				return nil, err
			}
			inv.note(r.Name(), it, eff)
		}
	}
	inv.Catalog = sc.b.Catalog()
	return inv, nil
}

// note records what a statement does to data.
func (inv *Inventory) note(file string, it *plaindump.Item, eff schema.Effect) {
	w := Write{File: file, Line: textLine(it), What: eff.What}
	switch eff.Kind {
	case schema.WritesRows:
		for _, q := range eff.Tables {
			if _, ok := inv.Writes[q]; !ok {
				inv.Writes[q] = w
			}
		}
		if len(eff.Tables) == 0 && inv.Opaque == nil {
			inv.Opaque = &w
		}
	case schema.Opaque:
		if inv.Opaque == nil {
			inv.Opaque = &w
		}
	case schema.LargeObject:
		if inv.LargeObjects == 0 {
			inv.LargeObjectLine = w.Line
		}
		inv.LargeObjects++
	case schema.Statistics:
		inv.Statistics++
	}
}

// noteInsert records an INSERT that writes values it does not spell out as
// literals: rows from a query, an ON CONFLICT update, an expression.
func (inv *Inventory) noteInsert(file string, it *plaindump.Item, q schema.QName) {
	if _, ok := inv.Writes[q]; ok {
		return
	}
	what := it.Insert.Opaque
	for _, tuple := range it.Insert.Tuples {
		if what != "" {
			break
		}
		for _, v := range tuple {
			if v.Kind == plaindump.ValExpr {
				what = "INSERT with a value that is an expression, not a literal"
				break
			}
		}
	}
	if what != "" {
		inv.Writes[q] = Write{File: file, Line: textLine(it), What: what}
	}
}

// Refuse applies the fail-closed rules once the plan is known: a statement
// that writes data the masking cannot see is refused in strict mode always,
// and otherwise when it writes a table with a masked column or cannot say
// which tables it writes; large objects are refused unless the rules say
// what to do with them.
func (inv *Inventory) Refuse(plan *rules.Plan, strict bool, lo rules.LargeObjectMode) error {
	if w := inv.Opaque; w != nil {
		return &RefusedError{File: w.File, Line: w.Line, Msg: w.What + " may write data Understudy cannot see or mask; remove it from the dump"}
	}
	var first *Write
	var table schema.QName
	for q, w := range inv.Writes {
		tp := plan.Tables[q]
		if !strict && (tp == nil || !tp.Masked()) {
			continue
		}
		if first == nil || w.Line < first.Line {
			w := w
			first, table = &w, q
		}
	}
	if first != nil {
		why := "strict mode refuses data it cannot mask"
		if tp := plan.Tables[table]; tp != nil && tp.Masked() {
			why = "the table has masked columns"
		}
		return &RefusedError{File: first.File, Line: first.Line,
			Msg: fmt.Sprintf("%s writes rows of %s whose values cannot be masked (%s); dump the data with COPY or plain INSERT … VALUES", first.What, table, why)}
	}
	if inv.LargeObjects > 0 && lo == rules.LargeObjectsRefuse {
		return &RefusedError{File: inv.File, Line: inv.LargeObjectLine,
			Msg: fmt.Sprintf("the dump holds large objects (%d statements from this line), which can hold any data and cannot be masked: add `large_objects: drop` to the rules (or `keep`, on purpose)", inv.LargeObjects)}
	}
	return nil
}

// noteVersions picks pg_dump's version comments out of the dump header.
func (inv *Inventory) noteVersions(raw []byte) {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped from database version ")); ok {
			inv.DumpedFrom = string(v)
		}
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped by pg_dump version ")); ok {
			inv.DumpedBy = string(v)
		}
	}
}

// StatementError is DDL the schema parser rejects, located in the dump.
type StatementError struct {
	File string
	Line int
	Err  error
}

func (e *StatementError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *StatementError) Unwrap() error { return e.Err }

func statementError(file string, it *plaindump.Item, err error) error {
	line := textLine(it)
	var pe *schema.ParseError
	if errors.As(err, &pe) && pe.Offset >= 0 && pe.Offset <= len(it.Text) {
		line += bytes.Count(it.Text[:pe.Offset], nl)
	}
	if pe, ok := err.(*schema.ParseError); ok {
		err = withoutLiteral(pe)
	}
	return &StatementError{File: file, Line: line, Err: err}
}

// withoutLiteral returns pe with the token PostgreSQL's parser quotes
// (`syntax error at or near "…"`) replaced by what it is, unless it is a
// keyword, a name or an operator: a string or a number there may be a cell
// value (an UPDATE's, a large object's bytes), and errors never quote one.
func withoutLiteral(pe *schema.ParseError) *schema.ParseError {
	const near = ` at or near "`
	i := strings.Index(pe.Message, near)
	j := strings.LastIndexByte(pe.Message, '"')
	if i < 0 || j < i+len(near) {
		return pe
	}
	tok := pe.Message[i+len(near) : j]
	what := tokenKind(tok)
	if what == "" {
		return pe
	}
	q := *pe
	q.Message = pe.Message[:i] + " at or near " + what + pe.Message[j+1:]
	return &q
}

// tokenKind says what a token the parser quotes is, or "" when it can be
// quoted: a keyword or name, a quoted name, or an operator.
func tokenKind(tok string) string {
	switch {
	case tok == "":
		return ""
	case len(tok) >= 2 && len(tok) <= 2+63 && tok[0] == '"' && tok[len(tok)-1] == '"':
		return "" // a quoted name
	case isWord(tok):
		return ""
	case strings.Trim(tok, "+-*/<>=~!@#%^&|`?(),;[]:.") == "":
		return ""
	case len(tok) > 1 && tok[0] == '$' && strings.Trim(tok[1:], "0123456789") == "":
		return "" // a parameter
	case tok[0] >= '0' && tok[0] <= '9' || tok[0] == '.':
		return "a number"
	case tok[0] == '\'' || tok[0] == '$' || len(tok) > 1 && tok[1] == '\'' || strings.HasPrefix(tok, "U&'") || strings.HasPrefix(tok, "u&'"):
		return "a string literal"
	}
	return "a token"
}

// isWord reports a keyword or unquoted name.
func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
		if !letter && (i == 0 || c != '$' && (c < '0' || c > '9')) {
			return false
		}
	}
	return true
}
