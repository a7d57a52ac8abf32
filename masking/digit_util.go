package masking

// decimalDigit reports whether c is an ASCII digit.
func decimalDigit(c byte) bool { return c >= '0' && c <= '9' }
