package archive_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/understudy-db/understudy/dump/archive"
	"github.com/understudy-db/understudy/dump/dumptest"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// corpusArchives are the corpus's archives, each with the plain dump of
// the same database made by the same pg_dump ("" when pg_restore -f of the
// archive is the reference).
var corpusArchives = []struct{ path, plain string }{
	{"chinook/pg15/chinook.Fc.gzip.dump", ""},
	{"chinook/pg15/chinook.Fc.none.dump", ""},
	{"pagila/pg15/pagila.Fc.gzip.dump", ""},
	{"pgarchive/pg14_6.Fc.dump", ""},
	{"chinook/pg17/chinook.Fc.none.dump", "chinook/pg17/chinook.plain.sql"},
	{"chinook/pg17/chinook.Fc.gzip.dump", "chinook/pg17/chinook.plain.sql"},
	{"chinook/pg17/chinook.Fc.lz4.dump", "chinook/pg17/chinook.plain.sql"},
	{"chinook/pg17/chinook.Fc.zstd.dump", "chinook/pg17/chinook.plain.sql"},
	{"pagila/pg17/pagila.Fc.none.dump", "pagila/pg17/pagila.plain.sql"},
	{"pagila/pg17/pagila.Fc.gzip.dump", "pagila/pg17/pagila.plain.sql"},
	{"pagila/pg17/pagila.Fc.lz4.dump", "pagila/pg17/pagila.plain.sql"},
	{"pagila/pg17/pagila.Fc.zstd.dump", "pagila/pg17/pagila.plain.sql"},
	{"chinook/pg15/chinook.Fd", ""},
	{"chinook/pg15/chinook.Ft.tar", ""},
	{"pagila/pg15/pagila.Fd", ""},
	{"pagila/pg15/pagila.Ft.tar", ""},
	{"chinook/pg17/chinook.Fd.zstd", "chinook/pg17/chinook.plain.sql"},
	{"chinook/pg17/chinook.Ft.tar", "chinook/pg17/chinook.plain.sql"},
	{"pagila/pg17/pagila.Fd.zstd", "pagila/pg17/pagila.plain.sql"},
	{"pagila/pg17/pagila.Ft.tar", "pagila/pg17/pagila.plain.sql"},
}

// reference returns the plain script an archive must read as: pg_restore
// -f of it, or the plain dump of the same database.
func reference(t *testing.T, path, plainRel string) string {
	t.Helper()
	if plainRel != "" {
		return corpus.Path(t, plainRel)
	}
	out := filepath.Join(t.TempDir(), "restored.sql")
	if b, err := exec.Command(pgtest.Bin(t, "pg_restore"), "-f", out, path).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	return out
}

func open(t testing.TB, path string) *archive.Source {
	t.Helper()
	src, err := archive.Open(context.Background(), path, archive.Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// fileOut is a plain.Output writing a file.
type fileOut struct{ *os.File }

func (f fileOut) Commit() error            { return f.Close() }
func (f fileOut) Fail(marker []byte) error { return f.Close() }

// restrictLine is psql's \restrict and \unrestrict, whose key is random.
var restrictLine = regexp.MustCompile(`(?m)^\\(un)?restrict [A-Za-z0-9]+$`)

// Every corpus archive reads as the plain dump of the same database, and
// copied to a plain sink gives what pg_restore -f prints, byte for byte
// (but for the random \restrict key).
func TestCorpusArchivesEqualPlain(t *testing.T) {
	for _, c := range corpusArchives {
		t.Run(c.path, func(t *testing.T) {
			path := corpus.Path(t, c.path)
			ref := reference(t, path, c.plain)
			src := open(t, path)
			defer src.Close()
			dumptest.SourceEqualsPlain(t, src, ref)

			out := filepath.Join(t.TempDir(), "out.sql")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			src2 := open(t, path)
			defer src2.Close()
			dumptest.Copy(t, src2, plain.NewSink(fileOut{f}))
			got, _ := os.ReadFile(out)
			want, _ := os.ReadFile(ref)
			got, want = restrictLine.ReplaceAll(got, nil), restrictLine.ReplaceAll(want, nil)
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Errorf("plain output differs from the reference at byte %d:\n got: %q\nwant: %q", i,
					got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
			}
		})
	}
}

// pgDump runs pg_dump on url with args, its output going to out through a
// pipe (so a custom archive's data offsets stay unset) when piped.
func pgDump(t *testing.T, url, out string, piped bool, args ...string) {
	t.Helper()
	cmd := exec.Command(pgtest.Bin(t, "pg_dump"), append(args, "-d", url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if !piped {
		cmd.Args = append(cmd.Args, "-f", out)
		if err := cmd.Run(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
		}
		return
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, pipe); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
}

// fixtureDB loads the shop fixture into a fresh database and returns its
// URL and its plain dump.
func fixtureDB(t *testing.T) (string, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	pgtest.Psql(t, url, filepath.Join("..", "..", "testdata", "fixtures", "shop.sql"))
	ref := filepath.Join(t.TempDir(), "shop.sql")
	pgDump(t, url, ref, false)
	return url, ref
}

// Archives pg_dump writes today read as its plain dump: custom ones
// written to a file and to a pipe (no data offsets), compressed or not.
func TestPgDumpArchivesEqualPlain(t *testing.T) {
	url, ref := fixtureDB(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		piped bool
		args  []string
	}{
		{"custom.dump", false, []string{"-Fc"}},
		{"piped.dump", true, []string{"-Fc"}},
		{"piped-none.dump", true, []string{"-Fc", "-Z0"}},
		{"directory", false, []string{"-Fd", "-j2"}},
		{"directory-none", false, []string{"-Fd", "-Z0"}},
		{"tar", false, []string{"-Ft"}},
		{"piped.tar", true, []string{"-Ft"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			pgDump(t, url, path, c.piped, c.args...)
			src := open(t, path)
			defer src.Close()
			dumptest.SourceEqualsPlain(t, src, ref)
		})
	}
}
