package shopgen

// ibanFormat describes a country's BBAN: an optional four-letter bank code
// followed by a number of digits.
type ibanFormat struct {
	country string
	banks   []string
	digits  int
}

var (
	ibanGB = ibanFormat{"GB", []string{"NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"}, 14}
	ibanDE = ibanFormat{"DE", nil, 18}
	ibanFR = ibanFormat{"FR", nil, 23}
	ibanNL = ibanFormat{"NL", []string{"ABNA", "RABO", "INGB", "TRIO", "SNSB", "KNAB"}, 10}
	ibanES = ibanFormat{"ES", nil, 20}
	ibanIE = ibanFormat{"IE", []string{"AIBK", "BOFI", "IPBS"}, 14}
)

// appendIBAN writes a valid IBAN (ISO 13616 mod-97 check digits) in the
// electronic form, without spaces.
func appendIBAN(dst []byte, r *rng, f ibanFormat) []byte {
	start := len(dst)
	dst = append(dst, f.country...)
	dst = append(dst, '0', '0')
	if f.banks != nil {
		dst = append(dst, f.banks[r.intn(len(f.banks))]...)
	}
	dst = appendDigits(dst, r, f.digits)
	iban := dst[start:]
	// The check is computed over BBAN + country + "00", letters as 10..35.
	rem := 0
	add := func(c byte) {
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	for _, c := range iban[4:] {
		add(c)
	}
	for _, c := range iban[:4] {
		add(c)
	}
	check := 98 - rem
	iban[2] = byte('0' + check/10)
	iban[3] = byte('0' + check%10)
	return dst
}

var (
	cardBrandWeights = []int{55, 35, 10}
	cardGroups16     = []int{4, 4, 4, 4}
	cardGroups15     = []int{4, 6, 5}
)

// appendCard writes a Luhn-valid card number of a common brand, grouped
// with spaces when spaced is set (as many checkout forms store it).
func appendCard(dst []byte, r *rng, spaced bool) []byte {
	var digits [16]byte
	n, fixed := 16, 2
	switch r.pick(cardBrandWeights) {
	case 0: // Visa
		digits[0], fixed = 4, 1
	case 1: // Mastercard 51-55
		digits[0], digits[1] = 5, byte(1+r.intn(5))
	default: // American Express 34, 37
		n = 15
		digits[0], digits[1] = 3, "\x04\x07"[r.intn(2)]
	}
	for i := fixed; i < n-1; i++ {
		digits[i] = byte(r.intn(10))
	}
	// Luhn: double every second digit counting from the check digit.
	sum := 0
	for i := n - 2; i >= 0; i-- {
		d := int(digits[i])
		if (n-2-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	digits[n-1] = byte((10 - sum%10) % 10)

	groups := cardGroups16
	if n == 15 {
		groups = cardGroups15
	}
	i := 0
	for gi, size := range groups {
		if spaced && gi > 0 {
			dst = append(dst, ' ')
		}
		for range size {
			dst = append(dst, '0'+digits[i])
			i++
		}
	}
	return dst
}
