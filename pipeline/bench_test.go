package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/understudy-db/understudy/internal/benchdump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/plaindump"
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
	inv := scanFile(b, path)
	shop, err := rules.Load(rulesPath)
	if err != nil {
		b.Fatal(err)
	}
	opts := &masking.Options{Secret: masking.NewSecret([]byte("bench")), EmailDomain: "example.com"}
	masked, err := shop.Plan(inv.Catalog, inv.Columns, opts)
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
	pass, err := kf.Plan(inv.Catalog, inv.Columns, opts)
	if err != nil {
		b.Fatal(err)
	}
	var passTime, maskTime time.Duration
	var cells int64
	for b.Loop() {
		start := time.Now()
		maskFile(b, path, pass, inv)
		passTime += time.Since(start)
		start = time.Now()
		cells = maskFile(b, path, masked, inv).MaskedCells
		maskTime += time.Since(start)
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

func scanFile(tb testing.TB, path string) *Inventory {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := plaindump.NewReader(f, path)
	if err != nil {
		tb.Fatal(err)
	}
	inv, err := Scan(context.Background(), r)
	if err != nil {
		tb.Fatal(err)
	}
	return inv
}

func maskFile(tb testing.TB, path string, plan *rules.Plan, inv *Inventory) *Stats {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := plaindump.NewReader(f, path)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := Mask(context.Background(), r, plaindump.NewWriter(io.Discard), plan, inv.Catalog, MaskOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}
