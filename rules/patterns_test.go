package rules

import (
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

func patternCatalog(t *testing.T) *schema.Catalog {
	return catalogOf(t,
		"CREATE TABLE public.users (id bigint NOT NULL, email text, backup_email text, last_ip inet, password_hash text, nick text)",
		"ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id)",
		"ALTER TABLE ONLY public.users ADD CONSTRAINT users_email_key UNIQUE (email)",
		`CREATE TABLE public.orders (id bigint NOT NULL, user_email text, "Email" text)`,
		"ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_user_email_fkey FOREIGN KEY (user_email) REFERENCES public.users(email)",
		"CREATE TABLE public.products (id bigint, contact_email text)",
	)
}

func TestPatternsCoverAndExactWins(t *testing.T) {
	plan := mustPlan(t, patternCatalog(t), nil,
		"version: 1",
		"tables:",
		"  public.users:",
		"    id: keep",
		"    email: email",
		"    nick: keep",
		"    backup_email: keep", // exact keep wins over the pattern
		"  public.orders:",
		"    id: keep",
		"  public.products: keep", // a table rule wins too
		"columns:",
		`  "*.*.*email": email`,
		`  "*.*.*_ip": ip`,
		`  "*.*.password*": {use: const, value: x}`,
	)
	got := map[string]string{}
	for q, tp := range plan.Tables {
		for c, cp := range tp.Columns {
			got[q.String()+"."+c] = cp.Masker + " " + cp.Origin
		}
	}
	want := map[string]string{
		"public.users.email":         "email r.yaml:5",
		"public.users.last_ip":       "ip r.yaml:13",
		"public.users.password_hash": "const r.yaml:14",
		"public.orders.user_email":   "email follows public.users.email", // propagation, not the pattern
		"public.orders.Email":        "email r.yaml:12",                  // case-insensitive
	}
	if len(got) != len(want) {
		t.Errorf("masked columns %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(plan.Uncovered) != 0 {
		t.Errorf("uncovered: %v", plan.Uncovered)
	}
}

func TestPatternErrors(t *testing.T) {
	cat := patternCatalog(t)
	msg := planError(t, cat, nil,
		"version: 1",
		"tables:",
		"  public.products: keep",
		"columns:",
		`  "*.*.*email": email`,
		`  "*.users.backup_*": {use: const, value: x}`,
		`  "*.*.*": keep`,
	)
	for _, want := range []string{
		`r.yaml:6: column public.users.backup_email matches pattern "*.users.backup_*" (const{value="x"}) and pattern "*.*.*email" at r.yaml:5 (email): make one of them narrower`,
		`r.yaml:7: column public.users.email matches pattern "*.*.*" (keep) and pattern "*.*.*email" at r.yaml:5 (email)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// A referencing column whose key is kept is not masked by a pattern
	// (that would break the key): it stays uncovered.
	_, err := planOf(t, cat, nil,
		"version: 1",
		"tables:",
		"  public.users: keep",
		"  public.products: keep",
		"  public.orders:",
		"    id: keep",
		`    "Email": keep`,
		"columns:",
		`  "*.*.*email": email`,
	)
	if err == nil || !strings.Contains(err.Error(), "public.orders.user_email") {
		t.Errorf("want public.orders.user_email uncovered, got %v", err)
	}
	// const on a unique column is refused at the pattern's line.
	msg = planError(t, cat, nil,
		"version: 1",
		"tables:",
		"  public.products: keep",
		"  public.orders: keep",
		"  public.users: {id: keep, backup_email: keep, last_ip: keep, password_hash: keep, nick: keep}",
		"columns:",
		`  "*.users.email": {use: const, value: x}`,
	)
	if !strings.Contains(msg, "r.yaml:7") || !strings.Contains(msg, "unique") {
		t.Errorf("want the const-on-unique error at line 7, got:\n%s", msg)
	}
}

func TestPatternParse(t *testing.T) {
	for _, c := range []struct{ rules, want string }{
		{"columns:\n  \"*.email\": email\n", `x.yaml:4: columns: pattern "*.email" must have three parts`},
		{"columns:\n  \"*.*.[a\": email\n", `x.yaml:4: columns: pattern "*.*.[a": bad glob`},
		{"columns:\n  \"*.*.email\": emial\n", `x.yaml:4: pattern *.*.email: unknown masker "emial"`},
		{"columns:\n  \"*.*.email\": {use: email, domian: x}\n", `x.yaml:4: pattern *.*.email: masker email has no parameter "domian"`},
		{"columns:\n  \"*.*.email\": email\n  \"*.*.email\": keep\n", `x.yaml:5: columns: "*.*.email" is given twice (first at line 4)`},
		{"columns: [a]\n", "x.yaml:3: columns must be a mapping"},
	} {
		_, err := Parse("x.yaml", []byte("version: 1\ntables: {}\n"+c.rules))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.rules, err, c.want)
		}
	}
}

// An unquoted pattern is a YAML alias to yaml.v3, whose message does not
// say so: the error adds the quoting hint, in block and flow style.
func TestUnquotedPatternHint(t *testing.T) {
	for _, doc := range []string{
		"version: 1\ncolumns:\n  \"*.*.x\": keep\n  *.*.email: email\n",
		"version: 1\ncolumns: {*.*.email: email}\n",
	} {
		_, err := Parse("r.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), `a pattern starting with * must be quoted`) {
			t.Errorf("%q: %v", doc, err)
		}
	}
}
