package masking

import "unicode/utf8"

// lorem replaces text with lorem-ipsum words of exactly the same number of
// characters, keeping line breaks (\n and \r) where they were: layouts and
// length checks behave as with the original, and the output fits the
// column by construction. Word boundaries are not copied, so word lengths do
// not leak.
//
// Exemption: text without anything but line breaks (the empty string
// included) has no characters to replace and is kept (echo).
type lorem struct{ key *Key }

// loremTries bounds the redraws for the rare short text whose lorem equals it.
const loremTries = 8

func (m lorem) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	start := len(dst)
	f := s.Faker(m.key, value)
	for try := 0; ; try++ {
		dst = dst[:start]
		word, wi := "", 0
		lineStart := true
		for i := 0; i < len(value); {
			c := value[i]
			if c == '\n' || c == '\r' {
				dst = append(dst, c)
				lineStart = true
				i++
				continue
			}
			_, size := utf8.DecodeRune(value[i:])
			i += size
			switch {
			case lineStart:
				word, wi = f.LoremIpsumWord(), 0
				lineStart = false
			case wi == len(word):
				word, wi = f.LoremIpsumWord(), -1
			}
			switch {
			case wi >= 0:
				dst = append(dst, word[wi])
			case i == len(value) || value[i] == '\n' || value[i] == '\r':
				dst = append(dst, '.') // no line ends in a space
			default:
				dst = append(dst, ' ')
			}
			wi++
		}
		if !same(dst, start, value) {
			return dst, nil
		}
		if try == loremTries {
			// Still equal: swap the first letter for another one.
			for i := start; i < len(dst); i++ {
				if c := dst[i]; c >= 'a' && c <= 'z' {
					dst[i] = 'a' + (c-'a'+1)%26
					break
				}
			}
			return dst, nil
		}
	}
}

func init() {
	register(&Def{
		Name:    "lorem",
		Doc:     "lorem-ipsum text of the same length, line breaks kept",
		Accepts: acceptTextOrXML,
		New:     onXML(func(cfg *Config) (Masker, error) { return lorem{key: cfg.Key}, nil }),
	})
}
