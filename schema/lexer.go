package schema

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// token is one token of PostgreSQL's lexer, comments left out. The lexer
// changes far less between releases than the grammar, so it reads
// statements the bundled parser may not.
type token struct {
	tok  pg_query.Token
	kw   pg_query.KeywordKind
	text string
}

func lex(sql string) ([]token, error) {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return nil, err
	}
	out := make([]token, 0, len(res.Tokens))
	for _, t := range res.Tokens {
		if t.Token == pg_query.Token_SQL_COMMENT || t.Token == pg_query.Token_C_COMMENT {
			continue
		}
		if t.Start < 0 || int(t.End) > len(sql) || t.Start > t.End {
			return nil, errUnbalanced
		}
		out = append(out, token{tok: t.Token, kw: t.KeywordKind, text: sql[t.Start:t.End]})
	}
	return out, nil
}

// name gives an identifier or keyword as PostgreSQL stores the name:
// quoted as written, unquoted folded to lower case, cut to 63 bytes.
func (t token) name() (string, bool) {
	switch {
	case t.tok == pg_query.Token_IDENT && strings.HasPrefix(t.text, `"`) && len(t.text) >= 2:
		return clipUTF8(strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`), 63), true
	case t.tok == pg_query.Token_IDENT:
		return clipUTF8(foldASCII(t.text), 63), true
	case t.kw != pg_query.KeywordKind_NO_KEYWORD:
		return strings.ToLower(t.text), true
	}
	return "", false
}

// scannedView follows CREATE [OR REPLACE] [TEMP] [RECURSIVE] VIEW and
// CREATE MATERIALIZED VIEW [IF NOT EXISTS] from their tokens: the name and
// the names the query mentions are all the model keeps, and the query may
// use syntax newer than the bundled parser's. ok is false when the tokens
// are not of that form, for the statement to be parsed instead.
func (b *Builder) scannedView(sql string) (ok bool, err error) {
	toks, err := lex(sql)
	if err != nil {
		return false, nil
	}
	if n := len(toks); n > 0 && toks[n-1].tok == pg_query.Token_ASCII_59 {
		toks = toks[:n-1]
	}
	if slices.ContainsFunc(toks, func(t token) bool { return t.tok == pg_query.Token_ASCII_59 }) {
		return false, nil // several statements
	}
	i := 1 // after CREATE
	has := func(t pg_query.Token) bool {
		if i < len(toks) && toks[i].tok == t {
			i++
			return true
		}
		return false
	}
	replace := has(pg_query.Token_OR) && has(pg_query.Token_REPLACE)
	temp := has(pg_query.Token_TEMP) || has(pg_query.Token_TEMPORARY)
	has(pg_query.Token_RECURSIVE)
	kind := relView
	if has(pg_query.Token_MATERIALIZED) {
		kind = relMatView
	}
	if !has(pg_query.Token_VIEW) {
		return false, nil
	}
	ifNotExists := kind == relMatView && has(pg_query.Token_IF_P) && has(pg_query.Token_NOT) && has(pg_query.Token_EXISTS)
	var parts []string
	for {
		if i >= len(toks) {
			return false, nil
		}
		n, isName := toks[i].name()
		if !isName || toks[i].kw == pg_query.KeywordKind_RESERVED_KEYWORD {
			return false, nil
		}
		parts = append(parts, n)
		i++
		if !has(pg_query.Token_ASCII_46) { // "."
			break
		}
	}
	if len(parts) > 3 {
		return false, nil
	}
	mentions := map[string]bool{}
	for _, t := range toks[i:] {
		if n, ok := t.name(); ok {
			mentions[n] = true
		}
	}
	rv := &pg_query.RangeVar{Schemaname: qualifier(parts), Relname: parts[len(parts)-1], Relpersistence: "p"}
	if temp {
		rv.Relpersistence = "t"
	}
	return true, b.createView(rv, kind, replace, ifNotExists, mentions)
}

// newerSyntax names syntax of a later PostgreSQL release that a statement
// the bundled parser rejects seems to use, "" if none.
func newerSyntax(sql string) string {
	toks, err := lex(sql)
	if err != nil {
		return ""
	}
	name := func(i int) string {
		if i < 0 || i >= len(toks) {
			return ""
		}
		n, _ := toks[i].name()
		return n
	}
	tok := func(i int) pg_query.Token {
		if i < 0 || i >= len(toks) {
			return pg_query.Token_NUL
		}
		return toks[i].tok
	}
	const open, comma, closing = pg_query.Token_ASCII_40, pg_query.Token_ASCII_44, pg_query.Token_ASCII_41
	generated := false
	for i, t := range toks {
		n := name(i)
		switch {
		case t.tok == pg_query.Token_GENERATED:
			generated = true
		case n == "virtual" && generated && tok(i-1) == closing:
			return "PostgreSQL 18 virtual generated columns (GENERATED ALWAYS AS (…) VIRTUAL)"
		case n == "json_table" && tok(i+1) == open:
			return "PostgreSQL 17 JSON_TABLE"
		case (n == "json_query" || n == "json_value" || n == "json_exists" || n == "json_serialize" || n == "json_scalar") && tok(i+1) == open:
			return "PostgreSQL 17 SQL/JSON function " + strings.ToUpper(n)
		case n == "merge_action" && tok(i+1) == open:
			return "PostgreSQL 17 merge_action()"
		case t.tok == pg_query.Token_RETURNING && tok(0) == pg_query.Token_MERGE:
			return "PostgreSQL 17 MERGE … RETURNING"
		case t.tok == pg_query.Token_WITHOUT && tok(i+1) == pg_query.Token_OVERLAPS:
			return "PostgreSQL 18 temporal keys (WITHOUT OVERLAPS)"
		case n == "period" && t.tok == pg_query.Token_IDENT && (tok(i-1) == open || tok(i-1) == comma):
			return "PostgreSQL 18 temporal foreign keys (PERIOD)"
		case t.tok == pg_query.Token_NOT && name(i+1) == "enforced":
			return "PostgreSQL 18 NOT ENFORCED constraints"
		case t.tok == pg_query.Token_SET && name(i+1) == "expression" && tok(i+2) == pg_query.Token_AS:
			return "PostgreSQL 17 ALTER COLUMN … SET EXPRESSION"
		case t.tok == pg_query.Token_CONSTRAINT && tok(i+2) == pg_query.Token_NOT && tok(i+3) == pg_query.Token_NULL_P && tok(i+4) == pg_query.Token_IDENT:
			return "PostgreSQL 18 NOT NULL table constraints"
		}
	}
	return ""
}
