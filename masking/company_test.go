package masking

import (
	"regexp"
	"strconv"
	"testing"
)

func init() {
	values := []string{"Acme Ltd", "Initech", "Müller & Söhne GmbH", "x"}
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "company"}, col: col(CatText, "text"), values: values},
		conformanceCase{spec: Spec{Name: "company"}, col: col(CatText, "varchar", 8), values: values},
	)
}

func TestFakeCompanyLooksRealAndVaries(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "company"}, c, testOptions("s"))
	shape := regexp.MustCompile(`^[ -~]{3,}$`) // gofakeit has names like "(Leg)Cyte"
	distinct := map[string]bool{}
	for i := range 200 {
		out, _ := maskString(t, m, c, "value "+strconv.Itoa(i))
		if !shape.MatchString(out) {
			t.Fatalf("company gave %q", out)
		}
		distinct[out] = true
	}
	if len(distinct) < 50 {
		t.Errorf("only %d distinct values in 200", len(distinct))
	}
}
