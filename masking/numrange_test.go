package masking

import (
	"math"
	"math/big"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// rangeString shows a range as an interval: [0, 9), (-inf, 5].
func rangeString(r *Range) string {
	s := "(-inf"
	if r.Lo != nil {
		s = map[bool]string{false: "[", true: "("}[r.LoOpen] + r.Lo.RatString()
	}
	if r.Hi == nil {
		return s + ", inf)"
	}
	return s + ", " + r.Hi.RatString() + map[bool]string{false: "]", true: ")"}[r.HiOpen]
}

// The tighter of two bounds on one side wins; at the same value an open
// bound is the tighter.
func TestRangeAddBound(t *testing.T) {
	for _, tc := range []struct {
		bounds []schema.Bound
		want   string
	}{
		{[]schema.Bound{{Op: ">=", Value: "0"}, {Op: ">", Value: "0"}}, "(0, inf)"},
		{[]schema.Bound{{Op: ">", Value: "0"}, {Op: ">=", Value: "0"}}, "(0, inf)"},
		{[]schema.Bound{{Op: ">=", Value: "5"}, {Op: ">=", Value: "3"}}, "[5, inf)"},
		{[]schema.Bound{{Op: ">=", Value: "3"}, {Op: ">", Value: "5"}}, "(5, inf)"},
		{[]schema.Bound{{Op: "<=", Value: "9"}, {Op: "<", Value: "9"}}, "(-inf, 9)"},
		{[]schema.Bound{{Op: "<", Value: "9"}, {Op: "<=", Value: "9"}}, "(-inf, 9)"},
		{[]schema.Bound{{Op: "<=", Value: "9"}, {Op: "<=", Value: "12"}}, "(-inf, 9]"},
		{[]schema.Bound{{Op: "<=", Value: "12"}, {Op: "<", Value: "9.5"}}, "(-inf, 19/2)"},
		{[]schema.Bound{{Op: ">", Value: "-1"}, {Op: "<=", Value: "1e2"}}, "(-1, 100]"},
	} {
		r := &Range{}
		for _, b := range tc.bounds {
			if !r.addBound(b) {
				t.Fatalf("%v: %v refused", tc.bounds, b)
			}
		}
		if got := rangeString(r); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.bounds, got, tc.want)
		}
	}
	for _, b := range []schema.Bound{{Op: "=", Value: "1"}, {Op: "<>", Value: "1"}, {Op: ">", Value: "x"}} {
		if (&Range{}).addBound(b) {
			t.Errorf("%v accepted", b)
		}
	}
}

func TestRangeContains(t *testing.T) {
	r := &Range{Lo: rat("0"), LoOpen: true, Hi: rat("10")}
	for v, want := range map[string]bool{
		"-1": false, "0": false, "0.001": true, "10": true, "10.0001": false, "1e1": true,
		"NaN": true, "Infinity": true, "-Infinity": true, "-inf": true, "abc": true,
	} {
		if got := r.containsText([]byte(v)); got != want {
			t.Errorf("%s in %s: got %v", v, rangeString(r), got)
		}
	}
	r = &Range{Lo: rat("-5"), Hi: rat("5"), HiOpen: true}
	for v, want := range map[string]bool{"-5": true, "-5.1": false, "5": false, "4.99": true} {
		if got := r.containsText([]byte(v)); got != want {
			t.Errorf("%s in %s: got %v", v, rangeString(r), got)
		}
	}
}

// clampDecimal moves a value to the nearest allowed multiple of 10^-scale:
// open bounds exclude their own value, negative scales round to tens,
// hundreds, and a range with no such multiple gives nil.
func TestRangeClampDecimal(t *testing.T) {
	for _, tc := range []struct {
		r       *Range
		scale   int
		x, want string
	}{
		{&Range{Lo: rat("0.5"), Hi: rat("10"), HiOpen: true}, 0, "-3", "1"},
		{&Range{Lo: rat("0.5"), Hi: rat("10"), HiOpen: true}, 0, "20", "9"},
		{&Range{Lo: rat("0.5"), Hi: rat("10"), HiOpen: true}, 0, "5", "5"},
		{&Range{Lo: rat("0"), LoOpen: true, Hi: rat("1")}, 1, "0", "1/10"},
		{&Range{Lo: rat("0"), LoOpen: true, Hi: rat("1")}, 1, "3", "1"},
		{&Range{Lo: rat("150"), Hi: rat("1000")}, -2, "0", "200"},
		{&Range{Lo: rat("150"), Hi: rat("1000"), HiOpen: true}, -2, "5000", "900"},
		{&Range{Lo: rat("-5.5"), Hi: rat("-1.5")}, 0, "0", "-2"},
		{&Range{Lo: rat("-5.5"), Hi: rat("-1.5")}, 0, "-10", "-5"},
		{&Range{Lo: rat("-3"), LoOpen: true, Hi: rat("3"), HiOpen: true}, 0, "-7", "-2"},
		{&Range{Lo: rat("-3"), LoOpen: true, Hi: rat("3"), HiOpen: true}, 0, "7", "2"},
		{&Range{Lo: rat("-3"), Hi: rat("3")}, 0, "7", "3"},
		{&Range{Hi: rat("-0.5")}, 0, "0", "-1"},
		{&Range{Lo: rat("1.5"), Hi: rat("2.5")}, 0, "0", "2"},
		{&Range{Lo: rat("1.5"), Hi: rat("2.5")}, 0, "2", "2"},
		{&Range{Lo: rat("0"), LoOpen: true, Hi: rat("1"), HiOpen: true}, 0, "0", "nil"},
		{&Range{Lo: rat("0.01"), Hi: rat("0.09")}, 1, "0", "nil"},
	} {
		got := "nil"
		if y := tc.r.clampDecimal(rat(tc.x), tc.scale); y != nil {
			got = y.RatString()
		}
		if got != tc.want {
			t.Errorf("%s in %s, scale %d: got %s, want %s", tc.x, rangeString(tc.r), tc.scale, got, tc.want)
		}
	}
}

// clampFloat works in the column's precision: the nearest float4 or
// float8 inside the range, stepping past an open bound or a bound the
// type cannot hold exactly.
func TestRangeClampFloat(t *testing.T) {
	f32 := func(f float32) float64 { return float64(f) }
	for _, tc := range []struct {
		r       *Range
		bits    int
		x, want float64
	}{
		{&Range{Lo: rat("0"), LoOpen: true}, 64, -1, math.SmallestNonzeroFloat64},
		{&Range{Lo: rat("0"), LoOpen: true}, 32, -1, f32(math.SmallestNonzeroFloat32)},
		{&Range{Hi: rat("1"), HiOpen: true}, 64, 2, math.Nextafter(1, 0)},
		{&Range{Hi: rat("1"), HiOpen: true}, 32, 2, f32(math.Nextafter32(1, 0))},
		{&Range{Lo: rat("0.1")}, 32, 0, f32(0.1)},                      // float32(0.1) > 0.1
		{&Range{Hi: rat("0.1")}, 32, 1, f32(math.Nextafter32(0.1, 0))}, // float32(0.1) > 0.1
		{&Range{Lo: rat("0.1")}, 64, 0, 0.1},
		{&Range{Lo: rat("-2"), Hi: rat("2")}, 64, 1.5, 1.5},
		{&Range{Lo: rat("-2"), Hi: rat("2")}, 64, -7, -2},
		{&Range{Lo: rat("-2"), Hi: rat("2")}, 32, 7, 2},
	} {
		if got := tc.r.clampFloat(tc.x, tc.bits); got != tc.want {
			t.Errorf("%v in %s, float%d: got %v, want %v", tc.x, rangeString(tc.r), tc.bits, got, tc.want)
		}
	}
}
