package masking

func init() {
	registerFake("last_name", "a realistic last name", func(s *Scratch) string { return s.faker.LastName() })
}
