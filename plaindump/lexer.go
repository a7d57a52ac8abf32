package plaindump

import "bytes"

// lexState is where the statement scanner stands between calls. Statements
// arrive line by line, so every state survives a line break.
type lexState uint8

const (
	lexGap          lexState = iota // before a statement: whitespace and comments
	lexCode                         // inside a statement, outside quotes
	lexQuote                        // '...' (standard_conforming_strings = on)
	lexEQuote                       // E'...' or '...' with backslash escapes
	lexIdent                        // "..."
	lexDollar                       // $tag$...$tag$
	lexBlockComment                 // /* ... */, nestable
	lexLineComment                  // -- to end of line
)

// lexer finds where a SQL statement ends in text that pg_dump wrote: the
// first semicolon outside quotes, dollar quotes and comments.
type lexer struct {
	state      lexState
	outer      lexState // state to return to after a comment
	depth      int      // block comment nesting
	tag        []byte   // closing delimiter of the current dollar quote, e.g. "$body$"
	quoteLine  int      // line where the open quote, comment or dollar quote began
	start      int      // offset of the first statement byte (after the gap)
	backslashy bool     // standard_conforming_strings is off: '...' takes backslash escapes
	// stray is the line of a backslash outside quotes inside a statement:
	// psql takes it as a meta-command, whose effect we cannot follow.
	stray int
}

func (l *lexer) reset() {
	l.state = lexGap
	l.depth = 0
	l.tag = l.tag[:0]
	l.start = -1
	l.stray = 0
}

// scan advances over buf[from:], which always ends at a line end or at EOF.
// It returns the offset just past the terminating semicolon, or -1 if the
// statement continues. meta reports a psql meta-command (a backslash where a
// statement would start); the command is the rest of the line. line is the
// line number of buf[from], used to remember where quotes open.
func (l *lexer) scan(buf []byte, from, line int) (end int, meta bool) {
	i := from
	for i < len(buf) {
		c := buf[i]
		switch l.state {
		case lexGap, lexCode:
			switch {
			case c == '\n':
				line++
				i++
				continue
			case c == ' ' || c == '\t' || c == '\r' || c == '\f':
				i++
				continue
			case c == '-' && at(buf, i+1) == '-':
				l.outer, l.state, l.quoteLine = l.state, lexLineComment, line
				i += 2
				continue
			case c == '/' && at(buf, i+1) == '*':
				l.outer, l.state, l.depth, l.quoteLine = l.state, lexBlockComment, 1, line
				i += 2
				continue
			}
			if l.state == lexGap {
				l.start = i
				if c == '\\' {
					return -1, true
				}
				l.state = lexCode
			}
			switch c {
			case '\\':
				l.stray = line
				return -1, false
			case ';':
				l.state = lexGap
				return i + 1, false
			case '\'':
				l.quoteLine = line
				if l.backslashy || (i > 0 && (buf[i-1] == 'E' || buf[i-1] == 'e') && (i < 2 || !isIdentByte(buf[i-2]))) {
					l.state = lexEQuote
				} else {
					l.state = lexQuote
				}
			case '"':
				l.state, l.quoteLine = lexIdent, line
			case '$':
				if n := dollarTag(buf, i); n > 0 && (i == 0 || !isIdentByte(buf[i-1])) {
					l.tag = append(l.tag[:0], buf[i:i+n]...)
					l.state, l.quoteLine = lexDollar, line
					i += n
					continue
				}
			}
			i++
		case lexQuote:
			j := bytes.IndexByte(buf[i:], '\'')
			if j < 0 {
				line += bytes.Count(buf[i:], nl)
				return -1, false
			}
			line += bytes.Count(buf[i:i+j], nl)
			i += j + 1
			if at(buf, i) == '\'' {
				i++
			} else {
				l.state = lexCode
			}
		case lexEQuote:
			switch c {
			case '\\':
				if at(buf, i+1) == '\n' {
					line++
				}
				i += 2
				continue
			case '\'':
				if at(buf, i+1) == '\'' {
					i += 2
					continue
				}
				l.state = lexCode
			case '\n':
				line++
			}
			i++
		case lexIdent:
			j := bytes.IndexByte(buf[i:], '"')
			if j < 0 {
				line += bytes.Count(buf[i:], nl)
				return -1, false
			}
			line += bytes.Count(buf[i:i+j], nl)
			i += j + 1
			if at(buf, i) == '"' {
				i++
			} else {
				l.state = lexCode
			}
		case lexDollar:
			j := bytes.Index(buf[i:], l.tag)
			if j < 0 {
				// The closing tag cannot span lines, so resume at this line's end.
				line += bytes.Count(buf[i:], nl)
				return -1, false
			}
			line += bytes.Count(buf[i:i+j], nl)
			i += j + len(l.tag)
			l.state = lexCode
		case lexLineComment:
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 {
				return -1, false
			}
			i += j
			l.state = l.outer
		case lexBlockComment:
			switch {
			case c == '*' && at(buf, i+1) == '/':
				i += 2
				if l.depth--; l.depth == 0 {
					l.state = l.outer
				}
				continue
			case c == '/' && at(buf, i+1) == '*':
				l.depth++
				i += 2
				continue
			case c == '\n':
				line++
			}
			i++
		}
	}
	return -1, false
}

var nl = []byte{'\n'}

func at(buf []byte, i int) byte {
	if i < len(buf) {
		return buf[i]
	}
	return 0
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// dollarTag returns the length of a dollar-quote delimiter ($$ or $tag$)
// starting at buf[i], or 0.
func dollarTag(buf []byte, i int) int {
	j := i + 1
	for j < len(buf) {
		c := buf[j]
		if c == '$' {
			return j - i + 1
		}
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
		if !isLetter && !(j > i+1 && c >= '0' && c <= '9') {
			return 0
		}
		j++
	}
	return 0
}

// unterminated describes what is still open at EOF, or "" when nothing is.
func (l *lexer) unterminated() string {
	switch l.state {
	case lexQuote, lexEQuote:
		return "string literal"
	case lexIdent:
		return "quoted identifier"
	case lexDollar:
		return "dollar-quoted string " + string(l.tag)
	case lexBlockComment:
		return "comment"
	}
	return ""
}
