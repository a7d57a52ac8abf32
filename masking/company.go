package masking

func init() {
	registerFake("company", "a realistic company name", func(s *Scratch) string { return s.faker.Company() })
}
