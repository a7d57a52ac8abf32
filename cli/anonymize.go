package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/archive"
	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/internal/progress"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/outfile"
	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/subset"
)

const mainUsage = `anonymize: a staging copy of a PostgreSQL database, with no real personal data.

Usage:
  anonymize --rules FILE (--in FILE|- | --source URL) (--out FILE|- | --target URL) [flags]
  anonymize check   --rules FILE (--in FILE | --source URL) [--json] [--fix FILE]
                                                             validate rules, report drift and kept PII
  anonymize init    (--in FILE | --source URL) [--out FILE]   write starter rules covering every column
  anonymize inspect (--in FILE | --source URL) [--json]      what a dump holds: tables, rows, keys, FKs
  anonymize subset-plan --rules FILE (--in FILE | --source URL) [--subset T=PCT%]
                                                             what a subset keeps, and why

Where from (one of):
  --in FILE           pg_dump output: plain (optionally gzip-compressed), or a
                      custom (-Fc), directory (-Fd) or tar (-Ft) archive, told
                      from its bytes; - reads stdin (plain, custom or tar)
  --source URL        a live database (libpq URL or key=value; PG* variables and
                      .pgpass apply), read in one read-only snapshot; a hot
                      standby works
Where to (one of):
  --out FILE          masked dump; plain: a name ending in .gz is compressed. The
                      file appears only when the run succeeds. - streams to stdout;
                      a failed run ends the stream with an error statement, so
                      load it with psql -1 -v ON_ERROR_STOP=1. A directory
                      archive goes to a new directory
  --format F          plain, custom or directory (default: the input's format
                      for an archive, custom for tar; plain otherwise); archives
                      are restored with pg_restore, -j works
  --compress C        an archive's data compression: gzip, lz4, zstd or none,
                      optionally with :LEVEL (default: the input archive's; gzip)
  --target URL        an empty database, created if missing (needs CREATEDB):
                      schema, data in parallel, then indexes and constraints;
                      a failed run drops what it created
Flags:
  --rules FILE        rules file (YAML, version 1; see rules/shop.yaml)
  --secret-file FILE  file holding the masking secret (default: $ANONYMIZE_SECRET).
                      Same secret, same output; without one a random secret is used.
  -j N                parallel work: goroutines masking rows, and tables copied at
                      once between databases (default: one per CPU, at most four
                      per CPU); the output does not depend on it
  --subset T=PCT%     keep PCT% of table T's rows (a keyed hash of its primary key:
                      the same rows for the same secret) and every row they
                      reference or that belongs to them; overrides the rules
                      file's subset: root and percent
  --pin T=KEY,…       always keep these rows of T (by one-column primary key),
                      with everything they need; adds to the rules' include:.
                      Keys are CSV fields: quote one holding a comma ("a,b")
  --clean             drop and recreate a --target that already holds objects
  --no-owner          do not copy ownership (ALTER … OWNER TO) to --target, for a
                      target server without the source's roles
  --no-privileges     do not copy GRANT/REVOKE to --target
  --max-row-size MiB  refuse a row or statement larger than this (default 512):
                      each is held whole in memory
  --progress          report progress even when stderr is not a terminal
                      (a line per table, and one every few seconds, for logs)
  --quiet             no progress and no summary

Examples:
  export ANONYMIZE_SECRET=$(cat /run/secrets/understudy)
  anonymize --rules rules/shop.yaml --in prod.sql --out staging.sql
  anonymize --rules rules/shop.yaml --source "$PROD_URL" --target "$STAGING_URL" -j 4
  anonymize --rules rules/shop.yaml --source "$PROD_URL" --out staging.sql.gz
  anonymize --rules rules/shop.yaml --in prod.sql --target postgres://localhost/staging --clean
  pg_dump prod | anonymize --rules rules/shop.yaml --in - --out - | psql -1 -v ON_ERROR_STOP=1 staging
  anonymize init --in prod.sql --out rules.yaml
  anonymize check --rules rules/shop.yaml --source "$PROD_URL"
  anonymize check --rules rules.yaml --in prod.sql --json --fix rules.patch.yaml
  anonymize --rules rules/shop.yaml --in prod.sql --out fixture.sql --subset public.users=10% --pin public.users=3,5

Exit status: 0 success, 1 the run failed (check: drift or kept personal
data), 2 bad command line or rules.
`

func isRulesError(err error) bool {
	var re *rules.Error
	var res rules.Errors
	var ce *rules.CoverageError
	return errors.As(err, &re) || errors.As(err, &res) || errors.As(err, &ce)
}

// located reports whether err starts with its own location.
func located(err error) bool {
	var se *plaindump.SyntaxError
	var tl *plaindump.ItemTooLargeError
	var pe dump.Positioned
	return isRulesError(err) || errors.As(err, &se) || errors.As(err, &tl) || errors.As(err, &pe)
}

type anonymizeFlags struct {
	rules, in, out, source, target, secretFile string
	format, compress                           string   // of an archive --out
	subset                                     string   // --subset TABLE=PCT%
	pins                                       []string // --pin TABLE=KEY,…
	quiet, progress, clean, planOnly           bool
	noOwner, noPrivileges                      bool
	jobs                                       int
	maxRowSize                                 int
}

// destination names where the output went, never with a password.
func (f *anonymizeFlags) destination() string {
	if f.target != "" {
		return live.Redact(f.target)
	}
	return f.out
}

// maxJobs caps -j: each worker holds buffers (and, between databases, two
// connections), and past a few per core more only costs memory.
func maxJobs() int { return 4 * runtime.NumCPU() }

// ends checks that exactly one source and, unless check, one destination
// are named.
func (f *anonymizeFlags) ends(check bool) error {
	switch {
	case f.in == "" && f.source == "":
		return usagef("--in FILE or --source URL is required")
	case f.in != "" && f.source != "":
		return usagef("--in and --source name two sources; give one")
	case check:
		return nil
	case f.out == "" && f.target == "":
		return usagef("--out FILE (- for stdout) or --target URL is required")
	case f.out != "" && f.target != "":
		return usagef("--out and --target name two destinations; give one")
	case f.clean && f.target == "":
		return usagef("--clean applies to --target only")
	}
	return nil
}

func (e *env) anonymize(args []string) int {
	fs := e.newFlags("anonymize", mainUsage)
	var f anonymizeFlags
	fs.StringVar(&f.rules, "rules", "", "")
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.out, "out", "", "")
	fs.StringVar(&f.source, "source", "", "")
	fs.StringVar(&f.target, "target", "", "")
	fs.StringVar(&f.secretFile, "secret-file", "", "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.BoolVar(&f.progress, "progress", false, "")
	fs.BoolVar(&f.clean, "clean", false, "")
	fs.BoolVar(&f.noOwner, "no-owner", false, "")
	fs.BoolVar(&f.noPrivileges, "no-privileges", false, "")
	fs.IntVar(&f.jobs, "j", 0, "")
	fs.IntVar(&f.maxRowSize, "max-row-size", plaindump.DefaultMaxItem>>20, "")
	fs.StringVar(&f.format, "format", "", "")
	fs.StringVar(&f.compress, "compress", "", "")
	subsetFlags(fs, &f)
	if done, code := e.parse(fs, mainUsage, args); done {
		return code
	}
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return ExitUsage
	}
	if f.rules == "" {
		return e.fail(usagef("--rules is required"))
	}
	if err := f.ends(false); err != nil {
		return e.fail(err)
	}
	switch {
	case f.jobs < 0:
		return e.fail(usagef("-j must be at least 1"))
	case f.maxRowSize < 1 || f.maxRowSize > 1<<14:
		return e.fail(usagef("--max-row-size must be between 1 and 16384 (MiB)"))
	}
	if f.jobs == 0 {
		f.jobs = runtime.NumCPU()
	}
	f.jobs = min(f.jobs, maxJobs())
	if f.target != "" {
		return e.run(&f, nil)
	}
	if err := outfile.Conflicts(f.out, f.in, f.rules, f.secretFile); err != nil {
		return e.fail(usagef("%v", err))
	}
	if err := f.outputFormat(); err != nil {
		return e.fail(err)
	}
	if f.format != "plain" {
		return e.run(&f, nil) // the archive sink is made once the source is open
	}
	// The output is opened first: a stream (stdout, a FIFO) must end with
	// the failure marker whatever fails, even before the first byte.
	out, err := outfile.Create(e.ctx, f.out, e.stdout)
	if err != nil {
		return e.fail(err)
	}
	sink := plain.NewSink(out)
	abort := func() { sink.Abort(context.WithoutCancel(e.ctx)) }
	defer abort() // a no-op after Commit
	e.onAbort(abort)
	return e.run(&f, sink)
}

// readOnly runs a command that reads a dump or a database and writes
// nothing (check, subset-plan): --rules, --in or --source, --secret-file,
// and the flags more adds.
func (e *env) readOnly(name, usage string, args []string, more func(*flag.FlagSet, *anonymizeFlags)) int {
	fs := e.newFlags(name, usage)
	var f anonymizeFlags
	fs.StringVar(&f.rules, "rules", "", "")
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.source, "source", "", "")
	fs.StringVar(&f.secretFile, "secret-file", "", "")
	if more != nil {
		more(fs, &f)
	}
	if done, code := e.parse(fs, usage, args); done {
		return code
	}
	if f.rules == "" {
		return e.fail(usagef("--rules is required"))
	}
	if err := f.ends(true); err != nil {
		return e.fail(err)
	}
	f.quiet = true
	f.maxRowSize = plaindump.DefaultMaxItem >> 20
	f.jobs = 1
	return e.run(&f, nil)
}

// openSource opens --in or --source. The format of --in comes from its
// bytes (archive.Detect, archive.Sniff for stdin), never its name.
func (e *env) openSource(f *anonymizeFlags) (dump.Source, error) {
	if f.source != "" {
		src, err := live.Open(e.ctx, f.source, live.SourceOptions{Jobs: max(f.jobs, 1), NoOwner: f.noOwner, NoPrivileges: f.noPrivileges})
		if err != nil {
			return nil, flagError("--source", err)
		}
		return src, nil
	}
	opts := archive.Options{Jobs: max(f.jobs, 1)}
	if f.in == "-" {
		// The spool exists before the first read, as the plain reader's
		// does: a run blocked on stdin holds it.
		spool, err := os.CreateTemp("", "anonymize-input-*")
		if err != nil {
			return nil, err
		}
		os.Remove(spool.Name())
		br := bufio.NewReaderSize(e.stdin, 4096)
		head, _ := br.Peek(512)
		switch archive.Sniff(head) {
		case archive.Custom, archive.Tar:
			return archive.OpenStream(e.ctx, br, spool, "stdin", opts)
		}
		spool.Close()
		return plain.Open(e.ctx, f.in, br, f.maxRowSize<<20)
	}
	if !seekable(f.in) {
		// A FIFO or device is read once, as a plain dump streams.
		return plain.Open(e.ctx, f.in, e.stdin, f.maxRowSize<<20)
	}
	format, err := archive.Detect(f.in)
	if err != nil {
		return nil, err
	}
	if format == archive.Plain {
		return plain.Open(e.ctx, f.in, e.stdin, f.maxRowSize<<20)
	}
	return archive.Open(e.ctx, f.in, opts)
}

// seekable reports a regular file or a directory (or a name that does not
// exist, for the reader to report): what archive.Detect may open and read
// without consuming a stream or blocking on a FIFO.
func seekable(path string) bool {
	st, err := os.Stat(path)
	return err != nil || st.Mode().IsRegular() || st.IsDir()
}

// outputFormat settles --format: given, or the input's for an archive
// (custom for tar, which is not written), else plain.
func (f *anonymizeFlags) outputFormat() error {
	switch f.format {
	case "plain", "custom", "directory":
	case "":
		f.format = "plain"
		if f.source == "" && f.in != "-" && seekable(f.in) {
			switch in, _ := archive.Detect(f.in); in {
			case archive.Custom, archive.Tar:
				f.format = "custom"
			case archive.Directory:
				f.format = "directory"
			}
		}
	default:
		return usagef("--format %s: want plain, custom or directory", f.format)
	}
	switch {
	case f.compress != "" && f.format == "plain":
		return usagef("--compress applies to archives (--format custom or directory); a plain --out ending in .gz is gzip-compressed")
	case f.format == "directory" && f.out == "-":
		return usagef("a directory archive cannot go to stdout: name a new directory with --out")
	}
	return nil
}

// openArchiveSink creates the custom or directory archive --out names,
// compressed as --compress says, else as the input archive is (gzip for
// other inputs, as pg_dump does). warn is told when the archive needs
// pg_restore 17 (a pg_dump 17 archive holding what older versions cannot
// express).
func openArchiveSink(ctx context.Context, f *anonymizeFlags, src dump.Source, stdout io.Writer, warn func(string)) (dump.Sink, error) {
	comp := archive.Compression{Algorithm: archive.Gzip}
	if as, ok := src.(*archive.Source); ok {
		comp.Algorithm = as.Compression()
	}
	if f.compress != "" {
		c, err := archive.ParseCompression(f.compress)
		if err != nil {
			return nil, usagef("--compress: %v", err)
		}
		comp = c
	}
	opts := archive.SinkOptions{Compression: comp, Jobs: f.jobs, Warn: warn}
	if f.format == "directory" {
		opts.Format = archive.Directory
		return archive.NewSink(nil, f.out, opts)
	}
	opts.Format = archive.Custom
	out, err := outfile.Create(ctx, f.out, stdout)
	if err != nil {
		return nil, err
	}
	s, err := archive.NewSink(out, "", opts)
	if err != nil {
		out.Fail(nil)
	}
	return s, err
}

// openTarget creates the --target database sink, told what the source is
// so that it refuses to load into it.
func (e *env) openTarget(f *anonymizeFlags, src dump.Source) (dump.Sink, error) {
	sink, err := live.Create(e.ctx, f.target, targetOptions(f, src))
	return sink, flagError("--target", err)
}

// checkTarget refuses a wrong --target (the source, not empty, out of
// reach) before the source is read, which can take long.
func (e *env) checkTarget(f *anonymizeFlags, src dump.Source) error {
	return flagError("--target", live.Check(e.ctx, f.target, targetOptions(f, src)))
}

func targetOptions(f *anonymizeFlags, src dump.Source) live.SinkOptions {
	opts := live.SinkOptions{Jobs: f.jobs, Clean: f.clean, MaintenanceWorkMem: live.DefaultMaintenanceWorkMem}
	if ls, ok := src.(*live.Source); ok {
		id := ls.Identity()
		opts.Source, opts.Locale = &id, ls.Locale()
	}
	return opts
}

// flagError makes a connection string pgx cannot parse a command-line
// mistake that names its flag.
func flagError(flag string, err error) error {
	var pe *live.ParseError
	if errors.As(err, &pe) {
		return usagef("%s: %v", flag, err)
	}
	return err
}

// run is anonymize (and check): read the dump's schema and entries, plan,
// refuse what cannot be masked, then copy it masked to sink, or to the
// --target database (which it creates only then).
func (e *env) run(f *anonymizeFlags, sink dump.Sink) int {
	checkOnly := f.out == "" && f.target == "" && !f.planOnly
	rf, err := rules.Load(f.rules)
	if err != nil {
		return e.fail(err)
	}
	if _, err := subsetSpec(rf, f.subset, f.pins); err != nil {
		return e.fail(err)
	}
	secret, err := e.secret(f.secretFile, checkOnly)
	if err != nil {
		return e.fail(err)
	}
	src, err := e.openSource(f)
	if err != nil {
		return e.fail(err)
	}
	defer src.Close()
	inv, plan, warnings, err := e.planSource(f, rf, secret, src)
	if err != nil {
		return e.fail(err)
	}
	// Not silenced by --quiet: like the random secret's, these warnings
	// are about what reaches the output.
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "anonymize: warning: %s\n", w)
	}
	if checkOnly {
		masked := 0
		for _, tp := range plan.Tables {
			masked += len(tp.Columns)
		}
		fmt.Fprintf(e.stdout, "%s: OK against %s: %d tables, %d masked columns", f.rules, inv.Name, len(inv.Rows), masked)
		if rf.Strict {
			fmt.Fprint(e.stdout, ", every column covered")
		}
		fmt.Fprintln(e.stdout)
		return ExitOK
	}
	sub, err := e.chooseRows(f, rf, src, inv, secret)
	if err != nil {
		return e.fail(err)
	}
	if f.planOnly {
		if sub == nil {
			return e.fail(usagef("no subset: give --subset TABLE=PCT%% or a subset: section in the rules"))
		}
		printSubset(e.stdout, "", sub.Report)
		return ExitOK
	}
	if sink == nil && f.target == "" {
		warn := func(w string) { fmt.Fprintf(e.stderr, "anonymize: warning: %s\n", w) }
		if sink, err = openArchiveSink(e.ctx, f, src, e.stdout, warn); err != nil {
			return e.fail(err)
		}
		e.onAbort(func() { sink.Abort(context.WithoutCancel(e.ctx)) })
	}
	if sink == nil {
		if sink, err = e.openTarget(f, src); err != nil {
			return e.fail(err)
		}
		// Dropping what the run created takes a moment: bounded, so that a
		// signal still ends the process within seconds.
		e.onAbort(func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 3*time.Second)
			defer cancel()
			sink.Abort(ctx)
		})
	}
	return e.copy(f, src, inv, plan, rf, sink, sub)
}

// planSource reads src's inventory and plans the rules against it, with
// every refusal that comes before a copy: what anonymize, check,
// subset-plan and a job share. A --target is checked first, so that a
// wrong one fails before a long read. The warnings are about columns that
// pass through, constraints that cannot be checked, or unique columns
// whose masker is likely to collide.
func (e *env) planSource(f *anonymizeFlags, rf *rules.File, secret masking.Secret, src dump.Source) (*dump.Inventory, *rules.Plan, []string, error) {
	if f.target != "" {
		if err := e.checkTarget(f, src); err != nil {
			return nil, nil, nil, err
		}
	}
	inv, err := src.Inventory(e.ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := rf.ApplyRelations(inv.Catalog); err != nil {
		return nil, nil, nil, err
	}
	plan, err := rf.Plan(inv.Catalog, pipeline.DataColumns(inv), &masking.Options{Secret: secret, EmailDomain: rf.EmailDomain})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := pipeline.Refuse(inv, plan, rf.Strict, rf.LargeObjects); err != nil {
		return nil, nil, nil, err
	}
	if _, ok := src.(*live.Source); ok && inv.LargeObjects > 0 && rf.LargeObjects == rules.LargeObjectsKeep {
		return nil, nil, nil, fmt.Errorf("%s holds %d large objects, which Understudy does not copy from a live database yet: use `large_objects: drop`, or anonymize a plain pg_dump of it", inv.Name, inv.LargeObjects)
	}
	var warnings []string
	if n := len(plan.Uncovered); !rf.Strict && n > 0 {
		warnings = append(warnings, fmt.Sprintf("strict: false: %d column(s) have no rule and pass through unmasked (anonymize check with strict: true lists them)", n))
	}
	for _, ex := range plan.Unchecked {
		warnings = append(warnings, fmt.Sprintf("EXCLUDE constraint %s is over masked columns, which Understudy cannot check: the load may fail on it", ex))
	}
	for _, c := range plan.Crowded(inv.Rows) {
		warnings = append(warnings, c.String())
	}
	warnings = append(warnings, plan.Warnings...)
	return inv, plan, warnings, nil
}

// pipelineOptions are the pipeline's options for a copy under rf, with
// sub's rows (nil: every row).
func pipelineOptions(f *anonymizeFlags, rf *rules.File, sub *subset.Result) pipeline.Options {
	opts := pipeline.Options{Workers: f.jobs, Tables: f.jobs, DropLargeObjects: rf.LargeObjects == rules.LargeObjectsDrop}
	if sub != nil {
		opts.Keep = sub.Keep
	}
	return opts
}

// copy runs the pipeline from src to sink and prints the summary.
func (e *env) copy(f *anonymizeFlags, src dump.Source, inv *dump.Inventory, plan *rules.Plan, rf *rules.File, sink dump.Sink, sub *subset.Result) int {
	every := 5 * time.Second
	if e.progressEvery != 0 {
		every = e.progressEvery
	}
	show := progress.New(e.stderr, "anonymize: ", e.stderrTTY && !f.quiet, f.progress && !f.quiet, every)
	opts := pipelineOptions(f, rf, sub)
	opts.Progress, opts.ProgressEvery = show.Update, min(every, 200*time.Millisecond)
	// Unique-key fingerprints past their memory budget spill under here:
	// removed when the run returns, or aborted past its grace period.
	if tmp, err := os.MkdirTemp("", "understudy-"); err == nil {
		defer os.RemoveAll(tmp)
		e.onAbort(func() { os.RemoveAll(tmp) })
		opts.TempDir = tmp
	}
	stats, err := pipeline.Run(e.ctx, src, inv, sink, plan, opts)
	show.Close()
	if err != nil {
		return e.fail(err)
	}
	if !f.quiet {
		fmt.Fprintf(e.stderr, "anonymize: %d tables, %s rows (%s skipped), %s masked cells; %s in %s (%s/s) -> %s\n",
			stats.Tables, thousands(stats.Rows), thousands(stats.SkippedRows), thousands(stats.MaskedCells),
			megabytes(stats.BytesIn), stats.Elapsed.Round(time.Millisecond), megabytes(int64(float64(stats.BytesIn)/max(stats.Elapsed.Seconds(), 1e-3))), f.destination())
		if sub != nil {
			fmt.Fprintf(e.stderr, "anonymize: subset left out %s rows\n", thousands(stats.SubsetRows))
			printSubset(e.stderr, "anonymize: ", sub.Report)
		}
		if inv.Statistics > 0 {
			fmt.Fprintf(e.stderr, "anonymize: left out %d statistics statements (they hold real values; ANALYZE on the target recomputes them)\n", inv.Statistics)
		}
	}
	return ExitOK
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// Secrets: shorter ones make every fake recomputable by brute force; a
// secret file larger than the bound is probably the wrong file.
const (
	minSecret     = 16
	maxSecretFile = 4096
)

// secret returns the masking secret: --secret-file, then $ANONYMIZE_SECRET,
// else a random one with a warning (output will differ on every run).
func (e *env) secret(file string, quiet bool) (masking.Secret, error) {
	if file != "" {
		fh, err := os.Open(file)
		if err != nil {
			return masking.Secret{}, usagef("--secret-file: %v", err)
		}
		defer fh.Close()
		b, err := io.ReadAll(io.LimitReader(fh, maxSecretFile+1))
		if err != nil {
			return masking.Secret{}, usagef("--secret-file: %v", err)
		}
		if len(b) > maxSecretFile {
			return masking.Secret{}, usagef("--secret-file %s is larger than %d bytes: is it the right file?", file, maxSecretFile)
		}
		b = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(b) < minSecret {
			return masking.Secret{}, usagef("--secret-file %s holds %d bytes: a secret needs at least %d (e.g. openssl rand -hex 32 > %s)", file, len(b), minSecret, file)
		}
		return masking.NewSecret(b), nil
	}
	if s := e.getenv("ANONYMIZE_SECRET"); s != "" {
		if len(s) < minSecret {
			return masking.Secret{}, usagef("ANONYMIZE_SECRET holds %d bytes: a secret needs at least %d (e.g. openssl rand -hex 32)", len(s), minSecret)
		}
		return masking.NewSecret([]byte(s)), nil
	}
	if !quiet {
		fmt.Fprintln(e.stderr, "anonymize: warning: no ANONYMIZE_SECRET or --secret-file: using a random secret, so masked values (and a subset's rows) will differ on every run (joins within this output still hold)")
	}
	return masking.RandomSecret(), nil
}
