package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump/archive"
	"github.com/understudy-db/understudy/dump/dumptest"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// corpusRows are the row counts of the corpus README.
var corpusRows = map[string]map[string]int64{
	"pagila": {"actor": 200, "address": 603, "category": 16, "city": 600, "country": 109, "customer": 599, "film": 1000,
		"film_actor": 5462, "film_category": 2367, "inventory": 4581, "language": 6, "payment_p2022_01": 723,
		"payment_p2022_02": 2401, "payment_p2022_03": 2713, "payment_p2022_04": 2547, "payment_p2022_05": 2677,
		"payment_p2022_06": 2654, "payment_p2022_07": 2334, "rental": 16044, "staff": 1500, "store": 500},
	"chinook": {"album": 347, "artist": 275, "customer": 59, "employee": 8, "genre": 25, "invoice": 412,
		"invoice_line": 2240, "media_type": 5, "playlist": 18, "playlist_track": 8715, "track": 3503},
}

// corpusArchives are the corpus's pg15 and pg17 archives, by database.
var corpusArchives = []struct{ db, path string }{
	{"chinook", "chinook/pg15/chinook.Fc.gzip.dump"}, {"chinook", "chinook/pg15/chinook.Fc.none.dump"},
	{"chinook", "chinook/pg15/chinook.Ft.tar"}, {"chinook", "chinook/pg15/chinook.Fd"},
	{"chinook", "chinook/pg17/chinook.Fc.none.dump"}, {"chinook", "chinook/pg17/chinook.Fc.gzip.dump"},
	{"chinook", "chinook/pg17/chinook.Fc.lz4.dump"}, {"chinook", "chinook/pg17/chinook.Fc.zstd.dump"},
	{"chinook", "chinook/pg17/chinook.Ft.tar"}, {"chinook", "chinook/pg17/chinook.Fd.zstd"},
	{"pagila", "pagila/pg15/pagila.Fc.gzip.dump"}, {"pagila", "pagila/pg15/pagila.Ft.tar"}, {"pagila", "pagila/pg15/pagila.Fd"},
	{"pagila", "pagila/pg17/pagila.Fc.none.dump"}, {"pagila", "pagila/pg17/pagila.Fc.gzip.dump"},
	{"pagila", "pagila/pg17/pagila.Fc.lz4.dump"}, {"pagila", "pagila/pg17/pagila.Fc.zstd.dump"},
	{"pagila", "pagila/pg17/pagila.Ft.tar"}, {"pagila", "pagila/pg17/pagila.Fd.zstd"},
}

// inspect reports the corpus README's row counts for every archive.
func TestInspectArchivesCountsRows(t *testing.T) {
	for _, c := range corpusArchives {
		t.Run(c.path, func(t *testing.T) {
			r := run(t, nil, "", "inspect", "--json", "--in", corpus.Path(t, c.path))
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var rep inspectReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, tb := range rep.Tables {
				got[tb.Table] = tb.Rows
			}
			for table, want := range corpusRows[c.db] {
				if got[table] != want {
					t.Errorf("%s: %d rows, README says %d", table, got[table], want)
				}
			}
		})
	}
}

var restrictLine = regexp.MustCompile(`(?m)^\\(un)?restrict [A-Za-z0-9]+\n`)

// asPlain renders an archive as a plain script with the archive reader.
func asPlain(t *testing.T, path string) string {
	t.Helper()
	src, err := archive.Open(context.Background(), path, archive.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "rendered.sql")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	dumptest.Copy(t, src, plain.NewSink(fileOutput{f}))
	return out
}

type fileOutput struct{ *os.File }

func (f fileOutput) Commit() error       { return f.Close() }
func (f fileOutput) Fail(m []byte) error { return f.Close() }

// Archives anonymized into each format restore into PostgreSQL 15 with the
// README's row counts, every constraint built, and the values masked
// exactly as in the plain dump of the same database with the same secret.
func TestArchivesAnonymizeIntoEachFormat(t *testing.T) {
	pgRestore := pgtest.Bin(t, "pg_restore")
	for _, c := range []struct{ db, in, plain string }{
		{"pagila", "pagila/pg15/pagila.Fc.gzip.dump", "pagila/pg15/pagila.plain.sql"},
		{"chinook", "chinook/pg15/chinook.Ft.tar", "chinook/pg15/chinook.plain.sql"},
		{"chinook", "chinook/pg17/chinook.Fc.zstd.dump", "chinook/pg17/chinook.plain.sql"},
		{"pagila", "pagila/pg17/pagila.Fd.zstd", "pagila/pg17/pagila.plain.sql"},
	} {
		rules := "testdata/rules/" + c.db + ".yaml"
		wantPlain, err := os.ReadFile(anonymizeTo(t, secretEnv, rules, corpus.Path(t, c.plain)))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"plain", "custom", "directory"} {
			t.Run(c.in+"/"+format, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				r := run(t, secretEnv, "", "--quiet", "--rules", rules, "--in", corpus.Path(t, c.in), "--out", out, "--format", format)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				script := out
				if format != "plain" {
					script = asPlain(t, out)
				}
				got, _ := os.ReadFile(script)
				if !bytes.Equal(restrictLine.ReplaceAll(got, nil), restrictLine.ReplaceAll(wantPlain, nil)) {
					t.Errorf("masked output differs from the masked plain dump of the same database")
				}
				var urls []string
				if format == "plain" || strings.Contains(c.in, "/pg17/") {
					// pg_restore 15 reads archives up to 1.14; these, zstd
					// as their input, are 1.15 and loaded through their
					// rendering (TestPG17ArchivesRestoreWithPgRestore15
					// restores gzip ones).
					url := pgtest.NewDatabase(t)
					pgtest.Psql(t, url, withoutPG17Settings(t, script))
					urls = append(urls, url)
				} else {
					for _, args := range [][]string{{"--exit-on-error"}, {"-j", "4", "--exit-on-error"}} {
						url := pgtest.NewDatabase(t)
						if b, err := exec.Command(pgRestore, append(args, "-d", url, out)...).CombinedOutput(); err != nil {
							t.Fatalf("pg_restore %v: %v\n%s", args, err, b)
						}
						urls = append(urls, url)
					}
				}
				for _, url := range urls {
					counts := tableCounts(t, url)
					for table, want := range corpusRows[c.db] {
						if n := counts["public."+table]; n != want {
							t.Errorf("%s: %d rows restored, want %d", table, n, want)
						}
					}
					var invalid int
					pgtest.Connect(t, url).QueryRow(context.Background(), "SELECT count(*) FROM pg_constraint WHERE NOT convalidated").Scan(&invalid)
					if invalid != 0 {
						t.Errorf("%d constraints not valid", invalid)
					}
				}
			})
		}
	}
}

// A pg_dump 17 archive (version 1.16) holding nothing only 1.16 expresses
// is written at 1.14, so that pg_restore 15 — serial and with -j — restores
// every one of the corpus, anonymized with its rules, as custom and as
// directory archive (gzip or uncompressed: lz4 and zstd need 1.15, which
// pg_restore 16 reads), with the README's row counts and every constraint
// valid.
func TestPG17ArchivesRestoreWithPgRestore15(t *testing.T) {
	corpus.Dir(t)
	pgRestore := pgtest.Bin(t, "pg_restore")
	for _, c := range corpusArchives {
		if !strings.Contains(c.path, "/pg17/") {
			continue
		}
		for _, format := range []string{"custom", "directory"} {
			t.Run(c.path+"/"+format, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				args := []string{"--quiet", "--rules", "testdata/rules/" + c.db + ".yaml", "--in", corpus.Path(t, c.path), "--out", out, "--format", format}
				if strings.Contains(c.path, "lz4") || strings.Contains(c.path, "zstd") {
					args = append(args, "--compress", "gzip")
				}
				r := run(t, secretEnv, "", args...)
				if r.code != 0 || r.stderr != "" {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				head := out
				if format == "directory" {
					head = filepath.Join(out, "toc.dat")
				}
				if b, err := os.ReadFile(head); err != nil || len(b) < 8 || b[5] != 1 || b[6] != 14 {
					t.Fatalf("%s: header %q (%v), want archive version 1.14", head, b[:min(len(b), 8)], err)
				}
				for _, restore := range [][]string{{"--exit-on-error"}, {"-j", "4", "--exit-on-error"}} {
					url := pgtest.NewDatabase(t)
					if b, err := exec.Command(pgRestore, append(restore, "-d", url, out)...).CombinedOutput(); err != nil {
						t.Fatalf("pg_restore %v: %v\n%s", restore, err, b)
					}
					counts := tableCounts(t, url)
					for table, want := range corpusRows[c.db] {
						if n := counts["public."+table]; n != want {
							t.Errorf("pg_restore %v: %s: %d rows, want %d", restore, table, n, want)
						}
					}
					var invalid, constraints int
					pgtest.Connect(t, url).QueryRow(context.Background(),
						"SELECT count(*) FILTER (WHERE NOT convalidated), count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'").Scan(&invalid, &constraints)
					if invalid != 0 || constraints == 0 {
						t.Errorf("pg_restore %v: %d of %d constraints not valid", restore, invalid, constraints)
					}
				}
			})
		}
	}
}

// Large objects in an archive are refused in strict mode unless the rules
// say what to do with them; drop leaves them out, keep copies them.
func TestArchiveLargeObjects(t *testing.T) {
	url := pgtest.NewDatabase(t)
	conn := pgtest.Connect(t, url)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE doc (id int PRIMARY KEY, body oid)",
		"INSERT INTO doc VALUES (1, lo_from_bytea(0, 'a private note'::bytea))",
		"DO $$ BEGIN EXECUTE format('COMMENT ON LARGE OBJECT %s IS ''note''', (SELECT body FROM doc)); END $$",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "lo.dump")
	if b, err := exec.Command(pgtest.Bin(t, "pg_dump"), "-Fc", "-f", in, "-d", url).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, b)
	}
	rules := func(lo string) string {
		p := filepath.Join(t.TempDir(), "rules.yaml")
		os.WriteFile(p, []byte("version: 1\nstrict: true\n"+lo+"tables:\n  public.doc:\n    id: keep\n    body: keep\n"), 0o644)
		return p
	}
	out := filepath.Join(dir, "out.dump")
	r := run(t, secretEnv, "", "--quiet", "--rules", rules(""), "--in", in, "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, in+"#") || !strings.Contains(r.stderr, "large objects") {
		t.Fatalf("without a large_objects rule: exit %d, %s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused run left its output behind")
	}
	for _, c := range []struct {
		mode, format string
		want         int
	}{{"drop", "custom", 0}, {"keep", "custom", 1}, {"keep", "directory", 1}, {"drop", "plain", 0}, {"keep", "plain", 1}} {
		t.Run(c.mode+"/"+c.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := run(t, secretEnv, "", "--quiet", "--rules", rules("large_objects: "+c.mode+"\n"), "--in", in, "--out", out, "--format", c.format)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			target := pgtest.NewDatabase(t)
			if c.format == "plain" {
				pgtest.Psql(t, target, out)
			} else if b, err := exec.Command(pgtest.Bin(t, "pg_restore"), "--exit-on-error", "-d", target, out).CombinedOutput(); err != nil {
				t.Fatalf("pg_restore: %v\n%s", err, b)
			}
			var n int
			var body []byte
			tc := pgtest.Connect(t, target)
			tc.QueryRow(ctx, "SELECT count(*) FROM pg_largeobject_metadata").Scan(&n)
			if n != c.want {
				t.Fatalf("%d large objects restored, want %d", n, c.want)
			}
			if n == 1 {
				tc.QueryRow(ctx, "SELECT lo_get(body) FROM doc").Scan(&body)
				if string(body) != "a private note" {
					t.Fatalf("large object restored as %q", body)
				}
			}
		})
	}
}

// Truncated, corrupted and unsupported archives fail with the TOC entry or
// byte offset, exit 1, and leave no output behind.
func TestBrokenArchivesFail(t *testing.T) {
	orig, err := os.ReadFile(corpus.Path(t, "chinook/pg15/chinook.Fc.gzip.dump"))
	if err != nil {
		t.Fatal(err)
	}
	inTOC := bytes.Index(orig, []byte("CREATE TABLE public.album")) - 1 // the high byte of its length
	for _, c := range []struct {
		name  string
		bytes func() []byte
		want  *regexp.Regexp
	}{
		{"truncated", func() []byte { return orig[:len(orig)*2/3] }, regexp.MustCompile(`#\d+.*truncated archive`)},
		{"toc-flipped", func() []byte { b := bytes.Clone(orig); b[inTOC] ^= 0x40; return b }, regexp.MustCompile(`#\d+ \(byte \d+\)`)},
		{"data-flipped", func() []byte { b := bytes.Clone(orig); b[len(b)*3/4] ^= 0xff; return b }, regexp.MustCompile(`#\d+ \(byte \d+\)`)},
		{"version", func() []byte { b := bytes.Clone(orig); b[6] = 17; return b }, regexp.MustCompile(`\(byte 5\): unsupported archive: archive version 1\.17`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.dump")
			os.WriteFile(in, c.bytes(), 0o644)
			for _, format := range []string{"plain", "custom", "directory"} {
				out := filepath.Join(dir, "out-"+format)
				r := run(t, secretEnv, "", "--quiet", "--rules", "testdata/rules/chinook.yaml", "--in", in, "--out", out, "--format", format)
				if r.code != 1 || !c.want.MatchString(r.stderr) {
					t.Errorf("%s: exit %d, %q; want exit 1 and %v", format, r.code, r.stderr, c.want)
				}
				if _, err := os.Stat(out); err == nil {
					t.Errorf("%s: the failed run left %s behind", format, out)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d files in the output directory, want only the input", len(entries))
			}
		})
	}
}

// The shop fixture as custom and directory archives made by pg_dump
// anonymizes into each format and restores cleanly, and --target loads an
// archive straight into a new database.
func TestShopArchives(t *testing.T) {
	src := pgtest.NewDatabase(t)
	pgtest.Psql(t, src, fixture)
	want := tableCounts(t, src)
	dir := t.TempDir()
	for _, format := range []string{"c", "d"} {
		in := filepath.Join(dir, "shop."+format)
		if b, err := exec.Command(pgtest.Bin(t, "pg_dump"), "-F"+format, "-f", in, "-d", src).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, b)
		}
		check := func(t *testing.T, url string) {
			if got := tableCounts(t, url); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("row counts differ:\noriginal %v\nmasked   %v", want, got)
			}
		}
		for _, out := range []string{"plain", "custom", "directory"} {
			t.Run(format+"/"+out, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "out")
				if r := run(t, secretEnv, "", "--quiet", "--rules", shopRules, "--in", in, "--out", path, "--format", out); r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				url := pgtest.NewDatabase(t)
				if out == "plain" {
					pgtest.Psql(t, url, path)
				} else if b, err := exec.Command(pgtest.Bin(t, "pg_restore"), "-j", "2", "--exit-on-error", "-d", url, path).CombinedOutput(); err != nil {
					t.Fatalf("pg_restore: %v\n%s", err, b)
				}
				check(t, url)
			})
		}
		t.Run(format+"/target", func(t *testing.T) {
			target := pgtest.NewDatabase(t)
			if r := run(t, secretEnv, "", "--quiet", "--rules", shopRules, "--in", in, "--target", target, "--clean", "-j", "2"); r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			check(t, target)
		})
	}
}

// An archive made from a hand-written plain dump restores with pg_restore,
// serial and -j: northwind sets no search_path (its names resolve in the
// database's default one) and heads its foreign keys "Type: Constraint",
// yet every foreign key waits for every key and index. Its INSERTs are
// stored as COPY rows holding the plain output's values.
func TestHandWrittenPlainToArchive(t *testing.T) {
	pgRestore := pgtest.Bin(t, "pg_restore")
	in := corpus.Path(t, "northwind/northwind.sql")
	plain := filepath.Join(t.TempDir(), "out.sql")
	if r := run(t, secretEnv, "", "--quiet", "--rules", "testdata/rules/northwind.yaml", "--in", in, "--out", plain); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	ref := pgtest.NewDatabase(t)
	pgtest.Psql(t, ref, plain)
	want := tableDigests(t, ref)
	for _, format := range []string{"custom", "directory"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if r := run(t, secretEnv, "", "--quiet", "--rules", "testdata/rules/northwind.yaml", "--in", in, "--out", out, "--format", format); r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			foreignKeysWait(t, pgRestore, out)
			for _, args := range [][]string{{"--exit-on-error"}, {"-j", "4", "--exit-on-error"}} {
				url := pgtest.NewDatabase(t)
				if b, err := exec.Command(pgRestore, append(args, "-d", url, out)...).CombinedOutput(); err != nil {
					t.Fatalf("pg_restore %v: %v\n%s", args, err, b)
				}
				if got := tableDigests(t, url); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("pg_restore %v: rows differ from the plain output's:\n%v\n%v", args, got, want)
				}
			}
		})
	}
}

// foreignKeysWait checks, in pg_restore's listing of the archive at path,
// that every foreign key depends (through one entry) on every key and index.
func foreignKeysWait(t *testing.T, pgRestore, path string) {
	t.Helper()
	list, err := exec.Command(pgRestore, "-l", "-v", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	desc, deps := map[string]string{}, map[string][]string{}
	var last string
	for _, line := range strings.Split(string(list), "\n") {
		if d, ok := strings.CutPrefix(line, ";\tdepends on:"); ok {
			deps[last] = strings.Fields(d)
			continue
		}
		if f := strings.Fields(line); len(f) > 3 && strings.HasSuffix(f[0], ";") {
			last = strings.TrimSuffix(f[0], ";")
			rest := strings.Join(f[3:], " ")
			for _, d := range []string{"FK CONSTRAINT", "CONSTRAINT", "INDEX"} {
				if strings.HasPrefix(rest, d+" ") {
					desc[last] = d
					break
				}
			}
		}
	}
	fks := 0
	for id, d := range desc {
		if d != "FK CONSTRAINT" {
			continue
		}
		fks++
		waits := map[string]bool{}
		for _, dep := range deps[id] {
			for _, dd := range deps[dep] {
				waits[dd] = true
			}
		}
		for k, kd := range desc {
			if (kd == "CONSTRAINT" || kd == "INDEX") && !waits[k] {
				t.Errorf("foreign key %s does not wait for %s %s", id, kd, k)
			}
		}
	}
	if fks != 13 {
		t.Errorf("%d foreign keys, want northwind's 13\n%s", fks, list)
	}
}
