package dump

import (
	"regexp"
	"strconv"
)

// setvalStmt is pg_dump's statement for a sequence's value.
var setvalStmt = regexp.MustCompile(`(?is)SELECT\s+(?:pg_catalog\.)?setval\(\s*'((?:[^']|'')+)'\s*,\s*(-?[0-9]+)\s*(?:,\s*(true|false)\s*)?\)\s*;`)

// ParseSetval reads the last setval statement of a SequenceSet entry's
// text: the sequence's regclass literal (quotes undoubled) and its value.
func ParseSetval(defn []byte) (regclass string, v SequenceValue, ok bool) {
	m := lastSetval(defn)
	if m == nil {
		return "", v, false
	}
	n, err := strconv.ParseInt(string(defn[m[4]:m[5]]), 10, 64)
	if err != nil {
		return "", v, false
	}
	lit := string(defn[m[2]:m[3]])
	for i := 0; i+1 < len(lit); i++ {
		if lit[i] == '\'' && lit[i+1] == '\'' {
			lit = lit[:i] + lit[i+1:]
		}
	}
	// setval(seq, n) without is_called means true.
	called := m[6] < 0 || defn[m[6]] == 't' || defn[m[6]] == 'T'
	return lit, SequenceValue{Value: n, Called: called}, true
}

// lastSetval is the submatch indexes of defn's last setval statement (the
// statement itself follows any comments), or nil.
func lastSetval(defn []byte) []int {
	all := setvalStmt.FindAllSubmatchIndex(defn, -1)
	if all == nil {
		return nil
	}
	return all[len(all)-1]
}

// IsSetval reports whether a statement sets a sequence, as pg_dump writes it.
func IsSetval(text []byte) bool { return setvalStmt.Match(text) }

// AppendSetval appends defn to dst with its last setval statement setting v:
// the value and is_called arguments are rewritten, the rest is kept. It
// reports false when defn holds no setval statement.
func AppendSetval(dst, defn []byte, v SequenceValue) ([]byte, bool) {
	m := lastSetval(defn)
	if m == nil {
		return dst, false
	}
	rest := m[5] // after the value, or after is_called when given
	if m[7] >= 0 {
		rest = m[7]
	}
	dst = append(dst, defn[:m[4]]...)
	dst = strconv.AppendInt(dst, v.Value, 10)
	dst = append(dst, ", "...)
	dst = strconv.AppendBool(dst, v.Called)
	return append(dst, defn[rest:]...), true
}
