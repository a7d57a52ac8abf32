package masking

// null sets every value to NULL.
type nullMasker struct{}

func (nullMasker) AlwaysNull() {}

func (nullMasker) Mask(_ *Scratch, dst, _ []byte) ([]byte, error) { return dst, nil }

func init() {
	register(&Def{
		Name: "null",
		Doc:  "sets the column to NULL (also written as YAML null)",
		Accepts: func(c *Column) (bool, string) {
			if c.NotNull {
				return false, "the column is NOT NULL"
			}
			return true, ""
		},
		New: func(*Config) (Masker, error) { return nullMasker{}, nil },
	})
}
