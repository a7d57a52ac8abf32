package archive

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump/dumptest"
	"github.com/understudy-db/understudy/internal/corpus"
)

// An archive is written at the oldest version that holds its entries and
// compression: a 1.16 one at 1.14 (1.15 for lz4 and zstd) unless it holds
// large objects or a partitioned table's access method; older ones as
// they are.
func TestWriteVersion(t *testing.T) {
	table := &tocEntry{desc: some("TABLE"), tag: some("t"), namespace: some("public"), tableam: some("heap"), relkind: 'r'}
	partitioned := &tocEntry{desc: some("TABLE"), tag: some("p"), namespace: some("public"), relkind: 'p'}
	partitionedAM := &tocEntry{desc: some("TABLE"), tag: some("p"), namespace: some("public"), tableam: some("heap"), relkind: 'p', dumpID: 7}
	blobMeta := &tocEntry{desc: some("BLOB METADATA"), tag: some("16384..16385"), dumpID: 9}
	for _, c := range []struct {
		in   Version
		alg  Algorithm
		toc  []*tocEntry
		want Version
		why  string
	}{
		{V1_12, None, []*tocEntry{table}, V1_12, ""},
		{V1_13, Gzip, []*tocEntry{table}, V1_13, ""},
		{V1_14, Gzip, []*tocEntry{table}, V1_14, ""},
		{V1_14, LZ4, []*tocEntry{table}, V1_15, ""},
		{V1_15, Gzip, []*tocEntry{table}, V1_15, ""},
		{V1_16, None, []*tocEntry{table, partitioned}, V1_14, ""},
		{V1_16 | 2, Gzip, []*tocEntry{table}, V1_14, ""},
		{V1_16, Zstd, []*tocEntry{table}, V1_15, ""},
		{V1_16, LZ4, []*tocEntry{table}, V1_15, ""},
		{V1_16, Gzip, []*tocEntry{table, blobMeta}, V1_16, "BLOB METADATA entry #9"},
		{V1_16, None, []*tocEntry{partitionedAM}, V1_16, "access method heap of partitioned table public.p (entry #7)"},
	} {
		v, why := writeVersion(c.in, c.alg, c.toc)
		if v != c.want || (c.why == "") != (why == "") || !strings.Contains(why, c.why) {
			t.Errorf("writeVersion(%s, %s): %s %q, want %s %q", c.in, c.alg, v, why, c.want, c.why)
		}
	}
}

// A pg_dump 17 archive whose partitioned table has an access method keeps
// version 1.16, and the sink says why.
func TestSinkWarnsWhenKeepingV116(t *testing.T) {
	src, err := Open(context.Background(), corpus.Path(t, "pagila/pg17/pagila.Fc.gzip.dump"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, te := range src.toc {
		if te.relkind == 'p' {
			te.tableam = some("heap")
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	var warnings []string
	sink, err := NewSink(nil, out, SinkOptions{Format: Directory, Compression: Compression{Algorithm: Gzip},
		Warn: func(w string) { warnings = append(warnings, w) }})
	if err != nil {
		t.Fatal(err)
	}
	dumptest.Copy(t, src, sink)
	b, err := os.ReadFile(filepath.Join(out, "toc.dat"))
	if err != nil || b[5] != 1 || b[6] != 16 {
		t.Fatalf("toc.dat header %q (%v), want version 1.16", b[:8], err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "pg_restore 17") || !strings.Contains(warnings[0], "partitioned table public.payment") {
		t.Fatalf("warnings %q", warnings)
	}
}
