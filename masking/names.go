package masking

// fakeText is the shared shape of maskers that draw one realistic string
// from gofakeit, seeded by the value: first_name, last_name, full_name,
// street_address, city, company. Output is cut to the column's length and
// redrawn when it happens to equal the input.
type fakeText struct {
	key  *Key
	max  int
	draw func(s *Scratch, dst []byte) []byte // appends one fake
}

func (m fakeText) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	start := len(dst)
	s.Faker(m.key, value)
	for try := 0; try < 4; try++ {
		dst = fit(m.draw(s, dst[:start]), start, m.max)
		if !same(dst, start, value) {
			break
		}
	}
	return dst, nil
}

// registerFake registers a fakeText masker.
func registerFake(name, doc string, draw func(s *Scratch, dst []byte) []byte) {
	register(&Def{
		Name:    name,
		Doc:     doc,
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			return fakeText{key: cfg.Key, max: cfg.Column.MaxChars, draw: draw}, nil
		},
	})
}
