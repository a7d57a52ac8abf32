package plaindump

import (
	"bytes"
	"strings"
)

// A small SQL tokenizer, enough for the statements whose shape matters to a
// dump reader: COPY headers, INSERT … VALUES, and the few SETs that change
// how the rest of the script is read. Everything else passes through as text.

type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokIdent          // unquoted identifier or keyword; text is lower-cased
	tokQIdent         // "quoted identifier"; text is unescaped
	tokString         // '…', E'…', U&'…' or $$…$$; text is empty (see token.raw)
	tokNumber
	tokOp // punctuation and operators
)

type token struct {
	kind       tokKind
	start, end int    // byte range in the source
	text       string // see tokKind
	lead       byte   // a string's first byte: ', E, $ …
}

// raw returns a token's text as written. A string token does not carry it:
// copying every literal of an INSERT would allocate for each value, and
// copy a huge one whole.
func (t *tokenizer) raw(tk token) string { return string(t.src[tk.start:tk.end]) }

type tokenizer struct {
	src        []byte
	pos        int
	backslashy bool // '…' strings take backslash escapes (standard_conforming_strings off)
}

func (t *tokenizer) skipSpace() {
	for t.pos < len(t.src) {
		c := t.src[t.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			t.pos++
		case c == '-' && at(t.src, t.pos+1) == '-':
			j := bytes.IndexByte(t.src[t.pos:], '\n')
			if j < 0 {
				t.pos = len(t.src)
			} else {
				t.pos += j + 1
			}
		case c == '/' && at(t.src, t.pos+1) == '*':
			depth := 0
			for t.pos < len(t.src) {
				if t.src[t.pos] == '/' && at(t.src, t.pos+1) == '*' {
					depth++
					t.pos += 2
				} else if t.src[t.pos] == '*' && at(t.src, t.pos+1) == '/' {
					depth--
					t.pos += 2
					if depth == 0 {
						break
					}
				} else {
					t.pos++
				}
			}
		default:
			return
		}
	}
}

func (t *tokenizer) next() token {
	t.skipSpace()
	start := t.pos
	if t.pos >= len(t.src) {
		return token{kind: tokEOF, start: start, end: start}
	}
	c := t.src[t.pos]
	switch {
	case c == '\'':
		t.scanString(t.backslashy)
		return token{kind: tokString, start: start, end: t.pos, lead: c}
	case (c == 'E' || c == 'e') && at(t.src, t.pos+1) == '\'':
		t.pos++
		t.scanString(true)
		return token{kind: tokString, start: start, end: t.pos, lead: c}
	case c == '"':
		var sb strings.Builder
		t.pos++
		for t.pos < len(t.src) {
			if t.src[t.pos] == '"' {
				if at(t.src, t.pos+1) == '"' {
					sb.WriteByte('"')
					t.pos += 2
					continue
				}
				t.pos++
				break
			}
			sb.WriteByte(t.src[t.pos])
			t.pos++
		}
		return token{kind: tokQIdent, start: start, end: t.pos, text: sb.String()}
	case c == '$':
		if n := dollarTag(t.src, t.pos); n > 0 {
			tag := t.src[t.pos : t.pos+n]
			j := bytes.Index(t.src[t.pos+n:], tag)
			if j < 0 {
				t.pos = len(t.src)
			} else {
				t.pos += n + j + n
			}
			return token{kind: tokString, start: start, end: t.pos, lead: c}
		}
	case c >= '0' && c <= '9' || c == '.' && at(t.src, t.pos+1) >= '0' && at(t.src, t.pos+1) <= '9':
		for t.pos < len(t.src) {
			c := t.src[t.pos]
			if c >= '0' && c <= '9' || c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				t.pos++
				continue
			}
			if (c == '+' || c == '-') && (t.src[t.pos-1] == 'e' || t.src[t.pos-1] == 'E') {
				t.pos++
				continue
			}
			break
		}
		return token{kind: tokNumber, start: start, end: t.pos, text: string(t.src[start:t.pos])}
	case isIdentByte(c) && c != '$':
		for t.pos < len(t.src) && isIdentByte(t.src[t.pos]) {
			t.pos++
		}
		return token{kind: tokIdent, start: start, end: t.pos, text: foldIdent(t.src[start:t.pos])}
	case c == ':' && at(t.src, t.pos+1) == ':':
		t.pos += 2
		return token{kind: tokOp, start: start, end: t.pos, text: "::"}
	}
	t.pos++
	return token{kind: tokOp, start: start, end: t.pos, text: string(c)}
}

func (t *tokenizer) scanString(escapes bool) {
	t.pos++ // opening quote
	for t.pos < len(t.src) {
		c := t.src[t.pos]
		if escapes && c == '\\' {
			t.pos += 2
			continue
		}
		if c == '\'' {
			if at(t.src, t.pos+1) == '\'' {
				t.pos += 2
				continue
			}
			t.pos++
			return
		}
		t.pos++
	}
	t.pos = len(t.src)
}

// foldIdent lower-cases an unquoted identifier the way PostgreSQL does
// (ASCII letters only).
func foldIdent(b []byte) string {
	s := []byte(string(b))
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			s[i] = c + 'a' - 'A'
		}
	}
	return string(s)
}

func isName(tk token) bool { return tk.kind == tokIdent || tk.kind == tokQIdent }

// isKeyword reports whether text starts with the keyword kw (upper case).
func isKeyword(text []byte, kw string) bool {
	if len(text) < len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		c := text[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != kw[i] {
			return false
		}
	}
	return len(text) == len(kw) || !isIdentByte(text[len(kw)])
}

// parseQName reads name or schema.name as written: an unqualified name
// comes back with an empty schema, for the schema model to resolve through
// the search_path in force at that point of the script.
func (t *tokenizer) parseQName() (schemaName, name string, ok bool) {
	first := t.next()
	if !isName(first) {
		return "", "", false
	}
	save := t.pos
	if dot := t.next(); dot.kind == tokOp && dot.text == "." {
		second := t.next()
		if !isName(second) {
			return "", "", false
		}
		return first.text, second.text, true
	}
	t.pos = save
	return "", first.text, true
}

// parseNameList reads "(a, b, …)" if present; present is false when the next
// token is not "(" (and nothing is consumed).
func (t *tokenizer) parseNameList() (names []string, present, ok bool) {
	save := t.pos
	if open := t.next(); open.kind != tokOp || open.text != "(" {
		t.pos = save
		return nil, false, true
	}
	for {
		n := t.next()
		if !isName(n) {
			return nil, true, false
		}
		names = append(names, n.text)
		switch sep := t.next(); {
		case sep.kind == tokOp && sep.text == ",":
		case sep.kind == tokOp && sep.text == ")":
			return names, true, true
		default:
			return nil, true, false
		}
	}
}
