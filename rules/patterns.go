package rules

import (
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// PatternRule is one columns: entry: a glob over schema.table.column and
// the rule every matching column without an exact rule gets.
type PatternRule struct {
	Pattern string
	// Parts are the lower-cased globs of the schema, table and column.
	Parts [3]string
	Line  int
	Spec  *masking.Spec // nil: keep
}

// Matches reports whether the pattern covers column c of table q. Matching
// ignores case: a pattern written for email also finds "Email".
func (r *PatternRule) Matches(q schema.QName, c string) bool {
	for i, name := range [3]string{q.Schema, q.Name, c} {
		if ok, _ := path.Match(r.Parts[i], strings.ToLower(name)); !ok {
			return false
		}
	}
	return true
}

// patterns parses the columns: section.
func (p *parser) patterns(v *yaml.Node) []*PatternRule {
	var out []*PatternRule
	p.mapping(v, "columns", func(k, val *yaml.Node) {
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "columns: a pattern must be a string like \"*.*.email\"")
			return
		}
		parts := strings.Split(strings.ToLower(k.Value), ".")
		if len(parts) != 3 {
			p.errorf(k, "columns: pattern %q must have three parts, schema.table.column (e.g. \"*.*.email\", \"public.*.*_ip\")", k.Value)
			return
		}
		for _, part := range parts {
			if _, err := path.Match(part, ""); part == "" || err != nil {
				p.errorf(k, "columns: pattern %q: bad glob %q (use *, ? and [...])", k.Value, part)
				return
			}
		}
		spec, ok := p.rule(val, "pattern "+k.Value)
		if !ok {
			return
		}
		out = append(out, &PatternRule{Pattern: k.Value, Parts: [3]string(parts), Line: k.Line, Spec: spec})
	})
	return out
}

// applyPatterns gives every column without a rule of its own the rule of
// the patterns matching it. Tables marked keep or skip are left alone, and
// so are referencing columns of foreign keys: they follow the key they
// reference (propagation, which runs next), or stay uncovered when that
// key is not masked, since masking only one side would break the key.
func (p *planner) applyPatterns() {
	if len(p.f.Patterns) == 0 {
		return
	}
	referencing := map[colKey]bool{}
	for _, e := range p.edges() {
		for _, c := range e.fk.Columns {
			referencing[colKey{e.child, c}] = true
		}
	}
	reported := map[[2]int]bool{}
	for _, t := range p.cat.Tables {
		if tr := p.mode[t.Name]; tr != nil && tr.Mode != ByColumn {
			continue
		}
		for _, c := range t.Columns {
			k := colKey{t.Name, c.Name}
			if c.Generated || p.eff[k] != nil || referencing[k] {
				continue
			}
			var first *PatternRule
			for _, r := range p.f.Patterns {
				if !r.Matches(t.Name, c.Name) {
					continue
				}
				if first == nil {
					first = r
					continue
				}
				if specLabel(first.Spec) != specLabel(r.Spec) && !reported[[2]int{first.Line, r.Line}] {
					reported[[2]int{first.Line, r.Line}] = true
					p.errorf(r.Line, "column %s matches pattern %q (%s) and pattern %q at %s:%d (%s): make one of them narrower, or give the column a rule of its own",
						k, r.Pattern, specLabel(r.Spec), first.Pattern, p.f.Path, first.Line, specLabel(first.Spec))
				}
			}
			if first != nil {
				p.eff[k] = &effective{spec: first.Spec, explicit: true, line: first.Line, pattern: first}
			}
		}
	}
}

func specLabel(s *masking.Spec) string {
	if s == nil {
		return "keep"
	}
	return s.Label()
}

// UnusedPatterns lists the patterns that match no column of cat, sorted by
// line: a typo, or a column that is gone.
func (f *File) UnusedPatterns(cat *schema.Catalog) []*PatternRule {
	var out []*PatternRule
	for _, r := range f.Patterns {
		used := false
		for _, t := range cat.Tables {
			for _, c := range t.Columns {
				if r.Matches(t.Name, c.Name) {
					used = true
					break
				}
			}
			if used {
				break
			}
		}
		if !used {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// PatternFor returns the first pattern matching column c of table q, or nil.
func (f *File) PatternFor(q schema.QName, c string) *PatternRule {
	for _, r := range f.Patterns {
		if r.Matches(q, c) {
			return r
		}
	}
	return nil
}

// ParseRule parses one rule as a rules file writes it ("email",
// "{use: date_shift, max_days: 30}"); nil means keep.
func ParseRule(text string) (*masking.Spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return nil, &Error{File: "rule", Msg: "invalid rule " + text}
	}
	p := &parser{file: "rule"}
	spec, ok := p.rule(doc.Content[0], "rule")
	if !ok || len(p.errs) > 0 {
		return nil, p.errs
	}
	return spec, nil
}
