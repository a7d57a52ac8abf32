package masking

import (
	"errors"
	"math"
	"unicode/utf8"
)

// partial keeps the first and last few characters and replaces the others
// by one character each ("************1234"), so the length stays and the
// output fits wherever the input did. When the value is too short to hide
// anything with the configured counts, the kept counts shrink (in
// proportion) until at least half the characters are hidden. It does not
// depend on the secret, and it echoes a value whose hidden part already
// consists of the mask character (or the empty string).
type partial struct {
	first, last int
	char        []byte
}

// Space: only the kept characters vary; counted as digits, which is what
// partial usually keeps (the last four of a card or phone number).
func (m partial) Space(*Column) (float64, bool) { return math.Pow(10, float64(m.first+m.last)), false }

func (m partial) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	n := utf8.RuneCount(value)
	first, last := min(m.first, n), min(m.last, n)
	if keep := n / 2; first+last > keep {
		first = first * keep / (first + last)
		last = keep - first
	}
	head := 0
	for range first {
		_, size := utf8.DecodeRune(value[head:])
		head += size
	}
	tail := len(value)
	for range last {
		_, size := utf8.DecodeLastRune(value[:tail])
		tail -= size
	}
	dst = append(dst, value[:head]...)
	for range n - first - last {
		dst = append(dst, m.char...)
	}
	return append(dst, value[tail:]...), nil
}

func init() {
	register(&Def{
		Name: "partial",
		Doc:  "keeps the first and last characters and masks the rest (at least half of each value is hidden)",
		Params: []Param{
			{Name: "keep_first", Kind: ParamInt, Doc: "characters kept at the start (default 0)"},
			{Name: "keep_last", Kind: ParamInt, Doc: "characters kept at the end (default 4)"},
			{Name: "char", Kind: ParamString, Doc: `the character that replaces the others (default "*")`},
		},
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			first, last := cfg.Int("keep_first", 0), cfg.Int("keep_last", 4)
			if first < 0 || last < 0 || first > 1<<20 || last > 1<<20 {
				return nil, errors.New("keep_first and keep_last must be between 0 and 1048576")
			}
			char := cfg.String("char", "*")
			if r, size := utf8.DecodeRuneInString(char); size != len(char) || r == utf8.RuneError || r == 0 {
				return nil, errors.New("char must be exactly one character")
			}
			return partial{first: int(first), last: int(last), char: []byte(char)}, nil
		},
	})
}
