package masking

import (
	"encoding/base32"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestUnknownMaskerSuggests(t *testing.T) {
	known := "known: keep, " + strings.Join(Names(), ", ")
	for name, want := range map[string]string{
		"emial":     `unknown masker "emial" (did you mean email?)`,
		"emails":    `unknown masker "emails" (did you mean email?)`,
		"mail":      `unknown masker "mail" (did you mean email?)`,
		"kep":       `unknown masker "kep" (did you mean keep?)`,
		"hahs":      `unknown masker "hahs" (did you mean hash?)`,
		"partail":   `unknown masker "partail" (did you mean partial?)`,
		"lorme":     `unknown masker "lorme" (did you mean lorem?)`,
		"email":     `unknown masker "email" (` + known + `)`,
		"mask":      `unknown masker "mask" (` + known + `)`,
		"postcodes": `unknown masker "postcodes" (did you mean postcode?)`,
	} {
		_, err := Build(&Spec{Name: name}, col(CatText, "text"), testOptions("s"))
		if name == "email" {
			err = &UnknownMaskerError{Name: name} // it exists; the message must not suggest itself
		}
		var ue *UnknownMaskerError
		if name != "email" && !errors.As(err, &ue) {
			t.Errorf("Build(%q): %v, want an UnknownMaskerError", name, err)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %s\nwant %s", name, err, want)
		}
	}
}

func TestCloseTo(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", false},
		{"abc", "abd", true},
		{"abc", "xbc", true},
		{"abc", "bac", true},
		{"abc", "acb", true},
		{"abcd", "abdc", true},
		{"abc", "cba", false},   // two changes, not neighbours
		{"abcd", "axyd", false}, // neighbours, but not a swap
		{"abcd", "acbd", true},  // a swap in the middle
		{"abcd", "acbe", false}, // three changes
		{"abcd", "badc", false}, // two swaps
		{"ab", "abc", true},     // one insertion at the end
		{"abc", "ab", true},     // one deletion at the end
		{"bc", "abc", true},     // at the start
		{"ac", "abc", true},     // in the middle
		{"abc", "a", false},     // two deletions
		{"a", "abc", false},     // two insertions
		{"axc", "ab", false},    // a change and a deletion
		{"", "a", true},
		{"", "", false},
	} {
		if got := closeTo(tc.a, tc.b); got != tc.want {
			t.Errorf("closeTo(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestBuildMessages(t *testing.T) {
	opts := testOptions("s")
	for _, tc := range []struct {
		spec Spec
		col  *Column
		want string
	}{
		{Spec{Name: "uuid", Params: map[string]any{"length": int64(3)}}, col(CatText, "text"), `masker uuid has no parameter "length" (it takes: no parameters)`},
		{Spec{Name: "hash", Params: map[string]any{"lenght": int64(3)}}, col(CatText, "text"), `masker hash has no parameter "lenght" (it takes: length)`},
		{Spec{Name: "partial", Params: map[string]any{"keep": int64(3)}}, col(CatText, "text"), `masker partial has no parameter "keep" (it takes: keep_first, keep_last, char)`},
		{Spec{Name: "hash", Params: map[string]any{"length": "16"}}, col(CatText, "text"), `parameter length of hash must be an integer`},
		{Spec{Name: "hash", Params: map[string]any{"length": 1.5}}, col(CatText, "text"), `parameter length of hash must be an integer`},
		{Spec{Name: "partial", Params: map[string]any{"char": int64(1)}}, col(CatText, "text"), `parameter char of partial must be a string`},
		{Spec{Name: "const"}, col(CatText, "text"), `masker const needs parameter value (the value, in PostgreSQL's text form)`},
		{Spec{Name: "lorem"}, col(CatInt, "int4"), `masker lorem cannot fill a column of type integer: it produces text (text, varchar, char, xml)`},
		{Spec{Name: "hash_id"}, col(CatDate, "date"), `masker hash_id cannot fill a column of type date: it permutes integers, UUIDs and text keys`},
	} {
		_, err := Build(&tc.spec, tc.col, opts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Build(%s on %s):\n got %v\nwant %s", tc.spec.Label(), tc.col.TypeName(), err, tc.want)
		}
	}
	var te *TypeError
	if _, err := Build(&Spec{Name: "lorem"}, col(CatBool, "bool"), opts); !errors.As(err, &te) || te.Masker != "lorem" || te.Type != "boolean" {
		t.Errorf("TypeError: %#v", err)
	}
}

func TestKindMatches(t *testing.T) {
	values := []any{"s", int64(1), 1.5, true, map[string]*Spec{}, nil, 1, []string{"x"}}
	want := map[ParamKind][]bool{
		ParamString: {true, false, false, false, false, false, false, false},
		ParamInt:    {false, true, false, false, false, false, false, false},
		ParamFloat:  {false, true, true, false, false, false, false, false},
		ParamBool:   {false, false, false, true, false, false, false, false},
		ParamRules:  {false, false, false, false, true, false, false, false},
	}
	for k, row := range want {
		for i, v := range values {
			if got := kindMatches(k, v); got != row[i] {
				t.Errorf("kindMatches(%s, %#v) = %v, want %v", kindName(k), v, got, row[i])
			}
		}
	}
	for k, name := range map[ParamKind]string{ParamString: "a string", ParamInt: "an integer", ParamFloat: "a number", ParamBool: "true or false", ParamRules: "a map of paths to rules", 0: "?", 99: "?"} {
		if got := kindName(k); got != name {
			t.Errorf("kindName(%d) = %q, want %q", k, got, name)
		}
	}
}

// TestDefaultEmailDomain: a rule without a domain uses the options', or
// example.com when the options have none.
func TestDefaultEmailDomain(t *testing.T) {
	c := col(CatText, "text")
	for domain, want := range map[string]string{"": "@example.com", "mail.test": "@mail.test"} {
		opts := testOptions("s")
		opts.EmailDomain = domain
		m, err := Build(&Spec{Name: "email"}, c, opts)
		if err != nil {
			t.Fatal(err)
		}
		if out, _ := maskString(t, m, c, "a@b.c"); !strings.HasSuffix(out, want) {
			t.Errorf("EmailDomain %q: %q", domain, out)
		}
	}
}

func TestSpecLabel(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "email"}, "email"},
		{Spec{Name: "email", Params: map[string]any{}}, "email"},
		{Spec{Name: "hash", Params: map[string]any{"length": int64(8)}}, "hash{length=8}"},
		{Spec{Name: "partial", Params: map[string]any{"keep_last": int64(2), "char": "#", "keep_first": int64(1)}}, `partial{char="#",keep_first=1,keep_last=2}`},
		{Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.5, "round": true}}, "number_noise{ratio=0.5,round=true}"},
		{Spec{Name: "json", Params: map[string]any{"paths": map[string]*Spec{
			"$.b": {Name: "hash", Params: map[string]any{"length": int64(4)}},
			"$.a": {Name: "email"},
		}}}, `json{paths={"$.a":email,"$.b":hash{length=4}}}`},
		{Spec{Name: "json", Params: map[string]any{"paths": map[string]*Spec{}}}, `json{paths={}}`},
	} {
		if got := tc.spec.Label(); got != tc.want {
			t.Errorf("Label() = %s, want %s", got, tc.want)
		}
	}
}

func TestDefParamAndConfig(t *testing.T) {
	d := Lookup("partial")
	if d == nil || Lookup("nope") != nil {
		t.Fatal("Lookup")
	}
	for _, name := range []string{"keep_first", "keep_last", "char"} {
		if p := d.Param(name); p == nil || p.Name != name {
			t.Errorf("Param(%q) = %v", name, p)
		}
	}
	if p := d.Param("keep"); p != nil {
		t.Errorf("Param(keep) = %v", p)
	}
	cfg := &Config{Spec: &Spec{Params: map[string]any{"s": "x", "i": int64(3), "f": 2.5, "b": true}}}
	if cfg.String("s", "d") != "x" || cfg.String("i", "d") != "d" || cfg.String("none", "d") != "d" {
		t.Error("Config.String")
	}
	if cfg.Int("i", 7) != 3 || cfg.Int("f", 7) != 7 || cfg.Int("s", 7) != 7 {
		t.Error("Config.Int")
	}
	if cfg.Float("f", 7) != 2.5 || cfg.Float("i", 7) != 3 || cfg.Float("s", 7) != 7 {
		t.Error("Config.Float")
	}
	if !cfg.Bool("b", false) || cfg.Bool("s", false) || !cfg.Bool("none", true) {
		t.Error("Config.Bool")
	}
}

func TestConstFits(t *testing.T) {
	enum := &Column{Table: "t", Name: "c", Category: CatEnum, Type: col(CatText, "mood").Type, Labels: []string{"sad", "ok"}}
	checked := col(CatText, "text")
	checked.Checks = []Check{{Name: "digits", Re: regexp.MustCompile(`^[0-9]+$`)}}
	arr := col(CatInt, "int4")
	arr.Array = true
	for _, tc := range []struct {
		c  *Column
		v  string
		ok bool
	}{
		{col(CatText, "varchar", 3), "abc", true},
		{col(CatText, "varchar", 3), "é€x", true},
		{col(CatText, "varchar", 3), "abcd", false},
		{col(CatText, "text"), strings.Repeat("x", 1000), true},
		{col(CatInt, "int4"), "2147483647", true},
		{col(CatInt, "int4"), "2147483648", false},
		{col(CatInt, "int4"), "-2147483648", true},
		{col(CatInt, "int4"), "-2147483649", false},
		{col(CatInt, "int2"), "32767", true},
		{col(CatInt, "int2"), "32768", false},
		{col(CatInt, "int4"), "1.5", false},
		{enum, "ok", true},
		{enum, "happy", false},
		{col(CatBool, "bool"), "t", true},
		{col(CatBool, "bool"), "false", true},
		{col(CatBool, "bool"), "maybe", false},
		{checked, "123", true},
		{checked, "12a", false},
		{arr, "{1,2}", true},
		{arr, "anything", true}, // arrays are not checked
	} {
		err := constFits(tc.c, tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("constFits(%s, %q) = %v, want ok=%v", tc.c.TypeName(), tc.v, err, tc.ok)
		}
		_, berr := Build(&Spec{Name: "const", Params: map[string]any{"value": tc.v}}, tc.c, testOptions("s"))
		if (berr == nil) != tc.ok {
			t.Errorf("const %q on %s: %v, want ok=%v", tc.v, tc.c.TypeName(), berr, tc.ok)
		}
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		in  string
		max int
		out string
	}{
		{"abcdef", 0, "abcdef"},
		{"abcdef", -1, "abcdef"},
		{"abcdef", 6, "abcdef"},
		{"abcdef", 7, "abcdef"},
		{"abcdef", 5, "abcde"},
		{"abcdef", 1, "a"},
		{"éüö", 3, "éüö"},
		{"éüö", 4, "éüö"}, // 6 bytes, 3 characters
		{"éüöx", 3, "éüö"},
		{"éüö", 2, "éü"},
		{"a🎉b", 2, "a🎉"},
		{"", 1, ""},
	} {
		got := fit([]byte("pre:"+tc.in), 4, tc.max)
		if string(got) != "pre:"+tc.out {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.in, tc.max, got[4:], tc.out)
		}
	}
}

func TestAppendTag(t *testing.T) {
	enc := base32.NewEncoding(tagAlphabet).WithPadding(base32.NoPadding)
	sums := [][]byte{
		{0x00, 0x00, 0x00, 0x00, 0x00},
		{0xff, 0xff, 0xff, 0xff, 0xff},
		{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed},
		{0x84, 0x21},
	}
	for _, sum := range sums {
		// Past the end of sum, its bytes are used again.
		long := append(append(append([]byte(nil), sum...), sum...), sum...)
		want := enc.EncodeToString(long)
		for n := 0; n <= 8*len(sum)/5+3 && n <= len(want); n++ {
			if got := string(appendTag([]byte("pre:"), sum, n)); got != "pre:"+want[:n] {
				t.Errorf("appendTag(%x, %d) = %q, want %q", sum, n, got[4:], want[:n])
			}
		}
	}
}

func TestAppendSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Jean-Pierre":         "jeanpierre",
		"O'Brien 2nd":         "obrien2nd",
		"azAZ09":              "azaz09",
		"`{@[/:":              "",
		"Zoë Ünal":            "zonal",
		"mixedCASE_with.dots": "mixedcasewithdots",
	} {
		if got := string(appendSlug([]byte("pre:"), in)); got != "pre:"+want {
			t.Errorf("appendSlug(%q) = %q, want %q", in, got[4:], want)
		}
	}
}
