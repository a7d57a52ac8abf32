package shopgen

import (
	"strconv"
	"strings"
)

// nameStyles is the number of email/username shapes a name combination
// can take; each combination of (first, last, style) belongs to at most
// one user per "generation", which is how emails and usernames stay unique
// without remembering the ones already handed out.
const nameStyles = 3

// names holds precomputed forms of the name lists: ASCII-folded for emails
// and usernames, and upper-cased for card holders.
var names = func() (n struct {
	first, last           []string // ASCII, lower case, letters only
	firstUpper, lastUpper []string
}) {
	for _, s := range firstNames {
		n.first = append(n.first, fold(s))
		n.firstUpper = append(n.firstUpper, strings.ToUpper(s))
	}
	for _, s := range lastNames {
		n.last = append(n.last, fold(s))
		n.lastUpper = append(n.lastUpper, strings.ToUpper(s))
	}
	return n
}()

var foldMap = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'æ': "ae", 'ç': "c", 'ć': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ễ': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o",
	'ś': "s", 'š': "s", 'ş': "s", 'ß': "ss", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y",
	'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z", 'ğ': "g",
}

// fold turns a display name into the letters people use for it in email
// addresses: lower case ASCII, accents dropped, punctuation and spaces
// removed ("Ó Súilleabháin" → "osuilleabhain").
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case foldMap[r] != "":
			b.WriteString(foldMap[r])
		}
	}
	return b.String()
}

// person is the part of a user that other tables need too (emails in
// tickets, names on cards, the country of an address). It is a pure
// function of (seed, id) and cheap to recompute.
type person struct {
	id      int64
	first   int
	last    int
	style   int
	gen     int64
	yy      int64 // two-digit birth year, used by one email style
	domain  int
	capital bool // some people type their address with capitals
	country int
	created int64 // micros since the epoch
	birth   int64 // days since the epoch; valid when hasBirth
	// hasBirth and hasPhone leave some personal columns NULL, as real
	// sign-up forms do.
	hasBirth bool
	hasPhone bool
}

func (g *Generator) person(id int64) person {
	n := uint64(id - 1)
	combos := uint64(len(firstNames) * len(lastNames) * nameStyles)
	c := permute(n%combos, combos, g.seed^sNamePerm)
	p := person{id: id, gen: int64(n / combos)}
	p.first = int(c % uint64(len(firstNames)))
	c /= uint64(len(firstNames))
	p.last = int(c % uint64(len(lastNames)))
	p.style = int(c / uint64(len(lastNames)))

	r := g.rng(sPerson, id)
	p.domain = r.pick(emailDomainWeights)
	p.country = r.pick(countryWeights)
	p.capital = p.style == 0 && r.chance(40)
	p.created = g.userCreated(id, &r)
	// Ages skew towards 25-45, as a web shop's customers do.
	band := ageBands[r.pick(ageBandWeights)]
	// Born the year before: the age holds at snapshot time whatever the
	// birthday.
	year := refYear - 1 - int64(r.rangeIn(band[0], band[1]))
	p.yy = year % 100
	p.birth = daysFromCivil(year, 1, 1) + int64(r.intn(365))
	p.hasBirth = !r.chance(110)
	p.hasPhone = !r.chance(160)
	return p
}

var (
	ageBands       = [][2]int{{18, 24}, {25, 34}, {35, 44}, {45, 54}, {55, 64}, {65, 85}}
	ageBandWeights = []int{14, 28, 24, 16, 11, 7}
)

// userCreated spreads sign-ups evenly over the shop's lifetime, in id
// order, with jitter inside each user's slot so timestamps look organic
// yet never go backwards across ids.
func (g *Generator) userCreated(id int64, r *rng) int64 {
	step := (usersEnd - usersStart) / g.nUsers
	return usersStart + (id-1)*step + int64(r.intn(int(step)))
}

// usersBefore is the number of users guaranteed to exist at time t.
func (g *Generator) usersBefore(t int64) int64 {
	step := (usersEnd - usersStart) / g.nUsers
	n := (t - usersStart) / step
	return max(1, min(n, g.nUsers))
}

func appendCapitalized(dst []byte, s string, capital bool) []byte {
	if capital && s != "" {
		dst = append(dst, s[0]-'a'+'A')
		return append(dst, s[1:]...)
	}
	return append(dst, s...)
}

// appendEmail writes the person's email address. The local part is a
// separator-specific name shape plus digits; since names hold no digits and
// (first, last, style) maps to a distinct shape, the digits (generation and
// birth year) make every address unique.
func (p *person) appendEmail(dst []byte) []byte {
	f, l := names.first[p.first], names.last[p.last]
	dst = appendCapitalized(dst, f, p.capital)
	switch p.style {
	case 0:
		dst = append(dst, '.')
		dst = appendCapitalized(dst, l, p.capital)
		dst = appendGen(dst, p.gen)
	case 1:
		dst = append(dst, '_')
		dst = append(dst, l...)
		dst = appendGen(dst, p.gen)
	default:
		dst = append(dst, l...)
		dst = appendYearGen(dst, p.yy, p.gen)
	}
	dst = append(dst, '@')
	return append(dst, emailDomains[p.domain]...)
}

func appendGen(dst []byte, gen int64) []byte {
	if gen == 0 {
		return dst
	}
	return strconv.AppendInt(dst, gen, 10)
}

// appendYearGen writes "84" for generation 0 and gen*100+yy after that:
// both halves can be read back, so the suffix stays unique.
func appendYearGen(dst []byte, yy, gen int64) []byte {
	if gen == 0 {
		return append2(dst, yy)
	}
	return strconv.AppendInt(dst, gen*100+yy, 10)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// appendUsername writes a username of at most 24 bytes for generations
// below 1000 (New caps the scale accordingly).
func (p *person) appendUsername(dst []byte) []byte {
	f, l := truncate(names.first[p.first], 10), names.last[p.last]
	dst = append(dst, f...)
	switch p.style {
	case 0:
		dst = append(dst, '_')
		dst = append(dst, truncate(l, 10)...)
		dst = appendGen(dst, p.gen)
	case 1:
		dst = append(dst, truncate(l, 10)...)
		dst = appendGen(dst, p.gen)
	default:
		dst = append(dst, '.')
		dst = append(dst, truncate(l, 8)...)
		dst = appendYearGen(dst, p.yy, p.gen)
	}
	return dst
}

func (p *person) firstName() string { return firstNames[p.first] }
func (p *person) lastName() string  { return lastNames[p.last] }

func (p *person) appendFullName(dst []byte) []byte {
	dst = append(dst, firstNames[p.first]...)
	dst = append(dst, ' ')
	return append(dst, lastNames[p.last]...)
}

func (p *person) nickname() string {
	if n, ok := nicknames[firstNames[p.first]]; ok {
		return n
	}
	return firstNames[p.first]
}

func (g *Generator) appendPhone(dst []byte, p *person) []byte {
	r := g.rng(sPhone, p.id)
	return countries[p.country].phone(&r, dst)
}

// appendHomeIP writes the address the person usually connects from; a
// pure function of the person so that logins, sessions and orders agree.
func (g *Generator) appendHomeIP(dst []byte, p *person) []byte {
	r := g.rng(sUserIP, p.id)
	return appendIP(dst, &r, p.country)
}

// ipPrefixes are address blocks of consumer ISPs in each country (by
// countries' order).
var ipPrefixes = [][][2]byte{
	{{81, 2}, {86, 1}, {92, 40}, {212, 58}, {109, 144}},
	{{73, 15}, {98, 207}, {24, 5}, {68, 40}, {172, 58}},
	{{84, 132}, {91, 64}, {217, 6}, {87, 123}},
	{{90, 12}, {82, 64}, {176, 1}, {86, 245}},
	{{145, 53}, {84, 105}, {62, 45}},
	{{88, 12}, {83, 45}, {79, 150}},
	{{86, 44}, {109, 76}, {37, 228}},
}

var ipv6Prefixes = []string{"2a02:c7c", "2a01:4b00", "2003:e4", "2a01:cb00", "2001:1c00", "2a0c:5a80", "2a02:8084"}

func appendIP(dst []byte, r *rng, country int) []byte {
	if r.chance(120) {
		dst = append(dst, ipv6Prefixes[country]...)
		for range 2 {
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(r.rangeIn(1, 0xffff)), 16)
		}
		dst = append(dst, ':', ':')
		return strconv.AppendUint(dst, uint64(r.rangeIn(1, 0xffff)), 16)
	}
	p := ipPrefixes[country][r.intn(len(ipPrefixes[country]))]
	dst = strconv.AppendUint(dst, uint64(p[0]), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(p[1]), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(r.intn(256)), 10)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, uint64(r.rangeIn(1, 254)), 10)
}

func appendDigits(dst []byte, r *rng, n int) []byte {
	for range n {
		dst = append(dst, byte('0'+r.intn(10)))
	}
	return dst
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// Phone numbers use each country's written conventions, and for GB and US
// the ranges reserved for fiction, mixing international and national forms
// as real sign-up data does.

func ukPhone(r *rng, dst []byte) []byte {
	switch r.intn(5) {
	case 0:
		dst = append(dst, "+44 20 7946 0"...)
	case 1:
		dst = append(dst, "+44 7700 900"...)
	case 2:
		dst = append(dst, "+44 161 496 0"...)
	case 3:
		dst = append(dst, "+44 113 496 0"...)
	default:
		dst = append(dst, "07700 900"...)
	}
	return appendDigits(dst, r, 3)
}

var usAreaCodes = []string{"202", "415", "312", "646", "512", "206", "617", "213", "303", "305"}

func usPhone(r *rng, dst []byte) []byte {
	area := usAreaCodes[r.intn(len(usAreaCodes))]
	switch r.intn(3) {
	case 0:
		dst = append(dst, "+1-"...)
		dst = append(dst, area...)
		dst = append(dst, "-555-01"...)
	case 1:
		dst = append(dst, "+1 ("...)
		dst = append(dst, area...)
		dst = append(dst, ") 555-01"...)
	default:
		dst = append(dst, '(')
		dst = append(dst, area...)
		dst = append(dst, ") 555-01"...)
	}
	return appendDigits(dst, r, 2)
}

func dePhone(r *rng, dst []byte) []byte {
	switch r.intn(3) {
	case 0:
		dst = append(dst, "+49 30 "...)
		dst = appendDigits(dst, r, 4)
		dst = append(dst, ' ')
		return appendDigits(dst, r, 4)
	case 1:
		dst = append(dst, "+49 15"...)
		dst = append(dst, byte('1'+r.intn(9)), ' ')
		return appendDigits(dst, r, 8)
	default:
		dst = append(dst, "089 "...)
		return appendDigits(dst, r, 8)
	}
}

func frPhone(r *rng, dst []byte) []byte {
	if r.intn(2) == 0 {
		dst = append(dst, "+33 "...)
		dst = append(dst, "1679"[r.intn(4)])
	} else {
		dst = append(dst, '0', "1679"[r.intn(4)])
	}
	for range 4 {
		dst = append(dst, ' ')
		dst = appendDigits(dst, r, 2)
	}
	return dst
}

func nlPhone(r *rng, dst []byte) []byte {
	switch r.intn(3) {
	case 0:
		dst = append(dst, "+31 20 "...)
		dst = appendDigits(dst, r, 3)
		dst = append(dst, ' ')
		return appendDigits(dst, r, 4)
	case 1:
		dst = append(dst, "+31 6 "...)
		return appendDigits(dst, r, 8)
	default:
		dst = append(dst, "06-"...)
		return appendDigits(dst, r, 8)
	}
}

func esPhone(r *rng, dst []byte) []byte {
	dst = append(dst, "+34 "...)
	dst = append(dst, "69"[r.intn(2)])
	dst = appendDigits(dst, r, 2)
	dst = append(dst, ' ')
	dst = appendDigits(dst, r, 3)
	dst = append(dst, ' ')
	return appendDigits(dst, r, 3)
}

func iePhone(r *rng, dst []byte) []byte {
	if r.intn(2) == 0 {
		dst = append(dst, "+353 1 "...)
	} else {
		dst = append(dst, "+353 8"...)
		dst = append(dst, "3567"[r.intn(4)], ' ')
	}
	dst = appendDigits(dst, r, 3)
	dst = append(dst, ' ')
	return appendDigits(dst, r, 4)
}

const ukPostcodeLetters = "ABDEFGHJLNPQRSTUWXYZ"

func ukPostcode(outward ...string) func(*rng, []byte) []byte {
	return func(r *rng, dst []byte) []byte {
		dst = append(dst, outward[r.intn(len(outward))]...)
		dst = append(dst, ' ', byte('0'+r.intn(10)))
		return append(dst, ukPostcodeLetters[r.intn(len(ukPostcodeLetters))], ukPostcodeLetters[r.intn(len(ukPostcodeLetters))])
	}
}

// zipCode draws ZIP codes from the given three-digit prefixes (Boston's
// 021 keeps its leading zero), a quarter of them in ZIP+4 form.
func zipCode(prefixes ...int64) func(*rng, []byte) []byte {
	return func(r *rng, dst []byte) []byte {
		dst = appendPadded(dst, prefixes[r.intn(len(prefixes))], 3)
		dst = appendDigits(dst, r, 2)
		if r.intn(4) == 0 {
			dst = append(dst, '-')
			dst = appendDigits(dst, r, 4)
		}
		return dst
	}
}

func numericPostcode(width int, lo, hi int) func(*rng, []byte) []byte {
	return func(r *rng, dst []byte) []byte {
		return appendPadded(dst, int64(r.rangeIn(lo, hi)), width)
	}
}

const nlPostcodeLetters = "ABCEGHJKLMNPRTVWXZ"

func nlPostcode(lo, hi int) func(*rng, []byte) []byte {
	return func(r *rng, dst []byte) []byte {
		dst = strconv.AppendInt(dst, int64(r.rangeIn(lo, hi)), 10)
		return append(dst, ' ', nlPostcodeLetters[r.intn(len(nlPostcodeLetters))], nlPostcodeLetters[r.intn(len(nlPostcodeLetters))])
	}
}

const eircodeChars = "ACDEFHKNPRTVWXY0123456789"

func eircode(keys ...string) func(*rng, []byte) []byte {
	return func(r *rng, dst []byte) []byte {
		dst = append(dst, keys[r.intn(len(keys))]...)
		dst = append(dst, ' ', eircodeChars[r.intn(15)])
		for range 3 {
			dst = append(dst, eircodeChars[r.intn(len(eircodeChars))])
		}
		return dst
	}
}

func pickString(r *rng, list []string) string { return list[r.intn(len(list))] }

func ukStreet(r *rng, dst []byte) []byte {
	if r.intn(6) == 0 {
		dst = append(dst, "Flat "...)
		dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 24)), 10)
		dst = append(dst, ", "...)
	}
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 240)), 10)
	if r.intn(15) == 0 {
		dst = append(dst, 'B')
	}
	dst = append(dst, ' ')
	dst = append(dst, pickString(r, ukStreetNames)...)
	dst = append(dst, ' ')
	return append(dst, pickString(r, ukStreetKinds)...)
}

func usStreet(r *rng, dst []byte) []byte {
	dst = strconv.AppendInt(dst, int64(r.rangeIn(10, 9999)), 10)
	dst = append(dst, ' ')
	dst = append(dst, pickString(r, usStreetNames)...)
	dst = append(dst, ' ')
	dst = append(dst, pickString(r, usStreetKinds)...)
	switch r.intn(6) {
	case 0:
		dst = append(dst, " Apt "...)
		dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 30)), 10)
		dst = append(dst, "ABCD"[r.intn(4)])
	case 1:
		dst = append(dst, " Suite "...)
		dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 9)*100+r.intn(20)), 10)
	}
	return dst
}

func deStreet(r *rng, dst []byte) []byte {
	dst = append(dst, pickString(r, deStreets)...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 180)), 10)
	if r.intn(8) == 0 {
		dst = append(dst, "abc"[r.intn(3)])
	}
	return dst
}

func frStreet(r *rng, dst []byte) []byte {
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 150)), 10)
	if r.intn(10) == 0 {
		dst = append(dst, " bis"...)
	}
	dst = append(dst, ' ')
	return append(dst, pickString(r, frStreets)...)
}

func nlStreet(r *rng, dst []byte) []byte {
	dst = append(dst, pickString(r, nlStreets)...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 400)), 10)
	switch r.intn(6) {
	case 0:
		dst = append(dst, "-II"...)
	case 1:
		dst = append(dst, " hs"...)
	}
	return dst
}

func esStreet(r *rng, dst []byte) []byte {
	dst = append(dst, pickString(r, esStreets)...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 120)), 10)
	dst = append(dst, ", "...)
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 9)), 10)
	dst = append(dst, "º "...)
	return append(dst, "ABCD"[r.intn(4)])
}

func ieStreet(r *rng, dst []byte) []byte {
	if r.intn(5) == 0 {
		dst = append(dst, "Apartment "...)
		dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 60)), 10)
		dst = append(dst, ", "...)
	}
	dst = strconv.AppendInt(dst, int64(r.rangeIn(1, 90)), 10)
	dst = append(dst, ' ')
	return append(dst, pickString(r, ieStreets)...)
}
