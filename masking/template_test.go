package masking

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func templateSpec(text string) *Spec {
	return &Spec{Name: "template", Params: map[string]any{"template": text}}
}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: *templateSpec("{{.first_name}} {{.last_name}}"), col: col(CatText, "text"), values: sampleNames, exempt: []string{"secret"}},
		conformanceCase{spec: *templateSpec(`{{lower .first_name}}.{{upper (index . "last-name")}}`), col: col(CatText, "varchar", 20), values: sampleNames, exempt: []string{"secret"}},
	)
}

// rowOf serves a row from a map; missing columns are NULL.
func rowOf(values map[string]string) func(string) ([]byte, bool) {
	return func(c string) ([]byte, bool) {
		v, ok := values[c]
		return []byte(v), !ok
	}
}

func TestTemplateInputs(t *testing.T) {
	cases := []struct {
		text   string
		inputs []string
		fast   bool
	}{
		{"{{.first_name}} {{.last_name}}", []string{"first_name", "last_name"}, true},
		{"{{.b}}{{.a}}{{.b}}", []string{"a", "b"}, true},
		{`{{index . "E-mail"}} <{{$.x}}>`, []string{"E-mail", "x"}, false},
		{`{{if .vip}}VIP {{else}}{{.plain}}{{end}}{{with $x := slice .s 0 1}}{{$x}}{{end}}`, []string{"plain", "s", "vip"}, false},
		{`{{define "n"}}{{.inner}}{{end}}{{template "n" .}}{{with .w}}{{.}}{{end}}`, []string{"inner", "w"}, false},
		{"{{printf \"%s-%s\" .a (lower .b)}}", []string{"a", "b"}, false},
		{`{{.a}} {{printf "%.1s" .b}}.`, []string{"a", "b"}, true},
		{`{{printf "%.12s" .a}}`, []string{"a"}, true},
		{`{{printf "%5s" .a}}`, []string{"a"}, false},
		{`{{printf "%.1s!" .a}}`, []string{"a"}, false},
		{`{{printf "%.s" .a}}`, []string{"a"}, false},
		{`{{printf "%.1x" .a}}`, []string{"a"}, false},
		{`{{printf "%.1a" .a}}`, []string{"a"}, false},
		{`{{printf "%./s" .a}}`, []string{"a"}, false},
		{`{{printf "%.:s" .a}}`, []string{"a"}, false},
		{`{{printf "%.12345s" .a}}`, []string{"a"}, false},
		{`{{printf "%.1239s" .a}}`, []string{"a"}, true},
		{`{{print "%.1s" .a}}`, []string{"a"}, false},
		{`{{slice .a 0 1}}`, []string{"a"}, false},
	}
	for _, c := range cases {
		m := mustBuild(t, templateSpec(c.text), col(CatText, "text"), testOptions("s")).(*templateMasker)
		if !slices.Equal(m.Inputs(), c.inputs) {
			t.Errorf("%s: inputs %v, want %v", c.text, m.Inputs(), c.inputs)
		}
		if (m.parts != nil) != c.fast {
			t.Errorf("%s: direct rendering %v, want %v", c.text, m.parts != nil, c.fast)
		}
	}
}

func TestTemplateOutput(t *testing.T) {
	row := rowOf(map[string]string{"first_name": "Ann", "last_name": "Lee", "E-mail": "a@example.com", "empty": ""})
	cases := []struct {
		text, want string
		max        int32
	}{
		{"{{.first_name}} {{.last_name}}", "Ann Lee", 0},
		// Direct and text/template rendering agree.
		{"{{.first_name}} {{print .last_name}}", "Ann Lee", 0},
		{`{{lower .first_name}}.{{upper .last_name}} <{{index . "E-mail"}}>`, "ann.LEE <a@example.com>", 0},
		// NULL (here: a column the row does not have) reads as "".
		{"[{{.missing}}][{{.empty}}]", "[][]", 0},
		{"[{{print .missing}}]", "[]", 0},
		{"{{.first_name}} {{.last_name}} and more", "Ann Lee an", 10},
		{"{{.first_name}}{{print .last_name}}ßßßß", "AnnLeeßß", 8},
		// $ alone is the row, not a column.
		{"{{with $}}{{.first_name}}{{end}}-{{$.last_name}}", "Ann-Lee", 0},
		{`{{index $ "E-mail"}}`, "a@example.com", 0},
	}
	for _, c := range cases {
		tc := col(CatText, "text")
		if c.max > 0 {
			tc = col(CatText, "varchar", c.max)
		}
		m := mustBuild(t, templateSpec(c.text), tc, testOptions("s")).(*templateMasker)
		out, err := m.MaskRow(NewScratch(), []byte("keep:"), row)
		if err != nil || string(out) != "keep:"+c.want {
			t.Errorf("%s: %q (%v), want %q", c.text, out, err, c.want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	opts := testOptions("s")
	self := col(CatText, "text")
	self.Name = "display"
	for _, c := range []struct {
		text string
		col  *Column
		want string
	}{
		{"{{.a", col(CatText, "text"), "does not parse"},
		{"plain text", col(CatText, "text"), "references no column"},
		{"{{.}}", col(CatText, "text"), "references no column"},
		{"{{.display}}!", self, "reads the column itself"},
		{"{{.address.city}}", col(CatText, "text"), "column values are text"},
		{"{{nosuchfunc .a}}", col(CatText, "text"), "does not parse"},
		{"{{range .a}}{{end}}", col(CatText, "text"), "cannot run"},
	} {
		_, err := Build(templateSpec(c.text), c.col, opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.text, err, c.want)
		}
	}
	if _, err := Build(templateSpec("{{.a}}"), col(CatInt, "int4"), opts); err == nil {
		t.Error("template accepted an integer column")
	}

	m := mustBuild(t, templateSpec("{{slice .a 3}}"), col(CatText, "text"), opts)
	_, err := m.(RowMasker).MaskRow(NewScratch(), nil, rowOf(map[string]string{"a": "hi"}))
	if !errors.Is(err, errTemplateFailed) {
		t.Errorf("failing row: %v", err)
	}
	if _, err := m.Mask(NewScratch(), nil, []byte("v")); err == nil || !strings.Contains(err.Error(), "row") {
		t.Errorf("Mask without a row: %v", err)
	}
}

func TestTemplateAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m := mustBuild(t, templateSpec("{{.first_name}} {{.last_name}}"), col(CatText, "text"), testOptions("s")).(*templateMasker)
	vals := map[string][]byte{"first_name": []byte("Ann"), "last_name": []byte("Lee")}
	row := func(c string) ([]byte, bool) { return vals[c], false }
	s, dst := NewScratch(), make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { m.MaskRow(s, dst[:0], row) }); n > 0 {
		t.Errorf("%v allocations per row", n)
	}
}

// Initials ({{printf "%.Ns" .column}}) rendered directly cut as printf
// does: by characters, an invalid byte counting as one.
func TestTemplateInitials(t *testing.T) {
	for _, text := range []string{`{{.a}} {{printf "%.1s" .b}}.`, `[{{printf "%.3s" .b}}|{{printf "%.0s" .a}}]`, `{{printf "%.12s" .b}}`} {
		m := mustBuild(t, templateSpec(text), col(CatText, "text"), testOptions("s")).(*templateMasker)
		if m.parts == nil {
			t.Fatalf("%s: not rendered directly", text)
		}
		for _, b := range []string{"", "L", "Lee", "ßeta", "é\xffxy", "\xff\xfe\xfd\xfc", "日本語です", "abcdefghijklmnopq"} {
			want := strings.Builder{}
			if err := m.t.Execute(&want, map[string]string{"a": "Ann", "b": b}); err != nil {
				t.Fatal(err)
			}
			got, err := m.MaskRow(NewScratch(), nil, rowOf(map[string]string{"a": "Ann", "b": b}))
			if err != nil || string(got) != want.String() {
				t.Errorf("%s with b=%q: %q (%v), text/template gives %q", text, b, got, err, want.String())
			}
		}
	}
}

func BenchmarkTemplate(b *testing.B) {
	for _, text := range []string{"{{.first_name}} {{.last_name}}", `{{.first_name}} {{printf "%.1s" .last_name}}.`, "{{lower .first_name}} {{.last_name}}"} {
		b.Run(text, func(b *testing.B) {
			m := mustBuild(b, templateSpec(text), col(CatText, "text"), testOptions("s")).(*templateMasker)
			vals := map[string][]byte{"first_name": []byte("Ann"), "last_name": []byte("Lee")}
			row := func(c string) ([]byte, bool) { return vals[c], false }
			s := NewScratch()
			var dst []byte
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = m.MaskRow(s, dst[:0], row)
			}
		})
	}
}
