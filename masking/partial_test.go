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
