package masking

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var samplePhones = []string{"+44 20 7946 0018", "+1 (415) 555-2671", "020 7123 4567", "0049 30 1234567", "07911 123456", "+61 491 570 156", "(415) 867-5309", "+353 1 234 5678"}

func phoneCheckColumn() *Column {
	c := col(CatText, "varchar", 20)
	c.Checks = []Check{{Name: "phone_format", Re: regexp.MustCompile(`^\+[0-9][0-9 ]{6,14}$`)}}
	return c
}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "phone"}, col: col(CatText, "text"), values: samplePhones},
		conformanceCase{spec: Spec{Name: "phone"}, col: phoneCheckColumn(), values: []string{"+44 20 7946 0018", "+49 30 1234567", "+1 415 555 2671", "+7 495 123 45 67"}},
		conformanceCase{spec: Spec{Name: "phone", Params: map[string]any{"fictional": true}}, col: col(CatText, "text"), values: samplePhones},
		conformanceCase{spec: Spec{Name: "phone", Params: map[string]any{"fictional": true}}, col: col(CatText, "varchar", 14), values: []string{"+44 20123", "+61 298765432", "0412 345 678", "(415) 867-5309"}},
	)
}

// sameShape reports where out differs from in in anything but the values
// of its letters and digits.
func sameShape(in, out string) error {
	if len(in) != len(out) {
		return fmt.Errorf("length %d became %d", len(in), len(out))
	}
	for i := range len(in) {
		ri, _ := charClass(in[i])
		ro, _ := charClass(out[i])
		if ri != ro || ri == 0 && in[i] != out[i] || ri == 26 && (in[i] < 'a') != (out[i] < 'a') {
			return fmt.Errorf("byte %d changed class", i)
		}
	}
	return nil
}

func TestPhoneKeepsShapeAndPrefix(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "phone"}, c, testOptions("s"))
	for _, tc := range []struct{ in, keep string }{
		{"+44 20 7946 0018", "+44 "},
		{"+44(0)20 7946 0018", "+44("},
		{"+1 415-555-2671", "+1 "},
		{"+353 1 234 5678", "+353 "},
		{"+7 495 123-45-67", "+7 "},
		{"0044 20 7946 0018", "0044 "},
		{"00 33 1 23 45 67 89", "00 33 "},
		{"(020) 7123 4567", "(0"},
		{"07911 123456", "0"},
		{"(415) 867-5309", "("},
		{"tel 555 1234 ext 12", ""},
	} {
		out, _ := maskString(t, m, c, tc.in)
		if err := sameShape(tc.in, out); err != nil {
			t.Errorf("%q -> %q: %v", tc.in, out, err)
		}
		if !strings.HasPrefix(out, tc.keep) || out == tc.in {
			t.Errorf("%q -> %q: want prefix %q kept and the rest masked", tc.in, out, tc.keep)
		}
	}
}

// Numbers of one shape but different layouts (international "00",
// trunk "0", plain national) must never meet: the masker is a bijection.
func TestPhoneShapeIsBijective(t *testing.T) {
	k := testOptions("s").Secret.Key("phone")
	for _, format := range []string{"%04d", "+%05d", "%03d-%02d"} {
		seen := map[string]string{}
		for i := range 100000 {
			if format == "%04d" && i >= 10000 || format == "%03d-%02d" && i >= 1000*100 {
				break
			}
			var in string
			if format == "%03d-%02d" {
				in = fmt.Sprintf(format, i/100, i%100)
			} else {
				in = fmt.Sprintf(format, i)
			}
			l := parsePhone([]byte(in))
			out := string(maskPhoneShape(k, nil, []byte(in), l))
			if prev, dup := seen[out]; dup {
				t.Fatalf("%q and %q both gave %q", prev, in, out)
			}
			seen[out] = in
			lo := parsePhone([]byte(out))
			if lo.from != l.from || lo.intl != l.intl || lo.trunk != l.trunk || lo.code != l.code {
				t.Fatalf("%q -> %q changed its layout", in, out)
			}
		}
	}
}

func TestCallingCodes(t *testing.T) {
	for code, n := range map[string]int{"1": 1, "7": 1, "20": 2, "27": 2, "212": 3, "44": 2, "420": 3, "49": 2, "55": 2, "590": 3, "61": 2, "670": 3, "86": 2, "852": 3, "91": 2, "971": 3, "98": 2} {
		l := parsePhone([]byte("+" + code + " 1234567"))
		if l.from != 1+n || fmt.Sprint(l.code) != code {
			t.Errorf("+%s: code %d, prefix ends at %d", code, l.code, l.from)
		}
	}
}

func TestPhoneFictional(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "phone", Params: map[string]any{"fictional": true}}, c, testOptions("s"))
	for _, tc := range []struct{ in, want string }{
		{"+44 20 1234 5678", `^\+44 20 7946 0\d{3}$`},
		{"+44 7911 123456", `^\+44 7700 900\d{3}$`},
		{"0044 113 496 0123", `^0044 207 946 0\d{3}$`},
		{"020 8123 4567", `^020 7946 0\d{3}$`},
		{"020 7946 0123", `^020 7946 0\d{3}$`},
		{"07911 123456", `^07700 900\d{3}$`},
		{"+44 (0)20 1234 5678", `^\+44 20 7946 0\d{3}$`},
		{"+4420123", `^\+44 20 7946 0\d{3}$`},
		{"(415) 867-5309", `^\([2-9][0-8]\d\) 555-01\d\d$`},
		{"+1 415 867 5309", `^\+1 [2-9][0-8]\d 555 01\d\d$`},
		{"1-415-867-5309", `^1-[2-9][0-8]\d-555-01\d\d$`},
		{"+61 2 9876 5432", `^\+61 [2378] (5550|7010) \d{4}$`},
		{"(03) 9876 5432", `^\(0[2378]\) (5550|7010) \d{4}$`},
		{"0412 345 678", `^0491 57\d \d{3}$`},
		{"+61 412 345 678 ext 9", `^\+61 491 57\d \d{3}$`},
		{"+49 30 1234567", `^\+49 \d\d \d{7}$`},
	} {
		out, _ := maskString(t, m, c, tc.in)
		if !regexp.MustCompile(tc.want).MatchString(out) || out == tc.in {
			t.Errorf("%q -> %q, want %s", tc.in, out, tc.want)
		}
	}
}

func TestPhoneFictionalRanges(t *testing.T) {
	listed := map[string]bool{}
	for i := 0; i < len(auFictionalMobiles); i += 6 {
		listed["0491"+auFictionalMobiles[i:i+6]] = true
	}
	if len(listed) != 30 {
		t.Fatalf("%d ACMA mobile numbers, want 30", len(listed))
	}
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "phone", Params: map[string]any{"fictional": true}}, c, testOptions("s"))
	for i := range 2000 {
		au, _ := maskString(t, m, c, fmt.Sprintf("04%08d", i*7919))
		if !listed[au] {
			t.Fatalf("%q is not a listed fictional mobile", au)
		}
		us, _ := maskString(t, m, c, fmt.Sprintf("%d", 2000000000+i*4241))
		if us[1:3] == "11" || us[3:8] != "55501" {
			t.Fatalf("%q is not NXX-555-01XX", us)
		}
	}
}

func TestPhoneFictionalFitsAndRefusesUnique(t *testing.T) {
	c := col(CatText, "varchar", 13)
	m := mustBuild(t, &Spec{Name: "phone", Params: map[string]any{"fictional": true}}, c, testOptions("s"))
	out, _ := maskString(t, m, c, "+44 20123")
	if !regexp.MustCompile(`^\+442079460\d{3}$`).MatchString(out) {
		t.Errorf("short column: %q", out)
	}
	u := col(CatText, "text")
	u.Unique = true
	if _, err := Build(&Spec{Name: "phone", Params: map[string]any{"fictional": true}}, u, testOptions("s")); err == nil || !strings.Contains(err.Error(), "unique") {
		t.Errorf("fictional on a unique column: %v", err)
	}
	if _, err := Build(&Spec{Name: "phone"}, u, testOptions("s")); err != nil {
		t.Errorf("shape mask on a unique column: %v", err)
	}
}

func BenchmarkPhone(b *testing.B) {
	m := mustBuild(b, &Spec{Name: "phone"}, col(CatText, "text"), testOptions("s"))
	s, in := NewScratch(), []byte("+44 20 7946 0018")
	var dst []byte
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}

// A value with nothing after the kept prefix is returned as it is.
func TestPhoneBarePrefixesKept(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "phone"}, c, testOptions("s"))
	for _, in := range []string{"", "+", "+ ", "+  ", "00", "00 ", "0", "+44", "+ 44", "0044", "+1", "+420", "00 7", " - ", "()"} {
		if out, _ := maskString(t, m, c, in); out != in {
			t.Errorf("%q -> %q, want it kept", in, out)
		}
	}
}

func TestParsePhone(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want phoneLayout
	}{
		{"", phoneLayout{sig: 0, from: 0, guard: -1}},
		{"+", phoneLayout{sig: 0, from: 1, intl: true, plus: true, guard: -1}},
		{"+ ", phoneLayout{sig: 0, from: 2, intl: true, plus: true, guard: -1}},
		{"+4", phoneLayout{sig: 0, from: 2, code: 4, intl: true, plus: true, guard: -1}},
		{"+3", phoneLayout{sig: 0, from: 2, code: 3, intl: true, plus: true, guard: -1}},
		{"+99", phoneLayout{sig: 0, from: 3, code: 99, intl: true, plus: true, guard: -1}},
		{"+442079460958", phoneLayout{sig: 0, from: 3, code: 44, intl: true, plus: true, guard: -1, digitsAfter: 10}},
		{"+3521234", phoneLayout{sig: 0, from: 4, code: 352, intl: true, plus: true, guard: -1, digitsAfter: 4}},
		{"+ 44 20", phoneLayout{sig: 0, from: 4, code: 44, intl: true, plus: true, guard: -1, digitsAfter: 2}},
		{"+1 415", phoneLayout{sig: 0, from: 2, code: 1, intl: true, plus: true, guard: -1, digitsAfter: 3}},
		{"+79", phoneLayout{sig: 0, from: 2, code: 7, intl: true, plus: true, guard: -1, digitsAfter: 1}},
		{"+012", phoneLayout{sig: 0, from: 2, code: 0, intl: true, plus: true, guard: -1, digitsAfter: 2}},
		{"+x1", phoneLayout{sig: 0, from: 1, intl: true, plus: true, guard: -1, digitsAfter: 1}},
		{"00", phoneLayout{sig: 0, from: 2, intl: true, guard: -1}},
		{"0044 20", phoneLayout{sig: 0, from: 4, code: 44, intl: true, guard: -1, digitsAfter: 2}},
		{"0", phoneLayout{sig: 0, from: 1, trunk: true, guard: -1}},
		{"020 7946", phoneLayout{sig: 0, from: 1, trunk: true, guard: 1, digitsAfter: 6}},
		{"0 20", phoneLayout{sig: 0, from: 1, trunk: true, guard: -1, digitsAfter: 2}},
		{"(415) 867", phoneLayout{sig: 1, from: 1, guard: 1, digitsAfter: 6}},
		{" - 12", phoneLayout{sig: 3, from: 3, guard: 3, digitsAfter: 2}},
		{"abc1", phoneLayout{sig: 0, from: 0, guard: -1, digitsAfter: 1}},
		{"-()", phoneLayout{sig: 3, from: 3, guard: -1}},
		{"+1 415 867 5309", phoneLayout{sig: 0, from: 2, code: 1, intl: true, plus: true, guard: -1, digitsAfter: 10, nanp: [2]int{3, 7}}},
		{"1-415-867-5309", phoneLayout{sig: 0, from: 1, guard: -1, digitsAfter: 10, nanp: [2]int{2, 6}}},
		{"(415) 867-5309", phoneLayout{sig: 1, from: 1, guard: -1, digitsAfter: 10, nanp: [2]int{1, 6}}},
		{"(115) 867-5309", phoneLayout{sig: 1, from: 1, guard: 1, digitsAfter: 10}},
	} {
		if tc.want.nanp == [2]int{} {
			tc.want.nanp = [2]int{-1, -1}
		}
		if got := parsePhone([]byte(tc.in)); got != tc.want {
			t.Errorf("parsePhone(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestPhoneFictionalNeverEchoes: a fictional number whose first draw is
// itself gets the next draw.
func TestPhoneFictionalNeverEchoes(t *testing.T) {
	c := col(CatText, "text")
	spec := &Spec{Name: "phone", Params: map[string]any{"fictional": true}}
	for s := range 50 {
		opts := testOptions(fmt.Sprint("echo-", s))
		k := opts.Secret.Key(spec.Label())
		for i := range 1000 {
			in := fmt.Sprintf("020 7946 0%03d", i)
			sum := k.Sum2('f', []byte(in))
			h := binary.LittleEndian.Uint64(sum[:8])
			if h%1000 != uint64(i) {
				continue // the first draw is another number
			}
			out, _ := maskString(t, mustBuild(t, spec, c, opts), c, in)
			if want := fmt.Sprintf("020 7946 0%03d", (h+1)%1000); out != want {
				t.Errorf("%q whose first draw is itself -> %q, want the second draw %q", in, out, want)
			}
			return
		}
	}
	t.Fatal("no secret gives a number whose first draw is itself")
}

// TestPhoneFictionalFormats: a number whose digits do not fit the
// fictional one's is written in the country's format, compacted when the
// spaced form does not fit the column, and cut when neither does.
func TestPhoneFictionalFormats(t *testing.T) {
	spec := &Spec{Name: "phone", Params: map[string]any{"fictional": true}}
	for _, tc := range []struct {
		max  int32
		in   string
		want string
	}{
		{0, "+44 20123", `^\+44 20 7946 0\d{3}$`},
		{16, "+44 20123", `^\+44 20 7946 0\d{3}$`},
		{15, "+44 20123", `^\+442079460\d{3}$`},
		{13, "+44 20123", `^\+442079460\d{3}$`},
		{12, "+44 20123", `^\+442079460\d\d$`},
		{0, "0044 7911 12", `^0044 7700 900\d{3}$`},
		{0, "0791112", `^07700 900\d{3}$`},
		{0, "(415) 867-5309 x", `^[2-9][0-8]\d-555-01\d\d$`},
		{12, "(415) 867-5309 x", `^[2-9][0-8]\d-555-01\d\d$`},
		{11, "(415) 867-5309 x", `^[2-9][0-8]\d55501\d\d$`},
		{0, "1 415 867 5309 x", `^1-[2-9][0-8]\d-555-01\d\d$`},
		{14, "1 415 867 5309 x", `^1-[2-9][0-8]\d-555-01\d\d$`},
		{13, "1 415 867 5309 x", `^1[2-9][0-8]\d55501\d\d$`},
		{0, "+1 415 867 530", `^\+1 [2-9][0-8]\d 555 01\d\d$`},
		{0, "(02) 9876 5432 x", `^0[2378] (5550|7010) \d{4}$`},
		{0, "(02) 9876 543", `^020 7946 0\d{3}$`},
		{0, "+61 4123 45", `^\+61 491 57\d \d{3}$`},
	} {
		c := col(CatText, "text")
		if tc.max > 0 {
			c = col(CatText, "varchar", tc.max)
		}
		m := mustBuild(t, spec, c, testOptions("s"))
		out, err := m.Mask(NewScratch(), []byte("dst:"), []byte(tc.in))
		if err != nil || !strings.HasPrefix(string(out), "dst:") || !regexp.MustCompile(tc.want).MatchString(string(out[4:])) {
			t.Errorf("%q in %d characters -> %q, %v; want %s", tc.in, tc.max, out, err, tc.want)
		}
	}
}

// North American numbers keep valid area codes and exchanges (NXX, never
// 0XX or 1XX) under the shape mask, in every layout.
func TestPhoneNANPCodes(t *testing.T) {
	c := col(CatText, "text")
	for i := range 300 {
		m := mustBuild(t, &Spec{Name: "phone"}, c, testOptions(fmt.Sprint("nanp-", i)))
		for _, v := range []string{"+1 415 867 5309", "1-212-555-0134", "(646) 201-9999", "2125550134"} {
			out, _ := maskString(t, m, c, v)
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, out)
			nsn := digits[len(digits)-10:]
			if nsn[0] < '2' || nsn[3] < '2' || out == v || len(out) != len(v) {
				t.Fatalf("%q -> %q: not a valid North American number", v, out)
			}
		}
	}
}
