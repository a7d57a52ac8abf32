package masking

import (
	"math/big"
	"strings"
	"testing"
)

var sampleIBANs = []string{"GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NO9386011117947", "BE68539007547034", "MT84MALT011000012345MTLCAST001S"}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "iban"}, col: col(CatText, "text"), values: sampleIBANs},
		conformanceCase{spec: Spec{Name: "iban"}, col: col(CatText, "varchar", 34), values: sampleIBANs[1:]},
	)
}

// ibanValid checks an IBAN the way banks do, independently of mod97Add.
func ibanValid(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	var digits strings.Builder
	for _, c := range s[4:] + s[:4] {
		if c >= 'A' && c <= 'Z' {
			digits.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		} else {
			digits.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	return new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func TestIBANValidSameCountryAndShape(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "iban"}, c, testOptions("s"))
	for _, in := range append(sampleIBANs, "gb82 west 1234 5698 7654 32", "GB00WEST12345698765432") {
		if in != "GB00WEST12345698765432" && !ibanValid(in) {
			t.Fatalf("sample %q is not valid", in)
		}
		out, _ := maskString(t, m, c, in)
		if !ibanValid(out) || out[:2] != in[:2] || out == in {
			t.Errorf("%q -> %q: not a valid IBAN of the same country", in, out)
		}
		if err := sameShape(in[4:], out[4:]); err != nil {
			t.Errorf("%q -> %q: BBAN %v", in, out, err)
		}
	}
	print, _ := maskString(t, m, c, "GB82 WEST 1234 5698 7654 32")
	electronic, _ := maskString(t, m, c, "GB82WEST12345698765432")
	if strings.ReplaceAll(print, " ", "") != electronic {
		t.Errorf("print and electronic forms differ: %q, %q", print, electronic)
	}
}

func TestIBANIsBijective(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "iban"}, c, testOptions("s"))
	seen := map[string]bool{}
	for i := range sampleSize(20000) {
		in := []byte("NO9386011117947")
		for j, k := 14, i; j >= 10; j, k = j-1, k/10 {
			in[j] = byte('0' + k%10)
		}
		out, _ := maskString(t, m, c, string(in))
		if seen[out] {
			t.Fatalf("collision at %q", in)
		}
		seen[out] = true
	}
}

func TestIBANRejectsOtherValues(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "iban"}, c, testOptions("s"))
	for in, want := range map[string]string{
		"ZZ82WEST12345698765432":   "country",
		"GB82WEST1234569876543":    "length",
		"GB82 WEST 1234 5698 7654": "length",
		"GB8":                      "not an IBAN",
		"GB82":                     "not an IBAN",
		"NO93":                     "not an IBAN",
		"GB82W":                    "length",
		"NO938":                    "length",
		"1234567890":               "not an IBAN",
		"GB82-WEST-1234":           "not an IBAN",
		"GB82WEST12345698765432 ":  "not an IBAN",
	} {
		_, _, err := apply(m, c, NewScratch(), in)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), in) || strings.Contains(err.Error(), "WEST") {
			t.Errorf("%q: error %v, want one about %q that does not quote the value", in, err, want)
		}
	}
}
