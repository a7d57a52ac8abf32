package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/understudy-db/understudy/detect"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/outfile"
	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

const checkUsage = `Usage: anonymize check --rules FILE (--in FILE | --source URL) [--json] [--fix FILE] [--secret-file FILE]

Checks a rules file against a dump or a live database without writing
anything, and reports drift: (a) columns no rule covers, (b) rules naming
tables or columns that no longer exist, (c) columns whose type changed so
their masker no longer fits, (d) columns kept as they are that look like
personal data (by name, and by a sample of the first rows of each table;
values are never printed), and (e) unique columns whose masker cannot
guarantee distinct values at the table's size. It also checks what every
run checks: foreign keys can follow their keys, and nothing in the dump
writes data the masking cannot see.

Exit status: 0 clean; 1 strict mode would refuse the run (uncovered
columns), high-confidence personal data is kept, or the dump is refused;
2 bad command line or rules (a rule naming what the dump does not have
included).

Flags:
  --json        the report as JSON (documented in docs/check-json.md)
  --fix FILE    write suggested rules for what is uncovered or kept but
                personal, for a human to review and merge ("-": stdout,
                not with --json)
  --sample N    rows sampled per table (default 1000)

Examples:
  anonymize check --rules rules/shop.yaml --in prod.sql
  anonymize check --rules rules/shop.yaml --source "$PROD_URL" --json > check.json
  anonymize check --rules rules.yaml --in prod.sql --fix rules.patch.yaml
`

// CheckReport is anonymize check's report; its JSON form is documented in
// docs/check-json.md and kept stable.
type CheckReport struct {
	Version      int              `json:"version"`
	Rules        string           `json:"rules"`
	Source       string           `json:"source"`
	OK           bool             `json:"ok"`
	ExitCode     int              `json:"exit_code"`
	Strict       bool             `json:"strict"`
	Uncovered    []CheckColumn    `json:"uncovered"`
	Stale        []CheckStale     `json:"stale"`
	TypeChanged  []CheckType      `json:"type_changed"`
	KeptPersonal []CheckPersonal  `json:"kept_personal"`
	UniqueRisk   []CheckUnique    `json:"unique_risk"`
	Warnings     []string         `json:"warnings"`
	Errors       []CheckError     `json:"errors"`
	Summary      CheckSummaryJSON `json:"summary"`
}

// CheckColumn is a column no rule covers.
type CheckColumn struct {
	Table      string `json:"table"`
	Column     string `json:"column"`
	Type       string `json:"type"`
	Suggestion string `json:"suggestion"`
	Reason     string `json:"reason,omitempty"`
}

// CheckStale is a rule naming a table or column the dump does not have.
type CheckStale struct {
	Line   int    `json:"line"`
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
}

// CheckType is a rule whose masker no longer fits its column's type.
type CheckType struct {
	Line   int    `json:"line"`
	Table  string `json:"table"`
	Column string `json:"column"`
	Masker string `json:"masker"`
	Type   string `json:"type"`
	Reason string `json:"reason"`
	// pattern: the masker comes from a columns: pattern, not a rule of
	// the column's own.
	pattern bool
}

// CheckPersonal is a column kept as it is that looks personal.
type CheckPersonal struct {
	Line       int    `json:"line"` // of the rule that keeps it (0: table-level or implicit)
	Table      string `json:"table"`
	Column     string `json:"column"`
	Kind       string `json:"kind"`
	Confidence string `json:"confidence"`
	Reason     string `json:"reason"`
	Suggestion string `json:"suggestion"`
}

// CheckUnique is a unique column whose masker may map two values to one.
type CheckUnique struct {
	Table  string  `json:"table"`
	Column string  `json:"column"`
	Masker string  `json:"masker"`
	Rows   int64   `json:"rows"`
	Space  float64 `json:"space"`
	Reason string  `json:"reason"`
}

// CheckError is any other problem with the rules against this dump.
type CheckError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// CheckSummaryJSON counts what the plan does.
type CheckSummaryJSON struct {
	Tables        int `json:"tables"`
	MaskedColumns int `json:"masked_columns"`
}

func (e *env) check(args []string) int {
	fs := e.newFlags("check", checkUsage)
	var f anonymizeFlags
	var asJSON bool
	var fix string
	n := defaultSampleRows
	fs.StringVar(&f.rules, "rules", "", "")
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.source, "source", "", "")
	fs.StringVar(&f.secretFile, "secret-file", "", "")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.StringVar(&fix, "fix", "", "")
	fs.IntVar(&n, "sample", n, "")
	if done, code := e.parse(fs, checkUsage, args); done {
		return code
	}
	if f.rules == "" {
		return e.fail(usagef("--rules is required"))
	}
	if err := f.ends(true); err != nil {
		return e.fail(err)
	}
	if n < 1 {
		return e.fail(usagef("--sample must be at least 1"))
	}
	if fix == "-" && asJSON {
		return e.fail(usagef("--fix - and --json would both write to stdout: give --fix a file"))
	}
	// By file as well as by name: ./rules.yaml or a link to it is the rules.
	if fix != "" && (fix == f.rules || fix == f.in || outfile.Conflicts(fix, f.rules, f.in, f.secretFile) != nil) {
		return e.fail(usagef("--fix %s would overwrite an input: name a new file", fix))
	}
	f.quiet, f.jobs, f.maxRowSize = true, 1, plaindump.DefaultMaxItem>>20
	rf, err := rules.Load(f.rules)
	if err != nil {
		return e.fail(err)
	}
	if _, err := subsetSpec(rf, "", nil); err != nil {
		return e.fail(err)
	}
	secret, err := e.secret(f.secretFile, true)
	if err != nil {
		return e.fail(err)
	}
	src, err := e.openSource(&f)
	if err != nil {
		return e.fail(err)
	}
	defer src.Close()
	inv, err := src.Inventory(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	if err := rf.ApplyRelations(inv.Catalog); err != nil {
		return e.fail(err)
	}
	rep := &CheckReport{Version: 1, Rules: f.rules, Source: inv.Name, Strict: rf.Strict}
	rep.Stale, rep.TypeChanged = drift(rf, inv)
	opts := &masking.Options{Secret: secret, EmailDomain: rf.EmailDomain}
	plan, planErr := rf.Plan(inv.Catalog, pipeline.DataColumns(inv), opts)
	var ce *rules.CoverageError
	var uncovered []string
	var driftErr error
	planned := rf // the rules the report's plan comes from
	rep.TypeChanged = append(rep.TypeChanged, patternMisfits(rf, inv, planErr)...)
	if planErr != nil && !errors.As(planErr, &ce) && len(rep.Stale)+len(rep.TypeChanged) > 0 {
		// Drift stops a run, but the report goes on without the drifted
		// rules, so that one CI round also lists the new columns and kept
		// personal data instead of revealing them one fix at a time.
		pruned := withoutDrift(rf, rep.Stale, rep.TypeChanged)
		if p, err := pruned.Plan(inv.Catalog, pipeline.DataColumns(inv), opts); err == nil || errors.As(err, new(*rules.CoverageError)) {
			driftErr, planErr = planErr, err
			plan, planned = p, pruned
			ce = nil
		}
	}
	switch {
	case errors.As(planErr, &ce):
		uncovered = ce.Columns
		// The rest of the report needs a plan: the same rules, not strict.
		loose := *planned
		loose.Strict = false
		plan, err = loose.Plan(inv.Catalog, pipeline.DataColumns(inv), opts)
		if err != nil {
			return e.fail(err)
		}
	case planErr != nil:
		// Rules that name what the source no longer has, or no longer fit
		// its types, are drift (1), like an uncovered column; other
		// planning errors are mistakes in the rules file (2).
		code := ExitUsage
		if len(rep.Stale)+len(rep.TypeChanged) > 0 {
			code = ExitFailure
		}
		var errs rules.Errors
		if !asJSON || !errors.As(planErr, &errs) {
			if e.fail(planErr) == ExitFailure {
				return ExitFailure
			}
			return code
		}
		for _, x := range errs {
			rep.Errors = append(rep.Errors, CheckError{Line: x.Line, Message: x.Msg})
		}
		rep.ExitCode = code
		return e.writeReport(rep, true)
	default:
		uncovered = plan.Uncovered
	}
	if err := pipeline.Refuse(inv, plan, rf.Strict, rf.LargeObjects); err != nil {
		return e.fail(err)
	}
	if isLive(src) && inv.LargeObjects > 0 && rf.LargeObjects == rules.LargeObjectsKeep {
		return e.fail(fmt.Errorf("%s holds %d large objects, which Understudy does not copy from a live database yet: use `large_objects: drop`, or anonymize a plain pg_dump of it", inv.Name, inv.LargeObjects))
	}
	// As every run says: not silenced, they are about what reaches the output.
	// Not with drift: no run would start, and the drift is what to fix.
	if k := len(plan.Uncovered); !rf.Strict && k > 0 && driftErr == nil {
		fmt.Fprintf(e.stderr, "anonymize: warning: strict: false: %d column(s) have no rule and pass through unmasked (anonymize check with strict: true lists them)\n", k)
	}
	for _, ex := range plan.Unchecked {
		fmt.Fprintf(e.stderr, "anonymize: warning: EXCLUDE constraint %s is over masked columns, which Understudy cannot check: the load may fail on it\n", ex)
	}
	smp, err := sample(e.ctx, src, inv, n)
	if err != nil {
		return e.fail(err)
	}
	g := newGenerator(inv, smp)
	rep.KeptPersonal = g.keptPersonal(planned, plan, uncovered)
	if driftErr != nil {
		// A column whose rule no longer fits is reported as type_changed,
		// not a second time as uncovered (pruning its rule uncovered it).
		uncovered = slices.DeleteFunc(uncovered, func(u string) bool {
			name, _, _ := strings.Cut(u, " (")
			return slices.ContainsFunc(rep.TypeChanged, func(tc CheckType) bool {
				q, _ := schema.ParseQName(tc.Table)
				return name == q.String()+"."+schema.QuoteIdent(tc.Column)
			})
		})
		if ce != nil {
			ce.Columns = uncovered
		}
		var errs rules.Errors
		if errors.As(driftErr, &errs) {
			for _, x := range errs {
				rep.Errors = append(rep.Errors, CheckError{Line: x.Line, Message: x.Msg})
			}
		}
	}
	for _, u := range uncovered {
		rep.Uncovered = append(rep.Uncovered, g.uncoveredColumn(u))
	}
	for _, c := range plan.Crowded(inv.Rows) {
		rep.UniqueRisk = append(rep.UniqueRisk, CheckUnique{Table: c.Table.String(), Column: c.Column, Masker: c.Masker, Rows: c.Rows, Space: c.Space, Reason: c.Reason()})
	}
	rep.Warnings = plan.Warnings
	for _, tp := range plan.Tables {
		rep.Summary.MaskedColumns += len(tp.Columns)
	}
	rep.Summary.Tables = len(inv.Rows)
	if rep.Stale == nil {
		rep.Stale = []CheckStale{}
	}
	switch {
	case driftErr != nil, rf.Strict && len(uncovered) > 0, slices.ContainsFunc(rep.KeptPersonal, func(p CheckPersonal) bool { return p.Confidence == detect.High.String() }):
		rep.ExitCode = ExitFailure
	}
	if fix != "" {
		if err := e.writeOutput(fix, g.patch(rep)); err != nil {
			return e.fail(err)
		}
	}
	if asJSON {
		return e.writeReport(rep, false)
	}
	if driftErr != nil {
		e.fail(driftErr)
	}
	if rf.Strict && len(uncovered) > 0 {
		fmt.Fprintln(e.stderr, ce)
	}
	for _, p := range rep.KeptPersonal {
		at := f.rules
		if p.Line > 0 {
			at = fmt.Sprintf("%s:%d", f.rules, p.Line)
		}
		fmt.Fprintf(e.stderr, "%s: %s.%s is kept but looks like personal data: %s (%s): %s; suggested: %s\n", at, p.Table, p.Column, p.Kind, p.Confidence, p.Reason, p.Suggestion)
	}
	for _, u := range rep.UniqueRisk {
		fmt.Fprintf(e.stderr, "anonymize: warning: unique column %s.%s (%d rows) is masked with %s, %s\n", u.Table, schema.QuoteIdent(u.Column), u.Rows, u.Masker, u.Reason)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "anonymize: warning: %s\n", w)
	}
	if fix != "" {
		dest := fix
		if dest == "-" {
			dest = "stdout"
		}
		fmt.Fprintf(e.stderr, "anonymize: suggested rules for %d column(s) written to %s: review them before merging\n", len(rep.Uncovered)+len(rep.KeptPersonal), dest)
	}
	if rep.ExitCode == ExitOK {
		fmt.Fprintf(e.stdout, "%s: OK against %s: %d tables, %d masked columns", f.rules, inv.Name, rep.Summary.Tables, rep.Summary.MaskedColumns)
		if rf.Strict {
			fmt.Fprint(e.stdout, ", every column covered")
		}
		fmt.Fprintln(e.stdout)
	}
	return rep.ExitCode
}

func (e *env) writeReport(rep *CheckReport, failed bool) int {
	rep.OK = rep.ExitCode == ExitOK
	for _, s := range []*[]CheckColumn{&rep.Uncovered} {
		if *s == nil {
			*s = []CheckColumn{}
		}
	}
	if rep.Stale == nil {
		rep.Stale = []CheckStale{}
	}
	if rep.TypeChanged == nil {
		rep.TypeChanged = []CheckType{}
	}
	if rep.KeptPersonal == nil {
		rep.KeptPersonal = []CheckPersonal{}
	}
	if rep.UniqueRisk == nil {
		rep.UniqueRisk = []CheckUnique{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	if rep.Errors == nil {
		rep.Errors = []CheckError{}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return e.fail(err)
	}
	return rep.ExitCode
}

// withoutDrift copies rf without the rules that name what the source no
// longer has or that no longer fit a column's type.
func withoutDrift(rf *rules.File, stale []CheckStale, types []CheckType) *rules.File {
	// By name, not line: a flow mapping puts a table and its columns on one.
	type key struct{ t, c string }
	drop := map[key]bool{}
	for _, x := range stale {
		drop[key{x.Table, x.Column}] = true
	}
	for _, x := range types {
		drop[key{x.Table, x.Column}] = true
	}
	out := *rf
	out.Tables = nil
	byName := map[string]*rules.TableRule{}
	for _, tr := range rf.Tables {
		t := tr.Name.String()
		if drop[key{t, ""}] {
			continue
		}
		cp := *tr
		cp.Columns = slices.DeleteFunc(slices.Clone(tr.Columns), func(cr *rules.ColumnRule) bool { return drop[key{t, cr.Name}] })
		out.Tables = append(out.Tables, &cp)
		byName[t] = &cp
	}
	// A pattern that cannot fill a column is kept off it by an exact keep,
	// which wins over patterns; the column is reported as type_changed.
	for _, x := range types {
		if !x.pattern {
			continue
		}
		tr := byName[x.Table]
		if tr == nil {
			q, err := schema.ParseQName(x.Table)
			if err != nil {
				continue
			}
			tr = &rules.TableRule{Name: q, Line: x.Line}
			out.Tables = append(out.Tables, tr)
			byName[x.Table] = tr
		}
		tr.Columns = append(tr.Columns, &rules.ColumnRule{Name: x.Column, Line: x.Line})
	}
	return &out
}

// patternMisfits finds the columns a columns: pattern matches but whose
// type its masker cannot fill, which planning reported as errors at the
// pattern's line. A new email_verified boolean under "*.*.*email*" is drift
// in the dump (exit 1), not a mistake in the rules file (exit 2).
func patternMisfits(rf *rules.File, inv *dump.Inventory, planErr error) []CheckType {
	var errs rules.Errors
	if len(rf.Patterns) == 0 || !errors.As(planErr, &errs) {
		return nil
	}
	tables := map[schema.QName]*rules.TableRule{}
	for _, tr := range rf.Tables {
		tables[tr.Name] = tr
	}
	var out []CheckType
	for _, t := range inv.Catalog.Tables {
		tr := tables[t.Name]
		for _, c := range t.Columns {
			if tr != nil && (tr.Mode != rules.ByColumn || slices.ContainsFunc(tr.Columns, func(cr *rules.ColumnRule) bool { return cr.Name == c.Name })) {
				continue
			}
			p := rf.PatternFor(t.Name, c.Name)
			if p == nil || p.Spec == nil || c.Generated {
				continue
			}
			col := masking.NewColumn(inv.Catalog, t, c)
			ok, reason := masking.Lookup(p.Spec.Name).Accepts(col)
			prefix := "column " + t.Name.String() + "." + schema.QuoteIdent(c.Name) + ": masker "
			if ok || !slices.ContainsFunc(errs, func(x *rules.Error) bool { return x.Line == p.Line && strings.HasPrefix(x.Msg, prefix) }) {
				continue
			}
			out = append(out, CheckType{Line: p.Line, Table: t.Name.String(), Column: c.Name, Masker: p.Spec.Name, Type: col.TypeName(),
				Reason: reason + " (pattern " + strconv.Quote(p.Pattern) + ")", pattern: true})
		}
	}
	return out
}

// drift lists the rules naming what the dump does not have, and the
// column rules whose masker no longer fits the column's type.
func drift(rf *rules.File, inv *dump.Inventory) ([]CheckStale, []CheckType) {
	var stale []CheckStale
	var types []CheckType
	data := pipeline.DataColumns(inv)
	for _, tr := range rf.Tables {
		t := inv.Catalog.Table(tr.Name)
		if t == nil {
			if _, ok := data[tr.Name]; !ok {
				stale = append(stale, CheckStale{Line: tr.Line, Table: tr.Name.String()})
			}
			continue
		}
		for _, cr := range tr.Columns {
			c := t.Column(cr.Name)
			if c == nil {
				stale = append(stale, CheckStale{Line: cr.Line, Table: tr.Name.String(), Column: cr.Name})
				continue
			}
			if cr.Spec == nil || c.Generated {
				continue
			}
			col := masking.NewColumn(inv.Catalog, t, c)
			if ok, reason := masking.Lookup(cr.Spec.Name).Accepts(col); !ok {
				types = append(types, CheckType{Line: cr.Line, Table: tr.Name.String(), Column: cr.Name, Masker: cr.Spec.Name, Type: col.TypeName(), Reason: reason})
			}
		}
	}
	return stale, types
}

// uncoveredColumn describes an uncovered column ("schema.table.column
// (type)", as the plan lists it) with a suggested rule.
func (g *generator) uncoveredColumn(desc string) CheckColumn {
	cc := CheckColumn{Column: desc}
	name, typ, _ := strings.Cut(desc, " (")
	cc.Type = strings.TrimSuffix(typ, ")")
	q, c, err := schema.ParseColumnRef(name)
	if err != nil {
		return cc
	}
	cc.Table, cc.Column = q.String(), c
	t := g.cat.Table(q)
	if t == nil || t.Column(c) == nil {
		cc.Suggestion = "keep"
		return cc
	}
	if refs := g.fkColumns(t)[c]; len(refs) > 0 {
		// Masking only the referencing side breaks the key: mask the key,
		// and this column follows it.
		cc.Suggestion = "keep"
		cc.Reason = "references " + refs[0].t.String() + "." + schema.QuoteIdent(refs[0].c) + ", which is kept: if it holds personal data, mask that key and leave this column out (it follows)"
		return cc
	}
	ch := g.choose(t, t.Column(c))
	cc.Suggestion, cc.Reason = ch.rule, ch.comment
	return cc
}

// keptPersonal lists the columns the plan passes through, whose rows are
// copied, that the detector finds personal (medium confidence or more).
func (g *generator) keptPersonal(rf *rules.File, plan *rules.Plan, uncovered []string) []CheckPersonal {
	skip := map[string]bool{}
	for _, u := range uncovered {
		name, _, _ := strings.Cut(u, " (")
		skip[name] = true
	}
	var out []CheckPersonal
	for _, t := range g.cat.Tables {
		if t.Partitioned || rootOf(g.cat, t.Name) != t.Name {
			continue // partitions are sampled, and reported, as their root
		}
		tp := plan.Tables[t.Name]
		if tp != nil && tp.Skip {
			continue
		}
		for _, c := range t.Columns {
			if c.Generated || tp != nil && tp.Columns[c.Name] != nil || skip[t.Name.String()+"."+schema.QuoteIdent(c.Name)] {
				continue
			}
			col := masking.NewColumn(g.cat, t, c)
			f := detect.Column(t.Name.String(), col, g.smp[t.Name][c.Name])
			if !f.Personal() {
				continue
			}
			ch := g.choose(t, c)
			out = append(out, CheckPersonal{Line: ruleLine(rf, t.Name, c.Name), Table: t.Name.String(), Column: c.Name,
				Kind: string(f.Kind), Confidence: f.Confidence.String(), Reason: f.Reason(), Suggestion: ch.rule})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Table+"."+out[i].Column < out[j].Table+"."+out[j].Column })
	return out
}

// ruleLine is the line of the rule that keeps a column: its own, its
// table's, or a pattern's; 0 when none (strict: false).
func ruleLine(rf *rules.File, q schema.QName, c string) int {
	for _, tr := range rf.Tables {
		if tr.Name != q {
			continue
		}
		for _, cr := range tr.Columns {
			if cr.Name == c {
				return cr.Line
			}
		}
		if tr.Mode != rules.ByColumn {
			return tr.Line
		}
	}
	if p := rf.PatternFor(q, c); p != nil {
		return p.Line
	}
	return 0
}

// patch writes the suggested rules for what check found, as a rules file
// fragment to merge by hand.
func (g *generator) patch(rep *CheckReport) []byte {
	var b strings.Builder
	b.WriteString("# Suggested by anonymize check for " + commentSafe(rep.Rules) + " against " + commentSafe(rep.Source) + ".\n")
	b.WriteString("# Review each rule, then merge it into the tables: section of the rules file\n# (a kept column's rule replaces its keep).\n")
	byTable := map[string][]string{}
	var tables []string
	add := func(table, col, rule, why string) {
		if byTable[table] == nil {
			tables = append(tables, table)
		}
		line := fmt.Sprintf("    %s: %s", yamlKey(col), rule)
		if why != "" {
			line += "  # " + commentSafe(why)
		}
		byTable[table] = append(byTable[table], line)
	}
	for _, u := range rep.Uncovered {
		if u.Table != "" {
			add(u.Table, u.Column, u.Suggestion, "uncovered; "+u.Reason)
		}
	}
	for _, p := range rep.KeptPersonal {
		add(p.Table, p.Column, p.Suggestion, fmt.Sprintf("kept but looks like %s (%s): %s", p.Kind, p.Confidence, p.Reason))
	}
	if len(tables) == 0 {
		b.WriteString("# Nothing to suggest.\n")
		return []byte(b.String())
	}
	b.WriteString("tables:\n")
	sort.Strings(tables)
	for _, t := range tables {
		b.WriteString("  " + yamlKey(t) + ":\n")
		for _, l := range byTable[t] {
			b.WriteString(l + "\n")
		}
	}
	return []byte(b.String())
}
