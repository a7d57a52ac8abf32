package subset

import (
	"bytes"
	"math/big"
	"strings"
	"time"

	"github.com/understudy-db/understudy/schema"
)

// A foreign key holds when the values are equal as PostgreSQL compares
// them, which is not always when their texts are: numeric 1.0 = 1.00,
// float8 -0 = 0, character(4) 'ab  ' = text 'ab', interval '1 day' =
// '24:00:00', citext 'A' = 'a', and a relations: edge from text '0042' to
// an integer 42. Keys are hashed after a normalization that makes equal
// values equal texts. It may make more texts equal than PostgreSQL does
// (an extra row kept, whose own references are then followed: the result
// stays closed), never fewer.

// norm rewrites a decoded value into its normal text (or returns it as is).
type norm func([]byte) []byte

// category is how a type's values compare.
type category uint8

const (
	catOther category = iota // compared as their text is
	catText
	catInt
	catNum // numeric, float4, float8
	catChar
	catInterval
	catUUID
	catCI          // citext
	catTimestamptz // printed in the session's time zone
)

func categoryOf(cat *schema.Catalog, t schema.Type) category {
	base, _ := cat.ResolveType(t)
	if base.ArrayDims > 0 {
		return catOther
	}
	if base.Schema != "pg_catalog" {
		if base.Name == "citext" {
			return catCI
		}
		return catOther
	}
	switch base.Name {
	case "int2", "int4", "int8", "oid":
		return catInt
	case "numeric", "float4", "float8":
		return catNum
	case "bpchar":
		return catChar
	case "interval":
		return catInterval
	case "uuid":
		return catUUID
	case "timestamptz":
		return catTimestamptz
	case "text", "varchar", "name":
		return catText
	}
	return catOther
}

// pairNorm is the normalization of a referencing column of category a and
// the column of category b it references (applied to both).
func pairNorm(a, b category) norm {
	has := func(c category) bool { return a == c || b == c }
	var fs []norm
	switch {
	case has(catNum), has(catInt) && a != b:
		fs = append(fs, normNumber)
	case has(catInterval):
		fs = append(fs, normInterval)
	case has(catUUID) && a != b:
		fs = append(fs, normUUID)
	case has(catTimestamptz):
		fs = append(fs, normTimestamptz)
	}
	if has(catChar) {
		fs = append(fs, trimSpaces)
	}
	if has(catCI) {
		fs = append(fs, bytes.ToLower)
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return func(b []byte) []byte {
		for _, f := range fs {
			b = f(b)
		}
		return b
	}
}

// pinNorm is the normalization of a pinned key (written by hand: 007, an
// upper-case UUID) and of the values of the column it names.
func pinNorm(c category) norm {
	switch c {
	case catInt, catNum:
		return normNumber
	case catInterval:
		return normInterval
	case catUUID:
		return normUUID
	case catChar:
		return trimSpaces
	case catCI:
		return bytes.ToLower
	case catTimestamptz:
		return normTimestamptz
	}
	return nil
}

// keyNorm is the normalization of a root key column for the sample: only
// what the session prints differently (a timestamptz in the TimeZone of
// pg_dump's session or of the live source's), so that a dump taken under
// another PGTZ, and the live source, sample the same rows.
func keyNorm(c category) norm {
	if c == catTimestamptz {
		return normTimestamptz
	}
	return nil
}

// normTimestamptz writes an ISO timestamptz ("2024-01-01 09:44:31.93+09",
// as DateStyle ISO prints it in any time zone) in UTC. Anything else
// (infinity, BC, years past 9999) is kept as is.
func normTimestamptz(b []byte) []byte {
	s := string(b)
	i := strings.LastIndexAny(s, "+-")
	if i < len("2006-01-02 15:04:05") {
		return b
	}
	local, err := time.Parse("2006-01-02 15:04:05.999999999", s[:i])
	if err != nil {
		return b
	}
	var h, m, sec int
	parts := strings.Split(s[i+1:], ":")
	for k, p := range parts {
		if k > 2 || len(p) != 2 || !allDigits(p) {
			return b
		}
		v := int(p[0]-'0')*10 + int(p[1]-'0')
		switch k {
		case 0:
			h = v
		case 1:
			m = v
		case 2:
			sec = v
		}
	}
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if s[i] == '+' {
		off = -off
	}
	return []byte(local.Add(off).Format("2006-01-02 15:04:05.999999Z"))
}

func trimSpaces(b []byte) []byte { return bytes.TrimRight(b, " ") }

// normNumber writes a decimal number in its shortest plain form: no sign
// for zero, no leading zeros, no trailing fractional zeros, no exponent
// (1e+20, 1.50, -0, 0042, +7 → 100000000000000000000, 1.5, 0, 42, 7).
// Anything else (NaN, Infinity, text that is no number) is kept as is.
func normNumber(b []byte) []byte {
	if canonicalInt(b) {
		return b
	}
	s := strings.TrimSpace(string(b))
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		var e big.Int
		if _, ok := e.SetString(s[i+1:], 10); !ok || !e.IsInt64() || e.Int64() > 1000 || e.Int64() < -1000 {
			return b
		}
		exp = int(e.Int64())
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return b
	}
	// The value is 0.digits × 10^point once the zeros are gone.
	all := intPart + frac
	point := len(intPart) + exp
	digits := strings.TrimLeft(all, "0")
	point -= len(all) - len(digits)
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return []byte("0")
	}
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	switch {
	case point <= 0:
		out.WriteString("0.")
		out.WriteString(strings.Repeat("0", -point))
		out.WriteString(digits)
	case point >= len(digits):
		out.WriteString(digits)
		out.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		out.WriteString(digits[:point])
		out.WriteByte('.')
		out.WriteString(digits[point:])
	}
	return []byte(out.String())
}

// canonicalInt reports whether b is an integer as PostgreSQL prints one.
func canonicalInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
		if len(b) == 1 && b[0] == '0' {
			return false
		}
	}
	if len(b) == 0 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normUUID writes a UUID as 32 lower-case hex digits, whatever its
// spelling ({…}, upper case, hyphens anywhere).
func normUUID(b []byte) []byte {
	out := make([]byte, 0, 32)
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			out = append(out, c)
		case c >= 'A' && c <= 'F':
			out = append(out, c+'a'-'A')
		case c == '-' || c == '{' || c == '}':
		default:
			return b
		}
	}
	if len(out) != 32 {
		return b
	}
	return out
}

// normInterval writes an interval in PostgreSQL's postgres style (as
// pg_dump and the live source print it: "1 year 2 mons -3 days
// 04:05:06.5") as the microseconds it compares by: a month is 30 days, a
// day 24 hours. Any other spelling is kept as is.
func normInterval(b []byte) []byte {
	f := strings.Fields(string(b))
	total := new(big.Int)
	unit := map[string]int64{"year": 12 * 30 * 86400e6, "years": 12 * 30 * 86400e6, "mon": 30 * 86400e6, "mons": 30 * 86400e6, "day": 86400e6, "days": 86400e6}
	for i := 0; i < len(f); i++ {
		if i+1 < len(f) {
			if u, ok := unit[f[i+1]]; ok {
				var n big.Int
				if _, ok := n.SetString(f[i], 10); !ok {
					return b
				}
				total.Add(total, n.Mul(&n, big.NewInt(u)))
				i++
				continue
			}
		}
		us, ok := clockMicros(f[i])
		if !ok {
			return b
		}
		total.Add(total, us)
	}
	if len(f) == 0 {
		return b
	}
	return []byte("@" + total.String())
}

// clockMicros reads [-]H:MM:SS[.ffffff] as microseconds.
func clockMicros(s string) (*big.Int, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, false
	}
	sec, frac, _ := strings.Cut(parts[2], ".")
	if len(frac) > 6 || !allDigits(frac) {
		return nil, false
	}
	frac += strings.Repeat("0", 6-len(frac))
	var h, m, sc, us big.Int
	if _, ok := h.SetString(parts[0], 10); !ok || !allDigits(parts[0]) {
		return nil, false
	}
	if _, ok := m.SetString(parts[1], 10); !ok || !allDigits(parts[1]) {
		return nil, false
	}
	if _, ok := sc.SetString(sec, 10); !ok || !allDigits(sec) {
		return nil, false
	}
	us.SetString(frac, 10)
	t := new(big.Int).Mul(&h, big.NewInt(3600e6))
	t.Add(t, m.Mul(&m, big.NewInt(60e6)))
	t.Add(t, sc.Mul(&sc, big.NewInt(1e6)))
	t.Add(t, &us)
	if neg {
		t.Neg(t)
	}
	return t, true
}
