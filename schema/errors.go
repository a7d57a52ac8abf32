package schema

import "fmt"

// The errors below name objects and statements only, never data values, so
// they are safe to print however sensitive the dump.

// ParseError reports a statement PostgreSQL's parser rejects.
type ParseError struct {
	Message string
	Offset  int // byte offset in the statement, -1 if unknown
	// Newer names syntax of a later PostgreSQL release the statement seems
	// to use ("PostgreSQL 18 virtual generated columns"), "" if none.
	Newer string
}

func (e *ParseError) Error() string {
	msg := e.Message
	if e.Newer != "" {
		msg += " (the statement uses " + e.Newer + ", newer than the bundled PostgreSQL 16 parser understands)"
	}
	if e.Offset < 0 {
		return "schema: " + msg
	}
	return fmt.Sprintf("schema: %s (at byte %d of the statement)", msg, e.Offset)
}

// ResolveError reports a name that does not resolve to exactly one object
// the way PostgreSQL would resolve it.
type ResolveError struct {
	Name   string // as written: users, public.users
	Reason string
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("schema: cannot resolve %s: %s", e.Name, e.Reason)
}

// ExistsError reports a CREATE or RENAME of a name already taken, which
// PostgreSQL rejects: following the second definition would describe a
// database that psql, carrying on after the error, never built.
type ExistsError struct {
	Kind string // "relation", "type", "schema", "column", "constraint"
	Name string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("schema: %s %s already exists; PostgreSQL rejects the statement that defines it again", e.Kind, e.Name)
}

// RollbackError reports a rollback that would undo schema changes the model
// applied. The model records no history to undo them with, so it stops
// rather than describe tables PostgreSQL no longer has.
type RollbackError struct {
	Statement string // "ROLLBACK", "ROLLBACK TO SAVEPOINT s", "new session", "end of script"
}

func (e *RollbackError) Error() string {
	return fmt.Sprintf("schema: %s rolls back schema changes made inside the transaction; the model cannot follow a rolled-back schema change", e.Statement)
}

// UnsupportedError reports a statement the model does not follow: either
// PostgreSQL would reject it (Reason says why), or what PostgreSQL does
// depends on something the script does not show.
type UnsupportedError struct {
	Statement string // short form: "DROP TABLE", "ALTER TABLE … DROP COLUMN"
	Reason    string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("schema: cannot follow %s: %s", e.Statement, e.Reason)
}
