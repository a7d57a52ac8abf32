package masking

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/understudy-db/understudy/internal/ascii"

	"github.com/understudy-db/understudy/schema"
)

// scrub finds email addresses, telephone numbers and payment card numbers
// in free text and replaces each by the fake its column-level masker gives
// (email, phone and credit_card with default parameters, under their own
// keys), so an address quoted in a support ticket becomes the same fake as
// in users.email. Everything else is kept.
//
// Detection leans to over-masking: any run of at least seven digits — with
// an optional leading "+", spaces and a dash, or a dot or slash, between
// groups, and parenthesised groups such as (202) or (0) — is a telephone
// number, unless it is a card number (13 to 19 digits, only spaces or
// dashes between groups, Luhn-valid), an ISO or day-month-year date, or a
// decimal number with one dot. Groups of a single digit end a run (except
// the first, as in 1-800, or one after "+" and the calling code), so lists
// of small numbers stay.
//
// Exemption: text with nothing to scrub is returned as it is (echo).
type scrub struct {
	email, phone, card Masker
	max                int
}

// minPhoneDigits is the fewest digits a run needs to count as a number.
const minPhoneDigits = 7

func (m scrub) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	start := len(dst)
	last := 0 // value[last:] is not copied yet
	emit := func(mk Masker, from, to int) error {
		mark := len(dst)
		out, err := mk.Mask(s, append(dst, value[last:from]...), value[from:to])
		if err != nil {
			dst = dst[:mark]
			return err
		}
		dst, last = out, to
		return nil
	}
	for i := 0; i < len(value); {
		es, ee, hasEmail := findEmail(value, i)
		limit := len(value)
		if hasEmail {
			limit = es
		}
		for i < limit {
			run := scanNumberRun(value, i, limit)
			if run.end == i {
				i++
				continue
			}
			switch {
			case run.cardEnd > 0:
				if err := emit(m.card, i, run.cardEnd); err != nil {
					// A card number the card masker refuses is still
					// masked, digit for digit.
					if err := emit(m.phone, i, run.cardEnd); err != nil {
						return dst[:start], err
					}
				}
				i = run.cardEnd
				continue
			case run.phone:
				if err := emit(m.phone, i, run.end); err != nil {
					return dst[:start], err
				}
			}
			i = run.end
		}
		if !hasEmail {
			break
		}
		if err := emit(m.email, es, ee); err != nil {
			return dst[:start], err
		}
		i = ee
	}
	if last == 0 {
		return append(dst, value...), nil
	}
	dst = append(dst, value[last:]...)
	return fit(dst, start, m.max), nil
}

// findEmail returns the first email address in v that starts at or after
// from: a local part of letters, digits and ._%+- , an @, and a domain of
// at least two dot-separated labels.
func findEmail(v []byte, from int) (start, end int, ok bool) {
	for at := from; at < len(v); {
		k := bytes.IndexByte(v[at:], '@')
		if k < 0 {
			return 0, 0, false
		}
		a := at + k
		at = a + 1
		start = a
		for start > from {
			r, size := utf8.DecodeLastRune(v[from:start])
			if !emailRune(r, "._%+-") {
				break
			}
			start -= size
		}
		for start < a && v[start] == '.' {
			start++
		}
		end = a + 1
		for end < len(v) {
			r, size := utf8.DecodeRune(v[end:])
			if !emailRune(r, ".-") {
				break
			}
			end += size
		}
		for end > a+1 && (v[end-1] == '.' || v[end-1] == '-') {
			end-- // a full stop after the address
		}
		if start < a && validEmailDomain(v[a+1:end]) {
			return start, end, true
		}
	}
	return 0, 0, false
}

// emailRune reports whether r can be part of an address: a letter, digit
// or mark (any script), or one of the extra ASCII characters.
func emailRune(r rune, extra string) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(extra, c) >= 0
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

func validEmailDomain(d []byte) bool {
	if bytes.IndexByte(d, '.') < 0 {
		return false
	}
	for len(d) > 0 {
		label := d
		if k := bytes.IndexByte(d, '.'); k >= 0 {
			label, d = d[:k], d[k+1:]
		} else {
			d = nil
		}
		if len(label) == 0 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
	}
	return true
}

// numberRun is a run of digit groups found in free text.
type numberRun struct {
	end     int  // after the run; the start if there is none
	phone   bool // mask value[start:end] as a phone number
	cardEnd int  // > 0: value[start:cardEnd] is a card number
}

// scanNumberRun reads the run of digit groups starting at v[i] (a digit,
// or "+" or "(" before one) and classifies it. It never reads past limit.
func scanNumberRun(v []byte, i, limit int) numberRun {
	digit := func(j int) bool { return j < limit && ascii.IsDigit(v[j]) }
	j := i
	plus := j < limit && v[j] == '+'
	if plus {
		j++
	}
	if !digit(j) && !(j < limit && v[j] == '(' && digit(j+1)) {
		return numberRun{end: i}
	}
	if !plus && v[i] != '(' {
		if n := dateAt(v, i, limit); n > 0 {
			return numberRun{end: i + n}
		}
	}
	var (
		run         = numberRun{end: i}
		digits      int
		groups      int
		dots        int
		parens      bool
		otherSep    bool // a separator other than a space or dash
		lens        [2]int
		cardDigits  [24]int // digits after each group, for card prefixes
		cardEnds    [24]int
		cardGroupOK = true
	)
	for {
		g := 0
		paren := j < limit && v[j] == '('
		if paren {
			k := j + 1
			for digit(k) {
				k++
			}
			if k == j+1 || k >= limit || v[k] != ')' {
				break
			}
			g, j = k-j-1, k+1
			parens = true
		} else {
			k := j
			for digit(k) {
				k++
			}
			g = k - j
			// A lone digit is a group only first or after "+" and the
			// calling code (+33 1 23 45 67 89); elsewhere it ends the run.
			if g == 0 || g == 1 && groups > 0 && !(plus && groups == 1) {
				break
			}
			j = k
		}
		digits += g
		if groups < 2 {
			lens[groups] = g
		}
		if groups < len(cardEnds) {
			cardDigits[groups], cardEnds[groups] = digits, j
		} else {
			cardGroupOK = false
		}
		groups++
		run.end = j
		// Groups follow each other directly around a parenthesised group,
		// or after a separator: up to three spaces with at most one dash
		// among them ("555-0143", "202 - 555"), or one dot or slash
		// ("202.555.0143", "030/1234"; " / " rather separates numbers).
		if j < limit && (v[j] == '(' || paren && digit(j)) {
			continue
		}
		k, punct := j, byte(0)
		for k < limit && k-j < 3 && (v[k] == ' ' || punct == 0 && strings.IndexByte("-./", v[k]) >= 0) {
			if v[k] != ' ' {
				punct = v[k]
			}
			k++
		}
		if k == j || (punct == '.' || punct == '/') && k-j > 1 || !(digit(k) || k < limit && v[k] == '(' && digit(k+1)) {
			break
		}
		switch punct {
		case '.':
			dots++
			otherSep = true
		case '/':
			otherSep = true
		}
		j = k
	}
	if digits < minPhoneDigits {
		return run
	}
	if !plus && !parens && !otherSep && cardGroupOK {
		// The longest Luhn-valid prefix of whole groups with 13 to 19
		// digits is a card number (the rest may be an expiry date).
		for k := min(groups, len(cardEnds)) - 1; k >= 0; k-- {
			if n := cardDigits[k]; n >= 13 && n <= 19 && luhnValid(v[i:cardEnds[k]]) {
				run.cardEnd = cardEnds[k]
				return run
			}
		}
	}
	if dots == 1 && groups == 2 && !plus && !parens && !(lens[0] == 3 && lens[1] == 4) {
		return run // a decimal number, not 555.0143
	}
	run.phone = true
	return run
}

// dateAt returns the length of a date at v[i] — YYYY-MM-DD, or DD-MM-YYYY
// and MM-DD-YYYY, with -, . or / — or 0. Numbers that cannot be a month
// and a day are no date (and may be a phone number).
func dateAt(v []byte, i, limit int) int {
	const n = len("dddd-dd-dd")
	if i+n > limit || i+n < limit && ascii.IsDigit(v[i+n]) {
		return 0
	}
	sep := v[i+2]
	if ascii.IsDigit(sep) {
		sep = v[i+4]
	}
	var f [3]int // the three numbers
	k := 0
	for j := i; j < i+n; j++ {
		switch c := v[j]; {
		case ascii.IsDigit(c):
			f[k] = f[k]*10 + int(c-'0')
		case c == sep && (c == '-' || c == '.' || c == '/') && k < 2:
			k++
		default:
			return 0
		}
	}
	month, day := func(x int) bool { return x >= 1 && x <= 12 }, func(x int) bool { return x >= 1 && x <= 31 }
	if k == 2 && v[i+4] == sep && v[i+7] == sep && month(f[1]) && day(f[2]) ||
		k == 2 && v[i+2] == sep && v[i+5] == sep && day(f[0]) && day(f[1]) && (month(f[0]) || month(f[1])) {
		return n
	}
	return 0
}

func init() {
	register(&Def{
		Name:    "scrub",
		Doc:     "replaces email addresses, phone numbers and card numbers inside free text with the same fakes their own maskers give",
		Accepts: acceptTextOrXML,
		New: onXML(func(cfg *Config) (Masker, error) {
			text := schema.Type{Schema: "pg_catalog", Name: "text"}
			sub := &Column{Table: cfg.Column.Table, Name: cfg.Column.Name, Type: text, Base: text, Category: CatText}
			m := scrub{max: cfg.Column.MaxChars}
			for _, x := range []struct {
				name string
				m    *Masker
			}{{"email", &m.email}, {"phone", &m.phone}, {"credit_card", &m.card}} {
				var err error
				if *x.m, err = cfg.Build(&Spec{Name: x.name}, sub); err != nil {
					return nil, fmt.Errorf("scrub needs the %s masker: %v", x.name, err)
				}
			}
			return m, nil
		}),
	})
}
