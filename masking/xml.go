package masking

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/understudy-db/understudy/schema"
)

// xmlMasker applies sub-rules to the text of the elements and to the
// attribute values that local-name paths select in an xml (or text) column,
// and the text: rule to every other text node and attribute value; every
// other byte of the value is copied as it was: the XML declaration, the
// DOCTYPE's names and identifiers, namespace prefixes and declarations,
// attribute order and quoting, whitespace, entity references in text that
// is not masked, and CDATA sections (masked text stays in its
// CDATA section). So the output is well-formed XML with the original's
// element and attribute skeleton. Documents and content fragments (several
// top-level elements, text around them: what PostgreSQL's xml type holds
// under xmloption content) are both accepted.
//
// Paths address elements by local name, namespaces ignored: //Name (an
// element anywhere), /Root/Name (from a top-level element), //Person/Name,
// * (any element), and a last step @attr or @* for attribute values
// (//Person/@id, //@lang). A path selecting an element masks every text
// node inside it, nested elements' included; when paths select several
// elements around one text node, the innermost wins, and among paths
// selecting one element the longer, then the alphabetically first.
// Whitespace-only text is never masked, nor are namespace declarations
// (xmlns, xmlns:p), xml:space and an xml:lang holding a language tag.
//
// Text no path can address goes through the text: rule too, so that a
// text: rule leaves no original text anywhere: comments and processing
// instructions' data (not the XML declaration's) outside selected elements
// (inside one, its rule masks them), and in a DOCTYPE's internal subset
// the values of general entities, attribute defaults, comments and
// processing instructions. What such a place cannot hold ("--" in a
// comment, "?>" in an instruction, markup in an entity value) is left out.
//
// A sub-rule masks text as for a text column, or, when it takes only
// numbers (number_noise), the text of a number. null empties the text.
//
// Exemption: a value where nothing is selected and text: is keep (or with
// no text at all) is returned as it is (echo).
type xmlMasker struct {
	paths []xmlPath // in priority order
	text  *xmlRule  // nil: keep
}

type xmlPath struct {
	text  string
	steps []xmlStep
	attr  string // "" for an element path; a name or * for an attribute path
	rule  xmlRule
}

type xmlStep struct {
	name string // local name, or *
	desc bool   // reached by // (any depth), not / (a child)
}

type xmlRule struct {
	m      Masker // built for a text column; nil when the rule takes only numbers
	num    Masker // built for a numeric column, or nil
	nuller bool
	what   string // for messages: the path, or "text"
}

// maxXMLPaths and maxXMLSteps bound the match state kept per element.
const (
	maxXMLPaths = 64
	maxXMLSteps = 32
	maxXMLDepth = 10000
)

var (
	errNotXML     = errors.New("value is not well-formed XML")
	errXMLTooDeep = errors.New("XML value is nested too deeply")
)

func (m *xmlMasker) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	w := xmlWalker{m: m, s: s, in: value}
	return w.run(dst)
}

// xmlLevel is the match state at one open element.
type xmlLevel struct {
	raw []byte // the element's name as written, to check its end tag
	// at[p] has bit k when steps[0..k] of path p match the ancestors up to
	// this element, step k at this element; anc[p] is the OR of at[p] over
	// this element and its ancestors.
	at, anc []uint64
	rule    *xmlRule // what masks text here: the innermost selected element's rule
}

type xmlWalker struct {
	m      *xmlMasker
	s      *Scratch
	in     []byte
	levels []xmlLevel
	// ents are the general entities the DOCTYPE declares (an external one's
	// value is ""): under text: keep, text a path selects must not use one
	// with a value, which would stay in the DOCTYPE.
	ents     map[string]string
	doctyped bool // a DOCTYPE, an element or text was seen: no DOCTYPE may follow
}

// errXMLEntityInPath refuses text a path selects that uses an entity whose
// value a text: keep rule leaves in the DOCTYPE.
var errXMLEntityInPath = errors.New("XML text a path selects uses an entity declared with a value, which text: keep would leave in the DOCTYPE: add a text: rule")

// rule is the rule for text at the current element: the innermost selected
// element's, else the text: rule.
func (w *xmlWalker) rule() *xmlRule {
	if n := len(w.levels); n > 0 {
		return w.levels[n-1].rule
	}
	return w.m.text
}

// usesValued reports whether raw XML text refers to an entity the DOCTYPE
// declares with a value.
func (w *xmlWalker) usesValued(raw []byte) bool {
	if len(w.ents) == 0 {
		return false
	}
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return false
		}
		raw = raw[i+1:]
		if j := bytes.IndexByte(raw, ';'); j > 0 && w.ents[string(raw[:j])] != "" {
			return true
		}
	}
}

func (w *xmlWalker) run(dst []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(w.in))
	d.Strict = true
	// Text in a dump is already in the database's encoding: a declared
	// encoding says nothing about the bytes here.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	prev := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return dst, errNotXML
		}
		off := int(d.InputOffset())
		raw := w.in[prev:off]
		prev = off
		switch t := tok.(type) {
		case xml.StartElement:
			w.doctyped = true
			if dst, err = w.start(dst, t, raw); err != nil {
				return dst, err
			}
		case xml.EndElement:
			n := len(w.levels)
			if n == 0 || len(raw) > 0 && !bytes.Equal(endName(raw), w.levels[n-1].raw) {
				return dst, errNotXML
			}
			w.levels = w.levels[:n-1]
			dst = append(dst, raw...)
		case xml.CharData:
			if len(bytes.TrimLeft(t, " \t\r\n")) > 0 {
				w.doctyped = true
			}
			if dst, err = w.charData(dst, t, raw); err != nil {
				return dst, err
			}
		case xml.Directive:
			// One DOCTYPE, before any element or text.
			if w.doctyped {
				return dst, errNotXML
			}
			w.doctyped = true
			dt, err := parseDoctype(raw)
			if err != nil {
				return dst, err
			}
			// The text may use the entities the DOCTYPE declares: the
			// decoder must know them to accept the (well-formed) value.
			w.ents, d.Entity = dt.entities, dt.entities
			if dst, err = w.doctype(dst, raw, dt); err != nil {
				return dst, err
			}
		case xml.Comment:
			dst = w.comment(dst, t, raw)
		case xml.ProcInst:
			if !strings.EqualFold(t.Target, "xml") {
				dst = w.procInst(dst, t, raw)
				break
			}
			// The XML declaration is kept: only at the start of the value,
			// and holding nothing but what the grammar allows.
			if len(raw) != off || !xmlDecl.Match(t.Inst) {
				return dst, errNotXML
			}
			dst = append(dst, raw...)
		}
	}
	if len(w.levels) > 0 {
		return dst, errNotXML
	}
	return dst, nil
}

// comment masks a comment's text, which no path can address, with the rule
// of the element it is in (rule); a comment the rule cannot mask, or whose
// masked text a comment cannot hold ("--", a trailing "-"), is emptied.
func (w *xmlWalker) comment(dst []byte, t xml.Comment, raw []byte) []byte {
	rule := w.rule()
	if rule == nil || len(bytes.Trim(t, " \t\r\n")) == 0 {
		return append(dst, raw...)
	}
	return w.unaddressed(dst, rule, "<!--", t, "-->", func(b []byte) bool {
		return !bytes.Contains(b, []byte("--")) && !bytes.HasSuffix(b, []byte("-"))
	})
}

// xmlDecl is the body of an XML declaration.
var xmlDecl = regexp.MustCompile(`^version\s*=\s*("1\.[0-9]+"|'1\.[0-9]+')` +
	`(\s+encoding\s*=\s*("[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?` +
	`(\s+standalone\s*=\s*("(yes|no)"|'(yes|no)'))?\s*$`)

// procInst masks a processing instruction's data with the rule of the
// element it is in (rule), keeping its target.
func (w *xmlWalker) procInst(dst []byte, t xml.ProcInst, raw []byte) []byte {
	rule := w.rule()
	if rule == nil || len(bytes.Trim(t.Inst, " \t\r\n")) == 0 {
		return append(dst, raw...)
	}
	return w.unaddressed(dst, rule, "<?"+t.Target+" ", t.Inst, "?>", func(b []byte) bool {
		return !bytes.Contains(b, []byte("?>"))
	})
}

// unaddressed appends open, text masked by rule, and close; an output the
// rule cannot give or that fits does not accept is left out.
func (w *xmlWalker) unaddressed(dst []byte, rule *xmlRule, open string, text []byte, close string, fits func([]byte) bool) []byte {
	dst = append(dst, open...)
	from := len(dst)
	out, err := w.maskText(dst, rule, text)
	if err != nil || !fits(out[from:]) {
		out = out[:from]
	}
	out = sanitizeXMLChars(out, from)
	return append(out, close...)
}

// endName is the name in an end tag's text: </p:name >.
func endName(raw []byte) []byte {
	return bytes.TrimRight(bytes.TrimSuffix(raw[2:], []byte(">")), " \t\r\n")
}

func (w *xmlWalker) start(dst []byte, t xml.StartElement, raw []byte) ([]byte, error) {
	if len(w.levels) >= maxXMLDepth {
		return dst, errXMLTooDeep
	}
	np := len(w.m.paths)
	lv := xmlLevel{raw: startName(raw), at: make([]uint64, np), anc: make([]uint64, np)}
	var parent *xmlLevel
	if n := len(w.levels); n > 0 {
		parent = &w.levels[n-1]
		lv.rule = parent.rule
	} else {
		lv.rule = w.m.text
	}
	var selected *xmlRule
	for p := range w.m.paths {
		path := &w.m.paths[p]
		for k, st := range path.steps {
			if st.name != "*" && st.name != t.Name.Local {
				continue
			}
			var ok bool
			switch {
			case k == 0:
				ok = st.desc || parent == nil
			case parent == nil:
			case st.desc:
				ok = parent.anc[p]&(1<<(k-1)) != 0
			default:
				ok = parent.at[p]&(1<<(k-1)) != 0
			}
			if ok {
				lv.at[p] |= 1 << k
			}
		}
		lv.anc[p] = lv.at[p]
		if parent != nil {
			lv.anc[p] |= parent.anc[p]
		}
		if selected == nil && path.attr == "" && lv.at[p]&(1<<(len(path.steps)-1)) != 0 {
			selected = &path.rule
		}
	}
	if selected != nil {
		lv.rule = selected
	}
	w.levels = append(w.levels, lv)
	return w.attrs(dst, t, raw, &w.levels[len(w.levels)-1])
}

// startName is the name in a start tag's text: <p:name ...>.
func startName(raw []byte) []byte {
	i := 1
	for i < len(raw) && !isXMLSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	return raw[1:i]
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// attrs copies a start tag, masking the attribute values a rule applies to.
func (w *xmlWalker) attrs(dst []byte, t xml.StartElement, raw []byte, lv *xmlLevel) ([]byte, error) {
	if dupAttr(t.Attr) {
		return dst, errNotXML // not well-formed: the output must not be either
	}
	i := 1 + len(lv.raw)
	for _, a := range t.Attr {
		// The raw text holds the attributes in order: name, =, quoted value.
		for i < len(raw) && raw[i] != '"' && raw[i] != '\'' {
			i++
		}
		if i >= len(raw) {
			return dst, errNotXML
		}
		q := raw[i]
		end := bytes.IndexByte(raw[i+1:], q)
		if end < 0 {
			return dst, errNotXML
		}
		end += i + 1
		rule := w.attrRule(a, lv)
		if rule == nil {
			i = end + 1
			continue
		}
		if w.m.text == nil && w.usesValued(raw[i+1:end]) {
			return dst, errXMLEntityInPath
		}
		dst = append(dst, raw[:i+1]...)
		var err error
		if dst, err = w.mask(dst, rule, []byte(a.Value), q); err != nil {
			return dst, err
		}
		raw = raw[end:]
		i = 1
	}
	return append(dst, raw...), nil
}

// dupAttr reports whether a start tag names one attribute twice, which
// the decoder lets through.
func dupAttr(as []xml.Attr) bool {
	if len(as) < 2 {
		return false
	}
	seen := make(map[xml.Name]bool, len(as))
	for _, a := range as {
		if seen[a.Name] {
			return true
		}
		seen[a.Name] = true
	}
	return false
}

// attrRule is the rule for an attribute, or nil to keep it.
func (w *xmlWalker) attrRule(a xml.Attr, lv *xmlLevel) *xmlRule {
	if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" || a.Name.Space == "xml" && xmlKeyword(a) {
		return nil
	}
	for p := range w.m.paths {
		path := &w.m.paths[p]
		if path.attr == "" || path.attr != "*" && path.attr != a.Name.Local {
			continue
		}
		if len(path.steps) == 0 || lv.at[p]&(1<<(len(path.steps)-1)) != 0 {
			return &path.rule
		}
	}
	return w.m.text
}

// xmlKeyword reports whether an xml:* attribute holds a keyword rather
// than data: xml:space="preserve", xml:lang="en-GB". Any other (xml:id,
// xml:base, a lang that is not a language tag) is masked like any value.
func xmlKeyword(a xml.Attr) bool {
	switch a.Name.Local {
	case "space":
		return a.Value == "default" || a.Value == "preserve"
	case "lang":
		return a.Value == "" || langTag.MatchString(a.Value)
	}
	return false
}

// langTag is a language tag's common shape: language, script, region
// (en, en-GB, zh-Hans-CN, es-419); longer tags are masked.
var langTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?$`)

func (w *xmlWalker) charData(dst []byte, t xml.CharData, raw []byte) ([]byte, error) {
	rule := w.rule()
	if rule == nil || len(bytes.TrimLeft(t, " \t\r\n")) == 0 {
		return append(dst, raw...), nil
	}
	if w.m.text == nil && w.usesValued(raw) {
		return dst, errXMLEntityInPath
	}
	if bytes.HasPrefix(raw, []byte("<![CDATA[")) {
		dst = append(dst, "<![CDATA["...)
		from := len(dst)
		dst, err := w.maskText(dst, rule, t)
		if err != nil {
			return dst, err
		}
		// ]]> cannot appear inside a section: split it across two.
		if bytes.Contains(dst[from:], []byte("]]>")) {
			fixed := bytes.ReplaceAll(dst[from:], []byte("]]>"), []byte("]]]]><![CDATA[>"))
			dst = append(dst[:from], fixed...)
		}
		dst = sanitizeXMLChars(dst, from)
		return append(dst, "]]>"...), nil
	}
	return w.mask(dst, rule, t, 0)
}

// mask writes rule's output for value, escaped for text (quote 0) or for an
// attribute value in quote.
func (w *xmlWalker) mask(dst []byte, rule *xmlRule, value []byte, quote byte) ([]byte, error) {
	from := len(dst)
	out, err := w.maskText(dst, rule, value)
	if err != nil {
		return dst, err
	}
	esc := len(out)
	out = appendXMLEscaped(out, out[from:esc], quote)
	n := copy(out[from:], out[esc:])
	return out[:from+n], nil
}

// maskText appends rule's output for value, unescaped.
func (w *xmlWalker) maskText(dst []byte, rule *xmlRule, value []byte) ([]byte, error) {
	if rule.nuller {
		return dst, nil
	}
	m := rule.m
	if m == nil {
		if v := bytes.TrimSpace(value); rule.num != nil && isDecimalText(v) {
			m, value = rule.num, v
		} else {
			return dst, fmt.Errorf("xml %s selects text its rule cannot mask (it masks numbers)", rule.what)
		}
	}
	out, err := m.Mask(w.s, dst, value)
	if err != nil {
		return dst, fmt.Errorf("xml %s: %w", rule.what, err)
	}
	return out, nil
}

func isDecimalText(v []byte) bool {
	_, _, _, ok := parseDecimal(v)
	return ok
}

// appendXMLEscaped appends s escaped for XML text (quote 0) or an attribute
// value in quote; characters XML does not allow become U+FFFD.
func appendXMLEscaped(dst, s []byte, quote byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		switch {
		case r == '&':
			dst = append(dst, "&amp;"...)
		case r == '<':
			dst = append(dst, "&lt;"...)
		case r == '>':
			dst = append(dst, "&gt;"...)
		case r == '\r':
			dst = append(dst, "&#13;"...)
		case quote != 0 && r == '\n':
			dst = append(dst, "&#10;"...)
		case quote != 0 && r == '\t':
			dst = append(dst, "&#9;"...)
		case quote != 0 && r == rune(quote):
			if quote == '"' {
				dst = append(dst, "&quot;"...)
			} else {
				dst = append(dst, "&apos;"...)
			}
		case !isXMLChar(r) || r == utf8.RuneError && n == 1:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// sanitizeXMLChars replaces characters XML does not allow in dst[from:].
func sanitizeXMLChars(dst []byte, from int) []byte {
	ok := true
	for _, r := range string(dst[from:]) {
		if !isXMLChar(r) || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return dst
	}
	var b []byte
	for _, r := range string(dst[from:]) {
		if !isXMLChar(r) {
			r = utf8.RuneError
		}
		b = utf8.AppendRune(b, r)
	}
	return append(dst[:from], b...)
}

// isXMLChar reports whether XML 1.0 allows r in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// validXMLContent reports whether v is well-formed XML content (what const
// may write into an xml column).
func validXMLContent(v []byte) bool {
	_, err := (&xmlMasker{}).Mask(NewScratch(), nil, v)
	return err == nil
}

// parseXMLPath parses //a/b, /a//b/@c and the like.
func parseXMLPath(p string) (steps []xmlStep, attr string, err error) {
	if !strings.HasPrefix(p, "/") {
		return nil, "", errors.New("must start with / or //")
	}
	for rest := p; rest != ""; {
		desc := strings.HasPrefix(rest, "//")
		if desc {
			rest = rest[2:]
		} else if strings.HasPrefix(rest, "/") {
			rest = rest[1:]
		} else {
			return nil, "", fmt.Errorf("expected / in %q", rest)
		}
		name := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if strings.HasPrefix(name, "@") {
			if rest != "" {
				return nil, "", errors.New("an attribute (@name) must be the last step")
			}
			attr = name[1:]
			if attr == "" || attr != "*" && !validLocalName(attr) {
				return nil, "", fmt.Errorf("%q is not an attribute name", name)
			}
			if !desc && len(steps) == 0 {
				return nil, "", errors.New("an attribute needs an element: //@name or /Root/@name")
			}
			if desc && len(steps) > 0 {
				return nil, "", errors.New("an attribute is a child of its element: use /@name after it")
			}
			break
		}
		if name != "*" && !validLocalName(name) {
			return nil, "", fmt.Errorf("%q is not a local name (namespaces are ignored: write Name, not p:Name)", name)
		}
		steps = append(steps, xmlStep{name: name, desc: desc})
	}
	if len(steps) > maxXMLSteps {
		return nil, "", fmt.Errorf("at most %d steps", maxXMLSteps)
	}
	if len(steps) == 0 && attr == "" {
		return nil, "", errors.New("selects nothing")
	}
	return steps, attr, nil
}

// validLocalName accepts XML names without a colon (a practical subset:
// letters, digits, _, -, ., and any non-ASCII character).
func validLocalName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80:
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return s != ""
}

// xmlSubColumn is the column a sub-rule is built for: the xml column's
// name and table, for messages, with a type of the given category.
func xmlSubColumn(c *Column, suffix, typ string, cat Category) *Column {
	t := schema.Type{Schema: "pg_catalog", Name: typ}
	return &Column{Table: c.Table, Name: c.Name + suffix, Type: t, Base: t, Category: cat, IntMin: -1 << 63, IntMax: 1<<63 - 1}
}

// buildXMLRule builds spec for the text of an xml column.
func buildXMLRule(cfg *Config, spec *Spec, what string) (xmlRule, error) {
	r := xmlRule{what: what}
	c := cfg.Column
	var errText error
	r.m, errText = cfg.Build(spec, xmlSubColumn(c, what, "text", CatText))
	if errText != nil {
		var te *TypeError
		if !errors.As(errText, &te) {
			return r, fmt.Errorf("xml %s: %v", what, errText)
		}
		var errNum error
		if r.num, errNum = cfg.Build(spec, xmlSubColumn(c, what, "numeric", CatNumeric)); errNum != nil {
			return r, fmt.Errorf("xml %s: %v", what, errText)
		}
	}
	probe := firstMasker(r.m, r.num)
	if _, ok := probe.(RowMasker); ok {
		return r, fmt.Errorf("xml %s: %s builds values from other columns and cannot apply inside a document", what, spec.Name)
	}
	_, r.nuller = probe.(Nuller)
	return r, nil
}

func newXML(cfg *Config) (Masker, error) {
	rules, _ := cfg.Spec.Params["paths"].(map[string]*Spec)
	spec, hasText := cfg.Spec.Params["text"].(*Spec)
	if len(rules) == 0 && !hasText {
		return nil, errors.New("xml needs paths, text, or both")
	}
	if len(rules) > maxXMLPaths {
		return nil, fmt.Errorf("xml takes at most %d paths per column", maxXMLPaths)
	}
	m := &xmlMasker{}
	if hasText {
		if spec.Name != "keep" {
			r, err := buildXMLRule(cfg, spec, "text")
			if err != nil {
				return nil, err
			}
			m.text = &r
		}
	}
	for text, spec := range rules {
		if spec == nil {
			return nil, fmt.Errorf("xml path %s has no rule", text)
		}
		steps, attr, err := parseXMLPath(text)
		if err != nil {
			return nil, fmt.Errorf("xml path %q: %v", text, err)
		}
		for _, q := range m.paths {
			if slices.Equal(q.steps, steps) && q.attr == attr {
				return nil, fmt.Errorf("xml paths %s and %s select the same values", min(q.text, text), max(q.text, text))
			}
		}
		p := xmlPath{text: text, steps: steps, attr: attr}
		if p.rule, err = buildXMLRule(cfg, spec, "path "+text); err != nil {
			return nil, err
		}
		m.paths = append(m.paths, p)
	}
	slices.SortFunc(m.paths, func(a, b xmlPath) int {
		if d := len(b.steps) - len(a.steps); d != 0 {
			return d
		}
		return strings.Compare(a.text, b.text)
	})
	return m, nil
}

// onXML lets a text masker fill xml columns: built for text, it masks every
// text node and attribute value of the document, as the xml masker's text:
// rule does, so the output stays well-formed with the same skeleton.
func onXML(build func(cfg *Config) (Masker, error)) func(cfg *Config) (Masker, error) {
	return func(cfg *Config) (Masker, error) {
		if cfg.Column.Category != CatXML {
			return build(cfg)
		}
		sub := *cfg
		sub.Column = xmlSubColumn(cfg.Column, "", "text", CatText)
		m, err := build(&sub)
		if err != nil {
			return nil, err
		}
		return &xmlMasker{text: &xmlRule{m: m, what: "text"}}, nil
	}
}

// acceptTextOrXML is acceptText for maskers that also fill xml columns
// through onXML.
func acceptTextOrXML(c *Column) (bool, string) {
	if c.Category == CatText || c.Category == CatXML {
		return true, ""
	}
	return false, "it produces text (text, varchar, char, xml)"
}

func init() {
	register(&Def{
		Name: "xml",
		Doc:  "applies rules to the text of the elements and the attributes local-name paths select, and a text rule to the rest, keeping the document's structure",
		Params: []Param{
			{Name: "paths", Kind: ParamRules, Doc: `map of local-name paths (//Name, /Root/Person/Name, //Person/@id, //*) to rules for the text they select`},
			{Name: "text", Kind: ParamRule, Doc: "rule for every other text node and attribute value (default keep)"},
		},
		Accepts: func(c *Column) (bool, string) {
			if c.Category == CatXML || c.Category == CatText {
				return true, ""
			}
			return false, "it masks xml, or text holding XML"
		},
		New: newXML,
	})
}
