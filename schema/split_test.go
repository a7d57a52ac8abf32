package schema

import (
	"strings"
	"testing"
)

// splitDump is a TEST-ONLY statement splitter for plain pg_dump files, just
// good enough to feed the corpus to Builder.Add: it splits on ';' outside
// quotes, comments and $tag$ bodies, skips COPY … FROM stdin data up to the
// `\.` line and drops psql meta-commands (\restrict). The project's real
// splitter lives elsewhere.
func splitDump(text string) []string {
	var out []string
	start := 0
	skipPast := func(i int, end string) int {
		if j := strings.Index(text[i:], end); j >= 0 {
			return i + j + len(end)
		}
		return len(text)
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\\' && (i == 0 || text[i-1] == '\n') && strings.TrimSpace(text[start:i]) == "":
			i = skipPast(i, "\n")
			start = i
		case strings.HasPrefix(text[i:], "--"):
			i = skipPast(i, "\n")
		case strings.HasPrefix(text[i:], "/*"):
			i = skipPast(i+2, "*/")
		case c == '\'' || c == '"':
			i = skipPast(i+1, string(c)) // '' and "" escapes re-enter the same state
		case c == '$':
			j := i + 1
			for j < len(text) && (isWordByte(text[j]) && !(j == i+1 && text[j] >= '0' && text[j] <= '9')) {
				j++
			}
			if j < len(text) && text[j] == '$' {
				i = skipPast(j+1, text[i:j+1])
			} else {
				i++
			}
		case c == ';':
			i++
			stmt := text[start:i]
			out = append(out, stmt)
			if w, _, _ := leadingWords(stmt); strings.EqualFold(w[0], "COPY") && containsFold(stmt, "FROM stdin") {
				i = skipPast(i, "\n")
				for i < len(text) {
					line := text[i:skipPast(i, "\n")]
					i += len(line)
					if strings.TrimRight(line, "\r\n") == `\.` {
						break
					}
				}
			}
			start = i
		default:
			i++
		}
	}
	if strings.TrimSpace(text[start:]) != "" {
		out = append(out, text[start:])
	}
	return out
}

func TestSplitDump(t *testing.T) {
	in := "\\restrict K\n-- c; x\nSET a = 1;\r\nCREATE FUNCTION f() AS $_$ a; b $_$;\n" +
		"COPY t (a) FROM stdin;\n1;2\n\\.\nSELECT 'x;y', \"q;\";\n"
	got := splitDump(in)
	want := []string{"-- c; x\nSET a = 1;", "\r\nCREATE FUNCTION f() AS $_$ a; b $_$;",
		"\nCOPY t (a) FROM stdin;", "SELECT 'x;y', \"q;\";"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %q, want %q", i, got[i], want[i])
		}
	}
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
