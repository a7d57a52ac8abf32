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
// anywhere else is reported with fromStdin false.
func parseCopy(text []byte, searchPath string) (copyHeader, error) {
	var h copyHeader
	t := tokenizer{src: text}
	t.next() // COPY
	sch, name, ok := t.parseQName(searchPath)
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
		return h, fmt.Errorf("COPY %s FROM stdin with options (%q…) is not supported: only the text format pg_dump writes can be read", h.table, end.text)
	}
}

// ValueKind classifies one value of an INSERT tuple.
type ValueKind uint8

const (
	ValNull   ValueKind = iota + 1 // NULL
	ValString                      // a string literal, possibly with a ::cast
	ValNumber                      // a numeric literal, possibly signed
	ValWord                        // a bare word: true, false, DEFAULT
	ValExpr                        // anything else (function call, ARRAY[…], …)
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
	Table   schema.QName
	Columns []string // nil when the statement has no column list
	Tuples  [][]Value
	// Opaque is set when the rows come from something other than VALUES
	// lists (INSERT … SELECT): their values cannot be seen or rewritten.
	Opaque bool
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
// (…), (…);` from src[from:], recording value positions as offsets in src.
func parseInsert(iv *InsertValues, src []byte, from int, searchPath string, backslashy bool) *insertError {
	t := tokenizer{src: src, pos: from, backslashy: backslashy}
	*iv = InsertValues{Tuples: iv.Tuples[:0], vals: iv.vals[:0], Backslashy: backslashy}
	fail := func(tk token, msg string) *insertError { return &insertError{offset: tk.start, msg: msg} }
	t.next() // INSERT
	if into := t.next(); into.kind != tokIdent || into.text != "into" {
		return fail(into, "INSERT without INTO")
	}
	sch, name, ok := t.parseQName(searchPath)
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
		iv.Opaque = true
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
		next := t.next()
		if next.kind == tokOp && next.text == "," {
			continue
		}
		if next.kind == tokEOF || next.kind == tokOp && next.text == ";" {
			break
		}
		// ON CONFLICT and the like: the values are still what they are.
		break
	}
	start := 0
	for _, b := range bounds {
		iv.Tuples = append(iv.Tuples, iv.vals[start:b:b])
		start = b
	}
	return nil
}

// parseValue reads one value up to the "," or ")" that ends it at depth 0.
func (t *tokenizer) parseValue() (Value, string, *insertError) {
	var v Value
	var toks [4]token
	n := 0
	depth := 0
	for {
		tk := t.next()
		switch {
		case tk.kind == tokEOF:
			return v, "", &insertError{offset: tk.start, msg: "INSERT statement ends inside a row of values"}
		case tk.kind == tokOp && (tk.text == "(" || tk.text == "["):
			depth++
		case tk.kind == tokOp && tk.text == "]":
			depth--
		case tk.kind == tokOp && (tk.text == "," || tk.text == ")") && depth == 0:
			if n == 0 {
				return v, "", &insertError{offset: tk.start, msg: "empty value in INSERT row"}
			}
			v.End = toks[min(n, len(toks))-1].end
			v.Kind = classify(toks[:min(n, len(toks))], n)
			if v.Kind == ValString {
				v.LitStart, v.LitEnd = toks[0].start, toks[0].end
			}
			return v, tk.text, nil
		case tk.kind == tokOp && tk.text == ")":
			depth--
		}
		if n == 0 {
			v.Start = tk.start
		}
		if n < len(toks) {
			toks[n] = tk
		} else {
			toks[len(toks)-1] = tk
		}
		n++
	}
}

// classify names a value from its first tokens; n is the total count.
func classify(toks []token, n int) ValueKind {
	first := toks[0]
	switch {
	case n == 1 && first.kind == tokIdent && first.text == "null":
		return ValNull
	case n == 1 && first.kind == tokIdent:
		return ValWord
	case n == 1 && first.kind == tokNumber:
		return ValNumber
	case n == 2 && first.kind == tokOp && (first.text == "-" || first.text == "+") && toks[1].kind == tokNumber:
		return ValNumber
	case first.kind == tokString && first.text[0] != '$' && (n == 1 || toks[1].kind == tokOp && toks[1].text == "::"):
		return ValString
	}
	return ValExpr
}

// names tracks the settings that change how later statements read.
type names struct {
	searchPath      string
	standardStrings bool
}

// observe updates the state from a SET or set_config statement.
func (n *names) observe(text []byte) {
	t := tokenizer{src: text}
	first := t.next()
	switch {
	case first.kind == tokIdent && first.text == "set":
		name := t.next()
		if name.kind == tokIdent && (name.text == "session" || name.text == "local") {
			name = t.next()
		}
		if eq := t.next(); eq.kind != tokOp || eq.text != "=" {
			if eq.kind != tokIdent || eq.text != "to" {
				return
			}
		}
		val := t.next()
		switch name.text {
		case "search_path":
			if isName(val) {
				n.searchPath = val.text
			} else if val.kind == tokString {
				n.searchPath = firstSchema(unquote(val.text))
			}
		case "standard_conforming_strings":
			v := val.text
			if val.kind == tokString {
				v = unquote(v)
			}
			n.standardStrings = strings.EqualFold(v, "on") || strings.EqualFold(v, "true")
		}
	case first.kind == tokIdent && first.text == "select":
		// pg_dump: SELECT pg_catalog.set_config('search_path', '', false);
		if sch, fn, ok := t.parseQName(""); !ok || fn != "set_config" || (sch != "" && sch != "pg_catalog") {
			return
		}
		t.next() // (
		if setting := t.next(); setting.kind != tokString || unquote(setting.text) != "search_path" {
			return
		}
		t.next() // ,
		if val := t.next(); val.kind == tokString {
			n.searchPath = firstSchema(unquote(val.text))
		}
	}
}

// firstSchema returns the first schema of a search_path value; an empty
// path (pg_dump's) leaves unqualified names meaning public.
func firstSchema(path string) string {
	first, _, _ := strings.Cut(path, ",")
	first = strings.TrimSpace(first)
	if strings.HasPrefix(first, `"`) && strings.HasSuffix(first, `"`) && len(first) >= 2 {
		return strings.ReplaceAll(first[1:len(first)-1], `""`, `"`)
	}
	if first == "" || first == "$user" {
		return "public"
	}
	return strings.ToLower(first)
}

// unquote strips a simple '…' literal.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}
