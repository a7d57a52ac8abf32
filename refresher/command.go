package refresher

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/understudy-db/understudy/cli"
)

const usageText = `refresher: keeps staging databases fresh, masked, verified and swapped in whole.

Usage:
  refresher --config FILE                      run the jobs on their schedules (a daemon)
  refresher --config FILE --once [--job NAME]  run now (every job, or one) and exit
  refresher --config FILE rollback --job NAME  swap the previous copy back in (also: rollback NAME)
  refresher --config FILE status [--json]      each job's copy, previous copies, whether it runs
  refresher --config FILE check                check the config, the rules and the secrets

A run anonymizes the job's source (a database, or the newest dump matching
a path or glob) into <database>__next on the staging server, exactly as
anonymize --target would, verifies it (constraints, row counts, sequences),
runs hooks.after_load with UNDERSTUDY_TARGET_URL set to the new copy, runs
the checks, then renames staging to <database>__prev_<time> and the copy to
<database> in one transaction (sessions on staging are ended). A failure
before the swap drops the copy and leaves staging as it was.

Flags:
  --config FILE   the config file (YAML, version 1); ${VAR} in it is read
                  from the environment
  --once          run now instead of on the schedules; exit 1 if a run failed
  --job NAME      with --once, rollback: the job
  --json          with status: JSON instead of text
  --log-format F  json or text (default: text on a terminal, json otherwise)

The masking secret is $ANONYMIZE_SECRET, or a job's secret_file:, as for
anonymize. With listen: in the config, the daemon serves /healthz,
/status (JSON) and /metrics (Prometheus).

Examples:
  export ANONYMIZE_SECRET=$(cat /run/secrets/understudy) PROD_URL=… STAGING_ADMIN_URL=…
  refresher --config /etc/understudy/refresher.yaml check
  refresher --config /etc/understudy/refresher.yaml
  refresher --config /etc/understudy/refresher.yaml --once --job shop
  refresher --config /etc/understudy/refresher.yaml rollback --job shop
  refresher --config /etc/understudy/refresher.yaml status
  curl -s 127.0.0.1:9187/metrics | grep understudy_last_success

Exit status: 0 success, 1 a run, rollback or check failed, 2 bad command
line or config.
`

// Exit codes, as anonymize's.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// shutdownGrace is how long a stopping refresher waits for its runs to
// clean up: it exits within seconds of SIGTERM whatever they are blocked
// on (a later start recovers what is left).
const shutdownGrace = 4 * time.Second

// Main runs the refresher command with args (without the program name)
// and returns the exit code. Cancelling ctx (SIGTERM) stops runs, cleans
// up and returns within seconds.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("refresher", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var config, job, logFormat string
	var once, asJSON bool
	fs.StringVar(&config, "config", "", "")
	fs.StringVar(&job, "job", "", "")
	fs.StringVar(&logFormat, "log-format", "", "")
	fs.BoolVar(&once, "once", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "refresher: "+format+"\nRun 'refresher --help' for usage.\n", a...)
		return exitUsage
	}
	// Flags may come before and after the subcommand.
	var rest []string
	for remaining := args; ; {
		if err := fs.Parse(remaining); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usageText)
				return exitOK
			}
			return usageErr("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		remaining = fs.Args()[1:]
	}
	cmd := ""
	if len(rest) > 0 {
		cmd = rest[0]
	}
	if cmd == "rollback" && len(rest) == 2 && job == "" { // rollback JOB
		job, rest = rest[1], rest[:1]
	}
	switch {
	case cmd == "help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	case cmd == "version":
		fmt.Fprintf(stdout, "refresher %s\n", cli.Version)
		return exitOK
	case len(rest) > 1:
		return usageErr("unexpected argument %q", rest[1])
	case cmd != "" && cmd != "rollback" && cmd != "status" && cmd != "check":
		return usageErr("unknown command %q (rollback, status, check)", cmd)
	case config == "":
		return usageErr("--config FILE is required")
	case once && cmd != "":
		return usageErr("--once runs jobs; it does not go with %s", cmd)
	case cmd == "rollback" && job == "":
		return usageErr("rollback needs --job NAME")
	case job != "" && !once && cmd != "rollback" && cmd != "status":
		return usageErr("--job goes with --once, rollback or status")
	case logFormat != "" && logFormat != "json" && logFormat != "text":
		return usageErr("--log-format is json or text")
	}
	log := newLogger(stderr, logFormat)
	cfg, err := LoadConfig(config, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	jobs := cfg.Jobs
	if job != "" {
		jobs = nil
		for _, j := range cfg.Jobs {
			if j.Name == job {
				jobs = append(jobs, j)
			}
		}
		if jobs == nil {
			return usageErr("no job %q in %s", job, config)
		}
	}
	if cmd == "status" {
		return status(ctx, jobs, stdout, asJSON)
	}
	// Rules, subsets and secrets are checked before anything runs.
	for _, j := range jobs {
		if err := setup(j, getenv).Check(); err != nil {
			fmt.Fprintf(stderr, "refresher: job %s: %v\n", j.Name, err)
			return exitUsage
		}
	}
	runner := &Runner{Log: log, Getenv: getenv, HookOutput: stderr}
	switch {
	case cmd == "check":
		fmt.Fprintf(stdout, "%s: OK: %d job(s)\n", config, len(jobs))
		return exitOK
	case cmd == "rollback":
		return supervise(ctx, func() int {
			if _, err := runner.Rollback(ctx, jobs[0]); err != nil {
				log.Error("rollback failed", "job", jobs[0].Name, "error", err.Error())
				return exitFailure
			}
			return exitOK
		})
	}
	state := NewState(cfg, log)
	state.notifier.ctx = ctx
	runner.Observer = state
	if once {
		return supervise(ctx, func() int {
			code := exitOK
			for _, j := range jobs {
				l := newLease(j)
				if _, err := runner.Run(ctx, j, l, nil); err != nil && !isBusy(err) {
					code = exitFailure
				}
				l.close()
				if ctx.Err() != nil {
					return exitFailure
				}
			}
			return code
		})
	}
	log.Info("refresher started", "config", config, "jobs", len(cfg.Jobs), "version", cli.Version)
	d := &Daemon{Config: cfg, Runner: runner, State: state}
	return supervise(ctx, func() int {
		if err := d.Serve(ctx); err != nil {
			log.Error("refresher stopped", "error", err.Error())
			return exitFailure
		}
		log.Info("refresher stopped", "reason", context.Cause(ctx).Error())
		return exitOK
	})
}

func isBusy(err error) bool {
	var b *BusyError
	return errors.As(err, &b)
}

// supervise runs fn; once ctx is cancelled, fn gets shutdownGrace to
// clean up and return.
func supervise(ctx context.Context, fn func() int) int {
	done := make(chan int, 1)
	go func() { done <- fn() }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
	}
	select {
	case code := <-done:
		return code
	case <-time.After(shutdownGrace):
		return exitFailure
	}
}

// setup is the anonymize job a refresher job runs, for checking it.
func setup(j *Job, getenv func(string) string) *cli.Job {
	cj := &cli.Job{Rules: j.Rules, Subset: j.Subset, SecretFile: j.SecretFile, Getenv: getenv, Target: "(checked at run time)"}
	if j.SourceIsFile {
		cj.In = j.Source
	} else {
		cj.Source = j.Source
	}
	return cj
}

// newLogger logs JSON unless told otherwise or on a terminal.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// status prints each job's state as the staging server holds it.
func status(ctx context.Context, jobs []*Job, w io.Writer, asJSON bool) int {
	var all []*JobStatus
	code := exitOK
	for _, j := range jobs {
		st := Inspect(ctx, j)
		if st.Error != "" {
			code = exitFailure
		}
		all = append(all, st)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"jobs": all})
		return code
	}
	for _, st := range all {
		fmt.Fprintf(w, "%s: %s\n", st.Job, st.Database)
		if st.Error != "" {
			fmt.Fprintf(w, "  error:    %s\n", st.Error)
			continue
		}
		switch c := st.Current; {
		case c != nil:
			fmt.Fprintf(w, "  current:  loaded %s (%s ago) from %s, %d rows in %.0f s\n", c.Finished.UTC().Format(time.RFC3339),
				time.Duration(*st.AgeSeconds*float64(time.Second)).Round(time.Second), c.Source, c.Rows, c.Seconds)
		default:
			fmt.Fprintf(w, "  current:  none loaded by the refresher\n")
		}
		prev := "none"
		if len(st.Previous) > 0 {
			prev = strings.Join(st.Previous, ", ")
		}
		fmt.Fprintf(w, "  previous: %s\n", prev)
		if st.NextRun != nil {
			fmt.Fprintf(w, "  schedule: %s, next %s\n", st.Schedule, st.NextRun.Format(time.RFC3339))
		}
		fmt.Fprintf(w, "  running:  %t\n", st.Running)
	}
	return code
}
