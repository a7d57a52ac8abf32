package masking

func init() {
	registerFake("city", "a realistic city name", func(s *Scratch, dst []byte) []byte {
		return append(dst, pick(s.faker, cities)...)
	}, cities)
}
