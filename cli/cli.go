// Package cli implements the anonymize command line. Run is the whole
// program minus process concerns, so tests drive it in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // the run failed: bad input data, I/O, a collision …
	ExitUsage   = 2 // the command line or the rules file is wrong
)

// Version is the program version, set at build time with -ldflags.
var Version = "dev"

// env is what a command needs from its process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// progressEvery overrides the progress interval (tests).
	progressEvery time.Duration
}

// Run runs the anonymize command with args (without the program name) and
// returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// runWith is Run with the environment given explicitly (for tests).
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) > 0 {
		switch args[0] {
		case "inspect":
			return e.inspect(args[1:])
		case "check":
			return e.check(args[1:])
		case "help":
			fmt.Fprint(stdout, mainUsage)
			return ExitOK
		case "version", "--version":
			fmt.Fprintf(stdout, "anonymize %s\n", Version)
			return ExitOK
		}
	}
	return e.anonymize(args)
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// newFlags returns a FlagSet whose -h prints usage to stdout and whose
// errors go to stderr.
func (e *env) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, usage)
	}
	return fs
}

// parse parses args, handling -h/--help (usage on stdout, exit 0).
func (e *env) parse(fs *flag.FlagSet, usage string, args []string) (done bool, code int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, usage)
		return true, ExitOK
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "anonymize: %v\nRun 'anonymize %s--help' for usage.\n", err, subName(fs.Name()))
		return true, ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "anonymize: unexpected argument %q\nRun 'anonymize %s--help' for usage.\n", fs.Arg(0), subName(fs.Name()))
		return true, ExitUsage
	}
	return false, 0
}

func subName(name string) string {
	if name == "anonymize" {
		return ""
	}
	return name + " "
}

// fail prints err and returns the exit code for it. Errors that carry
// their own file:line location print as they are, compiler-style.
func (e *env) fail(err error) int {
	if located(err) {
		fmt.Fprintln(e.stderr, err)
	} else {
		fmt.Fprintf(e.stderr, "anonymize: %v\n", err)
	}
	var ue *usageError
	if errors.As(err, &ue) || isRulesError(err) {
		return ExitUsage
	}
	return ExitFailure
}

// openInput opens a dump file, or stdin for "-".
func (e *env) openInput(path string) (io.ReadCloser, string, error) {
	if path == "" {
		return nil, "", usagef("--in is required")
	}
	if path == "-" {
		return io.NopCloser(e.stdin), "stdin", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, "", fmt.Errorf("%s is a directory: directory-format archives are not supported yet; use a plain dump (pg_dump -Fp)", path)
	}
	return f, path, nil
}
