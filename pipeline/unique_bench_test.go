//go:build unix

package pipeline

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkUniqueKeys measures whole anonymize runs (the command built from
// ./cmd/anonymize, in a child process) over a generated table of
// $UNDERSTUDY_BENCH_UNIQUE_ROWS rows (default 1,000,000, so `make bench`
// stays short; `make bench-unique` runs 20,000,000) whose unique
// email column is masked with email, a masker that is not a bijection, so
// every row's fingerprint is checked: with the default memory budget they
// spill to disk and are merge-checked before the output is committed. It
// reports the peak RSS (the target is under 150 MB at any size), the peak
// of the same run without the UNIQUE constraint (no check: the rest of the
// run), the fingerprints spilled and the wall time. The run must find no
// collision. The dump is generated once into the temporary directory;
// scripts/bench-unique.sh runs it alone. $UNDERSTUDY_BENCH_ANONYMIZE names a
// binary to measure instead of building one.
func BenchmarkUniqueKeys(b *testing.B) {
	rows := benchEnvInt(b, "UNDERSTUDY_BENCH_UNIQUE_ROWS", 1_000_000)
	dir := b.TempDir()
	bin := benchBinary(b, dir)
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte("version: 1\ntables:\n  users:\n    id: keep\n    email: email\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	unique, base := uniqueDumpPath(b, rows, true), uniqueDumpPath(b, rows, false)
	baseRSS := runToStdout(b, bin, rulesPath, base)
	var peak int64
	start := time.Now()
	for b.Loop() {
		peak = max(peak, runToStdout(b, bin, rulesPath, unique))
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(baseRSS)/(1<<20), "no-key-RSS-MiB")
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/run")
}

// uniqueDumpPath returns a dump of one table of n rows with an email column,
// unique or not, generating it once.
func uniqueDumpPath(b *testing.B, n int, unique bool) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("understudy-bench-unique-%d-%v.sql", n, unique))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "CREATE TABLE public.users (\n    id bigint NOT NULL,\n    email text NOT NULL\n);\n\nCOPY public.users (id, email) FROM stdin;\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "%d\tperson%09d.%x@mail%d.example.org\n", i, i, i*2654435761%65536, i%97)
	}
	fmt.Fprint(w, "\\.\n\n")
	if unique {
		fmt.Fprint(w, "ALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_email_key UNIQUE (email);\n")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// runToStdout runs anonymize over a dump, its output discarded, and
// returns the child's peak RSS in bytes.
func runToStdout(b *testing.B, bin, rulesPath, dump string) int64 {
	cmd := exec.Command(bin, "--quiet", "--rules", rulesPath, "--in", dump, "--out", "-")
	cmd.Env = append(os.Environ(), "ANONYMIZE_SECRET=bench-secret-0123456789")
	var stderr bufferTail
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("anonymize %s: %v\n%s", dump, err, stderr.b)
	}
	return peakRSS(b, cmd)
}

// bufferTail keeps the last 4 KiB written to it.
type bufferTail struct{ b []byte }

func (t *bufferTail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}
