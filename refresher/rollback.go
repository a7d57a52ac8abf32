package refresher

import (
	"context"
	"time"
)

// Rollback swaps the newest previous copy of j's staging database back in.
// The copy it replaces becomes the newest previous one, so a second
// rollback undoes the first. It takes the job's lease: a rollback never
// races a run.
func (r *Runner) Rollback(ctx context.Context, j *Job) (restored string, err error) {
	l := newLease(j)
	defer l.close()
	ok, err := l.lockJob(ctx)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &BusyError{Job: j.Name}
	}
	adm, err := connect(ctx, j.Target.Server, "connect to the staging server")
	if err != nil {
		return "", err
	}
	defer adm.Close(context.WithoutCancel(ctx))
	did, err := recoverLeftovers(ctx, adm, j)
	for _, d := range did {
		r.Log.Warn("recovered from an interrupted run: "+d, "job", j.Name)
	}
	if err != nil {
		return "", serverError(j.Target.Server, "recover leftovers", err)
	}
	prevs, err := copies(ctx, adm, j)
	if err != nil {
		return "", serverError(j.Target.Server, "list previous copies", err)
	}
	if len(prevs) == 0 {
		return "", &NoPreviousError{Job: j.Name, Database: j.TargetName()}
	}
	retired := retiredName(j, time.Now(), prevs)
	if err := swapIn(ctx, adm, j, prevs[0], retired); err != nil {
		return "", serverError(j.Target.Server, "swap the previous copy in", err)
	}
	r.Log.Info("rolled back", "job", j.Name, "database", j.TargetName(), "restored", prevs[0], "replaced_copy", retired)
	return prevs[0], nil
}

// JobStatus is a job's state: what the staging server holds, and (in the
// daemon) the last run and the next.
type JobStatus struct {
	Job      string     `json:"job"`
	Database string     `json:"database"`
	Schedule string     `json:"schedule,omitempty"`
	NextRun  *time.Time `json:"next_run,omitempty"`
	Running  bool       `json:"running"`
	// Current is the report kept on the staging database: when and from
	// what it was loaded.
	Current    *Report  `json:"current,omitempty"`
	AgeSeconds *float64 `json:"copy_age_seconds,omitempty"`
	Previous   []string `json:"previous,omitempty"`
	LastRun    *Report  `json:"last_run,omitempty"`
	Error      string   `json:"error,omitempty"` // the server could not be read
}

// Inspect reads j's state from the staging server: the current copy's
// report, the previous copies, and whether a run holds the lease (seen,
// not taken: a run starting meanwhile must not find the job busy).
func Inspect(ctx context.Context, j *Job) *JobStatus {
	st := &JobStatus{Job: j.Name, Database: j.TargetName(), Schedule: j.ScheduleText}
	if j.Schedule != nil {
		next := nextTick(j, time.Now())
		st.NextRun = &next
	}
	l := newLease(j)
	defer l.close()
	running, err := l.running(ctx)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	st.Running = running
	adm, err := connect(ctx, j.Target.Server, "connect to the staging server")
	if err != nil {
		st.Error = err.Error()
		return st
	}
	defer adm.Close(context.WithoutCancel(ctx))
	if st.Current, err = currentReport(ctx, adm, j.Target.Database); err != nil {
		st.Error = serverError(j.Target.Server, "read the report", err).Error()
		return st
	}
	if st.Current != nil {
		age := seconds(time.Since(st.Current.Finished))
		st.AgeSeconds = &age
	}
	if st.Previous, err = copies(ctx, adm, j); err != nil {
		st.Error = serverError(j.Target.Server, "list previous copies", err).Error()
	}
	return st
}
