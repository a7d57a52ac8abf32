package pipeline

import (
	"fmt"
	"strings"
	"testing"
)

// insertsDump is an INSERT-style dump (pg_dump --inserts
// --rows-per-insert=2) of three tables: one masked, one kept, one skipped.
func insertsDump() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE public.users (\n    id integer NOT NULL,\n    email text\n);\n\nCREATE TABLE public.logs (\n    id integer NOT NULL,\n    note text\n);\n\nCREATE TABLE public.junk (\n    id integer NOT NULL\n);\n\n")
	for i := 1; i <= 300; i += 2 {
		fmt.Fprintf(&b, "INSERT INTO public.users VALUES\n\t(%d, 'u%d@corp.test'),\n\t(%d, 'u%d@corp.test');\n", i, i, i+1, i+1)
	}
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "INSERT INTO public.logs VALUES (%d, 'note %d');\n", i, i)
	}
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "INSERT INTO public.junk VALUES (%d);\n", i)
	}
	b.WriteString("\nALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_email_key UNIQUE (email);\n")
	return b.String()
}

const insertsRules = "version: 1\ntables:\n  users:\n    id: keep\n    email: email\n  logs: keep\n  junk: skip\n"

// The summary of an INSERT-style run counts every table's rows and bytes,
// masked, kept or skipped, and the output does not depend on -j (INSERT
// rows are masked in dump order on the reading goroutine).
func TestInsertsSummaryAndWorkers(t *testing.T) {
	script := insertsDump()
	var first string
	for _, workers := range []int{1, 2, 4} {
		out, st, err := runScript(t, script, insertsRules, Options{Workers: workers, Tables: workers})
		if err != nil {
			t.Fatal(err)
		}
		if st.Tables != 3 || st.Rows != 340 || st.SkippedRows != 7 || st.MaskedCells != 300 || st.BytesIn < 5000 {
			t.Fatalf("%d workers: stats %+v", workers, st)
		}
		if strings.Contains(out, "@corp.test") || strings.Contains(out, "public.junk VALUES") {
			t.Fatalf("%d workers: output not masked", workers)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("the output with %d workers differs from the output with 1", workers)
		}
	}
}
