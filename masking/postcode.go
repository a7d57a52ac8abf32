package masking

// postcode masks a postal code with the keyed shape bijection: every letter
// and digit is replaced by one of the same class (and case), spaces and
// dashes stay put, so "SW1A 1AA", "10115" and "94105-1234" keep their
// shapes and any format CHECK. As a bijection without fixed points
// (DerangeShape) it keeps unique codes unique and never returns its input,
// even on tiny domains such as "7L".
type postcode struct{ key *Key }

func (postcode) Bijective() {}

func (m postcode) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	return m.key.DerangeShape(dst, value, 0), nil
}

func init() {
	register(&Def{
		Name:    "postcode",
		Doc:     "a postal code of the same shape: letters stay letters, digits stay digits, separators stay put",
		Accepts: acceptText,
		New:     func(cfg *Config) (Masker, error) { return postcode{key: cfg.Key}, nil },
	})
}
