package masking

import (
	"errors"
	"math"

	"github.com/understudy-db/understudy/internal/ascii"
)

// creditCard masks a card number into a Luhn-valid test number of the same
// length, with spaces and dashes where they were. The first six digits
// become a well-known test prefix of the original's network (first digit),
// so a staging payment attempt can only ever hit a gateway's test path.
// The digits between prefix and check digit are the original's account
// digits under the keyed shape bijection, offset by a keyed function of the
// original's first six digits: cards of one issuer prefix never collide,
// cards of different issuers do at random — a 16-digit number keeps 9 free
// digits (~30 bits), so among N cards of different issuers a collision is
// likely from N ≈ 45,000 (p ≈ N²/2·10⁹).
//
// In a unique column no fixed six-digit prefix can do: cards of many
// issuers outnumber the numbers left under one prefix. There the masker is
// a bijection instead: the first digit (the network) stays, every digit
// between it and the check digit goes through the keyed shape bijection,
// and the check digit is recomputed keeping the original's Luhn remainder,
// so a valid number gives a valid one and two numbers that differ only in
// an invalid check digit stay different. Test prefixes are then not kept;
// a bijection's rare fixed points are (about 10^-(n-2) per number).
type creditCard struct {
	key    *Key
	unique bool
}

// Space: a bijection in a unique column; elsewhere, 12-digit numbers of
// different issuers share 10^5 numbers under their test prefix.
func (m creditCard) Space(*Column) (float64, bool) {
	if m.unique {
		return math.Inf(1), true
	}
	return 1e5, false
}

// cardPrefixes are test prefixes by first digit: Amex 378282, Visa 424242,
// Mastercard 555555, Discover 601111 (all from gateways' published test
// numbers); other networks keep their first digit followed by zeros.
var cardPrefixes = [10]string{"000000", "100000", "200000", "378282", "424242", "555555", "601111", "700000", "800000", "900000"}

const (
	cardMinDigits = 12
	cardMaxDigits = 19
)

var errNotCard = errors.New("value is not a card number (12 to 19 digits, optionally grouped by spaces or dashes)")

func (m creditCard) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	var in, out [cardMaxDigits]byte
	n, binEnd := 0, 0
	for i, c := range value {
		switch {
		case ascii.IsDigit(c):
			if n == cardMaxDigits {
				return dst, errNotCard
			}
			in[n] = c
			n++
			if n == 6 {
				binEnd = i + 1
			}
		case c != ' ' && c != '-':
			return dst, errNotCard
		}
	}
	if n < cardMinDigits {
		return dst, errNotCard
	}
	if m.unique {
		out[0] = in[0]
		m.key.PermuteShape(out[1:1], in[1:n-1], 0)
		rem := (int(in[n-1]) - int(luhnDigit(in[:n-1])) + 10) % 10
		out[n-1] = byte('0' + (int(luhnDigit(out[:n-1])-'0')+rem)%10)
	} else {
		copy(out[:6], cardPrefixes[in[0]-'0'])
		// PermuteShape appends into out's spare capacity: the account
		// digits land in out[6:n-1].
		m.key.PermuteShape(out[6:6], in[6:n-1], 0)
		off := m.key.Sum2('b', value[:binEnd])
		for i := 6; i < n-1; i++ {
			out[i] = '0' + (out[i]-'0'+off[i]%10)%10
		}
		out[n-1] = luhnDigit(out[:n-1])
		if out == in {
			out[n-2] = '0' + (out[n-2]-'0'+1)%10
			out[n-1] = luhnDigit(out[:n-1])
		}
	}
	start := len(dst)
	dst = append(dst, value...)
	j := 0
	for i := start; i < len(dst); i++ {
		if ascii.IsDigit(dst[i]) {
			dst[i] = out[j]
			j++
		}
	}
	return dst, nil
}

// luhnDigit is the check digit that makes payload followed by it pass the
// Luhn test.
func luhnDigit(payload []byte) byte {
	return byte('0' + (10-luhnSum(payload, true)%10)%10)
}

// luhnValid checks the Luhn digit of the digits in b (other bytes ignored).
func luhnValid(b []byte) bool { return luhnSum(b, false)%10 == 0 }

// luhnSum is the Luhn sum of the digits in b, other bytes ignored: from the
// right, every other digit is doubled (starting with the last one when
// doubleLast) and the digits of the products are summed.
func luhnSum(b []byte, doubleLast bool) int {
	sum, double := 0, doubleLast
	for i := len(b) - 1; i >= 0; i-- {
		if !ascii.IsDigit(b[i]) {
			continue
		}
		d := int(b[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}

func init() {
	register(&Def{
		Name:    "credit_card",
		Doc:     "a Luhn-valid test card number of the same length and grouping",
		Accepts: acceptText,
		New:     func(cfg *Config) (Masker, error) { return creditCard{key: cfg.Key, unique: cfg.Column.Unique}, nil },
	})
}
