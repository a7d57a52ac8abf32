package masking

func init() {
	registerFake("full_name", "a realistic first and last name", func(s *Scratch, dst []byte) []byte {
		dst = append(append(dst, pick(s.faker, firstNames)...), ' ')
		return append(dst, pick(s.faker, lastNames)...)
	}, firstNames, lastNames)
}
