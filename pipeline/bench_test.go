package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/benchdump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
)

// BenchmarkMask runs a generated shop dump (about 530 MB at the default
// scale) through the masking pipeline twice per iteration: with every table
// kept (the pass-through floor of the same reader and writer) and with a
// rules file. It reports both throughputs and their ratio (target: masked ≥
// 0.7 × pass-through), the masking cost per GB and the peak RSS.
//
// "typical" masks the usual personal columns (testdata/bench-typical.yaml,
// about a third of them); "shop" is rules/shop.yaml, which masks nearly all.
func BenchmarkMask(b *testing.B) {
	for _, c := range []struct{ name, rules string }{
		{"typical", "testdata/bench-typical.yaml"},
		{"shop", "../rules/shop.yaml"},
	} {
		b.Run(c.name, func(b *testing.B) { benchmarkMask(b, c.rules) })
	}
}

func benchmarkMask(b *testing.B, rulesPath string) {
	path := benchdump.Path(b, benchdump.Scale(b, 420))
	size := benchdump.Size(b, path)
	src, inv := scanFile(b, path)
	src.Close()
	shop, err := rules.Load(rulesPath)
	if err != nil {
		b.Fatal(err)
	}
	opts := &masking.Options{Secret: masking.NewSecret([]byte("bench")), EmailDomain: "example.com"}
	masked, err := shop.Plan(inv.Catalog, DataColumns(inv), opts)
	if err != nil {
		b.Fatal(err)
	}
	var keep strings.Builder
	keep.WriteString("version: 1\ntables:\n")
	for q := range inv.Rows {
		fmt.Fprintf(&keep, "  '%s': keep\n", q)
	}
	kf, err := rules.Parse("keep.yaml", []byte(keep.String()))
	if err != nil {
		b.Fatal(err)
	}
	pass, err := kf.Plan(inv.Catalog, DataColumns(inv), opts)
	if err != nil {
		b.Fatal(err)
	}
	var passTime, maskTime time.Duration
	var cells int64
	for b.Loop() {
		d, _ := maskFile(b, path, pass)
		passTime += d
		d, st := maskFile(b, path, masked)
		maskTime += d
		cells = st.MaskedCells
	}
	passRate := float64(size) * float64(b.N) / passTime.Seconds() / 1e6
	maskRate := float64(size) * float64(b.N) / maskTime.Seconds() / 1e6
	b.ReportMetric(float64(size)/1e6, "dump-MB")
	b.ReportMetric(passRate, "pass-MB/s")
	b.ReportMetric(maskRate, "masked-MB/s")
	b.ReportMetric(maskRate/passRate, "masked/pass")
	b.ReportMetric(float64(cells), "masked-cells")
	b.ReportMetric(maskTime.Seconds()/float64(b.N)/(float64(size)/1e9), "masked-CPU-s/GB")
	b.ReportMetric(benchdump.PeakRSSMB(), "peak-RSS-MB")
}

// scanFile opens a dump and reads its inventory (the first pass).
func scanFile(tb testing.TB, path string) (*plain.Source, *dump.Inventory) {
	src, err := plain.Open(context.Background(), path, nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	inv, err := src.Inventory(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return src, inv
}

// maskFile runs the pipeline over a dump into nowhere, timing the second
// pass only (plans are built from another inventory of the same file).
func maskFile(tb testing.TB, path string, plan *rules.Plan) (time.Duration, *Stats) {
	src, inv := scanFile(tb, path)
	defer src.Close()
	start := time.Now()
	st, err := Run(context.Background(), src, inv, plain.NewSink(discard{}), plan, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return time.Since(start), st
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Commit() error               { return nil }
func (discard) Fail([]byte) error           { return nil }

// BenchmarkEngine measures the masking engine alone: a generated shop's
// COPY text (about 50 MB at the default scale, $UNDERSTUDY_BENCH_SCALE
// otherwise), held in memory, goes through Engine.Table one row per Write,
// as a live source hands it over, into nowhere. It reports the process's
// CPU seconds (user and system) per GB of COPY text, the unit of the
// product's budget of 15 for a whole live run.
func BenchmarkEngine(b *testing.B) {
	for _, c := range []struct{ name, rules string }{
		{"typical", "testdata/bench-typical.yaml"},
		{"shop", "../rules/shop.yaml"},
	} {
		b.Run(c.name, func(b *testing.B) { benchmarkEngine(b, c.rules) })
	}
}

func benchmarkEngine(b *testing.B, rulesPath string) {
	path := benchdump.Path(b, benchdump.Scale(b, 40))
	src, inv := scanFile(b, path)
	defer src.Close()
	var entries []*dump.Entry
	var data [][]byte
	var size int64
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		rc, err := src.Open(context.Background(), e)
		if err != nil {
			b.Fatal(err)
		}
		p, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		entries, data = append(entries, e), append(data, p)
		size += int64(len(p))
	}
	shop, err := rules.Load(rulesPath)
	if err != nil {
		b.Fatal(err)
	}
	opts := &masking.Options{Secret: masking.NewSecret([]byte("bench")), EmailDomain: "example.com"}
	plan, err := shop.Plan(inv.Catalog, DataColumns(inv), opts)
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	for b.Loop() {
		eng := NewEngine(plan, inv.Catalog, 0)
		for i, e := range entries {
			tw := eng.Table(context.Background(), e, io.Discard)
			for p := data[i]; len(p) > 0; {
				n := bytes.IndexByte(p, '\n') + 1
				if n == 0 {
					n = len(p)
				}
				if _, err := tw.Write(p[:n]); err != nil {
					b.Fatal(err)
				}
				p = p[n:]
			}
			if err := tw.Close(); err != nil {
				b.Fatal(err)
			}
		}
		eng.Close()
	}
	gb := float64(size) * float64(b.N) / 1e9
	b.ReportMetric(float64(size)/1e6, "COPY-MB")
	b.ReportMetric((cpuTime()-start).Seconds()/gb, "CPU-s/GB")
}

// cpuTime is the CPU time the process has used, in user and system mode.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
