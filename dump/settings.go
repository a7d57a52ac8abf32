package dump

import (
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/understudy-db/understudy/plaindump"
)

// Settings are the session settings a dump's statements have made so far —
// pg_dump's SET name = value and set_config(name, value, false): encoding,
// standard_conforming_strings, search_path, default_tablespace — in the
// order made. psql would run the whole dump in one session; a Sink spreads
// it over several, so each session replays the settings of the point in
// the dump where its entry or data stands before running it. Values are
// immutable: a change makes a new one.
type Settings struct {
	names []string // lower case, one per setting
	stmts []string // the statement that set it last
}

// NoSettings are a new session's: none made by the dump.
var NoSettings = &Settings{}

// mayHaveSet is a quick test for a line that may start a setting statement.
var mayHaveSet = regexp.MustCompile(`(?mi)^\s*(?:SET\s|SELECT\s+(?:pg_catalog\.)?set_config\s*\()`)

// setStmt matches a whole statement that changes a session setting; RESET,
// SET LOCAL and set_config(…, true) do not outlast their transaction.
var setStmt = regexp.MustCompile(`(?is)^(?:SET\s+(?:SESSION\s+)?([a-z_][a-z0-9_.]*)\s*(?:=|\sTO\s)|SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'([a-z_][a-z0-9_.]*)'\s*,.*,\s*false\s*\)\s*;?\s*$)`)

// After returns the settings once defn has run. Statements are split with
// the plain dump reader, so that a SET inside a function body or a string
// is not taken for one.
func (st *Settings) After(defn []byte) (*Settings, error) {
	if !mayHaveSet.Match(defn) {
		return st, nil
	}
	r, err := ReadFragment(bytes.NewReader(defn), "entry")
	if err != nil {
		return nil, err
	}
	next := st
	for {
		it, err := r.Next()
		if err == io.EOF {
			return next, nil
		}
		if err != nil {
			return nil, err
		}
		if it.Kind != plaindump.Statement {
			continue
		}
		text := strings.TrimSpace(string(it.Text))
		m := setStmt.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		name := strings.ToLower(m[1] + m[2])
		if next == st {
			next = &Settings{names: slices.Clone(st.names), stmts: slices.Clone(st.stmts)}
		}
		if i := slices.Index(next.names, name); i >= 0 {
			next.names = slices.Delete(next.names, i, i+1)
			next.stmts = slices.Delete(next.stmts, i, i+1)
		}
		next.names = append(next.names, name)
		next.stmts = append(next.stmts, text)
	}
}

// Statement is the statement that set name last, "" if none did.
func (st *Settings) Statement(name string) string {
	if i := slices.Index(st.names, name); i >= 0 {
		return st.stmts[i]
	}
	return ""
}

// SQL is the statements that make the settings.
func (st *Settings) SQL() string { return strings.Join(st.stmts, "\n") }

// fragmentEnd is pg_dump's trailer comment. The plain reader refuses a
// dump whose header comment ("-- PostgreSQL database dump") has no
// trailer, as cut short; a piece of a dump (an entry's text, a data
// entry's SQL) may hold the header, as the first SET entry of a dump
// without \restrict does, but never the trailer, which comes last.
const fragmentEnd = "\n-- PostgreSQL database dump complete\n"

// ReadFragment reads the statements of a piece of a plain dump.
func ReadFragment(r io.Reader, name string) (*plaindump.Reader, error) {
	return plaindump.NewReader(io.MultiReader(r, strings.NewReader(fragmentEnd)), name)
}
