package masking

import (
	"regexp"
	"strconv"
	"testing"
)

func init() {
	values := []string{"221B Baker Street", "1600 Pennsylvania Ave NW", "Flat 3, 12 Rue de Rivoli", "x"}
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "street_address"}, col: col(CatText, "text"), values: values},
		conformanceCase{spec: Spec{Name: "street_address"}, col: col(CatText, "varchar", 8), values: values},
	)
}

func TestFakeStreetAddressLooksRealAndVaries(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "street_address"}, c, testOptions("s"))
	shape := regexp.MustCompile(`^[1-9][0-9]* [A-Za-z][A-Za-z .'-]+$`)
	distinct := map[string]bool{}
	for i := range 200 {
		out, _ := maskString(t, m, c, "value "+strconv.Itoa(i))
		if !shape.MatchString(out) {
			t.Fatalf("street_address gave %q", out)
		}
		distinct[out] = true
	}
	if len(distinct) < 50 {
		t.Errorf("only %d distinct values in 200", len(distinct))
	}
}
