// Package copytext reads and writes PostgreSQL's COPY text format on raw
// bytes: a row is fields separated by tabs, `\N` is NULL, and backslash
// escapes stand for control characters, backslashes and arbitrary bytes.
//
// Everything works on the escaped bytes as they appear on the wire so that
// fields nobody needs to look at are never decoded: Split finds field
// boundaries without unescaping, and only fields that are transformed go
// through Decode and Encode.
package copytext

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/understudy-db/understudy/internal/ascii"
)

// Null is the text COPY uses for a NULL field.
var Null = []byte(`\N`)

// IsNull reports whether a raw (still escaped) field is NULL.
func IsNull(field []byte) bool {
	return len(field) == 2 && field[0] == '\\' && field[1] == 'N'
}

// Split appends the raw fields of row (without its line end) to dst and
// returns it. A tab preceded by an unescaped backslash is data, not a
// separator, exactly as COPY FROM reads it.
func Split(dst [][]byte, row []byte) [][]byte { return SplitN(dst, row, 0) }

// SplitN is Split stopping at n fields: the n-th holds the rest of the row,
// unsplit, so fields after the last one of interest cost nothing. n <= 0
// means no limit.
func SplitN(dst [][]byte, row []byte, n int) [][]byte {
	start := 0
	from := 0
	for k := 1; n <= 0 || k < n; {
		i := bytes.IndexByte(row[from:], '\t')
		if i < 0 {
			break
		}
		i += from
		if escapedAt(row, start, i) {
			from = i + 1
			continue
		}
		dst = append(dst, row[start:i])
		start = i + 1
		from = start
		k++
	}
	return append(dst, row[start:])
}

// escapedAt reports whether row[i] is preceded by an odd run of backslashes
// that began at or after start.
func escapedAt(row []byte, start, i int) bool {
	n := 0
	for j := i - 1; j >= start && row[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// Count returns the number of fields in row. It is the fast path used to
// validate every row of a table nobody transforms.
func Count(row []byte) int {
	if bytes.Contains(row, []byte{'\\', '\t'}) {
		n := 1
		from := 0
		for {
			i := bytes.IndexByte(row[from:], '\t')
			if i < 0 {
				return n
			}
			i += from
			if !escapedAt(row, 0, i) {
				n++
			}
			from = i + 1
		}
	}
	return bytes.Count(row, []byte{'\t'}) + 1
}

// EndsInBackslash reports whether row ends with an unescaped backslash, which
// COPY cannot read: the escape has nothing to apply to.
func EndsInBackslash(row []byte) bool {
	return len(row) > 0 && row[len(row)-1] == '\\' && escapedAt(row, 0, len(row))
}

// EscapeError describes an escape sequence that PostgreSQL would reject.
type EscapeError struct {
	Offset int // byte offset of the backslash within the raw field
	Reason string
}

func (e *EscapeError) Error() string {
	return fmt.Sprintf("invalid escape at byte %d of the field: %s", e.Offset, e.Reason)
}

// Decode appends the unescaped value of a raw, non-NULL field to dst.
// Escapes follow COPY FROM: \b \f \n \r \t \v, one to three octal digits,
// \x with one or two hex digits, and a backslash before any other character
// stands for that character. Escapes that produce a NUL byte or invalid
// UTF-8 are errors, as they are for a UTF8 database.
func Decode(dst, field []byte) ([]byte, error) {
	if bytes.IndexByte(field, '\\') < 0 {
		return append(dst, field...), nil
	}
	base := len(dst)
	sawByteEscape := false
	for i := 0; i < len(field); {
		j := bytes.IndexByte(field[i:], '\\')
		if j < 0 {
			dst = append(dst, field[i:]...)
			break
		}
		dst = append(dst, field[i:i+j]...)
		start := i + j
		i = start + 1
		if i >= len(field) {
			return dst, &EscapeError{Offset: start, Reason: "backslash at end of field"}
		}
		c := field[i]
		i++
		if ctl, ok := ascii.ControlEscape(c); ok {
			dst = append(dst, ctl)
			continue
		}
		switch c {
		case 'v':
			dst = append(dst, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for n := 0; n < 2 && i < len(field) && field[i] >= '0' && field[i] <= '7'; n++ {
				v = v*8 + int(field[i]-'0')
				i++
			}
			if v&0xff == 0 {
				return dst, &EscapeError{Offset: start, Reason: "escape produces a NUL byte"}
			}
			dst = append(dst, byte(v))
			sawByteEscape = true
		case 'x':
			if i < len(field) && ascii.IsHex(field[i]) {
				v := ascii.HexValue(field[i])
				i++
				if i < len(field) && ascii.IsHex(field[i]) {
					v = v<<4 | ascii.HexValue(field[i])
					i++
				}
				if v == 0 {
					return dst, &EscapeError{Offset: start, Reason: "escape produces a NUL byte"}
				}
				dst = append(dst, v)
				sawByteEscape = true
			} else {
				dst = append(dst, 'x')
			}
		default:
			dst = append(dst, c)
		}
	}
	if sawByteEscape && !utf8.Valid(dst[base:]) {
		return dst, &EscapeError{Offset: 0, Reason: "escapes produce invalid UTF-8"}
	}
	return dst, nil
}

// escapeLetter maps each byte COPY TO escapes to the letter it writes after
// the backslash; 0 means the byte passes through.
var escapeLetter = [256]byte{'\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v'}

// Encode appends value to dst escaped the way COPY TO writes it, so that a
// decoded field that was not changed encodes back to its original bytes.
func Encode[T ~string | ~[]byte](dst []byte, value T) []byte {
	last := 0
	for i := 0; i < len(value); i++ {
		if l := escapeLetter[value[i]]; l != 0 {
			dst = append(dst, value[last:i]...)
			dst = append(dst, '\\', l)
			last = i + 1
		}
	}
	return append(dst, value[last:]...)
}
