package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/schema"
)

// TestCopy copies databases through a Source and a Sink: the target's
// pg_dump equals the source's (schema, rows in their order, sequence
// values), and every constraint is valid.
func TestCopy(t *testing.T) {
	for _, db := range append([]testDB{shop, edge, latin1}, corpusDBs...) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			u := load(t, db)
			target := withDatabase(t, u, newName(t))
			ctx := context.Background()
			src, err := Open(ctx, u, SourceOptions{Jobs: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			id := src.Identity()
			sink, err := Create(ctx, target, SinkOptions{Jobs: 2, Source: &id, Locale: src.Locale()})
			if err != nil {
				t.Fatal(err)
			}
			copyAll(t, ctx, src, sink)
			sameDump(t, u, target)
			for _, check := range []string{
				"SELECT count(*) FROM pg_constraint WHERE NOT convalidated",
				"SELECT count(*) FROM pg_index WHERE NOT indisvalid",
				"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples < 0", // never analyzed
			} {
				var n int
				if err := pgtest.Connect(t, target).QueryRow(ctx, check).Scan(&n); err != nil || n != 0 {
					t.Errorf("%s: %d (%v)", check, n, err)
				}
			}
		})
	}
}

// sameDump fails the test unless pg_dump gives the same script for both
// databases, \restrict keys aside.
func sameDump(t *testing.T, a, b string) {
	t.Helper()
	da, db := dumpText(t, a), dumpText(t, b)
	if da == db {
		return
	}
	la, lb := strings.Split(da, "\n"), strings.Split(db, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			t.Fatalf("pg_dump differs at line %d:\nsource: %.200q\ntarget: %.200q", i+1, la[i], lb[i])
		}
	}
	t.Fatalf("pg_dump differs in length: %d vs %d lines", len(la), len(lb))
}

// TestTargetIsSource: the source database is refused as a target however
// it is reached, before anything is dropped, even with Clean.
func TestTargetIsSource(t *testing.T) {
	u := load(t, shop)
	ctx := context.Background()
	src, err := Open(ctx, u, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	id := src.Identity()
	if id.SystemID == 0 || id.Database != dbName(t, u) || id.DatabaseOID == 0 {
		t.Fatalf("identity %+v", id)
	}
	port := strings.Split(strings.Split(u, "@")[1], "/")[0]
	port = port[strings.LastIndex(port, ":")+1:]
	db := dbName(t, u)
	for _, target := range []string{
		u,
		"postgres://postgres@localhost:" + port + "/" + db + "?sslmode=disable",
		"host=127.0.0.1 port=" + port + " user=postgres dbname=" + db + " sslmode=disable",
		"host=localhost port=" + port + " dbname='" + db + "' user=postgres",
	} {
		for _, clean := range []bool{false, true} {
			_, err := Create(ctx, target, SinkOptions{Source: &id, Clean: clean})
			var same *SameDatabaseError
			if !errors.As(err, &same) {
				t.Errorf("%s (clean %v): %v", target, clean, err)
			}
		}
	}
	// Without its system identifier (EXECUTE revoked), the start time
	// tells the server.
	noSys := id
	noSys.SystemID = 0
	if _, err := Create(ctx, u, SinkOptions{Source: &noSys, Clean: true}); !errors.As(err, new(*SameDatabaseError)) {
		t.Errorf("without system identifier: %v", err)
	}
	var n int
	if err := pgtest.Connect(t, u).QueryRow(ctx, "SELECT count(*) FROM public.users").Scan(&n); err != nil || n == 0 {
		t.Fatalf("source users: %d %v", n, err)
	}
	// Another database of the same server is fine.
	other := withDatabase(t, u, newName(t))
	sink, err := Create(ctx, other, SinkOptions{Source: &id})
	if err != nil {
		t.Fatal(err)
	}
	sink.Abort(ctx)
}

// TestExistingTarget: a target holding objects is refused without Clean,
// replaced with it; an empty one is used; Abort drops only what the run
// created.
func TestExistingTarget(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	admin := pgtest.Connect(t, u)
	if _, err := admin.Exec(ctx, "CREATE TABLE keepme (id int)"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	_, err := Create(ctx, u, SinkOptions{})
	var ne *NotEmptyError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "keepme") {
		t.Fatalf("non-empty target: %v", err)
	}

	sink, err := Create(ctx, u, SinkOptions{Clean: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sink.created {
		t.Error("a cleaned target counts as created")
	}
	if err := sink.Entry(ctx, &dump.Entry{Section: dump.PreData, Desc: "TABLE", Defn: []byte("CREATE TABLE fresh (id int);")}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var tables []string
	rows, _ := pgtest.Connect(t, u).Query(ctx, "SELECT relname FROM pg_class WHERE relname IN ('keepme', 'fresh')")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	if fmt.Sprint(tables) != "[fresh]" {
		t.Fatalf("after --clean: %v", tables)
	}

	// An empty database is used as it is, and is not dropped by Abort.
	empty := pgtest.NewDatabase(t)
	sink, err = Create(ctx, empty, SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sink.created {
		t.Error("an empty target was created")
	}
	sink.Abort(ctx)
	if !exists(t, dbName(t, empty)) {
		t.Error("Abort dropped a database it did not create")
	}
}

// TestAbortDropsCreated: a database the run created is gone after Abort,
// even with a cancelled context.
func TestAbortDropsCreated(t *testing.T) {
	name := newName(t)
	target := withDatabase(t, pgtest.AdminURL(t), name)
	sink, err := Create(context.Background(), target, SinkOptions{Locale: Locale{Encoding: "UTF8", Collate: "C", Ctype: "C"}})
	if err != nil {
		t.Fatal(err)
	}
	if !exists(t, name) || !sink.created {
		t.Fatal("not created")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sink.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(t, name) {
		t.Fatal("Abort left the database")
	}
}

func exists(t testing.TB, name string) bool {
	t.Helper()
	var n int
	if err := pgtest.Connect(t, pgtest.AdminURL(t)).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestNoCreateDB: a role without CREATEDB is told what it needs.
func TestNoCreateDB(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.Connect(t, pgtest.AdminURL(t))
	role := "understudy_nocreatedb_" + randomHex(t)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+ident(role)+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP ROLE "+ident(role)) })
	u := strings.Replace(withDatabase(t, pgtest.AdminURL(t), newName(t)), "postgres@", role+"@", 1)
	_, err := Create(ctx, u, SinkOptions{})
	var ce *CreateError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "CREATEDB") {
		t.Fatalf("%v", err)
	}
}

// TestCancelMidCopy: cancelling the context during a table's COPY stops
// both ends within seconds, and Abort leaves no database behind.
func TestCancelMidCopy(t *testing.T) {
	u := load(t, testDB{name: "large", sql: "CREATE TABLE large AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 1500000) g;"})
	name := newName(t)
	target := withDatabase(t, u, name)
	src, err := Open(context.Background(), u, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sink, err := Create(context.Background(), target, SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var data *dump.Entry
	for _, e := range inv.Entries {
		if e.IsData() {
			data = e
			continue
		}
		if e.Section == dump.PreData {
			if err := sink.Entry(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	w, err := sink.Data(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	n, err := io.Copy(w, r)
	r.Close()
	werr := w.Close()
	took := time.Since(start)
	t.Logf("cancelled after %d bytes, stopped in %v: read %v; write %v", n, took, err, werr)
	if err == nil || werr == nil || took > 5*time.Second || n == 0 || n > 300<<20 {
		t.Fatalf("copied %d bytes in %v: read %v, write %v", n, took, err, werr)
	}
	if err := sink.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(t, name) {
		t.Fatal("Abort left the database")
	}
	// No COPY is left running on the source.
	admin := pgtest.Connect(t, pgtest.AdminURL(t))
	deadline := time.Now().Add(5 * time.Second)
	for {
		var busy int
		if err := admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND state = 'active' AND datname = $1",
			dbName(t, u)).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d COPY still running on the source", busy)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLoadRules: an empty table is loaded frozen (leaf partitions too);
// rows routed through a partitioned parent, rows the DDL inserted and a
// table's earlier ranges are never truncated.
func TestLoadRules(t *testing.T) {
	ctx := context.Background()
	name := newName(t)
	target := withDatabase(t, pgtest.AdminURL(t), name)
	sink, err := Create(ctx, target, SinkOptions{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort(ctx)
	for _, ddl := range []string{
		"CREATE TABLE public.p (id int, v text) PARTITION BY RANGE (id); CREATE TABLE public.p1 PARTITION OF public.p FOR VALUES FROM (0) TO (100);",
		"CREATE TABLE public.seeded (id int); INSERT INTO public.seeded VALUES (0);",
		"CREATE TABLE public.plain (id int, v text); CREATE TABLE public.fresh (id int);",
		"CREATE TABLE public.q (id int) PARTITION BY LIST (id); CREATE TABLE public.q1 PARTITION OF public.q FOR VALUES IN (1);",
	} {
		if err := sink.Entry(ctx, &dump.Entry{Section: dump.PreData, Desc: "TABLE", Defn: []byte(ddl)}); err != nil {
			t.Fatal(err)
		}
	}
	load := func(table, rows string) {
		t.Helper()
		w, err := sink.Data(ctx, &dump.Entry{Section: dump.Data, Desc: dump.TableData, Format: dump.CopyText,
			Table: schema.QName{Schema: "public", Name: table}})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, rows)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	load("p", "1\tvia root\n")
	load("p1", "2\tdirect\n")
	load("seeded", "1\n")
	load("plain", "1\ta\n")
	load("plain", "2\tb\n") // a second range
	load("fresh", "1\n2\n")
	load("q1", "1\n")
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Connect(t, target)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION pg_visibility"); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]string{"p1": "2 frozen false", "seeded": "2 frozen false", "plain": "2 frozen false",
		"fresh": "2 frozen true", "q1": "1 frozen true"} {
		var n int
		var frozen bool
		err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM public.`+table+`),
			(SELECT all_frozen = pg_relation_size('public.`+table+`') / 8192 FROM pg_visibility_map_summary('public.`+table+`'))`).Scan(&n, &frozen)
		if got := fmt.Sprintf("%d frozen %v", n, frozen); err != nil || got != want {
			t.Errorf("%s: %s (%v), want %s", table, got, err, want)
		}
	}
}

// TestSequenceSet: a SEQUENCE SET entry runs as written, or sets the value
// the run decided.
func TestSequenceSet(t *testing.T) {
	ctx := context.Background()
	target := withDatabase(t, pgtest.AdminURL(t), newName(t))
	sink, err := Create(ctx, target, SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort(ctx)
	seq := func(name string) schema.QName { return schema.QName{Schema: "public", Name: name} }
	for _, e := range []*dump.Entry{
		{Section: dump.PreData, Desc: "SEQUENCE", Defn: []byte("CREATE SEQUENCE public.a; CREATE SEQUENCE public.\"B b\";")},
		{Section: dump.Data, Desc: dump.SequenceSet, Table: seq("a"), Defn: []byte("SELECT pg_catalog.setval('public.a', 5, true);")},
		{Section: dump.Data, Desc: dump.SequenceSet, Table: seq("B b"), Defn: []byte("SELECT pg_catalog.setval('public.\"B b\"', 5, true);"),
			Set: &dump.SequenceValue{Value: 70000, Called: false}},
	} {
		if err := sink.Entry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := pgtest.Connect(t, target).QueryRow(ctx, `SELECT (SELECT last_value || ' ' || is_called FROM public.a) || ', ' ||
		(SELECT last_value || ' ' || is_called FROM public."B b")`).Scan(&got); err != nil || got != "5 true, 70000 false" {
		t.Fatalf("sequences: %q %v", got, err)
	}
}

// TestBatchDeadlock: two entries of a batch that lock the same tables in
// opposite orders (as foreign keys each way do) deadlock; the one
// PostgreSQL rolls back runs again after the others.
func TestBatchDeadlock(t *testing.T) {
	ctx := context.Background()
	target := withDatabase(t, pgtest.AdminURL(t), newName(t))
	sink, err := Create(ctx, target, SinkOptions{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort(ctx)
	for _, e := range []*dump.Entry{
		{Section: dump.PreData, Desc: "TABLE", Defn: []byte("CREATE TABLE public.x (); CREATE TABLE public.y ();")},
		{Section: dump.PostData, Desc: "FK CONSTRAINT", Defn: []byte(
			"LOCK public.x; SELECT pg_sleep(0.3); LOCK public.y; CREATE TABLE public.done1 ();")},
		{Section: dump.PostData, Desc: "FK CONSTRAINT", Defn: []byte(
			"LOCK public.y; SELECT pg_sleep(0.3); LOCK public.x; CREATE TABLE public.done2 ();")},
	} {
		if err := sink.Entry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	conn := pgtest.Connect(t, target)
	var done int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname IN ('done1', 'done2')").Scan(&done); err != nil || done != 2 {
		t.Fatalf("%d of 2 entries done (%v)", done, err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var deadlocks int
		if err := conn.QueryRow(ctx, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&deadlocks); err != nil {
			t.Fatal(err)
		}
		if deadlocks > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no deadlock happened: the test does not test the retry")
		}
	}
}

// TestDumpHeaderInEntries: a dump without \restrict (pg_dump before
// 2025's minor releases, hand-written dumps) has its header comment in
// its first entry, and may have it before INSERT data; neither is a dump
// cut short.
func TestDumpHeaderInEntries(t *testing.T) {
	ctx := context.Background()
	target := withDatabase(t, pgtest.AdminURL(t), newName(t))
	sink, err := Create(ctx, target, SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort(ctx)
	const header = "--\n-- PostgreSQL database dump\n--\n\n"
	for _, e := range []*dump.Entry{
		{Section: dump.PreData, Defn: []byte(header + "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n")},
		{Section: dump.PreData, Desc: "TABLE", Defn: []byte("CREATE TABLE public.t (n int);\n")},
	} {
		if err := sink.Entry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w, err := sink.Data(ctx, &dump.Entry{Section: dump.Data, Desc: dump.TableData, Format: dump.SQL,
		Table: schema.QName{Schema: "public", Name: "t"}, Columns: []string{"n"}})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, header+"INSERT INTO public.t VALUES (1);\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pgtest.Connect(t, target).QueryRow(ctx, "SELECT count(*) FROM public.t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows (%v)", n, err)
	}
}
