package masking

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// numberNoise multiplies a number by 1+u·ratio, u in [-1, 1] drawn from
// the keyed hash of the value. Integers and numerics are computed exactly on
// their decimal digits (numeric values can have thousands of digits, far
// beyond float64), then rounded half away from zero: integers to whole
// numbers clamped to the column's range, numeric(p,s) to s decimals clamped
// below 10^(p-s), unconstrained numeric to as many decimals as the input
// had. Floats are computed in floating point and stay in their type's range.
//
// A result equal to the input (small values, or u close to 0) is nudged by
// one unit in the last place, in the direction of u: integers by 1, numerics
// by 10^-scale, floats by one ulp.
//
// The result stays inside the range the column's CHECKs (and its domains')
// state: one that falls outside is drawn again with the factor mirrored
// (1-u·ratio), and one still outside is clamped to the nearest allowed
// value of the column's scale, so a masked dump always loads.
//
// Exemptions (echo): zero stays zero, since the noise is proportional to
// the value and "0" disguises nothing (a CHECK (bonus >= 0) would break
// otherwise); NaN, Infinity and -Infinity are kept, having no magnitude to
// disguise; and a value whose CHECKs allow no other value is kept.
type numberNoise struct {
	key *Key
	r   int64 // ratio in millionths
	// float columns; float32 for float4.
	float, float32 bool
	// scale is the number of decimals of numeric(p,s) (or 0 for integers);
	// inputScale says to keep the input's instead.
	scale      int
	inputScale bool
	// precision limits numeric(p,s) results to p digits; 0 means none.
	precision int
	// integer columns are clamped to [intMin, intMax].
	isInt          bool
	intMin, intMax int64
	// rng is what the column's CHECKs allow; nil when they say nothing.
	rng *Range
}

var errNotNumber = errors.New("value is not a number")

// noiseOne is the fixed-point denominator of the factor: 1+u·ratio is
// (noiseOne + U·R)/noiseOne with U in [-1e9, 1e9] and R the ratio in
// millionths, so factors fit 51 bits and digit-by-factor products 64 bits.
const (
	noiseOne    = 1_000_000_000_000_000
	noiseOneLog = 15
	noiseURange = 1_000_000_000
)

func (m numberNoise) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	key := value
	var canon [32]byte
	if m.float {
		// A float is keyed on its shortest exact text, not on the text it
		// came as: pg_dump before PostgreSQL 12 and hand-written dumps
		// write 32.3800011 for the real a live database reads as 32.38,
		// and the same value must mask alike from every end.
		if x, err := strconv.ParseFloat(string(value), m.bits()); err == nil {
			key = strconv.AppendFloat(canon[:0], x, 'g', -1, m.bits())
		}
	}
	sum := m.key.Sum(key)
	u := int64(binary.LittleEndian.Uint64(sum[:8])%(2*noiseURange+1)) - noiseURange
	up := u > 0 || u == 0 && sum[8]&1 == 0 // direction of a nudge
	if isZero(value) {
		return append(dst, value...), nil
	}
	out, err := m.noise(dst, value, u, up)
	if err != nil || m.rng == nil || m.rng.containsText(out[len(dst):]) {
		return out, err
	}
	if out, err = m.noise(dst, value, -u, !up); err != nil || m.rng.containsText(out[len(dst):]) {
		return out, err
	}
	return m.clamp(dst, value, out[len(dst):]), nil
}

func (m numberNoise) noise(dst, value []byte, u int64, up bool) ([]byte, error) {
	if m.float {
		return m.maskFloat(dst, value, u, up)
	}
	return m.maskDecimal(dst, value, u, up)
}

// isZero reports whether a number's text is a zero (0, -0.00, 0e5).
func isZero(v []byte) bool {
	digits := false
	for i, c := range v {
		switch {
		case c == '0':
			digits = true
		case c == '.' || (c == '-' || c == '+') && i == 0:
		case c == 'e' || c == 'E':
			return digits
		default:
			return false
		}
	}
	return digits
}

// clamp writes the value nearest to noised that the column's range allows
// and that differs from value, or value itself when the range allows no
// other.
func (m numberNoise) clamp(dst, value, noised []byte) []byte {
	if m.float {
		y, _ := strconv.ParseFloat(string(noised), m.bits())
		x, _ := strconv.ParseFloat(string(value), m.bits())
		y = m.rng.clampFloat(y, m.bits())
		if y == x {
			for _, up := range []bool{true, false} {
				if z := m.nextFloat(x, up); m.rng.Contains(ratFloat(z)) {
					return strconv.AppendFloat(dst, z, 'g', -1, m.bits())
				}
			}
		}
		return strconv.AppendFloat(dst, y, 'g', -1, m.bits())
	}
	b := m.scale
	if m.inputScale {
		_, _, frac, _ := parseDecimal(value)
		b = len(frac)
	}
	x, ok1 := ratOf(noised)
	orig, ok2 := ratOf(value)
	if !ok1 || !ok2 {
		return append(dst, value...)
	}
	y := m.rng.clampDecimal(x, b)
	if y == nil {
		return append(dst, value...)
	}
	if y.Cmp(orig) == 0 {
		unit := new(big.Rat).SetFrac64(1, 1)
		for range max(b, 0) {
			unit.Quo(unit, big.NewRat(10, 1))
		}
		y = nil
		for _, d := range []*big.Rat{unit, new(big.Rat).Neg(unit)} {
			if z := new(big.Rat).Add(orig, d); m.rng.Contains(z) && (!m.isInt || z.IsInt() && inInt(z, m.intMin, m.intMax)) {
				y = z
				break
			}
		}
		if y == nil {
			return append(dst, value...)
		}
	}
	return append(dst, y.FloatString(max(b, 0))...)
}

func inInt(z *big.Rat, lo, hi int64) bool {
	if lo == 0 && hi == 0 {
		return true
	}
	n := z.Num()
	return n.IsInt64() && n.Int64() >= lo && n.Int64() <= hi
}

func (m numberNoise) bits() int {
	if m.float32 {
		return 32
	}
	return 64
}

// maskDecimal applies the factor (noiseOne+u·r)/noiseOne to an integer or
// numeric; up is the direction of a nudge.
func (m numberNoise) maskDecimal(dst, value []byte, u int64, up bool) ([]byte, error) {
	switch string(value) {
	case "NaN", "Infinity", "-Infinity":
		return append(dst, value...), nil
	}
	neg, intPart, frac, ok := parseDecimal(value)
	if !ok {
		return dst, errNotNumber
	}
	b := m.scale
	if m.inputScale {
		b = len(frac)
	}
	factor := uint64(noiseOne + u*m.r)

	// Work area after dst: two leading zeros (room for carries) and the
	// exact product digits × factor, worth 10^-(len(frac)+15) each.
	start := len(dst)
	n := len(intPart) + len(frac)
	for range n + noiseOneLog + 3 {
		dst = append(dst, '0')
	}
	p := dst[start:]
	pos := len(p) - 1
	var carry uint64
	for k := n - 1; k >= 0; k-- {
		var d byte
		if k < len(intPart) {
			d = intPart[k]
		} else {
			d = frac[k-len(intPart)]
		}
		v := uint64(d-'0')*factor + carry
		p[pos] = '0' + byte(v%10)
		carry = v / 10
		pos--
	}
	for ; carry > 0; pos-- {
		p[pos] = '0' + byte(carry%10)
		carry /= 10
	}

	// Round to b decimals: drop the digits below them (or add zeros when the
	// column wants more decimals than the product has).
	drop := len(frac) + noiseOneLog - b
	for ; drop < 0; drop++ {
		dst = append(dst, '0')
	}
	p = dst[start:]
	hi := 1
	if drop < len(p) {
		hi = len(p) - drop
		if drop > 0 && p[hi] >= '5' {
			incDigits(p, 0, hi)
		}
	}
	lo := trimZeros(p, 0, hi)

	// Clamp to the column.
	if m.precision > 0 && hi-lo > m.precision {
		lo = hi - m.precision
		for i := lo; i < hi; i++ {
			p[i] = '9'
		}
	}
	var limBuf [20]byte
	var lim []byte
	if m.isInt {
		lim = strconv.AppendUint(limBuf[:0], intLimit(neg, m.intMin, m.intMax), 10)
		if cmpDigits(p[lo:hi], lim) > 0 {
			lo = hi - len(lim)
			copy(p[lo:], lim)
		}
	}
	if lo == hi {
		neg = false
	}

	out := len(dst)
	dst = appendDecimal(dst, neg, p[lo:hi], b)
	if sameDecimal(dst[out:], value) {
		// One unit in the last place, towards u; away from a limit it
		// would cross, which an equal value can only sit at when growing.
		grow := lo == hi || neg != up
		if grow && m.atLimit(p[lo:hi], lim) {
			grow = false
		}
		switch {
		case lo == hi:
			lo--
			p[lo] = '1'
			neg = !up
		case grow:
			lo = incDigits(p, lo, hi)
		default:
			decDigits(p, hi)
			lo = trimZeros(p, lo, hi)
			if lo == hi {
				neg = false
			}
		}
		dst = appendDecimal(dst[:out], neg, p[lo:hi], b)
	}
	n = copy(dst[start:], dst[out:])
	return dst[:start+n], nil
}

// atLimit reports whether magnitude q cannot grow by one unit.
func (m numberNoise) atLimit(q, lim []byte) bool {
	if m.isInt {
		return cmpDigits(q, lim) >= 0
	}
	return m.precision > 0 && len(q) == m.precision && bytes.Count(q, []byte{'9'}) == len(q)
}

// intLimit is the largest magnitude an integer of this sign may have.
func intLimit(neg bool, lo, hi int64) uint64 {
	if lo == 0 && hi == 0 {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if neg {
		return uint64(-(lo + 1)) + 1
	}
	return uint64(hi)
}

func (m numberNoise) maskFloat(dst, value []byte, u int64, up bool) ([]byte, error) {
	bits := m.bits()
	x, err := strconv.ParseFloat(string(value), bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return dst, errNotNumber
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(dst, value...), nil
	}
	// The conversion rounds the factor on its own, so no platform fuses it
	// with the product: results are the same on every machine.
	f := float64(1 + float64(u*m.r)/noiseOne)
	y := x * f
	limit := math.MaxFloat64
	if m.float32 {
		y = float64(float32(y))
		limit = math.MaxFloat32
	}
	y = math.Max(-limit, math.Min(limit, y))
	if y == x {
		y = m.nextFloat(x, up)
		if math.IsInf(y, 0) {
			y = m.nextFloat(x, !up)
		}
	}
	return strconv.AppendFloat(dst, y, 'g', -1, bits), nil
}

func (m numberNoise) nextFloat(x float64, up bool) float64 {
	to := math.Inf(-1)
	if up {
		to = math.Inf(1)
	}
	if m.float32 {
		return float64(math.Nextafter32(float32(x), float32(to)))
	}
	return math.Nextafter(x, to)
}

// parseDecimal splits PostgreSQL's text form of an integer or numeric:
// an optional sign, digits, and optional decimals.
func parseDecimal(b []byte) (neg bool, intPart, frac []byte, ok bool) {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intPart = b[:i]
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		frac = b[i+1 : j]
		i = j
	}
	return neg, intPart, frac, i == len(b) && len(intPart)+len(frac) > 0
}

// sameDecimal reports whether two decimal texts denote the same number.
func sameDecimal(a, b []byte) bool {
	na, ia, fa, oka := parseDecimal(a)
	nb, ib, fb, okb := parseDecimal(b)
	if !oka || !okb {
		return false
	}
	ia, ib = bytes.TrimLeft(ia, "0"), bytes.TrimLeft(ib, "0")
	fa, fb = bytes.TrimRight(fa, "0"), bytes.TrimRight(fb, "0")
	if len(ia)+len(fa) == 0 && len(ib)+len(fb) == 0 {
		return true // 0 and -0.00 alike
	}
	return na == nb && bytes.Equal(ia, ib) && bytes.Equal(fa, fb)
}

// appendDecimal writes ±q·10^-b, q being digits without leading zeros
// (empty for 0), with exactly max(b, 0) decimals.
func appendDecimal(dst []byte, neg bool, q []byte, b int) []byte {
	if neg && len(q) > 0 {
		dst = append(dst, '-')
	}
	if b <= 0 {
		if len(q) == 0 {
			return append(dst, '0')
		}
		dst = append(dst, q...)
		for range -b {
			dst = append(dst, '0')
		}
		return dst
	}
	if len(q) <= b {
		dst = append(dst, '0', '.')
		for range b - len(q) {
			dst = append(dst, '0')
		}
		return append(dst, q...)
	}
	dst = append(dst, q[:len(q)-b]...)
	dst = append(dst, '.')
	return append(dst, q[len(q)-b:]...)
}

// incDigits adds one to the decimal digits p[lo:hi] and returns the new
// start: a carry out of the top digit takes p[lo-1].
func incDigits(p []byte, lo, hi int) int {
	i := hi - 1
	for i >= lo && p[i] == '9' {
		p[i] = '0'
		i--
	}
	if i >= lo {
		p[i]++
		return lo
	}
	p[lo-1] = '1'
	return lo - 1
}

// decDigits subtracts one from the non-zero decimal digits ending at hi.
func decDigits(p []byte, hi int) {
	i := hi - 1
	for p[i] == '0' {
		p[i] = '9'
		i--
	}
	p[i]--
}

func trimZeros(p []byte, lo, hi int) int {
	for lo < hi && p[lo] == '0' {
		lo++
	}
	return lo
}

// cmpDigits compares two digit strings without leading zeros by value.
func cmpDigits(a, b []byte) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return bytes.Compare(a, b)
}

func init() {
	register(&Def{
		Name:   "number_noise",
		Doc:    "multiplies numbers by a keyed factor within ±ratio, keeping the column's range and scale",
		Params: []Param{{Name: "ratio", Kind: ParamFloat, Doc: "largest relative change, e.g. 0.1 for ±10% (default 0.1, at most 1)"}},
		Accepts: func(c *Column) (bool, string) {
			if c.Base.Name == "money" {
				return false, "money's text form depends on lc_monetary; use const or keep"
			}
			if c.Category.Numeric() {
				return true, ""
			}
			return false, "it changes integers, numerics and floating-point numbers"
		},
		New: func(cfg *Config) (Masker, error) {
			ratio := cfg.Float("ratio", 0.1)
			if !(ratio >= 0.000001 && ratio <= 1) {
				return nil, fmt.Errorf("ratio must be between 0.000001 and 1")
			}
			c := cfg.Column
			m := numberNoise{key: cfg.Key, r: int64(math.Round(ratio * 1e6)), rng: cfg.Column.Range}
			switch c.Category {
			case CatFloat:
				m.float, m.float32 = true, c.Base.Name == "float4"
			case CatInt:
				m.isInt, m.intMin, m.intMax = true, c.IntMin, c.IntMax
			case CatNumeric:
				m.precision, m.scale, m.inputScale = c.Precision, c.Scale, c.Precision == 0
			}
			return m, nil
		},
	})
}
