package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/outfile"
	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
)

const mainUsage = `anonymize: a staging copy of a PostgreSQL dump, with no real personal data.

Usage:
  anonymize --rules FILE --in FILE|- --out FILE|- [--secret-file FILE] [--quiet]
  anonymize check   --rules FILE --in FILE      validate rules and coverage, write nothing
  anonymize inspect --in FILE [--json]          what a dump holds: tables, rows, keys, FKs

Flags:
  --rules FILE        rules file (YAML, version 1; see rules/shop.yaml)
  --in FILE           plain pg_dump output, optionally gzip-compressed; - reads stdin
  --out FILE          masked dump; a name ending in .gz is compressed. The file
                      appears only when the run succeeds. - streams to stdout; a
                      failed run ends the stream with an error statement, so load
                      it with psql -1 -v ON_ERROR_STOP=1
  --secret-file FILE  file holding the masking secret (default: $ANONYMIZE_SECRET).
                      Same secret, same output; without one a random secret is used.
  -j N                goroutines masking COPY rows (default: one per CPU); the
                      output does not depend on it
  --progress          report progress even when stderr is not a terminal
                      (a line every few seconds, for logs)
  --quiet             no progress and no summary

Examples:
  export ANONYMIZE_SECRET=$(cat /run/secrets/understudy)
  anonymize --rules rules/shop.yaml --in prod.sql --out staging.sql
  pg_dump prod | anonymize --rules rules/shop.yaml --in - --out - | psql -1 -v ON_ERROR_STOP=1 staging
  anonymize check --rules rules/shop.yaml --in prod.sql.gz

Exit status: 0 success, 1 the run failed, 2 bad command line or rules.
`

func isRulesError(err error) bool {
	var re *rules.Error
	var res rules.Errors
	var ce *rules.CoverageError
	return errors.As(err, &re) || errors.As(err, &res) || errors.As(err, &ce)
}

// located reports whether err starts with its own file:line location.
func located(err error) bool {
	var se *plaindump.SyntaxError
	var re *pipeline.RowError
	var st *pipeline.StatementError
	var co *pipeline.CollisionError
	return isRulesError(err) || errors.As(err, &se) || errors.As(err, &re) || errors.As(err, &st) || errors.As(err, &co)
}

type anonymizeFlags struct {
	rules, in, out, secretFile string
	quiet, progress            bool
	jobs                       int
}

func (e *env) anonymize(args []string) int {
	fs := e.newFlags("anonymize", mainUsage)
	var f anonymizeFlags
	fs.StringVar(&f.rules, "rules", "", "")
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.out, "out", "", "")
	fs.StringVar(&f.secretFile, "secret-file", "", "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.progress, "progress", false, "")
	fs.IntVar(&f.jobs, "j", 0, "")
	if done, code := e.parse(fs, mainUsage, args); done {
		return code
	}
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return ExitUsage
	}
	switch {
	case f.rules == "":
		return e.fail(usagef("--rules is required"))
	case f.in == "":
		return e.fail(usagef("--in is required"))
	case f.out == "":
		return e.fail(usagef("--out is required (use - for stdout)"))
	case f.jobs < 0:
		return e.fail(usagef("-j must be at least 1"))
	}
	return e.run(&f, false)
}

const checkUsage = `Usage: anonymize check --rules FILE --in FILE [--secret-file FILE]

Checks a rules file against a dump without writing anything: every table and
column named exists, every masker fits its column's type, foreign keys can
follow their referenced keys, and (in strict mode) every column is covered.

Example:
  anonymize check --rules rules/shop.yaml --in prod.sql
`

func (e *env) check(args []string) int {
	fs := e.newFlags("check", checkUsage)
	var f anonymizeFlags
	fs.StringVar(&f.rules, "rules", "", "")
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.secretFile, "secret-file", "", "")
	if done, code := e.parse(fs, checkUsage, args); done {
		return code
	}
	if f.rules == "" {
		return e.fail(usagef("--rules is required"))
	}
	f.quiet = true
	return e.run(&f, true)
}

// run is anonymize (and, with checkOnly, check): two passes over the input,
// one to learn the schema and row counts, one to mask.
func (e *env) run(f *anonymizeFlags, checkOnly bool) int {
	rf, err := rules.Load(f.rules)
	if err != nil {
		return e.fail(err)
	}
	if rf.Subset != nil {
		return e.fail(&rules.Error{File: rf.Path, Line: rf.Subset.Line, Msg: "subset: is not supported by this version yet; remove the section to anonymize the whole dump"})
	}
	secret, err := e.secret(f.secretFile, checkOnly)
	if err != nil {
		return e.fail(err)
	}
	input, cleanup, err := e.openTwice(f.in)
	if err != nil {
		return e.fail(err)
	}
	defer cleanup()

	inv, err := e.scan(input)
	if err != nil {
		return e.fail(err)
	}
	opts := &masking.Options{Secret: secret, EmailDomain: rf.EmailDomain}
	plan, err := rf.Plan(inv.Catalog, inv.Columns, opts)
	if err != nil {
		return e.fail(err)
	}
	if checkOnly {
		masked := 0
		for _, tp := range plan.Tables {
			masked += len(tp.Columns)
		}
		fmt.Fprintf(e.stdout, "%s: OK against %s: %d tables, %d masked columns", f.rules, input.name, len(inv.Rows), masked)
		if rf.Strict {
			fmt.Fprint(e.stdout, ", every column covered")
		}
		fmt.Fprintln(e.stdout)
		return ExitOK
	}
	return e.mask(f, input, inv, plan)
}

func (e *env) mask(f *anonymizeFlags, input *input, inv *pipeline.Inventory, plan *rules.Plan) int {
	r, err := input.reader()
	if err != nil {
		return e.fail(err)
	}
	defer r.Close()
	out, err := outfile.Create(f.out, e.stdout)
	if err != nil {
		return e.fail(err)
	}
	defer out.Abort()
	var total int64
	for _, n := range inv.Rows {
		total += n
	}
	p := newProgress(e.stderr, f.quiet, f.progress)
	every := p.every
	if e.progressEvery != 0 {
		every = e.progressEvery
	}
	stats, err := pipeline.Mask(e.ctx, r, plaindump.NewWriter(out), plan, inv.Catalog, pipeline.MaskOptions{
		Workers: f.jobs, TotalRows: total, Progress: p.update, ProgressEvery: every,
	})
	p.done()
	if err != nil {
		if f.out == "-" {
			// What went to stdout cannot be taken back: end it so that psql
			// reading it fails rather than loads a partial copy.
			out.Write(incompleteMarker)
			out.Commit()
		}
		return e.fail(err)
	}
	if err := out.Commit(); err != nil {
		return e.fail(err)
	}
	if !f.quiet {
		fmt.Fprintf(e.stderr, "anonymize: %d tables, %s rows (%s skipped), %s masked cells; %s in %s (%s/s) -> %s\n",
			stats.Tables, thousands(stats.Rows), thousands(stats.SkippedRows), thousands(stats.MaskedCells),
			megabytes(stats.BytesIn), stats.Elapsed.Round(time.Millisecond), megabytes(int64(float64(stats.BytesIn)/max(stats.Elapsed.Seconds(), 1e-3))), f.out)
	}
	return ExitOK
}

// incompleteMarker ends a failed run's stdout: it closes any COPY block and
// raises an error, so `psql -1 -v ON_ERROR_STOP=1` loads nothing.
var incompleteMarker = []byte("\n\\.\nDO $$ BEGIN RAISE EXCEPTION 'anonymize failed: this dump is incomplete'; END $$;\n")

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// secret returns the masking secret: --secret-file, then $ANONYMIZE_SECRET,
// else a random one with a warning (output will differ on every run).
func (e *env) secret(file string, quiet bool) (masking.Secret, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return masking.Secret{}, fmt.Errorf("read --secret-file: %w", err)
		}
		b = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(b) == 0 {
			return masking.Secret{}, usagef("--secret-file %s is empty", file)
		}
		return masking.NewSecret(b), nil
	}
	if s := e.getenv("ANONYMIZE_SECRET"); s != "" {
		return masking.NewSecret([]byte(s)), nil
	}
	if !quiet {
		fmt.Fprintln(e.stderr, "anonymize: warning: no ANONYMIZE_SECRET or --secret-file: using a random secret, so masked values will differ on every run (joins within this output still hold)")
	}
	return masking.RandomSecret(), nil
}

// input is a dump that can be read twice (schema pass, masking pass).
type input struct {
	f    *os.File
	name string
}

// reader rewinds the input and returns a plain-dump reader over it.
func (in *input) reader() (*plaindump.Reader, error) {
	if _, err := in.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	return plaindump.NewReader(in.f, in.name)
}

// openTwice opens the input so it can be read twice. A regular file is
// simply rewound; stdin, pipes and devices are copied to a temporary file
// first, unlinked at once so that the copy — production data — cannot
// outlive the process whatever happens to it.
func (e *env) openTwice(path string) (*input, func(), error) {
	var src io.Reader = e.stdin
	name := "stdin"
	if path != "-" {
		rc, n, err := e.openInput(path)
		if err != nil {
			return nil, nil, err
		}
		f := rc.(*os.File)
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return &input{f: f, name: n}, func() { f.Close() }, nil
		}
		defer f.Close()
		src, name = f, n
	}
	tmp, err := os.CreateTemp("", "anonymize-input-*.sql")
	if err != nil {
		return nil, nil, err
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &input{f: tmp, name: name}, func() { tmp.Close() }, nil
}

func (e *env) scan(in *input) (*pipeline.Inventory, error) {
	r, err := in.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return pipeline.Scan(e.ctx, r)
}

// progress reports how far the run is: a redrawn line on a terminal, or
// (with --progress) a plain line every few seconds for logs.
type progress struct {
	w       io.Writer
	on, tty bool
	drawn   bool
	every   time.Duration
	started time.Time
}

func newProgress(w io.Writer, quiet, always bool) *progress {
	p := &progress{w: w, started: time.Now(), every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 200*time.Millisecond
		}
	}
	p.on = !quiet && (p.tty || always)
	return p
}

func (p *progress) update(pr pipeline.Progress) {
	if !p.on {
		return
	}
	pct := ""
	if pr.TotalRows > 0 {
		pct = fmt.Sprintf(" (%d%%)", pr.Rows*100/pr.TotalRows)
	}
	rate := float64(pr.BytesIn) / max(time.Since(p.started).Seconds(), 1e-3)
	line := fmt.Sprintf("%s  %s/%s rows%s  %s/s", pr.Table, thousands(pr.Rows), thousands(pr.TotalRows), pct, megabytes(int64(rate)))
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K  %s", line)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "anonymize: progress: %s\n", line)
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
