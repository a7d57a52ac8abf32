package masking

import "fmt"

// uuidMasker replaces a value by a version-4-looking UUID (version and
// variant bits set) drawn from the keyed hash of the value as written, so
// the same UUID text masks the same in every table (PostgreSQL writes uuid
// values in canonical lower case). 122 hash bits keep collisions negligible;
// an output equal to its input is as unlikely (2^-122). Keys that must stay
// a bijection use hash_id instead.
type uuidMasker struct{ key *Key }

const uuidChars = 36

func (m uuidMasker) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	sum := m.key.Sum(value)
	u := [16]byte(sum[:16])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return appendUUID(dst, u), nil
}

func init() {
	register(&Def{
		Name: "uuid",
		Doc:  "a random-looking version 4 UUID from the keyed hash (uuid or text columns)",
		Accepts: func(c *Column) (bool, string) {
			if c.Category == CatUUID || c.Category == CatText {
				return true, ""
			}
			return false, "it produces UUIDs (uuid or text)"
		},
		New: func(cfg *Config) (Masker, error) {
			if max := cfg.Column.MaxChars; max > 0 && max < uuidChars {
				return nil, fmt.Errorf("%s is too short for UUIDs (needs %d characters)", cfg.Column.TypeName(), uuidChars)
			}
			return uuidMasker{key: cfg.Key}, nil
		},
	})
}
