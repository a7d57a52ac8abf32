package masking

func init() {
	registerFake("company", "a realistic company name", func(s *Scratch, dst []byte) []byte {
		return append(dst, pick(s.faker, companies)...)
	}, companies)
}
