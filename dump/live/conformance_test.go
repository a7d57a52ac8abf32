package live

import (
	"context"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/dumptest"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
)

// The dump model's conformance suite (dump/dumptest) on the live ends: the
// Source reads a database exactly as the plain dump pg_dump writes of it,
// and the Sink takes a plain dump in and gives the same database back,
// read with the Source.

// TestSourceConforms: the live Source of a database equals pg_dump's plain
// dump of it, read whole and in ctid ranges (whose entries, in order, must
// give each table's bytes).
func TestSourceConforms(t *testing.T) {
	for _, db := range []testDB{shop, corpusDBs[0]} { // shop, pagila
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			u := load(t, db)
			file := dumpFile(t, u)
			for _, opts := range []SourceOptions{{Jobs: 2}, {Jobs: 2, SplitBytes: 64 << 10}} {
				src, err := Open(context.Background(), u, opts)
				if err != nil {
					t.Fatal(err)
				}
				dumptest.SourceEqualsPlain(t, src, file)
				if opts.SplitBytes > 0 && !split(t, src) {
					t.Errorf("no table of %s was read in ranges: the split is not tested", db.name)
				}
				src.Close()
			}
		})
	}
}

// split reports whether some table of src has several data entries.
func split(t *testing.T, src *Source) bool {
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData {
			if seen[e.Table.String()] {
				return true
			}
			seen[e.Table.String()] = true
		}
	}
	return false
}

// newSink creates a live sink on a new database of the test server.
func newSink(t *testing.T) (*Sink, string) {
	t.Helper()
	target := withDatabase(t, pgtest.AdminURL(t), newName(t))
	sink, err := Create(context.Background(), target, SinkOptions{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Abort(context.Background()) }) // a no-op once committed
	return sink, target
}

// readBack opens the database at u as a live Source.
func readBack(u string) func(testing.TB) dump.Source {
	return func(t testing.TB) dump.Source {
		src, err := Open(context.Background(), u, SourceOptions{Jobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
}

// TestSinkConforms: plain dumps loaded through the live Sink read back, with
// the live Source, as the same database: COPY dumps (the fixture, pagila),
// dumps of INSERT statements (pg_dump --inserts, and a hand-written one),
// compared with the COPY dump of the same database, and a dump with large
// objects, whose contents pg_dump then writes as it did for the original.
func TestSinkConforms(t *testing.T) {
	t.Run("copy", func(t *testing.T) {
		for _, f := range []struct{ name, path string }{
			{"shop", shop.files[0]},
			{"pagila", corpus.Path(t, "pagila/pg15/pagila.plain.sql")},
		} {
			t.Run(f.name, func(t *testing.T) {
				t.Parallel()
				sink, target := newSink(t)
				dumptest.SinkRoundTrip(t, f.path, sink, readBack(target))
			})
		}
	})

	t.Run("inserts", func(t *testing.T) {
		t.Run("pagila", func(t *testing.T) {
			t.Parallel()
			// pg_dump --inserts --rows-per-insert=100 of the database
			// pagila.plain.sql holds.
			sink, target := newSink(t)
			dumptest.Copy(t, dumptest.OpenPlain(t, corpus.Path(t, "pagila/pg15/pagila.inserts.sql")), sink)
			assertEntries(t, corpus.Path(t, "pagila/pg15/pagila.inserts.sql"), dump.TableData, dump.SQL)
			dumptest.SourceEqualsPlain(t, readBack(target)(t), corpus.Path(t, "pagila/pg15/pagila.plain.sql"))
		})
		t.Run("northwind", func(t *testing.T) {
			t.Parallel()
			// One INSERT per row, written by hand: the reference is pg_dump
			// of what psql made of it.
			ref := dumpFile(t, load(t, testDB{name: "northwind", files: []string{"northwind/northwind.sql"}}))
			sink, target := newSink(t)
			path := corpus.Path(t, "northwind/northwind.sql")
			dumptest.Copy(t, dumptest.OpenPlain(t, path), sink)
			assertEntries(t, path, dump.TableData, dump.SQL)
			dumptest.SourceEqualsPlain(t, readBack(target)(t), ref)
		})
	})

	t.Run("large objects", func(t *testing.T) {
		t.Parallel()
		// Small, empty, commented, granted, and one whose lowrite
		// statements span several of exec's batches.
		u := load(t, testDB{name: "blobs", sql: `
CREATE TABLE docs (id int PRIMARY KEY, body oid);
INSERT INTO docs SELECT g, lo_from_bytea(0, convert_to(repeat('blob ' || g || E'\n', 500 * g), 'UTF8')) FROM generate_series(1, 4) g;
INSERT INTO docs VALUES (5, lo_create(0));
INSERT INTO docs SELECT 6, lo_from_bytea(0, decode(string_agg(md5(g::text), ''), 'hex')) FROM generate_series(1, 200000) g;
DO $$
DECLARE o oid;
BEGIN
	SELECT body INTO o FROM docs WHERE id = 1;
	EXECUTE format('COMMENT ON LARGE OBJECT %s IS %L', o, 'the first');
	EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO PUBLIC', o);
END $$;
`})
		file := dumpFile(t, u)
		assertEntries(t, file, dump.Blobs, dump.SQL)
		sink, target := newSink(t)
		dumptest.SinkRoundTrip(t, file, sink, readBack(target))
		// The live Source does not read large objects: pg_dump compares
		// them (contents, owners, comments, grants), with everything else.
		sameDump(t, u, target)
	})
}

// assertEntries fails the test unless the plain dump at path has an entry
// of kind desc in format: the case tests what it means to.
func assertEntries(t *testing.T, path, desc string, format dump.Format) {
	t.Helper()
	src := dumptest.OpenPlain(t, path)
	defer src.Close()
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inv.Entries {
		if e.Desc == desc && e.Format == format {
			return
		}
	}
	t.Fatalf("%s has no %s entry in that format", path, desc)
}
