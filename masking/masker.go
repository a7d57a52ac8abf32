// Package masking holds the maskers: functions that replace one column value
// with a fake one that keeps the column's type, shape and constraints.
//
// A masker sees values in PostgreSQL's text representation (what COPY and
// INSERT literals carry, already unescaped) and returns text in the same
// representation. NULL handling, arrays and CHECK validation are done once,
// around every masker, by Wrap.
package masking

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Masker replaces one non-NULL value.
//
// Every implementation keeps this contract, which the conformance suite
// (conformance_test.go) checks for each registered masker:
//
//   - Deterministic: the output is a pure function of (secret, rule, value).
//     No clock, no global state, no shared random sequence: the same value
//     gives the same output in every table, every run, on every machine.
//   - NULL stays NULL: Mask is never called for NULL; Wrap passes NULL
//     through, except for maskers that implement NullFiller (null, const).
//   - Fits the type: the output is valid input for the column it was built
//     for (Column): lengths of varchar(n)/char(n), integer ranges, numeric
//     precision, date formats, enum labels.
//   - Never echoes: the output differs from the input (the few exceptions,
//     such as a bijection's fixed points, are documented on the masker).
//   - Silent: errors describe what is wrong, never the value itself.
//
// Mask appends to dst and returns it; s holds per-goroutine scratch state.
// A Masker is immutable after construction and safe for concurrent use with
// one Scratch per goroutine.
type Masker interface {
	Mask(s *Scratch, dst, value []byte) ([]byte, error)
}

// NullFiller is implemented by maskers that also replace NULLs.
type NullFiller interface {
	// MaskNull returns the output for a NULL input; null reports NULL output.
	MaskNull(s *Scratch, dst []byte) (out []byte, null bool)
}

// Nuller is implemented by the null masker: every output is NULL.
type Nuller interface{ AlwaysNull() }

// Bijective is implemented by maskers that never map two different inputs
// to one output on any column (hash_id); unique columns masked by anything
// else are checked for collisions while the data streams.
type Bijective interface{ Bijective() }

// Spacer is implemented by maskers whose output space depends on the
// column, or is small enough to matter in a unique column.
type Spacer interface {
	// Space returns about how many distinct values the masker writes in
	// column c (+Inf when practically unbounded), and whether it is a
	// bijection there: distinct inputs always give distinct outputs.
	Space(c *Column) (n float64, bijective bool)
}

// OutputSpace asks m how many distinct values it writes in column c and
// whether it is a bijection there. A masker that does not say writes an
// unbounded number and is not a bijection.
func OutputSpace(m Masker, c *Column) (n float64, bijective bool) {
	if s, ok := m.(Spacer); ok {
		return s.Space(c)
	}
	if _, ok := m.(Bijective); ok {
		return math.Inf(1), true
	}
	return math.Inf(1), false
}

// RowMasker is implemented by maskers whose output is built from other
// columns of the same row (template).
type RowMasker interface {
	// Inputs lists the columns the masker reads; their masked values are
	// computed first.
	Inputs() []string
	MaskRow(s *Scratch, dst []byte, row func(column string) (value []byte, null bool)) ([]byte, error)
}

// OriginalReader is implemented by row maskers that read the original
// values of the row's columns, not the masked ones, and mask a value of
// their own column (date_shift by:). Self names that column: its NULLs stay
// NULL, and MaskRow reads its original value too.
type OriginalReader interface {
	RowMasker
	Self() string
}

// ParamKind is the type of a masker parameter.
type ParamKind uint8

const (
	ParamString ParamKind = iota + 1
	ParamInt
	ParamFloat
	ParamBool
	ParamRules // a map from a key (a JSON path) to a nested rule
	ParamRule  // one nested rule (xml text:); keep is Spec{Name: "keep"}
)

// Param describes one parameter of a masker.
type Param struct {
	Name     string
	Kind     ParamKind
	Required bool
	Doc      string
}

// Def is a masker in the catalogue.
type Def struct {
	Name   string
	Doc    string
	Params []Param
	// Accepts reports whether the masker can produce values for columns of
	// this kind; the reason names what it needs.
	Accepts func(c *Column) (ok bool, reason string)
	New     func(cfg *Config) (Masker, error)
}

// Param returns the named parameter definition, or nil.
func (d *Def) Param(name string) *Param {
	for i := range d.Params {
		if d.Params[i].Name == name {
			return &d.Params[i]
		}
	}
	return nil
}

// Spec is a rule as written: a masker name and its parameters, decoded to
// string, int64, float64, bool, (for ParamRules) map[string]*Spec or (for
// ParamRule) *Spec.
type Spec struct {
	Name   string
	Params map[string]any
	// Where locates the rule in its file, for error messages ("shop.yaml:12").
	Where string
}

// Label is the rule's canonical text: the masker name and its parameters in
// a fixed order. Equal labels mean equal outputs, which is what keys derive
// from.
func (s *Spec) Label() string {
	if len(s.Params) == 0 {
		return s.Name
	}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		switch v := s.Params[k].(type) {
		case map[string]*Spec:
			sub := make([]string, 0, len(v))
			for p := range v {
				sub = append(sub, p)
			}
			sort.Strings(sub)
			fmt.Fprintf(&b, "%s={", k)
			for j, p := range sub {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%q:%s", p, v[p].Label())
			}
			b.WriteByte('}')
		case *Spec:
			fmt.Fprintf(&b, "%s=%s", k, v.Label())
		default:
			fmt.Fprintf(&b, "%s=%#v", k, v)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// Config is what a masker's constructor gets.
type Config struct {
	Spec   *Spec
	Column *Column
	Key    *Key
	// EmailDomain is the rules file's default domain for fake addresses.
	EmailDomain string
	// Build constructs a nested rule (json paths) for a value of kind col.
	Build func(spec *Spec, col *Column) (Masker, error)
	// Derive is the key of another label, for a masker whose output must
	// not depend on all of its rule's parameters (date_shift by: keys on
	// the owner's value, whichever column names it).
	Derive func(label string) *Key
}

// String returns a string parameter or def.
func (c *Config) String(name, def string) string {
	if v, ok := c.Spec.Params[name].(string); ok {
		return v
	}
	return def
}

// Int returns an integer parameter or def.
func (c *Config) Int(name string, def int64) int64 {
	if v, ok := c.Spec.Params[name].(int64); ok {
		return v
	}
	return def
}

// Float returns a number parameter or def.
func (c *Config) Float(name string, def float64) float64 {
	switch v := c.Spec.Params[name].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return def
}

// Bool returns a boolean parameter or def.
func (c *Config) Bool(name string, def bool) bool {
	if v, ok := c.Spec.Params[name].(bool); ok {
		return v
	}
	return def
}

var registry = map[string]*Def{}

func register(d *Def) {
	if _, dup := registry[d.Name]; dup {
		panic("masking: duplicate masker " + d.Name)
	}
	registry[d.Name] = d
}

// Lookup returns the masker definition for name, or nil.
func Lookup(name string) *Def { return registry[name] }

// Names lists the registered maskers, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
