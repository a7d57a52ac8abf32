package masking

import (
	"math"
	"math/big"
	"strconv"

	"github.com/understudy-db/understudy/schema"
)

// Range is what a numeric column's CHECKs (and its domains') allow: values
// between Lo and Hi, each bound inclusive unless open; a nil bound is none.
type Range struct {
	Lo, Hi         *big.Rat
	LoOpen, HiOpen bool
	// Checks names the CHECKs the bounds come from, for messages.
	Checks string
}

// addBound narrows r by one side a CHECK states.
func (r *Range) addBound(b schema.Bound) bool {
	v, ok := new(big.Rat).SetString(b.Value)
	if !ok {
		return false
	}
	switch b.Op {
	case ">=", ">":
		open := b.Op == ">"
		if r.Lo != nil {
			if c := v.Cmp(r.Lo); c < 0 || c == 0 && !open {
				return true
			}
		}
		r.Lo, r.LoOpen = v, open
	case "<=", "<":
		open := b.Op == "<"
		if r.Hi != nil {
			if c := v.Cmp(r.Hi); c > 0 || c == 0 && !open {
				return true
			}
		}
		r.Hi, r.HiOpen = v, open
	default:
		return false
	}
	return true
}

// Contains reports whether x is allowed.
func (r *Range) Contains(x *big.Rat) bool {
	if r.Lo != nil {
		if c := x.Cmp(r.Lo); c < 0 || c == 0 && r.LoOpen {
			return false
		}
	}
	if r.Hi != nil {
		if c := x.Cmp(r.Hi); c > 0 || c == 0 && r.HiOpen {
			return false
		}
	}
	return true
}

// containsText reports whether a number in PostgreSQL's text form is
// allowed; NaN, infinities and anything unparsable count as allowed, since
// the range has nothing to say about them.
func (r *Range) containsText(v []byte) bool {
	x, ok := ratOf(v)
	return !ok || r.Contains(x)
}

func ratOf(v []byte) (*big.Rat, bool) {
	switch string(v) {
	case "NaN", "Infinity", "-Infinity", "inf", "-inf", "infinity", "-infinity":
		return nil, false
	}
	x, ok := new(big.Rat).SetString(string(v))
	return x, ok
}

// clampDecimal returns the allowed multiple of 10^-scale nearest to x, or
// nil when none is.
func (r *Range) clampDecimal(x *big.Rat, scale int) *big.Rat {
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(scale, 0))), nil))
	if scale < 0 {
		unit.SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil))
	}
	lo, hi := r.gridBounds(unit)
	y := new(big.Rat).Set(x)
	if lo != nil && y.Cmp(lo) < 0 {
		y = lo
	}
	if hi != nil && y.Cmp(hi) > 0 {
		y = hi
	}
	if lo != nil && hi != nil && lo.Cmp(hi) > 0 {
		return nil
	}
	return y
}

// gridBounds are the smallest and largest allowed multiples of unit.
func (r *Range) gridBounds(unit *big.Rat) (lo, hi *big.Rat) {
	step := func(v *big.Rat, up, open bool) *big.Rat {
		q := new(big.Rat).Quo(v, unit)
		n := new(big.Int).Quo(q.Num(), q.Denom()) // truncates towards zero
		exact := q.IsInt()
		switch {
		case up && (exact && open || !exact && q.Sign() > 0):
			n.Add(n, big.NewInt(1))
		case !up && (exact && open || !exact && q.Sign() < 0):
			n.Sub(n, big.NewInt(1))
		}
		return new(big.Rat).Mul(new(big.Rat).SetInt(n), unit)
	}
	if r.Lo != nil {
		lo = step(r.Lo, true, r.LoOpen)
	}
	if r.Hi != nil {
		hi = step(r.Hi, false, r.HiOpen)
	}
	return lo, hi
}

// clampFloat returns the allowed float nearest to x (bits 32 or 64).
func (r *Range) clampFloat(x float64, bits int) float64 {
	round := func(f float64) float64 {
		if bits == 32 {
			return float64(float32(f))
		}
		return f
	}
	next := func(f, to float64) float64 {
		if bits == 32 {
			return float64(math.Nextafter32(float32(f), float32(to)))
		}
		return math.Nextafter(f, to)
	}
	if r.Lo != nil {
		lo, _ := r.Lo.Float64()
		lo = round(lo)
		for !r.Contains(ratFloat(lo)) {
			lo = next(lo, math.Inf(1))
		}
		x = math.Max(x, lo)
	}
	if r.Hi != nil {
		hi, _ := r.Hi.Float64()
		hi = round(hi)
		for !r.Contains(ratFloat(hi)) {
			hi = next(hi, math.Inf(-1))
		}
		x = math.Min(x, hi)
	}
	return x
}

func ratFloat(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// columnRange reads the bounds of a numeric column's CHECKs; unclear names
// the CHECKs that say something else about it.
func columnRange(col string, domainChecks, colChecks []*schema.Check) (r *Range, unclear []string) {
	rr := &Range{}
	any := false
	read := func(ch *schema.Check, name string) {
		if ch.Pattern != "" {
			return
		}
		bs, ok := ch.Bounds(name)
		for _, b := range bs {
			ok = ok && rr.addBound(b)
		}
		if !ok {
			unclear = append(unclear, ch.Name)
			return
		}
		if len(bs) > 0 {
			any = true
			if rr.Checks != "" {
				rr.Checks += ", "
			}
			rr.Checks += ch.Name
		}
	}
	for _, ch := range domainChecks {
		read(ch, "VALUE")
	}
	for _, ch := range colChecks {
		read(ch, col)
	}
	if any {
		r = rr
	}
	return r, unclear
}
