package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// Stats summarises a masking run.
type Stats struct {
	Tables      int   // tables with data
	Rows        int64 // rows written
	SkippedRows int64 // rows dropped by skip rules
	MaskedCells int64
	BytesIn     int64
	Elapsed     time.Duration
}

// Progress is reported periodically while rows stream.
type Progress struct {
	Table     schema.QName
	Rows      int64 // rows read so far, all tables
	TotalRows int64 // from the first pass; 0 if unknown
	BytesIn   int64
}

// MaskOptions configure Mask.
type MaskOptions struct {
	// Workers is the number of goroutines masking rows; 0 means one per CPU.
	Workers int
	// TotalRows, if known, lets progress show a fraction.
	TotalRows int64
	// Progress, if set, is called about every ProgressEvery.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// DropLargeObjects leaves the statements that create, fill or alter
	// large objects out of the output.
	DropLargeObjects bool
}

// RowError is a row that cannot be masked, located by line, table and
// column. It never holds the value.
type RowError struct {
	File   string
	Line   int
	Table  schema.QName
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Table, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s.%s: %v", e.File, e.Line, e.Table, schema.QuoteIdent(e.Column), e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// CollisionError is two rows whose masked values collide on a unique key:
// loading them would fail, so the run stops instead.
type CollisionError struct {
	File    string
	Line    int
	Table   schema.QName
	Key     string
	Columns []string
}

func (e *CollisionError) Error() string {
	return fmt.Sprintf("%s:%d: %s: masked values collide on unique key %s (%s); use hash_id for keys, or a masker with more entropy",
		e.File, e.Line, e.Table, e.Key, joinCols(e.Columns))
}

func joinCols(cols []string) string {
	var b bytes.Buffer
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(schema.QuoteIdent(c))
	}
	return b.String()
}

// The data flows through units: the reading goroutine cuts the dump into
// units in order — raw bytes to copy, or a batch of rows to mask — workers
// mask batches in parallel, and one writing goroutine takes the units in
// their original order, checks unique keys, keeps sequences ahead and
// writes. A fixed pool of units bounds memory.
const (
	unitBytes = 256 << 10 // a unit is flushed past this many bytes
	unitRows  = 512       // or this many rows
)

type unitKind uint8

const (
	rawUnit    unitKind = iota // bytes to write as they are
	rowsUnit                   // COPY rows for a worker to mask
	setvalUnit                 // a setval statement the writer may rewrite
)

type unit struct {
	kind  unitKind
	block *blockPlan
	in    []byte           // raw bytes, or the rows (each with its line end)
	rows  []rowRef         // for rowsUnit
	out   []byte           // masked rows
	seq   *schema.Sequence // for setvalUnit: the sequence it sets
	line  int              // for setvalUnit: where it is
	res   results
	err   error
	done  chan struct{}
}

// rowRef locates one row of a rowsUnit in unit.in.
type rowRef struct {
	start, end, eol int // row is in[start:end], its line end in[end:eol]
	line            int
}

// results are what masking a unit found, for the writer to apply in order.
type results struct {
	hits    []guardHit
	keys    []keyRange
	cells   int64
	rows    int64
	skipped int64
}

func (r *results) reset() {
	r.hits, r.keys = r.hits[:0], r.keys[:0]
	r.cells, r.rows, r.skipped = 0, 0, 0
}

// guardHit is one row's fingerprint on a guarded unique key.
type guardHit struct {
	g     *rules.Guard
	table schema.QName
	fp    [2]uint64 // of the masked key
	in    [2]uint64 // of the original key, for partial keys
	line  int
}

// keyRange is the range of masked values of one sequence-fed integer key,
// for the writer to keep the sequence clear of them.
type keyRange struct {
	cp     *rules.ColumnPlan
	lo, hi int64
}

// note widens the range of cp's values to include n.
func (r *results) note(cp *rules.ColumnPlan, n int64) {
	for i := range r.keys {
		if k := &r.keys[i]; k.cp == cp {
			k.lo, k.hi = min(k.lo, n), max(k.hi, n)
			return
		}
	}
	r.keys = append(r.keys, keyRange{cp: cp, lo: n, hi: n})
}

// Mask streams a plain dump from r to w, masking rows as the plan says.
// Everything that is not a masked value is copied byte for byte, in order.
func Mask(ctx context.Context, r *plaindump.Reader, w *plaindump.Writer, plan *rules.Plan, cat *schema.Catalog, opts MaskOptions) (*Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	pool := make(chan *unit, 2*workers+2)
	for range cap(pool) {
		pool <- &unit{done: make(chan struct{}, 1)}
	}
	work := make(chan *unit, cap(pool))
	ordered := make(chan *unit, cap(pool))

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := newWorker(r.Name())
			for u := range work {
				u.err = wk.safeMaskRows(u)
				u.done <- struct{}{}
			}
		}()
	}
	wr := &writer{w: w, file: r.Name(), plan: plan, pool: pool, cancel: cancel,
		seen: map[*rules.Guard]map[[2]uint64][2]uint64{}, keys: map[*rules.ColumnPlan]keyRange{}}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		wr.run(ordered)
	}()

	rd := &reader{ctx: ctx, r: r, plan: plan, cat: cat, opts: opts, pool: pool, work: work, ordered: ordered,
		wk: newWorker(r.Name()), tables: map[schema.QName]bool{}, lastTick: start, script: newScript(r.Name())}
	readErr := rd.run()
	close(work)
	close(ordered)
	wg.Wait()
	<-writerDone

	// The writer's error comes from earlier in the dump than anything the
	// reader can have hit since (or is what made the reader stop).
	if wr.err != nil {
		return nil, wr.err
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	st := wr.stats
	st.Tables = len(rd.tables)
	st.BytesIn = r.Offset()
	st.Elapsed = time.Since(start)
	return &st, nil
}

// reader is the goroutine that cuts the dump into units.
type reader struct {
	ctx     context.Context
	r       *plaindump.Reader
	plan    *rules.Plan
	cat     *schema.Catalog
	opts    MaskOptions
	pool    chan *unit
	work    chan<- *unit
	ordered chan<- *unit
	wk      *worker // masks INSERT statements, which arrive whole
	script  *script // resolves names as the first pass did

	cur      *unit
	block    *blockPlan
	current  schema.QName
	tables   map[schema.QName]bool
	rowsRead int64
	lastTick time.Time
}

func (rd *reader) run() error {
	for n := 0; ; n++ {
		it, err := rd.r.Next()
		if err == io.EOF {
			return rd.flush()
		}
		if err != nil {
			rd.flush()
			return err
		}
		if err := rd.item(it); err != nil {
			return err
		}
		if rd.opts.Progress != nil && n&0x3ff == 0 {
			if now := time.Now(); now.Sub(rd.lastTick) >= rd.opts.ProgressEvery {
				rd.lastTick = now
				rd.opts.Progress(Progress{Table: rd.current, Rows: rd.rowsRead, TotalRows: rd.opts.TotalRows, BytesIn: rd.r.Offset()})
			}
		}
	}
}

// take returns a unit of the given kind to append to, flushing the
// current one if it is of another kind (or block) or full.
func (rd *reader) take(kind unitKind, b *blockPlan) (*unit, error) {
	if u := rd.cur; u != nil {
		if u.kind == kind && u.block == b && len(u.in) < unitBytes && len(u.rows) < unitRows {
			return u, nil
		}
		if err := rd.flush(); err != nil {
			return nil, err
		}
	}
	select {
	case u := <-rd.pool:
		u.kind, u.block, u.err, u.seq = kind, b, nil, nil
		u.in, u.out, u.rows = u.in[:0], u.out[:0], u.rows[:0]
		u.res.reset()
		rd.cur = u
		return u, nil
	case <-rd.ctx.Done():
		return nil, rd.ctx.Err()
	}
}

// flush hands the current unit on: to a worker if it has rows to mask, and
// in any case to the writer, in order.
func (rd *reader) flush() error {
	u := rd.cur
	if u == nil {
		return nil
	}
	rd.cur = nil
	if u.kind == rowsUnit {
		rd.work <- u
	} else {
		u.done <- struct{}{}
	}
	rd.ordered <- u
	return nil
}

func (rd *reader) raw(p ...[]byte) error {
	u, err := rd.take(rawUnit, nil)
	if err != nil {
		return err
	}
	for _, b := range p {
		u.in = append(u.in, b...)
	}
	return nil
}

func (rd *reader) item(it *plaindump.Item) error {
	switch it.Kind {
	case plaindump.CopyHeader:
		q, err := rd.script.table(it)
		if err != nil {
			return err
		}
		rd.tables[q] = true
		rd.current = q
		rd.block = blockFor(rd.plan, rd.cat, q, it.Columns, false)
		return rd.raw(it.Raw)
	case plaindump.CopyRow:
		rd.rowsRead++
		b := rd.block
		if b.table != nil && b.table.Skip {
			u, err := rd.take(rawUnit, nil)
			if err == nil {
				u.res.skipped++
			}
			return err
		}
		if !b.masks() {
			u, err := rd.take(rawUnit, nil)
			if err != nil {
				return err
			}
			u.in = append(append(u.in, it.Raw...), it.EOL...)
			u.res.rows++
			return nil
		}
		u, err := rd.take(rowsUnit, b)
		if err != nil {
			return err
		}
		ref := rowRef{start: len(u.in), line: it.Line}
		u.in = append(u.in, it.Raw...)
		ref.end = len(u.in)
		u.in = append(u.in, it.EOL...)
		ref.eol = len(u.in)
		u.rows = append(u.rows, ref)
		return nil
	case plaindump.CopyEnd:
		rd.block = nil
		return rd.raw(it.Raw)
	case plaindump.Insert:
		q, err := rd.script.table(it)
		if err != nil {
			return err
		}
		rd.tables[q] = true
		rd.current = q
		rd.rowsRead += int64(len(it.Insert.Tuples))
		u, err := rd.take(rawUnit, nil)
		if err != nil {
			return err
		}
		return rd.wk.insert(rd.plan, rd.cat, it, q, u)
	case plaindump.Meta:
		if err := rd.script.meta(it); err != nil {
			return err
		}
	case plaindump.Statement:
		eff, err := rd.script.statement(it)
		if err != nil {
			return err
		}
		switch {
		case eff.Kind == schema.Statistics, eff.Kind == schema.LargeObject && rd.opts.DropLargeObjects:
			// Keep the comments before the statement; drop the statement.
			return rd.raw(it.Raw[:len(it.Raw)-len(it.Text)])
		case eff.Kind == schema.NoEffect && len(rd.plan.Sequences) > 0 && isSetval(it.Text):
			seq, err := rd.script.setvalSequence(it)
			if err != nil || seq == nil {
				return err
			}
			u, err := rd.take(setvalUnit, nil)
			if err != nil {
				return err
			}
			u.in = append(u.in, it.Raw...)
			u.seq, u.line = rd.cat.Sequences[*seq], textLine(it)
			return rd.flush()
		}
	}
	return rd.raw(it.Raw)
}

// writer is the goroutine that writes units in order.
type writer struct {
	w      *plaindump.Writer
	file   string
	plan   *rules.Plan
	pool   chan<- *unit
	cancel context.CancelFunc
	stats  Stats
	err    error
	seen   map[*rules.Guard]map[[2]uint64][2]uint64
	keys   map[*rules.ColumnPlan]keyRange
	stmt   []byte
}

func (wr *writer) run(ordered <-chan *unit) {
	for u := range ordered {
		<-u.done
		if wr.err == nil {
			if err := wr.unit(u); err != nil {
				wr.err = err
				wr.cancel() // stop the reader; keep draining so nothing blocks
			}
		}
		wr.pool <- u
	}
}

func (wr *writer) unit(u *unit) error {
	if u.err != nil {
		return u.err
	}
	for _, h := range u.res.hits {
		set := wr.seen[h.g]
		if set == nil {
			set = map[[2]uint64][2]uint64{}
			wr.seen[h.g] = set
		}
		// A partial key's original values may repeat (outside its WHERE);
		// masking maps equal values alike, so only distinct originals that
		// mask alike are a collision.
		if in, dup := set[h.fp]; dup {
			if h.g.Partial && in == h.in {
				continue
			}
			return &CollisionError{File: wr.file, Line: h.line, Table: h.table, Key: h.g.Name, Columns: h.g.Columns}
		}
		set[h.fp] = h.in
	}
	for _, k := range u.res.keys {
		if cur, ok := wr.keys[k.cp]; ok {
			k.lo, k.hi = min(k.lo, cur.lo), max(k.hi, cur.hi)
		}
		wr.keys[k.cp] = k
	}
	wr.stats.MaskedCells += u.res.cells
	wr.stats.Rows += u.res.rows + int64(len(u.rows))
	wr.stats.SkippedRows += u.res.skipped
	out := u.in
	switch u.kind {
	case rowsUnit:
		out = u.out
	case setvalUnit:
		var err error
		if out, err = wr.setval(u); err != nil {
			return err
		}
	}
	_, err := wr.w.Write(out)
	return err
}
