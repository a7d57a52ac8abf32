package masking

func init() {
	registerFake("street_address", "a realistic street address (number and street)", func(s *Scratch, dst []byte) []byte {
		return append(dst, s.faker.Street()...)
	})
}
