package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
	"github.com/understudy-db/understudy/subset"
)

// Job is one anonymize run into a new database, as
//
//	anonymize --rules R (--in F | --source URL) --target URL [--subset T=PCT%] [--secret-file F]
//
// runs it, for callers that are not the command line (the refresher): the
// same secret, plan, refusals, subset and pipeline, so a scheduled copy
// masks exactly like an ad-hoc one.
type Job struct {
	Rules      string
	In         string // a plain dump, or
	Source     string // a live database
	Target     string // created by the run; dropped again if it fails
	Subset     string // TABLE=PCT%, as --subset
	SecretFile string // "" reads ANONYMIZE_SECRET from Getenv
	Parallel   int    // as -j; 0 is one per CPU
	Getenv     func(string) string
	// Guard, if set, sees the live source's identity before anything is
	// written: an error stops the job.
	Guard func(live.Identity) error
	// Warn receives the warnings anonymize prints (a non-strict rules
	// file's uncovered columns, unchecked EXCLUDE constraints).
	Warn func(string)
}

// JobResult is what a Job loaded.
type JobResult struct {
	Source string // the dump's or database's name, no password
	Stats  pipeline.Stats
	// Tables is every table with data, in dump order.
	Tables []*TableResult
	Subset *subset.Report // nil without a subset
}

// TableResult counts one table's rows: read from the source and written
// to the target. Counted is false when its rows came as SQL statements
// (an INSERT dump), which are not counted.
type TableResult struct {
	Table         schema.QName
	Read, Written int64
	Counted       bool
	Skipped       bool // the rules skip its rows
}

// JobError is a job that failed; Usage is set when the rules, the subset,
// the secret or a connection string is wrong, which a retry cannot fix.
type JobError struct {
	Usage bool
	Err   error
}

func (e *JobError) Error() string { return e.Err.Error() }
func (e *JobError) Unwrap() error { return e.Err }

// Check reads the rules, the subset and the secret, without touching a
// database: the mistakes a job would stop on at once.
func (j *Job) Check() error {
	_, _, err := j.prepare()
	return err
}

func (j *Job) env(ctx context.Context) *env {
	getenv := j.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return &env{ctx: ctx, stdin: bytes.NewReader(nil), stdout: io.Discard, stderr: io.Discard, getenv: getenv}
}

func (j *Job) flags() *anonymizeFlags {
	jobs := j.Parallel
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	return &anonymizeFlags{rules: j.Rules, in: j.In, source: j.Source, target: j.Target, subset: j.Subset,
		secretFile: j.SecretFile, jobs: min(jobs, maxJobs()), maxRowSize: plaindump.DefaultMaxItem >> 20, quiet: true}
}

func (j *Job) prepare() (*rules.File, masking.Secret, error) {
	f := j.flags()
	if err := f.ends(false); err != nil {
		return nil, masking.Secret{}, &JobError{Usage: true, Err: err}
	}
	rf, err := rules.Load(f.rules)
	if err != nil {
		return nil, masking.Secret{}, &JobError{Usage: true, Err: err}
	}
	if _, err := subsetSpec(rf, f.subset, nil); err != nil {
		return nil, masking.Secret{}, &JobError{Usage: true, Err: err}
	}
	// A scheduled copy with a random secret would change every night:
	// refused where anonymize only warns.
	if f.secretFile == "" && j.getenv("ANONYMIZE_SECRET") == "" {
		return nil, masking.Secret{}, &JobError{Usage: true, Err: usagef("no masking secret: set ANONYMIZE_SECRET or give a secret file")}
	}
	secret, err := j.env(context.Background()).secret(f.secretFile, true)
	if err != nil {
		return nil, masking.Secret{}, &JobError{Usage: true, Err: err}
	}
	return rf, secret, nil
}

func (j *Job) getenv(k string) string {
	if j.Getenv == nil {
		return ""
	}
	return j.Getenv(k)
}

// RunJob runs j: the target database exists, loaded and committed, when it
// returns nil; otherwise what it created is dropped.
func RunJob(ctx context.Context, j *Job) (*JobResult, error) {
	rf, secret, err := j.prepare()
	if err != nil {
		return nil, err
	}
	e, f := j.env(ctx), j.flags()
	fail := func(err error) (*JobResult, error) {
		var ue *usageError
		return nil, &JobError{Usage: errors.As(err, &ue) || isRulesError(err), Err: err}
	}
	src, err := e.openSource(f)
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	if ls, ok := src.(*live.Source); ok && j.Guard != nil {
		if err := j.Guard(ls.Identity()); err != nil {
			return fail(err)
		}
	}
	inv, plan, warnings, err := e.planSource(f, rf, secret, src)
	if err != nil {
		return fail(err)
	}
	if j.Warn != nil {
		for _, w := range warnings {
			j.Warn(w)
		}
	}
	sub, err := e.chooseRows(f, rf, src, inv, secret)
	if err != nil {
		return fail(err)
	}
	sink, err := e.openTarget(f, src)
	if err != nil {
		return fail(err)
	}
	c := &counts{tables: map[schema.QName]*tableCount{}}
	stats, err := pipeline.Run(ctx, &countingSource{Source: src, c: c}, inv, &countingSink{Sink: sink, c: c}, plan, pipelineOptions(f, rf, sub))
	if err != nil {
		return fail(err)
	}
	res := &JobResult{Source: inv.Name, Stats: *stats}
	if sub != nil {
		res.Subset = sub.Report
	}
	for _, q := range c.order {
		t := c.tables[q]
		tp := plan.Tables[q]
		res.Tables = append(res.Tables, &TableResult{Table: q, Read: t.read.Load(), Written: t.written.Load(),
			Counted: t.counted, Skipped: tp != nil && tp.Skip})
	}
	return res, nil
}

// counts tallies rows per table, read and written. COPY text has one row
// per line (a newline inside a value is written \n), so rows are counted
// as newlines without parsing. The counters are atomic: a live source
// hands rows over one per Write.
type counts struct {
	mu     sync.Mutex
	tables map[schema.QName]*tableCount
	order  []schema.QName
}

type tableCount struct {
	read, written atomic.Int64
	counted       bool
}

func (c *counts) table(e *dump.Entry) *tableCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tables[e.Table]
	if t == nil {
		t = &tableCount{counted: true}
		c.tables[e.Table] = t
		c.order = append(c.order, e.Table)
	}
	if e.Format != dump.CopyText {
		t.counted = false
	}
	return t
}

func countRows(n *atomic.Int64, p []byte) { n.Add(int64(bytes.Count(p, []byte{'\n'}))) }

type countingSource struct {
	dump.Source
	c *counts
}

func (s *countingSource) Open(ctx context.Context, e *dump.Entry) (io.ReadCloser, error) {
	rc, err := s.Source.Open(ctx, e)
	if err != nil || e.Desc != dump.TableData {
		return rc, err
	}
	return &countingReader{ReadCloser: rc, n: &s.c.table(e).read}, nil
}

// MaskValues passes an INSERT dump's rows on (they are not counted).
func (s *countingSource) MaskValues(ctx context.Context, e *dump.Entry, m dump.RowMasker, w io.Writer) error {
	s.c.table(e)
	vs, ok := s.Source.(dump.ValueSource)
	if !ok {
		return fmt.Errorf("%s: table data as SQL from a source that cannot mask it", e.Pos)
	}
	return vs.MaskValues(ctx, e, m, w)
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	countRows(r.n, p[:n])
	return n, err
}

// WriteTo keeps a live source's COPY writing straight to the destination.
func (r *countingReader) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := r.ReadCloser.(io.WriterTo); ok {
		return wt.WriteTo(&countingWriter{w: w, n: r.n})
	}
	return io.Copy(&countingWriter{w: w, n: r.n}, r.ReadCloser)
}

type countingSink struct {
	dump.Sink
	c *counts
}

func (s *countingSink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	w, err := s.Sink.Data(ctx, e)
	if err != nil || e.Desc != dump.TableData {
		return w, err
	}
	return &countingWriter{w: w, n: &s.c.table(e).written}, nil
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	countRows(w.n, p[:n])
	return n, err
}

func (w *countingWriter) Close() error {
	if c, ok := w.w.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// CloseWithError passes an abandoned table on to the sink's writer.
func (w *countingWriter) CloseWithError(err error) error {
	if a, ok := w.w.(interface{ CloseWithError(error) error }); ok {
		return a.CloseWithError(err)
	}
	return w.Close()
}
