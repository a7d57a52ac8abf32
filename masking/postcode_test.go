package masking

import (
	"fmt"
	"testing"
)

var samplePostcodes = []string{"SW1A 1AA", "10115", "94105-1234", "75008", "EC1V 9HX", "H3Z 2Y7", "1012 AB"}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "postcode"}, col: col(CatText, "text"), values: samplePostcodes},
		conformanceCase{spec: Spec{Name: "postcode"}, col: col(CatText, "varchar", 10), values: samplePostcodes},
	)
}

func TestPostcodeKeepsShape(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "postcode"}, c, testOptions("s"))
	for _, in := range append(samplePostcodes, "sw1a 1aa", "00501") {
		out, _ := maskString(t, m, c, in)
		if err := sameShape(in, out); err != nil || out == in {
			t.Errorf("%q -> %q: %v", in, out, err)
		}
	}
}

func TestPostcodeIsBijective(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "postcode"}, c, testOptions("s"))
	if _, ok := m.(Bijective); !ok {
		t.Fatal("postcode does not declare itself bijective")
	}
	seen := map[string]string{}
	for i := range sampleSize(100000) {
		in := fmt.Sprintf("%05d", i)
		out, _ := maskString(t, m, c, in)
		if prev, dup := seen[out]; dup {
			t.Fatalf("%q and %q both gave %q", prev, in, out)
		}
		seen[out] = in
	}
}

// DerangeShape is a permutation of each shape's strings with no fixed
// point, on the tiniest domains too.
func TestDerangeShapeTinyDomains(t *testing.T) {
	for _, secret := range []string{"a", "b", "c", "d"} {
		k := NewSecret([]byte(secret)).Key("derange")
		for _, shape := range []string{"7", "L", "7L", "a-1", "99", "ZZ"} {
			var all []string
			var walk func(prefix string, i int)
			walk = func(prefix string, i int) {
				if i == len(shape) {
					all = append(all, prefix)
					return
				}
				r, base := charClass(shape[i])
				if r == 0 {
					walk(prefix+shape[i:i+1], i+1)
					return
				}
				for d := byte(0); d < r; d++ {
					walk(prefix+string(rune(base+d)), i+1)
				}
			}
			walk("", 0)
			seen := map[string]bool{}
			for _, v := range all {
				out := string(k.DerangeShape(nil, []byte(v), 0))
				if out == v {
					t.Fatalf("%s: %q maps to itself", secret, v)
				}
				if seen[out] {
					t.Fatalf("%s: %q: two inputs give %q", secret, v, out)
				}
				seen[out] = true
			}
		}
	}
}
