package masking

import "math"

// fakeText is the shared shape of maskers that draw one realistic string
// from gofakeit, seeded by the value: first_name, last_name, full_name,
// street_address, city, company. Output is cut to the column's length and
// redrawn when it happens to equal the input.
type fakeText struct {
	key   *Key
	max   int
	draw  func(s *Scratch, dst []byte) []byte // appends one fake
	lists [][]string                          // the word lists a fake is made of, if that is all it is
}

// Space: the product of the distinct words of each list, cut to the
// column's length (+Inf for fakes made of more than lists).
func (m fakeText) Space(*Column) (float64, bool) {
	if len(m.lists) == 0 {
		return math.Inf(1), false
	}
	n := 1.0
	for _, l := range m.lists {
		distinct := map[string]bool{}
		for _, w := range l {
			distinct[string(fit([]byte(w), 0, m.max))] = true
		}
		n *= float64(len(distinct))
	}
	return n, false
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

// registerFake registers a fakeText masker whose fakes are made of one
// word of each of lists (none: of something else).
func registerFake(name, doc string, draw func(s *Scratch, dst []byte) []byte, lists ...[]string) {
	register(&Def{
		Name:    name,
		Doc:     doc,
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			return fakeText{key: cfg.Key, max: cfg.Column.MaxChars, draw: draw, lists: lists}, nil
		},
	})
}
