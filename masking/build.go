package masking

import (
	"fmt"
	"strings"
)

// Options are the run-wide settings maskers draw on.
type Options struct {
	Secret Secret
	// EmailDomain is the default domain of fake email addresses.
	EmailDomain string
}

// Build constructs the masker a rule asks for on a column: it checks that
// the masker exists, that its parameters are known and of the right kind,
// and that it can produce values for the column's type.
func Build(spec *Spec, col *Column, opts *Options) (Masker, error) {
	def := Lookup(spec.Name)
	if def == nil {
		return nil, &UnknownMaskerError{Name: spec.Name}
	}
	for name, v := range spec.Params {
		p := def.Param(name)
		if p == nil {
			return nil, fmt.Errorf("masker %s has no parameter %q (it takes: %s)", spec.Name, name, paramList(def))
		}
		if !kindMatches(p.Kind, v) {
			return nil, fmt.Errorf("parameter %s of %s must be %s", name, spec.Name, kindName(p.Kind))
		}
	}
	for _, p := range def.Params {
		if _, ok := spec.Params[p.Name]; p.Required && !ok {
			return nil, fmt.Errorf("masker %s needs parameter %s (%s)", spec.Name, p.Name, p.Doc)
		}
	}
	if ok, reason := def.Accepts(col); !ok {
		return nil, &TypeError{Masker: spec.Name, Type: col.TypeName(), Reason: reason}
	}
	cfg := &Config{
		Spec:        spec,
		Column:      col,
		Key:         opts.Secret.Key(spec.Label()),
		EmailDomain: opts.EmailDomain,
		Build:       func(s *Spec, c *Column) (Masker, error) { return Build(s, c, opts) },
		Derive:      opts.Secret.Key,
	}
	if cfg.EmailDomain == "" {
		cfg.EmailDomain = "example.com"
	}
	return def.New(cfg)
}

// UnknownMaskerError names a masker that does not exist.
type UnknownMaskerError struct{ Name string }

func (e *UnknownMaskerError) Error() string {
	names := append([]string{"keep"}, Names()...)
	for _, n := range names {
		if closeTo(e.Name, n) {
			return fmt.Sprintf("unknown masker %q (did you mean %s?)", e.Name, n)
		}
	}
	return fmt.Sprintf("unknown masker %q (known: %s)", e.Name, strings.Join(names, ", "))
}

// closeTo reports whether a is a likely typo of b: one edit or one swap of
// neighbouring letters apart.
func closeTo(a, b string) bool {
	if a == b || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
		return false
	}
	if len(a) == len(b) {
		var diff []int
		for i := range a {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		return len(diff) == 1 || len(diff) == 2 && diff[1] == diff[0]+1 && a[diff[0]] == b[diff[1]] && a[diff[1]] == b[diff[0]]
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	for i := range b {
		if a == b[:i]+b[i+1:] {
			return true
		}
	}
	return false
}

// TypeError is a masker that cannot produce values of a column's type.
type TypeError struct {
	Masker, Type, Reason string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("masker %s cannot fill a column of type %s: %s", e.Masker, e.Type, e.Reason)
}

func paramList(d *Def) string {
	if len(d.Params) == 0 {
		return "no parameters"
	}
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

func kindMatches(k ParamKind, v any) bool {
	switch v.(type) {
	case string:
		return k == ParamString
	case int64:
		return k == ParamInt || k == ParamFloat
	case float64:
		return k == ParamFloat
	case bool:
		return k == ParamBool
	case map[string]*Spec:
		return k == ParamRules
	case *Spec:
		return k == ParamRule
	}
	return false
}

func kindName(k ParamKind) string {
	switch k {
	case ParamString:
		return "a string"
	case ParamInt:
		return "an integer"
	case ParamFloat:
		return "a number"
	case ParamBool:
		return "true or false"
	case ParamRule:
		return "a rule"
	case ParamRules:
		return "a map of paths to rules"
	}
	return "?"
}

// Accept helpers for Def.Accepts.

func acceptText(c *Column) (bool, string) {
	if c.Category == CatText {
		return true, ""
	}
	return false, "it produces text (text, varchar, char)"
}

func acceptAny(*Column) (bool, string) { return true, "" }
