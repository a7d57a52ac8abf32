package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// Unit tests of File.Plan on catalogs built from DDL: no dump, no database,
// no corpus.

var planOpts = &masking.Options{Secret: masking.NewSecret([]byte("rules plan test secret")), EmailDomain: "example.com"}

// catalogOf feeds DDL statements, one per string, to a fresh schema.Builder.
func catalogOf(t *testing.T, stmts ...string) *schema.Catalog {
	t.Helper()
	b := schema.NewBuilder()
	for _, s := range stmts {
		if err := b.Add(s); err != nil {
			t.Fatalf("DDL %q: %v", s, err)
		}
	}
	return b.Catalog()
}

// yamlOf joins rules lines: line n of the file is lines[n-1].
func yamlOf(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// planOf parses rules (as r.yaml) and plans them against cat.
func planOf(t *testing.T, cat *schema.Catalog, data map[schema.QName][]string, lines ...string) (*Plan, error) {
	t.Helper()
	f, err := Parse("r.yaml", []byte(yamlOf(lines...)))
	if err != nil {
		t.Fatalf("parse rules: %v", err)
	}
	return f.Plan(cat, data, planOpts)
}

func mustPlan(t *testing.T, cat *schema.Catalog, data map[schema.QName][]string, lines ...string) *Plan {
	t.Helper()
	p, err := planOf(t, cat, data, lines...)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// planError plans and returns the error text, failing when there is none.
func planError(t *testing.T, cat *schema.Catalog, data map[schema.QName][]string, lines ...string) string {
	t.Helper()
	_, err := planOf(t, cat, data, lines...)
	if err == nil {
		t.Fatal("plan succeeded, want an error")
	}
	return err.Error()
}

func qn(s string) schema.QName {
	q, err := schema.ParseQName(s)
	if err != nil {
		panic(err)
	}
	return q
}

// col returns the plan of a masked column, failing when it is not masked.
func col(t *testing.T, p *Plan, table, column string) *ColumnPlan {
	t.Helper()
	tp := p.Tables[qn(table)]
	if tp == nil || tp.Columns[column] == nil {
		t.Fatalf("%s.%s is not masked", table, column)
	}
	return tp.Columns[column]
}

// unmasked fails when a column is masked.
func unmasked(t *testing.T, p *Plan, table, column string) {
	t.Helper()
	if tp := p.Tables[qn(table)]; tp != nil && tp.Columns[column] != nil {
		t.Errorf("%s.%s is masked (%s, %s), want it passed through", table, column, tp.Columns[column].Masker, tp.Columns[column].Origin)
	}
}

// apply masks one non-NULL value with a column's cell.
func apply(t *testing.T, cp *ColumnPlan, v string) string {
	t.Helper()
	out, null, err := cp.Cell.Apply(masking.NewScratch(), nil, []byte(v), false)
	if err != nil {
		t.Fatalf("%s.%s: mask %q: %v", cp.Table, cp.Name, v, err)
	}
	if null {
		return "NULL"
	}
	return string(out)
}

// follows checks that a column is masked by masker, follows from, and gives
// the same output as from's column for the same inputs.
func follows(t *testing.T, p *Plan, table, column, masker, origin string, same *ColumnPlan, inputs ...string) {
	t.Helper()
	cp := col(t, p, table, column)
	if cp.Masker != masker || cp.Origin != origin {
		t.Errorf("%s.%s: masker %s, origin %q; want %s, %q", table, column, cp.Masker, cp.Origin, masker, origin)
	}
	for _, v := range inputs {
		if a, b := apply(t, cp, v), apply(t, same, v); a != b {
			t.Errorf("%s.%s masks %s to %s, %s.%s to %s: a join breaks", table, column, v, a, same.Table, same.Name, b)
		}
	}
}

// --- coverage -----------------------------------------------------------------

var coverageDDL = []string{
	`CREATE TABLE public.users (id integer PRIMARY KEY, email character varying(100) UNIQUE, name text);`,
	`CREATE TABLE public.audit (id integer, what text);`,
	`CREATE TABLE public.calc (a integer, b integer, total integer GENERATED ALWAYS AS (a + b) STORED);`,
	`CREATE TABLE public.events (id integer, region text, payload text) PARTITION BY LIST (region);`,
	`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
	`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
}

func TestPlanCoverage(t *testing.T) {
	cat := catalogOf(t, coverageDDL...)
	users := []string{"  users:", "    id: keep", "    email: email", "    name: keep"}
	for _, tc := range []struct {
		name  string
		data  map[schema.QName][]string
		rules []string // under tables:
		want  []string // uncovered
		check func(t *testing.T, p *Plan)
	}{
		{
			name:  "a table no rule mentions",
			rules: append(slices.Clone(users), "  calc: {a: keep, b: keep}", "  events: keep"),
			want:  []string{"public.audit.id (integer)", "public.audit.what (text)"},
		},
		{
			name:  "every column of a table needs a rule",
			rules: []string{"  users:", "    email: email", "  audit: keep", "  calc:", "    b: keep", "  events: keep"},
			want:  []string{"public.calc.a (integer)", "public.users.id (integer)", "public.users.name (text)"},
		},
		{
			name:  "a partitioned parent holds no rows: its partitions are listed, with its rules",
			rules: append(slices.Clone(users), "  audit: skip", "  calc: {a: keep, b: keep}", "  events: {id: keep, region: keep}"),
			want:  []string{"public.events_a.payload (text)", "public.events_b.payload (text)"},
			check: func(t *testing.T, p *Plan) {
				if tp := p.Tables[qn("audit")]; tp == nil || !tp.Skip || tp.Masked() {
					t.Errorf("audit: %+v, want skipped", tp)
				}
			},
		},
		{
			name: "a partition with rules of its own",
			rules: append(slices.Clone(users), "  audit: keep", "  calc: {a: keep, b: keep}", "  events: {id: keep, region: keep}",
				"  events_b: {id: keep, region: keep, payload: keep}"),
			want: []string{"public.events_a.payload (text)"},
		},
		{
			name: "a column masked in one partition is masked in all",
			rules: append(slices.Clone(users), "  audit: keep", "  calc: {a: keep, b: keep}", "  events: {id: keep, region: keep}",
				"  events_b: {id: keep, region: keep, payload: lorem}"),
			check: func(t *testing.T, p *Plan) {
				cp := col(t, p, "events_a", "payload")
				if cp.Masker != "lorem" || cp.Origin != "follows public.events.payload" {
					t.Errorf("events_a.payload: %s %q", cp.Masker, cp.Origin)
				}
				if cp := col(t, p, "events", "payload"); cp.Origin != "follows public.events_b.payload" {
					t.Errorf("events.payload: %q", cp.Origin)
				}
				if cp := col(t, p, "events_b", "payload"); cp.Origin != "r.yaml:10" {
					t.Errorf("events_b.payload: %q", cp.Origin)
				}
			},
		},
		{
			name:  "keep and skip tables cover every column",
			rules: []string{"  users: keep", "  audit: skip", "  calc: keep", "  events: skip"},
			check: func(t *testing.T, p *Plan) {
				for _, q := range []string{"audit", "events", "events_a", "events_b"} {
					if tp := p.Tables[qn(q)]; tp == nil || !tp.Skip {
						t.Errorf("%s not skipped", q)
					}
				}
				for _, q := range []string{"users", "calc"} {
					if tp := p.Tables[qn(q)]; tp != nil {
						t.Errorf("%s has a plan %+v, want none", q, tp)
					}
				}
			},
		},
		{
			name:  "tables with data but no CREATE TABLE",
			data:  map[schema.QName][]string{qn("extra"): {"x", "y"}, qn("blind"): nil, qn("users"): {"id", "email", "name"}},
			rules: append(slices.Clone(users), "  audit: keep", "  calc: keep", "  events: keep"),
			want: []string{
				"public.blind (rows without a column list or a CREATE TABLE: its columns cannot be known; keep or skip it)",
				"public.extra.x", "public.extra.y",
			},
		},
		{
			name:  "tables with data but no CREATE TABLE, kept and skipped",
			data:  map[schema.QName][]string{qn("extra"): {"x", "y"}, qn("blind"): nil},
			rules: append(slices.Clone(users), "  audit: keep", "  calc: keep", "  events: keep", "  extra: skip", "  blind: keep"),
			check: func(t *testing.T, p *Plan) {
				if tp := p.Tables[qn("extra")]; tp == nil || !tp.Skip {
					t.Errorf("extra: %+v, want skipped", tp)
				}
				if tp := p.Tables[qn("blind")]; tp != nil {
					t.Errorf("blind: %+v, want no plan", tp)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := append([]string{"version: 1", "tables:"}, tc.rules...)
			_, err := planOf(t, cat, tc.data, rules...)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("strict: %v", err)
				}
			} else {
				var ce *CoverageError
				if !errors.As(err, &ce) {
					t.Fatalf("strict: error %v, want a CoverageError", err)
				}
				if ce.File != "r.yaml" || !reflect.DeepEqual(ce.Columns, tc.want) {
					t.Errorf("strict: uncovered %q in %s, want %q", ce.Columns, ce.File, tc.want)
				}
			}
			p := mustPlan(t, cat, tc.data, append(rules, "strict: false")...)
			if !reflect.DeepEqual(p.Uncovered, tc.want) {
				t.Errorf("non-strict: Uncovered %q, want %q", p.Uncovered, tc.want)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestCoverageErrorMessage(t *testing.T) {
	cat := catalogOf(t, `CREATE TABLE public.t (id integer, born date, "Nick" character varying(20));`)
	msg := planError(t, cat, nil, "version: 1", "tables:", "  t:", "    born: date_shift")
	want := "r.yaml: strict mode: 2 column(s) have no rule, so their data would leak unmasked:\n" +
		"  public.t.\"Nick\" (character varying(20))\n  public.t.id (integer)\n" +
		"add a rule for each (keep counts), mark the table keep or skip, or set strict: false"
	if msg != want {
		t.Errorf("message\n%s\nwant\n%s", msg, want)
	}
}

// Generated columns are computed on load: they take no rule and need none.
func TestPlanGeneratedColumns(t *testing.T) {
	cat := catalogOf(t, coverageDDL[2])
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  calc:", "    a: number_noise", "    b: keep")
	unmasked(t, p, "calc", "total")
	if len(p.Uncovered) != 0 {
		t.Errorf("uncovered %q", p.Uncovered)
	}
	got := planError(t, cat, nil, "version: 1", "tables:", "  calc:", "    a: keep", "    b: keep", "    total: keep")
	if want := "r.yaml:6: column public.calc.total is generated: it is computed on load, not stored in the dump; remove its rule"; got != want {
		t.Errorf("error %q\nwant %q", got, want)
	}
	// Partitions inherit no rule for a column generated in them.
	cat = catalogOf(t,
		`CREATE TABLE public.m (a integer, b integer, region text) PARTITION BY LIST (region);`,
		`CREATE TABLE public.m_x (a integer, b integer GENERATED ALWAYS AS (a * 2) STORED, region text);`,
		`ALTER TABLE ONLY public.m ATTACH PARTITION public.m_x FOR VALUES IN ('x');`,
	)
	p = mustPlan(t, cat, nil, "version: 1", "tables:", "  m:", "    a: keep", "    b: number_noise", "    region: keep")
	unmasked(t, p, "m_x", "b")
	if cp := col(t, p, "m", "b"); cp.Origin != "r.yaml:5" {
		t.Errorf("m.b origin %q", cp.Origin)
	}
}

// --- data the schema does not define --------------------------------------------

func TestPlanDataError(t *testing.T) {
	cat := catalogOf(t, coverageDDL[:3]...)
	data := map[schema.QName][]string{
		qn("users"):  {"id", "email", "name"},
		qn("calc"):   {"a", "b", "total", "zz"},
		qn("audit"):  {"id", "nosuch", "what"},
		qn("orphan"): {"x"},
	}
	// Whatever else is wrong with the rules, the data is checked first.
	_, err := planOf(t, cat, data, "version: 1", "tables:", "  nosuch: keep")
	var de *DataError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a DataError", err, err)
	}
	want := "dump: the data of public.audit has a column nosuch that its CREATE TABLE does not define; " +
		"the data of public.calc has a column zz that its CREATE TABLE does not define; " +
		"the data of public.calc holds generated column total"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	_, err = planOf(t, cat, map[schema.QName][]string{qn("users"): {"id", `E"x`}}, "version: 1", "tables:", "  users: keep")
	if want := `dump: the data of public.users has a column "E""x" that its CREATE TABLE does not define`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// --- rule errors ------------------------------------------------------------------

var shopDDL = []string{
	`CREATE TABLE public.users (id integer PRIMARY KEY, email character varying(100) UNIQUE, name text, born date NOT NULL);`,
	`CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer REFERENCES public.users(id), note text);`,
	`CREATE TABLE public.calc (a integer, b integer, total integer GENERATED ALWAYS AS (a + b) STORED);`,
}

func TestPlanRuleErrors(t *testing.T) {
	cat := catalogOf(t, shopDDL...)
	data := map[schema.QName][]string{qn("legacy"): {"x"}, qn("users"): {"id", "email", "name", "born"}}
	for _, tc := range []struct {
		name  string
		rules []string // the whole file
		want  string
	}{
		{"unknown table, close to one", []string{"version: 1", "tables:", "  public.user: keep"},
			`r.yaml:3: unknown table public."user": the dump has no such table (did you mean public.users?)`},
		{"unknown table, close to one only the data has", []string{"version: 1", "tables:", "  legacyy: keep"},
			"r.yaml:3: unknown table public.legacyy: the dump has no such table (did you mean public.legacy?)"},
		{"unknown table, nothing close", []string{"version: 1", "tables:", "  users: keep", "  public.invoices: keep"},
			"r.yaml:4: unknown table public.invoices: the dump has no such table"},
		{"unknown table in another schema", []string{"version: 1", "tables:", "  sales.users: keep"},
			"r.yaml:3: unknown table sales.users: the dump has no such table"},
		{"unknown column", []string{"version: 1", "tables:", "  users:", "    id: keep", "    emial: email"},
			"r.yaml:5: unknown column emial in table public.users (did you mean email?)"},
		{"unknown column, case differs", []string{"version: 1", "tables:", "  users:", "    ID: keep"},
			`r.yaml:4: unknown column "ID" in table public.users (did you mean id?)`},
		{"unknown column, nothing close", []string{"version: 1", "tables:", "  users:", "    password_hash: null"},
			"r.yaml:4: unknown column password_hash in table public.users"},
		{"generated column", []string{"version: 1", "tables:", "  calc:", "    total: null"},
			"r.yaml:4: column public.calc.total is generated: it is computed on load, not stored in the dump; remove its rule"},
		{"column rules for a table without CREATE TABLE", []string{"version: 1", "tables:", "  legacy:", "    x: keep"},
			"r.yaml:3: table public.legacy has data but no CREATE TABLE in this dump, so its column types are unknown: only keep or skip can apply (use a dump with the schema)"},
		{"masker that cannot fill the type", []string{"version: 1", "tables:", "  users:", "    id: email"},
			"r.yaml:4: column public.users.id: masker email cannot fill a column of type integer: it produces text (text, varchar, char)"},
		{"null on NOT NULL", []string{"version: 1", "tables:", "  users:", "    born: null"},
			"r.yaml:4: column public.users.born: masker null cannot fill a column of type date: the column is NOT NULL"},
		{"const that does not fit", []string{"version: 1", "tables:", "  orders:", "    note: keep", "    id: {use: const, value: '7'}"},
			"r.yaml:5: column public.orders.id is unique: const would write the same value in every row"},
		{"errors come sorted by line", []string{"version: 1", "tables:", "  users:", "    id: email", "    name: keep", "    nick: keep", "  nosuch: keep"},
			"r.yaml:4: column public.users.id: masker email cannot fill a column of type integer: it produces text (text, varchar, char)\n" +
				"r.yaml:6: unknown column nick in table public.users (did you mean id?)\n" + // as close as name, and first
				"r.yaml:7: unknown table public.nosuch: the dump has no such table"},
		{"email_domain not reserved", []string{"version: 1", "email_domain: gmail.com", "tables:", "  users: keep"},
			`r.yaml:2: email_domain: domain "gmail.com" is not reserved: use example.com, example.net, example.org or a name under .example, .test or .invalid (RFC 2606) so staging can never reach a real mailbox or host`},
		{"email_domain not a domain", []string{"version: 1", "email_domain: 'not a domain'", "tables:", "  users:", "    email: email", "  nosuch: keep"},
			"r.yaml:2: email_domain: \"not a domain\" is not a valid domain name\nr.yaml:6: unknown table public.nosuch: the dump has no such table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := append(slices.Clone(tc.rules), "strict: false")
			if got := planError(t, cat, data, rules...); got != tc.want {
				t.Errorf("error\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// A reserved email_domain is fine, and is what email rules default to.
func TestPlanEmailDomain(t *testing.T) {
	cat := catalogOf(t, shopDDL[0])
	for _, d := range []string{"example.org", "staging.test", "mail.example"} {
		f, err := Parse("r.yaml", []byte(yamlOf("version: 1", "email_domain: "+d, "tables:", "  users:", "    email: email", "strict: false")))
		if err != nil {
			t.Fatal(err)
		}
		// As the command line does: the maskers' default is the file's.
		p, err := f.Plan(cat, nil, &masking.Options{Secret: planOpts.Secret, EmailDomain: f.EmailDomain})
		if err != nil {
			t.Fatalf("email_domain %s: %v", d, err)
		}
		if out := apply(t, col(t, p, "users", "email"), "someone@corp.com"); !strings.HasSuffix(out, "@"+d) {
			t.Errorf("email_domain %s: masked to %s", d, out)
		}
	}
	// A File not from Parse has the domain it is given, line 0 when unknown.
	f := &File{Path: "f.yaml", Strict: false, EmailDomain: "gmail.com"}
	_, err := f.Plan(cat, nil, planOpts)
	if err == nil || !strings.HasPrefix(err.Error(), `f.yaml: email_domain: domain "gmail.com" is not reserved`) {
		t.Errorf("error %v", err)
	}
}

// "Did you mean" proposes the closest name at an edit distance below 4,
// ignoring case, the first of equally close ones.
func TestPlanSuggestions(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.t (nama text, namb text, email text, status text, "Street" text, ab text, total integer GENERATED ALWAYS AS (1) STORED);`,
		`CREATE TABLE public.addresses (id integer);`,
	)
	for _, tc := range []struct{ rule, want string }{
		{"name", " (did you mean nama?)"},
		{"emailxyz", " (did you mean email?)"}, // three insertions
		{"emailwxyz", ""},                      // four
		{"xmail", " (did you mean email?)"},    // a substitution
		{"mail", " (did you mean email?)"},     // a deletion
		{"emial", " (did you mean email?)"},    // a swap is two edits
		{"stat", " (did you mean status?)"},
		{"st", " (did you mean ab?)"},
		{"s", " (did you mean ab?)"},
		{"abcde", " (did you mean ab?)"},
		{"abcdef", ""},
		{"xyzw", ""}, // four from ab and from nama
		{"STATUSES", " (did you mean status?)"},
		{"street", " (did you mean Street?)"},
		{"tota", " (did you mean nama?)"}, // generated columns take no rule: not proposed
		{"q", " (did you mean ab?)"},
		{"zzzzzz", ""},
	} {
		got := planError(t, cat, nil, "version: 1", "tables:", "  t:", "    "+tc.rule+": keep", "strict: false")
		want := fmt.Sprintf("r.yaml:4: unknown column %s in table public.t%s", schema.QuoteIdent(tc.rule), tc.want)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.rule, got, want)
		}
	}
	for _, tc := range []struct{ rule, want string }{
		{"adresses", " (did you mean public.addresses?)"},
		{"public.T", ` (did you mean public.t?)`},
		{"publik.tt", " (did you mean public.t?)"},
		{"x.addresses", ""},
	} {
		got := planError(t, cat, nil, "version: 1", "tables:", "  "+tc.rule+": keep", "strict: false")
		want := fmt.Sprintf("r.yaml:3: unknown table %s: the dump has no such table%s", qn(tc.rule), tc.want)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.rule, got, want)
		}
	}
}

// Suggestions are searched for at most 20 names per plan, so that a rules
// file naming thousands of unknown objects is not quadratic.
func TestPlanSuggestionsAreBounded(t *testing.T) {
	cat := catalogOf(t, `CREATE TABLE public.t (email text);`)
	lines := []string{"version: 1", "tables:", "  tt: keep", "  t:"}
	for i := range 25 {
		lines = append(lines, fmt.Sprintf("    email%d: keep", i))
	}
	lines = append(lines, "  t2: keep", "strict: false")
	msg := planError(t, cat, nil, lines...)
	errs := strings.Split(msg, "\n")
	if len(errs) != 27 {
		t.Fatalf("%d errors, want 27:\n%s", len(errs), msg)
	}
	if want := "r.yaml:3: unknown table public.tt: the dump has no such table (did you mean public.t?)"; errs[0] != want {
		t.Errorf("first error %q, want %q", errs[0], want)
	}
	for i, e := range errs[1:26] {
		want := fmt.Sprintf("r.yaml:%d: unknown column email%d in table public.t", i+5, i)
		if i < 19 { // the table took one of the 20
			want += " (did you mean email?)"
		}
		if e != want {
			t.Errorf("error %d: %q, want %q", i+1, e, want)
		}
	}
	if want := "r.yaml:30: unknown table public.t2: the dump has no such table"; errs[26] != want {
		t.Errorf("last error %q, want %q", errs[26], want)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"a", "a", 0}, {"a", "b", 1},
		{"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"ab", "ba", 2}, {"abc", "abd", 1},
		{"abcd", "bcd", 1}, {"bcd", "abcd", 1}, {"saturday", "sunday", 3}, {"email", "emial", 2},
		{"intention", "execution", 5},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// --- foreign keys ---------------------------------------------------------------

func TestPlanForeignKeysFollow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ddl   []string
		rules []string // under tables:
		check func(t *testing.T, p *Plan)
	}{
		{
			name:  "single column, into a keep table",
			ddl:   shopDDL[:2],
			rules: []string{"  users: {id: hash_id, email: keep, name: keep, born: keep}", "  orders: keep"},
			check: func(t *testing.T, p *Plan) {
				users := col(t, p, "users", "id")
				if users.Origin != "r.yaml:3" || users.Masker != "hash_id" {
					t.Errorf("users.id: %s %q", users.Masker, users.Origin)
				}
				follows(t, p, "orders", "user_id", "hash_id", "follows public.users.id", users, "1", "2", "77", "-5")
				unmasked(t, p, "orders", "id")
				unmasked(t, p, "users", "email")
				if !p.Tables[qn("orders")].Masked() {
					t.Error("orders not Masked")
				}
			},
		},
		{
			name: "composite key, its second column only, in another order",
			ddl: []string{
				`CREATE TABLE public.accounts (tenant integer, num integer, label text, PRIMARY KEY (tenant, num));`,
				`CREATE TABLE public.postings (id integer PRIMARY KEY, acc_num integer, acc_tenant integer, FOREIGN KEY (acc_num, acc_tenant) REFERENCES public.accounts (num, tenant));`,
			},
			rules: []string{"  accounts: {tenant: keep, num: hash_id, label: keep}", "  postings: {id: keep}"},
			check: func(t *testing.T, p *Plan) {
				follows(t, p, "postings", "acc_num", "hash_id", "follows public.accounts.num", col(t, p, "accounts", "num"), "1", "9")
				unmasked(t, p, "postings", "acc_tenant")
				unmasked(t, p, "accounts", "tenant")
			},
		},
		{
			name: "composite key, its first column only",
			ddl: []string{
				`CREATE TABLE public.accounts (tenant integer, num integer, label text, PRIMARY KEY (tenant, num));`,
				`CREATE TABLE public.postings (id integer PRIMARY KEY, acc_num integer, acc_tenant integer, FOREIGN KEY (acc_tenant, acc_num) REFERENCES public.accounts (tenant, num));`,
			},
			rules: []string{"  accounts: {tenant: hash_id, num: keep, label: keep}", "  postings: {id: keep}"},
			check: func(t *testing.T, p *Plan) {
				follows(t, p, "postings", "acc_tenant", "hash_id", "follows public.accounts.tenant", col(t, p, "accounts", "tenant"), "3")
				unmasked(t, p, "postings", "acc_num")
			},
		},
		{
			name: "a chain of keys, declared in reverse order",
			ddl: []string{
				`CREATE TABLE public.posts (id integer PRIMARY KEY, author integer);`,
				`CREATE TABLE public.profiles (user_id integer PRIMARY KEY, bio text);`,
				`CREATE TABLE public.users (id bigint PRIMARY KEY);`,
				`ALTER TABLE public.posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author) REFERENCES public.profiles(user_id);`,
				`ALTER TABLE public.profiles ADD CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);`,
			},
			rules: []string{"  users:", "    id: hash_id", "  profiles: {bio: lorem}", "  posts: {id: keep}"},
			check: func(t *testing.T, p *Plan) {
				users := col(t, p, "users", "id")
				follows(t, p, "profiles", "user_id", "hash_id", "follows public.users.id", users, "1", "1000", "123456")
				follows(t, p, "posts", "author", "hash_id", "follows public.profiles.user_id", users, "1", "1000", "123456")
				if cp := col(t, p, "profiles", "bio"); cp.Origin != "r.yaml:5" {
					t.Errorf("bio origin %q", cp.Origin)
				}
			},
		},
		{
			name: "self-reference",
			ddl: []string{
				`CREATE TABLE public.staff (id integer PRIMARY KEY, manager_id integer REFERENCES public.staff(id), mentor_id integer REFERENCES public.staff(id));`,
			},
			rules: []string{"  staff:", "    id: hash_id", "    mentor_id: hash_id"},
			check: func(t *testing.T, p *Plan) {
				id := col(t, p, "staff", "id")
				follows(t, p, "staff", "manager_id", "hash_id", "follows public.staff.id", id, "1", "2", "3")
				follows(t, p, "staff", "mentor_id", "hash_id", "r.yaml:5", id, "1", "2", "3")
			},
		},
		{
			name: "a key declared on a partitioned table governs its partitions",
			ddl: []string{
				`CREATE TABLE public.users (id integer PRIMARY KEY);`,
				`CREATE TABLE public.events (id integer, user_id integer REFERENCES public.users(id), region text) PARTITION BY LIST (region);`,
				`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
				`CREATE TABLE public.events_b (id integer, user_id integer, region text);`,
				`ALTER TABLE ONLY public.events ATTACH PARTITION public.events_b FOR VALUES IN ('b');`,
			},
			rules: []string{"  users: {id: hash_id}", "  events: keep"},
			check: func(t *testing.T, p *Plan) {
				users := col(t, p, "users", "id")
				follows(t, p, "events_a", "user_id", "hash_id", "follows public.users.id", users, "4")
				follows(t, p, "events_b", "user_id", "hash_id", "follows public.users.id", users, "4")
				unmasked(t, p, "events_a", "id")
			},
		},
		{
			name: "a key only some partitions declare masks the column in all",
			ddl: []string{
				`CREATE TABLE public.users (id integer PRIMARY KEY);`,
				`CREATE TABLE public.events (id integer, user_id integer, region text) PARTITION BY LIST (region);`,
				`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
				`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
				`CREATE TABLE public.events_c PARTITION OF public.events FOR VALUES IN ('c') PARTITION BY LIST (id);`,
				`CREATE TABLE public.events_c1 PARTITION OF public.events_c FOR VALUES IN (1);`,
				`ALTER TABLE public.events_b ADD CONSTRAINT events_b_user_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);`,
			},
			rules: []string{"  users: {id: hash_id}", "  events: keep"},
			check: func(t *testing.T, p *Plan) {
				users := col(t, p, "users", "id")
				follows(t, p, "events_b", "user_id", "hash_id", "follows public.users.id", users, "4", "5")
				follows(t, p, "events", "user_id", "hash_id", "follows public.events_b.user_id", users, "4", "5")
				follows(t, p, "events_a", "user_id", "hash_id", "follows public.events.user_id", users, "4", "5")
				follows(t, p, "events_c1", "user_id", "hash_id", "follows public.events.user_id", users, "4", "5")
				unmasked(t, p, "events_a", "id")
			},
		},
		{
			name: "partitions take the rules of their nearest ancestor with rules",
			ddl: []string{
				`CREATE TABLE public.events (id integer, region text, payload text) PARTITION BY LIST (region);`,
				`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a') PARTITION BY LIST (id);`,
				`CREATE TABLE public.events_a1 PARTITION OF public.events_a FOR VALUES IN (1);`,
				`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b') PARTITION BY LIST (id);`,
				`CREATE TABLE public.events_b1 PARTITION OF public.events_b FOR VALUES IN (1);`,
			},
			rules: []string{"  events: {id: keep, region: keep, payload: lorem}", "  events_a: {id: keep, region: keep, payload: scrub}"},
			check: func(t *testing.T, p *Plan) {
				if cp := col(t, p, "events_a1", "payload"); cp.Masker != "scrub" || cp.Origin != "r.yaml:4" {
					t.Errorf("events_a1.payload: %s %q", cp.Masker, cp.Origin)
				}
				if cp := col(t, p, "events_b1", "payload"); cp.Masker != "lorem" || cp.Origin != "r.yaml:3" {
					t.Errorf("events_b1.payload: %s %q", cp.Masker, cp.Origin)
				}
			},
		},
		{
			name: "an inheritance child follows its parent's key",
			ddl: []string{
				`CREATE TABLE public.users (id integer PRIMARY KEY);`,
				`CREATE TABLE public.base (id integer, user_id integer REFERENCES public.users(id));`,
				`CREATE TABLE public.kid (extra text) INHERITS (public.base);`,
			},
			rules: []string{"  users: {id: hash_id}", "  base: keep", "  kid: {id: keep, extra: keep}"},
			check: func(t *testing.T, p *Plan) {
				users := col(t, p, "users", "id")
				follows(t, p, "base", "user_id", "hash_id", "follows public.users.id", users, "8")
				follows(t, p, "kid", "user_id", "hash_id", "follows public.users.id", users, "8")
			},
		},
		{
			name: "same rule on both sides",
			ddl: []string{
				`CREATE TABLE public.cards (code text PRIMARY KEY);`,
				`CREATE TABLE public.uses (code text REFERENCES public.cards(code), at date);`,
			},
			rules: []string{"  cards: {code: {use: hash, length: 20}}", "  uses: {code: {use: hash, length: 20}, at: keep}"},
			check: func(t *testing.T, p *Plan) {
				follows(t, p, "uses", "code", "hash", "r.yaml:4", col(t, p, "cards", "code"), "abc", "x")
			},
		},
		{
			name:  "keep on the referenced key leaves the referencing column alone",
			ddl:   shopDDL[:2],
			rules: []string{"  users: {id: keep, email: keep, name: keep, born: keep}", "  orders: {id: keep, user_id: keep, note: keep}"},
			check: func(t *testing.T, p *Plan) {
				unmasked(t, p, "orders", "user_id")
				if len(p.Tables) != 0 {
					t.Errorf("tables %v, want none", p.Tables)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := catalogOf(t, tc.ddl...)
			p := mustPlan(t, cat, nil, append(append([]string{"version: 1", "tables:"}, tc.rules...), "strict: false")...)
			tc.check(t, p)
		})
	}
}

func TestPlanForeignKeyConflicts(t *testing.T) {
	chain := []string{
		`CREATE TABLE public.posts (id integer PRIMARY KEY, author integer);`,
		`CREATE TABLE public.profiles (user_id integer PRIMARY KEY, bio text);`,
		`CREATE TABLE public.users (id integer PRIMARY KEY);`,
		`ALTER TABLE public.posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author) REFERENCES public.profiles(user_id);`,
		`ALTER TABLE public.profiles ADD CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);`,
	}
	twoFKs := []string{
		`CREATE TABLE public.users (id integer PRIMARY KEY, code text UNIQUE);`,
		`CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer REFERENCES public.users(id), approver integer REFERENCES public.users(id), code text REFERENCES public.users(code));`,
	}
	parts := []string{
		`CREATE TABLE public.users (id integer PRIMARY KEY);`,
		`CREATE TABLE public.events (id integer, region text, user_id integer, email text, note text, PRIMARY KEY (id, region), UNIQUE (email, region)) PARTITION BY LIST (region);`,
		`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
		`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
		`ALTER TABLE public.events ADD CONSTRAINT events_user_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);`,
	}
	twoParents := []string{
		`CREATE TABLE public.users (id integer PRIMARY KEY);`,
		`CREATE TABLE public.admins (id integer PRIMARY KEY);`,
		`CREATE TABLE public.orders (ref integer REFERENCES public.users(id) REFERENCES public.admins(id));`,
	}
	partFK := []string{
		`CREATE TABLE public.users (id integer PRIMARY KEY);`,
		`CREATE TABLE public.events (id integer, user_id integer, region text) PARTITION BY LIST (region);`,
		`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
		`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
		`ALTER TABLE public.events_b ADD CONSTRAINT events_b_user_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);`,
	}
	for _, tc := range []struct {
		name  string
		ddl   []string
		rules []string // under tables:, from line 3
		want  string   // "": no error
	}{
		{"keep on a referencing column of a masked key", shopDDL[:2],
			[]string{"  users: {id: hash_id}", "  orders:", "    user_id: keep"},
			"r.yaml:5: column public.orders.user_id references public.users.id, which is masked with hash_id (r.yaml:3): the referencing column must follow it, so remove its rule (it says keep)"},
		{"another masker on a referencing column", shopDDL[:2],
			[]string{"  users:", "    id: hash_id", "  orders:", "    id: keep", "    user_id: number_noise"},
			"r.yaml:7: column public.orders.user_id references public.users.id, which is masked with hash_id (r.yaml:4): the referencing column must follow it, so remove its rule (it says number_noise)"},
		{"other parameters on a referencing column", twoFKs,
			[]string{"  users: {code: {use: hash, length: 20}}", "  orders: {code: {use: hash, length: 24}}"},
			"r.yaml:4: column public.orders.code references public.users.code, which is masked with hash{length=20} (r.yaml:3): the referencing column must follow it, so remove its rule (it says hash{length=24})"},
		{"keep down a chain", chain,
			[]string{"  users: {id: hash_id}", "  posts: {author: keep}"},
			"r.yaml:4: column public.posts.author references public.profiles.user_id, which is masked with hash_id (through the foreign key to public.users.id): the referencing column must follow it, so remove its rule (it says keep)"},
		{"a rule on the referencing side only", shopDDL[:2],
			[]string{"  users: {id: keep}", "  orders:", "    user_id: hash_id"},
			"r.yaml:5: column public.orders.user_id references public.users.id, which is not masked: masking only the referencing side breaks the foreign key; put the rule on public.users.id instead"},
		{"a rule on the referencing side of a table without rules", shopDDL[:2],
			[]string{"  orders:", "    user_id: hash_id"},
			"r.yaml:4: column public.orders.user_id references public.users.id, which is not masked: masking only the referencing side breaks the foreign key; put the rule on public.users.id instead"},
		{"keep on both sides", shopDDL[:2],
			[]string{"  users: {id: keep}", "  orders: {user_id: keep}"}, ""},
		{"a referenced table skipped", shopDDL[:2],
			[]string{"  users: skip", "  orders: keep"},
			"r.yaml:3: table public.users is skipped but public.orders references it (foreign key orders_user_id_fkey): its rows would point at nothing; skip public.orders too or keep public.users"},
		{"a referenced table skipped, referenced three times: one error", twoFKs,
			[]string{"  orders: {id: keep}", "  users: skip"},
			"r.yaml:4: table public.users is skipped but public.orders references it (foreign key orders_user_id_fkey): its rows would point at nothing; skip public.orders too or keep public.users"},
		{"a referenced table skipped, by a table without rules", twoFKs,
			[]string{"  users: skip"},
			"r.yaml:3: table public.users is skipped but public.orders references it (foreign key orders_user_id_fkey): its rows would point at nothing; skip public.orders too or keep public.users"},
		{"both sides skipped", twoFKs, []string{"  users: skip", "  orders: skip"}, ""},
		{"a referencing partitioned table skipped", parts, []string{"  users: skip", "  events: skip"}, ""},
		{"a partition's key masked unlike its parent's", parts,
			[]string{"  users: keep", "  events: {id: hash_id}", "  events_b:", "    id: keep"},
			"r.yaml:6: column public.events_b.id is part of a key of public.events, whose id rule says hash_id (line 4): a partition's key must be masked like its parent's, or rows stop matching across partitions"},
		{"a partition's unique column masked unlike its parent's", parts,
			[]string{"  users: keep", "  events: {email: email}", "  events_b:", "    email: {use: hash, length: 30}"},
			"r.yaml:6: column public.events_b.email is part of a key of public.events, whose email rule says email (line 4): a partition's key must be masked like its parent's, or rows stop matching across partitions"},
		{"a partition's foreign key column masked unlike its parent's", parts,
			[]string{"  users: {id: hash_id}", "  events: {user_id: hash_id}", "  events_b:", "    user_id: keep"},
			"r.yaml:6: column public.events_b.user_id is part of a key of public.events, whose user_id rule says hash_id (line 4): a partition's key must be masked like its parent's, or rows stop matching across partitions"},
		{"a partition's key masked like its parent's", parts,
			[]string{"  users: keep", "  events: {id: hash_id}", "  events_b:", "    id: hash_id"}, ""},
		{"a partition's other column masked unlike its parent's", parts,
			[]string{"  users: keep", "  events: {note: lorem}", "  events_b:", "    note: keep"}, ""},
		{"a partition's key masked where its parent's is kept", parts,
			[]string{"  users: keep", "  events: {id: keep}", "  events_b:", "    id: hash_id"},
			"r.yaml:6: column public.events_b.id is part of a key of public.events, whose id rule says keep (line 4): a partition's key must be masked like its parent's, or rows stop matching across partitions"},
		{"the same rule down a chain, declared in reverse order", chain,
			[]string{"  users: {id: hash_id}", "  posts: {author: hash_id}"}, ""},
		{"a column referencing two keys masked differently", twoParents,
			[]string{"  users: {id: hash_id}", "  admins: {id: number_noise}", "  orders: keep"},
			"r.yaml:3: column public.orders.ref references public.admins.id, which is masked with number_noise (r.yaml:4), and follows public.users.id, which is masked with hash_id: the keys a column references must be masked alike, or one of its foreign keys breaks"},
		{"a column referencing two keys, one kept", twoParents,
			[]string{"  users: {id: hash_id}", "  admins: {id: keep}", "  orders: keep"},
			"r.yaml:3: column public.orders.ref references public.admins.id, which is not masked, and follows public.users.id, which is masked with hash_id: the keys a column references must be masked alike, or one of its foreign keys breaks"},
		{"a column referencing two keys masked alike", twoParents,
			[]string{"  users: {id: hash_id}", "  admins: {id: hash_id}", "  orders: keep"}, ""},
		{"a partition's column follows its parent's rule, and a key only it references", partFK,
			[]string{"  users: {id: hash_id}", "  events: {user_id: number_noise}", "  events_b: {id: keep}"},
			"r.yaml:4: column public.events_b.user_id references public.users.id, which is masked with hash_id (r.yaml:3), and follows public.events.user_id, which is masked with number_noise: the keys a column references must be masked alike, or one of its foreign keys breaks"},
		{"a partition's column follows its parent's rule, and a kept key only it references", partFK,
			[]string{"  users: {id: keep}", "  events: {user_id: number_noise}", "  events_b: {id: keep}"},
			"r.yaml:4: column public.events_b.user_id references public.users.id, which is not masked, and follows public.events.user_id, which is masked with number_noise: the keys a column references must be masked alike, or one of its foreign keys breaks"},
		{"a partition inherits a rule unlike the key only it references", partFK,
			[]string{"  users: {id: hash_id}", "  events: {user_id: number_noise}"},
			"r.yaml:4: column public.events_b.user_id references public.users.id, which is masked with hash_id (r.yaml:3): the referencing column must follow it, so remove its rule (it says number_noise)"},
		{"a partition inherits a rule for a key only it references, which is kept", partFK,
			[]string{"  users: {id: keep}", "  events: {user_id: number_noise}"},
			"r.yaml:4: column public.events_b.user_id references public.users.id, which is not masked: masking only the referencing side breaks the foreign key; put the rule on public.users.id instead"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := catalogOf(t, tc.ddl...)
			_, err := planOf(t, cat, nil, append(append([]string{"version: 1", "tables:"}, tc.rules...), "strict: false")...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("no error, want\n%s", tc.want)
			case err.Error() != tc.want:
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

// --- shared maskers ---------------------------------------------------------------

// Columns joined by a foreign key share one masker, built for the tightest
// of their types, so what it writes fits all of them.
func TestPlanSharedMaskerFitsEveryColumn(t *testing.T) {
	t.Run("varchar", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.people (name character varying(100) PRIMARY KEY);`,
			`CREATE TABLE public.badges (name character varying(6) REFERENCES public.people(name));`,
			`CREATE TABLE public.notes (name text REFERENCES public.people(name));`,
		)
		p := mustPlan(t, cat, nil, "version: 1", "tables:", "  people: {name: full_name}", "  badges: keep", "  notes: keep")
		for _, c := range []*ColumnPlan{col(t, p, "people", "name"), col(t, p, "badges", "name"), col(t, p, "notes", "name")} {
			for i := range 20 {
				if out := apply(t, c, fmt.Sprintf("Person Number %d", i)); len([]rune(out)) > 6 {
					t.Errorf("%s.%s: %q is longer than varchar(6)", c.Table, c.Name, out)
				}
			}
		}
		// Without the narrow column, names are longer.
		p = mustPlan(t, catalogOf(t, `CREATE TABLE public.people (name character varying(100) PRIMARY KEY);`),
			nil, "version: 1", "tables:", "  people: {name: full_name}")
		long := 0
		for i := range 20 {
			if len(apply(t, col(t, p, "people", "name"), fmt.Sprintf("Person Number %d", i))) > 6 {
				long++
			}
		}
		if long == 0 {
			t.Error("full_name never writes more than 6 characters: the test proves nothing")
		}
	})
	t.Run("the key narrower than a referencing text column", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.people (name character varying(6) PRIMARY KEY);`,
			`CREATE TABLE public.notes (name text REFERENCES public.people(name));`,
		)
		p := mustPlan(t, cat, nil, "version: 1", "tables:", "  people: {name: full_name}", "  notes: keep")
		for _, c := range []*ColumnPlan{col(t, p, "people", "name"), col(t, p, "notes", "name")} {
			for i := range 20 {
				if out := apply(t, c, fmt.Sprintf("Person Number %d", i)); len([]rune(out)) > 6 {
					t.Errorf("%s.%s: %q is longer than varchar(6)", c.Table, c.Name, out)
				}
			}
		}
	})
	t.Run("a text key referenced by a narrow column", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.people (name text PRIMARY KEY);`,
			`CREATE TABLE public.badges (name character varying(6) REFERENCES public.people(name));`,
		)
		p := mustPlan(t, cat, nil, "version: 1", "tables:", "  people: {name: full_name}", "  badges: keep")
		for _, c := range []*ColumnPlan{col(t, p, "people", "name"), col(t, p, "badges", "name")} {
			for i := range 20 {
				if out := apply(t, c, fmt.Sprintf("Person Number %d", i)); len([]rune(out)) > 6 {
					t.Errorf("%s.%s: %q is longer than varchar(6)", c.Table, c.Name, out)
				}
			}
		}
	})
	t.Run("a referencing column too short for the masker", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.users (email character varying(100) UNIQUE);`,
			`CREATE TABLE public.subs (email character varying(12) REFERENCES public.users(email));`,
			`CREATE TABLE public.more (email character varying(40) REFERENCES public.users(email));`,
		)
		got := planError(t, cat, nil, "version: 1", "tables:", "  users:", "    email: email", "  subs: keep", "  more: keep")
		want := "r.yaml:4: column public.users.email: character varying(12) is too short for addresses at example.com (needs 20 characters)"
		if got != want {
			t.Errorf("error\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("a unique key, built for a narrower column that is not unique", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.cards (code character varying(40) PRIMARY KEY, phone character varying(30) UNIQUE, serial character varying(40) UNIQUE);`,
			`CREATE TABLE public.uses (code character varying(10) REFERENCES public.cards(code), phone character varying(20) REFERENCES public.cards(phone), serial character varying(20) REFERENCES public.cards(serial));`,
		)
		got := planError(t, cat, nil, "version: 1", "tables:", "  cards:", "    code: hash", "    phone: {use: phone, fictional: true}", "    serial: hash", "  uses: keep")
		want := "r.yaml:4: column public.cards.code: column is unique and 10 hex digits could collide; use at least 16 or hash_id\n" +
			"r.yaml:5: column public.cards.phone: fictional phone numbers come from ranges of a few thousand numbers and would collide in a unique column; use phone without fictional"
		if got != want {
			t.Errorf("error\n%s\nwant\n%s", got, want)
		}
		// A partition's rule reaches its parent's unique key.
		cat = catalogOf(t,
			`CREATE TABLE public.events (code text UNIQUE, region text) PARTITION BY LIST (code);`,
			`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
		)
		got = planError(t, cat, nil, "version: 1", "tables:", "  events: {region: keep}", "  events_a:", "    region: keep", "    code: {use: hash, length: 8}")
		if want := "r.yaml:6: column public.events_a.code: column is unique and 8 hex digits could collide; use at least 16 or hash_id"; got != want {
			t.Errorf("error\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("integer ranges", func(t *testing.T) {
		cat := catalogOf(t,
			`CREATE TABLE public.items (id bigint PRIMARY KEY);`,
			`CREATE TABLE public.tags (item smallint REFERENCES public.items(id));`,
			`CREATE TABLE public.logs (item integer REFERENCES public.items(id));`,
		)
		p := mustPlan(t, cat, nil, "version: 1", "tables:", "  items: {id: hash_id}", "  tags: keep", "  logs: keep")
		for _, c := range []*ColumnPlan{col(t, p, "items", "id"), col(t, p, "tags", "item"), col(t, p, "logs", "item")} {
			for i := 1; i <= 40; i++ {
				out := apply(t, c, fmt.Sprint(i))
				var n int
				if _, err := fmt.Sscan(out, &n); err != nil || n < 1 || n >= 1024 {
					t.Fatalf("%s.%s: %d masks to %s, outside the small ids a smallint key gets", c.Table, c.Name, i, out)
				}
			}
		}
		// The same key without the smallint column spreads small ids wider.
		p = mustPlan(t, catalogOf(t, `CREATE TABLE public.items (id bigint PRIMARY KEY);`, `CREATE TABLE public.logs (item integer REFERENCES public.items(id));`),
			nil, "version: 1", "tables:", "  items: {id: hash_id}", "  logs: keep")
		wide := 0
		for i := 1; i <= 40; i++ {
			var n int
			fmt.Sscan(apply(t, col(t, p, "logs", "item"), fmt.Sprint(i)), &n)
			if n >= 1024 {
				wide++
			}
		}
		if wide == 0 {
			t.Error("hash_id keeps bigint ids below 1024: the test proves nothing")
		}
	})
}

// null on a unique column that a NOT NULL column references would write
// NULL into the NOT NULL column, whichever column the masker is built for.
func TestPlanNullOnKeyReferencedByNotNull(t *testing.T) {
	for _, tc := range []struct{ users, subs, want string }{
		{"text", "text", "column public.subs.email: masker null cannot fill a column of type text: the column is NOT NULL"},
		{"character varying(20)", "character varying(20)", "column public.subs.email: masker null cannot fill a column of type character varying(20): the column is NOT NULL"},
		{"character varying(10)", "character varying(20)", "column public.subs.email: masker null cannot fill a column of type character varying(20): the column is NOT NULL"},
		// Built for the narrower column, which refuses it.
		{"character varying(20)", "character varying(10)", "column public.users.email: masker null cannot fill a column of type character varying(10): the column is NOT NULL"},
		{"integer", "integer", "column public.subs.email: masker null cannot fill a column of type integer: the column is NOT NULL"},
		{"bigint", "integer", "column public.users.email: masker null cannot fill a column of type integer: the column is NOT NULL"},
	} {
		cat := catalogOf(t, `CREATE TABLE public.users (email `+tc.users+` UNIQUE);`,
			`CREATE TABLE public.subs (email `+tc.subs+` NOT NULL REFERENCES public.users(email));`)
		// Columns of a group are visited in map order: whatever the order,
		// the masker is built for the same column.
		for range 8 {
			p, err := planOf(t, cat, nil, "version: 1", "tables:", "  users:", "    email: null", "  subs: keep")
			if err == nil {
				t.Errorf("%s ← %s: no error; subs.email masked by %s", tc.users, tc.subs, col(t, p, "subs", "email").Masker)
				break
			}
			if want := "r.yaml:4: " + tc.want; err.Error() != want {
				t.Errorf("%s ← %s: error\n%s\nwant\n%s", tc.users, tc.subs, err, want)
				break
			}
		}
	}
}

// --- const, templates ---------------------------------------------------------

func TestPlanConstAndTemplates(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.users (id integer PRIMARY KEY, code text UNIQUE, first text, last text, display text, initials text, note text, tag text UNIQUE, UNIQUE (first, last));`,
		`CREATE TABLE public.refs (code text REFERENCES public.users(code), note text);`,
		`CREATE TABLE public.twins (tag text UNIQUE REFERENCES public.users(tag));`,
	)
	for _, tc := range []struct {
		name  string
		rules []string // under tables:, from line 3
		want  string
		check func(t *testing.T, p *Plan)
	}{
		{"const on a unique column", []string{"  users:", "    code: {use: const, value: x}"},
			"r.yaml:4: column public.users.code is unique: const would write the same value in every row", nil},
		{"const elsewhere", []string{"  users:", "    note: {use: const, value: x}"}, "", func(t *testing.T, p *Plan) {
			if out, null, _ := col(t, p, "users", "note").Cell.Apply(masking.NewScratch(), nil, nil, true); null || string(out) != "x" {
				t.Errorf("const on NULL gives %q (null %v)", out, null)
			}
		}},
		{"template", []string{"  users:", "    first: first_name", "    display: {use: template, template: '{{.first}} {{.last}}'}"}, "", func(t *testing.T, p *Plan) {
			cp := col(t, p, "users", "display")
			if cp.Row == nil || cp.Cell == nil || cp.Masker != "template" || !reflect.DeepEqual(cp.Row.Inputs(), []string{"first", "last"}) {
				t.Errorf("display: %+v", cp)
			}
			if col(t, p, "users", "first").Row != nil {
				t.Error("first_name is a row masker")
			}
		}},
		{"a template reading a column the table does not have", []string{"  users:", "    note: keep", "    display: {use: template, template: '{{.first}} {{.nosuch}}'}"},
			"r.yaml:5: column public.users.display: the template reads column nosuch, which public.users does not have", nil},
		{"a template reading a template", []string{"  users:", "    display: {use: template, template: '{{.first}}'}", "    initials: {use: template, template: '{{.display}}{{.last}}'}"},
			"r.yaml:5: column public.users.initials: the template reads display, which is itself a template; build both from the same masked columns", nil},
		{"a template reading itself", []string{"  users:", "    note: lorem", "    display: {use: template, template: '{{.note}}{{.display}}'}"},
			"r.yaml:5: column public.users.display: template of column display reads the column itself", nil},
		{"a const key followed by a referencing column", []string{"  refs: keep", "  users:", "    code: {use: const, value: x}"},
			"r.yaml:5: column public.users.code is unique: const would write the same value in every row", nil},
		{"a const key followed by a unique referencing column", []string{"  twins: keep", "  users:", "    tag: {use: const, value: x}"},
			"r.yaml:5: column public.twins.tag is unique: const would write the same value in every row\n" +
				"r.yaml:5: column public.users.tag is unique: const would write the same value in every row", nil},
		{"two errors on one line, in file order", []string{"  users: {nmae: keep, firts: keep}"},
			"r.yaml:3: unknown column nmae in table public.users (did you mean note?)\n" +
				"r.yaml:3: unknown column firts in table public.users (did you mean first?)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planOf(t, cat, nil, append(append([]string{"version: 1", "tables:"}, tc.rules...), "strict: false")...)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.want == "":
				tc.check(t, p)
			case err == nil:
				t.Fatalf("no error, want\n%s", tc.want)
			case err.Error() != tc.want:
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

// --- guards -------------------------------------------------------------------------

var guardDDL = []string{
	`CREATE TABLE public.people (id integer PRIMARY KEY, email text UNIQUE, nick text, handle text, code text, tag text, a text, b integer, c text, d integer, deleted_at timestamp with time zone);`,
	`CREATE UNIQUE INDEX people_nick_lower ON public.people (lower(nick));`,
	`CREATE UNIQUE INDEX people_handle_upper ON public.people (upper(handle)) WHERE (deleted_at IS NULL);`,
	`ALTER TABLE public.people ADD CONSTRAINT people_code_key UNIQUE NULLS NOT DISTINCT (code);`,
	`CREATE UNIQUE INDEX people_tag_expr ON public.people ((substring(tag, 1, 3)));`,
	`ALTER TABLE public.people ADD CONSTRAINT people_a_b_key UNIQUE (a, b);`,
	`CREATE UNIQUE INDEX people_c_plus ON public.people (c, ((d + 1)));`,
}

func TestPlanGuards(t *testing.T) {
	cat := catalogOf(t, guardDDL...)
	people := qn("people")
	g := func(name string, cols []string, folds []schema.Fold, partial, nullsEqual bool) Guard {
		return Guard{Scope: people, Name: name, Columns: cols, Folds: folds, Partial: partial, NullsEqual: nullsEqual}
	}
	none := []schema.Fold{schema.NoFold}
	for _, tc := range []struct {
		name  string
		rules []string // columns of people
		want  []Guard
		err   string
	}{
		{"a bijection needs no guard", []string{"id: hash_id", "email: hash_id", "code: hash_id"}, nil, ""},
		{"null needs no guard", []string{"email: null", "a: null"}, nil, ""},
		{"keep needs no guard", []string{"id: keep", "email: keep", "nick: keep", "handle: keep", "code: keep", "tag: keep", "c: keep"}, nil, ""},
		{"other maskers need one", []string{"email: email", "id: number_noise"},
			[]Guard{g("people_email_key", []string{"email"}, none, false, false), g("people_pkey", []string{"id"}, none, false, false)}, ""},
		{"a template needs one", []string{"email: {use: template, template: '{{.nick}}@example.com'}"},
			[]Guard{g("people_email_key", []string{"email"}, none, false, false)}, ""},
		{"lower() folds a bijection's output", []string{"nick: hash_id"},
			[]Guard{g("people_nick_lower", []string{"nick"}, []schema.Fold{schema.FoldLower}, false, false)}, ""},
		{"upper() of a partial key", []string{"handle: username"},
			[]Guard{g("people_handle_upper", []string{"handle"}, []schema.Fold{schema.FoldUpper}, true, false)}, ""},
		{"NULLS NOT DISTINCT", []string{"code: {use: hash, length: 16}"},
			[]Guard{g("people_code_key", []string{"code"}, none, false, true)}, ""},
		{"a composite key with one masked column", []string{"b: number_noise"},
			[]Guard{g("people_a_b_key", []string{"a", "b"}, []schema.Fold{schema.NoFold, schema.NoFold}, false, false)}, ""},
		{"null on a NULLS NOT DISTINCT key", []string{"code: null"}, nil,
			"r.yaml:4: column public.people.code is in unique key people_code_key, which is NULLS NOT DISTINCT: null would make every row collide"},
		{"an expression over a masked column", []string{"email: keep", "tag: lorem"}, nil,
			"r.yaml:5: column public.people.tag is masked, and unique index people_tag_expr compares an expression of it (\"substring\"(tag, 1, 3)) that Understudy cannot evaluate, so it cannot check the masked values keep it unique: keep the column, or mask it with a rule the index does not see"},
		{"an expression over a bijection", []string{"tag: hash_id"}, nil,
			"r.yaml:4: column public.people.tag is masked, and unique index people_tag_expr compares an expression of it (\"substring\"(tag, 1, 3)) that Understudy cannot evaluate, so it cannot check the masked values keep it unique: keep the column, or mask it with a rule the index does not see"},
		{"an expression key beside a masked column", []string{"c: lorem"}, nil,
			"r.yaml:4: column public.people.c is masked, and unique index people_c_plus compares an expression of it (d + 1) that Understudy cannot evaluate, so it cannot check the masked values keep it unique: keep the column, or mask it with a rule the index does not see"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := []string{"version: 1", "tables:", "  people:"}
			for _, r := range tc.rules {
				lines = append(lines, "    "+r)
			}
			p, err := planOf(t, cat, nil, append(lines, "strict: false")...)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []Guard
			if tp := p.Tables[people]; tp != nil {
				for _, g := range tp.Guards {
					got = append(got, *g)
				}
			}
			slices.SortFunc(got, func(a, b Guard) int { return strings.Compare(a.Name, b.Name) })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("guards\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// A key and a folded key on one column are two guards; a column masked
// through a foreign key is guarded like one with a rule.
func TestPlanGuardsFoldsAndPropagation(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.users (nick text PRIMARY KEY);`,
		`CREATE UNIQUE INDEX users_nick_lower ON public.users (lower(nick));`,
		`CREATE TABLE public.profiles (nick text UNIQUE REFERENCES public.users(nick), code text);`,
	)
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  users: {nick: username}", "  profiles: {code: keep}")
	var names []string
	for _, g := range p.Tables[qn("users")].Guards {
		names = append(names, fmt.Sprintf("%s%v", g.Name, g.Folds))
	}
	slices.Sort(names)
	if want := []string{"users_nick_lower[1]", "users_pkey[0]"}; !reflect.DeepEqual(names, want) {
		t.Errorf("users guards %v, want %v", names, want)
	}
	// The expression index reads a masked column: refused at the rule's line.
	cat = catalogOf(t,
		`CREATE TABLE public.users (nick text PRIMARY KEY);`,
		`CREATE TABLE public.profiles (nick text UNIQUE REFERENCES public.users(nick), code text);`,
		`CREATE UNIQUE INDEX profiles_code_nick ON public.profiles ((code || nick));`,
	)
	got := planError(t, cat, nil, "version: 1", "tables:", "  profiles: {code: keep}", "  users:", "    nick: username")
	want := "r.yaml:5: column public.profiles.nick is masked, and unique index profiles_code_nick compares an expression of it (code || nick) that Understudy cannot evaluate, so it cannot check the masked values keep it unique: keep the column, or mask it with a rule the index does not see"
	if got != want {
		t.Errorf("error\n%s\nwant\n%s", got, want)
	}
}

// Partitions share their parent's guard: the key spans them all.
func TestPlanGuardsPartitions(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.events (id integer, region text, contact text, note text, UNIQUE (contact, region)) PARTITION BY LIST (region);`,
		`CREATE TABLE public.events_a (id integer, region text, contact text, note text);`,
		`ALTER TABLE ONLY public.events ATTACH PARTITION public.events_a FOR VALUES IN ('a');`,
		`ALTER TABLE public.events_a ADD CONSTRAINT events_a_contact_region_key UNIQUE (contact, region);`,
		`ALTER TABLE public.events_a ADD CONSTRAINT events_a_note_key UNIQUE (note);`,
		`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
		`CREATE TABLE public.events_c PARTITION OF public.events FOR VALUES IN ('c') PARTITION BY LIST (id);`,
		`CREATE TABLE public.events_c1 PARTITION OF public.events_c FOR VALUES IN (1);`,
		`CREATE TABLE public.events_d PARTITION OF public.events FOR VALUES IN ('d');`,
	)
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  events: {contact: email, note: lorem}", "  events_d: skip", "strict: false")
	var shared *Guard
	for _, q := range []string{"events_a", "events_b", "events_c1", "events"} {
		tp := p.Tables[qn(q)]
		if tp == nil {
			t.Fatalf("%s has no plan", q)
		}
		var key *Guard
		for _, g := range tp.Guards {
			if slices.Contains(g.Columns, "contact") {
				if key != nil {
					t.Errorf("%s: two guards on contact", q)
				}
				key = g
			}
		}
		if key == nil {
			t.Fatalf("%s: no guard on contact: %+v", q, tp.Guards)
		}
		if shared == nil {
			shared = key
		} else if key != shared {
			t.Errorf("%s: guard %p, want the shared %p", q, key, shared)
		}
		if key.Scope != qn("events") || !reflect.DeepEqual(key.Columns, []string{"contact", "region"}) {
			t.Errorf("%s: guard %+v", q, key)
		}
		wantGuards := 1
		if q == "events_a" {
			wantGuards = 2 // and its own key on note
		}
		if len(tp.Guards) != wantGuards {
			t.Errorf("%s: %d guards, want %d", q, len(tp.Guards), wantGuards)
		}
	}
	if tp := p.Tables[qn("events_d")]; tp == nil || !tp.Skip || len(tp.Guards) != 0 {
		t.Errorf("events_d: %+v, want skipped without guards", tp)
	}
	for _, g := range p.Tables[qn("events_a")].Guards {
		if g.Name == "events_a_note_key" && (g.Scope != qn("events") || !reflect.DeepEqual(g.Columns, []string{"note"})) {
			t.Errorf("note guard %+v", g)
		}
	}
}

// --- sequences ----------------------------------------------------------------------

func TestPlanSequences(t *testing.T) {
	cat := catalogOf(t,
		`CREATE TABLE public.users (id serial PRIMARY KEY, n integer GENERATED BY DEFAULT AS IDENTITY, code text);`,
		`CREATE TABLE public.orders (id bigserial PRIMARY KEY, user_id integer REFERENCES public.users(id));`,
		`CREATE TABLE public.events (id bigserial, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);`,
		`CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES IN ('a');`,
		`CREATE TABLE public.events_b PARTITION OF public.events FOR VALUES IN ('b');`,
		`CREATE SEQUENCE public.codes;`,
	)
	// A text column fed by a sequence (DEFAULT nextval(…)::text).
	codes := qn("codes")
	cat.Table(qn("users")).Column("code").Sequence = &codes

	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  users: {id: hash_id, n: number_noise, code: hash_id}", "  orders: {id: keep}", "  events: {id: hash_id}", "strict: false")
	got := map[string][]string{}
	for q, cps := range p.Sequences {
		for _, cp := range cps {
			got[q.String()] = append(got[q.String()], cp.Table.String()+"."+cp.Name)
			if !cp.TrackMax {
				t.Errorf("%s.%s feeds a sequence but TrackMax is off", cp.Table, cp.Name)
			}
		}
		slices.Sort(got[q.String()])
	}
	want := map[string][]string{
		"public.users_id_seq":  {"public.users.id"},
		"public.events_id_seq": {"public.events.id", "public.events_a.id", "public.events_b.id"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sequences %v, want %v", got, want)
	}
	for _, c := range [][2]string{{"orders", "user_id"}, {"users", "n"}, {"users", "code"}} {
		if cp := col(t, p, c[0], c[1]); cp.TrackMax {
			t.Errorf("%s.%s tracks a sequence", c[0], c[1])
		}
	}
}

// --- bounds ---------------------------------------------------------------------------

// A model built from DDL PostgreSQL accepted has no cycle of partitions, nor
// propagation a cycle of origins; the planner bounds its walks anyway, so a
// broken model cannot hang it.
func TestPlanBoundsCycles(t *testing.T) {
	a, b := qn("a"), qn("b")
	int4 := schema.Type{Schema: "pg_catalog", Name: "int4"}
	cat := &schema.Catalog{Tables: []*schema.Table{
		{Name: a, Parent: &b, Columns: []*schema.Column{{Name: "id", Type: int4}},
			ForeignKeys: []*schema.ForeignKey{{Name: "a_fk", Columns: []string{"id"}, RefTable: a, RefColumns: []string{"id"}}}},
		{Name: b, Parent: &a, Columns: []*schema.Column{{Name: "id", Type: int4}}},
	}}
	p := &planner{f: &File{Path: "c.yaml"}, cat: cat, eff: map[colKey]*effective{}}
	anc := p.ancestors(a)
	if len(anc) != 64 || anc[0] != b || anc[1] != a || anc[63] != a {
		t.Errorf("ancestors: %d, first %v, last %v", len(anc), anc[0], anc[len(anc)-1])
	}
	if edges := p.edges(); len(edges) != 65 || edges[0].child != a || edges[1].child != b || edges[64].child != a {
		t.Errorf("%d edges, want the key on a and 64 levels of partitions below it", len(edges))
	}
	x, y := colKey{a, "id"}, colKey{b, "id"}
	p.eff = map[colKey]*effective{x: {from: &y}, y: {from: &x}}
	if r := p.root(x); r != x {
		t.Errorf("root after 1000 steps of a two-cycle: %v, want %v", r, x)
	}
	if r := p.root(y); r != y {
		t.Errorf("root after 1000 steps of a two-cycle: %v, want %v", r, y)
	}
	f := &File{Path: "c.yaml", EmailDomain: "example.com",
		Tables: []*TableRule{{Name: a, Line: 3, Columns: []*ColumnRule{{Name: "id", Line: 4, Spec: &masking.Spec{Name: "hash_id"}}}}}}
	plan, err := f.Plan(cat, nil, planOpts)
	if err != nil {
		t.Fatal(err)
	}
	if cp := col(t, plan, "a", "id"); cp.Origin != "c.yaml:4" {
		t.Errorf("a.id: %q", cp.Origin)
	}
}
