package masking

import (
	"errors"

	"github.com/understudy-db/understudy/internal/ascii"
)

// iban masks an IBAN into a valid IBAN of the same country and length: the
// country code stays, the BBAN goes through the keyed shape bijection
// (digits stay digits, letters stay letters, spaces of the print format
// stay put) and the two check digits are recomputed (ISO 13616, mod 97).
// The print and electronic forms of one IBAN mask to the two forms of one
// IBAN. It is a bijection without fixed points (DerangeShape), so unique
// IBANs stay unique and none maps to itself. National check digits inside some BBANs
// (Belgium, France, Spain, ...) are not recomputed.
type iban struct{ key *Key }

func (iban) Bijective() {}

// ibanRegistry lists each country code with its IBAN length: the SWIFT IBAN
// registry (2024) and Iran.
const ibanRegistry = "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24DE22DJ27DK18DO28" +
	"EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27GT28HN28HR21HU28IE22IL23IQ23IR26IS26IT27" +
	"JO30KW30KZ20LB28LC32LI21LT20LU20LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18NO15OM23" +
	"PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28TL23TN24TR26UA29" +
	"VA22VG24XK20YE30"

// ibanLengths is ibanRegistry indexed by the two letters (A=0), 0 where
// a country has no IBAN.
var ibanLengths = func() (t [26 * 26]uint8) {
	for i := 0; i < len(ibanRegistry); i += 4 {
		r := ibanRegistry[i : i+4]
		t[int(r[0]-'A')*26+int(r[1]-'A')] = (r[2]-'0')*10 + r[3] - '0'
	}
	return t
}()

var (
	errIBANSyntax  = errors.New("value is not an IBAN (two letters, two check digits, then letters and digits)")
	errIBANCountry = errors.New("value is not an IBAN: its country code has no IBAN format")
	errIBANLength  = errors.New("value is not an IBAN: its length is not the one of its country")
)

func (m iban) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	if err := checkIBAN(value); err != nil {
		return dst, err
	}
	start := len(dst)
	dst = m.key.DerangeShape(dst, value, 4)
	out := dst[start:]
	// Check digits: the BBAN, then the country code and "00", as a number
	// with letters worth 10..35, must leave 1 mod 97.
	r := 0
	for _, c := range out[4:] {
		r = mod97Add(r, c)
	}
	r = mod97Add(mod97Add(r, out[0]), out[1])
	check := 98 - r*100%97
	out[2], out[3] = '0'+byte(check/10), '0'+byte(check%10)
	return dst, nil
}

// mod97Add appends character c to the number whose remainder is r; spaces
// add nothing.
func mod97Add(r int, c byte) int {
	switch rad, base := charClass(c); rad {
	case 10:
		return (r*10 + int(c-base)) % 97
	case 26:
		return (r*100 + 10 + int(c-base)) % 97
	}
	return r
}

// checkIBAN accepts the electronic and the print format (groups separated
// by spaces) in either case, without checking the check digits: a
// mistyped IBAN still masks to a valid one.
func checkIBAN(v []byte) error {
	if len(v) < 5 {
		return errIBANSyntax
	}
	cr0, cb0 := charClass(v[0])
	cr1, cb1 := charClass(v[1])
	if cr0 != 26 || cr1 != 26 || !ascii.IsDigit(v[2]) || !ascii.IsDigit(v[3]) {
		return errIBANSyntax
	}
	n := 4
	for i, c := range v[4:] {
		if r, _ := charClass(c); r != 0 {
			n++
		} else if c != ' ' || i == len(v)-5 {
			return errIBANSyntax
		}
	}
	want := ibanLengths[int(v[0]-cb0)*26+int(v[1]-cb1)]
	if want == 0 {
		return errIBANCountry
	}
	if n != int(want) {
		return errIBANLength
	}
	return nil
}

func init() {
	register(&Def{
		Name:    "iban",
		Doc:     "a valid IBAN of the same country and length (BBAN permuted, check digits recomputed)",
		Accepts: acceptText,
		New:     func(cfg *Config) (Masker, error) { return iban{key: cfg.Key}, nil },
	})
}
