package masking

import (
	"fmt"
	"strings"
	"testing"
)

var sampleTickets = []string{
	"Contact me at alice@gmail.com or +44 20 7946 0958.",
	"Card 4111 1111 1111 1111 exp 12/25, call (202) 555-0143",
	"From bob.smith@company.co.uk: phone 020 7946 0018",
	"SMS 07700 900123 please",
	"zoë+tag@例え.jp",
}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "scrub"}, col: col(CatText, "text"), values: sampleTickets},
		conformanceCase{spec: Spec{Name: "scrub"}, col: col(CatText, "varchar", 40), values: sampleTickets},
	)
}

// scrubbed is an input and the parts of it scrub must replace, each with
// the masker whose fake it must use.
type scrubbed struct {
	in    string
	parts [][2]string // {masker, text}
}

func TestScrubFindsAndReplacesConsistently(t *testing.T) {
	opts := testOptions("s")
	text := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "scrub"}, text, opts)
	fake := map[string]Masker{}
	for _, n := range []string{"email", "phone", "credit_card"} {
		fake[n] = mustBuild(t, &Spec{Name: n}, text, opts)
	}
	e, p, c := "email", "phone", "credit_card"
	cases := []scrubbed{
		{"write to alice@gmail.com today", [][2]string{{e, "alice@gmail.com"}}},
		{"mailto:John.Doe+tag@mail.example.co.uk.", [][2]string{{e, "John.Doe+tag@mail.example.co.uk"}}},
		{"<a_b%c-d@x-y.org>, (zoë@例え.jp)", [][2]string{{e, "a_b%c-d@x-y.org"}, {e, "zoë@例え.jp"}}},
		{"digits inside: john.5551234567@x.com", [][2]string{{e, "john.5551234567@x.com"}}},
		{"x@y.z and ..dots@a.b", [][2]string{{e, "x@y.z"}, {e, "dots@a.b"}}},
		{"call +44 20 7946 0958 or +1-202-555-0143", [][2]string{{p, "+44 20 7946 0958"}, {p, "+1-202-555-0143"}}},
		{"US (202) 555-0143, +1 (202) 555-0143", [][2]string{{p, "(202) 555-0143"}, {p, "+1 (202) 555-0143"}}},
		{"UK 020 7946 0958 / 02079460958 / +44 (0)20 7946 0958", [][2]string{{p, "020 7946 0958"}, {p, "02079460958"}, {p, "+44 (0)20 7946 0958"}}},
		{"DE 030/12345678, dotted 202.555.0143, local 555-0143 or 555.0143", [][2]string{{p, "030/12345678"}, {p, "202.555.0143"}, {p, "555-0143"}, {p, "555.0143"}}},
		{"tel:+33123456789; FR +33 1 23 45 67 89", [][2]string{{p, "+33123456789"}, {p, "+33 1 23 45 67 89"}}},
		{"spaced 202 - 555 - 0143, (202)-555-0143, 202  555  0143", [][2]string{{p, "202 - 555 - 0143"}, {p, "(202)-555-0143"}, {p, "202  555  0143"}}},
		{"Visa 4111 1111 1111 1111, 4111-1111-1111-1111 and 4111111111111111", [][2]string{{c, "4111 1111 1111 1111"}, {c, "4111-1111-1111-1111"}, {c, "4111111111111111"}}},
		{"Amex 3782 822463 10005 exp 12 27", [][2]string{{c, "3782 822463 10005"}}},
		// Not Luhn-valid: still masked, as a long digit run.
		{"ref 4111 1111 1111 1112", [][2]string{{p, "4111 1111 1111 1112"}}},
		{"order 12345678 shipped", [][2]string{{p, "12345678"}}},
		// Letters and digits at the ends of the ASCII ranges belong to the
		// address; an @ right at the start of the text is no address.
		{"mail AZaz09@Zz.Az09 now", [][2]string{{e, "AZaz09@Zz.Az09"}}},
		{"@x.org wrote to bob@x.org", [][2]string{{e, "bob@x.org"}}},
		{"@@ a@b.cd", [][2]string{{e, "a@b.cd"}}},
		// A lone digit after the calling code continues the number.
		{"FR +33 1 2345 ok", [][2]string{{p, "+33 1 2345"}}},
		// Three spaces at most between groups.
		{"a 202    555 0143", [][2]string{{p, "555 0143"}}},
		{"a 202   555 0143", [][2]string{{p, "202   555 0143"}}},
		// 13 and 19 digits are card lengths; a card before "()" is a card.
		{"card 4222222222222 ok", [][2]string{{c, "4222222222222"}}},
		{"card " + luhnCard(19) + " ok", [][2]string{{c, luhnCard(19)}}},
		{"long " + luhnCard(20) + " ok", [][2]string{{p, luhnCard(20)}}},
		{"card 4111111111111111() x", [][2]string{{c, "4111111111111111"}}},
		{"ref (1234567", [][2]string{{p, "(1234567"}}},
		{"call (12) 34567", [][2]string{{p, "(12) 34567"}}},
		// Many groups: one number.
		{"list " + groups(23), [][2]string{{p, groups(23)}}},
		{"list " + groups(24), [][2]string{{p, groups(24)}}},
		{"list " + groups(25), [][2]string{{p, groups(25)}}},
		// Shaped like dates, but no month and day: numbers.
		{"fax 55-44-3322 or 2021-55-01", [][2]string{{p, "55-44-3322"}, {p, "2021-55-01"}}},
	}
	for _, sc := range cases {
		want := sc.in
		for _, part := range sc.parts {
			f, _ := maskString(t, fake[part[0]], text, part[1])
			if !strings.Contains(want, part[1]) {
				t.Fatalf("bad case %q", sc.in)
			}
			want = strings.Replace(want, part[1], f, 1)
		}
		if got, _ := maskString(t, m, text, sc.in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", sc.in, got, want)
		}
	}
}

func TestScrubLeavesOrdinaryText(t *testing.T) {
	text := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "scrub"}, text, testOptions("s"))
	for _, in := range []string{
		"", "nothing to see here",
		"order 12345 shipped in 3 boxes, 2 left",
		"version 1.2.3, build 4.5.6.7, pi is 3.14159265",
		"on 2021-03-04 at 12:30:45, or 04.03.2021, 12/31/2021, 31.12.2021, or 2021/03/04 14:00",
		"rooms 1 2 3 4 5 6 7 8 9",
		"total $1,234,567.89 for 1234567.89 units",
		"IDs 123456 and 654321", "@handle and user@localhost and a@b",
		"10.0.0.1", "+44", "(12)", "pages 12 - 34", "+1 2 3 4 5 6 7",
		"@example.com", "mail a@-x.com now", "x@y-.org", "a@.org", "a@b..org",
		"call me +", "(12) 345", "(123) 45", "due 2021-03-04", "2021-03-04", "due 04.03.2021",
	} {
		if got, _ := maskString(t, m, text, in); got != in {
			t.Errorf("%q became %q", in, got)
		}
	}
}

func TestScrubFitsTheColumn(t *testing.T) {
	c := col(CatText, "varchar", 20)
	m := mustBuild(t, &Spec{Name: "scrub"}, c, testOptions("s"))
	out, _ := maskString(t, m, c, "mail x@y.z please!!")
	if len([]rune(out)) > 20 || strings.Contains(out, "x@y.z") {
		t.Errorf("got %q", out)
	}
}

func BenchmarkScrub(b *testing.B) {
	c := col(CatText, "text")
	m := mustBuild(b, &Spec{Name: "scrub"}, c, testOptions("s"))
	s := NewScratch()
	in := []byte("Customer alice@gmail.com called from +44 20 7946 0958 about order 1234 on 2021-03-04; card 4111 1111 1111 1111 was declined.")
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}

// luhnCard returns n digits that pass the Luhn check.
func luhnCard(n int) string {
	payload := []byte("4" + strings.Repeat("1", n-2))
	return string(append(payload, luhnDigit(payload)))
}

// groups returns n space-separated two-digit groups.
func groups(n int) string {
	g := make([]string, n)
	for i := range g {
		g[i] = fmt.Sprintf("%02d", 10+i)
	}
	return strings.Join(g, " ")
}

func TestFindEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@@x jane@corp.example", "jane@corp.example"},
		{"mail .jane@corp.example.", "jane@corp.example"},
		{"to: j.doe+tag@mail.corp-x.example- now", "j.doe+tag@mail.corp-x.example"},
		{"josé@exämple.example", "josé@exämple.example"},
		{"a@b, c@localhost, @corp.example", ""},
	} {
		got := ""
		if s, e, ok := findEmail([]byte(tc.in), 0); ok {
			got = tc.in[s:e]
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// scanNumberRun's groups: an empty or unclosed parenthesis ends the run,
// and it never reads past limit.
func TestScanNumberRun(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int // 0: len(in)
		want  numberRun
	}{
		{"(555) () 123-4567", 0, numberRun{end: 5}},
		{"(555) (123 4567", 0, numberRun{end: 5}},
		{"+44 20 7946 0018 x", 0, numberRun{end: 16, phone: true}},
		{"+44 20 7946 0018", 10, numberRun{end: 10, phone: true}},
		{"call", 0, numberRun{end: 0}},
		{"12 (34) 56", 0, numberRun{end: 10}}, // six digits: no phone number
		{"0 (12) 34", 0, numberRun{end: 9}},
		{"99 (12) 3456", 0, numberRun{end: 12, phone: true}},
	} {
		limit := tc.limit
		if limit == 0 {
			limit = len(tc.in)
		}
		if got := scanNumberRun([]byte(tc.in), 0, limit); got != tc.want {
			t.Errorf("%q (limit %d): got %+v, want %+v", tc.in, limit, got, tc.want)
		}
	}
}
