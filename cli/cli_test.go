package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixture = "../testdata/fixtures/shop.sql"

// result is one in-process run of the command.
type result struct {
	code           int
	stdout, stderr string
}

func run(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := runWith(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestRulesErrors runs `anonymize check` for every case under
// testdata/errors (a rules file each) against the shop fixture and compares
// the exit code and messages with the case's expected.golden.
func TestRulesErrors(t *testing.T) {
	dirs, err := filepath.Glob("testdata/errors/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r := run(t, nil, "", "check", "--rules", filepath.Join(dir, "rules.yaml"), "--in", fixture)
			got := fmt.Sprintf("exit %d\n%s%s", r.code, r.stderr, r.stdout)
			golden(t, filepath.Join(dir, "expected.golden"), got)
			// Drift between the rules and the dump (a column without a rule,
			// a rule naming what the dump lacks, a type its masker cannot
			// fill) is 1; a mistake in the file itself is 2.
			want := ExitUsage
			switch filepath.Base(dir) {
			case "uncovered_column", "unknown_column", "unknown_table", "wrong_type":
				want = ExitFailure
			}
			if r.code != want {
				t.Errorf("exit %d, want %d", r.code, want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"inspect", "--help"}, {"check", "-h"}, {"init", "--help"}} {
		r := run(t, nil, "", args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "Usage") || !strings.Contains(r.stdout, "xample") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	r := run(t, nil, "")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "Usage") {
		t.Errorf("no args: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "", "--rules", "x.yaml", "--in", "y.sql")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "or --target URL is required") {
		t.Errorf("missing --out: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "", "--bogus")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "bogus") {
		t.Errorf("unknown flag: exit %d, stderr %q", r.code, r.stderr)
	}
}
