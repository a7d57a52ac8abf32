package masking

import (
	"strings"
	"testing"
)

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "partial"}, col: col(CatText, "text"), values: []string{"4111111111111111", "secret", "Zoë Smith", "X", "ab"}, exempt: []string{"secret"}},
		conformanceCase{spec: Spec{Name: "partial", Params: map[string]any{"keep_first": int64(2), "keep_last": int64(2), "char": "•"}}, col: col(CatText, "varchar", 12), values: []string{"DE8937040044", "abcdef", "héllo"}, exempt: []string{"secret"}},
	)
}

func TestPartial(t *testing.T) {
	c := col(CatText, "text")
	for _, tc := range []struct {
		params  map[string]any
		in, out string
	}{
		{nil, "4111111111111111", "************1111"},
		{nil, "12345678", "****5678"},
		{nil, "1234567", "****567"}, // 4 kept would hide less than half
		{nil, "1234", "**34"},
		{nil, "X", "*"},
		{nil, "", ""},
		{map[string]any{"keep_first": int64(1), "keep_last": int64(1)}, "Zoë", "**ë"},
		{map[string]any{"keep_first": int64(2), "keep_last": int64(4), "char": "#"}, "ab-cd-ef-gh", "a######f-gh"},
		{map[string]any{"keep_first": int64(2), "keep_last": int64(4)}, "abcdefghijkl", "ab******ijkl"},
		{map[string]any{"keep_first": int64(2), "keep_last": int64(4)}, "abcdef", "a***ef"},
		{map[string]any{"keep_last": int64(0), "char": "–"}, "abc", "–––"},
	} {
		m := mustBuild(t, &Spec{Name: "partial", Params: tc.params}, c, testOptions("s"))
		if out, _ := maskString(t, m, c, tc.in); out != tc.out {
			t.Errorf("partial%v(%q) = %q, want %q", tc.params, tc.in, out, tc.out)
		}
	}
}

func TestPartialParams(t *testing.T) {
	c := col(CatText, "text")
	for _, p := range []map[string]any{{"char": ""}, {"char": "ab"}, {"keep_first": int64(-1)}, {"keep_last": int64(1 << 40)}} {
		if _, err := Build(&Spec{Name: "partial", Params: p}, c, testOptions("s")); err == nil || !strings.Contains(err.Error(), "must") {
			t.Errorf("partial%v: %v", p, err)
		}
	}
}

func TestPartialParamBounds(t *testing.T) {
	c := col(CatText, "text")
	for _, tc := range []struct {
		params map[string]any
		ok     bool
	}{
		{map[string]any{"keep_first": int64(0), "keep_last": int64(0)}, true},
		{map[string]any{"keep_first": int64(1 << 20), "keep_last": int64(1 << 20)}, true},
		{map[string]any{"keep_first": int64(1<<20 + 1)}, false},
		{map[string]any{"keep_last": int64(1<<20 + 1)}, false},
		{map[string]any{"keep_first": int64(-1)}, false},
		{map[string]any{"keep_last": int64(-1)}, false},
		{map[string]any{"char": "é"}, true},
		{map[string]any{"char": "🎉"}, true},
		{map[string]any{"char": "\x00"}, false},
		{map[string]any{"char": "\xff"}, false},
		{map[string]any{"char": "\xe2\x82"}, false},
		{map[string]any{"char": "é!"}, false},
	} {
		_, err := Build(&Spec{Name: "partial", Params: tc.params}, c, testOptions("s"))
		if (err == nil) != tc.ok {
			t.Errorf("partial%v: %v, want ok=%v", tc.params, err, tc.ok)
		}
	}
}

// TestPartialKeptCounts pins how the kept counts shrink when a value is too
// short: together they keep at most half of the characters, shared in
// proportion, the rounding going to the end.
func TestPartialKeptCounts(t *testing.T) {
	c := col(CatText, "text")
	for _, tc := range []struct {
		first, last int64
		in, out     string
	}{
		{0, 4, "abcdefghij", "******ghij"},
		{0, 4, "abcdefgh", "****efgh"},
		{0, 4, "abcdefg", "****efg"},
		{0, 4, "ab", "*b"},
		{4, 0, "abcdefgh", "abcd****"},
		{4, 0, "abcdefg", "abc****"},
		{3, 3, "abcdefgh", "ab****gh"},
		{3, 3, "abcdefghijklmn", "abc********lmn"},
		{1, 3, "abcdefgh", "a****fgh"},
		{3, 1, "abcdefgh", "abc****h"},
		{1, 2, "abcde", "***de"},
		{2, 1, "abcde", "a***e"},
		{5, 5, "abcdefghi", "ab*****hi"},
		{1, 1, "ab", "*b"},
		{10, 10, "é漢字🎉xyzÜ", "é漢****zÜ"},
		{0, 0, "abc", "***"},
		{2, 2, "abcd", "a**d"},
	} {
		params := map[string]any{"keep_first": tc.first, "keep_last": tc.last}
		m := mustBuild(t, &Spec{Name: "partial", Params: params}, c, testOptions("s"))
		if out, _ := maskString(t, m, c, tc.in); out != tc.out {
			t.Errorf("partial(%d,%d)(%q) = %q, want %q", tc.first, tc.last, tc.in, out, tc.out)
		}
	}
}
