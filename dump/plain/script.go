package plain

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// script follows a plain dump the way psql and PostgreSQL would run it:
// every statement goes to the schema model, so that a table name in a COPY
// or INSERT means what it means at that point of the script (search_path,
// renames, drops), and every statement is classified by what it does to
// data.
type script struct {
	file     string
	b        *schema.Builder
	names    map[schema.QName]schema.QName // data names resolved since the last statement
	database string                        // the database \connect last named
	defined  bool                          // something has been created in it
}

func newScript(file string) *script {
	return &script{file: file, b: schema.NewBuilder(), names: map[schema.QName]schema.QName{}}
}

// RefusedError is input that could carry real data past the masking — a
// statement or meta-command whose effect on the data cannot be followed —
// located in the dump. It never quotes the input.
type RefusedError struct {
	Pos dump.Pos
	Msg string
}

func (e *RefusedError) Error() string      { return e.Pos.String() + ": " + e.Msg }
func (e *RefusedError) Position() dump.Pos { return e.Pos }

// StatementError is DDL the schema model rejects, located in the dump.
type StatementError struct {
	Pos dump.Pos
	Err error
}

func (e *StatementError) Error() string      { return fmt.Sprintf("%s: %v", e.Pos, e.Err) }
func (e *StatementError) Unwrap() error      { return e.Err }
func (e *StatementError) Position() dump.Pos { return e.Pos }

func (s *script) pos(line int) dump.Pos { return dump.Pos{File: s.file, Line: line} }

func (s *script) statementError(it *plaindump.Item, err error) error {
	line := textLine(it)
	var pe *schema.ParseError
	if errors.As(err, &pe) && pe.Offset >= 0 && pe.Offset <= len(it.Text) {
		line += bytes.Count(it.Text[:pe.Offset], nl)
	}
	return &StatementError{Pos: s.pos(line), Err: err}
}

// statement applies a statement item, whose text is text, to the model and
// says what it does.
func (s *script) statement(it *plaindump.Item, text string) (schema.Effect, error) {
	clear(s.names) // any statement may change what a name means
	eff, err := s.b.Statement(text)
	if err != nil {
		return eff, s.statementError(it, err)
	}
	if createsInDatabase(it.Text) {
		s.defined = true
	}
	if eff.Kind == schema.RolePassword {
		return eff, &RefusedError{Pos: s.pos(textLine(it)),
			Msg: eff.What + " sets a role's password: password hashes are never copied; remove the statement (dump one database with pg_dump, not pg_dumpall)"}
	}
	return eff, nil
}

// createsInDatabase reports a CREATE of anything but a database (pg_dump
// --create writes CREATE DATABASE before its \connect).
func createsInDatabase(text []byte) bool {
	rest, ok := bytes.CutPrefix(bytes.ToUpper(text[:min(len(text), 32)]), []byte("CREATE"))
	return ok && !bytes.HasPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte("DATABASE"))
}

// end checks, at the end of the script, that nothing is left half-done
// (a transaction holding schema changes that psql would roll back).
func (s *script) end(line int) error {
	if err := s.b.End(); err != nil {
		return &StatementError{Pos: s.pos(line), Err: err}
	}
	return nil
}

// table resolves the table of a COPY or INSERT item. Data for a table the
// model does not know is an error in every mode: its columns, and so what
// needs masking, are unknown.
func (s *script) table(it *plaindump.Item) (schema.QName, error) {
	if q, ok := s.names[it.Table]; ok {
		return q, nil
	}
	q, err := s.b.ResolveTable(it.Table)
	if err != nil {
		return q, &RefusedError{Pos: s.pos(textLine(it)), Msg: fmt.Sprintf("data for %s: %v", it.Table, err)}
	}
	s.names[it.Table] = q
	return q, nil
}

// sequence resolves the sequence a setval statement names (a regclass
// literal, resolved on the search path like any relation name).
func (s *script) sequence(it *plaindump.Item, regclass []byte) (schema.QName, error) {
	q, err := s.b.ResolveSequence(string(regclass))
	if err != nil {
		return q, &RefusedError{Pos: s.pos(textLine(it)), Msg: fmt.Sprintf("setval: %v", err)}
	}
	return q, nil
}

// metaCommands are the psql meta-commands a dump may hold: they change
// nothing about which data goes where. Any other (\copy, \i, \gexec, \if,
// \!, \q, …) runs or skips input Understudy cannot see, and is refused.
var metaCommands = map[string]bool{
	"connect": true, "c": true, "restrict": true, "unrestrict": true, "set": true, "unset": true,
	"encoding": true, "echo": true, "qecho": true, "warn": true, "pset": true, "timing": true, "conninfo": true,
}

// meta applies a psql meta-command.
func (s *script) meta(it *plaindump.Item) error {
	clear(s.names)
	line := textLine(it)
	if !metaCommands[it.Meta] {
		return &RefusedError{Pos: s.pos(line),
			Msg: fmt.Sprintf(`psql meta-command \%s reads, runs or skips input Understudy cannot see; remove it`, it.Meta)}
	}
	if it.Meta != "connect" && it.Meta != "c" {
		return nil
	}
	// \connect opens a new session; a different database after tables were
	// defined is a second database (pg_dumpall), whose tables would be taken
	// for the first one's.
	db, user := connectTarget(it.MetaArgs)
	if s.defined && db != "-" && db != "" && db != s.database {
		return &RefusedError{Pos: s.pos(line),
			Msg: "\\connect to another database after tables were defined: this script holds several databases (pg_dumpall?); Understudy masks one database at a time: dump each with pg_dump"}
	}
	if db != "-" && db != "" {
		s.database = db
	}
	if err := s.b.NewSession(); err != nil {
		return s.statementError(it, err)
	}
	if user != "" && user != "-" {
		s.b.SetSessionUser(user)
	}
	return nil
}

// connectTarget reads the database and user of `\connect [opts] db [user …]`,
// as psql does: -reuse-previous=… is an option, a connection string counts
// as its dbname.
func connectTarget(args string) (db, user string) {
	var words []string
	for rest := args; rest != ""; {
		rest = string(bytes.TrimLeft([]byte(rest), " \t"))
		if rest == "" {
			break
		}
		var w string
		if rest[0] == '"' || rest[0] == '\'' {
			q := rest[0]
			end := 1
			for end < len(rest) && rest[end] != q {
				end++
			}
			w, rest = rest[1:min(end, len(rest))], rest[min(end+1, len(rest)):]
		} else {
			end := 0
			for end < len(rest) && rest[end] != ' ' && rest[end] != '\t' {
				end++
			}
			w, rest = rest[:end], rest[end:]
		}
		if len(words) == 0 && len(w) > 1 && w[0] == '-' {
			continue // -reuse-previous=on
		}
		words = append(words, w)
	}
	if len(words) > 0 {
		db = words[0]
	}
	if len(words) > 1 {
		user = words[1]
	}
	return db, user
}

// textLine is the line of a statement's first byte after its comments.
func textLine(it *plaindump.Item) int {
	return it.Line + bytes.Count(it.Raw[:len(it.Raw)-len(it.Text)], nl)
}

var nl = []byte{'\n'}
