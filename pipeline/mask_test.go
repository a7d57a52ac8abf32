package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
)

// memOut is an in-memory plain.Output.
type memOut struct{ bytes.Buffer }

func (m *memOut) Commit() error { return nil }
func (m *memOut) Fail(marker []byte) error {
	m.Write(marker)
	return nil
}

// openScript writes a dump to a file named t.sql and opens it as a source.
func openScript(t testing.TB, script string) (*plain.Source, *dump.Inventory, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.sql")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := plain.Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	inv, err := src.Inventory(context.Background())
	return src, inv, err
}

// planFor builds the plan of rulesYAML for inv.
func planFor(t testing.TB, inv *dump.Inventory, rulesYAML string) (*rules.Plan, error) {
	t.Helper()
	rf, err := rules.Parse("t.yaml", []byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	return rf.Plan(inv.Catalog, DataColumns(inv), &masking.Options{Secret: masking.NewSecret([]byte("s")), EmailDomain: "example.com"})
}

// maskString runs the whole pipeline over a dump given as a string.
func maskString(t *testing.T, script, rulesYAML string) (string, error) {
	t.Helper()
	src, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	var out memOut
	_, err = Run(context.Background(), src, inv, plain.NewSink(&out), plan, Options{})
	return out.String(), err
}

const codesDump = `CREATE TABLE public.t (
    id integer NOT NULL,
    code text NOT NULL
);

COPY public.t (id, code) FROM stdin;
1	alpha
2	beta
\.

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_code_key UNIQUE (code);
`

func TestCollisionIsAnError(t *testing.T) {
	_, err := maskString(t, codesDump, "version: 1\ntables:\n  t:\n    id: keep\n    code: {use: regex_replace, pattern: '^.*$', replacement: same}\n")
	var ce *CollisionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a CollisionError", err)
	}
	if ce.Pos.Line != 8 || ce.Key != "t_code_key" || ce.Columns[0] != "code" {
		t.Fatalf("collision %+v", ce)
	}
	if msg := err.Error(); !strings.Contains(msg, "t.sql:8: public.t: masked values collide on unique key t_code_key (code)") || strings.Contains(msg, "same") || strings.Contains(msg, "beta") {
		t.Fatalf("message %q", msg)
	}
}

func TestSequenceStaysAheadOfMaskedKeys(t *testing.T) {
	dump := `CREATE TABLE public.t (
    id integer NOT NULL
);

CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;

ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);

COPY public.t (id) FROM stdin;
1
2
3
\.

SELECT pg_catalog.setval('public.t_id_seq', 3, true);
`
	out, err := maskString(t, dump, "version: 1\ntables:\n  t:\n    id: hash_id\n")
	if err != nil {
		t.Fatal(err)
	}
	rows := out[strings.Index(out, "stdin;\n")+7 : strings.Index(out, "\\.")]
	maxID := 0
	for _, f := range strings.Fields(rows) {
		n := 0
		for _, c := range f {
			n = n*10 + int(c-'0')
		}
		maxID = max(maxID, n)
	}
	if maxID <= 3 {
		t.Fatalf("keys were not permuted: %q", rows)
	}
	want := "SELECT pg_catalog.setval('public.t_id_seq', " + itoa(maxID) + ", true);"
	if !strings.Contains(out, want) {
		t.Fatalf("setval not moved ahead of %d:\n%s", maxID, out[strings.Index(out, "SELECT"):])
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

const insertDump = `CREATE TABLE public.p (
    id integer NOT NULL,
    email text,
    note text,
    born date
);

CREATE TABLE public.audit (
    id integer NOT NULL
);

INSERT INTO public.p VALUES (1, 'ann@corp.com', 'it''s', '1980-01-02'::date), (2, NULL, E'a\\nb', DEFAULT);
INSERT INTO public.audit (id) VALUES (1), (2);
`

func TestInsertStatementsAreMaskedInPlace(t *testing.T) {
	out, err := maskString(t, insertDump, `version: 1
tables:
  p:
    id: keep
    email: email
    note: keep
    born: {use: date_shift, max_days: 10}
  audit: skip
`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "ann@corp.com") || strings.Contains(out, "1980-01-02") {
		t.Fatalf("original values survive:\n%s", out)
	}
	for _, keep := range []string{"INSERT INTO public.p VALUES (1, '", "@example.com', 'it''s', '", `'::date), (2, NULL, E'a\\nb', DEFAULT);`} {
		if !strings.Contains(out, keep) {
			t.Errorf("output lacks %q:\n%s", keep, out)
		}
	}
	if strings.Contains(out, "INSERT INTO public.audit") {
		t.Errorf("skipped table's rows are still there:\n%s", out)
	}
}

func TestSkippedTableKeepsItsCopyBlock(t *testing.T) {
	out, err := maskString(t, codesDump, "version: 1\ntables:\n  t: skip\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "COPY public.t (id, code) FROM stdin;\n\\.\n") {
		t.Fatalf("skip should leave an empty COPY block:\n%s", out)
	}
}

// The output does not depend on how many workers mask rows: units are
// written in dump order, and masking is a pure function of the value.
func TestWorkersDoNotChangeTheOutput(t *testing.T) {
	rf, err := rules.Load("../rules/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var outs []string
	for _, workers := range []int{1, 2, 7} {
		src, err := plain.Open(context.Background(), "../testdata/fixtures/shop.sql", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := src.Inventory(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		plan, err := rf.Plan(inv.Catalog, DataColumns(inv), &masking.Options{Secret: masking.NewSecret([]byte("s")), EmailDomain: "example.com"})
		if err != nil {
			t.Fatal(err)
		}
		var out memOut
		st, err := Run(context.Background(), src, inv, plain.NewSink(&out), plan, Options{Workers: workers})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Rows == 0 || st.MaskedCells == 0 {
			t.Fatalf("stats %+v", st)
		}
		outs = append(outs, out.String())
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Fatal("output differs with the number of workers")
	}
}

func planErr(t *testing.T, script, rulesYAML string) error {
	t.Helper()
	_, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	_, err = planFor(t, inv, rulesYAML)
	return err
}

const twoTables = `CREATE TABLE public.a (
    id integer NOT NULL,
    name text
);

CREATE TABLE public.b (
    id integer NOT NULL,
    up text GENERATED ALWAYS AS (upper(note)) STORED,
    note text
);

COPY public.a (id, name) FROM stdin;
1	x
\.

COPY public.b FROM stdin;
1	hello note
\.
`

// A COPY without a column list holds every column but the generated ones.
func TestCopyWithoutColumnList(t *testing.T) {
	out, err := maskString(t, twoTables, "version: 1\ntables:\n  a: keep\n  b:\n    id: keep\n    note: lorem\n")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "hello note") {
		t.Fatalf("the listless COPY was not masked:\n%s", out)
	}
	_, err = maskString(t, strings.Replace(twoTables, "1\thello note", "1", 1), "version: 1\ntables:\n  a: keep\n  b:\n    id: keep\n    note: lorem\n")
	var re *RowError
	if !errors.As(err, &re) || re.Pos.Line != 17 || !strings.Contains(err.Error(), "row has 1 fields, the table has 2 columns") {
		t.Fatalf("narrow row: %v", err)
	}
}

func TestTemplateRules(t *testing.T) {
	dump := `CREATE TABLE public.p (
    id integer NOT NULL,
    first text,
    label text,
    city text,
    CONSTRAINT p_label_check CHECK ((label ~ '^[0-9]+$'))
);

COPY public.p (id, first, label, city) FROM stdin;
1	Alice	x	Paris
\.
`
	// Inputs after the last masked column are read whole, not as "the rest".
	out, err := maskString(t, strings.Replace(dump, ",\n    CONSTRAINT p_label_check CHECK ((label ~ '^[0-9]+$'))\n", "\n", 1),
		"version: 1\ntables:\n  p:\n    id: keep\n    first: first_name\n    label: {use: template, template: 'from {{.city}}'}\n    city: keep\n")
	if err != nil || !strings.Contains(out, "\tfrom Paris\tParis\n") {
		t.Fatalf("template input after the last masked column: %v\n%s", err, out)
	}
	// A template's output is checked against the column's CHECK.
	_, err = maskString(t, dump,
		"version: 1\ntables:\n  p:\n    id: keep\n    first: first_name\n    label: {use: template, template: '{{.first}}'}\n    city: keep\n")
	var ce *masking.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("template output violating a CHECK: %v", err)
	}
	// A template may not read another template.
	err = planErr(t, dump, "version: 1\ntables:\n  p:\n    id: keep\n    first: {use: template, template: '{{.city}}'}\n    label: {use: template, template: '{{.first}}'}\n    city: keep\n")
	if err == nil || !strings.Contains(err.Error(), "which is itself a template") {
		t.Fatalf("template on template: %v", err)
	}
}

func TestDataMustMatchSchema(t *testing.T) {
	dump := "CREATE TABLE public.p (\n    id integer NOT NULL\n);\n\nCOPY public.p (id, ssn) FROM stdin;\n1\t123-45-6789\n\\.\n"
	var de *rules.DataError
	if err := planErr(t, dump, "version: 1\ntables:\n  p: keep\n"); !errors.As(err, &de) || !strings.Contains(err.Error(), "column ssn that its CREATE TABLE does not define") {
		t.Fatalf("unknown data column: %v", err)
	}
	// Rows of a table the dump does not create are refused in every mode:
	// their columns, and so what needs masking, are unknown.
	for _, dataOnly := range []string{"INSERT INTO public.q VALUES (1, 'secret');\n", "COPY q (a) FROM stdin;\nsecret\n\\.\n"} {
		_, _, err := openScript(t, dataOnly)
		var re *plain.RefusedError
		if !errors.As(err, &re) || re.Pos.Line != 1 || !strings.Contains(err.Error(), "t.sql:1: data for ") || strings.Contains(err.Error(), "secret") {
			t.Fatalf("data-only table: %v", err)
		}
	}
}

// Partitions share their parent's sequence: it must pass the largest
// masked key of all of them, not of the last one read.
func TestSequenceAheadOfEveryPartition(t *testing.T) {
	var b strings.Builder
	b.WriteString(`CREATE TABLE public.ev (
    id integer NOT NULL,
    part integer NOT NULL
) PARTITION BY LIST (part);

CREATE SEQUENCE public.ev_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

ALTER SEQUENCE public.ev_id_seq OWNED BY public.ev.id;

CREATE TABLE public.ev_1 (
    id integer DEFAULT nextval('public.ev_id_seq'::regclass) NOT NULL,
    part integer NOT NULL
);

CREATE TABLE public.ev_2 (
    id integer DEFAULT nextval('public.ev_id_seq'::regclass) NOT NULL,
    part integer NOT NULL
);

ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_1 FOR VALUES IN (1);

ALTER TABLE ONLY public.ev ATTACH PARTITION public.ev_2 FOR VALUES IN (2);

COPY public.ev_1 (id, part) FROM stdin;
`)
	for i := 1; i <= 500; i++ {
		b.WriteString(itoa(i) + "\t1\n")
	}
	b.WriteString("\\.\n\nCOPY public.ev_2 (id, part) FROM stdin;\n501\t2\n\\.\n\nSELECT pg_catalog.setval('public.ev_id_seq', 501, true);\n")
	out, err := maskString(t, b.String(), "version: 1\ntables:\n  ev:\n    id: hash_id\n    part: keep\n")
	if err != nil {
		t.Fatal(err)
	}
	maxID := 0
	for _, line := range strings.Split(out, "\n") {
		if id, part, ok := strings.Cut(line, "\t"); ok && (part == "1" || part == "2") {
			n := 0
			for _, c := range id {
				n = n*10 + int(c-'0')
			}
			maxID = max(maxID, n)
		}
	}
	if !strings.Contains(out, "setval('public.ev_id_seq', "+itoa(maxID)+", true)") {
		t.Fatalf("setval is not the largest masked key %d:\n%s", maxID, out[strings.LastIndex(out, "SELECT"):])
	}
}
