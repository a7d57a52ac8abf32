package subset

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// checkWhere refuses a where: condition that is not one SQL expression:
// one that ends the statement it is put in (a ';' outside quotes and
// comments: COMMIT; SET default_transaction_read_only = off; …) or closes
// the parenthesis around it (") TO PROGRAM …"), or leaves a string,
// quoted identifier or comment open. The condition is read the way
// PostgreSQL's lexer reads it, twice: with standard_conforming_strings on
// and off (a backslash in '…' escapes the quote only when it is off), and
// must be one expression both ways, whatever the server's setting. It must
// not call set_config either: the session it runs on reads data next.
func checkWhere(cond string) error {
	if strings.TrimSpace(cond) == "" {
		return errors.New("an empty condition")
	}
	for _, standard := range []bool{true, false} {
		if err := lexWhere(cond, standard); err != nil {
			return fmt.Errorf("not one SQL condition: %w", err)
		}
	}
	return nil
}

// errSetConfig: set_config(…, false) would change the settings of the
// session that goes on to read the data (TimeZone, extra_float_digits:
// values copied differently, floats rounded).
var errSetConfig = errors.New("set_config would change how the rest of the data is read")

func identStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func identCont(c byte) bool { return identStart(c) || c >= '0' && c <= '9' || c == '$' }

// lexWhere walks the tokens of cond that matter here: quoted strings and
// identifiers, comments, parentheses and semicolons.
func lexWhere(s string, standard bool) error {
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return nil // runs to the end; the query puts a line break after it
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*"):
			nest := 0
			for {
				switch {
				case i >= len(s):
					return errors.New("a /* comment is not closed")
				case strings.HasPrefix(s[i:], "/*"):
					nest++
					i += 2
				case strings.HasPrefix(s[i:], "*/"):
					nest--
					i += 2
				default:
					i++
				}
				if nest == 0 {
					break
				}
			}
		case c == '\'':
			j, err := endQuote(s, i+1, !standard)
			if err != nil {
				return err
			}
			i = j
		case c == '"':
			j, err := endIdent(s, i+1)
			if err != nil {
				return err
			}
			if s[i+1:j-1] == "set_config" {
				return errSetConfig
			}
			i = j
		case c == '$':
			tag := dollarTag(s[i:])
			if tag == "" {
				i++
				break
			}
			j := strings.Index(s[i+len(tag):], tag)
			if j < 0 {
				return errors.New("a dollar-quoted string is not closed")
			}
			i += len(tag) + j + len(tag)
		case identStart(c):
			j := i + 1
			for j < len(s) && identCont(s[j]) {
				j++
			}
			if strings.EqualFold(s[i:j], "set_config") {
				return errSetConfig
			}
			if j == i+1 && j < len(s) && s[j] == '\'' && strings.IndexByte("eEbBxX", c) >= 0 {
				// E'…': a backslash escapes whatever the setting; B'…'
				// and X'…': never.
				k, err := endQuote(s, j+1, c == 'e' || c == 'E')
				if err != nil {
					return err
				}
				j = k
			}
			i = j
		case c >= '0' && c <= '9':
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth == 0 {
				return errors.New("a ')' closes the parenthesis around the condition")
			}
			depth--
			i++
		case c == ';':
			return errors.New("a ';' ends the statement")
		default:
			i++
		}
	}
	if depth != 0 {
		return errors.New("a '(' is not closed")
	}
	return nil
}

// endQuote returns the index after the quote closing a '…' string whose
// body starts at i (” is a quote; with escapes, \ escapes any byte).
func endQuote(s string, i int, escapes bool) (int, error) {
	for i < len(s) {
		switch {
		case escapes && s[i] == '\\':
			i += 2
		case s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
			i += 2
		case s[i] == '\'':
			return i + 1, nil
		default:
			i++
		}
	}
	return 0, errors.New("a quoted string is not closed")
}

// endIdent returns the index after the quote closing a "…" identifier.
func endIdent(s string, i int) (int, error) {
	for i < len(s) {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				i += 2
				continue
			}
			return i + 1, nil
		}
		i++
	}
	return 0, errors.New("a quoted identifier is not closed")
}

// dollarTag returns the $tag$ opening a dollar-quoted string at the start
// of s, or "" ($1 is a parameter, not a tag).
func dollarTag(s string) string {
	if len(s) < 2 {
		return ""
	}
	j := 1
	if identStart(s[1]) {
		for j < len(s) && identCont(s[j]) && s[j] != '$' {
			j++
		}
	}
	if j < len(s) && s[j] == '$' {
		return s[:j+1]
	}
	return ""
}

// Classes of SQLSTATE whose messages are about the query, not the data:
// syntax errors and unknown names (42, quoting the condition's own
// tokens), a write refused in the read-only snapshot (25), a feature not
// supported (0A), a subquery's cardinality (21), resources, cancellation
// and the connection (53, 54, 57, 58, 08), serialization (40), state
// (55), unknown catalog or schema (3D, 3F).
var queryClasses = map[string]bool{"42": true, "25": true, "0A": true, "21": true, "53": true, "54": true,
	"57": true, "58": true, "08": true, "40": true, "55": true, "3D": true, "3F": true}

// quiet keeps PostgreSQL's message out of an error that may quote a value
// of the data: a data exception (22: invalid input syntax for type
// integer: "alice@example.com"), an error raised by a function (P0, 38,
// 39), an internal one (XX).
func quiet(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || len(pg.Code) != 5 || queryClasses[pg.Code[:2]] {
		return err
	}
	return fmt.Errorf("evaluating the condition failed with SQLSTATE %s; PostgreSQL's message is left out, as it may quote a value of the data", pg.Code)
}
