package masking

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func jsonSpec(paths map[string]*Spec) *Spec {
	return &Spec{Name: "json", Params: map[string]any{"paths": paths}}
}

var sampleJSONSpec = jsonSpec(map[string]*Spec{
	"$.email":             {Name: "email"},
	"$.contacts[*].value": {Name: "hash"},
	"$.tags[0]":           {Name: "lorem"},
	`$["home address"]`:   {Name: "null"},
	"$.age":               {Name: "number_noise"},
})

var sampleJSON = []string{
	`{"email": "alice@gmail.com", "plan": "pro", "age": 41}`,
	`{"contacts":[{"type":"phone","value":"+44 20 7946 0958"},{"type":"email","value":"bob@corp.com"}],"n":12345678901234567890.123}`,
	`{"tags": ["vip", "late payer"], "home address": {"street": "1 Main St", "city": "Leeds"}}`,
	`{"age": 7, "email": "x@y.z", "extra": [1, 2.5e10, true, null]}`,
}

func init() {
	jsonb := col(CatJSON, "jsonb")
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: *sampleJSONSpec, col: jsonb, values: sampleJSON},
		conformanceCase{spec: *sampleJSONSpec, col: col(CatText, "text"), values: sampleJSON},
		conformanceCase{spec: *jsonSpec(map[string]*Spec{"$": {Name: "email"}}), col: jsonb, values: []string{`"alice@gmail.com"`, ` "bob@x.org" `}},
	)
}

// formatJSONPath writes steps back in the bracket form parseJSONPath reads.
func formatJSONPath(steps []jsonStep) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range steps {
		switch s.kind {
		case stepAny:
			b.WriteString("[*]")
		case stepIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case stepKey:
			b.WriteString(`["`)
			for i := 0; i < len(s.key); i++ {
				if s.key[i] == '"' || s.key[i] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(s.key[i])
			}
			b.WriteString(`"]`)
		}
	}
	return b.String()
}

func TestJSONPathParse(t *testing.T) {
	key := func(k string) jsonStep { return jsonStep{kind: stepKey, key: k} }
	idx := func(i int) jsonStep { return jsonStep{kind: stepIndex, index: i} }
	anyStep := jsonStep{kind: stepAny}
	good := []struct {
		path  string
		steps []jsonStep
	}{
		{"$", nil},
		{"$.a.b", []jsonStep{key("a"), key("b")}},
		{"$.a[*].b", []jsonStep{key("a"), anyStep, key("b")}},
		{"$.a[0]", []jsonStep{key("a"), idx(0)}},
		{"$[12][3]", []jsonStep{idx(12), idx(3)}},
		{`$["a.b"]['c d']`, []jsonStep{key("a.b"), key("c d")}},
		{`$["q\"uo\\te"]`, []jsonStep{key(`q"uo\te`)}},
		{"$.*.x", []jsonStep{anyStep, key("x")}},
		{`$["*"]`, []jsonStep{key("*")}},
		{"$.ключ.日本", []jsonStep{key("ключ"), key("日本")}},
		{"$.a-b_c$", []jsonStep{key("a-b_c$")}},
	}
	for _, c := range good {
		steps, err := parseJSONPath(c.path)
		if err != nil || !slices.Equal(steps, c.steps) {
			t.Errorf("%s: %v (%v), want %v", c.path, steps, err, c.steps)
		}
	}
	for _, p := range []string{"", "a.b", "$.", "$..a", "$.a.", "$[", "$[]", "$[-1]", "$[01]", "$[1", "$[*", `$["a]`, `$["a"`,
		`$["a\n"]`, "$[a]", "$a", "$.a[99999999999999999999]", "$ .a", "$[1.5]"} {
		if steps, err := parseJSONPath(p); err == nil {
			t.Errorf("%q parsed as %v", p, steps)
		}
	}
}

func FuzzJSONPath(f *testing.F) {
	for _, p := range []string{"$", "$.a.b", "$.a[*].b", "$.a[0]", `$["k"]`, `$['k\'s']`, "$.*"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		steps, err := parseJSONPath(p)
		if err != nil {
			if steps != nil {
				t.Fatal("steps returned with an error")
			}
			return
		}
		if !strings.HasPrefix(p, "$") {
			t.Fatalf("%q accepted without $", p)
		}
		canon := formatJSONPath(steps)
		again, err := parseJSONPath(canon)
		if err != nil || !slices.Equal(again, steps) {
			t.Fatalf("%q -> %v -> %q -> %v (%v)", p, steps, canon, again, err)
		}
	})
}

func maskJSON(t *testing.T, spec *Spec, doc string) string {
	t.Helper()
	c := col(CatJSON, "jsonb")
	out, _ := maskString(t, mustBuild(t, spec, c, testOptions("s")), c, doc)
	if !json.Valid([]byte(out)) {
		t.Fatalf("%s -> invalid JSON %s", doc, out)
	}
	return out
}

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJSONKeepsWhatNoPathSelects(t *testing.T) {
	doc := "{ \"b\" : [1, 2.50, -0.0e+0, 123456789012345678901234567890.5],\n\t\"a\": {\"\\u00e9\\\"\": \"x\\ud83d\\ude00\"}, \"z\":null , \"t\":true}"
	spec := jsonSpec(map[string]*Spec{"$.nothing.here": {Name: "email"}, "$.b[9]": {Name: "hash"}, "$.a.x": {Name: "hash"}})
	if out := maskJSON(t, spec, doc); out != doc {
		t.Errorf("document changed:\n%s\n%s", doc, out)
	}
	// A masked value changes only itself; its neighbours stay byte for byte.
	spec = jsonSpec(map[string]*Spec{"$.b[1]": {Name: "number_noise"}})
	out := maskJSON(t, spec, doc)
	i := strings.Index(doc, "2.50")
	if out[:i] != doc[:i] || !strings.HasSuffix(out, doc[i+4:]) {
		t.Errorf("more than the selected value changed:\n%s\n%s", doc, out)
	}
	if n := out[i : len(out)-len(doc)+i+4]; n == "2.50" || len(n) != 4 {
		t.Errorf("2.50 became %s", n)
	}
}

func TestJSONValuesAsTheirColumnMaskersGive(t *testing.T) {
	opts := testOptions("s")
	text := col(CatText, "text")
	emailM := mustBuild(t, &Spec{Name: "email"}, text, opts)
	wantEmail, _ := maskString(t, emailM, text, "élève@example.org")
	idM := mustBuild(t, &Spec{Name: "hash_id"}, col(CatInt, "int4"), opts)
	wantID, _ := maskString(t, idM, col(CatInt, "int4"), "4242")

	spec := jsonSpec(map[string]*Spec{
		"$.users[*].email": {Name: "email"},
		"$.users[*].id":    {Name: "hash_id"},
		"$.price":          {Name: "number_noise"},
		"$.flags[*]":       {Name: "hash"},
		"$.note":           {Name: "lorem"},
		"$.gone":           {Name: "null"},
		"$.fill":           {Name: "const", Params: map[string]any{"value": "n/a"}},
		"$.zero":           {Name: "const", Params: map[string]any{"value": "0"}},
	})
	doc := `{"users":[{"id":4242,"email":"\u00e9l\u00e8ve@example.org"},{"id":"4242","email":null}],` +
		`"price":"12.50","flags":[true,false,1,"s"],"note":"two\nlines","gone":{"deep":[1]},"fill":null,"zero":17}`
	v := decodeJSON(t, maskJSON(t, spec, doc)).(map[string]any)
	users := v["users"].([]any)
	u0, u1 := users[0].(map[string]any), users[1].(map[string]any)
	if u0["email"] != wantEmail {
		t.Errorf("email inside JSON is %v, column-level fake is %s", u0["email"], wantEmail)
	}
	if u0["id"] != json.Number(wantID) {
		t.Errorf("id inside JSON is %v (%T), column-level id is %s", u0["id"], u0["id"], wantID)
	}
	if s, ok := u1["id"].(string); !ok || s == "4242" {
		t.Errorf("a string id stays a masked string, got %#v", u1["id"])
	}
	if u1["email"] != nil {
		t.Errorf("JSON null became %v", u1["email"])
	}
	if p, ok := v["price"].(string); !ok || p == "12.50" || len(p) != 5 {
		t.Errorf("a number held in a string gets noise and stays a string, got %#v", v["price"])
	}
	for i, f := range v["flags"].([]any) {
		if s, ok := f.(string); !ok || len(s) != 16 {
			t.Errorf("flag %d hashed to %#v", i, f)
		}
	}
	if n := v["note"].(string); len(n) != 9 || n[3] != '\n' {
		t.Errorf("note became %q", n)
	}
	if v["gone"] != nil || v["fill"] != "n/a" || v["zero"] != json.Number("0") {
		t.Errorf("gone=%#v fill=%#v zero=%#v", v["gone"], v["fill"], v["zero"])
	}
}

func TestJSONPathPriority(t *testing.T) {
	spec := jsonSpec(map[string]*Spec{
		"$.a[*]": {Name: "const", Params: map[string]any{"value": "any"}},
		"$.a[1]": {Name: "const", Params: map[string]any{"value": "one"}},
		"$.*[1]": {Name: "const", Params: map[string]any{"value": "star"}},
	})
	if out := maskJSON(t, spec, `{"a":[0,1,2],"b":[0,1]}`); out != `{"a":["any","one","any"],"b":[0,"star"]}` {
		t.Errorf("got %s", out)
	}
}

func TestJSONErrors(t *testing.T) {
	opts := testOptions("s")
	c := col(CatJSON, "json")
	m := mustBuild(t, jsonSpec(map[string]*Spec{"$.a": {Name: "email"}, "$.n": {Name: "number_noise"}}), c, opts)
	for _, doc := range []string{"", "secret", `{"a":"secret@x.com"`, `{"a":1,}`, `[1 2]`, `{"a" 1}`, `"unterminated`,
		`{"a":"bad \x escape"}`, `{"a":"tab	inside"}`, `01`, `1.`, `-`, `1e`, `tru`, `{"a":1} x`, `{'a':1}`, `[1,]`, `{"b":[1,2}`, `[tru`, `{"a":fals`, `[nul`, `{"n":nul`, `"\u12`, `["\u123`, `{"a":"\u00`, `{"a":"\u00e9`, `{"a":"\u`} {
		_, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(doc), false)
		if !errors.Is(err, errNotJSON) {
			t.Errorf("%q: %v", doc, err)
		}
	}
	for _, c := range []struct{ doc, want string }{
		{`{"a":{"b":"secret@x.com"}}`, "json path $.a selects an object or array, but its rule masks single values"},
		{`{"a":["secret@x.com"]}`, "json path $.a selects an object or array, but its rule masks single values"},
		{`{"n":"secret"}`, "json path $.n: value is not a number"},
		{`{"n":true}`, "json path $.n selects a value its rule cannot mask (it masks numbers)"},
	} {
		_, _, err := Wrap(m, col(CatJSON, "json")).Apply(NewScratch(), nil, []byte(c.doc), false)
		if err == nil || err.Error() != c.want || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
	deep := strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)
	if _, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(deep), false); !errors.Is(err, errJSONTooDeep) {
		t.Errorf("deep nesting: %v", err)
	}

	many := map[string]*Spec{}
	for i := range maxJSONPaths + 1 {
		many["$.k"+strconv.Itoa(i)] = &Spec{Name: "hash"}
	}
	for _, c := range []struct {
		paths map[string]*Spec
		want  string
	}{
		{map[string]*Spec{}, "at least one path"},
		{map[string]*Spec{"a.b": {Name: "hash"}}, `json path "a.b": must start with $`},
		{map[string]*Spec{"$.a": {Name: "hash"}, `$["a"]`: {Name: "hash"}}, `json paths $.a and $["a"] select the same values`},
		{map[string]*Spec{"$.a": {Name: "nope"}}, `json path $.a: unknown masker "nope"`},
		{map[string]*Spec{"$.a": {Name: "hash", Params: map[string]any{"length": int64(0)}}}, "json path $.a: hash length"},
		{map[string]*Spec{"$.a": {Name: "template", Params: map[string]any{"template": "{{.x}}"}}}, "cannot apply inside a document"},
		{map[string]*Spec{"$.a": {Name: "date_shift", Params: map[string]any{"max_days": int64(0)}}}, "json path $.a: max_days"},
		{many, "at most 64 paths"},
	} {
		_, err := Build(jsonSpec(c.paths), col(CatJSON, "json"), opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.paths, err, c.want)
		}
	}
	if _, err := Build(jsonSpec(map[string]*Spec{"$": {Name: "hash"}}), col(CatInt, "int4"), opts); err == nil {
		t.Error("json accepted an integer column")
	}
}

func BenchmarkJSON(b *testing.B) {
	c := col(CatJSON, "jsonb")
	m := mustBuild(b, sampleJSONSpec, c, testOptions("s"))
	s := NewScratch()
	in := []byte(`{"id": 1, "email": "alice@gmail.com", "plan": "pro", "contacts": [{"type": "phone", "value": "+44 20 7946 0958"}], "prefs": {"lang": "en", "tz": "Europe/London", "flags": [1, 2, 3]}}`)
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}

// TestJSONTruncatedAndMalformed: documents that end early, or hold broken
// literals after other values, are errors (never a crash).
func TestJSONTruncatedAndMalformed(t *testing.T) {
	c := col(CatJSON, "json")
	m := mustBuild(t, jsonSpec(map[string]*Spec{"$.a": {Name: "email"}, "$.n": {Name: "number_noise"}}), c, testOptions("s"))
	for _, doc := range []string{
		"{", "{ ", "[", "[ ", `{"a":1,`, `{"a":1, `, `{"b"`, `{"b" `, `{"b":`, `{"b":[`,
		`"\`, `"abc\`, `["\u123`, `"\u12`, `{"a":"\u123`, `{"a":"\u12"}`, `"\u12G4"`,
		"t", "n", "f", "[t]", "[nul]", "[1,nul]", "[1,tru", `{"b":fals}`, `{"a":nulll}`,
		"[1.]", `{"n":1.}`, `{"b":1.}`, "[-]", `{"n":-}`, "[1e]", `{"n":1e+}`, `{"b":1E-}`, "[1.5e]", "[.5]", "[+1]", "[01]",
	} {
		_, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(doc), false)
		if !errors.Is(err, errNotJSON) {
			t.Errorf("%q: %v, want errNotJSON", doc, err)
		}
	}
	// Literals and numbers that end the document are whole.
	for _, doc := range []string{"true", "false", "null", "0", "-0", "1e-5", "1E+5", "2.5e-3", "[true]", `{"b":null}`, ` 12 `, `-1.0E-0`} {
		out, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(doc), false)
		if err != nil || string(out) != doc {
			t.Errorf("%q: %q, %v", doc, out, err)
		}
	}
}

// TestJSONSelectedLiterals: selected values at the very end of the input
// are masked like any other.
func TestJSONSelectedLiterals(t *testing.T) {
	c := col(CatJSON, "json")
	opts := testOptions("s")
	num := mustBuild(t, &Spec{Name: "number_noise"}, col(CatNumeric, "numeric"), opts)
	want := func(v string) string { out, _ := maskString(t, num, col(CatNumeric, "numeric"), v); return out }
	for _, tc := range []struct{ path, doc, want string }{
		{"$", "17", want("17")},
		{"$", "true", `"true"`},
		{"$", "null", "null"},
		{"$[1]", `[1,25]`, `[1,` + want("25") + `]`},
	} {
		m := mustBuild(t, jsonSpec(map[string]*Spec{tc.path: {Name: "number_noise"}}), c, opts)
		if tc.doc == "true" {
			m = mustBuild(t, jsonSpec(map[string]*Spec{tc.path: {Name: "const", Params: map[string]any{"value": "true"}}}), c, opts)
			tc.want = "true"
		}
		out, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(tc.doc), false)
		if err != nil || string(out) != tc.want {
			t.Errorf("%s on %s: %q, %v; want %s", tc.path, tc.doc, out, err, tc.want)
		}
	}
}

func TestJSONDepthLimit(t *testing.T) {
	c := col(CatJSON, "json")
	m := mustBuild(t, jsonSpec(map[string]*Spec{"$.a": {Name: "email"}}), c, testOptions("s"))
	for n, ok := range map[int]bool{maxJSONDepth + 1: true, maxJSONDepth + 2: false} {
		doc := strings.Repeat("[", n) + strings.Repeat("]", n) // the innermost at depth n-1
		out, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(doc), false)
		if ok && (err != nil || string(out) != doc) || !ok && !errors.Is(err, errJSONTooDeep) {
			t.Errorf("%d nested arrays: %v", n, err)
		}
	}
}

func TestJSONPathLimits(t *testing.T) {
	for path, ok := range map[string]bool{
		"$[1073741824]": true,
		"$[1073741825]": false,
		`$["a\`:         false,
		`$['a\`:         false,
		`$["a\"]`:       false,
		`$["a\\"]`:      true,
		`$['a\'']`:      true,
		`$['a\"']`:      false,
	} {
		if _, err := parseJSONPath(path); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", path, err, ok)
		}
	}
	opts := testOptions("s")
	paths := map[string]*Spec{}
	for i := range maxJSONPaths {
		paths["$.k"+strconv.Itoa(i)] = &Spec{Name: "hash"}
	}
	if _, err := Build(jsonSpec(paths), col(CatJSON, "json"), opts); err != nil {
		t.Errorf("%d paths: %v", maxJSONPaths, err)
	}
}

// TestJSONPathPriorityOrder: fewer wildcards win, whatever order the paths
// come in (a map's, so random).
func TestJSONPathPriorityOrder(t *testing.T) {
	c := col(CatJSON, "jsonb")
	konst := func(v string) *Spec { return &Spec{Name: "const", Params: map[string]any{"value": v}} }
	for range 20 {
		m := mustBuild(t, jsonSpec(map[string]*Spec{
			"$.*.*": konst("two"),
			"$.*.b": konst("one"),
			"$.a.b": konst("none"),
			"$.a.*": konst("one'"),
		}), c, testOptions("s"))
		out, _ := maskString(t, m, c, `{"a":{"b":1,"c":2},"x":{"b":3,"c":4}}`)
		if want := `{"a":{"b":"none","c":"one'"},"x":{"b":"one","c":"two"}}`; out != want {
			t.Fatalf("got %s, want %s", out, want)
		}
	}
}

// boolFlip is a masker for boolean columns only, to test rules that fit
// no kind of JSON value.
type boolFlip struct{}

func (boolFlip) Mask(_ *Scratch, dst, v []byte) ([]byte, error) { return append(dst, 'f'), nil }

func TestJSONRuleForNoValue(t *testing.T) {
	registry["test_bool_flip"] = &Def{
		Name: "test_bool_flip",
		Accepts: func(c *Column) (bool, string) {
			return c.Category == CatBool, "it flips booleans"
		},
		New: func(*Config) (Masker, error) { return boolFlip{}, nil },
	}
	defer delete(registry, "test_bool_flip")
	_, err := Build(jsonSpec(map[string]*Spec{"$.a": {Name: "test_bool_flip"}}), col(CatJSON, "json"), testOptions("s"))
	if err == nil || err.Error() != "json path $.a: masker test_bool_flip cannot fill a column of type text: it flips booleans" {
		t.Errorf("got %v", err)
	}
}

// TestJSONStringsDecodeAndEncode: selected strings are unescaped before
// their rule sees them (surrogate pairs joined, unpaired ones U+FFFD) and
// written back as JSON; keys with escapes match their paths.
func TestJSONStringsDecodeAndEncode(t *testing.T) {
	c := col(CatJSON, "json")
	wrap := &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "^(?s)(.*)$", "replacement": "<$1>"}}
	m := mustBuild(t, jsonSpec(map[string]*Spec{"$.s": wrap, "$.k": wrap}), c, testOptions("s"))
	for doc, want := range map[string]string{
		`{"s":"\ud83d\ude00ab\u00e9"}`:         `{"s":"<😀abé>"}`,
		`{"s":"\ud83dx"}`:                      `{"s":"<�x>"}`,
		`{"s":"\ude00\ud83d"}`:                 `{"s":"<��>"}`,
		`{"s":"\ud83d\u0041"}`:                 `{"s":"<�A>"}`,
		`{"s":"\ud83d\ud83d\ude00"}`:           `{"s":"<�😀>"}`,
		`{"s":"a\ud83d\ude0"}`:                 "",
		`{"s":"\"\\\/\b\f\n\r\t\u0001\u001f"}`: `{"s":"<\"\\/\u0008\u000c\n\r\t\u0001\u001f>"}`,
		`{"\u006b":"v"}`:                       `{"\u006b":"<v>"}`,
		`{"s":{},"t":[],"u":{ },"v":[ ]}`:      "",
		`{"x":{},"s":"é"}`:                     `{"x":{},"s":"<é>"}`,
		`{}`:                                   `{}`,
		`[]`:                                   `[]`,
	} {
		out, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(doc), false)
		switch {
		case want == "" && doc == `{"s":{},"t":[],"u":{ },"v":[ ]}`:
			if err == nil || !strings.Contains(err.Error(), "selects an object or array") {
				t.Errorf("%s: %q, %v", doc, out, err)
			}
		case want == "":
			if !errors.Is(err, errNotJSON) {
				t.Errorf("%s: %q, %v", doc, out, err)
			}
		case err != nil || string(out) != want:
			t.Errorf("%s: %s, %v; want %s", doc, out, err, want)
		}
	}
}
