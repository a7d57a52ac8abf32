package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// Plan says what to do with every table of a dump.
type Plan struct {
	Tables map[schema.QName]*TablePlan
	// Sequences maps each sequence that feeds hash_id-masked integer keys to
	// those columns: the pipeline keeps the sequence ahead of the masked keys.
	Sequences map[schema.QName][]*ColumnPlan
	// Uncovered lists the columns no rule covers ("schema.table.column
	// (type)"), sorted: an error in strict mode, passed through otherwise.
	Uncovered []string
	// Unchecked lists the EXCLUDE constraints over masked columns
	// ("schema.table: constraint (columns)"), sorted: masked values may
	// violate them, and Understudy cannot check them.
	Unchecked []string
	// Warnings are about masked columns whose CHECKs Understudy cannot keep
	// (a numeric CHECK that is not a range), naming the column and the
	// constraint: the load may fail on them.
	Warnings []string
}

// TablePlan is the plan for one table's rows.
type TablePlan struct {
	Name schema.QName
	// Skip drops every row (the table itself stays).
	Skip bool
	// Columns holds the masked columns by name; any other column passes
	// through byte for byte.
	Columns map[string]*ColumnPlan
	// Guards are the unique keys whose masked values are checked for
	// collisions while rows stream.
	Guards []*Guard
}

// Masked reports whether any column of the table is transformed.
func (t *TablePlan) Masked() bool { return len(t.Columns) > 0 }

// ColumnPlan is one masked column.
type ColumnPlan struct {
	Table schema.QName
	Name  string
	// Cell masks single values; Row is set instead for maskers built from
	// other columns of the row (template).
	Cell *masking.Cell
	Row  masking.RowMasker
	// Masker is the masker's name; Origin says where the rule comes from.
	Masker string
	Origin string
	// TrackMax is set for integer keys whose sequence must stay ahead.
	TrackMax bool
}

// Guard is a unique key whose masked values must stay unique. Partitions
// of one table share their parent's guard, since the key spans them all.
type Guard struct {
	Scope   schema.QName
	Name    string
	Columns []string
	// Folds says, per column, whether the index compares lower() or upper()
	// of it (UNIQUE (lower(nick))): case-different masked values collide.
	Folds []schema.Fold
	// Partial keys are unique only among rows matching their WHERE: equal
	// original values may repeat outside it, so only distinct originals
	// that mask alike count as a collision.
	Partial bool
	// NullsEqual keys (NULLS NOT DISTINCT) count NULLs as equal values.
	NullsEqual bool
}

// CoverageError lists the columns no rule covers in strict mode.
type CoverageError struct {
	File    string
	Columns []string // "schema.table.column (type)"
}

func (e *CoverageError) Error() string {
	return fmt.Sprintf("%s: strict mode: %d column(s) have no rule, so their data would leak unmasked:\n  %s\nadd a rule for each (keep counts), mark the table keep or skip, or set strict: false",
		e.File, len(e.Columns), strings.Join(e.Columns, "\n  "))
}

type colKey struct {
	t schema.QName
	c string
}

func (k colKey) String() string { return k.t.String() + "." + schema.QuoteIdent(k.c) }

// effective is what a column ends up with before maskers are built.
type effective struct {
	spec     *masking.Spec // nil: keep
	explicit bool          // a column rule names it (keep included)
	line     int           // of the explicit rule
	from     *colKey       // the referenced column it follows, if propagated
	pattern  *PatternRule  // the columns: entry it comes from, if any
}

type planner struct {
	f     *File
	cat   *schema.Catalog
	data  map[schema.QName][]string
	opts  *masking.Options
	errs  Errors
	rules map[schema.QName]*TableRule
	eff   map[colKey]*effective
	mode  map[schema.QName]*TableRule // the rule that governs a table (own or an ancestor's)

	tableNames []string // for "did you mean", built on first use
	suggested  int      // suggestions searched so far
}

// Plan checks the rules against a dump's schema and builds the plan. data
// lists the tables that have rows in the dump, with their column lists.
func (f *File) Plan(cat *schema.Catalog, data map[schema.QName][]string, opts *masking.Options) (*Plan, error) {
	p := &planner{f: f, cat: cat, data: data, opts: opts, rules: map[schema.QName]*TableRule{},
		eff: map[colKey]*effective{}, mode: map[schema.QName]*TableRule{}}
	if err := masking.CheckReservedDomain(f.EmailDomain); err != nil {
		p.errorf(f.EmailDomainLine, "email_domain: %v", err)
	}
	if err := p.checkData(); err != nil {
		return nil, err
	}
	p.index()
	p.inherit()
	p.applyPatterns()
	p.propagate()
	plan := p.build()
	if len(p.errs) > 0 {
		return nil, sortedErrors(p.errs)
	}
	plan.Uncovered = p.uncovered()
	plan.Unchecked = p.exclusions(plan)
	if f.Strict && len(plan.Uncovered) > 0 {
		return nil, &CoverageError{File: p.f.Path, Columns: plan.Uncovered}
	}
	return plan, nil
}

func (p *planner) errorf(line int, format string, a ...any) {
	p.errs = append(p.errs, &Error{File: p.f.Path, Line: line, Msg: fmt.Sprintf(format, a...)})
}

// columns returns the data columns of a table: from the schema, or from
// the dump's column list for tables it does not define.
func (p *planner) columns(q schema.QName) []string {
	if t := p.cat.Table(q); t != nil {
		var out []string
		for _, c := range t.Columns {
			if !c.Generated {
				out = append(out, c.Name)
			}
		}
		return out
	}
	return p.data[q]
}

// DataError is a dump whose data does not match its own DDL.
type DataError struct{ Msg string }

func (e *DataError) Error() string { return "dump: " + e.Msg }

// checkData makes sure every column the data holds is one the schema
// defines: a column that is not would escape every rule.
func (p *planner) checkData() error {
	var problems []string
	for q, cols := range p.data {
		t := p.cat.Table(q)
		if t == nil {
			continue
		}
		for _, c := range cols {
			col := t.Column(c)
			switch {
			case col == nil:
				problems = append(problems, fmt.Sprintf("the data of %s has a column %s that its CREATE TABLE does not define", q, schema.QuoteIdent(c)))
			case col.Generated:
				problems = append(problems, fmt.Sprintf("the data of %s holds generated column %s", q, schema.QuoteIdent(c)))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return &DataError{Msg: strings.Join(problems, "; ")}
}

// index checks that every rule names a real table and real columns.
func (p *planner) index() {
	for _, tr := range p.f.Tables {
		t := p.cat.Table(tr.Name)
		if t == nil {
			if _, ok := p.data[tr.Name]; !ok {
				p.errorf(tr.Line, "unknown table %s: the dump has no such table%s", tr.Name, p.suggestTable(tr.Name))
				continue
			}
			if tr.Mode == ByColumn {
				p.errorf(tr.Line, "table %s has data but no CREATE TABLE in this dump, so its column types are unknown: only keep or skip can apply (use a dump with the schema)", tr.Name)
				continue
			}
		}
		p.rules[tr.Name] = tr
		for _, cr := range tr.Columns {
			if t == nil {
				continue
			}
			c := t.Column(cr.Name)
			switch {
			case c == nil:
				p.errorf(cr.Line, "unknown column %s in table %s%s", schema.QuoteIdent(cr.Name), tr.Name, p.suggest(cr.Name, p.columns(tr.Name)))
			case c.Generated:
				p.errorf(cr.Line, "column %s.%s is generated: it is computed on load, not stored in the dump; remove its rule", tr.Name, schema.QuoteIdent(cr.Name))
			default:
				p.eff[colKey{tr.Name, cr.Name}] = &effective{spec: cr.Spec, explicit: true, line: cr.Line}
			}
		}
	}
}

func (p *planner) suggestTable(q schema.QName) string {
	// A name that differs only in case (Person.Address for person.address)
	// is the likely one, however many quotes its spelling takes.
	for _, t := range p.cat.Tables {
		if strings.EqualFold(t.Name.Schema, q.Schema) && strings.EqualFold(t.Name.Name, q.Name) {
			return fmt.Sprintf(" (did you mean %s?)", t.Name)
		}
	}
	if p.tableNames == nil {
		for _, t := range p.cat.Tables {
			p.tableNames = append(p.tableNames, t.Name.String())
		}
		for d := range p.data {
			p.tableNames = append(p.tableNames, d.String())
		}
	}
	return p.suggest(q.String(), p.tableNames)
}

// maxSuggestions bounds the "did you mean" searches of one plan, so that a
// rules file naming thousands of unknown objects costs O(names), not
// O(names²).
const maxSuggestions = 20

// suggest proposes the closest of names when one is close enough.
func (p *planner) suggest(name string, names []string) string {
	if p.suggested++; p.suggested > maxSuggestions {
		return ""
	}
	best, bestD := "", 4
	lower := strings.ToLower(name)
	for _, n := range names {
		if d := len(n) - len(name); d >= bestD || -d >= bestD {
			continue // the distance is at least the difference in length
		}
		if d := editDistance(lower, strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ancestors returns q's partition/inheritance parents, nearest first.
func (p *planner) ancestors(q schema.QName) []schema.QName {
	var out []schema.QName
	for t := p.cat.Table(q); t != nil && t.Parent != nil && len(out) < 64; t = p.cat.Table(*t.Parent) {
		out = append(out, *t.Parent)
	}
	return out
}

// inherit gives partitions without rules of their own the rules of their
// nearest ancestor that has some.
func (p *planner) inherit() {
	for _, t := range p.cat.Tables {
		if tr := p.rules[t.Name]; tr != nil {
			p.mode[t.Name] = tr
			continue
		}
		for _, a := range p.ancestors(t.Name) {
			tr := p.rules[a]
			if tr == nil {
				continue
			}
			p.mode[t.Name] = tr
			for _, cr := range tr.Columns {
				if c := t.Column(cr.Name); c != nil && !c.Generated {
					p.eff[colKey{t.Name, cr.Name}] = &effective{spec: cr.Spec, explicit: true, line: cr.Line}
				}
			}
			break
		}
	}
	for q, tr := range p.rules {
		if p.cat.Table(q) == nil {
			p.mode[q] = tr
		}
	}
}

// fkEdge is a foreign key as it applies to one table holding data.
type fkEdge struct {
	child  schema.QName
	fk     *schema.ForeignKey
	parent schema.QName
}

// edges lists every FK, applied to the declaring table and all of its
// partitions (a key declared on a partitioned table governs their rows).
func (p *planner) edges() []fkEdge {
	var out []fkEdge
	var add func(t *schema.Table, fk *schema.ForeignKey, depth int)
	add = func(t *schema.Table, fk *schema.ForeignKey, depth int) {
		out = append(out, fkEdge{child: t.Name, fk: fk, parent: fk.RefTable})
		if depth < 64 {
			for _, part := range p.cat.Partitions(t.Name) {
				add(part, fk, depth+1)
			}
		}
	}
	for _, t := range p.cat.Tables {
		for _, fk := range t.ForeignKeys {
			add(t, fk, 0)
		}
	}
	return out
}

// propagate makes every referencing column follow the rule of the column it
// references, to a fixed point (chains of keys), and reports conflicts.
func (p *planner) propagate() {
	edges := p.edges()
	family := p.family()
	reported := map[colKey]bool{}
	for changed := true; changed; {
		changed = false
		// The partitions of a table hold one set of rows: a column masked in
		// one of them (say, by following a foreign key only some partitions
		// declare) is masked alike in all, or joins across them break.
		for _, pair := range family {
			pe, re := p.eff[pair[0]], p.eff[pair[1]]
			if pe != nil && re != nil && pe.explicit && re.explicit && labelOf(pe) != labelOf(re) && p.isKey(pair[1]) && !reported[pair[0]] {
				reported[pair[0]] = true
				p.errorf(pe.line, "column %s is part of a key of %s, whose %s rule says %s (line %d): a partition's key must be masked like its parent's, or rows stop matching across partitions",
					pair[0], pair[1].t, schema.QuoteIdent(pair[1].c), labelOf(re), re.line)
			}
			for _, d := range [2][2]colKey{{pair[0], pair[1]}, {pair[1], pair[0]}} {
				from, to := d[0], d[1]
				if fe := p.eff[from]; fe != nil && fe.spec != nil && p.eff[to] == nil {
					p.eff[to] = &effective{spec: fe.spec, from: &from}
					changed = true
				}
			}
		}
		for _, e := range edges {
			if len(e.fk.Columns) != len(e.fk.RefColumns) {
				continue
			}
			for i, cc := range e.fk.Columns {
				ck := colKey{e.child, cc}
				pk := colKey{e.parent, e.fk.RefColumns[i]}
				pe, ce := p.eff[pk], p.eff[ck]
				if pe != nil && pe.spec != nil {
					if ce == nil {
						p.eff[ck] = &effective{spec: pe.spec, from: &pk}
						changed = true
						continue
					}
					if ce.spec != nil && ce.spec.Label() == pe.spec.Label() {
						continue
					}
					if ce.explicit && !reported[ck] {
						reported[ck] = true
						p.errorf(ce.line, "column %s references %s, which is masked with %s (%s): the referencing column must follow it, so remove its rule (%s)",
							ck, pk, pe.spec.Label(), where(pe, p.f.Path), describe(ce.spec))
					} else if !ce.explicit && !reported[ck] {
						// It already follows another key, or its column in
						// the other partitions: it cannot follow both.
						reported[ck] = true
						p.errorf(p.eff[p.root(ck)].line, "column %s references %s, which is masked with %s (%s), and follows %s, which is masked with %s: the keys a column references must be masked alike, or one of its foreign keys breaks",
							ck, pk, pe.spec.Label(), where(pe, p.f.Path), ce.from, ce.spec.Label())
					}
				}
			}
			if tr := p.mode[e.parent]; tr != nil && tr.Mode == SkipTable {
				if ct := p.mode[e.child]; (ct == nil || ct.Mode != SkipTable) && !reported[colKey{e.child, ""}] {
					reported[colKey{e.child, ""}] = true
					line := tr.Line
					p.errorf(line, "table %s is skipped but %s references it (foreign key %s): its rows would point at nothing; skip %s too or keep %s",
						e.parent, e.child, e.fk.Name, e.child, e.parent)
				}
			}
		}
	}
	// A masked column referencing a key that is not masked breaks the
	// foreign key. Only now is that known: a pass may mask a key that an
	// earlier edge of a chain references.
	for _, e := range edges {
		if len(e.fk.Columns) != len(e.fk.RefColumns) {
			continue
		}
		for i, cc := range e.fk.Columns {
			ck, pk := colKey{e.child, cc}, colKey{e.parent, e.fk.RefColumns[i]}
			pe, ce := p.eff[pk], p.eff[ck]
			if ce == nil || ce.spec == nil || pe != nil && pe.spec != nil || reported[ck] {
				continue
			}
			reported[ck] = true
			if ce.from == nil {
				p.errorf(ce.line, "column %s references %s, which is not masked: masking only the referencing side breaks the foreign key; put the rule on %s instead", ck, pk, pk)
			} else {
				p.errorf(p.eff[p.root(ck)].line, "column %s references %s, which is not masked, and follows %s, which is masked with %s: the keys a column references must be masked alike, or one of its foreign keys breaks",
					ck, pk, ce.from, ce.spec.Label())
			}
		}
	}
}

func labelOf(e *effective) string {
	if e.spec == nil {
		return "keep"
	}
	return e.spec.Label()
}

// isKey reports whether a column is part of a primary key, unique key or
// foreign key of its table, or is referenced by a foreign key.
func (p *planner) isKey(k colKey) bool {
	t := p.cat.Table(k.t)
	if t == nil {
		return false
	}
	keys := append([]*schema.Key{}, t.Uniques...)
	if t.PrimaryKey != nil {
		keys = append(keys, t.PrimaryKey)
	}
	for _, key := range keys {
		if slices.Contains(key.Columns, k.c) {
			return true
		}
	}
	for _, fk := range t.ForeignKeys {
		if slices.Contains(fk.Columns, k.c) {
			return true
		}
	}
	for _, ref := range p.cat.Referencing(k.t) {
		if slices.Contains(ref.FK.RefColumns, k.c) {
			return true
		}
	}
	return false
}

// family pairs every column of a partition (or inheritance child) with
// the same column of its topmost ancestor.
func (p *planner) family() [][2]colKey {
	var out [][2]colKey
	for _, t := range p.cat.Tables {
		anc := p.ancestors(t.Name)
		if len(anc) == 0 {
			continue
		}
		root := p.cat.Table(anc[len(anc)-1])
		if root == nil {
			continue
		}
		for _, c := range t.Columns {
			if !c.Generated && root.Column(c.Name) != nil {
				out = append(out, [2]colKey{{t.Name, c.Name}, {root.Name, c.Name}})
			}
		}
	}
	return out
}

func where(e *effective, file string) string {
	if e.from != nil {
		return "through the foreign key to " + e.from.String()
	}
	return fmt.Sprintf("%s:%d", file, e.line)
}

func describe(s *masking.Spec) string {
	if s == nil {
		return "it says keep"
	}
	return "it says " + s.Label()
}

// build constructs the maskers. Columns linked by foreign keys share one
// masker built for the tightest of their types, so equal inputs give equal
// outputs on both sides of every key.
func (p *planner) build() *Plan {
	plan := &Plan{Tables: map[schema.QName]*TablePlan{}, Sequences: map[schema.QName][]*ColumnPlan{}}
	groupCol := p.groupColumns()
	keys := make([]colKey, 0, len(p.eff))
	for k := range p.eff {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	// A group with a unique column needs a masker fit for one (hash
	// length, fictional phones), whichever column it is built for.
	unique := map[colKey]bool{}
	for _, k := range keys {
		if t := p.cat.Table(k.t); t != nil && p.eff[k].spec != nil && masking.NewColumn(p.cat, t, t.Column(k.c)).Unique {
			unique[p.root(k)] = true
		}
	}
	built := map[colKey]masking.Masker{}
	for _, k := range keys {
		e := p.eff[k]
		if e.spec == nil {
			continue
		}
		t := p.cat.Table(k.t)
		if t == nil {
			continue
		}
		tp := plan.table(k.t)
		if tr := p.mode[k.t]; tr != nil && tr.Mode == SkipTable {
			continue
		}
		col := t.Column(k.c)
		own := masking.NewColumn(p.cat, t, col)
		root := p.root(k)
		m, ok := built[root]
		if !ok {
			bk := groupCol[root]
			bt := p.cat.Table(bk.t)
			var err error
			bc := masking.NewColumn(p.cat, bt, bt.Column(bk.c))
			bc.Unique = bc.Unique || unique[root]
			m, err = masking.Build(p.eff[root].spec, bc, p.opts)
			if err != nil {
				re := p.eff[root]
				p.errorf(re.line, "column %s: %v", root, err)
				built[root] = nil
				continue
			}
			built[root] = m
		}
		if m == nil {
			continue
		}
		// The masker was built for one column of the group: every other
		// must take its values too (null on a key a NOT NULL column
		// references).
		if ok, reason := masking.Lookup(e.spec.Name).Accepts(own); !ok {
			p.errorf(p.eff[root].line, "column %s: %v", k, &masking.TypeError{Masker: e.spec.Name, Type: own.TypeName(), Reason: reason})
			continue
		}
		if e.spec.Name == "const" && own.Unique {
			// Only a key of this column alone: in a composite key the
			// other columns may tell rows apart, and the guard checks it.
			p.errorf(p.eff[root].line, "column %s is unique: const would write the same value in every row", k)
			continue
		}
		cp := &ColumnPlan{Table: k.t, Name: k.c, Masker: e.spec.Name, Origin: fmt.Sprintf("%s:%d", p.f.Path, p.eff[root].line)}
		if e.from != nil {
			cp.Origin = "follows " + e.from.String()
		}
		if e.spec.Name != "null" {
			what := "a pattern Understudy verifies (column ~ 'regex')"
			if own.Category.Numeric() {
				what = "a range Understudy can keep (comparisons with constants joined by AND, BETWEEN)"
			}
			for _, ch := range own.Unclear {
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("column %s: CHECK constraint %s is not %s: masked values may violate it", k, ch, what))
			}
		}
		cp.Cell = masking.Wrap(m, own)
		if rm, ok := m.(masking.RowMasker); ok {
			cp.Row = rm
			for _, in := range rm.Inputs() {
				if t.Column(in) == nil {
					what := "template"
					if e.spec.Name != "template" {
						what = e.spec.Name + " rule"
					}
					p.errorf(e.line, "column %s: the %s reads column %s, which %s does not have", k, what, in, k.t)
				}
			}
		}
		if _, bij := masking.OutputSpace(m, own); bij && own.Category == masking.CatInt && col.Sequence != nil {
			// Partitions share their parent's sequence: all feed one maximum.
			cp.TrackMax = true
			plan.Sequences[*col.Sequence] = append(plan.Sequences[*col.Sequence], cp)
		}
		tp.Columns[k.c] = cp
	}
	for q, tr := range p.mode {
		if tr.Mode == SkipTable {
			plan.table(q).Skip = true
		}
	}
	// A template reads masked values; another template's output is not
	// ready when it runs.
	for _, tp := range plan.Tables {
		for _, cp := range tp.Columns {
			if cp.Row == nil {
				continue
			}
			for _, in := range cp.Row.Inputs() {
				if other := tp.Columns[in]; other != nil && other.Row != nil {
					p.errorf(p.eff[colKey{tp.Name, cp.Name}].line, "column %s.%s: the template reads %s, which is itself a template; build both from the same masked columns",
						tp.Name, schema.QuoteIdent(cp.Name), schema.QuoteIdent(in))
				}
			}
		}
	}
	plan.Warnings = append(plan.Warnings, p.shiftWarnings(plan)...)
	plan.Warnings = append(plan.Warnings, p.relationWarnings(plan)...)
	p.guards(plan)
	return plan
}

func (plan *Plan) table(q schema.QName) *TablePlan {
	tp := plan.Tables[q]
	if tp == nil {
		tp = &TablePlan{Name: q, Columns: map[string]*ColumnPlan{}}
		plan.Tables[q] = tp
	}
	return tp
}

// root follows propagation back to the column whose rule was written.
func (p *planner) root(k colKey) colKey {
	for i := 0; i < 1000; i++ {
		e := p.eff[k]
		if e == nil || e.from == nil {
			return k
		}
		k = *e.from
	}
	return k
}

// groupColumns picks, for every rule root, the column of its group with the
// tightest limits (shortest length, narrowest integer): the one a shared
// masker must be built for so its output fits every column of the group.
func (p *planner) groupColumns() map[colKey]colKey {
	out := map[colKey]colKey{}
	describe := func(k colKey) *masking.Column {
		t := p.cat.Table(k.t)
		if t == nil || t.Column(k.c) == nil {
			return &masking.Column{}
		}
		return masking.NewColumn(p.cat, t, t.Column(k.c))
	}
	tighter := func(a, b *masking.Column) bool {
		if a.MaxChars > 0 && (b.MaxChars == 0 || a.MaxChars < b.MaxChars) {
			return true
		}
		return a.IntMax > 0 && (b.IntMax == 0 || a.IntMax < b.IntMax)
	}
	for k, e := range p.eff {
		if e.spec == nil {
			continue
		}
		r := p.root(k)
		cur, ok := out[r]
		if !ok {
			out[r] = r
			cur = r
		}
		if tighter(describe(k), describe(cur)) {
			out[r] = k
		}
	}
	return out
}

// guards sets up collision checks on unique keys with a column masked by
// something other than a bijection, or compared through lower()/upper().
func (p *planner) guards(plan *Plan) {
	shared := map[string]*Guard{}
	for _, t := range p.cat.Tables {
		tp := plan.Tables[t.Name]
		if tp == nil || tp.Skip {
			continue
		}
		keys := slices.Clone(t.Uniques)
		if t.PrimaryKey != nil {
			keys = append(keys, t.PrimaryKey)
		}
		scope := t.Name
		if anc := p.ancestors(t.Name); len(anc) > 0 {
			scope = anc[len(anc)-1]
			if st := p.cat.Table(scope); st != nil {
				keys = append(keys, st.Uniques...)
				if st.PrimaryKey != nil {
					keys = append(keys, st.PrimaryKey)
				}
			}
		}
		for _, key := range keys {
			g := p.guardFor(tp, scope, key)
			if g == nil {
				continue
			}
			id := fmt.Sprintf("%s(%s)%v", scope, strings.Join(g.Columns, ","), g.Folds)
			if sg := shared[id]; sg != nil {
				g = sg
			} else {
				shared[id] = g
			}
			if !containsGuard(tp.Guards, g) {
				tp.Guards = append(tp.Guards, g)
			}
		}
	}
}

// guardFor returns the guard a key needs on tp's rows, or nil when masking
// cannot break it. A key on an expression over a masked column that the
// guard cannot evaluate is an error: the output might not load.
func (p *planner) guardFor(tp *TablePlan, scope schema.QName, key *schema.Key) *Guard {
	g := &Guard{Scope: scope, Name: key.Name, Partial: key.Partial, NullsEqual: key.NullsNotDistinct}
	folded := false
	if len(key.Parts) == 0 {
		g.Columns = key.Columns
		g.Folds = make([]schema.Fold, len(key.Columns))
	}
	for _, part := range key.Parts {
		if part.Column == "" {
			for _, c := range key.Columns {
				if cp := tp.Columns[c]; cp != nil {
					p.errorf(p.ruleLine(tp.Name, c), "column %s.%s is masked, and unique index %s compares an expression of it (%s) that Understudy cannot evaluate, so it cannot check the masked values keep it unique: keep the column, or mask it with a rule the index does not see",
						tp.Name, schema.QuoteIdent(c), key.Name, part.Expr)
					return nil
				}
			}
			return nil // the expression reads only unmasked columns
		}
		g.Columns = append(g.Columns, part.Column)
		g.Folds = append(g.Folds, part.Fold)
		if part.Fold != schema.NoFold && tp.Columns[part.Column] != nil {
			folded = true
		}
	}
	if g.NullsEqual {
		// Only when null writes every column of the key do all rows
		// collide; other columns may still tell rows apart.
		nulled := 0
		for _, c := range g.Columns {
			if cp := tp.Columns[c]; cp != nil && cp.Cell != nil {
				if _, ok := cp.Cell.Masker().(masking.Nuller); ok {
					nulled++
				}
			}
		}
		if nulled == len(g.Columns) {
			c := g.Columns[0]
			p.errorf(p.ruleLine(tp.Name, c), "column %s.%s is in unique key %s, which is NULLS NOT DISTINCT: null would make every row collide",
				tp.Name, schema.QuoteIdent(c), key.Name)
			return nil
		}
	}
	if !folded && !needsGuard(tp, g.Columns, g.NullsEqual) {
		return nil
	}
	return g
}

// ruleLine is the line of the rule that masks a column (0 if propagated).
func (p *planner) ruleLine(q schema.QName, c string) int {
	if e := p.eff[colKey{q, c}]; e != nil {
		return p.eff[p.root(colKey{q, c})].line
	}
	return 0
}

func containsGuard(gs []*Guard, g *Guard) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// needsGuard reports whether a key has a column whose masker might map two
// values to one: null does too when the key counts NULLs as equal.
func needsGuard(tp *TablePlan, cols []string, nullsEqual bool) bool {
	for _, c := range cols {
		cp := tp.Columns[c]
		if cp == nil {
			continue
		}
		if cp.Row != nil {
			return true
		}
		m := cp.Cell.Masker()
		if _, bij := masking.OutputSpace(m, cp.Cell.Column()); bij {
			continue
		}
		if _, ok := m.(masking.Nuller); ok && !nullsEqual {
			continue
		}
		return true
	}
	return false
}

// exclusions lists the EXCLUDE constraints over masked columns.
func (p *planner) exclusions(plan *Plan) []string {
	var out []string
	for _, t := range p.cat.Tables {
		tp := plan.Tables[t.Name]
		if tp == nil || tp.Skip {
			continue
		}
		for _, ex := range t.Exclusions {
			if slices.ContainsFunc(ex.Columns, func(c string) bool { return tp.Columns[c] != nil }) {
				out = append(out, fmt.Sprintf("%s: %s (%s)", t.Name, ex.Name, strings.Join(ex.Columns, ", ")))
			}
		}
	}
	sort.Strings(out)
	return out
}

// uncovered lists every column that no rule covers.
func (p *planner) uncovered() []string {
	var missing []string
	tables := map[schema.QName]bool{}
	for _, t := range p.cat.Tables {
		if !t.Partitioned {
			tables[t.Name] = true
		}
	}
	for q := range p.data {
		tables[q] = true
	}
	for q := range tables {
		if tr := p.mode[q]; tr != nil && tr.Mode != ByColumn {
			continue
		}
		t := p.cat.Table(q)
		if t == nil && len(p.data[q]) == 0 {
			missing = append(missing, q.String()+" (rows without a column list or a CREATE TABLE: its columns cannot be known; keep or skip it)")
			continue
		}
		for _, c := range p.columns(q) {
			if p.eff[colKey{q, c}] != nil {
				continue
			}
			desc := colKey{q, c}.String()
			if t != nil {
				desc += " (" + t.Column(c).Type.String() + ")"
			}
			missing = append(missing, desc)
		}
	}
	sort.Strings(missing)
	return missing
}

// shift is a date_shift rule's by: column ("" for none) and max_days.
func (e *effective) shift() (by string, days int64) {
	days = masking.DefaultMaxDays
	if e.spec != nil {
		by, _ = e.spec.Params["by"].(string)
		if d, ok := e.spec.Params["max_days"].(int64); ok {
			days = d
		}
	}
	return by, days
}

// shiftWarnings names the columns of one table that date_shift by: the
// same owner with different max_days: the offset depends on max_days, so
// their dates move apart and CHECKs ordering them may fail on load.
func (p *planner) shiftWarnings(plan *Plan) []string {
	var out []string
	for q, tp := range plan.Tables {
		byOwner := map[string]map[int64][]string{}
		for name, cp := range tp.Columns {
			e := p.eff[colKey{q, name}]
			if cp.Masker != "date_shift" || e == nil || e.from != nil {
				continue
			}
			by, days := e.shift()
			if by == "" {
				continue
			}
			if byOwner[by] == nil {
				byOwner[by] = map[int64][]string{}
			}
			byOwner[by][days] = append(byOwner[by][days], name)
		}
		for by, groups := range byOwner {
			if len(groups) < 2 {
				continue
			}
			var parts []string
			for days, cols := range groups {
				slices.Sort(cols)
				parts = append(parts, fmt.Sprintf("%s (max_days %d)", strings.Join(cols, ", "), days))
			}
			slices.Sort(parts)
			out = append(out, fmt.Sprintf("table %s: date_shift by: %s with different max_days on %s: each max_days draws its own offset, so these dates do not move alike (intervals and CHECKs ordering them break); give them one max_days", q, by, strings.Join(parts, " and ")))
		}
	}
	slices.Sort(out)
	return out
}

// relationWarnings names the table CHECKs relating columns (created_at <=
// updated_at) that are not numeric and of which some are masked: each value
// is masked on its own, so the relation may not hold on load. Numeric
// columns are warned about with their ranges; dates that all shift by: one
// owner with one max_days keep their order.
func (p *planner) relationWarnings(plan *Plan) []string {
	var out []string
	for q, tp := range plan.Tables {
		t := p.cat.Table(q)
		if t == nil || tp.Skip {
			continue
		}
		for _, ch := range t.Checks {
			if len(ch.References()) < 2 {
				continue
			}
			refs := ch.ValueRefs()
			var masked []string
			together := true // every non-numeric column shifts by one owner and max_days
			shift := ""
			for _, name := range refs {
				col := t.Column(name)
				if col == nil {
					continue
				}
				if masking.NewColumn(p.cat, t, col).Category.Numeric() {
					continue
				}
				cp := tp.Columns[name]
				if cp == nil || cp.Masker == "null" { // kept, or NULL: passes a CHECK
					together = false
					continue
				}
				masked = append(masked, name)
				by, days := "", int64(masking.DefaultMaxDays)
				if e := p.eff[colKey{q, name}]; cp.Masker == "date_shift" && e != nil {
					by, days = e.shift()
				}
				key := fmt.Sprintf("%s/%d", by, days)
				if by == "" || shift != "" && shift != key {
					together = false
				}
				shift = key
			}
			if len(masked) == 0 || together {
				continue
			}
			out = append(out, fmt.Sprintf("table %s: CHECK constraint %s relates columns %s, which are not masked alike (masked: %s): masked rows may violate it (dates of one entity keep their order when all shift by: one owner column with one max_days)",
				q, ch.Name, strings.Join(refs, ", "), strings.Join(masked, ", ")))
		}
	}
	slices.Sort(out)
	return out
}
