//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/internal/pgtest"
)

// The tests in this file run the refresher as a process of its own:
// signals are the process's, and SIGKILL leaves what it leaves.

// mainEnv switches the test binary into the refresher command.
const mainEnv = "UNDERSTUDY_REFRESHER_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

const (
	canaryPassword = "CANARYPW-cmd-51f0"
	canarySecret   = "CANARY-SECRET-cmd-0c2e"
)

// setup is a source database with a table large enough that a load takes
// a few seconds, a staging name, and a config file for them.
type setup struct {
	t                       *testing.T
	dir, config             string
	source, server, staging string
}

func newSetup(t *testing.T, rows int, extra string) *setup {
	t.Helper()
	s := &setup{t: t, dir: t.TempDir(), staging: "rc_" + randomHex(t, 5)}
	s.source = withPassword(t, pgtest.NewDatabase(t))
	s.server = withPassword(t, pgtest.AdminURL(t))
	t.Cleanup(s.dropAll)
	s.exec(s.source,
		fmt.Sprintf(`CREATE TABLE accounts AS SELECT g::bigint AS id, 'user' || g || '@real.example.org' AS email, md5(g::text) AS note FROM generate_series(1, %d) g`, rows),
		`ALTER TABLE accounts ADD PRIMARY KEY (id)`)
	rules := filepath.Join(s.dir, "rules.yaml")
	write(t, rules, "version: 1\ntables:\n  public.accounts:\n    id: keep\n    email: email\n    note: keep\n")
	s.config = filepath.Join(s.dir, "refresher.yaml")
	write(t, s.config, fmt.Sprintf(`version: 1
jobs:
  - name: shop
    source: ${SOURCE_URL}
    rules: rules.yaml
    target: {server: "${STAGING_ADMIN_URL}", database: %s}
%s`, s.staging, extra))
	return s
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func withPassword(t *testing.T, u string) string {
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword(p.User.Username(), canaryPassword)
	return p.String()
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (s *setup) url(db string) string {
	u, _ := url.Parse(s.server)
	u.Path = "/" + db
	return u.String()
}

func (s *setup) exec(u string, stmts ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, st := range stmts {
		if _, err := conn.Exec(ctx, st); err != nil {
			s.t.Fatalf("%v\n%s", err, st)
		}
	}
}

func (s *setup) query(u, q string, dest ...any) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, q).Scan(dest...); err != nil {
		s.t.Fatalf("%v\n%s", err, q)
	}
}

// databases lists staging and the copies beside it.
func (s *setup) databases() []string {
	var names []string
	s.query(s.server, fmt.Sprintf(`SELECT COALESCE(array_agg(datname::text ORDER BY datname), '{}') FROM pg_database
		WHERE datname = '%[1]s' OR left(datname, length('%[1]s') + 2) = '%[1]s__'`, s.staging), &names)
	return names
}

func (s *setup) oid(db string) uint32 {
	var oid uint32
	s.query(s.server, fmt.Sprintf("SELECT COALESCE((SELECT oid FROM pg_database WHERE datname = '%s'), 0)", db), &oid)
	return oid
}

func (s *setup) dropAll() {
	for _, db := range s.databases() {
		s.exec(s.server, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	}
}

// copying reports whether rows are being copied into database db.
func (s *setup) copying(db string) bool {
	var n int
	s.query(s.server, fmt.Sprintf(`SELECT count(*) FROM pg_stat_progress_copy WHERE datname = '%s' AND command = 'COPY FROM' AND tuples_processed > 0`, db), &n)
	return n > 0
}

// proc is a refresher process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error
}

// start runs the refresher with args; the test kills it if it still runs
// at the end.
func (s *setup) start(args ...string) *proc {
	s.t.Helper()
	p := &proc{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANONYMIZE_SECRET=") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, mainEnv+"=1", "GORACE=atexit_sleep_ms=0", "ANONYMIZE_SECRET="+canarySecret,
		"SOURCE_URL="+s.source, "STAGING_ADMIN_URL="+s.server)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	s.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// run runs the refresher to the end and returns its exit code.
func (s *setup) run(args ...string) (*proc, int) {
	s.t.Helper()
	p := s.start(args...)
	return p, p.wait(s.t, 2*time.Minute)
}

func (p *proc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("the refresher still runs after %s\n%s", limit, p.stderr.String())
	}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(p.err)
	return -1
}

// until polls cond until it holds; it fails if the process exits first.
func (p *proc) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		select {
		case <-p.done:
			t.Fatalf("the refresher exited (%v) before %s:\n%s", p.err, what, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s:\n%s", what, p.stderr.String())
		}
	}
}

func noLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range []string{canaryPassword, canarySecret, "real.example.org"} {
		if strings.Contains(s, c) {
			t.Errorf("%s shows %q:\n%s", what, c, s)
		}
	}
}

// SIGTERM while a copy loads, whether run by --once or by the daemon:
// the process exits within 5 s, the half-loaded copy is gone, and staging
// is the same database as before.
func TestSIGTERMMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 300,000 rows")
	}
	t.Parallel()
	s := newSetup(t, 300000, "    schedule: \"@every 1s\"\n")
	s.exec(s.server, "CREATE DATABASE "+pgx.Identifier{s.staging}.Sanitize())
	oid := s.oid(s.staging)
	for _, mode := range [][]string{{"--once"}, nil} {
		name := "daemon"
		if mode != nil {
			name = "once"
		}
		t.Run(name, func(t *testing.T) {
			p := s.start(append([]string{"--config", s.config}, mode...)...)
			p.until(t, "rows load into "+s.staging+"__next", func() bool { return s.copying(s.staging + "__next") })
			sent := time.Now()
			p.cmd.Process.Signal(syscall.SIGTERM)
			code := p.wait(t, time.Minute)
			if took := time.Since(sent); took > 5*time.Second {
				t.Errorf("exited %s after SIGTERM, want within 5 s", took.Round(time.Millisecond))
			}
			if mode != nil && code != 1 {
				t.Errorf("--once exit %d, want 1", code)
			}
			if got := s.databases(); len(got) != 1 || s.oid(s.staging) != oid {
				t.Errorf("after SIGTERM: databases %v, staging OID %d (was %d)", got, s.oid(s.staging), oid)
			}
			noLeak(t, "stderr", p.stderr.String())
			t.Logf("exit %d\n%s", code, p.stderr.String())
		})
	}
}

// SIGKILL mid-load leaves __next behind; the next start drops it, and
// staging is intact.
func TestSIGKILLRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 300,000 rows")
	}
	t.Parallel()
	s := newSetup(t, 300000, "    schedule: \"0 3 * * *\"\n")
	s.exec(s.server, "CREATE DATABASE "+pgx.Identifier{s.staging}.Sanitize())
	s.exec(s.url(s.staging), "CREATE TABLE marker (x int)", "INSERT INTO marker VALUES (42)")
	oid := s.oid(s.staging)

	p := s.start("--config", s.config, "--once")
	p.until(t, "rows load into __next", func() bool { return s.copying(s.staging + "__next") })
	p.cmd.Process.Kill()
	p.wait(t, time.Minute)
	if got := s.databases(); len(got) != 2 {
		t.Fatalf("after SIGKILL: %v, want staging and the leftover __next", got)
	}

	d := s.start("--config", s.config)
	d.until(t, "the leftover is dropped", func() bool { return len(s.databases()) == 1 })
	var marker int
	s.query(s.url(s.staging), "SELECT x FROM marker", &marker)
	if s.oid(s.staging) != oid || marker != 42 {
		t.Error("staging is not intact")
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 10*time.Second); code != 0 {
		t.Errorf("the daemon exited %d on SIGTERM, want 0", code)
	}
	if !strings.Contains(d.stderr.String(), "dropped the leftover") {
		t.Errorf("the recovery is not logged:\n%s", d.stderr.String())
	}
	noLeak(t, "stderr", d.stderr.String())
}

// The command end to end: --once, status, a second --once, rollback.
func TestOnceStatusRollback(t *testing.T) {
	t.Parallel()
	s := newSetup(t, 100, "")
	if p, code := s.run("--config", s.config, "--once"); code != 0 {
		t.Fatalf("--once exit %d\n%s", code, p.stderr.String())
	}
	first := s.oid(s.staging)
	p, code := s.run("--config", s.config, "status")
	if out := p.stdout.String(); code != 0 || !strings.Contains(out, "current:  loaded") || !strings.Contains(out, "previous: none") {
		t.Errorf("status exit %d:\n%s%s", code, out, p.stderr.String())
	}
	if p, code := s.run("--config", s.config, "rollback", "--job", "shop"); code != 1 || !strings.Contains(p.stderr.String(), "no previous copy") {
		t.Errorf("rollback without a previous copy: exit %d\n%s", code, p.stderr.String())
	}
	if p, code := s.run("--once", "--config", s.config, "--job", "shop"); code != 0 {
		t.Fatalf("--once exit %d\n%s", code, p.stderr.String())
	}
	if p, code := s.run("--config", s.config, "rollback", "--job", "shop"); code != 0 || s.oid(s.staging) != first {
		t.Errorf("rollback exit %d: staging OID %d, want %d\n%s", code, s.oid(s.staging), first, p.stderr.String())
	}
	p, code = s.run("--config", s.config, "status", "--json")
	if out := p.stdout.String(); code != 0 || !strings.Contains(out, `"previous": [`) {
		t.Errorf("status --json exit %d:\n%s", code, out)
	}
	noLeak(t, "status", p.stdout.String())
}
