package refresher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// hookEnv is the environment of a hook: the refresher's, less the masking
// secret (a migration has no use for it), plus where the new copy is.
func hookEnv(j *Job, nextURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANONYMIZE_SECRET=") && !strings.HasPrefix(kv, "UNDERSTUDY_") {
			env = append(env, kv)
		}
	}
	return append(env, "UNDERSTUDY_TARGET_URL="+nextURL, "UNDERSTUDY_JOB="+j.Name, "UNDERSTUDY_DATABASE="+j.Target.Database)
}

// runHooks runs hooks.after_load in order, each with sh -c in the config
// file's directory; the first that fails stops the run. Their output is
// theirs: it goes to out (the refresher's stderr), never into reports.
func runHooks(ctx context.Context, j *Job, nextURL string, out io.Writer, rep *Report) error {
	for i, h := range j.AfterLoad {
		name := hookName(h)
		start := time.Now()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", h)
		cmd.Dir, cmd.Env = j.Dir, hookEnv(j, nextURL)
		killGroup(cmd) // a cancelled run stops the hook's children too
		err := runHook(cmd, out)
		o := Outcome{Name: fmt.Sprintf("after_load[%d] %s", i, name), OK: err == nil, Seconds: seconds(time.Since(start))}
		if err != nil {
			status := -1
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			}
			o.Detail = err.Error()
			rep.Hooks = append(rep.Hooks, o)
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return &HookError{Index: i, Name: name, Status: status, Err: err}
		}
		rep.Hooks = append(rep.Hooks, o)
	}
	return nil
}

// runHook runs cmd with its output to out, and when the hook (the shell)
// has exited, kills what it left running ("./server &", a tool that
// forks): its leftovers would hold sessions on the copy, and a pipe open,
// which made the run wait and then call an exit status 0 a failure. The
// output goes through a pipe of its own unless out is a file, so that the
// wait is for the hook, never for its children's output.
func runHook(cmd *exec.Cmd, out io.Writer) error {
	w, isFile := out.(*os.File)
	var copied chan struct{}
	var r *os.File
	if !isFile {
		var err error
		if r, w, err = os.Pipe(); err != nil {
			return err
		}
		copied = make(chan struct{})
		go func() {
			defer close(copied)
			io.Copy(out, r)
		}()
	}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
		endGroup(cmd)
	}
	if !isFile {
		w.Close()
		select { // a child that left the group (setsid) may hold it open
		case <-copied:
		case <-time.After(time.Second):
			r.Close() // ends the copy's read
			<-copied
		}
		r.Close()
	}
	return err
}

// hookName is a hook's command word, for reports: the rest of the line
// may hold anything.
func hookName(h string) string {
	if f := strings.Fields(h); len(f) > 0 {
		return f[0]
	}
	return ""
}

// runChecks runs each check in a read-only transaction on the new copy:
// it must return one row whose first column is true.
func runChecks(ctx context.Context, conn *pgx.Conn, j *Job, rep *Report) error {
	for i, q := range j.Checks {
		start := time.Now()
		err := check(ctx, conn, i, q)
		o := Outcome{Name: fmt.Sprintf("checks[%d]", i), OK: err == nil, Seconds: seconds(time.Since(start))}
		if err != nil {
			o.Detail = err.Error()
		}
		rep.Checks = append(rep.Checks, o)
		if err != nil {
			return err
		}
	}
	return nil
}

func check(ctx context.Context, conn *pgx.Conn, i int, q string) error {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	ok, n, err := oneBool(ctx, tx, q)
	switch {
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case err != nil:
		msg, state := serverMessage(err)
		if state == "" { // not the server's: a result that is not one boolean
			msg = "it must return one boolean column"
		}
		return &CheckError{Index: i, Query: q, SQLState: state, Message: msg}
	case n == 0:
		return &CheckError{Index: i, Query: q, Got: "no row"}
	case n > 1: // "select active from users" is true if the first user is
		return &CheckError{Index: i, Query: q, Got: "more than one row (it must return one)"}
	case ok == nil:
		return &CheckError{Index: i, Query: q, Got: "NULL"}
	case !*ok:
		return &CheckError{Index: i, Query: q, Got: "false"}
	}
	return nil
}

// oneBool runs q and reads its first row's one boolean column; n counts
// the rows (up to 2).
func oneBool(ctx context.Context, tx pgx.Tx, q string) (ok *bool, n int, err error) {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for n < 2 && rows.Next() {
		if n == 0 {
			if err := rows.Scan(&ok); err != nil {
				return nil, 0, err
			}
		}
		n++
	}
	rows.Close()
	return ok, n, rows.Err()
}
