package masking

import (
	"fmt"
	"math"
)

// username builds a realistic handle — a slug of fake names such as
// "janedoe", "jdoe", "jane" or "doe", drawn from the value's seeded faker —
// then "_" or "." and six characters (30 bits) of keyed hash. Slug and tag
// together make collisions rare; when the column is short the slug is cut
// first, and with only the tag left a collision among N handles becomes
// likely from N ≈ 40,000 (the collision guard reports it in unique
// columns). An output equal to its input needs the tag to match by chance.
type username struct {
	key *Key
	max int
}

const usernameTagLen = 6

// Space: the tag's 30 bits, times the fewest names a slug is made of when
// the column has room for every slug.
func (m username) Space(*Column) (float64, bool) {
	n := math.Exp2(5 * usernameTagLen)
	if m.max == 0 || m.max >= 2*maxNameLen+1+usernameTagLen {
		n *= float64(min(len(firstNames), len(lastNames)))
	}
	return n, false
}

func (m username) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	f := s.Faker(m.key, value)
	start := len(dst)
	form, first, last := f.IntN(4), pick(f, firstNames), pick(f, lastNames)
	switch form {
	case 0:
		dst = appendSlug(appendSlug(dst, first), last)
	case 1:
		dst = appendSlug(appendSlug(dst, first[:min(1, len(first))]), last)
	case 2:
		dst = appendSlug(dst, first)
	default:
		dst = appendSlug(dst, last)
	}
	sep := byte('_')
	if f.IntN(2) == 0 {
		sep = '.'
	}
	if m.max > 0 {
		dst = dst[:start+min(len(dst)-start, max(m.max-usernameTagLen-1, 0))]
	}
	if len(dst) > start {
		dst = append(dst, sep)
	}
	sum := m.key.Sum2('u', value)
	return appendTag(dst, sum[:], usernameTagLen), nil
}

func init() {
	register(&Def{
		Name:    "username",
		Doc:     "a realistic lower-case handle with a keyed tag that keeps it unique",
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			if max := cfg.Column.MaxChars; max > 0 && max < usernameTagLen+1 {
				return nil, fmt.Errorf("%s is too short for usernames (needs %d characters)", cfg.Column.TypeName(), usernameTagLen+1)
			}
			return username{key: cfg.Key, max: cfg.Column.MaxChars}, nil
		},
	})
}
