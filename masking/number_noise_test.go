package masking

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "number_noise"}, col: col(CatInt, "int4"), values: []string{"42", "1000", "-7", "2147483647", "-2147483648", "0", "1"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.5}}, col: col(CatInt, "int2"), values: []string{"32767", "-32768", "100", "12345"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: col(CatInt, "int8"), values: []string{"9223372036854775807", "-9223372036854775808", "123456789012", "-987654321"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: col(CatNumeric, "numeric", 10, 2), values: []string{"12.50", "99999999.99", "-0.01", "0.00", "1234.56"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise", Params: map[string]any{"ratio": int64(1)}}, col: col(CatNumeric, "numeric", 5, -2), values: []string{"12300", "9999900", "-100", "0"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: col(CatNumeric, "numeric"), values: []string{"3.14159265358979323846264338327950288", "123456789012345678901234567890", "0.001", "5", "-18.000"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: col(CatFloat, "float8"), values: []string{"1.5", "-2.25e-05", "1e+300", "0", "3.141592653589793", "1.7976931348623157e+308"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.01}}, col: col(CatFloat, "float4"), values: []string{"1.5", "3.4028235e+38", "0", "-0.1"}, exempt: []string{"zero"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: &Column{Table: "public.t", Name: "ns", Category: CatInt, IntMin: -1 << 31, IntMax: 1<<31 - 1, Array: true}, values: []string{"{1,20,NULL,300}", "{}"}, exempt: []string{"echo", "secret"}},
		conformanceCase{spec: Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.5}}, col: checkedColumn(CatNumeric, "numeric", "c BETWEEN 6.50 AND 200.00", 6, 2), values: []string{"6.50", "200.00", "100.00", "7.25"}},
		conformanceCase{spec: Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.5}}, col: checkedColumn(CatInt, "int4", "((c > 0) AND (c < 1000))"), values: []string{"1", "999", "500", "250"}},
		conformanceCase{spec: Spec{Name: "number_noise"}, col: checkedColumn(CatFloat, "float8", "(c >= (0)::double precision)"), values: []string{"0", "1e-300", "2.5"}, exempt: []string{"zero"}},
	)
}

// noiseReference computes what maskDecimal promises with math/big: the
// exact product, rounded half away from zero to b decimals, clamped, and
// nudged by one unit towards up when it equals x.
func noiseReference(x string, u, r int64, b int, maxAbs *big.Rat, up bool) string {
	v, _ := new(big.Rat).SetString(x)
	f := new(big.Rat).SetFrac(big.NewInt(noiseOne+u*r), big.NewInt(noiseOne))
	y := new(big.Rat).Mul(v, f)
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(b)), nil))
	y, _ = new(big.Rat).SetString(y.FloatString(b))
	if maxAbs != nil && new(big.Rat).Abs(y).Cmp(maxAbs) > 0 {
		y = new(big.Rat).Set(maxAbs)
		if v.Sign() < 0 {
			y.Neg(y)
		}
	}
	if y.Cmp(v) == 0 {
		step := new(big.Rat).Set(unit)
		if !up {
			step.Neg(step)
		}
		if n := new(big.Rat).Add(y, step); maxAbs == nil || new(big.Rat).Abs(n).Cmp(maxAbs) <= 0 {
			y = n
		} else {
			y.Sub(y, step)
		}
	}
	s := y.FloatString(b)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

func randomDecimal(rng *rand.Rand, intDigits, fracDigits int) string {
	var b strings.Builder
	if rng.IntN(3) == 0 {
		b.WriteByte('-')
	}
	n := rng.IntN(intDigits + 1)
	if n == 0 {
		b.WriteByte('0')
	}
	for i := range n {
		d := byte('0' + rng.IntN(10))
		if i == 0 && d == '0' {
			d = '1'
		}
		b.WriteByte(d)
	}
	if fracDigits > 0 {
		b.WriteByte('.')
		for range fracDigits {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
	}
	return b.String()
}

func TestNumberNoiseMatchesExactArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	us := []int64{-noiseURange, noiseURange, 0, 1, -1, 500_000_000}
	for i := range 20000 {
		u := us[i%len(us)]
		if i >= len(us)*10 {
			u = rng.Int64N(2*noiseURange+1) - noiseURange
		}
		up := rng.IntN(2) == 0
		ratio := []int64{100_000, 1, 1_000_000, 333_333}[i%4]
		var (
			m     numberNoise
			x     string
			b     int
			limit *big.Rat
		)
		switch i % 3 {
		case 0: // unconstrained numeric, up to 60 digits
			frac := rng.IntN(20)
			x, b = randomDecimal(rng, 40, frac), frac
			m = numberNoise{r: ratio, inputScale: true}
		case 1: // numeric(8,3)
			x, b = randomDecimal(rng, 5, 3), 3
			m = numberNoise{r: ratio, precision: 8, scale: 3}
			limit, _ = new(big.Rat).SetString("99999.999")
		case 2: // int2
			x = strconv.Itoa(rng.IntN(1<<16) - 1<<15)
			m = numberNoise{r: ratio, isInt: true, intMin: -1 << 15, intMax: 1<<15 - 1}
			limit = big.NewRat(1<<15-1, 1)
			if strings.HasPrefix(x, "-") {
				limit = big.NewRat(1<<15, 1)
			}
		}
		got, err := m.maskDecimal(nil, []byte(x), u, up)
		if err != nil {
			t.Fatal(err)
		}
		want := noiseReference(x, u, ratio, b, limit, up)
		if string(got) != want {
			t.Fatalf("%s with u=%d r=%d up=%v: got %s, want %s", x, u, ratio, up, got, want)
		}
	}
}

// A float is masked by its value, however the dump spells it: pg_dump
// before PostgreSQL 12 wrote 32.3800011 for the real 32.38.
func TestNumberNoiseFloatSpellings(t *testing.T) {
	for _, c := range []struct {
		col      *Column
		spelling []string
	}{
		{col(CatFloat, "float4"), []string{"32.38", "32.3800011", "3.238e+01", "32.380001068115234"}},
		{col(CatFloat, "float8"), []string{"0.1", "0.10000000000000001", "1e-01", "0.1000000000000000055511151231257827"}},
	} {
		m := mustBuild(t, &Spec{Name: "number_noise"}, c.col, testOptions("s"))
		want, _ := maskString(t, m, c.col, c.spelling[0])
		for _, v := range c.spelling[1:] {
			if got, _ := maskString(t, m, c.col, v); got != want {
				t.Errorf("%s %s masks to %s, %s to %s", c.col.Type, v, got, c.spelling[0], want)
			}
		}
	}
}

func TestNumberNoiseStaysWithinRatio(t *testing.T) {
	c := col(CatInt, "int8")
	m := mustBuild(t, &Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.2}}, c, testOptions("s"))
	var up, down int
	for x := int64(1000); x < 21000; x += 7 {
		out, _ := maskString(t, m, c, strconv.FormatInt(x, 10))
		y, err := strconv.ParseInt(out, 10, 64)
		if err != nil || y == x || math.Abs(float64(y-x)/float64(x)) > 0.2+1e-3 {
			t.Fatalf("%d -> %s", x, out)
		}
		if y > x {
			up++
		} else {
			down++
		}
	}
	if up < 1000 || down < 1000 {
		t.Errorf("noise is lopsided: %d up, %d down", up, down)
	}
}

func TestNumberNoiseKeepsScaleAndDigits(t *testing.T) {
	opts := testOptions("s")
	// Unconstrained numeric keeps the input's decimals, at any size.
	c := col(CatNumeric, "numeric")
	m := mustBuild(t, &Spec{Name: "number_noise"}, c, opts)
	big := "123456789012345678901234567890123456789.123456789"
	out, _ := maskString(t, m, c, big)
	if dot := strings.IndexByte(out, '.'); dot < 0 || len(out)-dot-1 != 9 {
		t.Errorf("%s -> %s: decimals changed", big, out)
	}
	if strings.HasSuffix(strings.TrimRight(out, "0"), "000000") {
		t.Errorf("%s -> %s: digits lost to floating point", big, out)
	}
	for _, v := range []string{"0.001", "7", "-0.5"} {
		out, _ := maskString(t, m, c, v)
		if strings.Count(out, ".") != strings.Count(v, ".") || len(out)-strings.IndexByte(out, '.') != len(v)-strings.IndexByte(v, '.') {
			t.Errorf("%s -> %s: decimals changed", v, out)
		}
	}
	// numeric(p,s) always writes s decimals.
	c = col(CatNumeric, "numeric", 6, 2)
	m = mustBuild(t, &Spec{Name: "number_noise"}, c, opts)
	for _, v := range []string{"0.00", "1.50", "9999.99", "-9999.99"} {
		out, _ := maskString(t, m, c, v)
		if !strings.Contains(out, ".") || len(out)-strings.IndexByte(out, '.') != 3 {
			t.Errorf("%s -> %s", v, out)
		}
		if err := fits(c, out); err != nil {
			t.Errorf("%s -> %s: %v", v, out, err)
		}
	}
}

func TestNumberNoiseClampsAndNudges(t *testing.T) {
	cases := []struct {
		m     numberNoise
		in    string
		u     int64
		up    bool
		want  string
		about string
	}{
		{numberNoise{r: 100_000, isInt: true, intMin: -1 << 15, intMax: 1<<15 - 1}, "32767", noiseURange, true, "32766", "clamped to the maximum, then moved off the input"},
		{numberNoise{r: 100_000, isInt: true, intMin: -1 << 15, intMax: 1<<15 - 1}, "-32768", noiseURange, false, "-32767", "clamped to the minimum"},
		{numberNoise{r: 100_000, isInt: true, intMin: -1 << 15, intMax: 1<<15 - 1}, "30000", noiseURange, true, "32767", "clamped"},
		{numberNoise{r: 100_000, precision: 4, scale: 2}, "99.99", noiseURange, true, "99.98", "numeric(4,2) stays below 100"},
		{numberNoise{r: 100_000, isInt: true}, "0", 123, true, "1", "zero moves up"},
		{numberNoise{r: 100_000, isInt: true}, "0", -123, false, "-1", "zero moves down"},
		{numberNoise{r: 100_000, precision: 10, scale: 2}, "0.00", 5, true, "0.01", "zero moves one unit of the scale"},
		{numberNoise{r: 100_000, inputScale: true}, "1", 10, true, "2", "a factor too small to show nudges"},
		{numberNoise{r: 100_000, inputScale: true}, "-1", 10, true, "0", "nudged towards u, through zero"},
		{numberNoise{r: 1_000_000, inputScale: true}, "-5.5", -noiseURange, false, "0.0", "ratio 1 can reach zero"},
		{numberNoise{r: 100_000, inputScale: true}, "NaN", 10, true, "NaN", "NaN is kept"},
		{numberNoise{r: 100_000, inputScale: true}, "-Infinity", 10, true, "-Infinity", "infinity is kept"},
		{numberNoise{r: 100_000, precision: 3, scale: -2}, "1200", noiseURange, true, "1300", "negative scale rounds to hundreds"},
	}
	for _, c := range cases {
		got, err := c.m.maskDecimal(nil, []byte(c.in), c.u, c.up)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %s -> %s (%v), want %s", c.about, c.in, got, err, c.want)
		}
	}
}

func TestNumberNoiseFloats(t *testing.T) {
	m8 := numberNoise{r: 100_000, float: true}
	m4 := numberNoise{r: 100_000, float: true, float32: true}
	cases := []struct {
		m    numberNoise
		in   string
		u    int64
		up   bool
		want string
	}{
		{m8, "0", 7, true, "5e-324"},
		{m8, "-0", 7, false, "-5e-324"},
		{m4, "0", 7, true, "1e-45"},
		{m8, "2", 0, false, "1.9999999999999998"},
		{m8, "1.7976931348623157e+308", noiseURange, true, "1.7976931348623155e+308"},
		{m4, "3.4028235e+38", noiseURange, true, "3.4028233e+38"},
		{m8, "NaN", 7, true, "NaN"},
		{m8, "Infinity", 7, true, "Infinity"},
		{m4, "-Infinity", 7, true, "-Infinity"},
		{m8, "100", noiseURange / 2, true, "105"},
	}
	for _, c := range cases {
		got, err := c.m.maskFloat(nil, []byte(c.in), c.u, c.up)
		if err != nil || string(got) != c.want {
			t.Errorf("%s (u=%d) -> %s (%v), want %s", c.in, c.u, got, err, c.want)
		}
	}
}

func TestNumberNoiseErrors(t *testing.T) {
	opts := testOptions("s")
	c := col(CatNumeric, "numeric")
	m := mustBuild(t, &Spec{Name: "number_noise"}, c, opts)
	for _, v := range []string{"", "-", ".", "12a", "1e5", "1.2.3", "secret 42", "+-1", "١٢"} {
		_, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(v), false)
		if err == nil {
			t.Errorf("%q was accepted", v)
		} else if v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("error quotes the value: %v", err)
		}
	}
	f := col(CatFloat, "float8")
	if _, _, err := Wrap(mustBuild(t, &Spec{Name: "number_noise"}, f, opts), f).Apply(NewScratch(), nil, []byte("pi"), false); err == nil {
		t.Error("float accepted pi")
	}
	for _, ratio := range []any{0.0, -0.1, 1.5, 1e-9} {
		if _, err := Build(&Spec{Name: "number_noise", Params: map[string]any{"ratio": ratio}}, c, opts); err == nil {
			t.Errorf("ratio %v accepted", ratio)
		}
	}
	money := col(CatNumeric, "money")
	if _, err := Build(&Spec{Name: "number_noise"}, money, opts); err == nil || !strings.Contains(err.Error(), "lc_monetary") {
		t.Errorf("money: %v", err)
	}
	if _, err := Build(&Spec{Name: "number_noise"}, col(CatText, "text"), opts); err == nil {
		t.Error("text accepted")
	}
}

func TestNumberNoiseAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := NewScratch()
	for _, c := range []struct {
		col *Column
		v   string
	}{{col(CatInt, "int8"), "123456789"}, {col(CatNumeric, "numeric", 12, 2), "1234.56"}, {col(CatNumeric, "numeric"), "98765432109876543210.0123456789"}} {
		m := mustBuild(t, &Spec{Name: "number_noise"}, c.col, testOptions("s"))
		dst, v := make([]byte, 0, 256), []byte(c.v)
		if n := testing.AllocsPerRun(100, func() { m.Mask(s, dst[:0], v) }); n > 0 {
			t.Errorf("%s: %v allocations per value", c.col.TypeName(), n)
		}
	}
}

func BenchmarkNumberNoise(b *testing.B) {
	c := col(CatNumeric, "numeric", 12, 2)
	m := mustBuild(b, &Spec{Name: "number_noise"}, c, testOptions("s"))
	s, in := NewScratch(), []byte("123456.78")
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}

func TestIntLimit(t *testing.T) {
	for _, tc := range []struct {
		neg    bool
		lo, hi int64
		want   uint64
	}{
		{false, -5, 7, 7},
		{true, -5, 7, 5},
		{false, -1 << 15, 1<<15 - 1, 1<<15 - 1},
		{true, -1 << 15, 1<<15 - 1, 1 << 15},
		{false, 0, 0, 1<<63 - 1},
		{true, 0, 0, 1 << 63},
		{true, -1 << 63, 1<<63 - 1, 1 << 63},
		{false, 0, 10, 10},
		{true, 0, 10, 0},
		{false, -10, 0, 0},
	} {
		if got := intLimit(tc.neg, tc.lo, tc.hi); got != tc.want {
			t.Errorf("intLimit(%v, %d, %d) = %d, want %d", tc.neg, tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestNumberNoiseWideScales: a numeric whose scale reaches or passes the
// product's 15 extra decimals, and clamping at a precision that uses them
// all.
func TestNumberNoiseWideScales(t *testing.T) {
	for _, tc := range []struct {
		p, s int
		in   string
	}{
		{30, 15, "7"},
		{40, 20, "1"},
		{40, 20, "-3.5"},
		{16, 15, "70"},
		{16, 15, "-70"},
		{17, 16, "9.5"},
	} {
		c := col(CatNumeric, "numeric", int32(tc.p), int32(tc.s))
		m := mustBuild(t, &Spec{Name: "number_noise"}, c, testOptions("s"))
		k := testOptions("s").Secret.Key("number_noise")
		sum := k.Sum([]byte(tc.in))
		u := int64(binary.LittleEndian.Uint64(sum[:8])%(2*noiseURange+1)) - noiseURange
		up := u > 0 || u == 0 && sum[8]&1 == 0
		limit := new(big.Rat).SetFrac(new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(tc.p)), nil), big.NewInt(1)),
			new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(tc.s)), nil))
		want := noiseReference(tc.in, u, 100_000, tc.s, limit, up)
		got, _ := maskString(t, m, c, tc.in)
		if got != want {
			t.Errorf("numeric(%d,%d) %s: %s, want %s", tc.p, tc.s, tc.in, got, want)
		}
	}
}

// TestNumberNoiseNudgeCarries: a nudge that carries out of the top digit
// grows the number by a digit, and one that borrows shrinks it.
func TestNumberNoiseNudgeCarries(t *testing.T) {
	intCol := numberNoise{r: 1, isInt: true, intMin: -1 << 31, intMax: 1<<31 - 1}
	num2 := numberNoise{r: 1, scale: 2}
	for _, tc := range []struct {
		m    numberNoise
		in   string
		up   bool
		want string
	}{
		{intCol, "9", true, "10"},
		{intCol, "99", true, "100"},
		{intCol, "-99", false, "-100"},
		{intCol, "100", false, "99"},
		{intCol, "-100", true, "-99"},
		{intCol, "1", false, "0"},
		{intCol, "0", true, "1"},
		{intCol, "0", false, "-1"},
		{num2, "9.99", true, "10.00"},
		{num2, "-9.99", false, "-10.00"},
		{num2, "10.00", false, "9.99"},
		{num2, "0.01", false, "0.00"},
		{num2, "0.00", false, "-0.01"},
	} {
		got, err := tc.m.maskDecimal([]byte("dst:"), []byte(tc.in), 0, tc.up)
		if err != nil || string(got) != "dst:"+tc.want {
			t.Errorf("%s nudged up=%v: %q, %v; want %s", tc.in, tc.up, got, err, tc.want)
		}
	}
}

// checkedColumn is a numeric column under one CHECK expression on c.
func checkedColumn(cat Category, typ, expr string, mods ...int32) *Column {
	c := col(cat, typ, mods...)
	c.Range, _ = columnRange("c", nil, []*schema.Check{{Name: "c_check", Expr: expr}})
	return c
}

// rangedColumn is a numeric column of type typ under the CHECK expression
// expr (on column c).
func rangedColumn(t testing.TB, cat Category, typ, expr string, mods ...int32) *Column {
	t.Helper()
	c := col(cat, typ, mods...)
	var unclear []string
	c.Range, unclear = columnRange("c", nil, []*schema.Check{{Name: "c_check", Expr: expr}})
	if c.Range == nil || len(unclear) > 0 {
		t.Fatalf("%s: no range (unclear %v)", expr, unclear)
	}
	return c
}

// Under many secrets, number_noise keeps every value of a CHECKed column
// inside the range, zero stays zero, and boundary values move inward.
func TestNumberNoiseKeepsCheckRange(t *testing.T) {
	cases := []struct {
		c      *Column
		values []string
	}{
		{rangedColumn(t, CatNumeric, "numeric", "c BETWEEN 6.50 AND 200.00", 6, 2), []string{"6.50", "6.51", "200.00", "199.99", "100.00"}},
		{rangedColumn(t, CatNumeric, "numeric", "(c >= (0)::numeric)", 10, 2), []string{"0.00", "0.01", "0.10", "1.00", "12.34"}},
		{rangedColumn(t, CatNumeric, "numeric", "((c > (0)::numeric) AND (c < (1)::numeric))"), []string{"0.5", "0.99", "0.001", "0.999999"}},
		{rangedColumn(t, CatInt, "int4", "((c > 0) AND (c <= 10))"), []string{"1", "2", "10", "9", "5"}},
		{rangedColumn(t, CatFloat, "float8", "((c >= (0)::double precision) AND (c < (1)::double precision))"), []string{"0", "0.5", "0.9999999", "1e-300"}},
		{rangedColumn(t, CatFloat, "float4", "(c > '-1.5'::real)"), []string{"-1.4999", "-1", "3.5"}},
	}
	for ci, cs := range cases {
		if cs.values == nil {
			continue
		}
		for i := range 50 {
			m := mustBuild(t, &Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.5}}, cs.c, testOptions(fmt.Sprint("secret-", i)))
			for _, v := range cs.values {
				out, _ := maskString(t, m, cs.c, v)
				if err := fits(cs.c, out); err != nil {
					t.Fatalf("case %d: %q became %q: %v", ci, v, out, err)
				}
				if out == v && !isZero([]byte(v)) {
					t.Fatalf("case %d: %q echoed", ci, v)
				}
			}
		}
	}
}

// A range that allows only the input keeps it (the documented exemption).
func TestNumberNoiseSingleValueRange(t *testing.T) {
	c := rangedColumn(t, CatInt, "int4", "((c >= 7) AND (c <= 7))")
	m := mustBuild(t, &Spec{Name: "number_noise"}, c, testOptions("s"))
	if out, _ := maskString(t, m, c, "7"); out != "7" {
		t.Fatalf("got %q", out)
	}
}

// A table CHECK over several columns binds each of them: its comparisons of
// one column with constants are kept (pg_dump writes CHECK (a > 0 AND
// b > 0) once, at table level), and what relates two columns is reported
// unclear on both instead of being ignored.
func TestNumberNoiseMultiColumnCheck(t *testing.T) {
	b := schema.NewBuilder()
	if err := b.Add(`CREATE TABLE public.m (a integer, b numeric(6,2), lo integer, hi integer,
		CONSTRAINT m_check CHECK (((a > 0) AND (b > (0)::numeric))), CONSTRAINT m_order CHECK ((lo <= hi)), CONSTRAINT m_any CHECK (((a IS NOT NULL) OR (lo IS NOT NULL))));`); err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog()
	tb := cat.Table(schema.QName{Schema: "public", Name: "m"})
	for _, cs := range []struct{ col, v string }{{"a", "1"}, {"b", "0.01"}} {
		c := NewColumn(cat, tb, tb.Column(cs.col))
		if c.Range == nil || len(c.Unclear) > 0 {
			t.Fatalf("%s: range %v, unclear %v", cs.col, c.Range, c.Unclear)
		}
		for i := range 50 {
			m := mustBuild(t, &Spec{Name: "number_noise", Params: map[string]any{"ratio": 0.9}}, c, testOptions(fmt.Sprint("secret-", i)))
			if out, _ := maskString(t, m, c, cs.v); !c.Range.containsText([]byte(out)) {
				t.Fatalf("%s: %s became %s, outside %s", cs.col, cs.v, out, c.Range.Checks)
			}
		}
	}
	for _, name := range []string{"lo", "hi"} {
		if c := NewColumn(cat, tb, tb.Column(name)); !slices.Equal(c.Unclear, []string{"m_order"}) {
			t.Errorf("%s: unclear %v, want [m_order]", name, c.Unclear)
		}
	}
}

func TestNumberNoiseRatioBounds(t *testing.T) {
	c := col(CatInt, "int4")
	for ratio, ok := range map[float64]bool{0.000001: true, 0.0000009: false, 1: true, 1.000001: false, 0: false, -0.5: false} {
		_, err := Build(&Spec{Name: "number_noise", Params: map[string]any{"ratio": ratio}}, c, testOptions("s"))
		if (err == nil) != ok {
			t.Errorf("ratio %v: %v", ratio, err)
		}
	}
}

// Noise that leaves a tight range both ways is clamped to another allowed
// value, never the original.
func TestNumberNoiseClampsIntoTightRange(t *testing.T) {
	c := checkedColumn(CatNumeric, "numeric", "c BETWEEN 1.00 AND 1.02", 5, 2)
	for i := range 20 {
		m := mustBuild(t, &Spec{Name: "number_noise", Params: map[string]any{"ratio": 1.0}}, c, testOptions(fmt.Sprint("secret-", i)))
		if out, _ := maskString(t, m, c, "1.01"); out == "1.01" || !c.Range.containsText([]byte(out)) {
			t.Fatalf("secret %d: 1.01 became %s", i, out)
		}
	}
}
