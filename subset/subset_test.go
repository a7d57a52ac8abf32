package subset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

var secret = masking.NewSecret([]byte("subset-test-secret-0123"))

// shopScript is a small shop: users referring users, orders, their items,
// products in categories, payments, a country table nobody references and
// an audit table that is connected only through a user it names.
func shopScript(users int) string {
	var b strings.Builder
	b.WriteString(`
CREATE TABLE public.countries (code text PRIMARY KEY);
CREATE TABLE public.categories (id int PRIMARY KEY, parent_id int REFERENCES public.categories(id));
CREATE TABLE public.products (id int PRIMARY KEY, category_id int NOT NULL REFERENCES public.categories(id));
CREATE TABLE public.users (id int PRIMARY KEY, referred_by int REFERENCES public.users(id), email text UNIQUE);
CREATE TABLE public.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES public.users(id));
CREATE TABLE public.order_items (order_id int REFERENCES public.orders(id), product_id int REFERENCES public.products(id), PRIMARY KEY (order_id, product_id));
CREATE TABLE public.payments (id int PRIMARY KEY, order_id int REFERENCES public.orders(id));
`)
	b.WriteString("COPY public.countries (code) FROM stdin;\nNL\nDE\n\\.\n")
	b.WriteString("COPY public.categories (id, parent_id) FROM stdin;\n1\t\\N\n2\t1\n3\t2\n4\t\\N\n\\.\n")
	b.WriteString("COPY public.products (id, category_id) FROM stdin;\n")
	for p := 1; p <= 20; p++ {
		fmt.Fprintf(&b, "%d\t%d\n", p, p%4+1)
	}
	b.WriteString("\\.\nCOPY public.users (id, referred_by, email) FROM stdin;\n")
	for u := 1; u <= users; u++ {
		ref := "\\N"
		if u%3 == 0 {
			ref = fmt.Sprint(u - 1)
		}
		fmt.Fprintf(&b, "%d\t%s\tu%d@example.com\n", u, ref, u)
	}
	b.WriteString("\\.\nCOPY public.orders (id, user_id) FROM stdin;\n")
	for o := 1; o <= users*2; o++ {
		fmt.Fprintf(&b, "%d\t%d\n", o, o%users+1)
	}
	b.WriteString("\\.\nCOPY public.order_items (order_id, product_id) FROM stdin;\n")
	for o := 1; o <= users*2; o++ {
		fmt.Fprintf(&b, "%d\t%d\n%d\t%d\n", o, o%20+1, o, (o+7)%20+1)
	}
	b.WriteString("\\.\nCOPY public.payments (id, order_id) FROM stdin;\n")
	for o := 1; o <= users*2; o += 2 {
		fmt.Fprintf(&b, "%d\t%d\n", o, o)
	}
	b.WriteString("\\.\n")
	return b.String()
}

func open(t *testing.T, script string) (*plain.Source, *dump.Inventory) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dump.sql")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := plain.Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	inv, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return src, inv
}

// kept reads every table's kept rows back through the source, as the
// pipeline would, split into fields.
func kept(t *testing.T, src *plain.Source, inv *dump.Inventory, r *Result) map[string][][]string {
	t.Helper()
	if err := src.Rewind(); err != nil {
		t.Fatal(err)
	}
	out := map[string][][]string{}
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		rc, err := src.Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		if _, err := fmt.Fprint(&buf, readAll(t, rc)); err != nil {
			t.Fatal(err)
		}
		keep := r.Keep(e)
		rows := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		name := e.Table.Name
		out[name] = [][]string{}
		for i, row := range rows {
			if row == "" {
				continue
			}
			if keep == nil || keep(int64(i)) {
				out[name] = append(out[name], strings.Split(row, "\t"))
			}
		}
	}
	return out
}

func readAll(t *testing.T, rc interface {
	Read([]byte) (int, error)
	Close() error
}) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	rc.Close()
	return b.String()
}

func set(rows [][]string, col int) map[string]bool {
	s := map[string]bool{}
	for _, r := range rows {
		s[r[col]] = true
	}
	return s
}

// closed checks that every foreign key of the shop resolves in the result.
func closed(t *testing.T, got map[string][][]string) {
	t.Helper()
	users, orders, products, cats := set(got["users"], 0), set(got["orders"], 0), set(got["products"], 0), set(got["categories"], 0)
	check := func(table string, rows [][]string, col int, ref map[string]bool, to string) {
		for _, r := range rows {
			if r[col] != `\N` && !ref[r[col]] {
				t.Errorf("%s row %v references %s %s, which is not kept", table, r, to, r[col])
			}
		}
	}
	check("users", got["users"], 1, users, "user")
	check("orders", got["orders"], 1, users, "user")
	check("order_items", got["order_items"], 0, orders, "order")
	check("order_items", got["order_items"], 1, products, "product")
	check("payments", got["payments"], 1, orders, "order")
	check("products", got["products"], 1, cats, "category")
	check("categories", got["categories"], 1, cats, "category")
}

func TestClosureBothWays(t *testing.T) {
	src, inv := open(t, shopScript(2000))
	spec := &Spec{Root: schema.QName{Schema: "public", Name: "users"}, Percent: 10,
		Include: map[schema.QName][]string{{Schema: "public", Name: "users"}: {"7"}}}
	r, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	closed(t, got)
	t.Log(r.Report)

	var sampled, pinned int64
	for _, tr := range r.Report.Tables {
		if tr.Table.Name == "users" {
			sampled, pinned = tr.Reasons["root sample"], tr.Reasons["pinned"]
		}
	}
	if sampled < 160 || sampled > 240 {
		t.Errorf("root sample kept %d of 2000 users, want about 200", sampled)
	}
	if !set(got["users"], 0)["7"] {
		t.Errorf("pinned user 7 missing (pinned count %d)", pinned)
	}
	// Every order of a kept user is kept, with its items and payments.
	users := set(got["users"], 0)
	keptOrders := set(got["orders"], 0)
	for o := 1; o <= 4000; o++ {
		if users[fmt.Sprint(o%2000+1)] && !keptOrders[fmt.Sprint(o)] {
			t.Errorf("order %d of kept user %d missing", o, o%2000+1)
		}
	}
	if len(got["order_items"]) != 2*len(got["orders"]) {
		t.Errorf("%d items for %d orders, want every item of every kept order", len(got["order_items"]), len(got["orders"]))
	}
	// Not every user: products do not pull in every buyer.
	if len(got["users"]) > 600 {
		t.Errorf("kept %d users: the closure ran away through an ancestor table", len(got["users"]))
	}
	// Unconnected tables are whole.
	if len(got["countries"]) != 2 {
		t.Errorf("countries: %d rows, want both", len(got["countries"]))
	}
	if !strings.Contains(r.Report.String(), "cycle: public.users") {
		t.Errorf("report does not name the self-reference:\n%s", r.Report)
	}
}

func TestDeterministicAndOrderFree(t *testing.T) {
	spec := &Spec{Root: schema.QName{Schema: "public", Name: "users"}, Percent: 25}
	src, inv := open(t, shopScript(500))
	r1, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	a := kept(t, src, inv, r1)
	// The same users in reverse order are sampled alike.
	script := shopScript(500)
	head, rest, _ := strings.Cut(script, "COPY public.users (id, referred_by, email) FROM stdin;\n")
	body, tail, _ := strings.Cut(rest, "\\.\n")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	slices.Reverse(lines)
	src2, inv2 := open(t, head+"COPY public.users (id, referred_by, email) FROM stdin;\n"+strings.Join(lines, "\n")+"\n\\.\n"+tail)
	r2, err := Compute(context.Background(), src2, inv2, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	b := kept(t, src2, inv2, r2)
	for _, table := range []string{"users", "orders", "order_items", "products"} {
		if !maps(set(a[table], 0), set(b[table], 0)) {
			t.Errorf("%s: different rows kept when the users come in another order", table)
		}
	}
	other, err := Compute(context.Background(), src, inv, spec, masking.NewSecret([]byte("another-secret-0123456")))
	if err != nil {
		t.Fatal(err)
	}
	if c := kept(t, src, inv, other); maps(set(a["users"], 0), set(c["users"], 0)) {
		t.Error("another secret kept the same users")
	}
}

func maps(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestCyclesCompositeUniqueAndPartitions(t *testing.T) {
	script := `
CREATE TABLE public.teams (id int PRIMARY KEY, captain_id int);
CREATE TABLE public.people (id int PRIMARY KEY, team_id int REFERENCES public.teams(id), buddy_id int REFERENCES public.people(id), code text UNIQUE NOT NULL);
ALTER TABLE public.teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES public.people(id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE public.badges (person_code text REFERENCES public.people(code), n int, PRIMARY KEY (person_code, n));
CREATE TABLE public.badge_log (person_code text, n int, FOREIGN KEY (person_code, n) REFERENCES public.badges(person_code, n));
CREATE TABLE public.events (id int, person_id int REFERENCES public.people(id), at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
COPY public.teams (id, captain_id) FROM stdin;
1	2
2	5
\.
COPY public.people (id, team_id, buddy_id, code) FROM stdin;
1	1	2	a
2	1	1	b
3	2	3	c
4	\N	\N	d
5	2	\N	e
6	\N	6	f
\.
COPY public.badges (person_code, n) FROM stdin;
a	1
c	1
d	2
\.
COPY public.badge_log (person_code, n) FROM stdin;
a	1
d	2
\.
COPY public.events_2024 (id, person_id, at) FROM stdin;
1	1	2024-02-01
2	4	2024-03-01
\.
COPY public.events_2025 (id, person_id, at) FROM stdin;
3	3	2025-02-01
4	6	2025-03-01
\.
`
	src, inv := open(t, script)
	spec := &Spec{Root: schema.QName{Schema: "public", Name: "teams"}, Percent: 100,
		Tables: map[schema.QName]Mode{}}
	// Keep only team 2 by pinning it with a tiny sample that keeps none.
	spec.Percent = 0.0001
	spec.Include = map[schema.QName][]string{{Schema: "public", Name: "teams"}: {"2"}}
	r, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	// team 2 → its people 3, 5 (descendants) → captain 5; people 3 buddies
	// itself; events of 3; badges of c, badge_log of badges kept.
	want := map[string][]string{
		"teams":       {"2"},
		"people":      {"3", "5"},
		"badges":      {"c"},
		"badge_log":   {},
		"events_2025": {"3"},
		"events_2024": {},
	}
	for table, ids := range want {
		if g := set(got[table], 0); !maps(g, toSet(ids)) {
			t.Errorf("%s: kept %v, want %v\n%s", table, keys(g), ids, r.Report)
		}
	}
	// Pin team 1: captain 2, whose buddy 1 is on team 1 too (a mutual pair).
	spec.Include = map[schema.QName][]string{{Schema: "public", Name: "teams"}: {"1"}}
	r, err = Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got = kept(t, src, inv, r)
	if g := set(got["people"], 0); !maps(g, toSet([]string{"1", "2"})) {
		t.Errorf("people: kept %v, want [1 2]", keys(g))
	}
	if g := set(got["badge_log"], 0); !maps(g, toSet([]string{"a"})) {
		t.Errorf("badge_log (composite FK): kept %v, want [a]", keys(g))
	}
}

func toSet(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestModes(t *testing.T) {
	src, inv := open(t, shopScript(200))
	q := func(n string) schema.QName { return schema.QName{Schema: "public", Name: n} }
	spec := &Spec{Root: q("users"), Percent: 10, Tables: map[schema.QName]Mode{q("countries"): None, q("products"): All}}
	r, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	if len(got["countries"]) != 0 || len(got["products"]) != 20 {
		t.Errorf("countries %d (want 0), products %d (want 20)", len(got["countries"]), len(got["products"]))
	}
	closed(t, got)

	spec.Tables = map[schema.QName]Mode{q("products"): None}
	_, err = Compute(context.Background(), src, inv, spec, secret)
	var ne *NoneError
	if !errors.As(err, &ne) || ne.Table != q("products") || ne.From != q("order_items") {
		t.Fatalf("none on a referenced table: %v", err)
	}
	if !strings.Contains(err.Error(), "dump.sql") {
		t.Errorf("error is not located: %v", err)
	}

	for _, bad := range []*Spec{
		{Root: q("nope"), Percent: 10},
		{Root: q("order_items"), Percent: 10, Include: map[schema.QName][]string{q("order_items"): {"1"}}},
		{Root: q("users"), Percent: 0},
		{Root: q("users"), Percent: 10, Tables: map[schema.QName]Mode{q("users"): None}},
	} {
		if _, err := Compute(context.Background(), src, inv, bad, secret); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestInsertDumpRefused(t *testing.T) {
	src, inv := open(t, "CREATE TABLE public.users (id int PRIMARY KEY);\nINSERT INTO public.users VALUES (1);\n")
	_, err := Compute(context.Background(), src, inv, &Spec{Root: schema.QName{Schema: "public", Name: "users"}, Percent: 50}, secret)
	if err == nil || !strings.Contains(err.Error(), "INSERT") {
		t.Fatalf("INSERT data: %v", err)
	}
}
