package schema

import (
	"fmt"
	"testing"
)

func TestCheckBounds(t *testing.T) {
	cases := []struct{ expr, col, want string }{
		{"((price >= 6.50) AND (price <= 200.00))", "price", "[{>= 6.50} {<= 200.00}]"},
		{"(price >= (0)::numeric)", "price", "[{>= 0}]"},
		{"price BETWEEN 6.50 AND 200.00", "price", "[{>= 6.50} {<= 200.00}]"},
		{"((VALUE > '-5'::integer) AND (100 > VALUE))", "VALUE", "[{> -5} {< 100}]"},
		{"((x IS NOT NULL) AND (x < (- 3.5)))", "x", "[{< -3.5}]"},
		{"(x <> 0)", "x", "unclear"},
		{"((x % 5) = 0)", "x", "unclear"},
		{"((x > 0) OR (x < -10))", "x", "unclear"},
		{"(y > 0)", "x", "[]"},
		// A table CHECK over several columns: each reads its own side.
		{"((a > 0) AND (b >= (0)::numeric))", "a", "[{> 0}]"},
		{"((a > 0) AND (b >= (0)::numeric))", "b", "[{>= 0}]"},
		{"(lo <= hi)", "lo", "unclear"},
		{"((x > 0) OR (x IS NULL))", "x", "[{> 0}]"},
		{"((x IS NULL) OR ((x >= 1) AND (x <= 9)))", "x", "[{>= 1} {<= 9}]"},
		{"((x > 0) OR (y IS NULL))", "x", "unclear"},
		{"((x > 0) OR (x IS NOT NULL))", "x", "unclear"},
		{"((x > 0) AND ((y > 0) OR (y IS NULL)) AND ((y < 5) OR (z < 5)))", "x", "[{> 0}]"},
		{"((a > 0) AND (a < b))", "a", "unclear"},
		{"((a > 0) OR (b > 0))", "b", "unclear"},
	}
	for _, c := range cases {
		bs, ok := (&Check{Expr: c.expr}).Bounds(c.col)
		got := fmt.Sprint(bs)
		if !ok {
			got = "unclear"
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.expr, got, c.want)
		}
	}
}

func TestCheckValueRefs(t *testing.T) {
	for expr, want := range map[string]string{
		"((email IS NOT NULL) OR (phone IS NOT NULL))":         "[]",
		"(num_nonnulls(a, b) = 1)":                             "[]",
		"((created_at <= updated_at) OR (updated_at IS NULL))": "[created_at updated_at]",
		"(lower(code) <> name)":                                "[code name]",
	} {
		if got := fmt.Sprint((&Check{Expr: expr}).ValueRefs()); got != want {
			t.Errorf("%s: got %s, want %s", expr, got, want)
		}
	}
}
