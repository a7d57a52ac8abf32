package masking

import (
	"bytes"
	"unicode/utf8"
)

// fit truncates dst[start:] to at most max characters (0 means no limit),
// never splitting a UTF-8 sequence.
func fit(dst []byte, start, max int) []byte {
	if max <= 0 || len(dst)-start <= max {
		return dst
	}
	n := 0
	for i := start; i < len(dst); {
		if n == max {
			return dst[:i]
		}
		_, size := utf8.DecodeRune(dst[i:])
		i += size
		n++
	}
	return dst
}

const tagAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// appendTag appends n base32 characters (lower case and digits) drawn from
// sum, 5 bits each: the keyed-hash entropy that keeps fakes unique.
func appendTag(dst []byte, sum []byte, n int) []byte {
	var acc uint64
	bits := 0
	j := 0
	for i := 0; i < n; i++ {
		if bits < 5 {
			acc = acc<<8 | uint64(sum[j%len(sum)])
			j++
			bits += 8
		}
		bits -= 5
		dst = append(dst, tagAlphabet[(acc>>uint(bits))&31])
	}
	return dst
}

// appendSlug appends s lower-cased with everything but ASCII letters and
// digits removed: names made safe for email local parts and usernames.
func appendSlug(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			dst = append(dst, c)
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		}
	}
	return dst
}

// same reports whether the masked output equals the input.
func same(dst []byte, start int, value []byte) bool {
	return bytes.Equal(dst[start:], value)
}

// runeLen counts characters.
func runeLen(b []byte) int { return utf8.RuneCount(b) }
