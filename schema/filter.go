package schema

import (
	"regexp"
	"strings"
)

// defines reports whether a statement may change the schema model, judged
// by its first words so that a dump's thousands of INSERTs, COMMENTs, GRANTs,
// function bodies and OWNER TO statements never reach the parser.
func defines(sql string) bool {
	w, start := leadingWords(sql)
	is := strings.EqualFold
	switch {
	case is(w[0], "CREATE"):
		k := w[1]
		if is(k, "UNLOGGED") {
			k = w[2]
		}
		return is(k, "TABLE") || is(k, "TYPE") || is(k, "DOMAIN") || is(k, "SEQUENCE") ||
			is(k, "UNIQUE") // UNIQUE INDEX
	case is(w[0], "ALTER"):
		k := w[1]
		return (is(k, "TABLE") || is(k, "TYPE") || is(k, "DOMAIN") || is(k, "SEQUENCE")) &&
			!ownerOnly.MatchString(sql[start:])
	case is(w[0], "SET"):
		k := w[1]
		if is(k, "SESSION") || is(k, "LOCAL") {
			k = w[2]
		}
		return is(k, "search_path")
	case is(w[0], "RESET"):
		return is(w[1], "search_path")
	case is(w[0], "SELECT"):
		return containsFold(sql, "set_config") && containsFold(sql, "search_path")
	}
	return false
}

// ownerOnly matches a whole `ALTER … name OWNER TO role` statement, which
// pg_dump writes for nearly every object.
var ownerOnly = regexp.MustCompile(`(?is)^ALTER\s+\w+\s+(?:ONLY\s+)?` +
	`(?:"(?:[^"]|"")*"|[^\s".;]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s".;]+))*` +
	`\s+OWNER\s+TO\s+(?:"(?:[^"]|"")*"|[^\s";]+)\s*;?\s*$`)

// leadingWords returns the first three words of sql (fewer if a non-word
// character comes first) after blanks and comments, and where they start.
func leadingWords(sql string) (w [3]string, start int) {
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
	return w, start
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

// containsFold is an allocation-free, ASCII case-insensitive strings.Contains.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
