package refresher

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/understudy-db/understudy/cli"
)

// ServerError is an operation on the staging server that failed. Its text
// never holds the password.
type ServerError struct {
	Server string // host:port/dbname
	Op     string
	Err    error
	secret string
}

func (e *ServerError) Error() string {
	msg := e.Err.Error()
	if e.secret != "" {
		for _, s := range []string{e.secret, url.QueryEscape(e.secret), url.PathEscape(e.secret)} {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return fmt.Sprintf("%s: %s: %s", e.Server, e.Op, msg)
}

func (e *ServerError) Unwrap() error { return e.Err }

// serverError wraps err from an operation on the database connString names.
func serverError(connString, op string, err error) error {
	e := &ServerError{Server: redact(connString), Op: op, Err: err}
	if c, perr := pgx.ParseConfig(connString); perr == nil {
		e.secret = c.Password
	}
	return e
}

// StageError is a run that failed in one of its stages: lease, load,
// verify, hooks, checks or swap.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// BusyError is a job another run holds the lease of: the tick is skipped.
type BusyError struct{ Job string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("job %s is running elsewhere (another refresher holds its lease)", e.Job)
}

// VerifyError lists what the verification of a new copy found wrong.
type VerifyError struct{ Failed []Finding }

func (e *VerifyError) Error() string {
	msgs := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		msgs[i] = f.Object + ": " + f.Detail
	}
	return fmt.Sprintf("the copy failed verification (%d problem(s)): %s", len(e.Failed), strings.Join(msgs, "; "))
}

// HookError is an after_load command that failed.
type HookError struct {
	Index  int // in hooks.after_load, from 0
	Name   string
	Status int // exit status; -1 when killed or not started
	Err    error
}

func (e *HookError) Error() string {
	return fmt.Sprintf("hooks.after_load[%d] (%s) failed: %v", e.Index, e.Name, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

// CheckError is a check that did not return true.
type CheckError struct {
	Index int // in checks, from 0
	Query string
	Got   string // "false", "NULL", or "" when it failed
	// SQLState and Message report a query that failed; the message has
	// what it quoted replaced by "…" (it may quote a value).
	SQLState, Message string
}

func (e *CheckError) Error() string {
	if e.Got != "" {
		return fmt.Sprintf("checks[%d] %q returned %s, not true", e.Index, e.Query, e.Got)
	}
	if e.SQLState == "" {
		return fmt.Sprintf("checks[%d] %q failed: %s", e.Index, e.Query, e.Message)
	}
	return fmt.Sprintf("checks[%d] %q failed: %s (SQLSTATE %s)", e.Index, e.Query, e.Message, e.SQLState)
}

// NoPreviousError is a rollback with no previous copy to go back to.
type NoPreviousError struct{ Job, Database string }

func (e *NoPreviousError) Error() string {
	return fmt.Sprintf("job %s: no previous copy of %s to roll back to (keep_previous: 0, or no refresh has replaced one yet)", e.Job, e.Database)
}

// quotedPart is a double-quoted piece of a server message.
var quotedPart = regexp.MustCompile(`"(?:[^"]|"")*"`)

// serverMessage is a server error's message with its quoted parts
// removed, since they may be cell values ("invalid input syntax for type
// integer: \"…\""), and its SQLSTATE; other errors give their text.
func serverMessage(err error) (msg, state string) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return quotedPart.ReplaceAllString(pg.Message, `"…"`), pg.Code
	}
	return err.Error(), ""
}

// usage reports whether err is a mistake in the job's setup (rules,
// secret, subset) that a retry cannot fix.
func usage(err error) bool {
	var je *cli.JobError
	return errors.As(err, &je) && je.Usage
}
