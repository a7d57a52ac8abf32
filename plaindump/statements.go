package plaindump

import (
	"fmt"
	"strings"

	"github.com/understudy-db/understudy/schema"
)

type copyHeader struct {
	table     schema.QName
	columns   []string
	fromStdin bool
}

// parseCopy reads `COPY name [(cols)] FROM stdin;`. COPY to or from
// anywhere else is reported with fromStdin false. An unqualified table name
// comes back with an empty schema.
func parseCopy(text []byte) (copyHeader, error) {
	var h copyHeader
	t := tokenizer{src: text}
	t.next() // COPY
	sch, name, ok := t.parseQName()
	if !ok {
		return h, fmt.Errorf("cannot read the table name of a COPY statement")
	}
	h.table = schema.QName{Schema: sch, Name: name}
	cols, _, ok := t.parseNameList()
	if !ok {
		return h, fmt.Errorf("cannot read the column list of COPY %s", h.table)
	}
	h.columns = cols
	if from := t.next(); from.kind != tokIdent || from.text != "from" {
		return h, nil
	}
	if src := t.next(); src.kind != tokIdent || src.text != "stdin" {
		return h, nil
	}
	h.fromStdin = true
	switch end := t.next(); {
	case end.kind == tokEOF, end.kind == tokOp && end.text == ";":
		return h, nil
	default:
		what := end.text
		if end.kind == tokString {
			what = t.raw(end)
		}
		return h, fmt.Errorf("COPY %s FROM stdin with options (%q…) is not supported: only the text format pg_dump writes can be read", h.table, what)
	}
}

// ValueKind classifies one value of an INSERT tuple.
type ValueKind uint8

const (
	ValNull   ValueKind = iota + 1 // NULL
	ValString                      // a string literal, possibly with a ::cast
	ValNumber                      // a numeric literal, possibly signed
	ValWord                        // true, false or DEFAULT
	ValExpr                        // anything else (function call, operator, ARRAY[…], …)
)

// Value locates one value of an INSERT tuple in the Item's Raw bytes.
type Value struct {
	Kind       ValueKind
	Start, End int // the whole value expression
	// Lit is the string literal itself (quotes included) for ValString.
	LitStart, LitEnd int
}

// InsertValues is what an INSERT … VALUES statement holds.
type InsertValues struct {
	// Table is the name as written: Schema is empty when unqualified.
	Table   schema.QName
	Columns []string // nil when the statement has no column list
	Tuples  [][]Value
	// Opaque names what makes the statement write values that are not in
	// its VALUES lists ("INSERT … SELECT", "ON CONFLICT DO UPDATE", …), so
	// they cannot be seen or rewritten; "" for a plain INSERT … VALUES.
	Opaque string
	// Backslashy is set when string literals take backslash escapes
	// (standard_conforming_strings off).
	Backslashy bool

	vals []Value
}

type insertError struct {
	offset int
	msg    string
}

// parseInsert reads `INSERT INTO name [(cols)] [OVERRIDING … VALUE] VALUES
// (…), (…) [ON CONFLICT … DO NOTHING] [RETURNING …];` from src[from:],
// recording value positions as offsets in src. Any other shape writes values
// the statement does not spell out, and is reported in iv.Opaque.
func parseInsert(iv *InsertValues, src []byte, from int, backslashy bool) *insertError {
	t := tokenizer{src: src, pos: from, backslashy: backslashy}
	*iv = InsertValues{Tuples: iv.Tuples[:0], vals: iv.vals[:0], Backslashy: backslashy}
	fail := func(tk token, msg string) *insertError { return &insertError{offset: tk.start, msg: msg} }
	t.next() // INSERT
	if into := t.next(); into.kind != tokIdent || into.text != "into" {
		return fail(into, "INSERT without INTO")
	}
	sch, name, ok := t.parseQName()
	if !ok {
		return fail(token{start: t.pos}, "cannot read the table name of an INSERT statement")
	}
	iv.Table = schema.QName{Schema: sch, Name: name}
	cols, _, ok := t.parseNameList()
	if !ok {
		return fail(token{start: t.pos}, fmt.Sprintf("cannot read the column list of INSERT INTO %s", iv.Table))
	}
	iv.Columns = cols
	tk := t.next()
	if tk.kind == tokIdent && tk.text == "overriding" {
		t.next() // SYSTEM or USER
		t.next() // VALUE
		tk = t.next()
	}
	if tk.kind != tokIdent || tk.text != "values" {
		iv.Opaque = "INSERT … SELECT"
		if tk.kind == tokIdent && tk.text == "default" {
			iv.Opaque = "INSERT … DEFAULT VALUES"
		}
		return nil
	}
	var bounds []int // tuple boundaries in iv.vals
	for {
		open := t.next()
		if open.kind != tokOp || open.text != "(" {
			return fail(open, fmt.Sprintf("INSERT INTO %s: expected ( to start a row of values", iv.Table))
		}
		for {
			v, sep, err := t.parseValue()
			if err != nil {
				return err
			}
			iv.vals = append(iv.vals, v)
			if sep == ")" {
				break
			}
		}
		bounds = append(bounds, len(iv.vals))
		if next := t.next(); next.kind != tokOp || next.text != "," {
			iv.Opaque = t.insertTail(next)
			break
		}
	}
	start := 0
	for _, b := range bounds {
		iv.Tuples = append(iv.Tuples, iv.vals[start:b:b])
		start = b
	}
	return nil
}

// insertTail reads what follows the VALUES lists, from tk on, and names
// anything that makes the statement write other values than those lists:
// `ON CONFLICT … DO UPDATE SET …`, or VALUES combined with a query
// (`VALUES (…) UNION SELECT …`).
func (t *tokenizer) insertTail(tk token) string {
	if tk.kind == tokIdent && tk.text == "on" {
		if c := t.next(); c.kind != tokIdent || c.text != "conflict" {
			return "INSERT … VALUES … ON"
		}
		// Skip the conflict target up to DO; it names columns or a
		// constraint and carries no values.
		for tk = t.next(); tk.kind != tokEOF && !(tk.kind == tokIdent && tk.text == "do"); tk = t.next() {
		}
		if a := t.next(); a.kind != tokIdent || a.text != "nothing" {
			return "ON CONFLICT DO UPDATE"
		}
		tk = t.next()
	}
	if tk.kind == tokIdent && tk.text == "returning" {
		return "" // RETURNING reads back what was written
	}
	if tk.kind == tokEOF || tk.kind == tokOp && tk.text == ";" {
		return ""
	}
	return "INSERT … VALUES combined with a query"
}

// parseValue reads one value up to the "," or ")" that ends it at depth 0.
func (t *tokenizer) parseValue() (Value, string, *insertError) {
	var v Value
	var vs valueShape
	depth := 0
	for {
		tk := t.next()
		switch {
		case tk.kind == tokEOF:
			return v, "", &insertError{offset: tk.start, msg: "INSERT statement ends inside a row of values"}
		case tk.kind == tokOp && (tk.text == "," || tk.text == ")") && depth == 0:
			if vs.n == 0 {
				return v, "", &insertError{offset: tk.start, msg: "empty value in INSERT row"}
			}
			v.End = vs.last.end
			v.Kind = vs.kind()
			if v.Kind == ValString {
				v.LitStart, v.LitEnd = vs.lit.start, vs.lit.end
			}
			return v, tk.text, nil
		case tk.kind == tokOp && (tk.text == "(" || tk.text == "["):
			depth++
		case tk.kind == tokOp && (tk.text == ")" || tk.text == "]"):
			depth--
		}
		if vs.n == 0 {
			v.Start = tk.start
		}
		vs.add(tk, depth)
	}
}

// valueShape follows the tokens of one value closely enough to tell a
// plain literal — 'text', E'…', B'0101', 42, -1.5, NULL, true, DEFAULT,
// each optionally followed by ::type casts — from an expression.
type valueShape struct {
	n          int
	first, lit token
	last       token
	litEnd     int  // tokens the literal itself takes (0: not a literal)
	castOnly   bool // every token after the literal belongs to a ::type cast
	inCast     bool
	numberSign bool // a leading + or -
}

func (vs *valueShape) add(tk token, depth int) {
	vs.n++
	vs.last = tk
	switch vs.n {
	case 1:
		vs.first = tk
		vs.castOnly = true
		switch {
		case tk.kind == tokString && tk.lead != '$':
			vs.lit, vs.litEnd = tk, 1
		case tk.kind == tokOp && (tk.text == "-" || tk.text == "+"):
			vs.numberSign = true
		}
		return
	case 2:
		if isBitPrefix(vs.first) && tk.kind == tokString && tk.start == vs.first.end && tk.lead == '\'' {
			vs.lit, vs.litEnd = tk, 2 // pg_dump --inserts writes bit strings as B'0101'
			return
		}
	}
	switch {
	case tk.kind == tokOp && tk.text == "::":
		vs.inCast = true
	case !vs.inCast:
		vs.castOnly = false
	case tk.kind == tokIdent || tk.kind == tokQIdent:
	case tk.kind == tokOp && (tk.text == "." || tk.text == "(" || tk.text == ")" || tk.text == "[" || tk.text == "]"):
	case depth > 0 && (tk.kind == tokNumber || tk.kind == tokOp && tk.text == ","):
	default:
		vs.castOnly = false
	}
}

func (vs *valueShape) kind() ValueKind {
	first := vs.first
	switch {
	case vs.n == 1 && first.kind == tokIdent && first.text == "null":
		return ValNull
	case vs.n == 1 && first.kind == tokIdent && (first.text == "true" || first.text == "false" || first.text == "default"):
		return ValWord
	case vs.n == 1 && first.kind == tokNumber:
		return ValNumber
	case vs.n == 2 && vs.numberSign && vs.last.kind == tokNumber:
		return ValNumber
	case vs.litEnd > 0 && vs.castOnly:
		return ValString
	}
	return ValExpr
}

func isBitPrefix(tk token) bool { return tk.kind == tokIdent && (tk.text == "b" || tk.text == "x") }

// names tracks the settings that change how later statements are lexed.
// (Which table a name means is the schema model's business: it follows
// search_path exactly.)
type names struct {
	standardStrings bool
}

// observe updates the state from a SET or RESET statement.
func (n *names) observe(text []byte) {
	t := tokenizer{src: text}
	first := t.next()
	switch {
	case first.kind == tokIdent && first.text == "set":
		name := t.next()
		if name.kind == tokIdent && (name.text == "session" || name.text == "local") {
			name = t.next()
		}
		if name.text != "standard_conforming_strings" {
			return
		}
		if eq := t.next(); eq.kind != tokOp || eq.text != "=" {
			if eq.kind != tokIdent || eq.text != "to" {
				return
			}
		}
		val := t.next()
		v := val.text
		if val.kind == tokString {
			v = unquote(t.raw(val))
		}
		n.standardStrings = !strings.EqualFold(v, "off") && !strings.EqualFold(v, "false")
	case first.kind == tokIdent && (first.text == "reset" || first.text == "discard"):
		if w := t.next(); w.text == "all" || w.text == "standard_conforming_strings" {
			n.standardStrings = true
		}
	}
}

// unquote strips a simple '…' literal.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}
