package masking

import (
	"errors"
	"strconv"
)

// hashID is a keyed bijection on keys: integers keep their sign and bit
// length, UUIDs their version, text its shape (digits stay digits, letters
// stay letters of the same case, everything else stays put). Being a
// permutation, it keeps unique keys unique and, applied to referencing
// columns, keeps foreign keys joining. A permutation has fixed points: a few
// values may map to themselves.
type hashID struct {
	key   *Key
	cat   Category
	small uint64 // see PermuteInt
}

// Small keys share one bucket of this size, so that two secrets rarely give
// a key the same image; smallint columns get a smaller one, so a smallint
// sequence kept ahead of the masked keys does not run out.
const (
	smallIDs      = 1 << 16
	smallIDsInt16 = 1 << 10
)

func (hashID) Bijective() {}

var errNotInteger = errors.New("value is not an integer")

func (m hashID) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	switch m.cat {
	case CatInt:
		n, ok := parseInt(value)
		if !ok {
			return dst, errNotInteger
		}
		return strconv.AppendInt(dst, m.key.PermuteInt(n, m.small), 10), nil
	case CatUUID:
		u, ok := parseUUID(value)
		if !ok {
			return dst, errNotUUID
		}
		return appendUUID(dst, m.key.PermuteUUID(u)), nil
	}
	return m.key.PermuteShape(dst, value, 0), nil
}

// parseInt parses a decimal integer without allocating.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

func init() {
	register(&Def{
		Name: "hash_id",
		Doc:  "keyed bijection for keys: integers, UUIDs, or text keeping its shape",
		Accepts: func(c *Column) (bool, string) {
			switch c.Category {
			case CatInt, CatUUID, CatText:
				return true, ""
			}
			return false, "it permutes integers, UUIDs and text keys"
		},
		New: func(cfg *Config) (Masker, error) {
			m := hashID{key: cfg.Key, cat: cfg.Column.Category, small: smallIDs}
			if cfg.Column.IntMax > 0 && cfg.Column.IntMax < 1<<31-1 {
				m.small = smallIDsInt16
			}
			return m, nil
		},
	})
}
