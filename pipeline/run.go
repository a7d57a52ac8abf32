// Package pipeline runs Understudy's jobs: it takes a dump.Source's entries
// to a dump.Sink, masking every table's rows as the plan says on one
// shared pool of workers, tables in parallel where both ends allow it.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// Options configure Run.
type Options struct {
	// Workers is the number of goroutines masking rows; 0 means one per CPU.
	Workers int
	// Tables is how many tables are copied at once, within what the source
	// and sink allow; 0 means Workers.
	Tables int
	// DropLargeObjects leaves large objects out of the output.
	DropLargeObjects bool
	// Keep, if set, says which rows of a data entry are kept (a subset):
	// nil keeps every row, otherwise keep(n) for row n counted from 0.
	// Rows left out are never masked.
	Keep func(e *dump.Entry) func(row int64) bool
	// Progress, if set, is called about every ProgressEvery, and once per
	// table finished.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// KeyMemory bounds the memory the unique-key checks hold (0:
	// DefaultKeyMemory); past it their fingerprints spill to sorted runs
	// in a directory under TempDir ("": the system's), removed on return.
	KeyMemory int64
	TempDir   string
}

// Stats summarises a run.
type Stats struct {
	Tables      int   // tables with data
	Rows        int64 // rows written
	SkippedRows int64 // rows dropped by skip rules
	SubsetRows  int64 // rows left out of the subset
	MaskedCells int64
	BytesIn     int64 // of table data
	// SpilledKeys counts unique-key fingerprints written to disk once
	// their memory budget was reached.
	SpilledKeys int64
	Elapsed     time.Duration
}

// Progress is a snapshot of a running copy.
type Progress struct {
	Tables    []TableProgress // in flight, or just finished
	Rows      int64           // rows read so far, all tables
	TotalRows int64           // estimated
	BytesIn   int64
}

// TableProgress is one table's progress.
type TableProgress struct {
	Table   schema.QName
	Rows    int64
	Total   int64 // estimated rows
	Done    bool
	Elapsed time.Duration
}

// Refuse applies the fail-closed rules once the plan is known: a statement
// that writes data the masking cannot see is refused in strict mode always,
// and otherwise when it writes a table with a masked column or cannot say
// which tables it writes; large objects are refused unless the rules say
// what to do with them.
func Refuse(inv *dump.Inventory, plan *rules.Plan, strict bool, lo rules.LargeObjectMode) error {
	if w := inv.Opaque; w != nil {
		return &RefusedError{Pos: w.Pos, Msg: w.What + " may write data Understudy cannot see or mask; remove it from the dump"}
	}
	var first *dump.Refusal
	var table schema.QName
	for q, w := range inv.Writes {
		tp := plan.Tables[q]
		if !strict && (tp == nil || !tp.Masked()) {
			continue
		}
		if first == nil || before(w.Pos, first.Pos) {
			w := w
			first, table = &w, q
		}
	}
	if first != nil {
		why := "strict mode refuses data it cannot mask"
		if tp := plan.Tables[table]; tp != nil && tp.Masked() {
			why = "the table has masked columns"
		}
		return &RefusedError{Pos: first.Pos,
			Msg: fmt.Sprintf("%s writes rows of %s whose values cannot be masked (%s); dump the data with COPY or plain INSERT … VALUES", first.What, table, why)}
	}
	if inv.LargeObjects > 0 && lo == rules.LargeObjectsRefuse {
		return &RefusedError{Pos: inv.LargeObjectsAt,
			Msg: fmt.Sprintf("the dump holds large objects (%d statements from here), which can hold any data and cannot be masked: add `large_objects: drop` to the rules (or `keep`, on purpose)", inv.LargeObjects)}
	}
	return nil
}

func before(a, b dump.Pos) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Entry < b.Entry
}

// RefusedError is input the run refuses because real data could pass
// through it unmasked, located in the dump.
type RefusedError struct {
	Pos dump.Pos
	Msg string
}

func (e *RefusedError) Error() string      { return e.Pos.String() + ": " + e.Msg }
func (e *RefusedError) Position() dump.Pos { return e.Pos }

// Run copies the dump src (whose inventory is inv) to sink, masking as plan
// says. On failure the sink is aborted.
func Run(ctx context.Context, src dump.Source, inv *dump.Inventory, sink dump.Sink, plan *rules.Plan, opts Options) (*Stats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	eng := NewEngine(plan, inv.Catalog, opts.Workers)
	eng.keyMemory, eng.tmpParent = opts.KeyMemory, opts.TempDir
	defer eng.removeSpill()
	if opts.Keep == nil { // a subset keeps fewer rows than the tables have
		eng.expect = inv.Rows
	}
	r := &run{ctx: ctx, cancel: cancel, src: src, sink: sink, eng: eng, opts: opts, inv: inv,
		active: map[*dump.Entry]*TableWriter{}, started: map[*dump.Entry]time.Time{}}
	for _, n := range inv.Rows {
		r.totalRows += n
	}
	stopTicker := r.tick()
	err := r.entries()
	stopTicker()
	eng.Close()
	if err == nil {
		// Keys spilled to disk are checked before anything is committed.
		err = eng.verify()
	}
	if err == nil {
		err = sink.Commit(ctx)
	}
	if err != nil {
		sink.Abort(context.WithoutCancel(ctx))
		return nil, err
	}
	return &Stats{Tables: r.tables, Rows: eng.rows.Load(), SkippedRows: eng.skipped.Load(), MaskedCells: eng.cells.Load(),
		SubsetRows: r.subsetRows, BytesIn: eng.bytesIn.Load(), SpilledKeys: eng.spilled, Elapsed: time.Since(start)}, nil
}

type run struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	src    dump.Source
	sink   dump.Sink
	eng    *Engine
	opts   Options
	inv    *dump.Inventory

	mu         sync.Mutex
	first      error // the first error, whatever the others it caused
	active     map[*dump.Entry]*TableWriter
	started    map[*dump.Entry]time.Time
	tables     int
	totalRows  int64
	subsetRows int64
	seenTable  map[schema.QName]bool
}

// entries sends every entry to the sink: in order when either end needs
// that, else schema first, then tables in parallel (largest first), then
// the rest.
func (r *run) entries() error {
	par := min(r.src.Parallel(), r.sink.Parallel())
	if r.opts.Tables > 0 {
		par = min(par, r.opts.Tables)
	}
	if par <= 1 {
		for _, e := range r.inv.Entries {
			if err := r.entry(e); err != nil {
				return err
			}
		}
		return nil
	}
	var tables, after []*dump.Entry
	for _, e := range r.inv.Entries {
		switch {
		case e.Section == dump.PreData:
			if err := r.entry(e); err != nil {
				return err
			}
		case e.Desc == dump.TableData:
			tables = append(tables, e)
		default:
			after = append(after, e)
		}
	}
	slices.SortStableFunc(tables, func(a, b *dump.Entry) int {
		switch {
		case a.Bytes > b.Bytes:
			return -1
		case a.Bytes < b.Bytes:
			return 1
		}
		return 0
	})
	if err := r.parallel(tables, par); err != nil {
		return err
	}
	for _, e := range after { // sequence values, large objects, then post-data, in order
		if err := r.entry(e); err != nil {
			return err
		}
	}
	return nil
}

// parallel copies data entries, n at a time; the first error stops them all.
func (r *run) parallel(entries []*dump.Entry, n int) error {
	next := make(chan *dump.Entry)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range next {
				if err := r.entry(e); err != nil {
					r.fail(err)
				}
			}
		}()
	}
feed:
	for _, e := range entries {
		select {
		case next <- e:
		case <-r.ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return r.err()
}

func (r *run) fail(err error) {
	r.mu.Lock()
	if r.first == nil {
		r.first = err
	}
	r.mu.Unlock()
	r.cancel(err)
}

func (r *run) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first != nil {
		return r.first
	}
	if r.ctx.Err() != nil {
		return context.Cause(r.ctx)
	}
	return nil
}

// entry sends one entry to the sink.
func (r *run) entry(e *dump.Entry) error {
	if err := r.ctx.Err(); err != nil {
		return context.Cause(r.ctx)
	}
	switch {
	case e.Desc == dump.Statistics:
		return nil // real values: never copied
	case e.Desc == dump.Blobs && r.opts.DropLargeObjects:
		return nil
	case e.Desc == dump.SequenceSet:
		set, err := r.sequenceValue(e)
		if err != nil {
			return err
		}
		if set != nil {
			cp := *e
			cp.Set = set
			e = &cp
		}
		return r.sink.Entry(r.ctx, e)
	case !e.IsData():
		return r.sink.Entry(r.ctx, e)
	}
	w, err := r.sink.Data(r.ctx, e)
	if err != nil {
		return err
	}
	if err := r.data(e, w); err != nil {
		abandon(w, err)
		return err
	}
	return w.Close()
}

// abandon closes a sink's data writer after a failure without finishing
// the entry (a plain sink would end the COPY block as if it were whole).
func abandon(w io.WriteCloser, err error) {
	if a, ok := w.(interface{ CloseWithError(error) error }); ok {
		a.CloseWithError(err)
	}
}

// data copies one data entry's bytes from the source to w, masked.
func (r *run) data(e *dump.Entry, w io.Writer) error {
	if e.Desc == dump.TableData {
		r.mu.Lock()
		if r.seenTable == nil {
			r.seenTable = map[schema.QName]bool{}
		}
		if !r.seenTable[e.Table] {
			r.seenTable[e.Table] = true
			r.tables++
		}
		r.mu.Unlock()
	}
	if e.Desc == dump.TableData && e.Format == dump.SQL {
		vs, ok := r.src.(dump.ValueSource)
		if !ok {
			return fmt.Errorf("%s: table data as SQL from a source that cannot mask it", e.Pos)
		}
		return vs.MaskValues(r.ctx, e, r.eng.Values(e), w)
	}
	rc, err := r.src.Open(r.ctx, e)
	if err != nil {
		return err
	}
	defer rc.Close()
	if e.Desc != dump.TableData {
		_, err = io.Copy(w, rc) // large objects, kept on purpose
		return err
	}
	tw := r.eng.Table(r.ctx, e, w)
	r.track(e, tw)
	var dst io.Writer = tw
	var filter *rowFilter
	if r.opts.Keep != nil {
		if keep := r.opts.Keep(e); keep != nil {
			filter = &rowFilter{w: tw, keep: keep}
			dst = filter
		}
	}
	_, err = io.Copy(dst, rc)
	if filter != nil {
		r.mu.Lock()
		r.subsetRows += filter.dropped
		r.mu.Unlock()
	}
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rc.Close()
	}
	r.finished(e, tw)
	return err
}

// DataColumns lists, for every table with data, the column list its data
// entries give (nil: every column in table order), for rules.File.Plan.
func DataColumns(inv *dump.Inventory) map[schema.QName][]string {
	out := map[schema.QName][]string{}
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		if _, ok := out[e.Table]; !ok || out[e.Table] == nil {
			out[e.Table] = e.Columns
		}
	}
	return out
}
