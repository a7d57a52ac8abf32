package plain

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/schema"
)

// memOut is an in-memory Output.
type memOut struct {
	bytes.Buffer
	committed, failed bool
}

func (m *memOut) Commit() error { m.committed = true; return nil }
func (m *memOut) Fail(marker []byte) error {
	m.failed = true
	m.Write(marker)
	return nil
}

// keepRows is a RowMasker that changes nothing.
type keepRows struct{}

func (keepRows) Skip() bool                        { return false }
func (keepRows) Masks() bool                       { return false }
func (keepRows) Reads(int) bool                    { return false }
func (keepRows) MaskRow(*dump.Row, dump.Pos) error { return nil }

// copyAll sends every entry of src to sink unchanged, as the pipeline does
// with no masking.
func copyAll(t testing.TB, src *Source, sink dump.Sink) *dump.Inventory {
	t.Helper()
	ctx := context.Background()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inv.Entries {
		if !e.IsData() {
			if err := sink.Entry(ctx, e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := sink.Data(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if e.Desc == dump.TableData && e.Format == dump.SQL {
			err = src.MaskValues(ctx, e, keepRows{}, w)
		} else {
			var r io.ReadCloser
			if r, err = src.Open(ctx, e); err == nil {
				_, err = io.Copy(w, r)
				r.Close()
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", e.Pos, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestRoundTripIsByteIdentical(t *testing.T) {
	files := []string{filepath.Join("..", "..", "testdata", "fixtures", "shop.sql")}
	for _, rel := range corpus.PlainDumps {
		if rel != "pagila/original/pagila-data.sql" { // data without its schema is refused
			files = append(files, corpus.Path(t, rel))
		}
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := Open(context.Background(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var out memOut
			copyAll(t, src, NewSink(&out))
			in, _ := os.ReadFile(path)
			if !bytes.Equal(in, out.Bytes()) {
				t.Fatalf("output differs from input at byte %d of %d", firstDiff(in, out.Bytes()), len(in))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestEntries(t *testing.T) {
	script := "-- header\n\\restrict k\nSET search_path = app;\nCREATE SCHEMA app;\nCREATE TABLE t (id int, v text);\n" +
		"--\n-- Name: t_id_seq; Type: SEQUENCE; Schema: app; Owner: -\n--\n\nCREATE SEQUENCE app.t_id_seq;\nALTER SEQUENCE app.t_id_seq OWNED BY app.t.id;\n" +
		"COPY t (id, v) FROM stdin;\n1\ta\n2\tb\n\\.\n" +
		"INSERT INTO t VALUES (3, 'c');\nINSERT INTO t VALUES (4, 'd');\nINSERT INTO app.t VALUES (5, 'e');\n" +
		"SELECT pg_catalog.lo_create('1');\nSELECT pg_catalog.lowrite(0, '\\x00');\n" +
		"SELECT pg_catalog.setval('app.t_id_seq', 5, true);\n" +
		"--\n-- Name: t t_pkey; Type: CONSTRAINT; Schema: app; Owner: -\n--\n\nALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n" +
		// Hand-edited headers (northwind's): the statement decides a foreign key.
		"--\n-- Name: t_t; Type: Constraint; Schema: -; Owner: -\n--\n\nALTER TABLE ONLY t ADD CONSTRAINT t_t FOREIGN KEY (id) REFERENCES t;\n" +
		"ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES t;\n\\unrestrict k\n"
	path := filepath.Join(t.TempDir(), "e.sql")
	os.WriteFile(path, []byte(script), 0o644)
	src, err := Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out memOut
	inv := copyAll(t, src, NewSink(&out))
	if out.String() != script {
		t.Fatalf("round trip:\n%s", out.String())
	}
	type want struct {
		desc    string
		section dump.Section
		table   string
		format  dump.Format
		rows    int64
		line    int
	}
	wants := []want{
		{dump.Meta, dump.PreData, "", 0, 0, 2}, // with the comment before it
		{"", dump.PreData, "", 0, 0, 3},        // three statements without a TOC comment of their own
		{"SEQUENCE", dump.PreData, "", 0, 0, 10},
		{dump.TableData, dump.Data, "app.t", dump.CopyText, 2, 12},
		{dump.TableData, dump.Data, "app.t", dump.SQL, 2, 16},
		{dump.TableData, dump.Data, "app.t", dump.SQL, 1, 18},
		{dump.Blobs, dump.Data, "", dump.SQL, 0, 19},
		{dump.SequenceSet, dump.Data, "app.t_id_seq", 0, 0, 21},
		{"CONSTRAINT", dump.PostData, "", 0, 0, 26},
		{"FK CONSTRAINT", dump.PostData, "", 0, 0, 31},
		{"FK CONSTRAINT", dump.PostData, "", 0, 0, 32},
		{dump.Meta, dump.PostData, "", 0, 0, 33},
	}
	if len(inv.Entries) != len(wants) {
		for _, e := range inv.Entries {
			t.Logf("%+v", *e)
		}
		t.Fatalf("%d entries, want %d", len(inv.Entries), len(wants))
	}
	for i, w := range wants {
		e := inv.Entries[i]
		table := ""
		if e.Table != (schema.QName{}) {
			table = e.Table.String()
		}
		if e.Desc != w.desc || e.Section != w.section || table != w.table || e.Format != w.format || e.Rows != w.rows || e.Pos.Line != w.line || e.ID != i+1 {
			t.Errorf("entry %d = %q %v %q format %d rows %d line %d id %d, want %+v", i, e.Desc, e.Section, table, e.Format, e.Rows, e.Pos.Line, e.ID, w)
		}
	}
	if inv.LargeObjects != 2 || inv.LargeObjectsAt.Line != 19 || inv.Rows[schema.QName{Schema: "app", Name: "t"}] != 5 {
		t.Errorf("large objects %d at %v, rows %v", inv.LargeObjects, inv.LargeObjectsAt, inv.Rows)
	}
}

func TestSetvalRewrite(t *testing.T) {
	for _, c := range []struct{ defn, want string }{
		{"-- c\n\nSELECT pg_catalog.setval('public.s', 5, true);\n", "-- c\n\nSELECT pg_catalog.setval('public.s', 70000, true);\n"},
		{"SELECT pg_catalog.setval('public.s', 1, false);\n", "SELECT pg_catalog.setval('public.s', 70000, true);\n"},
		{"SELECT setval('public.s', 9);\n", "SELECT setval('public.s', 70000, true);\n"},
	} {
		var out memOut
		e := &dump.Entry{Desc: dump.SequenceSet, Defn: []byte(c.defn), Set: &dump.SequenceValue{Value: 70000, Called: true}}
		sink := NewSink(&out)
		err := sink.Entry(context.Background(), e)
		if err == nil {
			err = sink.Commit(context.Background())
		}
		if err != nil || out.String() != c.want {
			t.Errorf("%q → %q (%v), want %q", c.defn, out.String(), err, c.want)
		}
	}
}

func TestOpenOutOfOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.sql")
	os.WriteFile(path, []byte("CREATE TABLE a (x int);\nCREATE TABLE b (x int);\nCOPY a FROM stdin;\n1\n\\.\nCOPY b FROM stdin;\n2\n\\.\n"), 0o644)
	src, _ := Open(context.Background(), path, nil, 0)
	defer src.Close()
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := inv.Entries[2]
	r, err := src.Open(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if string(got) != "2\n" {
		t.Fatalf("b's data %q", got)
	}
	r.Close()
	if _, err := src.Open(context.Background(), inv.Entries[1]); err == nil || !strings.Contains(err.Error(), "in order") {
		t.Fatalf("opening a back out of order: %v", err)
	}
}

// pg_dump's large objects: their statements become Blobs entries, and the
// BEGIN under its "Type: BLOBS" comment is no data.
func TestLargeObjectEntries(t *testing.T) {
	script := "CREATE TABLE public.docs (id integer, body oid);\n\n--\n-- Name: 16386; Type: BLOB; Schema: -; Owner: postgres\n--\n\nSELECT pg_catalog.lo_create('16386');\n\n\nALTER LARGE OBJECT 16386 OWNER TO postgres;\n\n--\n-- Data for Name: docs; Type: TABLE DATA; Schema: public; Owner: postgres\n--\n\nCOPY public.docs (id, body) FROM stdin;\n1\t16386\n\\.\n\n\n--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\nBEGIN;\n\nSELECT pg_catalog.lo_open('16386', 131072);\nSELECT pg_catalog.lowrite(0, '\\x6361');\nSELECT pg_catalog.lo_close(0);\n\nCOMMIT;\n\n"
	path := filepath.Join(t.TempDir(), "lo.sql")
	os.WriteFile(path, []byte(script), 0o644)
	src, err := Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out memOut
	copyAll(t, src, NewSink(&out))
	inv, _ := src.Inventory(context.Background())
	var descs []string
	for _, e := range inv.Entries {
		descs = append(descs, e.Desc)
	}
	if got := strings.Join(descs, ","); got != ",BLOBS,TABLE DATA,,BLOBS," {
		t.Errorf("entries %s", got)
	}
	if inv.LargeObjects != 5 {
		t.Errorf("%d large-object statements", inv.LargeObjects)
	}
	out.Commit()
	if out.String() != script {
		t.Fatalf("%q", out.String())
	}
}
