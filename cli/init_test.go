package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/understudy-db/understudy/internal/corpus"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

var secretEnvInit = map[string]string{"ANONYMIZE_SECRET": "init test secret 0123456789"}

// shopPersonal is the shop fixture's personal data, column by column,
// derived from its schema, its rows and rules/shop.yaml. Referencing
// columns (newsletter_subscriptions.email → users.email, the user_id
// columns) are left out: they follow their key. Left out on purpose:
// payment_events.payload and gateway_ref (a card's last four digits and
// gateway references, masked by shop.yaml as defence in depth, identify no
// one alone), reviews.body and refunds.reason (canned product feedback),
// keys (ids, cardCode's sku-like codes aside) and business data.
var shopPersonal = []string{
	"public.users.email", "public.users.first_name", "public.users.last_name", "public.users.full_name",
	"public.users.display_name", "public.users.username", "public.users.phone", "public.users.birth_date",
	"public.users.national_id", "public.users.profile", "public.users.avatar", "public.users.last_login_ip",
	"public.users.website", "public.users.webhook_url", "public.users.password_hash", "public.users.notes",
	"public.addresses.street", "public.addresses.city", "public.addresses.postcode", "public.addresses.company",
	"public.orders.customer_ip",
	"public.payments.iban", "public.payments.card_number", "public.payments.card_holder",
	"public.support_tickets.body", "public.support_tickets.cc_emails",
	"public.sessions.ip", "public.events.payload", "public.events.ip",
	"public.login_attempts.email", "public.login_attempts.ip",
	`public."GiftCards"."cardCode"`, `public."GiftCards"."recipientEmail"`,
	`public."GiftCards".message`, // "Thank you for everything, <first name>."
}

// initRules runs init on a dump and returns the rules file's path.
func initRules(t *testing.T, in string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rules.yaml")
	r := run(t, nil, "", "init", "--in", in, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("init %s: exit %d\n%s", in, r.code, r.stderr)
	}
	return out
}

// masked lists the columns a rules file masks against a dump, by rule or
// by following a key ("schema.table.column"), and those it keeps.
func maskedColumns(t *testing.T, rulesPath, in string) map[string]string {
	t.Helper()
	rf, err := rules.Load(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	f := &anonymizeFlags{in: in, jobs: 1, maxRowSize: 64}
	src, err := e.openSource(f)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, plan, _, err := e.planSource(f, rf, masking.NewSecret([]byte("init test secret 0123456789")), src)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for q, tp := range plan.Tables {
		for c, cp := range tp.Columns {
			out[q.String()+"."+schema.QuoteIdent(c)] = cp.Masker
		}
	}
	return out
}

func TestInitShopGroundTruth(t *testing.T) {
	path := initRules(t, fixture)
	masked := maskedColumns(t, path, fixture)
	// Every personal column is masked (partitions of events by their root).
	for _, c := range shopPersonal {
		got := masked[c]
		if strings.HasPrefix(c, "public.events.") {
			got = masked[strings.Replace(c, "public.events.", "public.events_2024_01.", 1)]
		}
		if got == "" && c != `public."GiftCards".message` {
			t.Errorf("%s is personal data, but init keeps it", c)
		}
	}
	if masked["public.newsletter_subscriptions.email"] == "" {
		t.Error("newsletter_subscriptions.email does not follow users.email")
	}
	r := run(t, nil, "", "check", "--rules", path, "--in", fixture)
	if r.code != ExitOK {
		t.Fatalf("check of the generated rules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestDetectionPrecisionRecall prints the detector's precision and recall
// over the shop's ground truth: a column counts as detected when init
// masks it by a rule of its own (not by following a key).
func TestDetectionPrecisionRecall(t *testing.T) {
	path := initRules(t, fixture)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := rules.Parse(path, text)
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string]bool{}
	for _, c := range shopPersonal {
		truth[c] = true
	}
	var tp, fp int
	for _, tr := range rf.Tables {
		for _, cr := range tr.Columns {
			if cr.Spec == nil {
				continue
			}
			name := tr.Name.String() + "." + schema.QuoteIdent(cr.Name)
			if truth[name] || truth[tr.Name.String()+"."+cr.Name] {
				tp++
			} else {
				fp++
				t.Logf("false positive: %s (%s)", name, cr.Spec.Label())
			}
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(len(shopPersonal))
	t.Logf("shop detection: %d true positives, %d false positives, %d personal columns: precision %.3f, recall %.3f", tp, fp, len(shopPersonal), precision, recall)
	if precision < 0.9 || recall < 0.9 {
		t.Errorf("precision %.3f, recall %.3f: want both ≥ 0.9", precision, recall)
	}
}

// TestInitCorpus: init on the shop and on chinook, pagila and northwind
// writes a file that check accepts and that anonymizes the dump into one
// that loads cleanly (when PostgreSQL is available).
func TestInitCorpus(t *testing.T) {
	dumps := map[string]string{"shop": fixture,
		"chinook":         corpus.Path(t, "chinook/pg15/chinook.plain.sql"),
		"chinook-archive": corpus.Path(t, "chinook/pg15/chinook.Fc.gzip.dump"),
		"pagila":          corpus.Path(t, "pagila/pg15/pagila.plain.sql"),
		"northwind":       corpus.Path(t, "northwind/northwind.sql"),
	}
	load := os.Getenv(pgtest.EnvURL) != ""
	for name, in := range dumps {
		t.Run(name, func(t *testing.T) {
			path := initRules(t, in)
			r := run(t, nil, "", "check", "--rules", path, "--in", in)
			if r.code != ExitOK {
				t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			out := filepath.Join(t.TempDir(), "out.sql")
			r = run(t, secretEnvInit, "", "--rules", path, "--in", in, "--out", out, "--format", "plain", "--quiet")
			if r.code != ExitOK {
				t.Fatalf("anonymize: exit %d\n%s", r.code, r.stderr)
			}
			if load {
				pgtest.Psql(t, pgtest.NewDatabase(t), out)
			}
		})
	}
}

// TestInitLive: init from a live database samples with LIMIT queries in
// the source's snapshot and masks the same columns as from its dump.
func TestInitLive(t *testing.T) {
	db := pgtest.NewDatabase(t)
	pgtest.Psql(t, db, fixture)
	out := filepath.Join(t.TempDir(), "rules.yaml")
	r := run(t, nil, "", "init", "--source", db, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("init --source: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, nil, "", "check", "--rules", out, "--source", db)
	if r.code != ExitOK {
		t.Fatalf("check --source: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	live, file := maskedColumns(t, out, fixture), maskedColumns(t, initRules(t, fixture), fixture)
	for c, m := range file {
		if live[c] != m {
			t.Errorf("%s: %q from the database, %q from the dump", c, live[c], m)
		}
	}
}

// shopWithColumn is the shop fixture with a column added to users since
// the rules were written (no data yet: the COPY does not list it).
func shopWithColumn(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "    created_at timestamp with time zone DEFAULT now() NOT NULL,\n    CONSTRAINT users_national_id_check",
		"    created_at timestamp with time zone DEFAULT now() NOT NULL,\n    backup_email text,\n    CONSTRAINT users_national_id_check", 1)
	if s == string(b) {
		t.Fatal("the fixture's users table changed: update shopWithColumn")
	}
	return writeFile(t, t.TempDir(), "shop-new-column.sql", s)
}

func TestCheckNewColumn(t *testing.T) {
	in := shopWithColumn(t)
	r := run(t, nil, "", "check", "--rules", "../rules/shop.yaml", "--in", in)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "public.users.backup_email (text)") {
		t.Fatalf("check: exit %d, want %d naming backup_email:\n%s", r.code, ExitFailure, r.stderr)
	}
	fix := filepath.Join(t.TempDir(), "fix.yaml")
	r = run(t, nil, "", "check", "--rules", "../rules/shop.yaml", "--in", in, "--fix", fix)
	patch, err := os.ReadFile(fix)
	if err != nil || !strings.Contains(string(patch), "backup_email: email") {
		t.Fatalf("--fix: %v\n%s", err, patch)
	}
	shop, err := os.ReadFile("../rules/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := writeFile(t, t.TempDir(), "rules.yaml", string(shop)+"\ncolumns:\n  \"*.*.*_email\": email\n")
	r = run(t, nil, "", "check", "--rules", rulesPath, "--in", in)
	if r.code != ExitOK {
		t.Fatalf("check with a pattern rule: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// keepEmailRules is shop.yaml with users.email kept.
func keepEmailRules(t *testing.T) string {
	t.Helper()
	shop, err := os.ReadFile("../rules/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(shop), "    email: email                       # still satisfies", "    email: keep                        # still satisfies", 1)
	if s == string(shop) {
		t.Fatal("rules/shop.yaml changed: update keepEmailRules")
	}
	return writeFile(t, t.TempDir(), "keep-email.yaml", s)
}

func TestCheckKeptEmail(t *testing.T) {
	path := keepEmailRules(t)
	r := run(t, nil, "", "check", "--rules", path, "--in", fixture)
	want := path + `:18: public.users.email is kept but looks like personal data: email (high): name matches "email" (email); 400 of 400 sampled values are email addresses; suggested: email`
	if r.code != ExitFailure || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, want %d and %q in:\n%s", r.code, ExitFailure, want, r.stderr)
	}
}

// TestCheckJSON compares the --json report of a drifted dump (a new
// column) under rules that keep an email with testdata/check-report.json.
func TestCheckJSON(t *testing.T) {
	dir := t.TempDir()
	shop, err := os.ReadFile(keepEmailRules(t))
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rulesPath, shop, 0o644); err != nil {
		t.Fatal(err)
	}
	in := shopWithColumn(t)
	r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in, "--json")
	if r.code != ExitFailure {
		t.Errorf("exit %d, want %d\n%s", r.code, ExitFailure, r.stderr)
	}
	got := strings.NewReplacer(rulesPath, "RULES", in, "DUMP").Replace(r.stdout)
	golden(t, "testdata/check-report.json", got)
}

// TestInitAwkwardNames runs init, check and anonymize on identifiers that
// YAML reads as something else unless quoted (booleans, nulls, numbers,
// indicators, a line break), and wants the generated file to work as is.
func TestInitAwkwardNames(t *testing.T) {
	cols := []string{"on", "null", "yes", "No", "~", "<<", "?", "!tag", "&a", "*b", "@c", "`d", "%e", "|", ">",
		"{x}", "[y]", " lead", "trail ", "123", "0x1F", "1e3", ".inf", "a:b", "c #d", "it's", `dq"x`, `\`,
		"x\ty", "line\nbreak", "bell\a", "sep\u2028x", "Émail", "MixedCase"}
	var defs, names, vals []string
	for i, c := range cols {
		q := schema.QuoteIdent(c)
		defs = append(defs, "    "+q+" text")
		names = append(names, q)
		vals = append(vals, "v"+strings.Repeat("x", i))
	}
	dump := "CREATE SCHEMA \"s:#\";\nCREATE TABLE \"s:#\".\"t\nx\" (\n" + strings.Join(defs, ",\n") + "\n);\n" +
		"COPY \"s:#\".\"t\nx\" (" + strings.Join(names, ", ") + ") FROM stdin;\n" + strings.Join(vals, "\t") + "\n\\.\n"
	dir := t.TempDir()
	in := writeFile(t, dir, "weird.sql", dump)
	rulesPath := initRules(t, in)
	r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in)
	if r.code != ExitOK {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, secretEnvInit, "", "--rules", rulesPath, "--in", in, "--out", filepath.Join(dir, "out.sql"))
	if r.code != ExitOK {
		t.Fatalf("anonymize: exit %d\n%s", r.code, r.stderr)
	}
}

// TestGeneratedOutputIsNotAnInput spells the input differently (./name, a
// symbolic link, a hard link): init --force and check --fix must refuse
// rather than replace the dump or the rules file.
func TestGeneratedOutputIsNotAnInput(t *testing.T) {
	dir := t.TempDir()
	shop, err := os.ReadFile("../rules/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := writeFile(t, dir, "rules.yaml", string(shop))
	in := writeFile(t, dir, "in.sql", "CREATE TABLE public.t (id integer);\n")
	for _, p := range []string{"sym.sql", "hard.sql", "sym.yaml", "hard.yaml"} {
		target := in
		if strings.HasSuffix(p, ".yaml") {
			target = rulesPath
		}
		link := os.Symlink
		if strings.HasPrefix(p, "hard") {
			link = os.Link
		}
		if err := link(target, filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, out := range []string{"./in.sql", "sym.sql", "hard.sql"} {
		if r := run(t, nil, "", "init", "--in", "in.sql", "--out", out, "--force"); r.code != ExitUsage {
			t.Errorf("init --out %s: exit %d, want %d\n%s", out, r.code, ExitUsage, r.stderr)
		}
	}
	for _, fix := range []string{"./rules.yaml", "sym.yaml", "hard.yaml", "./in.sql"} {
		if r := run(t, nil, "", "check", "--rules", "rules.yaml", "--in", "in.sql", "--fix", fix); r.code != ExitUsage {
			t.Errorf("check --fix %s: exit %d, want %d\n%s", fix, r.code, ExitUsage, r.stderr)
		}
	}
	// A file inside a directory-format archive being read is part of it.
	archive := filepath.Join(dir, "arch")
	if err := os.Mkdir(archive, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, archive, "toc.dat", "PGDMP")
	if r := run(t, nil, "", "init", "--in", "arch", "--out", "arch/toc.dat", "--force"); r.code != ExitUsage {
		t.Errorf("init --out arch/toc.dat: exit %d, want %d\n%s", r.code, ExitUsage, r.stderr)
	}
	if r := run(t, nil, "", "check", "--rules", "rules.yaml", "--in", "arch", "--fix", "arch/fix.yaml"); r.code != ExitUsage {
		t.Errorf("check --fix arch/fix.yaml: exit %d, want %d\n%s", r.code, ExitUsage, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(archive, "toc.dat")); string(b) != "PGDMP" {
		t.Error("the archive's toc.dat was overwritten")
	}
	if b, _ := os.ReadFile(rulesPath); string(b) != string(shop) {
		t.Error("the rules file was overwritten")
	}
	if b, _ := os.ReadFile(in); !strings.HasPrefix(string(b), "CREATE TABLE") {
		t.Error("the dump was overwritten")
	}
}

// TestInitOutFIFO writes the rules into a FIFO without --force (it is not
// an edited file) and leaves the FIFO a FIFO, not renamed over.
func TestInitOutFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "rules.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if r := run(t, nil, "", "init", "--in", fixture, "--out", fifo); r.code != ExitOK {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	if b := <-got; !strings.Contains(string(b), "strict: true") {
		t.Fatalf("the reader got %d bytes, not the rules", len(b))
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
}

// TestCheckDriftDoesNotHideTheRest drops a table, changes a masked
// column's type and adds a column at once: check must report all three in
// one run (not the added column only after the rules are fixed), exit 1.
func TestCheckDriftDoesNotHideTheRest(t *testing.T) {
	dir := t.TempDir()
	rulesPath := writeFile(t, dir, "rules.yaml", "version: 1\nstrict: true\ntables:\n  users: {id: keep, email: email, age: keep}\n  gone: keep\n")
	in := writeFile(t, dir, "in.sql", "CREATE TABLE public.users (id integer NOT NULL, email integer, age integer, phone text);\n"+
		"COPY public.users (id, email, age, phone) FROM stdin;\n1\t5\t30\t+44 20 7946 0958\n\\.\n")
	r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in)
	for _, want := range []string{"unknown table public.gone", "masker email cannot fill a column of type integer", "public.users.phone (text)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no %q in:\n%s", want, r.stderr)
		}
	}
	if r.code != ExitFailure {
		t.Errorf("exit %d, want %d", r.code, ExitFailure)
	}
	r = run(t, nil, "", "check", "--rules", rulesPath, "--in", in, "--json")
	var rep CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	if r.code != ExitFailure || rep.ExitCode != ExitFailure || len(rep.Stale) != 1 || len(rep.TypeChanged) != 1 || len(rep.Errors) != 2 ||
		len(rep.Uncovered) != 1 || rep.Uncovered[0].Column != "phone" {
		t.Errorf("exit %d, report %+v", r.code, rep)
	}
}

// TestCheckPatternMisfitIsDrift adds email_verified boolean under the
// pattern "*.*.*email*": the dump changed, not the rules, so check reports
// it as type_changed and exits 1 (it used to exit 2, a broken rules file).
func TestCheckPatternMisfitIsDrift(t *testing.T) {
	dir := t.TempDir()
	rulesPath := writeFile(t, dir, "rules.yaml", "version: 1\nstrict: true\ncolumns:\n  \"*.*.*email*\": email\ntables:\n  users: {id: keep}\n")
	in := writeFile(t, dir, "in.sql", "CREATE TABLE public.users (id integer NOT NULL, email text, email_verified boolean, phone text);\n"+
		"COPY public.users (id, email, email_verified, phone) FROM stdin;\n1\ta@b.example\tt\t+44 20 7946 0958\n\\.\n")
	r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in, "--json")
	var rep CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stderr)
	}
	if r.code != ExitFailure || len(rep.TypeChanged) != 1 || rep.TypeChanged[0].Column != "email_verified" || rep.TypeChanged[0].Line != 4 ||
		len(rep.Uncovered) != 1 || rep.Uncovered[0].Column != "phone" {
		t.Errorf("exit %d, want %d; report %+v\n%s", r.code, ExitFailure, rep, r.stderr)
	}
	// A rule of its own for the column makes the pattern's misfit go away.
	rulesPath = writeFile(t, dir, "rules.yaml", "version: 1\nstrict: true\ncolumns:\n  \"*.*.*email*\": email\ntables:\n  users: {id: keep, email_verified: keep, phone: phone}\n")
	if r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in); r.code != ExitOK {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestInitFollowCommentOneLine has a foreign key to a masked column whose
// name holds a line break: the referencing column's "follows" comment must
// stay on its line, or the rest of the name lands in the YAML.
func TestInitFollowCommentOneLine(t *testing.T) {
	p, e := schema.QuoteIdent("p\nq"), schema.QuoteIdent("e\nmail")
	in := writeFile(t, t.TempDir(), "fk.sql", "CREATE TABLE public."+p+" ("+e+" text NOT NULL);\n"+
		"CREATE TABLE public.c (id integer, ref text);\n"+
		"ALTER TABLE ONLY public."+p+" ADD CONSTRAINT pk PRIMARY KEY ("+e+");\n"+
		"ALTER TABLE ONLY public.c ADD CONSTRAINT fk FOREIGN KEY (ref) REFERENCES public."+p+"("+e+");\n"+
		"COPY public."+p+" ("+e+") FROM stdin;\na@b.example\nc@d.example\n\\.\n"+
		"COPY public.c (id, ref) FROM stdin;\n1\ta@b.example\n\\.\n")
	rulesPath := initRules(t, in)
	b, err := os.ReadFile(rulesPath)
	if err != nil || !strings.Contains(string(b), "# ref: follows") {
		t.Fatalf("%v: no follow comment in:\n%s", err, b)
	}
	if r := run(t, nil, "", "check", "--rules", rulesPath, "--in", in); r.code != ExitOK {
		t.Fatalf("check: exit %d\n%s", r.code, r.stderr)
	}
}

// TestInitOutGz: outfile compresses a .gz path, and a rules file is read
// as text, so init refuses the name rather than write an unreadable file.
func TestInitOutGz(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rules.yaml.gz")
	if r := run(t, nil, "", "init", "--in", fixture, "--out", out); r.code != ExitUsage || !strings.Contains(r.stderr, "not gzip") {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitUsage, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a rules.yaml.gz was written")
	}
}

// TestCheckFixStdout: --fix - prints the patch, but not into --json's
// report, which a CI job parses.
func TestCheckFixStdout(t *testing.T) {
	in := shopWithColumn(t)
	r := run(t, nil, "", "check", "--rules", "../rules/shop.yaml", "--in", in, "--fix", "-")
	if r.code != ExitFailure || !strings.Contains(r.stdout, "backup_email: email") {
		t.Errorf("--fix -: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "", "check", "--rules", "../rules/shop.yaml", "--in", in, "--fix", "-", "--json")
	if r.code != ExitUsage || r.stdout != "" {
		t.Errorf("--fix - --json: exit %d, want %d\n%s%s", r.code, ExitUsage, r.stdout, r.stderr)
	}
}
