package rules

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// parseLines parses a rules file given line by line, as x.yaml.
func parseLines(lines ...string) (*File, error) { return Parse("x.yaml", []byte(yamlOf(lines...))) }

func mustParse(t *testing.T, lines ...string) *File {
	t.Helper()
	f, err := parseLines(lines...)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// Every mistake is reported with its file and line, all of them at once.
func TestParseErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		// The file as a whole.
		{"not a mapping", []string{"- version: 1"},
			"x.yaml:1: the rules file must be a mapping\nx.yaml:1: missing `version: 1`\nx.yaml:1: missing `tables:`"},
		{"no tables", []string{"version: 1"}, "x.yaml:1: missing `tables:`"},
		{"a key given twice", []string{"version: 1", "tables: {}", "version: 1"},
			`x.yaml:3: the rules file: "version" is given twice (first at line 1)`},
		{"version as a string", []string{"version: '1'", "tables: {}"}, `x.yaml:1: unsupported rules version "1": this Understudy reads version 1`},
		{"version as a float", []string{"version: 1.0", "tables: {}"}, `x.yaml:1: unsupported rules version "1.0": this Understudy reads version 1`},
		{"version as a list", []string{"version: [1]", "tables: {}"}, `x.yaml:1: unsupported rules version "": this Understudy reads version 1`},
		{"unknown key", []string{"version: 1", "tables: {}", "strcit: true"},
			`x.yaml:3: unknown key "strcit" (expected version, strict, email_domain, tables, columns, relations, subset, large_objects)`},
		{"strict as a string", []string{"version: 1", "strict: 'yes'", "tables: {}"}, `x.yaml:2: expected true or false, got "yes"`},
		{"strict as a list", []string{"version: 1", "strict: [true]", "tables: {}"}, `x.yaml:2: expected true or false, got ""`},
		{"email_domain empty", []string{"version: 1", "email_domain: ''", "tables: {}"}, "x.yaml:2: email_domain must be a domain name"},
		{"email_domain a list", []string{"version: 1", "email_domain: [example.com]", "tables: {}"}, "x.yaml:2: email_domain must be a domain name"},
		{"tables a list", []string{"version: 1", "tables: [users]"}, "x.yaml:2: tables must be a mapping"},
		{"tables empty", []string{"version: 1", "tables:"}, "x.yaml:2: tables must be a mapping"},
		{"large_objects neither keep nor drop", []string{"version: 1", "tables: {}", "large_objects: yes"},
			`x.yaml:3: large_objects must be keep or drop, got "yes"`},
		{"large_objects a mapping", []string{"version: 1", "tables: {}", "large_objects: {keep: true}"},
			`x.yaml:3: large_objects must be keep or drop, got ""`},
		{"large_objects a list", []string{"version: 1", "tables: {}", "large_objects: [keep]"},
			`x.yaml:3: large_objects must be keep or drop, got ""`},
		{"large_objects empty", []string{"version: 1", "tables: {}", "large_objects:"},
			`x.yaml:3: large_objects must be keep or drop, got ""`},
		{"large_objects Keep", []string{"version: 1", "tables: {}", "large_objects: Keep"},
			`x.yaml:3: large_objects must be keep or drop, got "Keep"`},
		// Tables.
		{"table neither keep, skip nor a mapping", []string{"version: 1", "tables:", "  users: everything"},
			"x.yaml:3: table public.users: expected keep, skip, or a mapping of column rules"},
		{"table a list", []string{"version: 1", "tables:", "  users: [keep]"},
			"x.yaml:3: table public.users: expected keep, skip, or a mapping of column rules"},
		{"table bad name", []string{"version: 1", "tables:", `  '"unterminated.x': keep`},
			`x.yaml:3: bad table name "\"unterminated.x": ` + qnameErr(`"unterminated.x`)},
		{"table given twice, spelled differently", []string{"version: 1", "tables:", "  users: keep", "  public.users: skip", "  '\"public\".users': keep"},
			"x.yaml:4: table public.users already has rules at line 3\nx.yaml:5: table public.users already has rules at line 4"},
		{"table key given twice", []string{"version: 1", "tables:", "  users: keep", "  users: skip"},
			`x.yaml:4: tables: "users" is given twice (first at line 3)`},
		{"column given twice", []string{"version: 1", "tables:", "  users:", "    email: email", "    email: keep"},
			`x.yaml:5: table public.users: "email" is given twice (first at line 4)`},
		{"column given twice, quoted", []string{"version: 1", "tables:", "  users:", "    '\"E\"\"x\"': email", "    'E\"x': keep"},
			`x.yaml:5: table public.users: column "E""x" is given twice (first at line 4)`},
		{"empty column name", []string{"version: 1", "tables:", "  users:", "    '\"\"': keep"}, "x.yaml:4: empty column name"},
		// Rules.
		{"masker name not a string", []string{"version: 1", "tables:", "  users:", "    id: 5"},
			`x.yaml:4: column public.users.id: expected a masker name, got "5"`},
		{"masker name a boolean", []string{"version: 1", "tables:", "  users:", "    id: true"},
			`x.yaml:4: column public.users.id: expected a masker name, got "true"`},
		{"rule a list", []string{"version: 1", "tables:", "  users:", "    id: [hash_id]"},
			"x.yaml:4: column public.users.id: expected a masker name or a mapping with use:"},
		{"unknown masker, close to one", []string{"version: 1", "tables:", "  users:", "    email: emial"},
			`x.yaml:4: column public.users.email: unknown masker "emial" (did you mean email?)`},
		{"unknown masker in use", []string{"version: 1", "tables:", "  users:", "    email: {use: emial}"},
			`x.yaml:4: column public.users.email: unknown masker "emial" (did you mean email?)`},
		{"use keep with parameters", []string{"version: 1", "tables:", "  users:", "    email:", "      use: keep"},
			"x.yaml:5: column public.users.email: keep takes no parameters; write `keep`"},
		{"a mapping without use", []string{"version: 1", "tables:", "  users:", "    d: {max_days: 3}"},
			"x.yaml:4: column public.users.d: a rule written as a mapping needs `use: MASKER`"},
		{"a required parameter, masker named alone", []string{"version: 1", "tables:", "  users:", "    c: const"},
			"x.yaml:4: column public.users.c: masker const needs parameter value (the value, in PostgreSQL's text form); write {use: const, value: …}"},
		{"a required parameter missing", []string{"version: 1", "tables:", "  users:", "    c: {use: const}"},
			"x.yaml:4: column public.users.c: masker const needs parameter value (the value, in PostgreSQL's text form)"},
		{"a required parameter missing beside a bad one: one error", []string{"version: 1", "tables:", "  users:", "    c: {use: const, valeu: x}"},
			`x.yaml:4: column public.users.c: masker const has no parameter "valeu" (it takes: value)`},
		{"a parameter of a masker that takes none", []string{"version: 1", "tables:", "  users:", "    c: {use: uuid, length: 3}"},
			`x.yaml:4: column public.users.c: masker uuid has no parameter "length" (it takes: no parameters)`},
		{"a parameter of a masker that takes several", []string{"version: 1", "tables:", "  users:", "    c: {use: partial, keep: 3}"},
			`x.yaml:4: column public.users.c: masker partial has no parameter "keep" (it takes: keep_first, keep_last, char)`},
		{"a parameter given twice", []string{"version: 1", "tables:", "  users:", "    d: {use: date_shift, max_days: 3, max_days: 4}"},
			`x.yaml:4: column public.users.d: "max_days" is given twice (first at line 4)`},
		{"string parameter null", []string{"version: 1", "tables:", "  users:", "    c: {use: const, value: null}"},
			`x.yaml:4: column public.users.c: parameter value must be a string, got "null"`},
		{"string parameter a list", []string{"version: 1", "tables:", "  users:", "    c: {use: const, value: [a]}"},
			`x.yaml:4: column public.users.c: parameter value must be a string, got ""`},
		{"integer parameter a string", []string{"version: 1", "tables:", "  users:", "    d: {use: date_shift, max_days: '3'}"},
			`x.yaml:4: column public.users.d: parameter max_days must be an integer, got "3"`},
		{"integer parameter a float", []string{"version: 1", "tables:", "  users:", "    d: {use: date_shift, max_days: 3.5}"},
			`x.yaml:4: column public.users.d: parameter max_days must be an integer, got "3.5"`},
		{"integer parameter too large", []string{"version: 1", "tables:", "  users:", "    d: {use: date_shift, max_days: 99999999999999999999}"},
			`x.yaml:4: column public.users.d: parameter max_days must be an integer, got "99999999999999999999"`},
		{"integer parameter a list", []string{"version: 1", "tables:", "  users:", "    d: {use: date_shift, max_days: [3]}"},
			`x.yaml:4: column public.users.d: parameter max_days must be an integer, got ""`},
		{"number parameter a string", []string{"version: 1", "tables:", "  users:", "    n: {use: number_noise, ratio: lots}"},
			`x.yaml:4: column public.users.n: parameter ratio must be a number, got "lots"`},
		{"number parameter a list", []string{"version: 1", "tables:", "  users:", "    n: {use: number_noise, ratio: [1]}"},
			`x.yaml:4: column public.users.n: parameter ratio must be a number, got ""`},
		{"boolean parameter a string", []string{"version: 1", "tables:", "  users:", "    p: {use: phone, fictional: 'yes'}"},
			`x.yaml:4: column public.users.p: parameter fictional must be true or false, got "yes"`},
		{"boolean parameter a number", []string{"version: 1", "tables:", "  users:", "    p: {use: phone, fictional: 1}"},
			`x.yaml:4: column public.users.p: parameter fictional must be true or false, got "1"`},
		{"boolean parameter a list", []string{"version: 1", "tables:", "  users:", "    p: {use: phone, fictional: [true]}"},
			`x.yaml:4: column public.users.p: parameter fictional must be true or false, got ""`},
		{"json paths not a mapping", []string{"version: 1", "tables:", "  users:", "    j: {use: json, paths: [email]}"},
			"x.yaml:4: column public.users.j paths must be a mapping"},
		{"json path keep", []string{"version: 1", "tables:", "  users:", "    j:", "      use: json", "      paths: {'$.a': email, '$.b': keep}"},
			"x.yaml:6: column public.users.j path $.b: keep is what every path not listed gets; leave the path out"},
		{"json path with a bad rule", []string{"version: 1", "tables:", "  users:", "    j:", "      use: json", "      paths:", "        '$.a': emial"},
			`x.yaml:7: column public.users.j path $.a: unknown masker "emial" (did you mean email?)`},
		{"json path given twice", []string{"version: 1", "tables:", "  users:", "    j:", "      use: json", "      paths:", "        '$.a': email", "        '$.a': scrub"},
			`x.yaml:8: column public.users.j paths: "$.a" is given twice (first at line 7)`},
		// Subset.
		{"subset not a mapping", []string{"version: 1", "tables: {}", "subset: users"},
			"x.yaml:3: subset must be a mapping\nx.yaml:3: subset needs root:"},
		{"subset without root", []string{"version: 1", "tables: {}", "subset:", "  percent: 10"}, "x.yaml:4: subset needs root:"},
		{"subset root a bad name", []string{"version: 1", "tables: {}", "subset:", `  root: '"x'`},
			"x.yaml:4: subset root: bad table name \"\\\"x\"\nx.yaml:4: subset needs root:"},
		{"subset root a list", []string{"version: 1", "tables: {}", "subset:", "  root: [users]"},
			"x.yaml:4: subset root: bad table name \"\"\nx.yaml:4: subset needs root:"},
		{"subset tables bad mode", []string{"version: 1", "tables: {}", "subset: {root: users, percent: 5, tables: {countries: some}}"},
			`x.yaml:3: subset tables public.countries: expected all, none or follow, got "some"`},
		{"subset where empty", []string{"version: 1", "tables: {}", "subset: {root: users, percent: 5, where: ' '}"},
			`x.yaml:3: subset where: expected an SQL condition on the root table`},
		{"subset unknown key", []string{"version: 1", "tables: {}", "subset: {root: users, percent: 5, tabels: {}}"},
			`x.yaml:3: subset: unknown key "tabels" (expected root, percent, include, tables, where)`},
		{"subset percent 0", []string{"version: 1", "tables: {}", "subset: {root: users, percent: 0}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got "0"`},
		{"subset percent negative", []string{"version: 1", "tables: {}", "subset: {root: users, percent: -5}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got "-5"`},
		{"subset percent above 100", []string{"version: 1", "tables: {}", "subset: {root: users, percent: 100.5}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got "100.5"`},
		{"subset percent a string", []string{"version: 1", "tables: {}", "subset: {root: users, percent: half}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got "half"`},
		{"subset percent NaN", []string{"version: 1", "tables: {}", "subset: {root: users, percent: .nan}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got ".nan"`},
		{"subset percent nan", []string{"version: 1", "tables: {}", "subset: {root: users, percent: NaN}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got "NaN"`},
		{"subset percent infinite", []string{"version: 1", "tables: {}", "subset: {root: users, percent: .inf}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got ".inf"`},
		{"subset percent a list", []string{"version: 1", "tables: {}", "subset: {root: users, percent: [5]}"},
			`x.yaml:3: subset percent must be a number in (0, 100], got ""`},
		{"subset include not a mapping", []string{"version: 1", "tables: {}", "subset: {root: users, include: [1]}"},
			"x.yaml:3: subset include must be a mapping"},
		{"subset include a nested list", []string{"version: 1", "tables: {}", "subset:", "  root: users", "  include:", "    users: [[1, 2]]"},
			`x.yaml:6: subset include public.users: expected a list of key values`},
		{"subset include a bad table", []string{"version: 1", "tables: {}", "subset:", "  root: users", "  include:", `    '"x': [1]`},
			`x.yaml:6: subset include: bad table name "\"x"`},
		{"subset include not a list", []string{"version: 1", "tables: {}", "subset:", "  root: users", "  include:", "    users: 1"},
			"x.yaml:6: subset include public.users: expected a list of key values"},
		{"subset unknown key", []string{"version: 1", "tables: {}", "subset: {root: users, pct: 5}"},
			`x.yaml:3: subset: unknown key "pct" (expected root, percent, include, tables, where)`},
		// Several at once, in file order.
		{"several", []string{"version: 2", "tables:", "  users:", "    a: emial", "    b: {use: hash, length: x}", "  t: nothing"},
			"x.yaml:1: unsupported rules version \"2\": this Understudy reads version 1\n" +
				"x.yaml:4: column public.users.a: unknown masker \"emial\" (did you mean email?)\n" +
				"x.yaml:5: column public.users.b: parameter length must be an integer, got \"x\"\n" +
				"x.yaml:6: table public.t: expected keep, skip, or a mapping of column rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseLines(tc.lines...)
			if err == nil {
				t.Fatalf("no error, want\n%s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n%s\nwant\n%s", err, tc.want)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Errorf("error is %T, want Errors", err)
			}
		})
	}
}

func qnameErr(s string) string {
	_, err := schema.ParseQName(s)
	return err.Error()
}

func TestParseWholeFileErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"", "x.yaml: the rules file is empty (it needs at least `version: 1` and `tables:`)"},
		{"# nothing but a comment\n", "x.yaml: the rules file is empty (it needs at least `version: 1` and `tables:`)"},
		{"version: 1\ntables:\n  a: [\n", "x.yaml:3: invalid YAML: did not find expected node content"},
		{"version: 1\ntables: {a: b}\n\tx: 1\n", "x.yaml:3: invalid YAML: found character that cannot start any token"},
		{"version: 1\n\xff\n", "x.yaml: invalid YAML: invalid leading UTF-8 octet"},
		{"version: 1\ntables: {}\nversion: *x\n", "x.yaml: invalid YAML: unknown anchor 'x' referenced"},
	} {
		_, err := Parse("x.yaml", []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v\nwant %s", tc.data, err, tc.want)
		}
	}
	_, err := Load(filepath.Join(t.TempDir(), "nosuch.yaml"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 0 || e.Msg[:len("cannot read rules: ")] != "cannot read rules: " {
		t.Errorf("Load of a missing file: %v", err)
	}
	if (&Error{File: "f", Line: 0, Msg: "m"}).Error() != "f: m" || (&Error{File: "f", Line: 1, Msg: "m"}).Error() != "f:1: m" {
		t.Error("Error formatting")
	}
	if got := (Errors{{File: "f", Line: 2, Msg: "a"}, {File: "g", Msg: "b"}}).Error(); got != "f:2: a\ng: b" {
		t.Errorf("Errors: %q", got)
	}
}

func TestParseSettings(t *testing.T) {
	f := mustParse(t, "version: 1", "tables: {}")
	if f.Path != "x.yaml" || f.Version != 1 || !f.Strict || f.EmailDomain != "example.com" || f.EmailDomainLine != 0 ||
		f.LargeObjects != LargeObjectsRefuse || f.LargeObjectsLine != 0 || f.Subset != nil || len(f.Tables) != 0 {
		t.Errorf("defaults: %+v", f)
	}
	f = mustParse(t, "version: 1", "strict: false", "email_domain: example.net", "tables: {}", "large_objects: keep")
	if f.Strict || f.EmailDomain != "example.net" || f.EmailDomainLine != 3 || f.LargeObjects != LargeObjectsKeep || f.LargeObjectsLine != 5 {
		t.Errorf("settings: %+v", f)
	}
	f = mustParse(t, "large_objects: drop", "strict: true", "version: 1", "tables: {}")
	if !f.Strict || f.LargeObjects != LargeObjectsDrop || f.LargeObjectsLine != 1 {
		t.Errorf("settings: %+v", f)
	}
	f = mustParse(t, "version: 1", "tables: {}", "subset:", "  root: sales.orders", "  percent: 12.5", "  include:", "    users: [1, 'a b']", "    sales.orders: []",
		"  tables: {countries: all, logs: none}", "  where: created_at > now() - interval '1 year'")
	want := &Subset{Line: 4, Root: schema.QName{Schema: "sales", Name: "orders"}, Percent: 12.5,
		Include: map[schema.QName][]string{{Schema: "public", Name: "users"}: {"1", "a b"}},
		Tables:  map[schema.QName]string{{Schema: "public", Name: "countries"}: "all", {Schema: "public", Name: "logs"}: "none"},
		Where:   "created_at > now() - interval '1 year'", WhereLine: 10, RootLine: 4, PercentLine: 5,
		IncludeLines: map[schema.QName]int{{Schema: "public", Name: "users"}: 7, {Schema: "sales", Name: "orders"}: 8},
		TablesLines:  map[schema.QName]int{{Schema: "public", Name: "countries"}: 9, {Schema: "public", Name: "logs"}: 9}}
	if !reflect.DeepEqual(f.Subset, want) {
		t.Errorf("subset %+v, want %+v", f.Subset, want)
	}
	if f := mustParse(t, "version: 1", "tables: {}", "subset: {root: users, percent: 100}"); f.Subset.Percent != 100 {
		t.Errorf("percent 100: %v", f.Subset.Percent)
	}
}

func TestParseRules(t *testing.T) {
	f := mustParse(t,
		"version: 1",
		"tables:",
		"  users:",
		"    id: hash_id",
		"    notes: null",
		"    bio: ~",
		"    memo: 'null'",
		"    country: keep",
		`    '"E-mail"': {use: email, domain: example.org}`,
		"    d: {use: date_shift, max_days: 7}",
		"    n: {use: number_noise, ratio: 1}",
		"    m: {use: number_noise, ratio: 0.25}",
		"    p: {use: phone, fictional: true}",
		"    q: {use: phone, fictional: false}",
		"    c: {use: const, value: 5}",
		"    e: {use: email}",
		"    j: {use: json, paths: {'$.a': email, '$.b[*]': {use: partial, keep_last: 2}}}",
		`    '"a""b"': keep`,
		`    '"': keep`,
		`    '"x': keep`,
		"  audit: skip",
		"  products: keep",
		`  '"Odd.Schema".t': {}`,
	)
	if len(f.Tables) != 4 {
		t.Fatalf("%d tables", len(f.Tables))
	}
	users := f.Tables[0]
	if users.Name != (schema.QName{Schema: "public", Name: "users"}) || users.Line != 3 || users.Mode != ByColumn {
		t.Errorf("users: %+v", users)
	}
	type rule struct {
		name   string
		line   int
		spec   string // Label, "" for keep
		where  string
		params map[string]any
	}
	var got []rule
	for _, c := range users.Columns {
		r := rule{name: c.Name, line: c.Line}
		if c.Spec != nil {
			r.spec, r.where, r.params = c.Spec.Label(), c.Spec.Where, c.Spec.Params
		}
		got = append(got, r)
	}
	want := []rule{
		{"id", 4, "hash_id", "x.yaml:4", nil},
		{"notes", 5, "null", "x.yaml:5", nil},
		{"bio", 6, "null", "x.yaml:6", nil},
		{"memo", 7, "null", "x.yaml:7", nil},
		{"country", 8, "", "", nil},
		{"E-mail", 9, `email{domain="example.org"}`, "x.yaml:9", map[string]any{"domain": "example.org"}},
		{"d", 10, "date_shift{max_days=7}", "x.yaml:10", map[string]any{"max_days": int64(7)}},
		{"n", 11, "number_noise{ratio=1}", "x.yaml:11", map[string]any{"ratio": float64(1)}},
		{"m", 12, "number_noise{ratio=0.25}", "x.yaml:12", map[string]any{"ratio": 0.25}},
		{"p", 13, "phone{fictional=true}", "x.yaml:13", map[string]any{"fictional": true}},
		{"q", 14, "phone{fictional=false}", "x.yaml:14", map[string]any{"fictional": false}},
		{"c", 15, `const{value="5"}`, "x.yaml:15", map[string]any{"value": "5"}},
		{"e", 16, "email", "x.yaml:16", nil},
	}
	if len(got) != 17 {
		t.Fatalf("%d columns: %+v", len(got), got)
	}
	for i, w := range want {
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("column %d: %+v, want %+v", i, got[i], w)
		}
	}
	j := users.Columns[13].Spec
	paths, _ := j.Params["paths"].(map[string]*masking.Spec)
	if j.Name != "json" || len(paths) != 2 || paths["$.a"].Name != "email" || paths["$.a"].Where != "x.yaml:17" ||
		paths["$.b[*]"].Label() != "partial{keep_last=2}" {
		t.Errorf("json: %s %+v", j.Label(), paths)
	}
	for i, name := range []string{`a"b`, `"`, `"x`} {
		if c := users.Columns[14+i]; c.Name != name || c.Spec != nil {
			t.Errorf("column %q: %+v", name, c)
		}
	}
	if a := f.Tables[1]; a.Name.Name != "audit" || a.Mode != SkipTable || a.Line != 21 || a.Columns != nil {
		t.Errorf("audit: %+v", a)
	}
	if p := f.Tables[2]; p.Name.Name != "products" || p.Mode != KeepTable || p.Line != 22 {
		t.Errorf("products: %+v", p)
	}
	if o := f.Tables[3]; o.Name != (schema.QName{Schema: "Odd.Schema", Name: "t"}) || o.Mode != ByColumn || len(o.Columns) != 0 {
		t.Errorf("odd: %+v", o)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(path, []byte("version: 1\ntables:\n  users: {id: nosuch}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || err.Error() != path+`:3: column public.users.id: unknown masker "nosuch" (known: `+knownMaskers()+")" {
		t.Errorf("error %v", err)
	}
}

func knownMaskers() string {
	s := "keep"
	for _, n := range masking.Names() {
		s += ", " + n
	}
	return s
}

// A subset percentage is written 10, 2.5 or 10% (as --subset spells it).
func TestSubsetPercentSpellings(t *testing.T) {
	for text, want := range map[string]float64{"10": 10, "2.5": 2.5, "10%": 10, "'0.0001 %'": 0.0001, "100": 100, "1e1": 10} {
		f := mustParse(t, "version: 1", "tables: {}", "subset: {root: users, percent: "+text+"}")
		if f.Subset.Percent != want {
			t.Errorf("percent: %s read as %v", text, f.Subset.Percent)
		}
	}
}
