package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// check and the run warn about a unique column whose masker writes too few
// values for the table's rows, naming the column, its rows and the masker
// to use instead; the run's guard still stops at the collision.
func TestCheckWarnsAboutCrowdedUniqueColumn(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("CREATE TABLE public.people (\n    id integer NOT NULL,\n    nick text NOT NULL,\n    card text\n);\n\nCOPY public.people (id, nick, card) FROM stdin;\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&b, "%d\tnick%04d\t3000%010d\n", i, i, i*7919)
	}
	b.WriteString("\\.\n\nALTER TABLE ONLY public.people\n    ADD CONSTRAINT people_nick_key UNIQUE (nick);\nALTER TABLE ONLY public.people\n    ADD CONSTRAINT people_card_key UNIQUE (card);\n")
	in := filepath.Join(dir, "in.sql")
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rulesPath, []byte("version: 1\ntables:\n  people:\n    id: keep\n    nick: first_name\n    card: credit_card\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "anonymize: warning: unique column public.people.nick (300 rows) is masked with first_name, which writes about 1.61e+03 distinct values"
	r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in)
	if r.code != ExitOK || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "use hash_id") || strings.Contains(r.stderr, "card") {
		t.Fatalf("check: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out.sql")
	r = run(t, secretEnv, "", "--rules", rulesPath, "--in", in, "--out", out, "--quiet")
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("anonymize: exit %d, no warning\n%s", r.code, r.stderr)
	}
	if r.code == ExitOK {
		t.Log("no collision among 300 first names this time")
	} else if !strings.Contains(r.stderr, "masked values collide on unique key people_nick_key") {
		t.Fatalf("anonymize: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); r.code != ExitOK && err == nil {
		t.Error("a failed run left its output")
	}
}
