// Package corpus locates the shared dump corpus (../shared/corpus beside the
// repository) for tests. The files are read in place, never copied.
package corpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the corpus directory. Tests skip when it is absent, except
// under CI, which always has it.
func Dir(t testing.TB) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared corpus not found at %s", dir)
		}
		t.Skipf("shared corpus not found at %s (it sits beside the repository)", dir)
	}
	return dir
}

// Path returns the path of a corpus file given relative to the corpus root.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}

// PlainDumps lists the plain-format SQL dumps of the corpus.
var PlainDumps = []string{
	"chinook/pg15/chinook.plain.sql",
	"chinook/pg17/chinook.plain.sql",
	"chinook/neon-chinook.pg15_2.plain.sql",
	"pagila/original/pagila-schema.sql",
	"pagila/original/pagila-data.sql",
	"pagila/pg15/pagila.plain.sql",
	"pagila/pg15/pagila.inserts.sql",
	"pagila/pg17/pagila.plain.sql",
	"northwind/northwind.sql",
	"netflix/netflix.sql",
	"nxs/pg16_3.jsonb-xml.plain.sql",
	"nxs/pg16_3.jsonb-xml.crlf.plain.sql",
}
