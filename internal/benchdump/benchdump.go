// Package benchdump provides large generated shop dumps for benchmarks,
// written once per scale into the temporary directory and reused by later
// runs, so a benchmark measures reading and masking, not generating.
package benchdump

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/understudy-db/understudy/shopgen"
)

// Scale returns the shop scale to benchmark at: $UNDERSTUDY_BENCH_SCALE, or
// def. Scale 1 is about 1.25 MB of dump.
func Scale(tb testing.TB, def int) int {
	if s := os.Getenv("UNDERSTUDY_BENCH_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatalf("UNDERSTUDY_BENCH_SCALE: %v", err)
		}
		return n
	}
	return def
}

// Path returns a plain shop dump at the given scale, generating it if needed.
func Path(tb testing.TB, scale int) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("understudy-bench-shop-%d.sql", scale))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	g, err := shopgen.New(shopgen.Config{Seed: 1, Scale: scale})
	if err != nil {
		tb.Fatal(err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := g.WriteSQL(bw, nil); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Size returns a file's size in bytes.
func Size(tb testing.TB, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// PeakRSSMB is the process's peak resident set size so far, in MB.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
