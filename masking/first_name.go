package masking

func init() {
	registerFake("first_name", "a realistic first name", func(s *Scratch) string { return s.faker.FirstName() })
}
