package masking

func init() {
	registerFake("city", "a realistic city name", func(s *Scratch) string { return s.faker.City() })
}
