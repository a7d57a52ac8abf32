package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/schema"
)

func jobEnv(k string) string { return secretEnv[k] }

// Check stops on what a retry cannot fix, before any database is touched.
func TestJobCheck(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		job  Job
		want string
	}{
		{"ok", Job{Rules: shopRules, In: fixture, Target: "postgres:///staging", Getenv: jobEnv}, ""},
		{"no secret", Job{Rules: shopRules, In: fixture, Target: "postgres:///staging"}, "no masking secret"},
		{"no rules", Job{Rules: filepath.Join(dir, "none.yaml"), In: fixture, Target: "postgres:///staging", Getenv: jobEnv}, "none.yaml"},
		{"bad subset", Job{Rules: shopRules, In: fixture, Target: "postgres:///staging", Subset: "public.users=300%", Getenv: jobEnv}, "300"},
		{"two sources", Job{Rules: shopRules, In: fixture, Source: "postgres:///prod", Target: "postgres:///staging", Getenv: jobEnv}, "--in"},
		{"short secret file", Job{Rules: shopRules, In: fixture, Target: "postgres:///staging", SecretFile: writeFile(t, dir, "s", "short")}, "at least 16"},
	} {
		err := tc.job.Check()
		var je *JobError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &je) || !je.Usage || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want a usage error naming %q", tc.name, err, tc.want)
		}
	}
}

// A job loads a new database and counts every table's rows as read and
// as written; with a subset it writes fewer and reports why.
func TestRunJob(t *testing.T) {
	target := eqNewTarget(t)
	var warned []string
	res, err := RunJob(context.Background(), &Job{Rules: shopRules, In: fixture, Target: target, Getenv: jobEnv, Warn: func(s string) { warned = append(warned, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Source == "" || res.Subset != nil || len(res.Tables) == 0 || len(warned) > 0 {
		t.Fatalf("result %+v", res)
	}
	conn := pgtest.Connect(t, target)
	users := schema.QName{Schema: "public", Name: "users"}
	var sawUsers bool
	for _, tr := range res.Tables {
		if !tr.Counted || tr.Skipped || tr.Read != tr.Written {
			t.Errorf("%s: %+v", tr.Table, tr)
		}
		var n int64
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM ONLY "+tr.Table.String()).Scan(&n); err != nil || n != tr.Written {
			t.Errorf("%s: %d rows in the target (%v), %d written", tr.Table, n, err, tr.Written)
		}
		sawUsers = sawUsers || tr.Table == users && tr.Read > 0
	}
	if !sawUsers {
		t.Errorf("no rows of %s in %+v", users, res.Tables)
	}

	// Not strict, a column left out and a table skipped: the job warns
	// through Warn and reports the table skipped, with no rows written.
	shop, err := os.ReadFile(shopRules)
	if err != nil {
		t.Fatal(err)
	}
	loose := strings.Replace(strings.Replace(string(shop), "strict: true", "strict: false", 1), "    country: keep\n", "", 1)
	at := strings.Index(loose, "  public.login_attempts:")
	end := at + 1 + strings.Index(loose[at+1:], "\n  public.")
	loose = loose[:at] + "  public.login_attempts: skip" + loose[end:]
	res, err = RunJob(context.Background(), &Job{Rules: writeFile(t, t.TempDir(), "loose.yaml", loose), In: fixture, Target: eqNewTarget(t),
		Getenv: jobEnv, Warn: func(s string) { warned = append(warned, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) == 0 {
		t.Error("no warning for a column passing through unmasked")
	}
	for _, tr := range res.Tables {
		if skip := tr.Table.Name == "login_attempts"; tr.Skipped != skip || skip && (tr.Written != 0 || tr.Read == 0) {
			t.Errorf("%s: %+v", tr.Table, tr)
		}
	}
	if j := (&Job{}).flags().jobs; j != min(runtime.NumCPU(), maxJobs()) {
		t.Errorf("Parallel 0 runs %d jobs", j)
	}

	sub := eqNewTarget(t)
	res, err = RunJob(context.Background(), &Job{Rules: shopRules, In: fixture, Target: sub, Subset: "public.users=10%", Parallel: 1, Getenv: jobEnv})
	if err != nil {
		t.Fatal(err)
	}
	if res.Subset == nil {
		t.Fatal("no subset report")
	}
	for _, tr := range res.Tables {
		if tr.Table == users && (tr.Written == 0 || tr.Written >= tr.Read) {
			t.Errorf("subset of %s: %+v", users, tr)
		}
	}
}

// A live source's identity reaches the guard before anything is written;
// an error from it stops the job and leaves no target behind.
func TestRunJobGuard(t *testing.T) {
	src := pgtest.NewDatabase(t)
	pgtest.Psql(t, src, fixture)
	target := eqNewTarget(t)
	refused := errors.New("not this one")
	var seen live.Identity
	_, err := RunJob(context.Background(), &Job{Rules: shopRules, Source: src, Target: target, Getenv: jobEnv,
		Guard: func(id live.Identity) error { seen = id; return refused }})
	var je *JobError
	if !errors.Is(err, refused) || !errors.As(err, &je) || je.Usage {
		t.Fatalf("got %v, want the guard's error as a job error", err)
	}
	if seen.Database != eqDBName(src) {
		t.Errorf("guard saw %+v, want database %s", seen, eqDBName(src))
	}
	var exists bool
	admin := pgtest.Connect(t, pgtest.AdminURL(t))
	if err := admin.QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", eqDBName(target)).Scan(&exists); err != nil || exists {
		t.Errorf("target exists after a refused job (%v)", err)
	}

	res, err := RunJob(context.Background(), &Job{Rules: shopRules, Source: src, Target: target, Getenv: jobEnv,
		Guard: func(live.Identity) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if !tr.Counted || tr.Read != tr.Written {
			t.Errorf("%s: %+v", tr.Table, tr)
		}
	}
}
