package masking

import (
	"math/rand/v2"
	"testing"

	"github.com/brianvoe/gofakeit/v7"
)

func init() {
	for _, name := range []string{"first_name", "last_name", "full_name"} {
		conformanceCases = append(conformanceCases,
			conformanceCase{spec: Spec{Name: name}, col: col(CatText, "text"), values: sampleNames},
			conformanceCase{spec: Spec{Name: name}, col: col(CatText, "varchar", 6), values: sampleNames},
		)
	}
}

func TestFakeNamesLookReal(t *testing.T) {
	m := mustBuild(t, &Spec{Name: "full_name"}, col(CatText, "text"), testOptions("s"))
	out, _ := maskString(t, m, col(CatText, "text"), "Jane Doe")
	if len(out) < 3 || out == "Jane Doe" {
		t.Fatalf("full_name gave %q", out)
	}
}

// pick draws from gofakeit's lists exactly as gofakeit's own methods do:
// the same fakes from the same seed, and the same state after.
func TestPickIsGofakeit(t *testing.T) {
	for _, c := range []struct {
		list []string
		draw func(f *gofakeit.Faker) string
	}{
		{firstNames, (*gofakeit.Faker).FirstName},
		{lastNames, (*gofakeit.Faker).LastName},
		{companies, (*gofakeit.Faker).Company},
		{cities, (*gofakeit.Faker).City},
	} {
		a := gofakeit.NewFaker(rand.NewPCG(1, 2), false)
		b := gofakeit.NewFaker(rand.NewPCG(1, 2), false)
		for i := range 2000 {
			if got, want := pick(a, c.list), c.draw(b); got != want {
				t.Fatalf("draw %d: pick gave %q, gofakeit %q", i, got, want)
			}
		}
	}
}
