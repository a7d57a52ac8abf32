package masking

import (
	"fmt"
	"slices"
	"strconv"
)

// constMasker writes the same value in every row, NULLs included: a
// constant column is what the rule asks for. It echoes rows that already
// hold the constant.
type constMasker struct{ value []byte }

func (m constMasker) Mask(_ *Scratch, dst, _ []byte) ([]byte, error) {
	return append(dst, m.value...), nil
}

func (m constMasker) MaskNull(_ *Scratch, dst []byte) ([]byte, bool) {
	return append(dst, m.value...), false
}

func init() {
	register(&Def{
		Name:    "const",
		Doc:     "writes the same value in every row",
		Params:  []Param{{Name: "value", Kind: ParamString, Required: true, Doc: "the value, in PostgreSQL's text form"}},
		Accepts: acceptAny,
		New: func(cfg *Config) (Masker, error) {
			v := cfg.String("value", "")
			if err := constFits(cfg.Column, v); err != nil {
				return nil, err
			}
			return constMasker{value: []byte(v)}, nil
		},
	})
}

// constFits checks a constant against the column's type where it can.
func constFits(c *Column, v string) error {
	if c.Array {
		return nil
	}
	switch c.Category {
	case CatText:
		if c.MaxChars > 0 && runeLen([]byte(v)) > c.MaxChars {
			return fmt.Errorf("value is %d characters, the column allows %d", runeLen([]byte(v)), c.MaxChars)
		}
	case CatInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < c.IntMin || n > c.IntMax {
			return fmt.Errorf("value %q is not an integer in the range of %s", v, c.TypeName())
		}
	case CatXML:
		if !validXMLContent([]byte(v)) {
			return fmt.Errorf("value is not well-formed XML content")
		}
	case CatEnum:
		if !slices.Contains(c.Labels, v) {
			return fmt.Errorf("value %q is not a label of enum %s", v, c.TypeName())
		}
	case CatBool:
		if _, err := strconv.ParseBool(v); err != nil && v != "t" && v != "f" {
			return fmt.Errorf("value %q is not a boolean", v)
		}
	}
	for _, ch := range c.Checks {
		if !ch.Re.MatchString(v) {
			return fmt.Errorf("value %q violates CHECK constraint %s", v, ch.Name)
		}
	}
	if c.Range != nil && !c.Range.containsText([]byte(v)) {
		return fmt.Errorf("value %q violates CHECK constraint %s", v, c.Range.Checks)
	}
	return nil
}
