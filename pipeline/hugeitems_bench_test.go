//go:build unix

package pipeline

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHugeItems measures the peak RSS of whole anonymize runs (the
// command built from ./cmd/anonymize, in a child process, so that nothing
// of this test process counts) over dumps holding one huge item: a COPY row
// of $UNDERSTUDY_BENCH_ROW_MB MiB (default 100) whose huge column passes
// through or is masked, three such rows one after the other, and a
// statement of half that size — a CREATE FUNCTION, an INSERT whose huge
// literal passes through or is masked. It
// reports the peak RSS, the ratio peak RSS / item size (target < 3), the
// same ratio over the peak of a run on the same dump with a 1 KiB item
// (the process's fixed cost), and the wall time.
//
// Run it alone with scripts/bench-rows.sh. The dumps are generated once
// into the temporary directory. $UNDERSTUDY_BENCH_ANONYMIZE names a binary
// to measure instead of building one (to compare with another version).
func BenchmarkHugeItems(b *testing.B) {
	rowMB := benchEnvInt(b, "UNDERSTUDY_BENCH_ROW_MB", 100)
	dir := b.TempDir()
	bin := benchBinary(b, dir)
	for _, c := range hugeCases {
		size := rowMB << 20
		if c.kind != "copy" {
			size /= 2
		}
		b.Run(c.name, func(b *testing.B) {
			rulesPath := filepath.Join(dir, c.name+".yaml")
			if err := os.WriteFile(rulesPath, []byte(hugeRules(c)), 0o600); err != nil {
				b.Fatal(err)
			}
			base := runPeakRSS(b, bin, rulesPath, hugeDumpPath(b, c, 1<<10), dir)
			path := hugeDumpPath(b, c, size)
			var peak int64
			start := time.Now()
			for b.Loop() {
				peak = max(peak, runPeakRSS(b, bin, rulesPath, path, dir))
			}
			b.ReportMetric(float64(size)/(1<<20), "item-MiB")
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(base)/(1<<20), "base-RSS-MiB")
			b.ReportMetric(float64(peak)/float64(size), "RSS/item")
			b.ReportMetric(float64(peak-base)/float64(size), "(RSS-base)/item")
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/run")
		})
	}
}

// hugeDumpPath returns the dump of a case at a size, generating it once.
func hugeDumpPath(b *testing.B, c hugeCase, size int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("understudy-bench-huge-%s-%d.sql", c.name, size))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	if err := writeHugeDump(f, c, size); err != nil {
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

// runPeakRSS runs anonymize over a dump and returns the child's peak RSS in
// bytes.
func runPeakRSS(b *testing.B, bin, rulesPath, dump, dir string) int64 {
	out := filepath.Join(dir, "out.sql")
	cmd := exec.Command(bin, "--quiet", "--rules", rulesPath, "--in", dump, "--out", out)
	cmd.Env = append(os.Environ(), "ANONYMIZE_SECRET=bench-secret-0123456789")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("anonymize %s: %v\n%s", dump, err, msg)
	}
	os.Remove(out)
	return peakRSS(b, cmd)
}

// peakRSS is the peak RSS of a finished child, in bytes.
// benchEnvInt is the positive integer in the environment variable name, or
// def when it is unset.
func benchEnvInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q", name, s)
	}
	return n
}

// benchBinary is the anonymize binary to measure: $UNDERSTUDY_BENCH_ANONYMIZE,
// or one built from ./cmd/anonymize into dir.
func benchBinary(b *testing.B, dir string) string {
	if bin := os.Getenv("UNDERSTUDY_BENCH_ANONYMIZE"); bin != "" {
		return bin
	}
	bin := filepath.Join(dir, "anonymize")
	build := exec.Command("go", "build", "-o", bin, "./cmd/anonymize")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func peakRSS(b *testing.B, cmd *exec.Cmd) int64 {
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no rusage")
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes
	}
	return int64(ru.Maxrss) << 10 // KiB
}
