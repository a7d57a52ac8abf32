package masking

import (
	"regexp"
	"strings"
	"testing"
)

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "email"}, col: col(CatText, "text"), values: sampleEmails},
		conformanceCase{spec: Spec{Name: "email", Params: map[string]any{"domain": "mail.test"}}, col: col(CatText, "varchar", 20), values: sampleEmails},
		conformanceCase{spec: Spec{Name: "email"}, col: &Column{Table: "t", Name: "cc", Category: CatText, Array: true}, values: []string{`{a@b.com,"c d@e.com",NULL}`, "{}"}, exempt: []string{"echo", "secret"}},
	)
}

var emailShape = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9]+)*@example\.com$`)

func TestEmailShapeAndUniqueness(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "email"}, c, testOptions("s"))
	seen := map[string]string{}
	for i := range sampleSize(20000) {
		in := "user" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@corp.com" + string(rune('0'+i%10)) + strings.Repeat("y", i/260)
		out, _ := maskString(t, m, c, in)
		if !emailShape.MatchString(out) {
			t.Fatalf("email %q has the wrong shape", out)
		}
		if prev, dup := seen[out]; dup && prev != in {
			t.Fatalf("collision: %q and %q both gave %q", prev, in, out)
		}
		seen[out] = in
	}
}

func TestCheckReservedDomain(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	// 253 characters: labels of 62 and 3×61 characters, and "test".
	d253 := "a" + strings.Repeat(strings.Repeat("b", 61)+".", 4) + "test"
	for d, want := range map[string]string{
		"example.com":         "",
		"EXAMPLE.ORG":         "",
		"example.net.":        "not a valid domain",
		"mail.example.com":    "",
		"a-b.example":         "",
		"example":             "",
		"x.test":              "",
		"test":                "",
		"foo.invalid":         "",
		"localhost":           "",
		"my.localhost":        "",
		label63 + ".test":     "",
		d253:                  "",
		"A9.Test":             "",
		"az-AZ-09.example":    "",
		"z.test":              "",
		"Z.test":              "",
		"0.test":              "",
		"9.test":              "",
		"a.test":              "",
		"A.test":              "",
		"example.co":          "not reserved",
		"myexample.com":       "not reserved",
		"example.com.evil.io": "not reserved",
		"gmail.com":           "not reserved",
		"testing":             "not reserved",
		"xtest":               "not reserved",
		"":                    "not a valid domain",
		".test":               "not a valid domain",
		"a..test":             "not a valid domain",
		"-a.test":             "not a valid domain",
		"a-.test":             "not a valid domain",
		"a_b.test":            "not a valid domain",
		"a b.test":            "not a valid domain",
		"ä.test":              "not a valid domain",
		"a/.test":             "not a valid domain",
		"a:.test":             "not a valid domain",
		"a@.test":             "not a valid domain",
		"a[.test":             "not a valid domain",
		"a`.test":             "not a valid domain",
		"a{.test":             "not a valid domain",
		label63 + "a.test":    "not a valid domain",
		"c" + d253:            "not a valid domain",
	} {
		err := CheckReservedDomain(d)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckReservedDomain(%q) = %v, want %q", d, err, want)
		}
	}
}

// TestEmailForms: the local part is the longest of first.last.tag,
// f.last.tag, last.tag and tag that fits the column.
func TestEmailForms(t *testing.T) {
	forms := []*regexp.Regexp{
		regexp.MustCompile(`^[a-z]{2,}\.[a-z]{2,}\.[a-z2-7]{8}@x\.test$`),
		regexp.MustCompile(`^[a-z]\.[a-z]{2,}\.[a-z2-7]{8}@x\.test$`),
		regexp.MustCompile(`^[a-z]{2,}\.[a-z2-7]{8}@x\.test$`),
		regexp.MustCompile(`^[a-z2-7]{8}@x\.test$`),
	}
	text := col(CatText, "text")
	full := mustBuild(t, &Spec{Name: "email", Params: map[string]any{"domain": "x.test"}}, text, testOptions("s"))
	for _, in := range []string{"a@b.c", "someone@example.org", "x"} {
		long, _ := maskString(t, full, text, in)
		if !forms[0].MatchString(long) {
			t.Fatalf("%q -> %q on text", in, long)
		}
		_, last, _ := strings.Cut(long, ".")
		last, tag, _ := strings.Cut(last, ".")
		for _, mf := range [][2]int{
			{len(long), 0},
			{len(long) - 1, 1},
			{len(last) + 18, 1},
			{len(last) + 17, 2},
			{len(last) + 16, 2},
			{len(last) + 15, 3},
			{15, 3},
		} {
			max, form := mf[0], mf[1]
			c := col(CatText, "varchar", int32(max))
			m := mustBuild(t, &Spec{Name: "email", Params: map[string]any{"domain": "x.test"}}, c, testOptions("s"))
			out, _ := maskString(t, m, c, in)
			if err := appendsToDst(m, c, in, out, false); err != nil {
				t.Errorf("%q on varchar(%d): %v", in, max, err)
			}
			if !forms[form].MatchString(out) || !strings.HasSuffix(out, tag) || len(out) > max {
				t.Errorf("%q on varchar(%d) -> %q, want form %d ending %s", in, max, out, form, tag)
			}
		}
	}
	for max, want := range map[int32]string{15: "", 14: "character varying(14) is too short for addresses at x.test (needs 15 characters)"} {
		_, err := Build(&Spec{Name: "email", Params: map[string]any{"domain": "x.test"}}, col(CatText, "varchar", max), testOptions("s"))
		if want == "" && err != nil || want != "" && (err == nil || err.Error() != want) {
			t.Errorf("varchar(%d) for addresses at x.test (6+1+8 characters): %v", max, err)
		}
	}
}
