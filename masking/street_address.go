package masking

func init() {
	registerFake("street_address", "a realistic street address (number and street)", func(s *Scratch) string { return s.faker.Street() })
}
