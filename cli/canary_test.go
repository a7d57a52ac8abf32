package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The canary values: distinctive strings that must never show up in
// anything the tool prints, on success or on failure.
const canarySecret = "CANARY-SECRET-7f3a9"

var canaries = []string{
	"canary.alpha@leakcheck.org", "Canaryname Alphason", "+44 20 7946 0001", "1980-01-02",
	"C4N4RY-77-0001", "canary-street 12", "not-a-date-CANARY", "bad\\escape\\CANARY",
}

const canaryDump = `CREATE TABLE public.people (
    id integer NOT NULL,
    email text,
    name text,
    born date,
    code text,
    street text,
    note text
);

COPY public.people (id, email, name, born, code, street, note) FROM stdin;
1	canary.alpha@leakcheck.org	Canaryname Alphason	1980-01-02	C4N4RY-77-0001	canary-street 12	call me on +44 20 7946 0001 or canary.alpha@leakcheck.org
\.

ALTER TABLE ONLY public.people
    ADD CONSTRAINT people_pkey PRIMARY KEY (id);
`

const canaryRules = `version: 1
tables:
  public.people:
    id: hash_id
    email: email
    name: full_name
    born: {use: date_shift, max_days: 30}
    code: hash_id
    street: street_address
    note: scrub
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCanaryNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	rulesPath := writeFile(t, dir, "rules.yaml", canaryRules)
	secretPath := writeFile(t, dir, "secret", canarySecret+"\n")
	good := writeFile(t, dir, "good.sql", canaryDump)
	badDate := writeFile(t, dir, "bad-date.sql", strings.Replace(canaryDump, "1980-01-02", "not-a-date-CANARY", 1))
	badEscape := writeFile(t, dir, "bad-escape.sql", strings.Replace(canaryDump, "canary-street 12", `bad\\escape\\CANARY\x00`, 1))
	badRow := writeFile(t, dir, "bad-row.sql", strings.Replace(canaryDump, "canary-street 12\t", "canary-street 12\t\t", 1))
	badSyntax := writeFile(t, dir, "bad-syntax.sql", canaryDump+"UPDATE public.people SET email 'canary.alpha@leakcheck.org';\n")
	largeObject := writeFile(t, dir, "large-object.sql", canaryDump+"SELECT pg_catalog.lo_create('16400');\nSELECT pg_catalog.lo_open('16400', 131072);\n"+
		"SELECT pg_catalog.lowrite(0, '\\x"+hex.EncodeToString([]byte(canaries[0]))+"');\nSELECT pg_catalog.lo_close(0);\n")
	empty := writeFile(t, dir, "empty.sql", "")
	// Two people on unique keys: a masker with too few values for name
	// (a warning) and one that maps every code alike (a collision).
	crowded := writeFile(t, dir, "crowded.sql", strings.Replace(canaryDump, "\\.\n",
		"2\tcanary.alpha@leakcheck.org\tCanaryname Alphason\t1980-01-02\tC4N4RY-77-0001x\tcanary-street 12\tnote\n\\.\n", 1)+
		"ALTER TABLE ONLY public.people\n    ADD CONSTRAINT people_name_key UNIQUE (name);\nALTER TABLE ONLY public.people\n    ADD CONSTRAINT people_code_key UNIQUE (code);\n")
	crowdedRules := writeFile(t, dir, "crowded.yaml", strings.NewReplacer("name: full_name", "name: city", "code: hash_id", "code: {use: regex_replace, pattern: '^.*$', replacement: x}").Replace(canaryRules))
	// The xml masker on malformed XML, and date_shift by: on a bad date.
	xmlRules := writeFile(t, dir, "xml-rules.yaml", strings.Replace(strings.Replace(canaryRules, "note: scrub", "note: {use: xml, text: lorem}", 1),
		"born: {use: date_shift, max_days: 30}", "born: {use: date_shift, max_days: 30, by: id}", 1))
	badXML := writeFile(t, dir, "bad-xml.sql", strings.Replace(canaryDump, "call me on", "<a>call me on", 1))
	goodXML := writeFile(t, dir, "good-xml.sql", strings.Replace(canaryDump, "call me on +44 20 7946 0001 or canary.alpha@leakcheck.org", "<a>call me on <b>+44 20 7946 0001</b> or canary.alpha@leakcheck.org</a>", 1))

	runs := []struct {
		name string
		args []string
		env  map[string]string
		ok   bool
	}{
		{"success with progress and summary", []string{"--rules", rulesPath, "--in", good, "--out", filepath.Join(dir, "out.sql"), "--progress", "--secret-file", secretPath}, nil, true},
		{"secret from the environment", []string{"--rules", rulesPath, "--in", good, "--out", "-"}, map[string]string{"ANONYMIZE_SECRET": canarySecret}, true},
		{"unparseable date", []string{"--rules", rulesPath, "--in", badDate, "--out", filepath.Join(dir, "o2.sql"), "--secret-file", secretPath}, nil, false},
		{"invalid escape", []string{"--rules", rulesPath, "--in", badEscape, "--out", filepath.Join(dir, "o3.sql"), "--secret-file", secretPath}, nil, false},
		{"wrong field count", []string{"--rules", rulesPath, "--in", badRow, "--out", filepath.Join(dir, "o4.sql"), "--secret-file", secretPath}, nil, false},
		{"syntax error at a value", []string{"--rules", rulesPath, "--in", badSyntax, "--out", filepath.Join(dir, "o5.sql"), "--secret-file", secretPath}, nil, false},
		{"large object refused", []string{"--rules", rulesPath, "--in", largeObject, "--out", filepath.Join(dir, "o6.sql"), "--secret-file", secretPath}, nil, false},
		{"empty input", []string{"--rules", rulesPath, "--in", empty, "--out", filepath.Join(dir, "o7.sql"), "--secret-file", secretPath}, nil, false},
		{"short secret", []string{"--rules", rulesPath, "--in", good, "--out", filepath.Join(dir, "o8.sql")}, map[string]string{"ANONYMIZE_SECRET": canarySecret[:15]}, false},
		{"malformed xml", []string{"--rules", xmlRules, "--in", badXML, "--out", filepath.Join(dir, "o9.sql"), "--secret-file", secretPath}, nil, false},
		{"date_shift by: on a bad date", []string{"--rules", xmlRules, "--in", badDate, "--out", filepath.Join(dir, "o10.sql"), "--secret-file", secretPath}, nil, false},
		{"xml and date_shift by:", []string{"--rules", xmlRules, "--in", goodXML, "--out", "-"}, map[string]string{"ANONYMIZE_SECRET": canarySecret}, true},
		{"check", []string{"check", "--rules", rulesPath, "--in", good, "--secret-file", secretPath}, nil, true},
		{"crowded unique column and a collision", []string{"--rules", crowdedRules, "--in", crowded, "--out", filepath.Join(dir, "o11.sql"), "--secret-file", secretPath}, nil, false},
		{"inspect", []string{"inspect", "--in", good}, nil, true},
		{"init", []string{"init", "--in", good}, nil, true},
		{"init with a bad row", []string{"init", "--in", badRow}, nil, false},
		{"check --json with kept personal data", []string{"check", "--rules", writeFile(t, dir, "keep.yaml", "version: 1\nstrict: false\ntables:\n  public.people: keep\n"), "--in", good, "--json", "--fix", filepath.Join(dir, "fix.yaml")}, nil, false},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			vars := r.env
			e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
				getenv: func(k string) string { return vars[k] }, progressEvery: time.Nanosecond}
			var code int
			switch r.args[0] {
			case "check":
				code = e.check(r.args[1:])
			case "inspect":
				code = e.inspect(r.args[1:])
			case "init":
				code = e.initRules(r.args[1:])
			default:
				code = e.anonymize(r.args)
			}
			if (code == ExitOK) != r.ok {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
			}
			if r.name == "crowded unique column and a collision" && (!strings.Contains(stderr.String(), "unique column public.people.name (2 rows) is masked with city") ||
				!strings.Contains(stderr.String(), "masked values collide on unique key people_")) {
				t.Fatalf("no warning or no collision:\n%s", stderr.String())
			}
			if r.name == "success with progress and summary" && !strings.Contains(stderr.String(), "progress:") {
				t.Fatalf("no progress line was printed:\n%s", stderr.String())
			}
			printed := stderr.String()
			if fix, err := os.ReadFile(filepath.Join(dir, "fix.yaml")); err == nil {
				printed += string(fix) // the --fix patch is printed matter too
			}
			if r.args[0] != "--rules" || !strings.Contains(strings.Join(r.args, " "), "--out -") {
				printed += stdout.String() // stdout is the masked dump itself for --out -
			}
			for _, c := range append(canaries, canarySecret, canarySecret[:15]) {
				for _, form := range []string{c, hex.EncodeToString([]byte(c))} {
					if strings.Contains(printed, form) {
						t.Errorf("printed output contains %q:\n%s", form, printed)
					}
				}
			}
			if strings.Contains(strings.Join(r.args, " "), "--out -") {
				for _, c := range append(canaries[:6], canarySecret) {
					if strings.Contains(stdout.String(), c) {
						t.Errorf("masked dump contains %q", c)
					}
				}
			}
		})
	}
}
