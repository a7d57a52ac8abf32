package masking

import "testing"

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
