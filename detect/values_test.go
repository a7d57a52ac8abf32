package detect

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/understudy-db/understudy/masking"
)

// Each value test at the edges of what it accepts.
func TestValueShapes(t *testing.T) {
	for _, c := range []struct {
		is   func(string) bool
		name string
		yes  []string
		no   []string
	}{
		{isPhone, "phone",
			[]string{"+4420794", "020 7946 0958", "0207946095", "+123456789012345", "555.0124.12"},
			[]string{"123456", "1234567", "20 79", "+1234567890123456", "2024-01-02", "+44 20 7946 x958", "020 794", "(646) 555-0124"}},
		{isIBAN, "iban",
			[]string{"DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "de89370400440532013000", "NO9386011117947"},
			[]string{"DE89 3704 0044 0532 0130 01", "NO938601111794", "1E89370400440532013000", "D189370400440532013000", "DEA9370400440532013000", "DE8A370400440532013000", "DE89370400440532013000!", "GB82WEST1234569876543212345678901234"}},
		{isCard, "card",
			[]string{"4111 1111 1111 1111", "5500-0000-0000-0004", "4222222222222", "6011000000000000001"},
			[]string{"4111 1111 1111 1112", "0111 1111 1111 1111", "422222222222", "41111111111111111111", "4111x1111111111111"}},
		{isNationalID, "national id",
			[]string{"123-45-6789", "AB 12 34 56 C", "ab123456c", "12345678Z", "X1234567L", "1850578123456", "185057812345678"},
			[]string{"123-45-678", "12345678A", "QQ123456C", "3850578123456", "12345678"}},
	} {
		for _, v := range c.yes {
			if !c.is(v) {
				t.Errorf("%s: %q not accepted", c.name, v)
			}
		}
		for _, v := range c.no {
			if c.is(v) {
				t.Errorf("%s: %q accepted", c.name, v)
			}
		}
	}
}

// Birth dates are 14 to 110 years old, both ends counted.
func TestBirthDates(t *testing.T) {
	y := time.Now().Year()
	vals := []string{
		fmt.Sprintf("%d-01-01", y-14), fmt.Sprintf(" %d-12-31 ", y-110), // in
		fmt.Sprintf("%d-06-01", y-13), fmt.Sprintf("%d-06-01", y-111), "not a date", "1980-1-2", // out
	}
	if got := birthDates(vals); got != 2 {
		t.Errorf("%d birth dates, want 2", got)
	}
}

// Which kinds a column of each type can hold.
func TestFits(t *testing.T) {
	all := []Kind{Email, Phone, FirstName, Postcode, BirthDate, NationalID, IBAN, Account, Card, IP, Geo, Password, Secret, FreeText, Photo}
	for _, c := range []struct {
		cat  masking.Category
		want []Kind
	}{
		{masking.CatText, []Kind{Email, Phone, FirstName, Postcode, BirthDate, NationalID, IBAN, Account, Card, IP, Geo, Password, Secret, FreeText}},
		{masking.CatOther, all},
		{masking.CatBytea, []Kind{Password, Secret, FreeText, Photo}},
		{masking.CatInt, []Kind{Phone, Postcode, NationalID, IBAN, Account, Card, Geo}},
		{masking.CatNumeric, []Kind{Phone, Postcode, NationalID, IBAN, Account, Card, Geo}},
		{masking.CatFloat, []Kind{Geo}},
		{masking.CatDate, []Kind{BirthDate}},
		{masking.CatTimestampTZ, []Kind{BirthDate}},
		{masking.CatUUID, []Kind{Secret}},
		{masking.CatInet, []Kind{IP}},
		{masking.CatBool, nil},
	} {
		col := &masking.Column{Category: c.cat}
		for _, k := range all {
			if got, want := fits(k, col), slices.Contains(c.want, k); got != want {
				t.Errorf("%s holds %s: %v", c.cat, k, got)
			}
		}
	}
}

// A share of at least 80% of the sample is high confidence, 50% medium,
// less nothing.
func TestByValuesShare(t *testing.T) {
	text := &masking.Column{Category: masking.CatText}
	mk := func(hits, n int) []string {
		var v []string
		for i := range n {
			if i < hits {
				v = append(v, fmt.Sprintf("u%d@x.example", i))
			} else {
				v = append(v, "plain words")
			}
		}
		return v
	}
	for _, c := range []struct {
		hits, n int
		want    Confidence
	}{{8, 10, High}, {7, 10, Medium}, {5, 10, Medium}, {4, 10, None}, {10, 10, High}} {
		got := ByValues(text, mk(c.hits, c.n))
		if c.want == None && got.Kind == Email || c.want != None && (got.Kind != Email || got.Confidence != c.want) {
			t.Errorf("%d of %d: %s %v, want %v", c.hits, c.n, got.Kind, got.Confidence, c.want)
		}
	}
}

// Combine: agreement raises confidence, clear values win over a vaguer
// name, an endpoint name holds against other high-confidence values.
func TestCombine(t *testing.T) {
	f := func(k Kind, c Confidence) Finding {
		return Finding{Kind: k, Confidence: c, Reasons: []string{string(k)}}
	}
	for i, c := range []struct {
		name, values Finding
		kind         Kind
		conf         Confidence
	}{
		{f(Email, Medium), Finding{}, Email, Medium},
		{Finding{}, f(Phone, Low), Phone, Low},
		{f(Email, Medium), f(Email, Medium), Email, High},
		{f(Email, Low), f(Email, Medium), Email, Medium},
		{f(Email, Medium), f(Email, Low), Email, Medium},
		{f(FreeText, Low), f(Email, High), FreeText, High},
		{f(FreeText, Low), f(Phone, Medium), FreeText, Medium},
		{f(FullName, Medium), f(FirstName, Medium), FullName, High},
		{f(LastName, Low), f(FullName, Low), LastName, Low},
		{f(Account, Low), f(IBAN, Medium), Account, Medium},
		{f(Endpoint, Low), f(Endpoint, Low), Endpoint, Low},
		{f(Postcode, Medium), f(Phone, High), Phone, High},
		{f(Postcode, Low), f(Phone, Medium), Phone, Medium},
		{f(Postcode, Medium), f(Phone, Low), Postcode, Medium},
		{f(Postcode, High), f(Phone, High), Phone, High},
		{f(Endpoint, High), f(Email, High), Endpoint, High},
		{f(Account, Low), f(Card, Low), Account, Low},
		{f(FirstName, Low), f(Email, Low), FirstName, Low},
	} {
		got := Combine(c.name, c.values)
		if got.Kind != c.kind || got.Confidence != c.conf {
			t.Errorf("%d: %s %v + %s %v = %s %v, want %s %v", i, c.name.Kind, c.name.Confidence, c.values.Kind, c.values.Confidence, got.Kind, got.Confidence, c.kind, c.conf)
		}
		if c.name.Confidence > None && c.values.Confidence > None && len(got.Reasons) != 2 {
			t.Errorf("%d: reasons %q", i, got.Reasons)
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"recipientEmail": "recipient email",
		"last_login_ip":  "last login ip",
		"HTTPServer":     "http server",
		"IPAddress":      "ip address",
		"address1":       "address1",
		"E":              "e",
		"userID":         "user id",
		"a--b":           "a b",
	} {
		if got := fmt.Sprint(Words(in)); got != "["+want+"]" {
			t.Errorf("Words(%q) = %s, want [%s]", in, got, want)
		}
	}
}

// Contact details inside JSON and arrays are masked element by element;
// inside prose the column is free text. 30% of the sample is high
// confidence, any other share medium.
func TestByValuesInside(t *testing.T) {
	jsonCol := &masking.Column{Category: masking.CatJSON}
	arr := &masking.Column{Category: masking.CatText, Array: true}
	text := &masking.Column{Category: masking.CatText}
	for i, c := range []struct {
		col  *masking.Column
		vals []string
		kind Kind
		conf Confidence
	}{
		{jsonCol, []string{`{"e":"a@b.example"}`, `{}`, `{}`}, Email, High},
		{jsonCol, []string{`{"e":"a@b.example"}`, `{}`, `{}`, `{}`}, Email, Medium},
		{arr, []string{`{a@b.example,c@d.example}`, `{}`}, Email, High},
		{text, []string{"call +44 20 7946 0958 today", "no"}, FreeText, High},
		{jsonCol, []string{`{"p":"+44 20 7946 0958"}`, `{}`, `{}`, `{}`}, Phone, Medium},
		{jsonCol, []string{`{"p":"+44 20 7946 0958","e":"a@b.example"}`, `{"p":"020 7946 0959"}`, `{}`, `{}`}, Phone, High},
		{jsonCol, []string{`{"a":1}`}, "", None},
		{&masking.Column{Category: masking.CatDate}, []string{"1980-01-02", "1990-03-04"}, BirthDate, Medium},
		{&masking.Column{Category: masking.CatInt}, []string{"1980-01-02"}, "", None},
	} {
		got := ByValues(c.col, c.vals)
		if got.Kind != c.kind || got.Confidence != c.conf {
			t.Errorf("%d: %s %v, want %s %v", i, got.Kind, got.Confidence, c.kind, c.conf)
		}
	}
}

// TestEdges: the edges of every range and threshold the guesses use.
func TestEdges(t *testing.T) {
	for c, want := range map[Confidence]bool{None: false, Low: false, Medium: true, High: true} {
		if (Finding{Confidence: c}).Personal() != want {
			t.Errorf("%v: Personal %v", c, !want)
		}
	}
	compat := map[[2]Kind]bool{
		{FreeText, Email}: true, {FreeText, Phone}: true, {FreeText, FreeText}: true, {FreeText, Street}: false,
		{FullName, FirstName}: true, {FirstName, LastName}: true, {LastName, FullName}: true, {FullName, Email}: false,
		{Account, IBAN}: true, {Account, Card}: false, {Endpoint, Endpoint}: true, {Endpoint, Email}: false, {Email, Email}: false,
	}
	for k, want := range compat {
		if compatible(k[0], k[1]) != want {
			t.Errorf("compatible(%s, %s) = %v", k[0], k[1], !want)
		}
	}
	for s, want := range map[string]bool{
		"+1234567": true, "+123456": false, "0123456": true, "+123456789012345": true, "+1234567890123456": false,
		"12/34/567": true, "123:4567": false, "1234567": false,
	} {
		if isPhone(s) != want {
			t.Errorf("isPhone(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{
		"4222222222222": true, "422222222222": false, withLuhn("499999999999999999"): true, withLuhn("4999999999999999999"): false,
		"4999 9999 9999 9996": true, "4999-9999-9999-9996": true, "0222222222222": false, "4222/222222222": false,
	} {
		if isCard(s) != want {
			t.Errorf("isCard(%q) = %v", s, !want)
		}
	}
	// IBANs at every edge: 15 and 34 characters, country letters A and
	// Z, check digits with 0 and 9 in either place, letters A and Z in
	// the account part.
	var ibans []string
	for _, cc := range []string{"AZ", "ZA"} {
		for _, bban := range []string{"12345678901", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "Z0000000000A"} {
			ibans = append(ibans, iban(cc, bban))
		}
	}
	seen := map[byte]bool{}
	for i := 0; len(seen) < 4 && i < 100000; i++ {
		s := iban("NL", fmt.Sprintf("%011d", i))
		for _, c := range []byte{s[2], s[3]} {
			if (c == '0' || c == '9') && !seen[c] || s[2] == '9' && !seen['a'] {
				if s[2] == '9' {
					seen['a'] = true
				}
				seen[c] = true
				ibans = append(ibans, s)
			}
		}
	}
	for _, s := range ibans {
		if !isIBAN(s) {
			t.Errorf("isIBAN(%q) = false", s)
		}
	}
	if len(ibans[0]) != 15 || len(ibans[1]) != 34 {
		t.Fatalf("lengths %d %d", len(ibans[0]), len(ibans[1]))
	}
	long := iban("ZZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")
	if len(long) != 34 || !isIBAN(long) {
		t.Errorf("34 characters: %q", long)
	}
	for _, s := range []string{iban("ZZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234"), iban("ZZ", "1234567890"), "@Z" + long[2:], "[Z" + long[2:], "Z@" + long[2:], "Z[" + long[2:],
		long[:2] + "/" + long[3:], long[:2] + ":" + long[3:], long[:3] + "/" + long[4:], long[:3] + ":" + long[4:]} {
		if isIBAN(s) {
			t.Errorf("isIBAN(%q) = true", s)
		}
	}
}

// withLuhn is body and its Luhn check digit.
func withLuhn(body string) string {
	sum := 0
	for i := range body {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprintf("%s%d", body, (10-sum%10)%10)
}

// iban is cc, the check digits ISO 13616 gives, and bban.
func iban(cc, bban string) string {
	var b strings.Builder
	for _, r := range bban + cc + "00" {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&b, "%d", r-'A'+10)
		} else {
			b.WriteRune(r)
		}
	}
	n, _ := new(big.Int).SetString(b.String(), 10)
	return fmt.Sprintf("%s%02d%s", cc, 98-new(big.Int).Mod(n, big.NewInt(97)).Int64(), bban)
}

// TestByValuesWhereAndTies: the reason names where the details were
// found; an email and a phone equally often: the email.
func TestByValuesWhereAndTies(t *testing.T) {
	jsonCol := &masking.Column{Category: masking.CatJSON}
	got := ByValues(jsonCol, []string{`{"e":"a@b.example"}`, `{"p":"+44 20 7946 0958"}`, `{}`, `{}`, `{}`, `{}`, `{}`, `{}`, `{}`, `{}`})
	if got.Kind != Email || got.Confidence != Medium || !strings.Contains(got.Reason(), "inside JSON") {
		t.Errorf("%s %v %q", got.Kind, got.Confidence, got.Reason())
	}
	// 3 of 10 is 30%: high.
	got = ByValues(jsonCol, []string{`{"e":"a@b.example"}`, `{"e":"c@b.example"}`, `{"e":"d@b.example"}`, `{}`, `{}`, `{}`, `{}`, `{}`, `{}`, `{}`})
	if got.Kind != Email || got.Confidence != High {
		t.Errorf("3 of 10: %s %v", got.Kind, got.Confidence)
	}
	got = ByValues(&masking.Column{Category: masking.CatText, Array: true}, []string{`{a@b.example}`, `{}`, `{}`, `{}`})
	if !strings.Contains(got.Reason(), "inside arrays") {
		t.Errorf("%q", got.Reason())
	}
}

// TestColumnAddressTypes: an inet or cidr column is an IP address
// whatever its name says; a name saying so too adds its reason.
func TestColumnAddressTypes(t *testing.T) {
	for _, cat := range []masking.Category{masking.CatInet, masking.CatCidr} {
		c := &masking.Column{Name: "ip_address", Category: cat}
		if got := Column("users", c, nil); got.Kind != IP || got.Confidence != High || len(got.Reasons) != 2 {
			t.Errorf("%s ip_address: %s %v %q", cat, got.Kind, got.Confidence, got.Reason())
		}
		c.Name = "origin"
		if got := Column("users", c, nil); got.Kind != IP || got.Confidence != High || len(got.Reasons) != 1 {
			t.Errorf("%s origin: %s %v %q", cat, got.Kind, got.Confidence, got.Reason())
		}
	}
	if got := Column("users", &masking.Column{Name: "origin", Category: masking.CatText}, []string{"x"}); got.Kind == IP {
		t.Errorf("text origin: %s", got.Kind)
	}
}
