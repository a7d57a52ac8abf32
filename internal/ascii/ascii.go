// Package ascii classifies and converts the ASCII digits that every text
// format here (COPY, SQL literals, JSON, UUIDs) spells numbers with.
package ascii

// IsDigit reports whether c is 0-9.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsHex reports whether c is a hexadecimal digit (either case).
func IsHex(c byte) bool {
	return IsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// HexValue returns the value of a hexadecimal digit; c must satisfy IsHex.
func HexValue(c byte) byte {
	switch {
	case IsDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// ControlEscape returns the control character that a backslash escape
// letter stands for in every escaping syntax a dump uses (COPY text, SQL
// escape strings, JSON): \b \f \n \r \t.
func ControlEscape(c byte) (byte, bool) {
	switch c {
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}
