package refresher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Daemon runs a config's jobs on their schedules until its context ends.
type Daemon struct {
	Config *Config
	Runner *Runner
	State  *State
	// Listener, if set, serves /healthz, /status and /metrics (Serve
	// opens one on Config.Listen otherwise).
	Listener net.Listener
}

// Serve runs every scheduled job until ctx ends. At start-up it recovers
// what interrupted runs left (a __next, a staging closed mid-swap) for
// every job no other refresher is running.
func (d *Daemon) Serve(ctx context.Context) error {
	log := d.Runner.Log
	if d.Listener == nil && d.Config.Listen != "" {
		ln, err := net.Listen("tcp", d.Config.Listen)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		d.Listener = ln
	}
	var wg sync.WaitGroup
	if d.Listener != nil {
		log.Info("serving /healthz, /status and /metrics", "address", d.Listener.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.State.serve(ctx, d.Listener)
		}()
	}
	scheduled := 0
	for _, j := range d.Config.Jobs {
		if j.Schedule == nil {
			log.Info("job has no schedule: run it with --once", "job", j.Name)
			continue
		}
		scheduled++
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.loop(ctx, j)
		}()
	}
	if scheduled == 0 {
		log.Warn("no job has a schedule: nothing to do until stopped")
	}
	wg.Wait()
	return nil
}

// loop runs j at each tick. A tick another refresher claimed first is
// left to it; ticks that pass while a run goes on are skipped (and
// logged), never queued.
func (d *Daemon) loop(ctx context.Context, j *Job) {
	log := d.Runner.Log.With("job", j.Name)
	l := newLease(j)
	defer l.close()
	d.startup(ctx, j, l, log)
	for {
		tick := nextTick(j, time.Now())
		d.State.setNext(j, tick)
		log.Debug("next run", "at", tick)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(tick)):
		}
		ok, err := l.claimTick(ctx, tick)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("cannot claim the tick; skipped", "tick", tick, "error", err.Error())
			d.State.Skipped(j)
			continue
		case !ok:
			log.Info("another refresher runs this tick", "tick", tick)
			d.State.Skipped(j)
			continue
		}
		d.Runner.Run(ctx, j, l, &tick)
		if ctx.Err() != nil {
			return
		}
		if missed := missedTicks(j, tick, time.Now()); missed > 0 {
			log.Warn("the run overlapped later ticks: skipped", "ticks", missed)
			for range missed {
				d.State.Skipped(j)
			}
		}
	}
}

// missedTicks counts j's ticks after tick and up to now.
func missedTicks(j *Job, tick, now time.Time) int {
	n := 0
	for t := nextTick(j, tick); !t.After(now) && n < 1000; t = nextTick(j, t) {
		n++
	}
	return n
}

// startup recovers what an interrupted run of j left, under the job's
// lock, and reads the report on staging (the age of the copy in use).
func (d *Daemon) startup(ctx context.Context, j *Job, l *lease, log *slog.Logger) {
	ok, err := l.lockJob(ctx)
	if err != nil || !ok {
		if err != nil {
			log.Error("start-up: cannot reach the staging server", "error", err.Error())
		}
		return
	}
	defer l.unlockJob(ctx)
	adm, err := connect(ctx, j.Target.Server, "connect to the staging server")
	if err != nil {
		log.Error("start-up: cannot reach the staging server", "error", err.Error())
		return
	}
	defer adm.Close(context.WithoutCancel(ctx))
	did, err := recoverLeftovers(ctx, adm, j)
	for _, x := range did {
		log.Warn("recovered from an interrupted run: " + x)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("start-up: recovery failed", "error", serverError(j.Target.Server, "recover leftovers", err).Error())
	}
	if rep, err := currentReport(ctx, adm, j.Target.Database); err == nil {
		d.State.setCurrent(j, rep)
	}
}
