package masking

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/understudy-db/understudy/internal/ascii"
)

// phoneShape masks a telephone number with the keyed shape bijection:
// digits stay digits, letters stay letters, "+", spaces, dashes,
// parentheses and the length stay where they were, so format CHECKs keep
// holding. The international prefix ("+" or "00") with the calling code,
// or a national trunk "0", is kept, so a number still reads as the same
// country's. Being a bijection it keeps unique numbers unique; like every
// bijection it has fixed points (a number of d masked digits maps to itself
// with probability 10^-d), and a value with nothing after the kept prefix
// ("+44", "0") is returned as it is.
type phoneShape struct{ key *Key }

func (phoneShape) Bijective() {}

func (m phoneShape) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	return maskPhoneShape(m.key, dst, value, parsePhone(value)), nil
}

// phoneLayout is what the phone masker keeps of a number.
type phoneLayout struct {
	sig  int // first '+', letter or digit; len(value) if none
	from int // bytes before from are kept verbatim
	// code is the calling code after "+" (plus) or "00" (intl without plus).
	code        int
	intl, plus  bool
	trunk       bool // national number starting with a trunk "0"
	guard       int  // position that must not become '0', or -1 (see maskPhoneShape)
	digitsAfter int  // digits at or after from
	// nanp holds the positions of a North American number's area code
	// and exchange, which must start with 2-9; [0] is 0 (unset) or -1
	// when the number is not one.
	nanp [2]int
}

func parsePhone(v []byte) phoneLayout {
	l := phoneLayout{sig: len(v), guard: -1, nanp: [2]int{-1, -1}}
	for i, c := range v {
		if r, _ := charClass(c); r != 0 || c == '+' {
			l.sig = i
			break
		}
	}
	i := l.sig
	switch {
	case i == len(v):
		l.from = i
	case v[i] == '+':
		l.intl, l.plus = true, true
		l.from, l.code = readCallingCode(v, i+1)
	case v[i] == '0' && i+1 < len(v) && v[i+1] == '0':
		l.intl = true
		l.from, l.code = readCallingCode(v, i+2)
	case v[i] == '0':
		l.trunk = true
		l.from = i + 1
		if l.from < len(v) && ascii.IsDigit(v[l.from]) {
			l.guard = l.from
		}
	case ascii.IsDigit(v[i]):
		l.from, l.guard = i, i
		if v[i] == '1' && countDigits(v[i:]) == 11 {
			// 1 415 555 0134: the North American "1" is kept like a
			// calling code.
			l.from, l.guard = i+1, -1
		}
	default:
		l.from = i
	}
	l.digitsAfter = countDigits(v[l.from:])
	// A North American number's area code and exchange start with 2-9;
	// when the original's do, the masked number's must too.
	if l.digitsAfter == 10 && (l.intl && l.code == 1 || !l.intl && !l.trunk) {
		k := 0
		for j := l.from; j < len(v); j++ {
			if !ascii.IsDigit(v[j]) {
				continue
			}
			if k == 0 || k == 3 {
				if v[j] < '2' {
					l.nanp = [2]int{-1, -1}
					break
				}
				l.nanp[k/3] = j
			}
			k++
		}
		if l.nanp[0] >= 0 {
			l.guard = -1
		}
	}
	return l
}

func countDigits(v []byte) int {
	n := 0
	for _, c := range v {
		if ascii.IsDigit(c) {
			n++
		}
	}
	return n
}

// readCallingCode reads the calling code at v[j:] (after optional spaces)
// and returns where it ends.
func readCallingCode(v []byte, j int) (end, code int) {
	for j < len(v) && v[j] == ' ' {
		j++
	}
	if j >= len(v) || !ascii.IsDigit(v[j]) {
		return j, 0
	}
	var d2 byte
	if j+1 < len(v) {
		d2 = v[j+1]
	}
	n := callingCodeLen(v[j], d2)
	for k := 0; k < n && j < len(v) && ascii.IsDigit(v[j]); k++ {
		code = code*10 + int(v[j]-'0')
		j++
	}
	return j, code
}

// twoDigitCodes has bit d of entry z set when z·10+d is a two-digit ITU-T
// E.164 country calling code. Codes are prefix-free: 1 and 7 have one digit,
// the other codes of a zone that are not listed here have three.
var twoDigitCodes = [10]uint16{
	2: 1<<0 | 1<<7, // 20 Egypt, 27 South Africa
	3: 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<6 | 1<<9,
	4: 1<<0 | 1<<1 | 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<9,
	5: 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8,
	6: 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<6,
	8: 1<<1 | 1<<2 | 1<<4 | 1<<6,
	9: 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<8,
}

// callingCodeLen is the length of the calling code starting with digits
// d1 d2. "0" is no code, but keeping that one digit keeps the layout of a
// masked number the same as the original's.
func callingCodeLen(d1, d2 byte) int {
	switch d1 {
	case '0', '1', '7':
		return 1
	}
	if ascii.IsDigit(d2) && twoDigitCodes[d1-'0']>>(d2-'0')&1 == 1 {
		return 2
	}
	return 3
}

// maskPhoneShape permutes everything after the kept prefix. A national
// number starting with 1-9 must not come out starting with 0, nor may the
// digit after a trunk "0" become 0: the output would then read as a trunk
// or international prefix, and two numbers of different layouts could meet.
// A North American number keeps a valid area code and exchange (NXX, never
// 0XX or 1XX). Cycle-walking (permuting again until the guarded digits are
// right) keeps the map a bijection within each layout, so it stays one
// overall; the permutation has no fixed points (DerangeShape), so a
// number only comes back as itself when cycle-walking leads there.
func maskPhoneShape(k *Key, dst, value []byte, l phoneLayout) []byte {
	start := len(dst)
	dst = k.DerangeShape(dst, value, l.from)
	bad := func(out []byte) bool {
		if l.guard >= 0 && out[l.guard] == '0' {
			return true
		}
		return l.nanp[0] >= 0 && (out[l.nanp[0]] < '2' || out[l.nanp[1]] < '2')
	}
	var buf [64]byte
	tmp := buf[:0]
	for bad(dst[start:]) {
		tmp = append(tmp[:0], dst[start:]...)
		dst = k.DerangeShape(dst[:start], tmp, l.from)
	}
	return dst
}

// phoneFictional replaces UK, North American and Australian numbers by
// numbers from the ranges their regulators reserve for drama, which reach
// nobody: Ofcom's 020 7946 0000–0999 and 07700 900000–900999, NANP
// NXX-555-0100–0199, and ACMA's (0X) 5550 xxxx / (0X) 7010 xxxx landline
// blocks and its list of thirty 0491 57x xxx mobile numbers. The country
// comes from the calling code (+44, +1, +61); a national number with a
// trunk "0" is Australian when it has ten digits and British otherwise;
// one of ten digits starting with 2-9 (or eleven starting with 1) is North
// American. The fictional digits are laid into the original's digit
// positions when their counts match, else the number is written in the
// country's usual format. Other numbers — countries without such a range —
// fall back to the shape-preserving mask, which may produce a real number.
// The ranges are small, so this mode is refused on unique columns.
type phoneFictional struct {
	key *Key
	max int
}

type fiction uint8

const (
	noFiction fiction = iota
	fictionUK
	fictionNANP
	fictionAU
)

func (m phoneFictional) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	l := parsePhone(value)
	country, from := fictionFor(value, l)
	if country == noFiction {
		return maskPhoneShape(m.key, dst, value, l), nil
	}
	// The national significant number starts at the first digit after from.
	var first byte
	for _, c := range value[from:] {
		if ascii.IsDigit(c) {
			first = c
			break
		}
	}
	mobile := country == fictionUK && first == '7' || country == fictionAU && first == '4'
	sum := m.key.Sum2('f', value)
	h := binary.LittleEndian.Uint64(sum[:8])
	start := len(dst)
	for try := uint64(0); try < 2; try++ {
		var buf [10]byte
		nsn, groups := drawFiction(country, mobile, h+try, &buf)
		dst = m.write(dst[:start], value, l, from, country, nsn, groups)
		// The next draw differs in its last digits, so the retry never
		// echoes an input that already was a fictional number.
		if !same(dst, start, value) {
			break
		}
	}
	return dst, nil
}

// fictionFor picks the country whose fictional range applies and where its
// national significant number starts.
func fictionFor(v []byte, l phoneLayout) (fiction, int) {
	if l.intl {
		switch l.code {
		case 44:
			return fictionUK, l.from
		case 1:
			return fictionNANP, l.from
		case 61:
			return fictionAU, l.from
		}
		return noFiction, 0
	}
	if l.sig == len(v) || !ascii.IsDigit(v[l.sig]) {
		return noFiction, 0
	}
	n := l.digitsAfter
	switch {
	case l.trunk && n == 9:
		return fictionAU, l.from
	case l.trunk:
		return fictionUK, l.from
	case v[l.sig] == '1' && l.from == l.sig+1 && n == 10:
		return fictionNANP, l.sig + 1
	case v[l.sig] >= '2' && n == 10:
		return fictionNANP, l.sig
	}
	return noFiction, 0
}

// auFictionalMobiles are the 0491 57x xxx numbers ACMA lists for fiction
// (the six digits after 491).
const auFictionalMobiles = "570006570156570157570158570159570110570313570737571266571491" +
	"571804572549572665572983573770573087574118574632575254575789" +
	"576398576801577426577644578957578148578888579212579760579455"

// drawFiction writes a fictional national significant number into buf and
// returns it with its usual grouping (digits per group).
func drawFiction(country fiction, mobile bool, h uint64, buf *[10]byte) ([]byte, string) {
	digits := func(b []byte, v uint64) {
		for i := len(b) - 1; i >= 0; i-- {
			b[i] = '0' + byte(v%10)
			v /= 10
		}
	}
	switch country {
	case fictionUK:
		if mobile {
			copy(buf[:], "7700900")
			digits(buf[7:10], h%1000)
			return buf[:10], "46"
		}
		copy(buf[:], "2079460")
		digits(buf[7:10], h%1000)
		return buf[:10], "244"
	case fictionNANP:
		// NXX-555-01XX: the exchange 555 and line 01XX are fictional in
		// every area code; the area code is drawn, avoiding N11 service codes.
		digits(buf[8:10], h%100)
		h /= 100
		buf[0] = '2' + byte(h%8)
		h /= 8
		buf[1] = '0' + byte(h%9) // a 9 in the middle is reserved for expansion
		h /= 9
		buf[2] = '0' + byte(h%10)
		if buf[1] == '1' && buf[2] == '1' {
			buf[2] = '0'
		}
		copy(buf[3:8], "55501")
		return buf[:10], "334"
	default: // fictionAU
		if mobile {
			i := int(h%(uint64(len(auFictionalMobiles))/6)) * 6
			copy(buf[:], "491")
			copy(buf[3:9], auFictionalMobiles[i:i+6])
			return buf[:9], "333"
		}
		digits(buf[5:9], h%10000)
		h /= 10000
		buf[0] = "2378"[h%4]
		copy(buf[1:5], [2]string{"5550", "7010"}[h/4%2])
		return buf[:9], "144"
	}
}

// write lays nsn into the digit positions after from when the original
// has exactly that many there (and no letters), else writes the number in
// the country's usual format, compacted or cut if the column is too short.
func (m phoneFictional) write(dst, value []byte, l phoneLayout, from int, country fiction, nsn []byte, groups string) []byte {
	start := len(dst)
	layable := true
	n := 0
	for _, c := range value[from:] {
		if ascii.IsDigit(c) {
			n++
		} else if r, _ := charClass(c); r != 0 {
			layable = false
		}
	}
	if layable && n == len(nsn) {
		dst = append(dst, value...)
		j := 0
		for i := start + from; i < len(dst); i++ {
			if ascii.IsDigit(dst[i]) {
				dst[i] = nsn[j]
				j++
			}
		}
		return dst
	}
	for _, compact := range [2]bool{false, true} {
		dst = appendPhone(dst[:start], value, l, from, country, nsn, groups, compact)
		if m.max == 0 || len(dst)-start <= m.max {
			return dst
		}
	}
	return fit(dst, start, m.max)
}

func appendPhone(dst, value []byte, l phoneLayout, from int, country fiction, nsn []byte, groups string, compact bool) []byte {
	sep := byte(' ')
	if country == fictionNANP && !l.intl {
		sep = '-'
	}
	switch {
	case l.intl:
		if l.plus {
			dst = append(dst, '+')
		} else {
			dst = append(dst, "00"...)
		}
		dst = strconv.AppendInt(dst, int64(l.code), 10)
		if !compact {
			dst = append(dst, ' ')
		}
	case country != fictionNANP:
		dst = append(dst, '0')
	case from > l.sig: // a leading long-distance "1"
		dst = append(dst, '1')
		if !compact {
			dst = append(dst, sep)
		}
	}
	j := 0
	for g := 0; g < len(groups); g++ {
		if g > 0 && !compact {
			dst = append(dst, sep)
		}
		k := int(groups[g] - '0')
		dst = append(dst, nsn[j:j+k]...)
		j += k
	}
	return dst
}

func init() {
	register(&Def{
		Name: "phone",
		Doc:  "a telephone number of the same shape, keeping the international prefix and calling code or the trunk 0",
		Params: []Param{{Name: "fictional", Kind: ParamBool,
			Doc: "draw UK, North American and Australian numbers from the ranges reserved for drama, which reach nobody; other countries keep the shape-preserving mask (default false)"}},
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			if !cfg.Bool("fictional", false) {
				return phoneShape{key: cfg.Key}, nil
			}
			if cfg.Column.Unique {
				return nil, errors.New("fictional phone numbers come from ranges of a few thousand numbers and would collide in a unique column; use phone without fictional")
			}
			return phoneFictional{key: cfg.Key, max: cfg.Column.MaxChars}, nil
		},
	})
}
