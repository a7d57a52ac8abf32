package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inspect aligns every column over all rows (a table without unique keys
// or notes does not shift the rows after it) and lists a unique key once,
// not again for an index on the same columns or on the primary key's.
func TestInspectAlignsAndListsKeysOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sql")
	dump := `CREATE TABLE public.a (id integer NOT NULL, email text, code text);
CREATE TABLE public.bb_long_table_name (id integer NOT NULL);
CREATE TABLE public.c (id integer NOT NULL, x text);

COPY public.a (id, email, code) FROM stdin;
1	a@b	c
\.

COPY public.c (id, x) FROM stdin;
1	x
\.

ALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.a ADD CONSTRAINT a_email_key UNIQUE (email);
CREATE UNIQUE INDEX a_email_idx ON public.a USING btree (email);
CREATE UNIQUE INDEX a_id_idx ON public.a USING btree (id);
ALTER TABLE ONLY public.c ADD CONSTRAINT c_x_key UNIQUE (x);
`
	if err := os.WriteFile(path, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "", "inspect", "--in", path)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := "TABLE                      ROWS  PRIMARY KEY  UNIQUE   NOTES\n" +
		"public.a                   1     (id)         (email)\n" +
		"public.bb_long_table_name  0     -            -\n" +
		"public.c                   1     -            (x)\n"
	if !strings.HasSuffix(r.stdout, want) {
		t.Errorf("got\n%s\nwant it to end with\n%s", r.stdout, want)
	}
	rep := inspectJSON(t, path)
	if u := rep.Tables[0].Unique; len(u) != 1 || len(u[0]) != 1 || u[0][0] != "email" {
		t.Errorf("public.a unique keys %v, want [[email]]", u)
	}
}
