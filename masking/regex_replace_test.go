package masking

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func init() {
	rr := func(pattern, repl string) Spec {
		return Spec{Name: "regex_replace", Params: map[string]any{"pattern": pattern, "replacement": repl}}
	}
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: rr(`[0-9]`, "#"), col: col(CatText, "text"), values: []string{"SSN 123-45-6789", "a1", "2021"}, exempt: []string{"secret"}},
		conformanceCase{spec: rr(`^(\w)\w*@(.*)$`, "$1***@$2"), col: col(CatText, "varchar", 12), values: []string{"alice@gmail.com", "bob@company.co.uk"}, exempt: []string{"secret"}},
		conformanceCase{spec: rr(`(?i)secret`, "[redacted]"), col: col(CatText, "text"), values: []string{"Secret plan", "no secrets here"}, exempt: []string{"secret"}},
	)
}

func TestRegexReplaceMatchesReplaceAll(t *testing.T) {
	cases := []struct{ pattern, repl string }{
		{`a*`, "-"}, {`x*`, "<$0>"}, {`(\d+)-(\d+)`, "$2-$1"}, {`(?P<user>\w+)@`, "${user}#@"},
		{`\b`, "|"}, {`.`, "$$"}, {`é`, "e"}, {`(a)|(b)`, "[$1$2]"}, {`$`, "!"}, {`^`, "!"},
	}
	inputs := []string{"", "abc", "baaac", "12-34 56-78", "bob@example.com", "été", "aaa", "xyz"}
	for _, c := range cases {
		spec := &Spec{Name: "regex_replace", Params: map[string]any{"pattern": c.pattern, "replacement": c.repl}}
		tc := col(CatText, "text")
		m := mustBuild(t, spec, tc, testOptions("s"))
		re := regexp.MustCompile(c.pattern)
		for _, in := range inputs {
			out, _ := maskString(t, m, tc, in)
			if want := re.ReplaceAllString(in, c.repl); out != want {
				t.Errorf("%s -> %s on %q: %q, want %q", c.pattern, c.repl, in, out, want)
			}
		}
	}
}

func TestRegexReplaceFitsAndEchoes(t *testing.T) {
	c := col(CatText, "varchar", 5)
	m := mustBuild(t, &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "o", "replacement": "ööö"}}, c, testOptions("s"))
	if out, _ := maskString(t, m, c, "oo"); out != "ööööö" {
		t.Errorf("got %q, want it cut to 5 characters", out)
	}
	// Text the pattern does not match is kept, as documented.
	if out, _ := maskString(t, m, c, "abc"); out != "abc" {
		t.Errorf("got %q", out)
	}
}

func TestRegexReplaceBadPattern(t *testing.T) {
	_, err := Build(&Spec{Name: "regex_replace", Params: map[string]any{"pattern": `(\d+`, "replacement": ""}}, col(CatText, "text"), testOptions("s"))
	if err == nil || !strings.Contains(err.Error(), "RE2") || !strings.Contains(err.Error(), "missing closing )") {
		t.Errorf("got %v", err)
	}
	if _, err := Build(&Spec{Name: "regex_replace", Params: map[string]any{"pattern": `x`}}, col(CatText, "text"), testOptions("s")); err == nil {
		t.Error("missing replacement accepted")
	}
	if _, err := Build(&Spec{Name: "regex_replace", Params: map[string]any{"pattern": `(?<=a)b`, "replacement": ""}}, col(CatText, "text"), testOptions("s")); err == nil {
		t.Error("lookbehind (not RE2) accepted")
	}
}

func TestRegexReplaceOutputIsBounded(t *testing.T) {
	col := &Column{Category: CatText}
	m, err := Build(&Spec{Name: "regex_replace", Params: map[string]any{"pattern": "", "replacement": strings.Repeat("x", 1000)}}, col, testOptions("s"))
	if err != nil {
		t.Fatal(err)
	}
	in := bytes.Repeat([]byte("a"), 50_000)
	out, _, err := Wrap(m, col).Apply(NewScratch(), nil, in, false)
	if err == nil || len(out) > OutputLimit(len(in)) {
		t.Fatalf("50 kB became %d bytes (err %v)", len(out), err)
	}
	if strings.Contains(err.Error(), "aaaa") {
		t.Fatalf("error quotes the value: %v", err)
	}
}

// TestRegexReplaceLimitExactly: an expansion of exactly OutputLimit bytes
// passes, one more byte fails, whatever dst already holds.
func TestRegexReplaceLimitExactly(t *testing.T) {
	c := col(CatText, "text")
	in := []byte("ab")
	limit := OutputLimit(len(in))
	for _, tc := range []struct {
		repl string
		ok   bool
	}{
		{strings.Repeat("x", limit-1), true}, // "a" comes before the match
		{strings.Repeat("x", limit-2) + "$$", true},
		{strings.Repeat("x", limit), false},
		{strings.Repeat("x", limit-1) + "$$", false},
	} {
		m := mustBuild(t, &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "b", "replacement": tc.repl}}, c, testOptions("s"))
		out, err := m.Mask(NewScratch(), []byte("dst:"), in)
		if tc.ok && (err != nil || len(out) != 4+limit) {
			t.Errorf("%d-byte replacement: %d bytes, %v", len(tc.repl), len(out), err)
		}
		if !tc.ok && (!errors.Is(err, errTooLarge) || string(out) != "dst:") {
			t.Errorf("%d-byte replacement: %q..., %v; want errTooLarge", len(tc.repl), out[:min(len(out), 8)], err)
		}
	}
	// The check runs after every match, not only at the end.
	m := mustBuild(t, &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "a", "replacement": strings.Repeat("x", limit+1)}}, c, testOptions("s"))
	if _, err := m.Mask(NewScratch(), nil, []byte("ab")); !errors.Is(err, errTooLarge) {
		t.Errorf("first match over the limit: %v", err)
	}
}
