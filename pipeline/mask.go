package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/understudy-db/understudy/copytext"
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
	// keepBuffer bounds the buffers a unit or a worker keeps for reuse: a
	// larger one, grown for a huge row or statement, is released once that
	// is written, so that the pool does not hold on to it.
	keepBuffer = 2 << 20
)

// Huge rows and statements are never copied whole. A row or statement of
// at least bigItem bytes that the plaindump.Reader can hand over (Keep)
// becomes a unit of its own: its bytes are the unit's input. A field or
// value of at least bigValue bytes is not copied into the unit's output
// buffer: the output becomes a list of pieces — spans of the input, of the
// output buffer, and masked values that the writer escapes on the way out.
// Variables so that tests can send small dumps down the same paths.
var (
	bigItem  = plaindump.ReadBufferSize
	bigValue = 64 << 10
)

// Huge units are also limited in number: once the units of huge items in
// flight hold more than hugeInFlight bytes of input, the reader waits for
// them to be written before it reads on. An item larger than that is masked
// and written before the next one is read, so memory stays about twice the
// largest item (its input and its masked values), plus at most
// hugeInFlight's worth of smaller ones, however many follow. (Before it
// reads on, the plaindump.Reader collects the garbage a huge item left, so
// that the next one reuses its memory.)
const hugeInFlight = 32 << 20

// inFlight counts the input bytes of huge units handed on but not yet
// written.
type inFlight struct {
	mu    sync.Mutex
	moved sync.Cond
	n     int
}

func (f *inFlight) add(n int) {
	f.mu.Lock()
	f.n += n
	f.mu.Unlock()
}

func (f *inFlight) done(n int) {
	f.mu.Lock()
	f.n -= n
	f.mu.Unlock()
	f.moved.Broadcast()
}

// wait returns once at most limit bytes are in flight. The writer takes
// every unit handed on, even after an error, so it always returns.
func (f *inFlight) wait(limit int) {
	f.mu.Lock()
	for f.n > limit {
		f.moved.Wait()
	}
	f.mu.Unlock()
}

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
	// pieces, when there are any, are what the writer writes instead of
	// the output buffer (out for a rows unit, in for a raw one); mark is
	// where the part of that buffer not yet in pieces starts.
	pieces []piece
	mark   int
	huge   int // input bytes of a huge item, counted in flight
}

// piece is part of a unit's output that a huge field or value made too big
// to copy into the output buffer.
type piece struct {
	b       []byte // the bytes, unless fromBuf
	fromBuf bool   // the output buffer from start to end
	start   int
	end     int
	esc     escaping
}

// escaping is how the writer writes a piece.
type escaping uint8

const (
	asIs              escaping = iota
	copyEscaped                // a masked value, in COPY text format
	literal                    // a masked value, as an SQL string literal
	backslashyLiteral          // the same with standard_conforming_strings off
)

// buffer is the unit's output buffer, which pieces refer to.
func (u *unit) buffer() []byte {
	if u.kind == rowsUnit {
		return u.out
	}
	return u.in
}

// addPiece ends the output buffer so far with a piece of it, then adds p.
func (u *unit) addPiece(p piece) {
	if n := len(u.buffer()); n > u.mark {
		u.pieces = append(u.pieces, piece{fromBuf: true, start: u.mark, end: n})
		u.mark = n
	}
	u.pieces = append(u.pieces, p)
}

// endPieces adds the rest of the output buffer once pieces are in use.
func (u *unit) endPieces() {
	if len(u.pieces) > 0 {
		u.addPiece(piece{fromBuf: true})
		u.pieces = u.pieces[:len(u.pieces)-1]
	}
}

// recycle readies a written unit for the pool: it drops every reference to
// the bytes of a huge row or statement, and buffers grown past keepBuffer.
func (u *unit) recycle() {
	u.in, u.out = trim(u.in), trim(u.out)
	clear(u.pieces)
	u.pieces, u.mark = u.pieces[:0], 0
	u.block, u.seq, u.huge = nil, nil, 0
}

// trim empties b, and releases it if it grew past keepBuffer.
func trim(b []byte) []byte {
	if cap(b) > keepBuffer {
		return nil
	}
	return b[:0]
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
	collectAfterScan()
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
	flight := &inFlight{}
	flight.moved.L = &flight.mu
	wr := &writer{w: w, file: r.Name(), plan: plan, pool: pool, cancel: cancel, flight: flight,
		seen: map[*rules.Guard]map[[2]uint64][2]uint64{}, keys: map[*rules.ColumnPlan]keyRange{}}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		wr.run(ordered)
	}()

	rd := &reader{ctx: ctx, r: r, plan: plan, cat: cat, opts: opts, pool: pool, work: work, ordered: ordered, flight: flight,
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

// collectAfterScan collects garbage if a first pass over the dump (Scan)
// held a huge item (the heap goal is then at least twice hugeInFlight). The
// pass leaves the collector paced for that item — the next collection comes
// when the heap is twice what it last saw — and the item behind as garbage:
// the second pass could hold its own copy of the item before the first one
// is reclaimed. One collection now, on a small heap, costs milliseconds;
// after an ordinary first pass it is skipped, since the memory it would
// return to the system is soon needed again.
func collectAfterScan() {
	goal := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(goal)
	if goal[0].Value.Kind() == metrics.KindUint64 && goal[0].Value.Uint64() >= 2*hugeInFlight {
		debug.FreeOSMemory()
	}
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
	flight  *inFlight
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
	if u.huge > 0 {
		rd.flight.add(u.huge)
	}
	if u.kind == rowsUnit {
		rd.work <- u
	} else {
		u.done <- struct{}{}
	}
	rd.ordered <- u
	if u.huge > 0 {
		rd.flight.wait(hugeInFlight)
	}
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
		return rd.rawItem(it)
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
		if len(it.Raw) >= bigItem && rd.r.Keep() {
			return rd.bigRow(it, b)
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
		return rd.rawItem(it)
	case plaindump.Insert:
		q, err := rd.script.table(it)
		if err != nil {
			return err
		}
		rd.tables[q] = true
		rd.current = q
		rd.rowsRead += int64(len(it.Insert.Tuples))
		// A huge INSERT is a unit of its own, which keeps its bytes.
		kept := len(it.Raw) >= bigItem && rd.r.Keep()
		if kept {
			rd.flush()
		}
		u, err := rd.take(rawUnit, nil)
		if err != nil {
			return err
		}
		if kept {
			u.huge = len(it.Raw)
		}
		if err := rd.wk.insert(rd.plan, rd.cat, it, q, u, kept); err != nil {
			return err
		}
		if kept {
			return rd.flush()
		}
		return nil
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
	return rd.rawItem(it)
}

// rawItem passes an item through: a huge one as a unit of its own, whose
// input is the item's own bytes, handed over by the reader.
func (rd *reader) rawItem(it *plaindump.Item) error {
	if len(it.Raw) < bigItem || !rd.r.Keep() {
		return rd.raw(it.Raw)
	}
	rd.flush()
	u, err := rd.take(rawUnit, nil)
	if err != nil {
		return err
	}
	u.in, u.huge = it.Raw, len(it.Raw)
	return rd.flush()
}

// bigRow makes a huge COPY row, handed over by the reader, a unit of its
// own: its bytes (the row and its line end, which follows it) are the
// unit's input.
func (rd *reader) bigRow(it *plaindump.Item, b *blockPlan) error {
	rd.flush()
	kind := rawUnit
	if b.masks() {
		kind = rowsUnit
	}
	u, err := rd.take(kind, b)
	if err != nil {
		return err
	}
	n := len(it.Raw)
	u.in, u.huge = it.Raw[:n+len(it.EOL)], n
	if kind == rowsUnit {
		u.rows = append(u.rows, rowRef{start: 0, end: n, eol: len(u.in), line: it.Line})
	} else {
		u.res.rows++
	}
	return rd.flush()
}

// writer is the goroutine that writes units in order.
type writer struct {
	w      *plaindump.Writer
	file   string
	plan   *rules.Plan
	pool   chan<- *unit
	cancel context.CancelFunc
	flight *inFlight
	stats  Stats
	err    error
	seen   map[*rules.Guard]map[[2]uint64][2]uint64
	keys   map[*rules.ColumnPlan]keyRange
	stmt   []byte
	enc    []byte // a chunk of a piece being escaped
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
		huge := u.huge
		u.recycle()
		wr.pool <- u
		if huge > 0 {
			wr.flight.done(huge)
		}
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
	if len(u.pieces) > 0 {
		return wr.pieces(u)
	}
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

// escapeChunk is how much of a masked value the writer escapes at a time.
const escapeChunk = 64 << 10

// pieces writes a unit's output given as pieces.
func (wr *writer) pieces(u *unit) error {
	buf := u.buffer()
	for _, p := range u.pieces {
		b := p.b
		if p.fromBuf {
			b = buf[p.start:p.end]
		}
		if p.esc == asIs {
			if _, err := wr.w.Write(b); err != nil {
				return err
			}
			continue
		}
		// Escaping works byte by byte, so a value can be escaped in chunks.
		quotes := p.esc == literal || p.esc == backslashyLiteral
		iv := plaindump.InsertValues{Backslashy: p.esc == backslashyLiteral}
		if quotes {
			if _, err := wr.w.Write(quote); err != nil {
				return err
			}
		}
		for len(b) > 0 {
			c := b[:min(len(b), escapeChunk)]
			b = b[len(c):]
			var enc []byte
			if quotes {
				wr.enc = iv.AppendLiteral(wr.enc[:0], c)
				enc = wr.enc[1 : len(wr.enc)-1]
			} else {
				wr.enc = copytext.Encode(wr.enc[:0], c)
				enc = wr.enc
			}
			if _, err := wr.w.Write(enc); err != nil {
				return err
			}
		}
		if quotes {
			if _, err := wr.w.Write(quote); err != nil {
				return err
			}
		}
	}
	return nil
}

var quote = []byte{'\''}
