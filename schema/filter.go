package schema

import (
	"regexp"
	"strings"
)

// route is what Statement does with a statement before parsing it.
type route uint8

const (
	parse       route = iota
	skip              // defines no schema, changes no setting, writes no data
	scanView          // CREATE [MATERIALIZED] VIEW: only its name matters, read by the lexer
	loData            // pg_dump's SELECT pg_catalog.lowrite(…)
	loMeta            // COMMENT ON / ALTER LARGE OBJECT
	literalRows       // INSERT … VALUES of literals only
)

// routeOf judges a statement by its first words, so that a dump's thousands
// of COMMENTs, GRANTs, function bodies, OWNER TOs and large object chunks
// never reach the parser. Whatever the words do not settle is parsed.
func routeOf(sql string) route {
	w, start, end := leadingWords(sql)
	is := strings.EqualFold
	// word is the i-th word, or "?" when the words stop before it while the
	// statement goes on (a quoted name, a comment): then only parsing tells.
	word := func(i int) string {
		if w[i] == "" && end < len(sql) && i == firstEmpty(w) {
			return "?"
		}
		return w[i]
	}
	at := func(i int, words ...string) bool {
		for _, x := range words {
			if is(word(i), x) {
				return true
			}
		}
		return false
	}
	// after skips optional words from position i and returns the position
	// of the first other one.
	after := func(i int, optional ...string) int {
		for at(i, optional...) {
			i++
		}
		return i
	}
	switch {
	case sql[start:] == "" || w[0] == "" && sql[start] == '\\':
		return skip // empty, or a psql meta-command, which the caller handles
	case w[0] == "":
		return parse // ( SELECT …
	case at(0, "CREATE"):
		i := after(1, "OR", "REPLACE", "TEMP", "TEMPORARY", "GLOBAL", "LOCAL", "UNLOGGED", "RECURSIVE")
		switch {
		case at(i, "VIEW", "MATERIALIZED"):
			return scanView
		case at(i, "TABLE", "TYPE", "DOMAIN", "SEQUENCE", "UNIQUE", "INDEX", "SCHEMA", "FOREIGN",
			"ROLE", "USER", "GROUP", "SUBSCRIPTION", "?"):
			return parse
		}
	case at(0, "ALTER"):
		switch {
		case at(1, "LARGE"):
			return loMeta
		case at(1, "ROLE", "USER", "GROUP", "DATABASE", "SYSTEM", "?") && !at(2, "MAPPING"):
			return parse
		case at(1, "TABLE", "TYPE", "DOMAIN", "SEQUENCE", "INDEX", "SCHEMA", "VIEW", "MATERIALIZED", "FOREIGN", "SUBSCRIPTION") &&
			!at(2, "DATA") && !ownerOnly.MatchString(sql[start:]):
			return parse
		}
	case at(0, "DROP"):
		if at(1, "TABLE", "VIEW", "MATERIALIZED", "FOREIGN", "SEQUENCE", "INDEX", "TYPE", "DOMAIN", "SCHEMA", "OWNED", "?") &&
			!at(2, "DATA") {
			return parse
		}
	case at(0, "SET"):
		i := after(1, "SESSION", "LOCAL")
		if at(i, "search_path", "role", "session_authorization", "AUTHORIZATION", "standard_conforming_strings", "?") {
			return parse
		}
	case at(0, "RESET"):
		if at(1, "search_path", "role", "session_authorization", "SESSION", "ALL", "standard_conforming_strings", "?") {
			return parse
		}
	case at(0, "SELECT"):
		if isLowrite(sql[start:]) {
			return loData
		}
		return parse
	case at(0, "COMMENT"):
		if at(1, "ON") && at(2, "LARGE") {
			return loMeta
		}
		if at(1, "?") || at(2, "?") {
			return parse
		}
	case at(0, "GRANT", "REVOKE", "SECURITY"):
		if largeObjectWords.MatchString(sql) {
			return parse
		}
	case at(0, "INSERT"):
		if literalInsert(sql[start:]) {
			return literalRows
		}
		return parse
	case at(0, "DISCARD", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE",
		"PREPARE", "WITH", "UPDATE", "DELETE", "MERGE", "VALUES", "DO", "CALL", "EXECUTE", "COPY",
		"EXPLAIN", "DECLARE", "IMPORT"):
		return parse
	}
	return skip
}

// literalInsert recognises INSERT INTO name [(columns)] VALUES (…), …
// whose values are all literals, the form pg_dump --inserts writes
// thousands of times: it writes only values the dump reader sees, so it
// need not be parsed. Anything else is left to the parser.
func literalInsert(s string) bool {
	sc := &scanner{s: s}
	if !sc.word("INSERT") || !sc.word("INTO") || !sc.name() || sc.punct('.') && !sc.name() {
		return false
	}
	if sc.punct('(') {
		for sc.name() && sc.punct(',') {
		}
		if !sc.punct(')') {
			return false
		}
	}
	if !sc.word("VALUES") {
		return false
	}
	for {
		if !sc.punct('(') {
			return false
		}
		for sc.literal() && sc.punct(',') {
		}
		if !sc.punct(')') {
			return false
		}
		if !sc.punct(',') {
			break
		}
	}
	sc.punct(';')
	return skipBlanks(s, sc.i) == len(s)
}

// scanner reads the tokens of literalInsert, each after blanks and comments.
type scanner struct {
	s string
	i int
}

func (sc *scanner) punct(c byte) bool {
	j := skipBlanks(sc.s, sc.i)
	if j < len(sc.s) && sc.s[j] == c {
		sc.i = j + 1
		return true
	}
	return false
}

// word reads a keyword (ASCII, any case) not followed by a name character.
func (sc *scanner) word(w string) bool {
	j := skipBlanks(sc.s, sc.i)
	if j+len(w) <= len(sc.s) && strings.EqualFold(sc.s[j:j+len(w)], w) && (j+len(w) == len(sc.s) || !isNameByte(sc.s[j+len(w)])) {
		sc.i = j + len(w)
		return true
	}
	return false
}

// name reads an identifier, bare or double-quoted.
func (sc *scanner) name() bool {
	j := skipBlanks(sc.s, sc.i)
	if j < len(sc.s) && sc.s[j] == '"' {
		return sc.quoted(j, '"')
	}
	k := j
	for k < len(sc.s) && isNameByte(sc.s[k]) {
		k++
	}
	if k == j || '0' <= sc.s[j] && sc.s[j] <= '9' || sc.s[j] == '$' {
		return false
	}
	sc.i = k
	return true
}

// quoted reads text between quote characters, a doubled quote standing for
// one, from s[j].
func (sc *scanner) quoted(j int, q byte) bool {
	for k := j + 1; k < len(sc.s); k++ {
		if sc.s[k] != q {
			continue
		}
		if k+1 < len(sc.s) && sc.s[k+1] == q {
			k++
			continue
		}
		sc.i = k + 1
		return true
	}
	return false
}

// literal reads a number, string, bit string, NULL, TRUE, FALSE or DEFAULT;
// nothing may follow it but a comma, parenthesis or blank.
func (sc *scanner) literal() bool {
	for _, w := range []string{"NULL", "TRUE", "FALSE", "DEFAULT"} {
		if sc.word(w) {
			return true
		}
	}
	j := skipBlanks(sc.s, sc.i)
	if j < len(sc.s) && (sc.s[j] == 'B' || sc.s[j] == 'b' || sc.s[j] == 'X' || sc.s[j] == 'x') && j+1 < len(sc.s) && sc.s[j+1] == '\'' {
		j++
	}
	if j < len(sc.s) && sc.s[j] == '\'' {
		return sc.quoted(j, '\'')
	}
	if j < len(sc.s) && (sc.s[j] == '-' || sc.s[j] == '+') {
		j++
	}
	k := j
	for k < len(sc.s) && ('0' <= sc.s[k] && sc.s[k] <= '9' || sc.s[k] == '.') {
		k++
	}
	if k > j && k < len(sc.s) && (sc.s[k] == 'e' || sc.s[k] == 'E') {
		k++
		if k < len(sc.s) && (sc.s[k] == '-' || sc.s[k] == '+') {
			k++
		}
		for k < len(sc.s) && '0' <= sc.s[k] && sc.s[k] <= '9' {
			k++
		}
	}
	if k == j || k < len(sc.s) && (isNameByte(sc.s[k]) || sc.s[k] == '.') {
		return false
	}
	sc.i = k
	return true
}

// isNameByte reports a byte that may continue an unquoted name.
func isNameByte(c byte) bool { return isWordByte(c) || c == '$' || c >= 0x80 }

// firstEmpty is the index of the first empty word, -1 if none.
func firstEmpty(w [6]string) int {
	for i, x := range w {
		if x == "" {
			return i
		}
	}
	return -1
}

// ownerOnly matches a whole `ALTER … name OWNER TO role` statement, which
// pg_dump writes for nearly every object.
var ownerOnly = regexp.MustCompile(`(?is)^ALTER\s+\w+\s+(?:ONLY\s+)?` +
	`(?:"(?:[^"]|"")*"|[^\s".;]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s".;]+))*` +
	`\s+OWNER\s+TO\s+(?:"(?:[^"]|"")*"|[^\s";]+)\s*;?\s*$`)

// isLowrite recognises the whole of pg_dump's large object chunk, SELECT
// pg_catalog.lowrite(0, '\x…'); with a hex literal, so that nothing else
// can hide behind its first words. It is a loop rather than a regular
// expression: dumps hold thousands of these, each up to 64 kB of hex.
func isLowrite(s string) bool {
	sc := &scanner{s: s}
	if !sc.word("SELECT") || !sc.word("pg_catalog") || !sc.punct('.') || !sc.word("lowrite") || !sc.punct('(') {
		return false
	}
	i := skipBlanks(s, sc.i)
	j := i
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	sc.i = j
	if j == i || !sc.punct(',') {
		return false
	}
	i = skipBlanks(s, sc.i)
	if !strings.HasPrefix(s[i:], `'\x`) {
		return false
	}
	j = i + 3
	for j < len(s) && isHex(s[j]) {
		j++
	}
	if j == len(s) || s[j] != '\'' {
		return false
	}
	sc.i = j + 1
	if !sc.punct(')') {
		return false
	}
	sc.punct(';')
	return skipBlanks(s, sc.i) == len(s)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// largeObjectWords spot GRANT/REVOKE/SECURITY LABEL … ON LARGE OBJECT.
var largeObjectWords = regexp.MustCompile(`(?i)\bLARGE\s+OBJECT\b`)

// leadingWords returns the first six words of sql (fewer if a non-word
// character comes first), where they start, and where the words stop.
func leadingWords(sql string) (w [6]string, start, end int) {
	i := skipBlanks(sql, 0)
	start = i
	for k := range w {
		j := i
		for j < len(sql) && isWordByte(sql[j]) {
			j++
		}
		if j == i {
			break
		}
		w[k] = sql[i:j]
		i = j
		for i < len(sql) && isSpace(sql[i]) {
			i++
		}
	}
	end = i
	if end == len(sql) || sql[end] == ';' {
		end = len(sql)
	}
	return w, start, end
}

// skipBlanks skips white space, -- comments and (nested) /* */ comments.
func skipBlanks(s string, i int) int {
	for i < len(s) {
		switch {
		case isSpace(s[i]):
			i++
		case strings.HasPrefix(s[i:], "--"):
			nl := strings.IndexByte(s[i:], '\n')
			if nl < 0 {
				return len(s)
			}
			i += nl + 1
		case strings.HasPrefix(s[i:], "/*"):
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		default:
			return i
		}
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
