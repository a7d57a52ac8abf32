package schema

import "strings"

// withoutLiteral returns the parser's message with the token it quotes
// (`syntax error at or near "…"`) replaced by what it is, unless it is a
// keyword, a name or an operator: a string or a number there may be a cell
// value (an UPDATE's, a large object's bytes), and errors never quote one.
func withoutLiteral(msg string) string {
	const near = ` at or near "`
	i := strings.Index(msg, near)
	j := strings.LastIndexByte(msg, '"')
	if i < 0 || j < i+len(near) {
		return msg
	}
	what := tokenKind(msg[i+len(near) : j])
	if what == "" {
		return msg
	}
	return msg[:i] + " at or near " + what + msg[j+1:]
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
