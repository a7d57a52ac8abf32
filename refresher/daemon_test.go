package refresher

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a State that also keeps every report, from every daemon
// it is given to.
type recorder struct {
	*State
	mu   sync.Mutex
	reps []*Report
}

func (r *recorder) Finished(j *Job, rep *Report) {
	r.State.Finished(j, rep)
	r.mu.Lock()
	r.reps = append(r.reps, rep)
	r.mu.Unlock()
}

func (r *recorder) reports() []*Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Report(nil), r.reps...)
}

// startDaemon runs a daemon on cfg, its HTTP endpoints on a loopback
// port, until the test ends or stop is called.
func (f *fixture) startDaemon(cfg *Config, all *recorder) (base string, rec *recorder, stop func()) {
	f.t.Helper()
	r, logs := f.runner()
	rec = &recorder{State: NewState(cfg, r.Log)}
	r.Observer = rec
	if all != nil {
		r.Observer = multi{rec, all}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&Daemon{Config: cfg, Runner: r, State: rec.State, Listener: ln}).Serve(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			noLeak(f.t, "the logs", logs.String())
		})
	}
	f.t.Cleanup(stop)
	return "http://" + ln.Addr().String(), rec, stop
}

// multi passes events to several observers.
type multi []Observer

func (m multi) Started(j *Job) {
	for _, o := range m {
		o.Started(j)
	}
}

func (m multi) Finished(j *Job, rep *Report) {
	for _, o := range m {
		o.Finished(j, rep)
	}
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", u, resp.Status, b)
	}
	return string(b)
}

// Two refreshers on one config, a job @every 2s: refreshes follow one
// another, each tick is run by one refresher only, and a row changed in
// the source between two refreshes is in staging, masked, after the
// second.
func TestDaemonsRefreshOnSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config(`    schedule: "@every 2s"
`)
	all := &recorder{State: NewState(cfg, nil)}
	base, a, stopA := f.startDaemon(cfg, all)
	_, _, stopB := f.startDaemon(f.config(`    schedule: "@every 2s"
`), all)

	succeeded := func(after time.Time) *Report {
		for _, rep := range all.reports() {
			if rep.Result == Success && rep.Started.After(after) {
				return rep
			}
		}
		return nil
	}
	waitFor(t, "a first refresh", func() bool { return succeeded(time.Time{}) != nil })
	var before string
	query(t, f.url(f.staging), "SELECT name FROM users WHERE id = 7", []any{&before})
	changed := time.Now()
	exec1(t, f.source, "UPDATE users SET name = 'Changed Person' WHERE id = 7")
	waitFor(t, "a refresh after the change", func() bool { return succeeded(changed) != nil })
	var after string
	query(t, f.url(f.staging), "SELECT name FROM users WHERE id = 7", []any{&after})
	if after == before || strings.Contains(after, "Changed") {
		t.Errorf("after the change staging has %q (was %q): want another masked name", after, before)
	}

	// What a's endpoints show.
	if got := get(t, base+"/healthz"); got != "ok\n" {
		t.Errorf("/healthz = %q", got)
	}
	var status struct{ Jobs []*JobStatus }
	waitFor(t, "a's own run", func() bool {
		json.Unmarshal([]byte(get(t, base+"/status")), &status)
		return len(status.Jobs) == 1 && status.Jobs[0].Current != nil
	})
	st := status.Jobs[0]
	if st.Job != "shop" || st.NextRun == nil || st.AgeSeconds == nil || st.Current.Result != Success {
		t.Errorf("/status: %+v", st)
	}
	metrics := get(t, base+"/metrics")
	for _, m := range []string{`understudy_last_success_timestamp_seconds{job="shop"}`, `understudy_runs_total{job="shop",result="success"}`,
		`understudy_next_run_timestamp_seconds{job="shop"}`, `understudy_copy_age_seconds{job="shop"}`, `understudy_last_run_success{job="shop"} 1`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	stopA()
	stopB()

	// Each tick ran once.
	ran := map[time.Time]int{}
	for _, rep := range all.reports() {
		if rep.Result != Skipped {
			ran[*rep.Tick]++
		}
	}
	for tick, n := range ran {
		if n > 1 {
			t.Errorf("tick %s ran %d times", tick.Format(time.RFC3339), n)
		}
	}
	if len(ran) < 2 {
		t.Errorf("%d ticks ran", len(ran))
	}
	t.Logf("ticks run: %d, reports: %d (a: %d)", len(ran), len(all.reports()), len(a.reports()))
	noLeak(t, "/status", get2(base+"/status"))
}

// get2 is get for a server that may have stopped: "" then.
func get2(u string) string {
	resp, err := http.Get(u)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A run that fails (a check returns false) does not swap: staging stays
// the same database with the same rows; /status and /metrics show the
// failure, and the webhook receives it, with no secret or value in it.
func TestDaemonReportsFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r, _ := f.runner()
	if _, err := f.run(r, f.config("").Jobs[0]); err != nil {
		t.Fatal(err)
	}
	oid, before := f.oid(f.staging), content(t, f.url(f.staging))

	var mu sync.Mutex
	var posts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	cfg := f.configText(f.configYAML(`    schedule: "@every 1s"
    checks: ["select count(*) > 0 from users", "select count(*) > 1000000 from orders"]
    notify: {webhook: "` + hook.URL + `/hook/${WEBHOOK_TOKEN}", on: [failure, success]}
`))
	// The webhook's URL holds the canary: it must never be logged.
	if !strings.Contains(cfg.Jobs[0].Notify.Webhook, canaryPassword) {
		t.Fatal("no canary in the webhook's URL")
	}
	base, rec, stop := f.startDaemon(cfg, nil)
	waitFor(t, "a failed run", func() bool {
		for _, rep := range rec.reports() {
			if rep.Result == Failure {
				return true
			}
		}
		return false
	})
	statusJSON := get(t, base+"/status")
	metrics := get(t, base+"/metrics")
	stop()

	var status struct{ Jobs []*JobStatus }
	if err := json.Unmarshal([]byte(statusJSON), &status); err != nil {
		t.Fatal(err)
	}
	last := status.Jobs[0].LastRun
	if last == nil || last.Result != Failure || last.Stage != "checks" || !strings.Contains(last.Error, "checks[1]") {
		t.Errorf("/status last run: %+v", last)
	}
	if status.Jobs[0].Current == nil || status.Jobs[0].AgeSeconds == nil {
		t.Errorf("/status lacks the copy in use (read from staging at start-up): %s", statusJSON)
	}
	for _, m := range []string{`understudy_last_run_success{job="shop"} 0`, `understudy_runs_total{job="shop",result="failure"}`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	if strings.Contains(metrics, `understudy_runs_total{job="shop",result="failure"} 0`) {
		t.Error("/metrics counts no failure")
	}
	if f.oid(f.staging) != oid || content(t, f.url(f.staging)) != before || len(f.databases()) != 1 {
		t.Error("staging changed, or a copy is left beside it")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) == 0 {
		t.Fatal("the webhook received nothing")
	}
	var n Notification
	if err := json.Unmarshal([]byte(posts[0]), &n); err != nil || n.Result != Failure || n.Stage != "checks" || !strings.Contains(n.Text, "failed in checks") {
		t.Errorf("webhook got %s (%v)", posts[0], err)
	}
	for _, p := range posts {
		noLeak(t, "a webhook post", p)
	}
	noLeak(t, "/status", statusJSON)
}

func TestMissedTicks(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte(`version: 1
jobs:
  - name: a
    schedule: "@every 10s"
    source: x.sql
    rules: r.yaml
    target: {server: "postgres://h/postgres", database: a}
`), env())
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs[0]
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := nextTick(j, t0.Add(3*time.Second)); !got.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("next tick = %v", got)
	}
	if n := missedTicks(j, t0, t0.Add(35*time.Second)); n != 3 {
		t.Errorf("missed = %d, want 3", n)
	}
}
