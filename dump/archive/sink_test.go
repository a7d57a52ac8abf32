package archive_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/archive"
	"github.com/understudy-db/understudy/dump/dumptest"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// newSink returns a sink writing an archive of format at path.
func newSink(t testing.TB, path string, format archive.Format, c archive.Algorithm) *archive.Sink {
	t.Helper()
	var out archive.Output
	if format == archive.Custom {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		out = fileOut{f}
	}
	s, err := archive.NewSink(out, path, archive.SinkOptions{Format: format, Compression: archive.Compression{Algorithm: c}, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var algorithms = []archive.Algorithm{archive.None, archive.Gzip, archive.LZ4, archive.Zstd}

// A plain dump written as an archive reads back as the same database.
func TestSinkRoundTrip(t *testing.T) {
	ref := corpus.Path(t, "pagila/pg15/pagila.plain.sql")
	for _, format := range []archive.Format{archive.Custom, archive.Directory} {
		for _, c := range algorithms {
			t.Run(fmt.Sprint(format, "/", c), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "out")
				dumptest.SinkRoundTrip(t, ref, newSink(t, path, format, c), func(t testing.TB) dump.Source { return open(t, path) })
			})
		}
	}
}

// An archive copied to an archive of either format, in every compression,
// reads back as the same database.
func TestArchiveToArchive(t *testing.T) {
	for _, c := range corpusArchives {
		if c.plain == "" && filepath.Ext(c.path) != ".dump" {
			continue
		}
		t.Run(c.path, func(t *testing.T) {
			path := corpus.Path(t, c.path)
			ref := reference(t, path, c.plain)
			for _, format := range []archive.Format{archive.Custom, archive.Directory} {
				for _, alg := range algorithms {
					out := filepath.Join(t.TempDir(), "out")
					src := open(t, path)
					dumptest.Copy(t, src, newSink(t, out, format, alg))
					src.Close()
					back := open(t, out)
					dumptest.SourceEqualsPlain(t, back, ref)
					back.Close()
				}
			}
		})
	}
}

// pg_restore, serial and with -j, loads the archives the sink writes.
func TestPgRestoreLoadsWrittenArchives(t *testing.T) {
	pgRestore := pgtest.Bin(t, "pg_restore")
	for _, c := range []struct {
		in     string
		format archive.Format
		alg    archive.Algorithm
	}{
		{"pagila/pg15/pagila.Fc.gzip.dump", archive.Custom, archive.Gzip},
		{"pagila/pg15/pagila.Fc.gzip.dump", archive.Directory, archive.Gzip},
		{"pagila/pg15/pagila.Ft.tar", archive.Custom, archive.None},
		{"pagila/pg15/pagila.plain.sql", archive.Custom, archive.Gzip},
		{"pagila/pg15/pagila.plain.sql", archive.Directory, archive.None},
	} {
		t.Run(fmt.Sprint(c.in, "/", c.format, "/", c.alg), func(t *testing.T) {
			in := corpus.Path(t, c.in)
			var src dump.Source
			if filepath.Ext(in) == ".sql" {
				src = dumptest.OpenPlain(t, in)
			} else {
				src = open(t, in)
			}
			defer src.Close()
			out := filepath.Join(t.TempDir(), "out")
			dumptest.Copy(t, src, newSink(t, out, c.format, c.alg))
			for _, args := range [][]string{{"--exit-on-error"}, {"-j", "2", "--exit-on-error"}} {
				url := pgtest.NewDatabase(t)
				cmd := exec.Command(pgRestore, append(args, "-d", url, out)...)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("pg_restore %v: %v\n%s", args, err, b)
				}
				var n int64
				if err := pgtest.Connect(t, url).QueryRow(context.Background(), "SELECT count(*) FROM public.rental").Scan(&n); err != nil || n != 16044 {
					t.Fatalf("pg_restore %v: rental holds %d rows (%v), want 16044", args, n, err)
				}
			}
		})
	}
}
