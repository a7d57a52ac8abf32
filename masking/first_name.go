package masking

func init() {
	registerFake("first_name", "a realistic first name", func(s *Scratch, dst []byte) []byte {
		return append(dst, pick(s.faker, firstNames)...)
	}, firstNames)
}
