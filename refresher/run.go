package refresher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/cli"
	"github.com/understudy-db/understudy/dump/live"
)

// Runner runs jobs: one run loads a fresh copy beside staging, verifies
// it, runs the hooks and checks, and swaps it in.
type Runner struct {
	Log    *slog.Logger
	Getenv func(string) string // ${VAR} and ANONYMIZE_SECRET
	// HookOutput receives the hooks' output (the process's stderr).
	HookOutput io.Writer
	// Observer, if set, hears of runs starting and finishing.
	Observer Observer
}

// Observer follows runs: the daemon's status, metrics and webhooks.
type Observer interface {
	Started(j *Job)
	Finished(j *Job, rep *Report)
}

// Run runs j once under its lease (retries included) and returns the
// report; err is nil on success. A tick is the scheduled time the run is
// for (nil for --once). The lease's job lock is taken for the run and let
// go after it; a job whose lock another refresher holds is skipped with a
// *BusyError.
func (r *Runner) Run(ctx context.Context, j *Job, l *lease, tick *time.Time) (*Report, error) {
	rep := &Report{Job: j.Name, Database: j.TargetName(), Source: j.SourceName(), Tick: tick, Started: time.Now()}
	log := r.Log.With("job", j.Name)
	if r.Observer != nil {
		r.Observer.Started(j)
	}
	err := r.locked(ctx, j, l, rep, log)
	rep.Finished = time.Now()
	rep.Seconds = seconds(rep.Finished.Sub(rep.Started))
	var busy *BusyError
	switch {
	case err == nil:
		rep.Result = Success
		log.Info("refreshed", "database", rep.Database, "rows", rep.Rows, "tables", len(rep.Tables),
			"seconds", rep.Seconds, "attempts", rep.Attempts, "previous", rep.Previous)
	case errors.As(err, &busy):
		rep.Result, rep.Error = Skipped, err.Error()
		log.Warn("skipped: the job is running elsewhere", "database", rep.Database)
	default:
		rep.Result, rep.Error = Failure, err.Error()
		var se *StageError
		if errors.As(err, &se) {
			rep.Stage = se.Stage
		}
		log.Error("refresh failed; staging is unchanged", "database", rep.Database, "stage", rep.Stage,
			"error", rep.Error, "seconds", rep.Seconds, "attempts", rep.Attempts)
	}
	if r.Observer != nil {
		r.Observer.Finished(j, rep)
	}
	return rep, err
}

func (r *Runner) locked(ctx context.Context, j *Job, l *lease, rep *Report, log *slog.Logger) error {
	ok, err := l.lockJob(ctx)
	if err != nil {
		return &StageError{Stage: "lease", Err: err}
	}
	if !ok {
		return &BusyError{Job: j.Name}
	}
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		l.unlockJob(cctx)
		cancel()
	}()
	for attempt := 1; ; attempt++ {
		*rep = Report{Job: rep.Job, Database: rep.Database, Source: rep.Source, Tick: rep.Tick, Started: rep.Started, Attempts: attempt}
		actx, cancel := context.WithTimeoutCause(ctx, j.Timeout, fmt.Errorf("timed out after %s (timeout:)", j.Timeout))
		err := r.attempt(actx, j, l, rep, log.With("attempt", attempt))
		cancel()
		if err == nil || ctx.Err() != nil || usage(err) || attempt > j.Retries.Count {
			if ctx.Err() != nil && err != nil {
				return &StageError{Stage: stageOf(err), Err: context.Cause(ctx)}
			}
			return err
		}
		log.Warn("attempt failed; retrying", "attempt", attempt, "error", err.Error(), "backoff", j.Retries.Backoff.String())
		select {
		case <-ctx.Done():
			return &StageError{Stage: stageOf(err), Err: context.Cause(ctx)}
		case <-time.After(j.Retries.Backoff):
		}
	}
}

func stageOf(err error) string {
	var se *StageError
	if errors.As(err, &se) {
		return se.Stage
	}
	return ""
}

// attempt is one try: recover leftovers, load into __next, verify, hooks,
// checks, swap, prune. Whatever fails before the swap drops __next and
// leaves staging as it was.
func (r *Runner) attempt(ctx context.Context, j *Job, l *lease, rep *Report, log *slog.Logger) (err error) {
	stage := func(name string, err error) error {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			err = cause
		}
		return &StageError{Stage: name, Err: err}
	}
	adm, err := connect(ctx, j.Target.Server, "connect to the staging server")
	if err != nil {
		return stage("prepare", err)
	}
	defer adm.Close(context.WithoutCancel(ctx))
	did, err := recoverLeftovers(ctx, adm, j)
	for _, d := range did {
		log.Warn("recovered from an interrupted run: " + d)
	}
	if err != nil {
		return stage("prepare", serverError(j.Target.Server, "recover leftovers", err))
	}

	job := &cli.Job{Rules: j.Rules, Target: withDatabase(j.Target.Server, j.next()), Subset: j.Subset,
		SecretFile: j.SecretFile, Parallel: j.Parallel, Getenv: r.Getenv, Guard: guard(ctx, adm, j),
		Warn: func(msg string) { log.Warn(msg) }}
	if j.SourceIsFile {
		if job.In, err = newest(j.Source); err != nil {
			return stage("load", err)
		}
		rep.Source = job.In
	} else {
		job.Source = j.Source
	}
	log.Info("loading", "source", rep.Source, "into", redact(job.Target))
	res, err := cli.RunJob(ctx, job)
	if err != nil { // RunJob dropped what it created
		return stage("load", err)
	}
	// From here on __next exists: a failure drops it.
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if derr := dropDatabase(cctx, adm, j.next()); derr != nil {
			log.Error("could not drop "+j.next()+" (the next run drops it)", "error", serverError(j.Target.Server, "drop", derr).Error())
		}
	}()
	log.Info("loaded", "tables", res.Stats.Tables, "rows", res.Stats.Rows, "seconds", seconds(res.Stats.Elapsed))

	nx, err := connect(ctx, job.Target, "connect to the new copy")
	if err != nil {
		return stage("verify", err)
	}
	defer nx.Close(context.WithoutCancel(ctx))
	if err := verify(ctx, nx, res, rep); err != nil {
		return stage("verify", err)
	}
	log.Info("verified", "findings", len(rep.Verification))
	if err := runHooks(ctx, j, job.Target, r.hookOutput(), rep); err != nil {
		return stage("hooks", err)
	}
	if err := runChecks(ctx, nx, j, rep); err != nil {
		return stage("checks", err)
	}
	nx.Close(ctx)
	if len(j.AfterLoad)+len(j.Checks) > 0 {
		log.Info("hooks and checks passed", "hooks", len(j.AfterLoad), "checks", len(j.Checks))
	}

	// The swap: only while this refresher still holds the job.
	if err := l.held(ctx); err != nil {
		return stage("swap", err)
	}
	prevs, err := copies(ctx, adm, j)
	if err != nil {
		return stage("swap", serverError(j.Target.Server, "list previous copies", err))
	}
	if exists, _, err := database(ctx, adm, j.Target.Database); err != nil {
		return stage("swap", serverError(j.Target.Server, "look for staging", err))
	} else if exists {
		rep.Previous = retiredName(j, time.Now(), prevs)
	}
	rep.Finished, rep.Result = time.Now(), Success
	rep.Seconds = seconds(rep.Finished.Sub(rep.Started))
	if _, err := adm.Exec(ctx, "COMMENT ON DATABASE "+ident(j.next())+" IS "+literal(rep.comment())); err != nil {
		return stage("swap", serverError(j.Target.Server, "keep the report on the copy", err))
	}
	if err := swapIn(ctx, adm, j, j.next(), rep.Previous); err != nil {
		return stage("swap", serverError(j.Target.Server, "swap the copy in", err))
	}
	log.Info("swapped in", "database", rep.Database, "previous", rep.Previous)
	dropped, err := prune(ctx, adm, j)
	for _, d := range dropped {
		log.Info("dropped an old copy (keep_previous)", "copy", d)
	}
	if err != nil { // the new copy is in: a copy too many is no failure
		log.Warn("could not drop old copies", "error", serverError(j.Target.Server, "prune", err).Error())
	}
	return nil
}

func (r *Runner) hookOutput() io.Writer {
	if r.HookOutput == nil {
		return os.Stderr
	}
	return r.HookOutput
}

// guard refuses a live source that is the staging database, or a copy
// beside it, on the staging server: the swap would rename it away.
func guard(ctx context.Context, adm *pgx.Conn, j *Job) func(live.Identity) error {
	return func(src live.Identity) error {
		var server live.Identity
		if err := adm.QueryRow(ctx, "SELECT pg_postmaster_start_time()").Scan(&server.Started); err != nil {
			return serverError(j.Target.Server, "read the server's identity", err)
		}
		var sysid int64 // unknown (0) where pg_control_system() is not granted
		if adm.QueryRow(ctx, "SELECT system_identifier FROM pg_control_system()").Scan(&sysid) == nil {
			server.SystemID = uint64(sysid)
		}
		names := []string{j.Target.Database}
		if strings.HasPrefix(src.Database, j.Target.Database+"__") {
			names = append(names, src.Database)
		}
		for _, name := range names {
			server.Database = name
			if src.SameDatabase(server) {
				return &live.SameDatabaseError{Database: redact(withDatabase(j.Target.Server, name)), Source: src}
			}
		}
		return nil
	}
}

// newest is the newest file matching a path or glob.
func newest(pattern string) (string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return "", fmt.Errorf("source %s: %v", pattern, err)
	}
	var best string
	var bestTime time.Time
	for _, m := range matches {
		st, err := os.Stat(m)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if best == "" || st.ModTime().After(bestTime) {
			best, bestTime = m, st.ModTime()
		}
	}
	if best == "" {
		return "", fmt.Errorf("source %s: no dump file matches", pattern)
	}
	return best, nil
}
