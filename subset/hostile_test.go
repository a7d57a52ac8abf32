package subset

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

var users = schema.QName{Schema: "public", Name: "users"}

// TestPercentOutOfRange: NaN compared false with both bounds and kept
// every row.
func TestPercentOutOfRange(t *testing.T) {
	src, inv := open(t, shopScript(10))
	for _, p := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, -1, 100.5} {
		_, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: p}, secret)
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("percent %v: %v", p, err)
		}
	}
}
