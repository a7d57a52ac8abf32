package masking

import (
	"fmt"
	"regexp"
)

// regexReplace replaces every match of a Go regular expression (RE2
// syntax, not PostgreSQL's: no backreferences or lookaround) with a
// replacement in which $1, ${name} and $$ expand as in regexp.Expand. The
// result is cut to the column's length.
//
// Exemptions: the output does not depend on the secret (it is what the
// pattern says), and text the pattern does not match — or a replacement
// that reproduces what it matched — is kept (echo).
type regexReplace struct {
	re   *regexp.Regexp
	repl []byte
	max  int
}

func (m regexReplace) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	start := len(dst)
	last := 0
	limit := OutputLimit(len(value))
	// FindAll skips empty matches right after a match, as ReplaceAll does.
	for _, loc := range m.re.FindAllSubmatchIndex(value, -1) {
		dst = append(dst, value[last:loc[0]]...)
		dst = m.re.Expand(dst, m.repl, value, loc)
		last = loc[1]
		if len(dst)-start > limit {
			return dst[:start], errTooLarge
		}
	}
	dst = append(dst, value[last:]...)
	return fit(dst, start, m.max), nil
}

func init() {
	register(&Def{
		Name: "regex_replace",
		Doc:  "replaces matches of a Go (RE2) regular expression; $1 and ${name} expand to groups",
		Params: []Param{
			{Name: "pattern", Kind: ParamString, Required: true, Doc: "Go RE2 regular expression, e.g. '[0-9]'"},
			{Name: "replacement", Kind: ParamString, Required: true, Doc: "text for each match; $1 or ${name} insert a group, $$ a dollar sign"},
		},
		Accepts: acceptTextOrXML,
		New: onXML(func(cfg *Config) (Masker, error) {
			re, err := regexp.Compile(cfg.String("pattern", ""))
			if err != nil {
				return nil, fmt.Errorf("pattern is not a valid Go (RE2) regular expression: %v", err)
			}
			return regexReplace{re: re, repl: []byte(cfg.String("replacement", "")), max: cfg.Column.MaxChars}, nil
		}),
	})
}
