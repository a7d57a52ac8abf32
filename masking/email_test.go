package masking

import (
	"regexp"
	"strings"
	"testing"
)

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "email"}, col: col(CatText, "text"), values: sampleEmails},
		conformanceCase{spec: Spec{Name: "email", Params: map[string]any{"domain": "mail.test"}}, col: col(CatText, "varchar", 20), values: sampleEmails},
		conformanceCase{spec: Spec{Name: "email"}, col: &Column{Table: "t", Name: "cc", Category: CatText, Array: true}, values: []string{`{a@b.com,"c d@e.com",NULL}`, "{}"}, exempt: []string{"echo", "secret"}},
	)
}

var emailShape = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9]+)*@example\.com$`)

func TestEmailShapeAndUniqueness(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "email"}, c, testOptions("s"))
	seen := map[string]string{}
	for i := 0; i < 20000; i++ {
		in := "user" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@corp.com" + string(rune('0'+i%10)) + strings.Repeat("y", i/260)
		out, _ := maskString(t, m, c, in)
		if !emailShape.MatchString(out) {
			t.Fatalf("email %q has the wrong shape", out)
		}
		if prev, dup := seen[out]; dup && prev != in {
			t.Fatalf("collision: %q and %q both gave %q", prev, in, out)
		}
		seen[out] = in
	}
}
