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
	"os/signal"
	"sync"
	"syscall"
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
	errw   *lockedWriter // stderr, under Run
	getenv func(string) string
	// progressEvery overrides the progress interval (tests).
	progressEvery time.Duration
	// stderrTTY is set when stderr is a terminal: progress is redrawn in place.
	stderrTTY bool

	mu     sync.Mutex
	aborts []func() // undo what a run left half-done, if it cannot stop itself
}

// onAbort registers fn to run if the command does not return within the
// grace period after ctx is cancelled.
func (e *env) onAbort(fn func()) {
	e.mu.Lock()
	e.aborts = append(e.aborts, fn)
	e.mu.Unlock()
}

// Interrupted is the cancellation cause WithSignals sets.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + signalName(i.Signal) }

func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// WithSignals returns a context cancelled, with Interrupted as its cause,
// on SIGINT or SIGTERM.
func WithSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	// A reader that goes away (psql failing mid-load) is an EPIPE error for
	// the run to report, not a silent death by SIGPIPE.
	signal.Ignore(syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(Interrupted{Signal: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// grace is how long a cancelled run gets to stop by itself. A read from a
// slow stdin or FIFO cannot be interrupted; past this the run's outputs are
// aborted from here and Run returns without it.
const grace = 500 * time.Millisecond

// Run runs the anonymize command with args (without the program name) and
// returns the exit code. Once ctx is cancelled it returns within about a
// second, whatever the run is blocked on.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// runWith is Run with the environment given explicitly (for tests).
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: &lockedWriter{w: stdout}, errw: &lockedWriter{w: stderr}, getenv: getenv,
		stderrTTY: isTerminal(stderr)}
	e.stderr = e.errw
	return e.supervise(func() int { return e.command(args) })
}

// supervise runs cmd and returns its exit code. Once ctx is cancelled, cmd
// gets the grace period to stop by itself; past it the run's outputs are
// aborted from here, and supervise returns without waiting for cmd.
func (e *env) supervise(cmd func() int) int {
	done := make(chan int, 1)
	go func() { done <- cmd() }()
	select {
	case code := <-done:
		return code
	case <-e.ctx.Done():
	}
	select {
	case code := <-done:
		return code
	case <-time.After(grace):
	}
	e.mu.Lock()
	aborts := e.aborts
	e.aborts = nil
	e.mu.Unlock()
	aborted := make(chan struct{})
	go func() {
		for _, fn := range aborts {
			fn()
		}
		close(aborted)
	}()
	select { // an abort that hangs (a server that stopped answering) is left behind
	case <-aborted:
	case <-time.After(4 * time.Second):
	}
	select {
	case code := <-done: // it stopped, and said why, while its outputs were aborted
		return code
	default:
	}
	e.interrupted()
	return ExitFailure
}

// interrupted reports why the run was cancelled, once: the run itself and
// the end of its grace period may both come to it.
func (e *env) interrupted() {
	l := e.errw
	if l == nil { // an env made by a test, without Run
		fmt.Fprintf(e.stderr, "anonymize: %v\n", context.Cause(e.ctx))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.interrupted {
		l.interrupted = true
		fmt.Fprintf(l.w, "anonymize: %v\n", context.Cause(e.ctx))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lockedWriter serialises writes: after a timed-out run, its goroutine and
// Run may both still write.
type lockedWriter struct {
	mu          sync.Mutex
	w           io.Writer
	interrupted bool // the interruption has been reported
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// command dispatches on the subcommand.
func (e *env) command(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "inspect":
			return e.inspect(args[1:])
		case "check":
			return e.check(args[1:])
		case "init":
			return e.initRules(args[1:])
		case "subset-plan":
			return e.subsetPlan(args[1:])
		case "help":
			fmt.Fprint(e.stdout, mainUsage)
			return ExitOK
		case "version", "--version":
			fmt.Fprintf(e.stdout, "anonymize %s\n", Version)
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
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints usage itself, once, to stdout
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
// their own file:line location print as they are, compiler-style. Once the
// run is interrupted, the interruption is what is reported.
func (e *env) fail(err error) int {
	if e.ctx.Err() != nil {
		e.interrupted()
		return ExitFailure
	}
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
