package masking

import (
	"fmt"
	"math"
)

// hashMasker replaces a value by hex digits of its keyed hash: opaque,
// stable, and with 4 bits of entropy per character, enough to stay unique at
// the default 16 characters.
type hashMasker struct {
	key    *Key
	length int
	bytea  bool
}

// minUniqueHexChars is the shortest hash allowed in a unique column: 64 bits
// keep a collision among a billion values below one in thirty.
const minUniqueHexChars = 16

// Space: 16 values per hex digit.
func (m hashMasker) Space(*Column) (float64, bool) { return math.Pow(16, float64(m.length)), false }

func (m hashMasker) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	if m.bytea {
		dst = append(dst, '\\', 'x')
	}
	for block := byte(0); ; block++ {
		sum := m.key.Sum2(block, value)
		for _, b := range sum {
			if m.length == 0 {
				return dst, nil
			}
			dst = append(dst, hexDigits[b>>4])
			m.length--
			if m.length == 0 {
				return dst, nil
			}
			dst = append(dst, hexDigits[b&15])
			m.length--
		}
	}
}

func init() {
	register(&Def{
		Name:   "hash",
		Doc:    "keyed hash as hex text (or bytea), length-aware",
		Params: []Param{{Name: "length", Kind: ParamInt, Doc: "number of hex digits (default 16, or the column's length if shorter)"}},
		Accepts: func(c *Column) (bool, string) {
			if c.Category == CatText || c.Category == CatBytea || c.Category == CatXML {
				return true, ""
			}
			return false, "it produces hex text or bytea"
		},
		New: func(cfg *Config) (Masker, error) {
			c := cfg.Column
			n := int(cfg.Int("length", 16))
			if n <= 0 || n > 1024 {
				return nil, fmt.Errorf("hash length must be between 1 and 1024")
			}
			if c.Category == CatBytea {
				n *= 2 // length counts bytes for bytea
			}
			if c.MaxChars > 0 && n > c.MaxChars {
				if _, explicit := cfg.Spec.Params["length"]; explicit {
					return nil, fmt.Errorf("hash length %d does not fit %s", n, c.TypeName())
				}
				n = c.MaxChars
			}
			if c.Unique && n < minUniqueHexChars {
				return nil, fmt.Errorf("column is unique and %d hex digits could collide; use at least %d or hash_id", n, minUniqueHexChars)
			}
			return hashMasker{key: cfg.Key, length: n, bytea: c.Category == CatBytea}, nil
		},
	})
}
