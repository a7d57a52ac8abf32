package refresher

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// State is what a refresher process knows of its jobs: it serves /status
// and /metrics and posts each finished run to the job's webhook.
type State struct {
	mu   sync.Mutex
	jobs map[string]*jobState
	list []*Job

	reg                                       *prometheus.Registry
	lastSuccess, lastRun, lastOK, lastSeconds *prometheus.GaugeVec
	lastRows, running, nextRun, copyAge       *prometheus.GaugeVec
	runs                                      *prometheus.CounterVec

	notifier *notifier
}

type jobState struct {
	running     bool
	last        *Report
	current     *Report // the report on the staging database
	next        *time.Time
	lastSuccess time.Time
}

// NewState returns the state of cfg's jobs; log receives webhook failures.
func NewState(cfg *Config, log *slog.Logger) *State {
	s := &State{jobs: map[string]*jobState{}, list: cfg.Jobs, reg: prometheus.NewRegistry(), notifier: newNotifier(log)}
	gauge := func(name, help string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "understudy", Name: name, Help: help}, []string{"job"})
		s.reg.MustRegister(g)
		return g
	}
	s.lastSuccess = gauge("last_success_timestamp_seconds", "When the job's staging copy was last refreshed successfully (Unix time): alert when it gets old.")
	s.lastRun = gauge("last_run_timestamp_seconds", "When the job's last run ended (Unix time).")
	s.lastOK = gauge("last_run_success", "1 if the job's last run succeeded, 0 if it failed.")
	s.lastSeconds = gauge("last_run_duration_seconds", "How long the job's last run took.")
	s.lastRows = gauge("last_run_rows", "Rows the job's last successful run loaded.")
	s.running = gauge("running", "1 while a run of the job is in progress in this refresher.")
	s.nextRun = gauge("next_run_timestamp_seconds", "When the job runs next (Unix time).")
	s.copyAge = gauge("copy_age_seconds", "Age of the staging copy in use, from the end of the run that loaded it.")
	s.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "understudy", Name: "runs_total",
		Help: "Runs of the job by result: success, failure, or skipped (another refresher had the tick or the job)."}, []string{"job", "result"})
	s.reg.MustRegister(s.runs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, j := range cfg.Jobs {
		s.jobs[j.Name] = &jobState{}
		for _, r := range []string{Success, Failure, Skipped} {
			s.runs.WithLabelValues(j.Name, r)
		}
		s.running.WithLabelValues(j.Name).Set(0)
	}
	return s
}

// Started marks j running.
func (s *State) Started(j *Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.Name].running = true
	s.running.WithLabelValues(j.Name).Set(1)
}

// Finished records a run's report and posts it to the webhook.
func (s *State) Finished(j *Job, rep *Report) {
	s.mu.Lock()
	js := s.jobs[j.Name]
	js.running = false
	s.running.WithLabelValues(j.Name).Set(0)
	s.runs.WithLabelValues(j.Name, rep.Result).Inc()
	if rep.Result != Skipped {
		js.last = rep
		s.lastRun.WithLabelValues(j.Name).Set(float64(rep.Finished.Unix()))
		s.lastSeconds.WithLabelValues(j.Name).Set(rep.Seconds)
		s.lastOK.WithLabelValues(j.Name).Set(0)
	}
	if rep.Result == Success {
		js.current = rep
		s.lastOK.WithLabelValues(j.Name).Set(1)
		s.lastRows.WithLabelValues(j.Name).Set(float64(rep.Rows))
		s.setSuccess(j.Name, js, rep.Finished)
	}
	s.mu.Unlock()
	if rep.Result != Skipped {
		s.notifier.send(j, rep)
	}
}

// Skipped counts a tick this refresher did not run.
func (s *State) Skipped(j *Job) { s.runs.WithLabelValues(j.Name, Skipped).Inc() }

// setSuccess records when the copy in use was loaded.
func (s *State) setSuccess(job string, js *jobState, at time.Time) {
	js.lastSuccess = at
	s.lastSuccess.WithLabelValues(job).Set(float64(at.Unix()))
}

// setCurrent records the report found on staging at start-up.
func (s *State) setCurrent(j *Job, rep *Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	js := s.jobs[j.Name]
	if js.current == nil && rep != nil {
		js.current = rep
		s.setSuccess(j.Name, js, rep.Finished)
	}
}

func (s *State) setNext(j *Job, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.Name].next = &next
	s.nextRun.WithLabelValues(j.Name).Set(float64(next.Unix()))
}

// Status is every job's state, in config order.
func (s *State) Status() []*JobStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*JobStatus
	for _, j := range s.list {
		js := s.jobs[j.Name]
		st := &JobStatus{Job: j.Name, Database: j.TargetName(), Schedule: j.ScheduleText, NextRun: js.next,
			Running: js.running, Current: js.current, LastRun: js.last}
		if !js.lastSuccess.IsZero() {
			age := seconds(time.Since(js.lastSuccess))
			st.AgeSeconds = &age
		}
		out = append(out, st)
	}
	return out
}

// Handler serves /healthz, /status (JSON) and /metrics (Prometheus).
func (s *State) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"jobs": s.Status()})
	})
	metrics := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		for name, js := range s.jobs { // the age grows between runs
			if !js.lastSuccess.IsZero() {
				s.copyAge.WithLabelValues(name).Set(time.Since(js.lastSuccess).Seconds())
			}
		}
		s.mu.Unlock()
		metrics.ServeHTTP(w, r)
	}))
	return mux
}

// serve serves the HTTP endpoints on ln until ctx ends.
func (s *State) serve(ctx context.Context, ln net.Listener) {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	srv.Shutdown(sctx)
}
