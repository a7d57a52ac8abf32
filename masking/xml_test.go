package masking

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func init() {
	xcol := col(CatXML, "xml")
	paths := func(m map[string]*Spec) map[string]any { return map[string]any{"paths": m} }
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "xml", Params: map[string]any{
			"paths": map[string]*Spec{"//Name.First": {Name: "first_name"}, "//EMail": {Name: "email"}, "//Person/@id": {Name: "hash_id"}},
			"text":  &Spec{Name: "lorem"},
		}}, col: xcol, values: []string{xmlSample, `<a>x</a><b>y</b>`, `plain text`, `<p>Hi <b>there</b> you</p>`}},
		conformanceCase{spec: Spec{Name: "xml", Params: paths(map[string]*Spec{"//Born": {Name: "date_shift"}, "//Age": {Name: "number_noise"}})},
			col: xcol, values: []string{`<P><Born>1966-04-08Z</Born><Age>57</Age></P>`, `<P><Born>2020-01-02T03:04:05+02:00</Born><Age> 12.5 </Age></P>`}},
		conformanceCase{spec: Spec{Name: "scrub"}, col: xcol, values: []string{`<m>mail me at jane.doe@corp.com</m>`, `<m a="call +1 415 555 0134">x</m>`}},
		conformanceCase{spec: Spec{Name: "lorem"}, col: xcol, values: []string{xmlSample}},
		conformanceCase{spec: Spec{Name: "regex_replace", Params: map[string]any{"pattern": "[a-z]", "replacement": "<&>"}}, col: xcol, values: []string{xmlSample}, exempt: []string{"secret"}},
		conformanceCase{spec: Spec{Name: "hash"}, col: xcol, values: []string{xmlSample}},
	)
}

const xmlSample = `<?xml version="1.0" encoding="UTF-8"?>
<!-- customer export -->
<c:Customers xmlns:c="urn:example:customers" xmlns="urn:example:default">
  <c:Person id="p-17" xml:lang="en" note='said "hi"'>
    <Name.First>Jane</Name.First>
    <c:EMail>jane@corp.example</c:EMail>
    <Bio>Likes <b>tea</b> &amp; <i>cake</i>.<![CDATA[raw <stuff> & more]]></Bio>
    <?audit checked?>
    <Empty/>
  </c:Person>
</c:Customers>`

// xmlSkeleton lists a document's elements and attribute names with their
// resolved namespaces, its comments (not their text, which a text: rule
// masks) and processing instructions: what masking must keep.
func xmlSkeleton(t testing.TB, v string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(v))
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("not well-formed: %v in %q", err, v)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			fmt.Fprintf(&b, "<%s %s", tok.Name.Space, tok.Name.Local)
			for _, a := range tok.Attr {
				fmt.Fprintf(&b, " %s:%s", a.Name.Space, a.Name.Local)
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					fmt.Fprintf(&b, "=%s", a.Value)
				}
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
		}
	}
}

// xmlTexts maps each element's local name to its text (all its text nodes).
func xmlTexts(t testing.TB, v string) map[string]string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(v))
	out := map[string]string{}
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			for _, a := range tok.Attr {
				out["@"+a.Name.Local] = a.Value
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && len(bytes.TrimSpace(tok)) > 0 {
				out[stack[len(stack)-1]] += string(tok)
			}
		}
	}
}

func TestXMLPathsAndText(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{
		"paths": map[string]*Spec{"//Name.First": {Name: "first_name"}, "//EMail": {Name: "email"}, "//Person/@id": {Name: "hash_id"}},
		"text":  &Spec{Name: "lorem"},
	}}, c, testOptions("xml"))
	out, _ := maskString(t, m, c, xmlSample)
	if a, b := xmlSkeleton(t, xmlSample), xmlSkeleton(t, out); a != b {
		t.Fatalf("skeleton changed:\n%s\n%s\n%s", a, b, out)
	}
	in, got := xmlTexts(t, xmlSample), xmlTexts(t, out)
	for _, k := range []string{"Name.First", "EMail", "b", "i", "Bio", "@id", "@note"} {
		if in[k] == got[k] {
			t.Errorf("%s kept: %q", k, got[k])
		}
	}
	if got["@lang"] != "en" {
		t.Errorf("xml:lang changed to %q", got["@lang"])
	}
	if !strings.Contains(got["EMail"], "@") || strings.ContainsAny(got["Name.First"], " <") {
		t.Errorf("sub-rules not applied: %q %q", got["EMail"], got["Name.First"])
	}
	if strings.Contains(out, "customer export") || strings.Contains(out, "checked") {
		t.Errorf("a comment or processing instruction passed through text: lorem:\n%s", out)
	}
	for _, keep := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, "<!--", `xmlns:c="urn:example:customers"`, "<c:EMail>", "<![CDATA[", "<?audit ", "<Empty/>", `note='`} {
		if !strings.Contains(out, keep) {
			t.Errorf("output lost %s:\n%s", keep, out)
		}
	}
}

func TestXMLPathsOnly(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"/Customers/Person/Name.First": {Name: "const", Params: map[string]any{"value": "A & <B>"}}}}}, c, testOptions("xml"))
	out, _ := maskString(t, m, c, xmlSample)
	want := strings.Replace(xmlSample, "<Name.First>Jane</Name.First>", "<Name.First>A &amp; &lt;B&gt;</Name.First>", 1)
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestXMLErrors(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "lorem"}}}, c, testOptions("xml"))
	for _, bad := range []string{"<a>", "<a></b>", "</a>", "<a>&nbsp;</a>", "<a x=1/>", "<a>x</a></a>", `<a b="1" b="2"/>`, `<p:a p:b="1" p:b="2"/>`} {
		if _, err := m.Mask(NewScratch(), nil, []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), bad) {
			t.Errorf("error quotes the value: %v", err)
		}
	}
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{}, "xml needs paths, text, or both"},
		{map[string]any{"paths": map[string]*Spec{"Name": {Name: "lorem"}}}, "must start with"},
		{map[string]any{"paths": map[string]*Spec{"//p:Name": {Name: "lorem"}}}, "not a local name"},
		{map[string]any{"paths": map[string]*Spec{"//@id/x": {Name: "lorem"}}}, "must be the last step"},
		{map[string]any{"paths": map[string]*Spec{"//a": {Name: "template", Params: map[string]any{"template": "{{.x}}"}}}}, "cannot apply inside a document"},
		{map[string]any{"paths": map[string]*Spec{"//a": {Name: "lorem"}, "//a/": {Name: "lorem"}}}, ""},
	} {
		_, err := Build(&Spec{Name: "xml", Params: tc.params}, c, testOptions("xml"))
		if tc.want == "" {
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.params, err, tc.want)
		}
	}
	if _, err := Build(&Spec{Name: "const", Params: map[string]any{"value": "<a>"}}, c, testOptions("x")); err == nil {
		t.Error("const accepted malformed XML for an xml column")
	}
	if _, err := Build(&Spec{Name: "const", Params: map[string]any{"value": "<a>ok</a> text"}}, c, testOptions("x")); err != nil {
		t.Errorf("const rejected XML content: %v", err)
	}
}

// Masked text that holds ]]> stays inside its CDATA section, and
// characters XML forbids never reach the output.
func TestXMLCDATAAndEscapes(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "x", "replacement": "]]>\x01\"'\r"}}, c, testOptions("x"))
	for _, v := range []string{`<a><![CDATA[x]]></a>`, `<a b="x" c='x'>x</a>`} {
		out, _ := maskString(t, m, c, v)
		if a, b := xmlSkeleton(t, v), xmlSkeleton(t, out); a != b {
			t.Errorf("%q → %q: skeleton changed", v, out)
		}
		if strings.ContainsRune(out, 1) {
			t.Errorf("%q → %q holds a control character", v, out)
		}
	}
}

// A DOCTYPE's internal subset may declare entities the text then uses:
// such a value is well-formed (PostgreSQL stores it) and must be masked,
// not refused; an entity it does not declare is still refused. With a
// text: rule, nothing the subset holds as data survives: entity values,
// attribute defaults, comments, processing instructions; names, content
// models and external identifiers do. A parameter entity's value is DTD
// text that may declare entities in turn: a text: rule refuses it.
func TestXMLDoctypeEntities(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//Name": {Name: "first_name"}}, "text": &Spec{Name: "lorem"}}}, c, testOptions("xml"))
	v := `<!DOCTYPE r SYSTEM "r.dtd" [` + "\n" +
		`<!ENTITY % p SYSTEM "p.ent"> %p;` + "\n" +
		`<!ENTITY e 'Jane Doe'><!ENTITY ext SYSTEM "x.dtd"><!ENTITY   q "O'Hara &amp; Smith">` + "\n" +
		`<!ELEMENT r ANY><!ATTLIST r tier CDATA "gold vip" kind (a|b) 'a' note CDATA #FIXED "jane@corp.example">` + "\n" +
		`<!-- owner Jane Doe --><?audit by Jane Doe?><?empty?>` + "\n" +
		`]><r a="&e;"><Name>&e;</Name> &ext; &q;</r>`
	out, err := m.Mask(NewScratch(), nil, []byte(v))
	if err != nil {
		t.Fatalf("%q refused: %v", v, err)
	}
	s := string(out)
	for _, leak := range []string{"Jane", "Doe", "Hara", "Smith", "gold", "vip", "jane@", "owner", "audit by"} {
		if strings.Contains(s, leak) {
			t.Errorf("%q kept: %s", leak, s)
		}
	}
	for _, kept := range []string{`<!DOCTYPE r SYSTEM "r.dtd" [`, `<!ENTITY % p SYSTEM "p.ent"> %p;`, `<!ENTITY ext SYSTEM "x.dtd">`, `<!ELEMENT r ANY>`, `kind (a|b) '`, `#FIXED "`, "<!--", "<?audit ", "<?empty?>", "]><r a="} {
		if !strings.Contains(s, kept) {
			t.Errorf("%q lost: %s", kept, s)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Entity = map[string]string{"e": "", "ext": "", "q": ""}
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%q: %v", out, err)
		}
	}
	if again, _ := m.Mask(NewScratch(), nil, []byte(v)); !bytes.Equal(again, out) {
		t.Errorf("not deterministic:\n%s\n%s", out, again)
	}
	if _, err := m.Mask(NewScratch(), nil, []byte(`<!DOCTYPE r [<!ENTITY e "x">]><r>&f;</r>`)); err == nil {
		t.Error("an undeclared entity was accepted")
	}
	// text: keep copies the DOCTYPE as it is, so text a path selects must
	// not use an entity with a value: that value would stay behind.
	k := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//Name": {Name: "first_name"}}, "text": &Spec{Name: "keep"}}}, c, testOptions("xml"))
	if out, err := k.Mask(NewScratch(), nil, []byte(v)); !errors.Is(err, errXMLEntityInPath) {
		t.Errorf("text: keep, a selected element using &e;: %q, %v", out, err)
	}
	for _, sel := range []string{`<r><Name>&e;</Name></r>`, `<r><Name a="&e;">x</Name></r>`} {
		k := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//Name": {Name: "first_name"}, "//Name/@a": {Name: "first_name"}}}}, c, testOptions("xml"))
		if out, err := k.Mask(NewScratch(), nil, []byte(`<!DOCTYPE r [<!ENTITY e "Jane">]>`+sel)); !errors.Is(err, errXMLEntityInPath) {
			t.Errorf("%s: %q, %v", sel, out, err)
		}
	}
	kept := strings.Replace(v, "<Name>&e;</Name>", "<Name>Jane</Name>", 1)
	if out, err := k.Mask(NewScratch(), nil, []byte(kept)); err != nil || !strings.HasPrefix(string(out), v[:strings.Index(v, "]>")+2]) {
		t.Errorf("text: keep changed the DOCTYPE: %q, %v", out, err)
	}
	// An entity holding markup puts elements where no path sees them.
	for _, v := range []string{
		`<!DOCTYPE r [<!ENTITY e "<Name>Jane</Name>">]><r>&e;</r>`,
		`<!DOCTYPE r [<!ENTITY e "&#60;Name>Jane&#60;/Name>">]><r>&e;</r>`,
	} {
		for _, mm := range []Masker{m, k} {
			if out, err := mm.Mask(NewScratch(), nil, []byte(v)); !errors.Is(err, errXMLEntityMarkup) {
				t.Errorf("%q: %q, %v", v, out, err)
			}
		}
	}
	pe := `<!DOCTYPE r [<!ENTITY % p "<!ENTITY e 'Jane Doe'>"> %p;]><r>&e;</r>`
	if out, err := m.Mask(NewScratch(), nil, []byte(pe)); !errors.Is(err, errXMLParamEntity) {
		t.Errorf("a parameter entity's value under text: lorem: %q, %v", out, err)
	}
}

// The decoder reads a DOCTYPE as one directive whose end it finds by
// counting < > and quotes; parseDoctype reads it by the grammar and refuses
// what does not end where the directive does, and every directive that is
// not a well-formed DOCTYPE. Each value here carries SECRET where no rule
// may keep it: the masker refuses it, or masks it away (and still finds
// the email a path selects).
func TestXMLDoctypeHostile(t *testing.T) {
	c := col(CatXML, "xml")
	for _, text := range []string{"lorem", "keep"} {
		m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//EMail": {Name: "email"}}, "text": &Spec{Name: text}}}, c, testOptions("xml"))
		for _, v := range []string{
			// A PI in the subset moves the decoder's end past "]>".
			`<!DOCTYPE r [<?pi <?>]><r><EMail>SECRET@corp.example</EMail></r><?q >?>`,
			`<!DOCTYPE r [<?pi '?>]><r><EMail>SECRET@corp.example</EMail></r><?q "?>`,
			`<!DOCTYPE r [<!ELEMENT r ANY><?note a < b?>]><r><EMail>SECRET@corp.example</EMail></r><?end >?>`,
			// Not a DOCTYPE, or not one by the grammar.
			`<r><!SECRET></r>`,
			`<!SECRET><r/>`,
			`<!doctype r [<!ENTITY e "SECRET">]><r/>`,
			`<!DOCTYPE r SECRET><r/>`,
			`<!DOCTYPE r [SECRET]><r/>`,
			`<!DOCTYPE r [<SECRET>]><r/>`,
			`<!DOCTYPE r [<!ENTITY e "x">] <!ENTITY f "SECRET"> ><r/>`,
			`<!DOCTYPE r [<![INCLUDE[<!ENTITY e "SECRET">]]>]><r/>`,
			`<!DOCTYPE r [<!ENTITY e <!-- x --> "SECRET">]><r/>`,
			`<!DOCTYPE r <!-- ' --> [<!ENTITY e "SECRET">]><r/>`,
			`<!DOCTYPE r [<!ENTITY %e "SECRET">]><r/>`,
			`<!DOCTYPE r [<!ENTITY% e "SECRET">]><r/>`,
			`<!DOCTYPE r [<!ENTITY e PUBLIC "SECRET">]><r/>`,
			`<!DOCTYPE r [<!ATTLIST r a CDATA #FIXED SECRET>]><r/>`,
			`<!DOCTYPE r [<!ELEMENT r "SECRET">]><r/>`,
			`<!DOCTYPE r [<!NOTATION n SECRET>]><r/>`,
			`<!DOCTYPE r [<!-- a -- SECRET -->]><r/>`,
			`<!DOCTYPE r [<?xml SECRET?>]><r/>`,
			`<!DOCTYPE r [<?pi?SECRET?>]><r/>`,
			`<r><?xml SECRET?></r>`,
			`<?xml version="1.0" SECRET?><r/>`,
			` <?xml version="1.0"?><r>SECRET</r>`,
			// One DOCTYPE, in the prolog.
			`<r><EMail><!DOCTYPE x [<!ENTITY e "SECRET">]></EMail></r>`,
			`<r><EMail><!DOCTYPE x SYSTEM "SECRET@corp.example"></EMail></r>`,
			`<!DOCTYPE r><!DOCTYPE r [<!ENTITY e "SECRET">]><r/>`,
			`<r/><!DOCTYPE r [<!ENTITY e "SECRET">]>`,
			`SECRET<!DOCTYPE r [<!ENTITY e "x">]><r/>`,
		} {
			out, err := m.Mask(NewScratch(), nil, []byte(v))
			if err == nil && (strings.Contains(string(out), "SECRET") || text == "keep") {
				t.Errorf("text: %s: %q → %q, accepted", text, v, out)
			}
		}
	}
}

// White space may come before the DOCTYPE (it is not text of the
// document), and its entities then resolve as usual.
func TestXMLDoctypeAfterWhiteSpace(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "keep"}}}, c, testOptions("xml"))
	v := "<?xml version=\"1.0\"?>\n \t<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r>&e;</r>"
	if out, err := m.Mask(NewScratch(), nil, []byte(v)); err != nil || string(out) != v {
		t.Errorf("%q → %q, %v", v, out, err)
	}
}

// Processing instructions' data goes through the text: rule; the XML
// declaration does not.
func TestXMLProcessingInstructions(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "lorem"}}}, c, testOptions("xml"))
	v := `<?xml version="1.0" encoding="UTF-8"?><?note call Jane on +44 20 7946 0018?><r><?x
Jane?>t</r>`
	out, err := m.Mask(NewScratch(), nil, []byte(v))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-8"?><?note `) || strings.Contains(s, "Jane") || strings.Contains(s, "7946") || !strings.Contains(s, "<?x ") {
		t.Errorf("got %s", s)
	}
}

// A comment's text goes through the text: rule (kept when text: is keep);
// one a comment cannot hold comes out empty, never malformed.
func TestXMLComments(t *testing.T) {
	c := col(CatXML, "xml")
	in := `<a><!-- mail jane.doe@corp.example --><b>x</b></a>`
	for _, tc := range []struct {
		text *Spec
		want func(string) bool
	}{
		{nil, func(out string) bool { return strings.HasPrefix(out, "<a><!-- mail jane.doe@corp.example --><b>") }},
		{&Spec{Name: "scrub"}, func(out string) bool {
			return strings.HasPrefix(out, "<a><!-- mail ") && !strings.Contains(out, "jane.doe")
		}},
		{&Spec{Name: "regex_replace", Params: map[string]any{"pattern": "[a-z]", "replacement": "-"}}, func(out string) bool {
			return strings.HasPrefix(out, "<a><!----><b>")
		}},
	} {
		params := map[string]any{"paths": map[string]*Spec{"//b": {Name: "lorem"}}}
		if tc.text != nil {
			params["text"] = tc.text
		}
		m := mustBuild(t, &Spec{Name: "xml", Params: params}, c, testOptions("xml"))
		out, _ := maskString(t, m, c, in)
		xmlSkeleton(t, out) // well-formed
		if !tc.want(out) {
			t.Errorf("text: %v: %s", tc.text, out)
		}
	}
}

// xml:space and an xml:lang holding a language tag are keywords and kept;
// every other xml:* attribute holds data like any other.
func TestXMLReservedAttributes(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "lorem"}}}, c, testOptions("xml"))
	v := `<r xml:space="preserve" xml:lang="en-GB"><a xml:id="SECRET" xml:base="http://SECRET.example/" xml:foo="SECRET" xml:lang="Jane-Doe-SECRET" xml:space="SECRET"/><b xml:lang="SECRET"/></r>`
	out, err := m.Mask(NewScratch(), nil, []byte(v))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); strings.Contains(s, "SECRET") || !strings.Contains(s, `<r xml:space="preserve" xml:lang="en-GB">`) {
		t.Errorf("%q → %q", v, s)
	}
}

// FuzzParseDoctype: any bytes, no panic; an accepted DOCTYPE's spans lie in
// order inside it, and the masker's output for a document using it parses
// as a DOCTYPE again.
func FuzzParseDoctype(f *testing.F) {
	for _, s := range []string{
		`<!DOCTYPE r>`,
		`<!DOCTYPE r SYSTEM "r.dtd" [<!ENTITY e 'Jane'><!ENTITY % p SYSTEM "p.ent"> %p;]>`,
		`<!DOCTYPE r PUBLIC "-//x//EN" "x.dtd">`,
		`<!DOCTYPE r [<!ATTLIST r a CDATA #FIXED "x" b (p|q) 'p' c NOTATION (n) #IMPLIED><!ELEMENT r (a|b)*><!NOTATION n PUBLIC "n">]>`,
		`<!DOCTYPE r [<!-- c --><?pi data?><!ENTITY u SYSTEM "u" NDATA n>] >`,
		`<!DOCTYPE r [<?pi <?>]><r/><?q >?>`,
	} {
		f.Add(s)
	}
	c := col(CatXML, "xml")
	m := mustBuild(f, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "lorem"}}}, c, testOptions("xml"))
	f.Fuzz(func(t *testing.T, raw string) {
		dt, err := parseDoctype([]byte(raw))
		if err != nil {
			return
		}
		prev := 0
		for _, sp := range dt.spans {
			if sp.start < prev || sp.end < sp.start || sp.end > len(raw) {
				t.Fatalf("%q: span %+v after %d", raw, sp, prev)
			}
			prev = sp.end
		}
		out, err := m.Mask(NewScratch(), nil, []byte(raw+"<r/>"))
		if err != nil || dt.paramVal {
			return
		}
		end := bytes.LastIndex(out, []byte("<r/>"))
		if end < 0 {
			t.Fatalf("%q → %q", raw, out)
		}
		if _, err := parseDoctype(out[:end]); err != nil {
			t.Fatalf("%q → %q: %v", raw, out, err)
		}
	})
}

// Comments and processing instructions inside a selected element go
// through that element's rule, whatever the text: rule says.
func TestXMLCommentsInSelectedElements(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//EMail": {Name: "email"}}}}, c, testOptions("xml"))
	v := "<r><EMail>a@b.example<!--SECRET--><?p SECRET?><!--\u00a0--></EMail><!-- kept --></r>"
	out, err := m.Mask(NewScratch(), nil, []byte(v))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); strings.Contains(s, "SECRET") || strings.Contains(s, "a@b.example") || !strings.Contains(s, "<!-- kept -->") || strings.Contains(s, "\u00a0") {
		t.Errorf("%q → %q", v, s)
	}
}

// Each kind of step selects exactly its elements: a child step only a child
// of the previous step's element, a descendant step any descendant of it.
func TestXMLPathSteps(t *testing.T) {
	in := `<r><b>1</b><a><b>2</b><c><b>3</b></c></a><c><b>4</b></c></r>`
	for path, want := range map[string]string{
		"/r/a/b":  `<r><b>1</b><a><b>M</b><c><b>3</b></c></a><c><b>4</b></c></r>`,
		"//a/b":   `<r><b>1</b><a><b>M</b><c><b>3</b></c></a><c><b>4</b></c></r>`,
		"//a//b":  `<r><b>1</b><a><b>M</b><c><b>M</b></c></a><c><b>4</b></c></r>`,
		"/r//c/b": `<r><b>1</b><a><b>2</b><c><b>M</b></c></a><c><b>M</b></c></r>`,
		"/r/*/b":  `<r><b>1</b><a><b>M</b><c><b>3</b></c></a><c><b>M</b></c></r>`,
		"/b":      in,
	} {
		if out := xmlConstPaths(t, map[string]string{path: "M"}, in); out != want {
			t.Errorf("%s: got  %s\nwant %s", path, out, want)
		}
	}
}

// An attribute path masks the attribute it names (or every one, @*) of the
// elements its steps select, never namespace declarations; an empty value
// and a value in single quotes are masked like any other.
func TestXMLAttributePaths(t *testing.T) {
	in := `<r x="1" y=''><a x='2' y="3" xmlns:p="urn:p"/><b x=""/></r>`
	for path, want := range map[string]string{
		"//@x":   `<r x="M" y=''><a x='M' y="3" xmlns:p="urn:p"/><b x="M"/></r>`,
		"//a/@x": `<r x="1" y=''><a x='M' y="3" xmlns:p="urn:p"/><b x=""/></r>`,
		"/r/@y":  `<r x="1" y='M'><a x='2' y="3" xmlns:p="urn:p"/><b x=""/></r>`,
		"//a/@*": `<r x="1" y=''><a x='M' y="M" xmlns:p="urn:p"/><b x=""/></r>`,
	} {
		if out := xmlConstPaths(t, map[string]string{path: "M"}, in); out != want {
			t.Errorf("%s: got  %s\nwant %s", path, out, want)
		}
	}
}

func TestXMLDepthLimit(t *testing.T) {
	c := col(CatXML, "xml")
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "keep"}}}, c, testOptions("xml"))
	for n, ok := range map[int]bool{maxXMLDepth: true, maxXMLDepth + 1: false} {
		doc := strings.Repeat("<a>", n) + strings.Repeat("</a>", n)
		out, err := m.Mask(NewScratch(), nil, []byte(doc))
		if ok && (err != nil || string(out) != doc) || !ok && !errors.Is(err, errXMLTooDeep) {
			t.Errorf("%d nested elements: %v", n, err)
		}
	}
}

// Masked text is escaped for where it goes: text, or an attribute value in
// either quote; characters XML cannot hold become U+FFFD.
func TestAppendXMLEscaped(t *testing.T) {
	in := "a&<>\r\n\t\"'\x01\xff\uFFFEz"
	for quote, want := range map[byte]string{
		0:    "a&amp;&lt;&gt;&#13;\n\t\"'\uFFFD\uFFFD\uFFFDz",
		'"':  "a&amp;&lt;&gt;&#13;&#10;&#9;&quot;'\uFFFD\uFFFD\uFFFDz",
		'\'': "a&amp;&lt;&gt;&#13;&#10;&#9;\"&apos;\uFFFD\uFFFD\uFFFDz",
	} {
		if got := string(appendXMLEscaped([]byte("p"), []byte(in), quote)); got != "p"+want {
			t.Errorf("quote %q: got %q, want %q", quote, got, "p"+want)
		}
	}
}

func TestSanitizeXMLChars(t *testing.T) {
	for in, want := range map[string]string{
		"\x01ab":                 "\x01ab", // before from: untouched
		"\x01a\x02b\uFFFEc":      "\x01a\uFFFDb\uFFFDc",
		"\x01a\xffb":             "\x01a\uFFFDb",
		"\x01ab\u00e9\U0001F600": "\x01ab\u00e9\U0001F600",
	} {
		if got := string(sanitizeXMLChars([]byte(in), 1)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestIsXMLChar(t *testing.T) {
	for r, want := range map[rune]bool{
		0x00: false, 0x08: false, 0x09: true, 0x0A: true, 0x0B: false, 0x0D: true, 0x1F: false, 0x20: true,
		0xD7FF: true, 0xD800: false, 0xDFFF: false, 0xE000: true, 0xFFFD: true, 0xFFFE: false, 0xFFFF: false,
		0x10000: true, 0x10FFFF: true, 0x110000: false,
	} {
		if isXMLChar(r) != want {
			t.Errorf("%#x: want %v", r, want)
		}
	}
}

func TestParseXMLPath(t *testing.T) {
	long := strings.Repeat("/a", maxXMLSteps)
	for _, tc := range []struct {
		path, want string // want: the steps (// for a descendant step) and @attr, or the error
	}{
		{"//a", "//a"},
		{"/r/a/b", "/r/a/b"},
		{"/r//b/*", "/r//b/*"},
		{"//a/@x", "//a@x"},
		{"//@x", "@x"},
		{"/r/@*", "/r@*"},
		{"//a-b.c9/_é", "//a-b.c9/_é"},
		{long, long},
		{long + "/a", "at most 32 steps"},
		{"a", "must start with / or //"},
		{"", "must start with / or //"},
		{"///a", `"" is not a local name`},
		{"//a/", `"" is not a local name`},
		{"//a///b", `"" is not a local name`},
		{"//1a", `"1a" is not a local name`},
		{"//-a", `"-a" is not a local name`},
		{"//@", `"@" is not an attribute name`},
		{"//@1", `"@1" is not an attribute name`},
		{"//@x/b", "must be the last step"},
		{"/@x", "an attribute needs an element"},
		{"//a//@x", "an attribute is a child of its element"},
	} {
		steps, attr, err := parseXMLPath(tc.path)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			for _, s := range steps {
				got += map[bool]string{false: "/", true: "//"}[s.desc] + s.name
			}
			if attr != "" {
				got += "@" + attr
			}
		}
		if got != tc.want && (err == nil || !strings.Contains(got, tc.want)) {
			t.Errorf("%q: got %q, want %q", tc.path, got, tc.want)
		}
	}
}

// When several paths select an element, the one with more steps wins, then
// the one first in byte order.
func TestXMLPathPrecedence(t *testing.T) {
	in := `<r><a><b>1</b><c>2</c></a><b>3</b></r>`
	want := `<r><a><b>Y</b><c>P</c></a><b>X</b></r>`
	if out := xmlConstPaths(t, map[string]string{"//b": "X", "/r/a/b": "Y", "//*/c": "P", "//a/*": "Q"}, in); out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

// xmlConstPaths masks in with an xml masker writing a constant for each
// path.
func xmlConstPaths(t *testing.T, paths map[string]string, in string) string {
	t.Helper()
	c := col(CatXML, "xml")
	rules := map[string]*Spec{}
	for p, v := range paths {
		rules[p] = &Spec{Name: "const", Params: map[string]any{"value": v}}
	}
	out, _ := maskString(t, mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": rules}}, c, testOptions("xml")), c, in)
	return out
}

func TestXMLPathCount(t *testing.T) {
	c := col(CatXML, "xml")
	for n, ok := range map[int]bool{maxXMLPaths: true, maxXMLPaths + 1: false} {
		paths := map[string]*Spec{}
		for i := range n {
			paths[fmt.Sprintf("//e%d", i)] = &Spec{Name: "lorem"}
		}
		if _, err := Build(&Spec{Name: "xml", Params: map[string]any{"paths": paths}}, c, testOptions("xml")); (err == nil) != ok {
			t.Errorf("%d paths: %v", n, err)
		}
	}
}

func TestXMLAcceptsXMLAndText(t *testing.T) {
	spec := &Spec{Name: "xml", Params: map[string]any{"text": &Spec{Name: "lorem"}}}
	for c, ok := range map[*Column]bool{col(CatXML, "xml"): true, col(CatText, "text"): true, col(CatInt, "integer"): false} {
		if _, err := Build(spec, c, testOptions("xml")); (err == nil) != ok {
			t.Errorf("%s: %v", c.Type, err)
		}
	}
}

func TestIsNameByte(t *testing.T) {
	for _, c := range []byte("azAZ09_:.-\x80\xff") {
		if !isNameByte(c) {
			t.Errorf("%q: want a name byte", c)
		}
	}
	for _, c := range []byte("`{@[/;,=> \"'\x7f") {
		if isNameByte(c) {
			t.Errorf("%q: want no name byte", c)
		}
	}
}

func TestParseDoctypeGrammar(t *testing.T) {
	for raw, ok := range map[string]bool{
		`<!DOCTYPE r>`:                                  true,
		`<!DOCTYPE r [<!---->]>`:                        true,
		`<!DOCTYPE r [<!ENTITY e "">]>`:                 true,
		`<!DOCTYPE r SYSTEM "">`:                        true,
		`<!DOCTYPE r [<!ELEMENT r (a|b)*>]>`:            true,
		`<!DOCTYPE r [<!ELEMENT r (#PCDATA)>]>`:         true,
		`<!DOCTYPE r [<!ATTLIST r a CDATA "">]>`:        true,
		`<!DOCTYPE r [<?pi?>]>`:                         true,
		`<!DOCTYPE r [<!ELEMENT r>]>`:                   false,
		`<!DOCTYPE r [<!ELEMENT r >]>`:                  false,
		`<!DOCTYPE r [<!ENTITY "x">]>`:                  false,
		`<!DOCTYPE [<!ENTITY e "x">]>`:                  false,
		`<!DOCTYPE r [<!-- x ->]>`:                      false,
		`<!DOCTYPE r [<!ENTITY e "x>]>`:                 false,
		`<!DOCTYPE r SYSTEM>`:                           false,
		`<!DOCTYPE r PUBLIC "p">`:                       false,
		`<!DOCTYPE r [<!NOTATION n PUBLIC "p">]>`:       true,
		`<!DOCTYPE r [<!NOTATION n PUBLIC "p" "u">]>`:   true,
		`<!DOCTYPE r [<!ENTITY e SYSTEM "u" NDATA n>]>`: true,
	} {
		if _, err := parseDoctype([]byte(raw)); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

// The text: rule masks what a DOCTYPE's subset carries: comments,
// processing instructions' data, entity values (without the characters
// that would make markup or references of them) and attribute defaults.
func TestXMLDoctypeMaskedExactly(t *testing.T) {
	c := col(CatXML, "xml")
	text := &Spec{Name: "regex_replace", Params: map[string]any{"pattern": "[a-z]", "replacement": "x"}}
	m := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": text}}, c, testOptions("xml"))
	in := `<!DOCTYPE r [<!-- hi jane --><?pi data here?><?solo?><!ENTITY e "val"><!ATTLIST r a CDATA "def">]><r>t</r>`
	want := `<!DOCTYPE r [<!-- xx xxxx --><?pi xxxx xxxx?><?solo?><!ENTITY e "xxx"><!ATTLIST r a CDATA "xxx">]><r>x</r>`
	if out, _ := maskString(t, m, c, in); out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	// Markup and reference characters never reach an entity value.
	text.Params = map[string]any{"pattern": "l", "replacement": `<&%"'>`}
	m = mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"text": text}}, c, testOptions("xml"))
	if out, _ := maskString(t, m, c, `<!DOCTYPE r [<!ENTITY e "val">]><r/>`); out != `<!DOCTYPE r [<!ENTITY e "va">]><r/>` {
		t.Errorf("got %s", out)
	}
}
