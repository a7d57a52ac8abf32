package masking

import (
	"errors"

	"github.com/understudy-db/understudy/internal/ascii"
)

var errNotUUID = errors.New("value is not a UUID")

// parseUUID reads a UUID in any of PostgreSQL's accepted spellings that
// matter in dumps: 32 hex digits, with or without the four dashes and braces.
func parseUUID(b []byte) ([16]byte, bool) {
	var u [16]byte
	if len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' {
		b = b[1 : len(b)-1]
	}
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '-' {
			continue
		}
		if !ascii.IsHex(c) || n >= 32 {
			return u, false
		}
		v := ascii.HexValue(c)
		if n%2 == 0 {
			u[n/2] = v << 4
		} else {
			u[n/2] |= v
		}
		n++
	}
	return u, n == 32
}

const hexDigits = "0123456789abcdef"

// appendUUID appends u in PostgreSQL's canonical form.
func appendUUID(dst []byte, u [16]byte) []byte {
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst
}
