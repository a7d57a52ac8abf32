package plaindump

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/understudy-db/understudy/internal/ascii"
)

// errExpression says a value cannot be read; it never quotes the value,
// which may be personal data.
var errExpression = errors.New("the value is an expression, not a literal")

// AppendText appends the text value of v (located in raw, the Item's Raw)
// to dst: a string literal unquoted and unescaped, a number or bare word as
// written. NULL is reported by the caller from v.Kind; an expression cannot
// be read and is an error.
func (iv *InsertValues) AppendText(dst, raw []byte, v Value) ([]byte, error) {
	switch v.Kind {
	case ValNumber, ValWord:
		return append(dst, raw[v.Start:v.End]...), nil
	case ValString:
		lit := raw[v.LitStart:v.LitEnd]
		escapes := iv.Backslashy
		if lit[0] == 'E' || lit[0] == 'e' {
			escapes = true
			lit = lit[1:]
		}
		return appendUnquoted(dst, lit[1:len(lit)-1], escapes)
	}
	return dst, errExpression
}

func appendUnquoted(dst, body []byte, escapes bool) ([]byte, error) {
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\'' { // always doubled inside the literal
			dst = append(dst, '\'')
			i++
			continue
		}
		if c != '\\' || !escapes {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(body) {
			return dst, fmt.Errorf("string literal ends in a backslash")
		}
		c = body[i]
		if ctl, ok := ascii.ControlEscape(c); ok {
			dst = append(dst, ctl)
			continue
		}
		switch c {
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for n := 0; n < 2 && i+1 < len(body) && body[i+1] >= '0' && body[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(body[i]-'0')
			}
			dst = append(dst, byte(v))
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(body) && ascii.IsHex(body[i+1]) {
				i++
				v = v<<4 | int(ascii.HexValue(body[i]))
				n++
			}
			if n == 0 {
				dst = append(dst, 'x')
			} else {
				dst = append(dst, byte(v))
			}
		case 'u', 'U':
			width := 4
			if c == 'U' {
				width = 8
			}
			if i+1+width > len(body) {
				return dst, fmt.Errorf("incomplete unicode escape in string literal")
			}
			r, err := strconv.ParseUint(string(body[i+1:i+1+width]), 16, 32)
			if err != nil {
				return dst, fmt.Errorf("invalid unicode escape in string literal")
			}
			dst = utf8.AppendRune(dst, rune(r))
			i += width
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// AppendLiteral appends value as a string literal that reads back as value
// in this dump's string syntax.
func (iv *InsertValues) AppendLiteral(dst, value []byte) []byte {
	dst = append(dst, '\'')
	dst = iv.AppendLiteralBody(dst, value)
	return append(dst, '\'')
}

// AppendLiteralBody appends value escaped as inside a string literal (no
// quotes), so that a huge value can be written a piece at a time.
func (iv *InsertValues) AppendLiteralBody(dst, value []byte) []byte {
	for {
		i := bytes.IndexAny(value, `'\`)
		if i < 0 {
			break
		}
		dst = append(dst, value[:i+1]...)
		if value[i] == '\'' || iv.Backslashy {
			dst = append(dst, value[i])
		}
		value = value[i+1:]
	}
	return append(dst, value...)
}
