package masking

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
)

// errXMLParamEntity refuses a DOCTYPE declaring a parameter entity with a
// value under a text: rule: the value is DTD text that may declare entities
// holding data, and masking it would break the DTD.
var errXMLParamEntity = errors.New("XML value's DOCTYPE declares a parameter entity with a value, which a text: rule cannot mask")

// errXMLEntityMarkup refuses a DOCTYPE declaring a general entity whose
// value holds markup (or a character reference that may spell it): where
// the text uses the entity, the markup becomes elements no path sees.
var errXMLEntityMarkup = errors.New("XML value's DOCTYPE declares an entity holding markup, which paths cannot address")

// doctype is a DOCTYPE directive read by the XML 1.0 grammar (internal
// subset included): the general entities it declares and the places of its
// raw bytes that may hold data.
type doctype struct {
	entities map[string]string // general entities: replacement text as written; "" when external
	spans    []dtdSpan         // in order
	paramVal bool              // a parameter entity has a literal value
}

type dtdSpan struct {
	start, end int // raw[start:end]: the whole comment or PI, or a literal's value
	kind       dtdSpanKind
	quote      byte // an attribute default's quote
}

type dtdSpanKind uint8

const (
	spanComment dtdSpanKind = iota
	spanPI
	spanEntityValue
	spanAttrDefault
)

// parseDoctype reads raw, which the decoder returned as one directive, as a
// DOCTYPE ending exactly where raw ends. The decoder finds a directive's end
// by counting < > and quotes, which a processing instruction or comment in
// the subset can upset so that the directive swallows the document after
// it: such a raw, and any directive that is not a DOCTYPE, is refused.
func parseDoctype(raw []byte) (*doctype, error) {
	s := &dtdScanner{b: raw}
	if !s.word("<!DOCTYPE") || !s.space() || !s.name() {
		return nil, errNotXML
	}
	if s.space() && (s.peek('S') || s.peek('P')) {
		if !s.externalID(true) {
			return nil, errNotXML
		}
		s.space()
	}
	dt := &doctype{}
	if s.peek('[') {
		s.i++
		if !s.subset(dt) {
			return nil, errNotXML
		}
		s.space()
	}
	if !s.word(">") || s.i != len(raw) {
		return nil, errNotXML
	}
	for _, v := range dt.entities {
		if strings.Contains(v, "<") || strings.Contains(v, "&#") {
			return nil, errXMLEntityMarkup
		}
	}
	return dt, nil
}

// dtdScanner reads a DOCTYPE at b[i:]; each method consumes what it
// accepts, and a false return leaves the scan failed.
type dtdScanner struct {
	b []byte
	i int
}

func (s *dtdScanner) peek(c byte) bool { return s.i < len(s.b) && s.b[s.i] == c }

func (s *dtdScanner) word(w string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		return false
	}
	s.i += len(w)
	return true
}

// space consumes white space and reports whether there was any.
func (s *dtdScanner) space() bool {
	start := s.i
	for s.i < len(s.b) && isXMLSpace(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

// isNameByte is a byte of an XML name; bytes of multi-byte characters all
// count, the decoder has checked the characters.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-' || c >= 0x80
}

// name consumes a name (or name token) and reports whether there was one.
func (s *dtdScanner) name() bool {
	start := s.i
	for s.i < len(s.b) && isNameByte(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

// literal consumes a quoted literal, returning its value's bounds.
func (s *dtdScanner) literal() (start, end int, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' && s.b[s.i] != '\'' {
		return 0, 0, false
	}
	q := s.b[s.i]
	j := bytes.IndexByte(s.b[s.i+1:], q)
	if j < 0 {
		return 0, 0, false
	}
	start, end = s.i+1, s.i+1+j
	s.i = end + 1
	return start, end, true
}

// externalID consumes SYSTEM "uri" or PUBLIC "id" "uri" (the uri optional
// in a NOTATION: full false).
func (s *dtdScanner) externalID(full bool) bool {
	switch {
	case s.word("SYSTEM"):
		return s.space() && s.lit()
	case s.word("PUBLIC"):
		if !s.space() || !s.lit() {
			return false
		}
		save := s.i
		if s.space() && (s.peek('"') || s.peek('\'')) {
			return s.lit()
		}
		s.i = save
		return !full
	}
	return false
}

func (s *dtdScanner) lit() bool { _, _, ok := s.literal(); return ok }

// subset reads an internal subset up to and including its ].
func (s *dtdScanner) subset(dt *doctype) bool {
	for {
		s.space()
		start := s.i
		switch {
		case s.word("]"):
			return true
		case s.word("<!--"):
			j := bytes.Index(s.b[s.i:], []byte("--"))
			if j < 0 || !bytes.HasPrefix(s.b[s.i+j:], []byte("-->")) {
				return false
			}
			s.i += j + 3
			dt.spans = append(dt.spans, dtdSpan{start: start, end: s.i, kind: spanComment})
		case s.word("<?"):
			if !s.name() || bytes.EqualFold(s.b[start+2:s.i], []byte("xml")) {
				return false
			}
			if !bytes.HasPrefix(s.b[s.i:], []byte("?>")) && !s.space() {
				return false
			}
			j := bytes.Index(s.b[s.i:], []byte("?>"))
			if j < 0 {
				return false
			}
			s.i += j + 2
			dt.spans = append(dt.spans, dtdSpan{start: start, end: s.i, kind: spanPI})
		case s.word("%"):
			if !s.name() || !s.word(";") {
				return false
			}
		case s.word("<!ENTITY"):
			if !s.entity(dt) {
				return false
			}
		case s.word("<!ATTLIST"):
			if !s.attlist(dt) {
				return false
			}
		case s.word("<!ELEMENT"):
			if !s.element() {
				return false
			}
		case s.word("<!NOTATION"):
			if !s.space() || !s.name() || !s.space() || !s.externalID(false) {
				return false
			}
			s.space()
			if !s.word(">") {
				return false
			}
		default:
			return false
		}
	}
}

// entity reads the rest of <!ENTITY [%] name (value | external id) >.
func (s *dtdScanner) entity(dt *doctype) bool {
	if !s.space() {
		return false
	}
	param := s.word("%")
	if param && !s.space() {
		return false
	}
	nameAt := s.i
	if !s.name() {
		return false
	}
	name := string(s.b[nameAt:s.i])
	if !s.space() {
		return false
	}
	val := ""
	if start, end, ok := s.literal(); ok {
		if param {
			dt.paramVal = true
		} else {
			val = string(s.b[start:end])
			dt.spans = append(dt.spans, dtdSpan{start: start, end: end, kind: spanEntityValue})
		}
	} else {
		if !s.externalID(true) {
			return false
		}
		save := s.i
		if !param && s.space() && s.word("NDATA") {
			if !s.space() || !s.name() {
				return false
			}
		} else {
			s.i = save
		}
	}
	s.space()
	if !s.word(">") {
		return false
	}
	if !param {
		if dt.entities == nil {
			dt.entities = map[string]string{}
		}
		if _, dup := dt.entities[name]; !dup { // the first declaration binds
			dt.entities[name] = val
		}
	}
	return true
}

// attlist reads the rest of <!ATTLIST element (name type default)* >.
func (s *dtdScanner) attlist(dt *doctype) bool {
	if !s.space() || !s.name() {
		return false
	}
	for {
		spaced := s.space()
		if s.word(">") {
			return true
		}
		if !spaced || !s.name() || !s.space() {
			return false
		}
		typeAt := s.i
		switch {
		case s.word("("):
			if !s.group() {
				return false
			}
		case s.name():
			switch string(s.b[typeAt:s.i]) {
			case "CDATA", "ID", "IDREF", "IDREFS", "ENTITY", "ENTITIES", "NMTOKEN", "NMTOKENS":
			case "NOTATION":
				if !s.space() || !s.word("(") || !s.group() {
					return false
				}
			default:
				return false
			}
		default:
			return false
		}
		if !s.space() {
			return false
		}
		switch {
		case s.word("#REQUIRED"), s.word("#IMPLIED"):
			continue
		case s.word("#FIXED"):
			if !s.space() {
				return false
			}
		}
		start, end, ok := s.literal()
		if !ok {
			return false
		}
		dt.spans = append(dt.spans, dtdSpan{start: start, end: end, kind: spanAttrDefault, quote: s.b[end]})
	}
}

// group reads the rest of an enumeration (a | b | c), after its (.
func (s *dtdScanner) group() bool {
	for {
		s.space()
		if !s.name() {
			return false
		}
		s.space()
		if s.word(")") {
			return true
		}
		if !s.word("|") {
			return false
		}
	}
}

// element reads the rest of <!ELEMENT name content-spec >: the content
// spec holds names and ( ) | , ? * + # only.
func (s *dtdScanner) element() bool {
	if !s.space() || !s.name() || !s.space() {
		return false
	}
	start := s.i
	for s.i < len(s.b) && (isNameByte(s.b[s.i]) || isXMLSpace(s.b[s.i]) || strings.IndexByte("()|,?*+#", s.b[s.i]) >= 0) {
		s.i++
	}
	return s.i > start && s.word(">")
}

// doctype copies a DOCTYPE, masking with the text: rule what its internal
// subset holds that could be data: general entities' values, attribute
// defaults, comments and processing instructions. Names, content models
// and external identifiers are kept.
func (w *xmlWalker) doctype(dst, raw []byte, dt *doctype) ([]byte, error) {
	if w.m.text == nil {
		return append(dst, raw...), nil
	}
	if dt.paramVal {
		return dst, errXMLParamEntity
	}
	prev := 0
	for _, sp := range dt.spans {
		dst = append(dst, raw[prev:sp.start]...)
		part := raw[sp.start:sp.end]
		switch sp.kind {
		case spanComment:
			dst = w.comment(dst, xml.Comment(part[4:len(part)-3]), part)
		case spanPI:
			body := part[2 : len(part)-2]
			t := bytes.IndexAny(body, " \t\r\n")
			if t < 0 {
				t = len(body)
			}
			dst = w.procInst(dst, xml.ProcInst{Target: string(body[:t]), Inst: bytes.TrimLeft(body[t:], " \t\r\n")}, part)
		case spanEntityValue:
			dst = w.entityValue(dst, part)
		case spanAttrDefault:
			if out, err := w.mask(dst, w.m.text, part, sp.quote); err == nil {
				dst = out
			}
		}
		prev = sp.end
	}
	return append(dst, raw[prev:]...), nil
}

// entityValue appends an entity's value masked, without markup or
// reference characters (the value is parsed again where it is used).
func (w *xmlWalker) entityValue(dst, value []byte) []byte {
	at := len(dst)
	out, err := w.maskText(dst, w.m.text, value)
	if err != nil {
		out = out[:at]
	}
	kept := at
	for _, c := range out[at:] {
		if strings.IndexByte(`<>&%"'`, c) < 0 {
			out[kept] = c
			kept++
		}
	}
	return sanitizeXMLChars(out[:kept], at)
}
