package detect

import (
	"fmt"
	"math/big"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/understudy-db/understudy/masking"
)

var (
	emailRe     = regexp.MustCompile(`^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
	emailInText = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	phoneRe     = regexp.MustCompile(`^\+?[0-9][0-9 ().\-/]{5,22}[0-9]$`)
	phoneInText = regexp.MustCompile(`(\+[0-9]{1,3}[ .\-]?)?\(?[0-9]{2,4}\)?[ .\-][0-9]{3,4}[ .\-]?[0-9]{3,4}`)
	ssnRe       = regexp.MustCompile(`^[0-9]{3}-[0-9]{2}-[0-9]{4}$`)
	ninoRe      = regexp.MustCompile(`^[A-CEGHJ-PR-TW-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]$`)
	dniRe       = regexp.MustCompile(`^[0-9XYZ][0-9]{7}-?[A-Z]$`)
	inseeRe     = regexp.MustCompile(`^[12][0-9]{12}([0-9]{2})?$`)
	dateRe      = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)
)

// shape is one kind of value the sampler recognises.
type shape struct {
	kind Kind
	what string
	is   func(string) bool
}

var shapes = []shape{
	{Email, "email addresses", func(s string) bool { return emailRe.MatchString(s) }},
	{IBAN, "IBANs (valid mod-97 checksum)", isIBAN},
	{Card, "card numbers (valid Luhn checksum)", isCard},
	{NationalID, "national ID numbers (SSN, NINO, DNI or INSEE shape)", isNationalID},
	{IP, "IP addresses", func(s string) bool { return net.ParseIP(s) != nil }},
	{Phone, "phone numbers", isPhone},
}

// ByValues looks at the sampled non-NULL values of a column in their text
// form (arrays and JSON included, as COPY writes them). vals may be empty.
func ByValues(c *masking.Column, vals []string) Finding {
	n := len(vals)
	if n == 0 {
		return Finding{}
	}
	share := func(k int) Confidence {
		switch f := float64(k) / float64(n); {
		case f >= 0.8:
			return High
		case f >= 0.5:
			return Medium
		}
		return None
	}
	if c.Category == masking.CatText && !c.Array {
		for _, sh := range shapes {
			k := 0
			for _, v := range vals {
				if sh.is(strings.TrimSpace(v)) {
					k++
				}
			}
			if conf := share(k); conf > None {
				return Finding{Kind: sh.kind, Confidence: conf, Reasons: []string{fmt.Sprintf("%d of %d sampled values are %s", k, n, sh.what)}}
			}
		}
	}
	if c.Category == masking.CatDate || c.Category == masking.CatText && !c.Array {
		if k := birthDates(vals); share(k) > None {
			return Finding{Kind: BirthDate, Confidence: Medium, Reasons: []string{fmt.Sprintf("%d of %d sampled values are dates 14 to 110 years ago, as birth dates are", k, n)}}
		}
	}
	// Free text, arrays and JSON: contact details inside.
	if c.Category == masking.CatText || c.Category == masking.CatJSON {
		emails, phones := 0, 0
		for _, v := range vals {
			if emailInText.MatchString(v) {
				emails++
			}
			if phoneInText.MatchString(v) {
				phones++
			}
		}
		where := "free text"
		switch {
		case c.Category == masking.CatJSON:
			where = "JSON"
		case c.Array:
			where = "arrays"
		}
		conf := func(k int) Confidence {
			switch f := float64(k) / float64(n); {
			case f >= 0.3:
				return High
			case k > 0:
				return Medium
			}
			return None
		}
		// Prose holding contact details is free text to scrub; an array or
		// a document holding them is masked element by element.
		kind := func(k Kind) Kind {
			if c.Category == masking.CatText && !c.Array {
				return FreeText
			}
			return k
		}
		switch {
		case emails > 0 && conf(emails) >= conf(phones):
			return Finding{Kind: kind(Email), Confidence: conf(emails), Reasons: []string{fmt.Sprintf("%d of %d sampled values hold email addresses inside %s", emails, n, where)}}
		case phones > 0:
			return Finding{Kind: kind(Phone), Confidence: conf(phones), Reasons: []string{fmt.Sprintf("%d of %d sampled values hold phone numbers inside %s", phones, n, where)}}
		}
	}
	return Finding{}
}

// Column combines what a column's name, type and sampled values say.
func Column(table string, c *masking.Column, vals []string) Finding {
	name := ByName(table, c.Name)
	if !fits(name.Kind, c) {
		name = Finding{}
	}
	if c.Category == masking.CatInet || c.Category == masking.CatCidr {
		typ := Finding{Kind: IP, Confidence: High, Reasons: []string{"the column's type is " + c.Category.String()}}
		if name.Kind == IP {
			return Combine(name, typ)
		}
		return typ
	}
	return Combine(name, ByValues(c, vals))
}

// fits reports whether a column of c's type can hold data of kind k:
// email_opt_in is a boolean, not an address.
func fits(k Kind, c *masking.Column) bool {
	switch c.Category {
	case masking.CatText, masking.CatJSON, masking.CatOther, masking.CatEnum:
		return k != Photo || c.Category == masking.CatOther
	case masking.CatBytea:
		return k == Photo || k == Password || k == Secret || k == FreeText
	case masking.CatInt, masking.CatNumeric:
		return k == Phone || k == Postcode || k == Card || k == NationalID || k == Account || k == Geo || k == IBAN
	case masking.CatFloat:
		return k == Geo
	case masking.CatDate, masking.CatTimestamp, masking.CatTimestampTZ:
		return k == BirthDate
	case masking.CatUUID:
		return k == Secret
	case masking.CatInet, masking.CatCidr:
		return k == IP
	}
	return false
}

func isPhone(s string) bool {
	if !phoneRe.MatchString(s) || dateRe.MatchString(s) {
		return false
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	// A bare run of digits is as likely a number as a phone: formatting or
	// a leading + or 0 says phone.
	formatted := strings.ContainsAny(s, " ()-./") || s[0] == '+' || s[0] == '0'
	return digits >= 7 && digits <= 15 && formatted
}

func isIBAN(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) < 15 || len(s) > 34 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	var b strings.Builder
	for _, r := range s[4:] + s[:4] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			fmt.Fprintf(&b, "%d", r-'A'+10)
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func isCard(s string) bool {
	var digits []int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, int(r-'0'))
		case r == ' ' || r == '-':
		default:
			return false
		}
	}
	if len(digits) < 13 || len(digits) > 19 || digits[0] == 0 {
		return false
	}
	sum := 0
	for i := range digits {
		d := digits[len(digits)-1-i]
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func isNationalID(s string) bool {
	u := strings.ToUpper(s)
	if ssnRe.MatchString(s) || ninoRe.MatchString(u) || inseeRe.MatchString(s) {
		return true
	}
	if dniRe.MatchString(u) {
		num := strings.NewReplacer("X", "0", "Y", "1", "Z", "2", "-", "").Replace(u[:len(u)-1])
		var n int
		fmt.Sscanf(num, "%d", &n)
		return "TRWAGMYFPDXBNJZSQVHLCKE"[n%23] == u[len(u)-1]
	}
	return false
}

// birthDates counts values that are calendar dates between 14 and 110
// years ago.
func birthDates(vals []string) int {
	now := time.Now().Year()
	k := 0
	for _, v := range vals {
		m := dateRe.FindStringSubmatch(strings.TrimSpace(v))
		if m == nil {
			continue
		}
		var y int
		fmt.Sscanf(m[1], "%d", &y)
		if y >= now-110 && y <= now-14 {
			k++
		}
	}
	return k
}
