package masking

func init() {
	registerFake("full_name", "a realistic first and last name", func(s *Scratch) string {
		return s.faker.FirstName() + " " + s.faker.LastName()
	})
}
