package dumptest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/corpus"
)

// fileOut is a plain.Output writing a file.
type fileOut struct{ *os.File }

func (f fileOut) Commit() error            { return f.Close() }
func (f fileOut) Fail(marker []byte) error { return f.Close() }

// The plain Source and Sink pass the suite on the fixture and the corpus.
func TestPlainConforms(t *testing.T) {
	files := []string{filepath.Join("..", "..", "testdata", "fixtures", "shop.sql")}
	for _, rel := range []string{"chinook/pg15/chinook.plain.sql", "pagila/pg17/pagila.plain.sql", "netflix/netflix.sql", "nxs/pg16_3.jsonb-xml.crlf.plain.sql"} {
		files = append(files, corpus.Path(t, rel))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src := OpenPlain(t, path)
			defer src.Close()
			SourceEqualsPlain(t, src, path)

			out := filepath.Join(t.TempDir(), "out.sql")
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			SinkRoundTrip(t, path, plain.NewSink(fileOut{f}), func(t testing.TB) dump.Source { return OpenPlain(t, out) })
			in, _ := os.ReadFile(path)
			got, _ := os.ReadFile(out)
			if !bytes.Equal(in, got) {
				t.Errorf("plain → plain is not byte-identical (%d vs %d bytes)", len(got), len(in))
			}
		})
	}
}
