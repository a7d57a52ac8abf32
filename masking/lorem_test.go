package masking

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var loremSamples = []string{
	"Customer called about the late delivery of order 1234.",
	"Zoë prefers email.\nDo not call after 6pm.\r\nThanks!",
	"a",
	"Allergic to penicillin; see file.",
	"日本語のメモ",
}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "lorem"}, col: col(CatText, "text"), values: loremSamples},
		conformanceCase{spec: Spec{Name: "lorem"}, col: col(CatText, "varchar", 60), values: loremSamples},
		conformanceCase{spec: Spec{Name: "lorem"}, col: col(CatText, "bpchar", 8), values: []string{"ab      ", "x       ", "12345678"}},
	)
}

func TestLoremSameLengthAndLineBreaks(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "lorem"}, c, testOptions("s"))
	inputs := append([]string{"\n\nx\n", "ab\r\ncd", strings.Repeat("long text ", 100), "ü"}, loremSamples...)
	for _, in := range inputs {
		out, _ := maskString(t, m, c, in)
		if utf8.RuneCountInString(out) != utf8.RuneCountInString(in) {
			t.Errorf("%q -> %q: length changed", in, out)
		}
		for i, r := range []rune(in) {
			o := []rune(out)[i]
			if (r == '\n' || r == '\r' || o == '\n' || o == '\r') && r != o {
				t.Errorf("%q -> %q: line break moved at %d", in, out, i)
			}
		}
		for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if line != strings.TrimSpace(line) || strings.Contains(line, "  ") {
				t.Errorf("%q -> %q: stray spaces", in, out)
			}
			for _, w := range strings.Fields(strings.TrimSuffix(line, ".")) {
				if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
					t.Errorf("%q -> %q: %q is no lorem word", in, out, w)
				}
			}
		}
	}
}

func TestLoremNeverEchoesShortText(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "lorem"}, c, testOptions("s"))
	for _, in := range []string{"a", "e", "s", "q", "ut", "et", "in", "id", "est", "qui", "sed", "x\ny"} {
		if out, _ := maskString(t, m, c, in); out == in {
			t.Errorf("%q echoed", in)
		}
	}
	for _, in := range []string{"", "\n", "\r\n\n"} {
		if out, _ := maskString(t, m, c, in); out != in {
			t.Errorf("%q (nothing to replace) became %q", in, out)
		}
	}
}

func BenchmarkLorem(b *testing.B) {
	c := col(CatText, "text")
	m := mustBuild(b, &Spec{Name: "lorem"}, c, testOptions("s"))
	s, in := NewScratch(), []byte(strings.Repeat("Customer called about the delivery. ", 5))
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}
