package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/internal/pgtest"
)

// Masked dumps of schemas with numeric CHECKs, ordered dates and XML
// documents load into PostgreSQL (issue 9's acceptance).

// anonymizeOK masks dump with rules under secret into dir/out.sql.
func anonymizeOK(t *testing.T, dir, rules, dump, secret string) string {
	t.Helper()
	rulesPath := writeFile(t, dir, "rules.yaml", rules)
	out := filepath.Join(dir, "out.sql")
	r := run(t, map[string]string{"ANONYMIZE_SECRET": secret}, "", "--rules", rulesPath, "--in", dump, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("anonymize exit %d:\n%s", r.code, r.stderr)
	}
	return out
}

// rowsOf returns query's rows, each column as text.
func rowsOf(t *testing.T, url, query string) [][]string {
	t.Helper()
	rows, err := pgtest.Connect(t, url).Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// number_noise under 50 secrets on numeric columns with BETWEEN, >= 0,
// > AND < and domain CHECKs, zeros and boundary values: every output loads,
// zeros stay zero; an unclear CHECK is reported by check, naming it.
func TestNumberNoiseKeepsChecksThroughPostgres(t *testing.T) {
	src := pgtest.NewDatabase(t)
	sqlExec(t, src,
		`CREATE SCHEMA pay`,
		`CREATE DOMAIN pay.pct AS numeric(5,2) CONSTRAINT pct_range CHECK (VALUE >= 0 AND VALUE <= 100)`,
		`CREATE TABLE pay.staff (id integer PRIMARY KEY,
			rate numeric(6,2) NOT NULL CONSTRAINT rate_band CHECK (rate BETWEEN 6.50 AND 200.00),
			bonus numeric(10,2) CONSTRAINT bonus_pos CHECK (bonus >= 0),
			score integer CONSTRAINT score_open CHECK (score > 0 AND score < 100),
			share pay.pct,
			weight double precision CHECK (weight >= 0 AND weight <= 1))`,
		`INSERT INTO pay.staff SELECT i,
			(ARRAY[6.50, 200.00, 6.51, 199.99, 100])[i % 5 + 1],
			(ARRAY[0, 0.01, 1000, 0, 12.5])[i % 5 + 1],
			(ARRAY[1, 99, 50, 2, 98])[i % 5 + 1],
			(ARRAY[0, 100, 99.99, 0.01, 50])[i % 5 + 1],
			(ARRAY[0, 1, 0.999, 0.5, 1e-9])[i % 5 + 1]
			FROM generate_series(1, 40) i`)
	dump := pgDump(t, t.TempDir(), "pay.sql", src)
	rules := "version: 1\ntables:\n  pay.staff:\n    id: keep\n    rate: {use: number_noise, ratio: 0.5}\n" +
		"    bonus: {use: number_noise, ratio: 1}\n    score: {use: number_noise, ratio: 0.5}\n    share: {use: number_noise, ratio: 1}\n    weight: {use: number_noise, ratio: 0.5}\n"
	target := pgtest.NewDatabase(t)
	changed := 0
	for i := range 50 {
		out := anonymizeOK(t, t.TempDir(), rules, dump, fmt.Sprintf("number-noise-check-secret-%02d", i))
		if msg, err := psqlLoad(t, target, out); err != nil {
			t.Fatalf("secret %d: the output does not load: %v\n%s", i, err, msg)
		}
		if z := queryString(t, target, `SELECT count(*)::text FROM pay.staff WHERE id % 5 IN (0, 3) AND bonus <> 0 OR id % 5 = 0 AND (share <> 0 OR weight <> 0)`); z != "0" {
			t.Fatalf("secret %d: %s zeros moved, want none (zero stays zero)", i, z)
		}
		changed += len(rowsOf(t, target, `SELECT id FROM pay.staff WHERE rate NOT IN (6.50, 200.00, 6.51, 199.99, 100)`))
		sqlExec(t, target, `DROP SCHEMA pay CASCADE`)
	}
	if changed < 50*30 {
		t.Errorf("only %d of %d rates moved off their originals", changed, 50*40)
	}

	// A CHECK that is not a range is named by check, and by the run.
	src2 := pgtest.NewDatabase(t)
	sqlExec(t, src2, `CREATE TABLE public.steps (id integer PRIMARY KEY, n integer CONSTRAINT n_step CHECK (n % 5 = 0))`,
		`INSERT INTO public.steps VALUES (1, 10)`)
	dump2 := pgDump(t, t.TempDir(), "steps.sql", src2)
	rulesPath := writeFile(t, t.TempDir(), "rules.yaml", "version: 1\ntables:\n  steps:\n    id: keep\n    n: number_noise\n")
	r := run(t, canaryEnv, "", "check", "--rules", rulesPath, "--in", dump2)
	if r.code != ExitOK || !strings.Contains(r.stderr, `column public.steps.n: CHECK constraint n_step is not a range`) {
		t.Errorf("check exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// date_shift by: the row key, and by: an owner column shared with another
// table: the output loads under CHECKs ordering the dates, every interval
// between two dates of one entity is unchanged, and one owner gets one
// offset in every table.
func TestDateShiftByThroughPostgres(t *testing.T) {
	src := pgtest.NewDatabase(t)
	sqlExec(t, src,
		`SET timezone = 'Europe/Paris'`,
		`CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer NOT NULL,
			created_at timestamptz NOT NULL, updated_at timestamptz, shipped_at date,
			CONSTRAINT created_first CHECK (created_at <= updated_at),
			CONSTRAINT shipped_after CHECK (shipped_at >= created_at::date))`,
		`CREATE TABLE public.logins (id integer PRIMARY KEY, user_id integer NOT NULL, at timestamp NOT NULL)`,
		`INSERT INTO public.orders SELECT i, i % 7,
			timestamptz '2021-03-27 22:30:00+01' + i * interval '5 hours 7 minutes',
			timestamptz '2021-03-27 22:30:00+01' + i * interval '5 hours 7 minutes' + (i % 3) * interval '1 day 2 hours',
			CASE WHEN i % 4 = 0 THEN NULL ELSE (timestamptz '2021-03-27 22:30:00+01' + i * interval '5 hours 7 minutes')::date + i % 5 END
			FROM generate_series(1, 60) i`,
		`INSERT INTO public.logins SELECT i, i % 7, timestamp '2020-02-28 23:59:59.5' + i * interval '13 hours' FROM generate_series(1, 30) i`)
	dump := pgDump(t, t.TempDir(), "orders.sql", src)
	const q = `SELECT id, user_id, extract(epoch FROM created_at)::bigint, extract(epoch FROM updated_at)::bigint,
		(shipped_at - date '2000-01-01')::text FROM public.orders ORDER BY id`
	orig := rowsOf(t, src, q)
	origLogins := rowsOf(t, src, `SELECT id, extract(epoch FROM at)::text FROM public.logins ORDER BY id`)
	for _, by := range []string{"id", "user_id"} {
		t.Run("by "+by, func(t *testing.T) {
			rule := fmt.Sprintf("{use: date_shift, max_days: 200, by: %s}", by)
			rules := "version: 1\ntables:\n  orders:\n    id: keep\n    user_id: keep\n    created_at: " + rule +
				"\n    updated_at: " + rule + "\n    shipped_at: " + rule +
				"\n  logins:\n    id: keep\n    user_id: keep\n    at: {use: date_shift, max_days: 200, by: user_id}\n"
			out := anonymizeOK(t, t.TempDir(), rules, dump, "date-shift-by-secret")
			target := pgtest.NewDatabase(t)
			if msg, err := psqlLoad(t, target, out); err != nil {
				t.Fatalf("the output does not load: %v\n%s", err, msg)
			}
			got := rowsOf(t, target, q)
			if len(got) != len(orig) {
				t.Fatalf("%d rows, want %d", len(got), len(orig))
			}
			owner := map[string]int64{} // user_id → offset in seconds
			offsets := map[int64]bool{}
			for i, g := range got {
				o := orig[i]
				var og, gg [4]int64
				for k := 2; k < 5; k++ {
					fmt.Sscan(o[k], &og[k-2])
					fmt.Sscan(g[k], &gg[k-2])
				}
				off := gg[0] - og[0]
				if off == 0 || off%86400 != 0 {
					t.Fatalf("order %s: created_at moved %d s, want whole non-zero days", o[0], off)
				}
				if gg[1]-og[1] != off {
					t.Errorf("order %s: updated_at moved %d s, created_at %d s", o[0], gg[1]-og[1], off)
				}
				if o[4] != "<nil>" && (gg[2]-og[2])*86400 != off {
					t.Errorf("order %s: shipped_at moved %d days, created_at %d s", o[0], gg[2]-og[2], off)
				}
				offsets[off] = true
				if by == "user_id" {
					if prev, ok := owner[o[1]]; ok && prev != off {
						t.Errorf("user %s: offsets %d and %d", o[1], prev, off)
					}
					owner[o[1]] = off
				}
			}
			if by == "id" && len(offsets) < 30 {
				t.Errorf("60 orders got only %d offsets", len(offsets))
			}
			if by == "user_id" {
				for i, g := range rowsOf(t, target, `SELECT id, extract(epoch FROM at)::text, user_id FROM public.logins ORDER BY id`) {
					var a, b float64
					fmt.Sscan(origLogins[i][1], &a)
					fmt.Sscan(g[1], &b)
					if want, ok := owner[g[2]]; ok && int64(b-a) != want {
						t.Errorf("login %s of user %s moved %v s, the user's orders %d s", g[0], g[2], b-a, want)
					}
				}
			}
		})
	}
}

// xmlShape is an XML value's skeleton: elements and attribute names with
// their namespaces, comments (not their text, which text: masks) and
// processing instructions.
func xmlShape(t *testing.T, v string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(v))
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			fmt.Fprintf(&b, "<{%s}%s", tok.Name.Space, tok.Name.Local)
			for _, a := range tok.Attr {
				fmt.Fprintf(&b, " {%s}%s", a.Name.Space, a.Name.Local)
			}
			b.WriteString(">")
		case xml.EndElement:
			fmt.Fprintf(&b, "</%s>", tok.Name.Local)
		case xml.Comment:
			b.WriteString("<!---->")
		case xml.ProcInst:
			if tok.Target == "xml" {
				fmt.Fprintf(&b, "<?%s %s?>", tok.Target, tok.Inst)
			} else {
				fmt.Fprintf(&b, "<?%s?>", tok.Target) // its data is masked
			}
		case xml.CharData:
			if strings.TrimSpace(string(tok)) == "" {
				fmt.Fprintf(&b, "%q", string(tok)) // indentation is kept too
			}
		}
	}
}

// xml with paths and text: lorem, and scrub, on xml columns holding
// documents and content fragments with namespaces, mixed content,
// attributes and CDATA: every output loads into the xml columns (PostgreSQL
// parses each), the targeted elements change, the skeleton does not.
func TestXMLThroughPostgres(t *testing.T) {
	src := pgtest.NewDatabase(t)
	docs := []string{
		`<?xml version="1.0"?><c:Customer xmlns:c="urn:ex:c" xmlns="urn:ex:d" id="17"><Name.First>Jane</Name.First><c:EMail>jane.doe@corp.example</c:EMail><Bio>Likes <b>tea</b> &amp; <i>cake</i>.<![CDATA[<raw> & stuff]]></Bio><!-- vip --></c:Customer>`,
		"<Customer>\n  <Name.First>Ren\u00e9</Name.First>\n  <EMail>rene@mail.example</EMail>\n  <?audit ok?>\n  <Phone type=\"mobile\">+44 20 7946 0018</Phone>\n</Customer>",
		`<p:Customer xmlns:p="urn:ex:p"><p:Name.First>Li</p:Name.First><p:EMail>li@x.example</p:EMail></p:Customer> trailing text <note>call +1 415 867 5309</note>`,
	}
	sqlExec(t, src, `SET xmloption = content`,
		`CREATE TABLE public.docs (id integer PRIMARY KEY, body xml, notes xml)`)
	conn := pgtest.Connect(t, src)
	for i, d := range docs {
		notes := "<n>mail " + fmt.Sprint(i) + ": jane.doe@corp.example, card 4111 1111 1111 1111</n><!-- c --><n a=\"phone +44 20 7946 0018\"/>"
		if _, err := conn.Exec(context.Background(), `INSERT INTO public.docs VALUES ($1, $2::xml, $3::xml)`, i, d, notes); err != nil {
			t.Fatal(err)
		}
	}
	dump := pgDump(t, t.TempDir(), "docs.sql", src)
	rules := "version: 1\ntables:\n  docs:\n    id: keep\n" +
		`    body: {use: xml, paths: {"//Name.First": first_name, "//EMail": email}, text: lorem}` + "\n    notes: scrub\n"
	out := anonymizeOK(t, t.TempDir(), rules, dump, "xml-acceptance-test-secret")
	target := pgtest.NewDatabase(t)
	if msg, err := psqlLoad(t, target, out); err != nil {
		t.Fatalf("the output does not load: %v\n%s", err, msg)
	}
	const q = `SELECT body::text, notes::text,
		coalesce((xpath('//*[local-name()="Name.First"]/text()', ('<r>' || body::text || '</r>')::xml))[1]::text, ''),
		coalesce((xpath('//*[local-name()="EMail"]/text()', ('<r>' || body::text || '</r>')::xml))[1]::text, '')
		FROM public.docs ORDER BY id`
	// The wrapping <r> makes a fragment a document for xpath; a declaration
	// cannot be wrapped, so it is cut first.
	qq := strings.ReplaceAll(q, "body::text", "regexp_replace(body::text, '^<\\?xml[^>]*\\?>', '')")
	orig, got := rowsOf(t, src, qq), rowsOf(t, target, qq)
	if len(got) != len(orig) {
		t.Fatalf("%d rows, want %d", len(got), len(orig))
	}
	for i := range orig {
		o, g := orig[i], got[i]
		for k, what := range []string{"body", "notes"} {
			if xmlShape(t, "<r>"+strip(o[k])+"</r>") != xmlShape(t, "<r>"+strip(g[k])+"</r>") {
				t.Errorf("doc %d: %s skeleton changed:\n%s\n%s", i, what, o[k], g[k])
			}
		}
		if g[2] == o[2] || g[2] == "" || g[3] == o[3] || !strings.Contains(g[3], "@") {
			t.Errorf("doc %d: Name.First %q → %q, EMail %q → %q", i, o[2], g[2], o[3], g[3])
		}
		if g[0] == o[0] || strings.Contains(g[0], "tea") || strings.Contains(g[0], "trailing") {
			t.Errorf("doc %d: body text kept:\n%s", i, g[0])
		}
		if strings.Contains(g[1], "jane.doe@corp.example") || strings.Contains(g[1], "7946 0018") || !strings.Contains(g[1], "<!-- c -->") {
			t.Errorf("doc %d: notes not scrubbed:\n%s", i, g[1])
		}
	}
	if !strings.Contains(got[0][0], `xmlns:c="urn:ex:c"`) || !strings.Contains(got[0][0], "<![CDATA[") || !strings.Contains(got[1][0], "<?audit ") || strings.Contains(got[1][0], "<?audit ok?>") {
		t.Errorf("namespaces, CDATA or processing instructions lost, or PI data kept:\n%s\n%s", got[0][0], got[1][0])
	}
}

// A document whose DOCTYPE declares entities, attribute defaults, comments and
// processing instructions carries values in all of them: with a text: rule
// none of them survives, and the output still loads.
func TestXMLDoctypeThroughPostgres(t *testing.T) {
	src := pgtest.NewDatabase(t)
	doc := `<!DOCTYPE Customer [<!ENTITY n "Jane Canaryname"><!ATTLIST Customer note CDATA "canary-default"><!-- canary-comment --><?audit canary-pi?>]><Customer>&n; <EMail>jane@canary.example</EMail></Customer>`
	sqlExec(t, src, `SET xmloption = document`,
		`CREATE TABLE public.docs (id integer PRIMARY KEY, body xml)`)
	conn := pgtest.Connect(t, src)
	if _, err := conn.Exec(context.Background(), `INSERT INTO public.docs VALUES (1, XMLPARSE(DOCUMENT $1))`, doc); err != nil {
		t.Fatal(err)
	}
	dump := pgDump(t, t.TempDir(), "docs.sql", src)
	rules := "version: 1\ntables:\n  docs:\n    id: keep\n" +
		`    body: {use: xml, paths: {"//EMail": email}, text: lorem}` + "\n"
	out := anonymizeOK(t, t.TempDir(), rules, dump, "xml-acceptance-test-secret")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, canary := range []string{"Canaryname", "canary-default", "canary-comment", "canary-pi", "canary.example"} {
		if bytes.Contains(data, []byte(canary)) {
			t.Errorf("%q survived:\n%s", canary, data)
		}
	}
	target := pgtest.NewDatabase(t)
	if msg, err := psqlLoad(t, target, out); err != nil {
		t.Fatalf("the output does not load: %v\n%s", err, msg)
	}

	// A processing instruction in the subset that PostgreSQL accepts but
	// that makes Go's decoder read the rest of the document as part of the
	// DOCTYPE: refused with the row's location, nothing echoed.
	hostile := `<!DOCTYPE r [<?pi <?>]><r><EMail>jane@canary.example</EMail>Canaryname</r><?q >?>`
	if _, err := conn.Exec(context.Background(), `INSERT INTO public.docs VALUES (2, XMLPARSE(DOCUMENT $1))`, hostile); err != nil {
		t.Fatal(err)
	}
	dump = pgDump(t, t.TempDir(), "docs.sql", src)
	dir := t.TempDir()
	r := run(t, map[string]string{"ANONYMIZE_SECRET": "xml-acceptance-test-secret"}, "",
		"--rules", writeFile(t, dir, "rules.yaml", rules), "--in", dump, "--out", filepath.Join(dir, "out.sql"))
	if r.code != ExitFailure || !strings.Contains(r.stderr, "docs") || strings.Contains(r.stderr+r.stdout, "anary") {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.sql")); !os.IsNotExist(err) {
		t.Errorf("a failed run left its output: %v", err)
	}
}

// strip cuts an XML declaration, which cannot stand inside a wrapper element.
func strip(v string) string {
	if strings.HasPrefix(v, "<?xml") {
		if i := strings.Index(v, "?>"); i >= 0 {
			return v[i+2:]
		}
	}
	return v
}
