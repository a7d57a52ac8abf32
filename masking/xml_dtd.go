package masking

import (
	"bytes"
	"encoding/xml"
)

// dtdEntities reads the general entities a DOCTYPE's internal subset
// declares: an internal one's replacement text as written, an external one
// (SYSTEM, PUBLIC) as empty text, since it is never loaded.
func dtdEntities(dir []byte) map[string]string {
	if !bytes.HasPrefix(dir, []byte("DOCTYPE")) {
		return nil
	}
	var ents map[string]string
	for {
		i := bytes.Index(dir, []byte("<!ENTITY"))
		if i < 0 {
			return ents
		}
		dir = bytes.TrimLeft(dir[i+len("<!ENTITY"):], " \t\r\n")
		if len(dir) > 0 && dir[0] == '%' {
			continue // a parameter entity: only the DTD itself uses it
		}
		n := bytes.IndexAny(dir, " \t\r\n")
		if n <= 0 {
			return ents
		}
		name := string(dir[:n])
		dir = bytes.TrimLeft(dir[n:], " \t\r\n")
		val := ""
		if len(dir) > 0 && (dir[0] == '"' || dir[0] == '\'') {
			if j := bytes.IndexByte(dir[1:], dir[0]); j >= 0 {
				val = string(dir[1 : 1+j])
				dir = dir[2+j:]
			}
		}
		if ents == nil {
			ents = map[string]string{}
		}
		if _, dup := ents[name]; !dup { // the first declaration binds
			ents[name] = val
		}
	}
}

// doctype copies a DOCTYPE, masking with the text: rule what its internal
// subset holds that could be data: general entities' values, attribute
// defaults, comments and processing instructions. Names, content models,
// parameter entities (DTD syntax) and external identifiers are kept.
func (w *xmlWalker) doctype(dst, raw []byte) ([]byte, error) {
	open := subsetStart(raw)
	if w.m.text == nil || open < 0 {
		return append(dst, raw...), nil
	}
	dst = append(dst, raw[:open+1]...)
	rest := raw[open+1:]
	for len(rest) > 0 {
		var n int
		switch {
		case rest[0] == ']':
			return append(dst, rest...), nil
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return dst, errNotXML
			}
			n = 4 + end + 3
			dst = w.comment(dst, xml.Comment(rest[4:4+end]), rest[:n])
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return dst, errNotXML
			}
			n = end + 2
			body := rest[2:end]
			t := bytes.IndexAny(body, " \t\r\n")
			if t < 0 {
				t = len(body)
			}
			pi := xml.ProcInst{Target: string(body[:t]), Inst: bytes.TrimLeft(body[t:], " \t\r\n")}
			dst = w.procInst(dst, pi, rest[:n])
		case rest[0] == '<':
			if n = declEnd(rest); n < 0 {
				return dst, errNotXML
			}
			dst = w.declaration(dst, rest[:n])
		default:
			n = 1
			dst = append(dst, rest[0])
		}
		rest = rest[n:]
	}
	return dst, errNotXML // no ]
}

// subsetStart is the offset of the [ opening a DOCTYPE's internal subset,
// or -1.
func subsetStart(raw []byte) int {
	if !bytes.HasPrefix(raw, []byte("<!DOCTYPE")) {
		return -1
	}
	return unquotedIndex(raw, '[')
}

// declEnd is the length of the markup declaration at the start of b, up to
// its > outside quotes, or -1.
func declEnd(b []byte) int {
	if i := unquotedIndex(b, '>'); i >= 0 {
		return i + 1
	}
	return -1
}

// unquotedIndex is the offset of the first c in b outside '…' and "…"
// literals, or -1.
func unquotedIndex(b []byte, c byte) int {
	var q byte
	for i, x := range b {
		switch {
		case q != 0:
			if x == q {
				q = 0
			}
		case x == '"' || x == '\'':
			q = x
		case x == c:
			return i
		}
	}
	return -1
}

// declaration copies one markup declaration, masking a general entity's
// value and every quoted literal of an ATTLIST (its attribute defaults).
func (w *xmlWalker) declaration(dst, decl []byte) []byte {
	switch {
	case bytes.HasPrefix(decl, []byte("<!ENTITY")):
		i := len("<!ENTITY")
		for i < len(decl) && isXMLSpace(decl[i]) {
			i++
		}
		if i < len(decl) && decl[i] == '%' {
			return append(dst, decl...) // a parameter entity: DTD syntax
		}
		for i < len(decl) && !isXMLSpace(decl[i]) {
			i++
		}
		for i < len(decl) && isXMLSpace(decl[i]) {
			i++
		}
		if i < len(decl) && (decl[i] == '"' || decl[i] == '\'') {
			return w.literals(dst, decl, i, true)
		}
		return append(dst, decl...) // SYSTEM or PUBLIC: identifiers
	case bytes.HasPrefix(decl, []byte("<!ATTLIST")):
		return w.literals(dst, decl, 0, false)
	}
	return append(dst, decl...)
}

// literals copies decl, masking its quoted literals from offset from on
// (only the first when entity): an entity value keeps no markup or
// reference characters, an attribute default is escaped.
func (w *xmlWalker) literals(dst, decl []byte, from int, entity bool) []byte {
	dst = append(dst, decl[:from]...)
	rest := decl[from:]
	for {
		i := bytes.IndexAny(rest, `"'`)
		if i < 0 {
			return append(dst, rest...)
		}
		q := rest[i]
		end := bytes.IndexByte(rest[i+1:], q)
		if end < 0 {
			return append(dst, rest...) // declEnd found the quotes closed
		}
		dst = append(dst, rest[:i+1]...)
		value := rest[i+1 : i+1+end]
		if entity {
			at := len(dst)
			out, err := w.maskText(dst, w.m.text, value)
			if err != nil {
				out = out[:at]
			}
			kept := at
			for _, c := range out[at:] {
				if !bytes.ContainsRune([]byte(`<>&%"'`), rune(c)) {
					out[kept] = c
					kept++
				}
			}
			dst = sanitizeXMLChars(out[:kept], at)
		} else if out, err := w.mask(dst, w.m.text, value, q); err == nil {
			dst = out
		}
		dst = append(dst, q)
		rest = rest[i+2+end:]
		if entity {
			return append(dst, rest...)
		}
	}
}
