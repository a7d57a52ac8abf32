package masking

import (
	"regexp"
	"strconv"
	"testing"
)

var sampleUsernames = []string{"alice", "bob_smith", "Zoë.K", "x", "jean-pierre1987", "admin"}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "username"}, col: col(CatText, "text"), values: sampleUsernames},
		conformanceCase{spec: Spec{Name: "username"}, col: col(CatText, "varchar", 10), values: sampleUsernames},
		conformanceCase{spec: Spec{Name: "username"}, col: col(CatText, "varchar", 7), values: sampleUsernames},
		conformanceCase{spec: Spec{Name: "username"}, col: col(CatText, "varchar", 30), values: sampleUsernames},
	)
}

var usernameShape = regexp.MustCompile(`^([a-z0-9]+[._])?[a-z2-7]{6}$`)

func TestUsernameShapeFitAndUniqueness(t *testing.T) {
	for _, max := range []int32{0, 7, 8, 12} {
		c := col(CatText, "text")
		if max > 0 {
			c = col(CatText, "varchar", max)
		}
		m := mustBuild(t, &Spec{Name: "username"}, c, testOptions("s"))
		seen := map[string]string{}
		slugs := 0
		n := sampleSize(5000)
		for i := range n {
			in := "user" + strconv.Itoa(i)
			out, _ := maskString(t, m, c, in)
			if !usernameShape.MatchString(out) || max > 0 && len(out) > int(max) {
				t.Fatalf("varchar(%d): %q", max, out)
			}
			if prev, dup := seen[out]; dup {
				t.Fatalf("%q and %q both gave %q", prev, in, out)
			}
			seen[out] = in
			if len(out) > usernameTagLen+1 {
				slugs++
			}
		}
		if max != 7 && slugs < n*49/50 {
			t.Errorf("varchar(%d): only %d of %d handles have a name part", max, slugs, n)
		}
	}
	if _, err := Build(&Spec{Name: "username"}, col(CatText, "varchar", 7), testOptions("s")); err != nil {
		t.Errorf("varchar(7): %v", err)
	}
	if _, err := Build(&Spec{Name: "username"}, col(CatText, "varchar", 6), testOptions("s")); err == nil || err.Error() != "character varying(6) is too short for usernames (needs 7 characters)" {
		t.Errorf("varchar(6): %v", err)
	}
}
