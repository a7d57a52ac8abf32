// Package rules reads Understudy's rules files (version 1) and turns them,
// together with a dump's schema, into a plan: for every table, which columns
// are masked by what and which pass through untouched.
package rules

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// File is a parsed rules file.
type File struct {
	Path        string
	Version     int
	Strict      bool
	EmailDomain string
	// EmailDomainLine locates email_domain, for messages (0: the default).
	EmailDomainLine int
	Tables          []*TableRule // in file order
	// Patterns are the columns: entries, in file order.
	Patterns []*PatternRule
	Subset   *Subset
	// Relations are foreign keys the schema does not declare, followed by
	// masking and subsetting as declared ones are.
	Relations []*Relation
	// LargeObjects says what happens to the dump's large objects, which
	// can hold anything, personal data included.
	LargeObjects LargeObjectMode
	// LargeObjectsLine locates large_objects, for messages (0: not given).
	LargeObjectsLine int
}

// LargeObjectMode is the large_objects setting.
type LargeObjectMode uint8

const (
	// LargeObjectsRefuse is the default: a dump holding large objects is
	// refused, since they cannot be masked.
	LargeObjectsRefuse LargeObjectMode = iota
	// LargeObjectsKeep copies them byte for byte, on purpose.
	LargeObjectsKeep
	// LargeObjectsDrop leaves them out of the output.
	LargeObjectsDrop
)

// TableMode says how a table entry treats its columns.
type TableMode uint8

const (
	// ByColumn lists rules column by column.
	ByColumn TableMode = iota
	// KeepTable passes every column through, on purpose.
	KeepTable
	// SkipTable keeps the table's definition and loads none of its rows.
	SkipTable
)

// TableRule is one entry under tables:.
type TableRule struct {
	Name    schema.QName
	Line    int
	Mode    TableMode
	Columns []*ColumnRule
}

// ColumnRule is one column's rule. Spec is nil for keep.
type ColumnRule struct {
	Name string
	Line int
	Spec *masking.Spec
}

// Subset is the subset: section (applied by package subset).
type Subset struct {
	Line    int
	Root    schema.QName
	Percent float64
	Include map[schema.QName][]string
	// Tables maps a table to all, none or follow.
	Tables map[schema.QName]string
	// Where is an SQL condition on the root's rows, for a live source.
	Where     string
	WhereLine int
	// The lines of root:, percent:, and of each table's include: and
	// tables: entry, for messages about them.
	RootLine, PercentLine     int
	IncludeLines, TablesLines map[schema.QName]int
}

// Relation is one relations: entry: From's columns reference To's.
type Relation struct {
	Line             int
	From, To         schema.QName
	FromCols, ToCols []string
}

// Error is a mistake in a rules file, located by file and line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every mistake found, reported together so one run shows them all.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and parses a rules file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read rules: %v", err)}
	}
	return Parse(path, data)
}

// Parse parses rules file contents; path is used in messages.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlError(err, data)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: path, Msg: "the rules file is empty (it needs at least `version: 1` and `tables:`)"}
	}
	f := p.file1(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return f, nil
}

type parser struct {
	file string
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, a ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, a...)})
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: …") into an Error.
func (p *parser) yamlError(err error, data []byte) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if _, err := fmt.Sscanf(n, "%d", &line); err == nil {
				msg = after
			}
		}
	}
	msg = "invalid YAML: " + msg
	if line > 0 {
		// A bare * starts a YAML alias, so an unquoted pattern such as
		// *.*.email fails with a message that does not say why.
		lines := strings.Split(string(data), "\n")
		if l := strings.TrimSpace(lines[min(line, len(lines))-1]); strings.HasPrefix(l, "*") || strings.Contains(l, "{*") || strings.Contains(l, ", *") {
			msg += ` (a pattern starting with * must be quoted: "*.*.email")`
		}
	}
	return Errors{{File: p.file, Line: line, Msg: msg}}
}

// mapping iterates a mapping node's key/value pairs, rejecting duplicates.
func (p *parser) mapping(n *yaml.Node, what string, fn func(key, val *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping", what)
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if line, dup := seen[k.Value]; dup {
			p.errorf(k, "%s: %q is given twice (first at line %d)", what, k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v)
	}
}

func (p *parser) file1(root *yaml.Node) *File {
	f := &File{Path: p.file, Strict: true, EmailDomain: "example.com"}
	var versionSeen, tablesSeen bool
	p.mapping(root, "the rules file", func(k, v *yaml.Node) {
		switch k.Value {
		case "version":
			versionSeen = true
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Value != "1" {
				p.errorf(v, "unsupported rules version %q: this Understudy reads version 1", v.Value)
			}
			f.Version = 1
		case "strict":
			if b, ok := p.boolean(v); ok {
				f.Strict = b
			}
		case "email_domain":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				p.errorf(v, "email_domain must be a domain name")
				return
			}
			f.EmailDomain, f.EmailDomainLine = v.Value, v.Line
		case "tables":
			tablesSeen = true
			p.mapping(v, "tables", func(tk, tv *yaml.Node) {
				if t := p.table(tk, tv); t != nil {
					f.Tables = append(f.Tables, t)
				}
			})
		case "columns":
			f.Patterns = p.patterns(v)
		case "subset":
			f.Subset = p.subset(v)
		case "relations":
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "relations must be a list of {from: schema.table.column, to: schema.table.column}")
				return
			}
			for _, item := range v.Content {
				if r := p.relation(item); r != nil {
					f.Relations = append(f.Relations, r)
				}
			}
		case "large_objects":
			f.LargeObjectsLine = v.Line
			switch {
			case v.Kind == yaml.ScalarNode && v.Value == "keep":
				f.LargeObjects = LargeObjectsKeep
			case v.Kind == yaml.ScalarNode && v.Value == "drop":
				f.LargeObjects = LargeObjectsDrop
			default:
				p.errorf(v, "large_objects must be keep or drop, got %q", v.Value)
			}
		default:
			p.errorf(k, "unknown key %q (expected version, strict, email_domain, tables, columns, relations, subset, large_objects)", k.Value)
		}
	})
	if !versionSeen {
		p.errorf(root, "missing `version: 1`")
	}
	if !tablesSeen {
		p.errorf(root, "missing `tables:`")
	}
	seen := map[schema.QName]*TableRule{}
	for _, t := range f.Tables {
		if prev := seen[t.Name]; prev != nil {
			p.errs = append(p.errs, &Error{File: p.file, Line: t.Line,
				Msg: fmt.Sprintf("table %s already has rules at line %d", t.Name, prev.Line)})
		}
		seen[t.Name] = t
	}
	return f
}

func (p *parser) boolean(v *yaml.Node) (bool, bool) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		var b bool
		if err := v.Decode(&b); err == nil {
			return b, true
		}
	}
	p.errorf(v, "expected true or false, got %q", v.Value)
	return false, false
}

func (p *parser) table(k, v *yaml.Node) *TableRule {
	name, err := schema.ParseQName(k.Value)
	if err != nil {
		p.errorf(k, "bad table name %q: %v", k.Value, err)
		return nil
	}
	t := &TableRule{Name: name, Line: k.Line}
	switch {
	case v.Kind == yaml.ScalarNode && v.Value == "keep":
		t.Mode = KeepTable
	case v.Kind == yaml.ScalarNode && v.Value == "skip":
		t.Mode = SkipTable
	case v.Kind == yaml.MappingNode:
		cols := map[string]int{}
		p.mapping(v, "table "+name.String(), func(ck, cv *yaml.Node) {
			col := unquoteIdent(ck.Value)
			if col == "" {
				p.errorf(ck, "empty column name")
				return
			}
			// email and "email" name the same column: quotes are optional.
			if line, dup := cols[col]; dup {
				p.errorf(ck, "table %s: column %s is given twice (first at line %d)", name, schema.QuoteIdent(col), line)
				return
			}
			cols[col] = ck.Line
			spec, ok := p.rule(cv, "column "+name.String()+"."+schema.QuoteIdent(col))
			if !ok {
				return
			}
			t.Columns = append(t.Columns, &ColumnRule{Name: col, Line: ck.Line, Spec: spec})
		})
	default:
		p.errorf(v, "table %s: expected keep, skip, or a mapping of column rules", name)
		return nil
	}
	return t
}

// unquoteIdent strips optional double quotes from a column key.
func unquoteIdent(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

// rule parses a column (or JSON path) rule: a masker name, null, keep, or a
// mapping with use: and parameters. A nil spec means keep.
func (p *parser) rule(v *yaml.Node, what string) (*masking.Spec, bool) {
	where := fmt.Sprintf("%s:%d", p.file, v.Line)
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" || v.Value == "null" {
			return &masking.Spec{Name: "null", Where: where}, true
		}
		if v.Value == "keep" {
			return nil, true
		}
		if v.Tag != "!!str" {
			p.errorf(v, "%s: expected a masker name, got %q", what, v.Value)
			return nil, false
		}
		def := masking.Lookup(v.Value)
		if def == nil {
			p.errorf(v, "%s: %v", what, &masking.UnknownMaskerError{Name: v.Value})
			return nil, false
		}
		for _, prm := range def.Params {
			if prm.Required {
				p.errorf(v, "%s: masker %s needs parameter %s (%s); write {use: %s, %s: …}", what, def.Name, prm.Name, prm.Doc, def.Name, prm.Name)
				return nil, false
			}
		}
		return &masking.Spec{Name: v.Value, Where: where}, true
	case yaml.MappingNode:
		spec := &masking.Spec{Where: where, Params: map[string]any{}}
		var def *masking.Def
		for i := 0; i+1 < len(v.Content); i += 2 {
			if k := v.Content[i]; k.Value == "use" {
				val := v.Content[i+1]
				if val.Value == "keep" {
					p.errorf(val, "%s: keep takes no parameters; write `keep`", what)
					return nil, false
				}
				if def = masking.Lookup(val.Value); def == nil {
					p.errorf(val, "%s: %v", what, &masking.UnknownMaskerError{Name: val.Value})
					return nil, false
				}
				spec.Name = def.Name
			}
		}
		if def == nil {
			p.errorf(v, "%s: a rule written as a mapping needs `use: MASKER`", what)
			return nil, false
		}
		ok := true
		p.mapping(v, what, func(k, val *yaml.Node) {
			if k.Value == "use" {
				return
			}
			prm := def.Param(k.Value)
			if prm == nil {
				p.errorf(k, "%s: masker %s has no parameter %q (it takes: %s)", what, def.Name, k.Value, paramNames(def))
				ok = false
				return
			}
			if x, good := p.param(val, prm, what); good {
				spec.Params[k.Value] = x
			} else {
				ok = false
			}
		})
		for _, prm := range def.Params {
			if _, given := spec.Params[prm.Name]; prm.Required && !given && ok {
				p.errorf(v, "%s: masker %s needs parameter %s (%s)", what, def.Name, prm.Name, prm.Doc)
				ok = false
			}
		}
		if len(spec.Params) == 0 {
			spec.Params = nil
		}
		return spec, ok
	}
	p.errorf(v, "%s: expected a masker name or a mapping with use:", what)
	return nil, false
}

func paramNames(d *masking.Def) string {
	if len(d.Params) == 0 {
		return "no parameters"
	}
	var names []string
	for _, p := range d.Params {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// param decodes one parameter value to the kind the masker declares.
func (p *parser) param(v *yaml.Node, prm *masking.Param, what string) (any, bool) {
	bad := func(kind string) (any, bool) {
		p.errorf(v, "%s: parameter %s must be %s, got %q", what, prm.Name, kind, v.Value)
		return nil, false
	}
	switch prm.Kind {
	case masking.ParamString:
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return bad("a string")
		}
		return v.Value, true
	case masking.ParamInt:
		var n int64
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil {
			return bad("an integer")
		}
		return n, true
	case masking.ParamFloat:
		var x float64
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&x) != nil {
			return bad("a number")
		}
		return x, true
	case masking.ParamBool:
		var b bool
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
			return bad("true or false")
		}
		return b, true
	case masking.ParamRule:
		spec, good := p.rule(v, what+" "+prm.Name)
		if good && spec == nil {
			spec = &masking.Spec{Name: "keep", Where: fmt.Sprintf("%s:%d", p.file, v.Line)}
		}
		return spec, good
	case masking.ParamRules:
		out := map[string]*masking.Spec{}
		ok := true
		p.mapping(v, what+" "+prm.Name, func(k, val *yaml.Node) {
			spec, good := p.rule(val, fmt.Sprintf("%s path %s", what, k.Value))
			if !good {
				ok = false
				return
			}
			if spec == nil {
				p.errorf(val, "%s path %s: keep is what every path not listed gets; leave the path out", what, k.Value)
				ok = false
				return
			}
			out[k.Value] = spec
		})
		return out, ok
	}
	return bad("?")
}

func (p *parser) subset(v *yaml.Node) *Subset {
	s := &Subset{Line: v.Line, Include: map[schema.QName][]string{}, Tables: map[schema.QName]string{},
		IncludeLines: map[schema.QName]int{}, TablesLines: map[schema.QName]int{}}
	p.mapping(v, "subset", func(k, val *yaml.Node) {
		switch k.Value {
		case "root":
			q, err := schema.ParseQName(val.Value)
			if err != nil || val.Kind != yaml.ScalarNode {
				p.errorf(val, "subset root: bad table name %q", val.Value)
				return
			}
			s.Root, s.RootLine = q, val.Line
		case "percent":
			s.PercentLine = val.Line
			// 10 or 10% (as --subset spells it); NaN and infinities are
			// not in the range (a NaN compared false both ways and kept
			// every row).
			var err error
			s.Percent, err = strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val.Value), "%")), 64)
			if val.Kind != yaml.ScalarNode || err != nil || !(s.Percent > 0 && s.Percent <= 100) {
				p.errorf(val, "subset percent must be a number in (0, 100], got %q", val.Value)
			}
		case "include":
			p.mapping(val, "subset include", func(tk, tv *yaml.Node) {
				q, err := schema.ParseQName(tk.Value)
				if err != nil {
					p.errorf(tk, "subset include: bad table name %q", tk.Value)
					return
				}
				if tv.Kind != yaml.SequenceNode {
					p.errorf(tv, "subset include %s: expected a list of key values", q)
					return
				}
				for _, item := range tv.Content {
					if item.Kind != yaml.ScalarNode {
						p.errorf(item, "subset include %s: expected a list of key values", q)
						return
					}
					s.Include[q] = append(s.Include[q], item.Value)
				}
				s.IncludeLines[q] = tk.Line
			})
		case "tables":
			p.mapping(val, "subset tables", func(tk, tv *yaml.Node) {
				q, err := schema.ParseQName(tk.Value)
				if err != nil {
					p.errorf(tk, "subset tables: bad table name %q", tk.Value)
					return
				}
				if tv.Kind != yaml.ScalarNode || (tv.Value != "all" && tv.Value != "none" && tv.Value != "follow") {
					p.errorf(tv, "subset tables %s: expected all, none or follow, got %q", q, tv.Value)
					return
				}
				s.Tables[q], s.TablesLines[q] = tv.Value, tk.Line
			})
		case "where":
			if val.Kind != yaml.ScalarNode || strings.TrimSpace(val.Value) == "" {
				p.errorf(val, "subset where: expected an SQL condition on the root table")
				return
			}
			s.Where, s.WhereLine = val.Value, val.Line
		default:
			p.errorf(k, "subset: unknown key %q (expected root, percent, include, tables, where)", k.Value)
		}
	})
	if s.Root == (schema.QName{}) {
		p.errorf(v, "subset needs root:")
	}
	return s
}

// relation parses {from: COLUMN | [COLUMN…], to: COLUMN | [COLUMN…]}.
func (p *parser) relation(v *yaml.Node) *Relation {
	r := &Relation{Line: v.Line}
	ok := true
	side := func(n *yaml.Node, what string) (schema.QName, []string) {
		items := []*yaml.Node{n}
		if n.Kind == yaml.SequenceNode {
			items = n.Content
		}
		var table schema.QName
		var cols []string
		for _, it := range items {
			q, c, err := schema.ParseColumnRef(it.Value)
			if it.Kind != yaml.ScalarNode || err != nil {
				p.errorf(it, "relations %s: expected schema.table.column, got %q", what, it.Value)
				ok = false
				return table, nil
			}
			if len(cols) > 0 && q != table {
				p.errorf(it, "relations %s: the columns of one side belong to one table (%s, then %s)", what, table, q)
				ok = false
			}
			table, cols = q, append(cols, c)
		}
		if len(cols) == 0 {
			p.errorf(n, "relations %s: no column", what)
			ok = false
		}
		return table, cols
	}
	var from, to bool
	p.mapping(v, "relations entry", func(k, val *yaml.Node) {
		switch k.Value {
		case "from":
			r.From, r.FromCols = side(val, "from")
			from = true
		case "to":
			r.To, r.ToCols = side(val, "to")
			to = true
		default:
			p.errorf(k, "relations: unknown key %q (expected from, to)", k.Value)
			ok = false
		}
	})
	switch {
	case !from || !to:
		p.errorf(v, "relations entry needs from: and to:")
		return nil
	case !ok:
		return nil
	case len(r.FromCols) != len(r.ToCols):
		p.errorf(v, "relations: %d column(s) reference %d", len(r.FromCols), len(r.ToCols))
		return nil
	}
	return r
}

// ApplyRelations adds the relations to the catalog as foreign keys, so
// that masking and subsetting follow them; the tables and columns must
// exist. The tables the subset: section names must exist too: every
// command applies the relations once the schema is read (anonymize check
// included, which does not take the subset), so a root, pinned table or
// tables: entry that is not in the dump is reported at its line there.
func (f *File) ApplyRelations(cat *schema.Catalog) error {
	errs := f.checkSubsetNames(cat)
	for _, r := range f.Relations {
		from, to := cat.Table(r.From), cat.Table(r.To)
		missing := func(t *schema.Table, q schema.QName, cols []string) bool {
			if t == nil {
				errs = append(errs, &Error{File: f.Path, Line: r.Line, Msg: fmt.Sprintf("relations: no table %s in the dump", q)})
				return true
			}
			for _, c := range cols {
				if t.Column(c) == nil {
					errs = append(errs, &Error{File: f.Path, Line: r.Line, Msg: fmt.Sprintf("relations: table %s has no column %s", q, schema.QuoteIdent(c))})
					return true
				}
			}
			return false
		}
		if missing(from, r.From, r.FromCols) || missing(to, r.To, r.ToCols) {
			continue
		}
		from.ForeignKeys = append(from.ForeignKeys, &schema.ForeignKey{
			Name: fmt.Sprintf("relation at %s:%d", f.Path, r.Line), Columns: r.FromCols, RefTable: r.To, RefColumns: r.ToCols})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// checkSubsetNames reports the tables of the subset: section the catalog
// does not have.
func (f *File) checkSubsetNames(cat *schema.Catalog) Errors {
	s := f.Subset
	if s == nil {
		return nil
	}
	var errs Errors
	var names []string
	check := func(q schema.QName, line int, what string) {
		if cat.Table(q) != nil {
			return
		}
		if names == nil {
			for _, t := range cat.Tables {
				names = append(names, t.Name.String())
			}
		}
		p := &planner{}
		errs = append(errs, &Error{File: f.Path, Line: line, Msg: fmt.Sprintf("subset %s: no table %s in the dump%s", what, q, p.suggest(q.String(), names))})
	}
	if s.Root != (schema.QName{}) {
		check(s.Root, s.RootLine, "root")
	}
	for _, q := range sortedKeys(s.Include) {
		check(q, s.IncludeLines[q], "include")
	}
	for _, q := range sortedKeys(s.Tables) {
		check(q, s.TablesLines[q], "tables")
	}
	return sortedErrors(errs)
}

func sortedKeys[V any](m map[schema.QName]V) []schema.QName {
	out := make([]schema.QName, 0, len(m))
	for q := range m {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// sortedErrors orders errors by line for stable output.
func sortedErrors(es Errors) Errors {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
	return es
}
