package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/schema"
)

func randomHex(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// TestSourceMatchesPgDump compares the live source with the plain source
// reading the same database's own pg_dump output: schema, entries, row
// counts, and every table's COPY bytes (read both ways, and in ctid
// ranges).
func TestSourceMatchesPgDump(t *testing.T) {
	dbs := append([]testDB{shop, edge, latin1}, corpusDBs...)
	for _, db := range dbs {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			u := load(t, db)
			want, blocks := plainInventory(t, dumpFile(t, u, "--encoding=UTF8"))
			ctx := context.Background()
			src, err := Open(ctx, u, SourceOptions{Jobs: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got, err := src.Inventory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			compareInventories(t, got, want)

			for _, e := range got.Entries {
				if e.Desc != dump.TableData {
					continue
				}
				r, err := src.Open(ctx, e)
				if err != nil {
					t.Fatal(err)
				}
				var viaWriteTo bytes.Buffer
				if _, err := io.Copy(&viaWriteTo, r); err != nil {
					t.Fatalf("%s: %v", e.Pos, err)
				}
				r.Close()
				if !bytes.Equal(viaWriteTo.Bytes(), blocks[e.Table]) {
					t.Errorf("%s: COPY bytes differ from pg_dump's (%d vs %d bytes)", e.Table, viaWriteTo.Len(), len(blocks[e.Table]))
				}
				r, err = src.Open(ctx, e)
				if err != nil {
					t.Fatal(err)
				}
				viaRead, err := io.ReadAll(onlyReader{r})
				r.Close()
				if err != nil || !bytes.Equal(viaRead, blocks[e.Table]) {
					t.Errorf("%s: COPY bytes through Read differ (%v)", e.Table, err)
				}
			}
		})
	}
}

// onlyReader hides WriterTo.
type onlyReader struct{ io.Reader }

// compareInventories checks what a live inventory must share with the plain
// inventory of pg_dump's own script.
func compareInventories(t *testing.T, got, want *dump.Inventory) {
	t.Helper()
	if !reflect.DeepEqual(got.Catalog, want.Catalog) {
		for _, tb := range want.Catalog.Tables {
			if g := got.Catalog.Table(tb.Name); !reflect.DeepEqual(g, tb) {
				t.Errorf("catalog table %s:\n got %+v\nwant %+v", tb.Name, g, tb)
			}
		}
		if len(got.Catalog.Tables) != len(want.Catalog.Tables) {
			t.Errorf("catalog has %d tables, want %d", len(got.Catalog.Tables), len(want.Catalog.Tables))
		}
		t.Error("catalogs differ")
	}
	type item struct {
		section dump.Section
		desc    string
		table   schema.QName
		columns []string
		defn    string
	}
	items := func(inv *dump.Inventory) []item {
		var out []item
		for _, e := range inv.Entries {
			if e.Desc == "" || e.Desc == metaDesc { // headers and \restrict: one set per script
				continue
			}
			it := item{section: e.Section, desc: e.Desc, table: e.Table, columns: e.Columns}
			if e.Desc != dump.TableData {
				// Blank lines between entries go with the one after them,
				// and where the post-data script starts differs.
				it.defn = strings.TrimLeft(string(e.Defn), "\n")
			}
			out = append(out, it)
		}
		return out
	}
	g, w := items(got), items(want)
	for i := range max(len(g), len(w)) {
		if i >= len(g) || i >= len(w) || !reflect.DeepEqual(g[i], w[i]) {
			var gi, wi any = "none", "none"
			if i < len(g) {
				gi = g[i]
			}
			if i < len(w) {
				wi = w[i]
			}
			t.Fatalf("entry %d:\n got %+v\nwant %+v", i, gi, wi)
		}
	}
	if !reflect.DeepEqual(got.Rows, want.Rows) {
		t.Errorf("rows:\n got %v\nwant %v", got.Rows, want.Rows)
	}
	for i, e := range got.Entries {
		if e.ID != i+1 {
			t.Errorf("entry %d has ID %d", i, e.ID)
		}
	}
	if got.DumpedFrom != want.DumpedFrom || got.DumpedBy != want.DumpedBy {
		t.Errorf("versions %q/%q, want %q/%q", got.DumpedFrom, got.DumpedBy, want.DumpedFrom, want.DumpedBy)
	}
	if len(got.Writes) != 0 || got.Opaque != nil || got.LargeObjects != 0 {
		t.Errorf("refusals: %v %v %d", got.Writes, got.Opaque, got.LargeObjects)
	}
}

// TestSplit reads a table in ctid ranges: the ranges, in order, give the
// bytes of one COPY.
func TestSplit(t *testing.T) {
	u := load(t, edge)
	_, blocks := plainInventory(t, dumpFile(t, u))
	ctx := context.Background()
	src, err := Open(ctx, u, SourceOptions{Jobs: 3, SplitBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	big := schema.QName{Schema: "public", Name: "big"}
	var got []byte
	parts := 0
	var rows int64
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData || e.Table != big {
			continue
		}
		parts++
		rows += e.Rows
		r, err := src.Open(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	if parts < 3 || !bytes.Equal(got, blocks[big]) || inv.Rows[big] != rows || rows < 19000 || rows > 20000 {
		t.Fatalf("%d parts, %d bytes of %d, rows %d (inventory %d)", parts, len(got), len(blocks[big]), rows, inv.Rows[big])
	}
}

// TestSourceReadOnly: no session of a source can write, not even after
// ending its snapshot's transaction.
func TestSourceReadOnly(t *testing.T) {
	u := load(t, shop)
	ctx := context.Background()
	src, err := Open(ctx, u, SourceOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := src.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer src.release(w, false)
	for name, conn := range map[string]*pgx.Conn{"main": src.main, "worker": w} {
		for _, sql := range []string{"CREATE TABLE intruder (id int)", "INSERT INTO public.users (id) VALUES (-1)",
			"SELECT nextval('public.users_id_seq')", "COMMIT; CREATE TABLE intruder (id int)"} {
			if _, err := conn.Exec(ctx, "SAVEPOINT probe"); err != nil {
				t.Fatal(err)
			}
			_, err := conn.Exec(ctx, sql)
			if sqlState(err) != "25006" { // read_only_sql_transaction
				t.Errorf("%s: %q: %v", name, sql, err)
			}
			conn.Exec(ctx, "ROLLBACK TO SAVEPOINT probe")
		}
	}
	check := pgtest.Connect(t, u)
	var n int
	if err := check.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = 'intruder'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("intruder tables: %d %v", n, err)
	}
}

// TestPgDumpTooOld: a pg_dump older than the server is refused with the
// version needed and where it looked.
func TestPgDumpTooOld(t *testing.T) {
	u := load(t, testDB{name: "empty"})
	fake := filepath.Join(t.TempDir(), "pg_dump")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := Open(ctx, u, SourceOptions{PgDump: fake})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, err = src.Inventory(ctx)
	var pe *PgDumpError
	if !errors.As(err, &pe) || pe.Need != src.version/10000 || len(pe.Found) != 1 {
		t.Fatalf("%v", err)
	}
	t.Log(err)
}

// TestStandbySource reads a hot standby: it shares its primary's system
// identifier (so the primary's database is refused as a target), its
// inventory matches pg_dump's of the standby (which leaves out unlogged
// tables' rows there too), and its copy equals the primary's database.
func TestStandbySource(t *testing.T) {
	u, e := load(t, shop), load(t, edge)
	standby := pgtest.Standby(t)
	ctx := context.Background()

	se := withDatabase(t, standby, dbName(t, e))
	want, _ := plainInventory(t, dumpFile(t, se))
	src, err := Open(ctx, se, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Inventory(ctx)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	compareInventories(t, got, want)
	if _, ok := got.Rows[schema.QName{Schema: "public", Name: "scratch"}]; ok {
		t.Error("an unlogged table's rows on a standby")
	}

	src, err = Open(ctx, withDatabase(t, standby, dbName(t, u)), SourceOptions{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !src.standby {
		t.Fatal("not a standby")
	}
	primary, err := Open(ctx, u, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := primary.Identity()
	primary.Close()
	id := src.Identity()
	if id.SystemID != pid.SystemID || id.DatabaseOID != pid.DatabaseOID || id.Started.Equal(pid.Started) {
		t.Fatalf("standby %+v, primary %+v", id, pid)
	}
	if _, err := Create(ctx, u, SinkOptions{Source: &id, Clean: true}); !errors.As(err, new(*SameDatabaseError)) {
		t.Fatalf("the primary as target: %v", err)
	}
	target := withDatabase(t, u, newName(t))
	sink, err := Create(ctx, target, SinkOptions{Jobs: 2, Source: &id})
	if err != nil {
		t.Fatal(err)
	}
	copyAll(t, ctx, src, sink)
	sameDump(t, u, target)
}

// TestNoOwner: NoOwner and NoPrivileges give pg_dump --no-owner
// --no-privileges, down to the owner in SEQUENCE SET comments.
func TestNoOwner(t *testing.T) {
	u := load(t, shop)
	want, _ := plainInventory(t, dumpFile(t, u, "--encoding=UTF8", "--no-owner", "--no-privileges"))
	ctx := context.Background()
	src, err := Open(ctx, u, SourceOptions{NoOwner: true, NoPrivileges: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := src.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	compareInventories(t, got, want)
	for _, e := range got.Entries {
		if bytes.Contains(e.Defn, []byte("OWNER TO")) || bytes.Contains(e.Defn, []byte("Owner: postgres")) || e.Desc == "ACL" {
			t.Fatalf("%s: %s", e.Pos, e.Defn)
		}
	}
}
