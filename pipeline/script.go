package pipeline

import (
	"bytes"
	"fmt"

	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// script follows a plain dump the way psql and PostgreSQL would run it:
// every statement goes to the schema model, so that a table name in a COPY
// or INSERT means what it means at that point of the script (search_path,
// renames, drops), and every statement is classified by what it does to
// data. Both passes over a dump follow it with a script of their own, so
// they agree on every name.
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
	File string
	Line int
	Msg  string
}

func (e *RefusedError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// statement applies a statement item to the model and says what it does.
func (s *script) statement(it *plaindump.Item) (schema.Effect, error) {
	clear(s.names) // any statement may change what a name means
	eff, err := s.b.Statement(string(it.Text))
	if err != nil {
		return eff, statementError(s.file, it, err)
	}
	if createsInDatabase(it.Text) {
		s.defined = true
	}
	if eff.Kind == schema.RolePassword {
		return eff, &RefusedError{File: s.file, Line: textLine(it),
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
		return &StatementError{File: s.file, Line: line, Err: err}
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
		return q, &RefusedError{File: s.file, Line: textLine(it), Msg: fmt.Sprintf("data for %s: %v", it.Table, err)}
	}
	s.names[it.Table] = q
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
		return &RefusedError{File: s.file, Line: line,
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
		return &RefusedError{File: s.file, Line: line,
			Msg: "\\connect to another database after tables were defined: this script holds several databases (pg_dumpall?); Understudy masks one database at a time: dump each with pg_dump"}
	}
	if db != "-" && db != "" {
		s.database = db
	}
	if err := s.b.NewSession(); err != nil {
		return statementError(s.file, it, err)
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
		if len(words) == 0 && len(w) > 0 && w[0] == '-' && len(w) > 1 {
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

// setvalSequence resolves the sequence a setval statement names (a regclass
// literal, resolved on the search path like any relation name), or nil when
// the statement is not one.
func (s *script) setvalSequence(it *plaindump.Item) (*schema.QName, error) {
	all := setvalRe.FindAllSubmatch(it.Raw, -1)
	if all == nil {
		return nil, nil
	}
	lit := bytes.ReplaceAll(all[len(all)-1][1], []byte("''"), []byte("'"))
	q, err := s.b.ResolveSequence(string(lit))
	if err != nil {
		return nil, &RefusedError{File: s.file, Line: textLine(it), Msg: fmt.Sprintf("setval: %v", err)}
	}
	return &q, nil
}
