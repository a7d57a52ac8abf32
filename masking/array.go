package masking

import "bytes"

// walkArray rewrites an array literal in PostgreSQL's text form, calling fn
// for every non-NULL element (unquoted and unescaped) and re-quoting what it
// returns. Nesting ({{1,2},{3,4}}) and dimension decorations ([1:2]={…})
// are kept.
func walkArray(dst, value []byte, fn func(dst, elem []byte) ([]byte, error)) ([]byte, error) {
	i := 0
	if len(value) > 0 && value[0] == '[' {
		eq := bytes.IndexByte(value, '=')
		if eq < 0 {
			return dst, errNotArray
		}
		dst = append(dst, value[:eq+1]...)
		i = eq + 1
	}
	if i >= len(value) || value[i] != '{' {
		return dst, errNotArray
	}
	var elem []byte
	for i < len(value) {
		c := value[i]
		switch c {
		case '{', '}', ',', ' ':
			dst = append(dst, c)
			i++
			continue
		}
		elem = elem[:0]
		quoted := c == '"'
		if quoted {
			i++
			for i < len(value) && value[i] != '"' {
				if value[i] == '\\' && i+1 < len(value) {
					i++
				}
				elem = append(elem, value[i])
				i++
			}
			if i >= len(value) {
				return dst, errNotArray
			}
			i++ // closing quote
		} else {
			for i < len(value) && value[i] != ',' && value[i] != '}' {
				if value[i] == '\\' && i+1 < len(value) {
					i++
				}
				elem = append(elem, value[i])
				i++
			}
			elem = bytes.TrimRight(elem, " ")
			if len(elem) == 4 && bytes.EqualFold(elem, []byte("NULL")) {
				dst = append(dst, "NULL"...)
				continue
			}
		}
		mark := len(dst)
		out, err := fn(dst, elem)
		if err != nil {
			return dst[:mark], err
		}
		dst = quoteElem(out, mark)
	}
	return dst, nil
}

// quoteElem quotes the element dst[mark:] in place if the array syntax needs it.
func quoteElem(dst []byte, mark int) []byte {
	e := dst[mark:]
	need := len(e) == 0 || bytes.EqualFold(e, []byte("NULL"))
	for _, c := range e {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			need = true
		}
	}
	if !need {
		return dst
	}
	tmp := append([]byte(nil), e...)
	dst = append(dst[:mark], '"')
	for _, c := range tmp {
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
