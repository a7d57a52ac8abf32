package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
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

const initUsage = `Usage: anonymize init (--in FILE | --source URL) [--out rules.yaml] [--sample N]

Writes a starter rules file that covers every table and column of a dump or
a live database, in strict mode. Columns that look personal — by their name
(English, German, French, Spanish, Dutch) or by a sample of their values —
get a masker that fits their type, with a comment saying why and how sure;
keys are noted; columns referencing a masked key are left to follow it;
contact endpoints (webhooks, callbacks, URLs, SMTP) are flagged and masked;
everything else is kept. The file passes anonymize check as written:
review it, then commit it.

Only the first N rows of each table are read (default 1000): the rest of a
dump file is skipped, and a live database is asked for N rows. Sampled
values are never printed.

Flags:
  --in FILE      pg_dump output: plain or an archive (as for anonymize)
  --source URL   a live database, read in one read-only snapshot
  --out FILE     where to write the rules (default: stdout); an existing file
                 is not overwritten without --force
  --sample N     rows read per table (default 1000)
  --force        overwrite --out

Examples:
  anonymize init --in prod.sql --out rules.yaml
  anonymize init --source "$PROD_URL" --out rules.yaml
  anonymize init --in prod.dump --sample 200 | less
`

func (e *env) initRules(args []string) int {
	fs := e.newFlags("init", initUsage)
	var f anonymizeFlags
	var force bool
	n := defaultSampleRows
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.source, "source", "", "")
	fs.StringVar(&f.out, "out", "-", "")
	fs.IntVar(&n, "sample", n, "")
	fs.BoolVar(&force, "force", false, "")
	if done, code := e.parse(fs, initUsage, args); done {
		return code
	}
	if err := f.ends(true); err != nil {
		return e.fail(err)
	}
	if n < 1 {
		return e.fail(usagef("--sample must be at least 1"))
	}
	if f.out != "-" && !force {
		// Only a regular file can be someone's edited rules; a FIFO or
		// /dev/stdout is where the caller wants the file to go.
		if st, err := os.Stat(f.out); err == nil && st.Mode().IsRegular() {
			return e.fail(usagef("--out %s exists: init does not overwrite a rules file someone may have edited (add --force)", f.out))
		}
	}
	// By file, not by name: ./dump.sql or a link to the dump is the dump.
	if err := outfile.Conflicts(f.out, f.in); err != nil || f.out != "-" && f.out == f.in {
		return e.fail(usagef("--out %s is the input dump, or a file inside it: name a new file", f.out))
	}
	f.jobs, f.maxRowSize = 1, plaindump.DefaultMaxItem>>20
	src, err := e.openSource(&f)
	if err != nil {
		return e.fail(err)
	}
	defer src.Close()
	inv, err := src.Inventory(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	smp, err := sample(e.ctx, src, inv, n)
	if err != nil {
		return e.fail(err)
	}
	g := newGenerator(inv, smp)
	text, err := g.settle()
	if err != nil {
		return e.fail(err)
	}
	if err := e.writeOutput(f.out, text); err != nil {
		return e.fail(err)
	}
	dest := f.out
	if dest == "-" {
		dest = "stdout"
	}
	fmt.Fprintf(e.stderr, "anonymize: init: %s: %d tables, %d columns: %d masked (%d sure), %d follow foreign keys, %d kept (%d to review), %d contact endpoints flagged\n",
		dest, g.stats.tables, g.stats.columns, g.stats.masked, g.stats.sure, g.stats.follow, g.stats.kept, g.stats.review, g.stats.endpoints)
	return ExitOK
}

// writeOutput writes a generated file through outfile: a regular file (or
// a link to one) is replaced atomically, while a FIFO or /dev/stdout is
// written in place rather than renamed over.
func (e *env) writeOutput(path string, data []byte) error {
	if strings.HasSuffix(path, ".gz") {
		// outfile would compress it, and rules files are read as plain text.
		return usagef("%s: a rules file is YAML text, not gzip: name it without .gz", path)
	}
	out, err := outfile.Create(e.ctx, path, e.stdout)
	if err != nil {
		return err
	}
	defer out.Fail(nil)
	if _, err := out.Write(data); err != nil {
		return err
	}
	return out.Commit()
}

// generator writes the starter rules for one inventory.
type generator struct {
	inv  *dump.Inventory
	cat  *schema.Catalog
	smp  samples
	opts *masking.Options
	// forced are columns the planner refused a masker for: kept, with why.
	forced map[colRef]string
	stats  struct {
		tables, columns, masked, sure, follow, kept, review, endpoints int
	}
}

type colRef struct {
	t schema.QName
	c string
}

// choice is what one column gets.
type choice struct {
	rule    string // YAML of the rule; "" leaves it to its foreign key
	masked  bool
	comment string
	finding detect.Finding
}

func newGenerator(inv *dump.Inventory, smp samples) *generator {
	return &generator{inv: inv, cat: inv.Catalog, smp: smp, forced: map[colRef]string{},
		opts: &masking.Options{Secret: masking.RandomSecret(), EmailDomain: "example.com"}}
}

// settle generates the rules and plans them as anonymize would; a column
// whose masker the plan refuses is kept instead (with the reason), until
// the file plans cleanly.
func (g *generator) settle() ([]byte, error) {
	for round := 0; ; round++ {
		text, lines := g.generate()
		rf, err := rules.Parse("rules.yaml", text)
		if err != nil {
			return nil, fmt.Errorf("init: the generated rules do not parse (a bug): %w", err)
		}
		plan, err := rf.Plan(g.cat, pipeline.DataColumns(g.inv), g.opts)
		if err == nil {
			err = pipeline.Refuse(g.inv, plan, true, rf.LargeObjects)
			return text, err
		}
		var errs rules.Errors
		if !errors.As(err, &errs) || round >= 8 {
			return nil, fmt.Errorf("init: the generated rules do not plan (a bug): %w", err)
		}
		progress := false
		for _, re := range errs {
			if ref, ok := lines[re.Line]; ok && g.forced[ref] == "" {
				g.forced[ref] = re.Msg
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("init: the generated rules do not plan (a bug): %w", err)
		}
	}
}

// ruleTables lists the tables the file gives rules to: every table with
// columns, except partitions and inheritance children whose columns are
// all their topmost parent's (they inherit its rules).
func (g *generator) ruleTables() []*schema.Table {
	var out []*schema.Table
	for _, t := range g.cat.Tables {
		if root := rootOf(g.cat, t.Name); root != t.Name {
			if rt := g.cat.Table(root); rt != nil && !slices.ContainsFunc(t.Columns, func(c *schema.Column) bool { return !c.Generated && rt.Column(c.Name) == nil }) {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// fkColumns maps each referencing column of t (and of its partitions) to
// the columns it references.
func (g *generator) fkColumns(t *schema.Table) map[string][]colRef {
	out := map[string][]colRef{}
	var walk func(t *schema.Table, depth int)
	walk = func(t *schema.Table, depth int) {
		for _, fk := range t.ForeignKeys {
			for i, c := range fk.Columns {
				if i < len(fk.RefColumns) {
					out[c] = append(out[c], colRef{rootOf(g.cat, fk.RefTable), fk.RefColumns[i]})
				}
			}
		}
		if depth < 64 {
			for _, p := range g.cat.Partitions(t.Name) {
				walk(p, depth+1)
			}
		}
	}
	walk(t, 0)
	return out
}

// generate writes the rules; lines maps each rule's line to its column.
func (g *generator) generate() ([]byte, map[int]colRef) {
	g.stats = struct{ tables, columns, masked, sure, follow, kept, review, endpoints int }{}
	tables := g.ruleTables()
	choices := map[colRef]*choice{}
	fks := map[schema.QName]map[string][]colRef{}
	for _, t := range tables {
		fks[t.Name] = g.fkColumns(t)
		for _, c := range t.Columns {
			if c.Generated || fks[t.Name][c.Name] != nil {
				continue
			}
			choices[colRef{t.Name, c.Name}] = g.choose(t, c)
		}
	}
	// A referencing column follows its key when the key is masked, to a
	// fixed point along chains of keys; otherwise it is kept, as its key.
	masked := func(r colRef) bool { ch := choices[r]; return ch != nil && ch.masked }
	for changed := true; changed; {
		changed = false
		for _, t := range tables {
			for c, refs := range fks[t.Name] {
				k := colRef{t.Name, c}
				if choices[k] != nil && choices[k].rule == "" {
					continue
				}
				for _, r := range refs {
					if masked(r) {
						choices[k] = &choice{masked: true, comment: "follows " + r.t.String() + "." + schema.QuoteIdent(r.c) + " (foreign key)"}
						changed = true
						break
					}
				}
			}
		}
	}
	for _, t := range tables {
		for c, refs := range fks[t.Name] {
			k := colRef{t.Name, c}
			if choices[k] == nil {
				var names []string
				for _, r := range refs {
					if n := r.t.String() + "." + schema.QuoteIdent(r.c); !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
				choices[k] = &choice{rule: "keep", comment: "references " + strings.Join(names, ", ") + ", which is kept"}
			}
		}
	}

	var b strings.Builder
	lines := map[int]colRef{}
	line := 1
	w := func(format string, a ...any) {
		s := fmt.Sprintf(format, a...)
		b.WriteString(s)
		line += strings.Count(s, "\n")
	}
	w("# Rules written by anonymize init from %s.\n", commentSafe(g.inv.Name))
	w("#\n# Review every line before use: the suggestions come from column names and\n")
	w("# a sample of the first rows of each table, and can be wrong either way.\n")
	w("# Strict: every column is covered, by a rule, a table-level keep, or by\n")
	w("# following the foreign key it references (those are listed as comments).\n")
	w("version: 1\nstrict: true\nemail_domain: example.com\n")
	if g.inv.LargeObjects > 0 {
		w("# The dump holds %d large object statements, which cannot be masked:\n# drop them (or write keep, if they hold no personal data).\nlarge_objects: drop\n", g.inv.LargeObjects)
	}
	w("\ntables:\n")
	for _, t := range tables {
		g.stats.tables++
		var cols []*schema.Column
		for _, c := range t.Columns {
			if !c.Generated {
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 {
			w("  %s: keep  # no columns\n", yamlKey(t.Name.String()))
			continue
		}
		w("  %s:\n", yamlKey(t.Name.String()))
		for _, c := range cols {
			g.stats.columns++
			ch := choices[colRef{t.Name, c.Name}]
			note := keyNote(g.cat, t, c)
			switch {
			case ch.rule == "":
				g.stats.follow++
				w("    # %s: %s\n", commentSafe(c.Name), commentSafe(ch.comment))
				continue
			case ch.masked:
				g.stats.masked++
				if ch.finding.Confidence == detect.High {
					g.stats.sure++
				}
				if ch.finding.Kind == detect.Endpoint {
					g.stats.endpoints++
				}
			default:
				g.stats.kept++
				if ch.finding.Confidence > detect.None {
					g.stats.review++
				}
			}
			comment := ch.comment
			if note != "" {
				comment = strings.TrimSuffix(note+"; "+comment, "; ")
			}
			lines[line] = colRef{t.Name, c.Name}
			if comment != "" {
				w("    %s: %s  # %s\n", yamlKey(c.Name), ch.rule, commentSafe(comment))
			} else {
				w("    %s: %s\n", yamlKey(c.Name), ch.rule)
			}
		}
	}
	// Tables with rows but no CREATE TABLE: their columns cannot be known.
	var extra []string
	for q := range pipeline.DataColumns(g.inv) {
		if g.cat.Table(q) == nil {
			extra = append(extra, q.String())
		}
	}
	slices.Sort(extra)
	for _, q := range extra {
		g.stats.tables++
		w("  %s: keep  # rows without a CREATE TABLE in the dump: review, or skip\n", yamlKey(q))
	}
	return []byte(b.String()), lines
}

// keyNote says what keys a column takes part in.
func keyNote(cat *schema.Catalog, t *schema.Table, c *schema.Column) string {
	var notes []string
	if t.PrimaryKey != nil && slices.Contains(t.PrimaryKey.Columns, c.Name) {
		notes = append(notes, "primary key")
	} else if slices.ContainsFunc(t.Uniques, func(k *schema.Key) bool { return slices.Contains(k.Columns, c.Name) }) {
		notes = append(notes, "unique")
	}
	n := 0
	for _, ref := range cat.Referencing(t.Name) {
		if slices.Contains(ref.FK.RefColumns, c.Name) {
			n++
		}
	}
	if n > 0 {
		notes = append(notes, fmt.Sprintf("referenced by %d foreign key(s)", n))
	}
	return strings.Join(notes, ", ")
}

// choose picks a column's rule from what the detector finds.
func (g *generator) choose(t *schema.Table, c *schema.Column) *choice {
	col := masking.NewColumn(g.cat, t, c)
	f := detect.Column(t.Name.String(), col, g.smp[t.Name][c.Name])
	if why := g.forced[colRef{t.Name, c.Name}]; why != "" {
		return &choice{rule: "keep", finding: f, comment: "REVIEW: looks " + string(f.Kind) + " but no masker fits: " + why}
	}
	if !f.Personal() {
		ch := &choice{rule: "keep", finding: f}
		if f.Confidence > detect.None {
			ch.comment = fmt.Sprintf("maybe %s (%s): %s", f.Kind, f.Confidence, f.Reason())
		}
		return ch
	}
	why := fmt.Sprintf("%s (%s): %s", f.Kind, f.Confidence, f.Reason())
	if f.Kind == detect.Endpoint {
		why = "contact endpoint, masked so staging cannot call a real system: " + why
	}
	if col.Category == masking.CatJSON {
		why += " (a json rule with paths would keep the rest of each document)"
	}
	for _, cand := range candidates(f, col) {
		spec, err := rules.ParseRule(cand)
		if err != nil {
			continue
		}
		def := masking.Lookup(spec.Name)
		if ok, _ := def.Accepts(col); !ok {
			continue
		}
		m, err := masking.Build(spec, col, g.opts)
		if err != nil || !g.masksSample(m, col, t.Name, c.Name) {
			continue
		}
		// A unique column needs a bijection, or a space wide enough for the
		// table to grow tenfold before values are likely to collide.
		if n, bij := masking.OutputSpace(m, col); col.Unique && !bij && rules.Crowds(10*max(g.inv.Rows[t.Name], 1), n) {
			continue
		}
		return &choice{rule: cand, masked: true, finding: f, comment: why}
	}
	return &choice{rule: "keep", finding: f, comment: "REVIEW: looks " + why + ", but no masker fits its type"}
}

// masksSample reports whether a masker takes every sampled value of its
// column: a name can promise an IP address and the rows hold something
// else.
func (g *generator) masksSample(m masking.Masker, col *masking.Column, q schema.QName, c string) bool {
	cell := masking.Wrap(m, col)
	s := masking.NewScratch()
	for _, v := range g.smp[q][c] {
		if len(v) >= maxSampledValue {
			continue // cut short: not a value the masker would see
		}
		if _, _, err := cell.Apply(s, nil, []byte(v), false); err != nil {
			return false
		}
	}
	return true
}

// candidates lists rules for a kind of data, best first; the first that
// fits the column wins.
func candidates(f detect.Finding, col *masking.Column) []string {
	k := f.Kind
	var out []string
	if col.Category == masking.CatJSON {
		// A document with personal data somewhere: a json rule with paths
		// keeps the rest, but which paths is for a human to say.
		out = []string{"null", `{use: const, value: "{}"}`}
	} else {
		switch k {
		case detect.Email:
			out = []string{"email"}
		case detect.Phone:
			out = []string{"phone"}
		case detect.FirstName:
			out = []string{"first_name"}
		case detect.LastName:
			out = []string{"last_name"}
		case detect.FullName:
			out = []string{"full_name"}
		case detect.Username:
			out = []string{"username"}
		case detect.Street:
			out = []string{"street_address"}
		case detect.City:
			out = []string{"city"}
		case detect.Postcode:
			out = []string{"postcode"}
		case detect.BirthDate:
			out = []string{"{use: date_shift, max_days: 180}"}
		case detect.NationalID, detect.Account:
			out = []string{"hash_id"}
		case detect.IBAN:
			out = []string{"iban", "hash_id"}
		case detect.Card:
			out = []string{"hash_id", "credit_card"}
			if strings.Contains(f.Reason(), "Luhn") {
				out = []string{"credit_card", "hash_id"} // card numbers stay card-shaped
			}
		case detect.IP:
			out = []string{"ip"}
		case detect.Geo:
			out = []string{"{use: number_noise, ratio: 0.01}"}
		case detect.Password:
			out = []string{`{use: const, value: "x"}`}
		case detect.Secret:
			out = []string{"hash"}
		case detect.FreeText:
			out = []string{"scrub", "lorem"}
		case detect.Company:
			out = []string{"company"}
		case detect.Photo:
			out = []string{"hash"}
		case detect.Endpoint:
			out = []string{"{use: url, domain: example.net}"}
		}
	}
	if col.Unique {
		out = append(out, "hash_id", "hash")
	} else {
		out = append(out, "hash")
	}
	if !col.NotNull && !col.Unique {
		out = append(out, "null")
	}
	return out
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*(\.([A-Za-z_][A-Za-z0-9_$]*|"[^"\n:#]*"))*$`)

// yamlKey writes a table or column name as a YAML key: bare when that is
// unambiguous, else single-quoted.
func yamlKey(s string) string {
	switch strings.ToLower(s) {
	case "null", "true", "false", "yes", "no", "on", "off", "y", "n", "~":
	default:
		if plainKey.MatchString(s) {
			return s
		}
	}
	// Single quotes cannot hold a line break or other control character
	// (YAML folds or rejects them), so those names go double-quoted with
	// escapes; strconv's escapes for valid UTF-8 are a subset of YAML's.
	if strings.IndexFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff
	}) >= 0 {
		return strconv.Quote(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// commentSafe keeps a name on its comment line.
func commentSafe(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
