package masking

func init() {
	registerFake("last_name", "a realistic last name", func(s *Scratch, dst []byte) []byte {
		return append(dst, pick(s.faker, lastNames)...)
	}, lastNames)
}
