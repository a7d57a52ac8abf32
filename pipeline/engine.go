package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// Engine masks the rows of tables on one shared pool of worker goroutines.
// Each table's COPY text goes in through a TableWriter, which cuts it into
// units of whole rows; workers mask units of any table; the table's own
// writer goroutine takes its units back in order, checks unique keys and
// writes. A fixed set of units bounds memory, however many tables are in
// flight.
type Engine struct {
	plan *rules.Plan
	cat  *schema.Catalog
	work chan *unit
	free chan *unit
	wg   sync.WaitGroup

	mu sync.Mutex // guards sets, sources, used, tmp and keys, shared by every table
	// The fingerprints of masked keys, per guard (keyset.go): used bytes
	// of them in memory, within keyMemory (0: DefaultKeyMemory); runs
	// spilled to disk go to tmp, a directory made in tmpParent (""; the
	// system's) on the first spill.
	sets           map[*rules.Guard]*keySet
	sources        []guardSource
	used           int64
	keyMemory      int64
	tmp, tmpParent string
	spilled        int64 // fingerprints written to runs
	keys           map[*rules.ColumnPlan]keyRange
	// expect is how many rows each table has, if known: a guard's set is
	// made that large at once (within the budget) rather than grown.
	expect map[schema.QName]int64

	rows, skipped, cells, bytesIn atomic.Int64
}

// The unit of work: flushed past unitBytes or unitRows.
const (
	unitBytes = 256 << 10
	unitRows  = 512
)

// Rows and values this large take the paths that hold them once: a row is
// masked on its own, from the source's buffer, and written out in pieces; a
// field is written straight from the input (or, masked, escaped on the way
// out) instead of being copied. Variables so that tests can force the paths.
var (
	bigItem  = unitBytes
	bigValue = 64 << 10
)

// NewEngine starts workers goroutines (0: one per CPU). Close stops them.
func NewEngine(plan *rules.Plan, cat *schema.Catalog, workers int) *Engine {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	eng := &Engine{plan: plan, cat: cat,
		work: make(chan *unit, 4*workers+4), free: make(chan *unit, 4*workers+4),
		sets: map[*rules.Guard]*keySet{}, keys: map[*rules.ColumnPlan]keyRange{}}
	for range cap(eng.free) {
		eng.free <- &unit{done: make(chan struct{}, 1)}
	}
	for range workers {
		eng.wg.Add(1)
		go func() {
			defer eng.wg.Done()
			rm := newRowMasker()
			for u := range eng.work {
				u.err = rm.safeMaskUnit(u)
				u.done <- struct{}{}
			}
		}()
	}
	return eng
}

// Close stops the workers once every TableWriter is closed.
func (eng *Engine) Close() {
	close(eng.work)
	eng.wg.Wait()
}

// unit is a batch of one table's rows.
type unit struct {
	t    *TableWriter
	in   []byte   // the rows, each with its line end
	rows []rowRef // where each row is in in
	out  []byte   // the masked rows
	res  results
	err  error
	done chan struct{}
	// direct, for a row too large for a unit, takes the masked row in
	// pieces as it is made: out then holds only what is left to write.
	direct io.Writer
}

// rowRef locates one row of a unit.
type rowRef struct {
	start, end, eol int   // row is in[start:end], its line end in[end:eol]
	row             int64 // 1-based row number within the entry
}

// results are what masking a unit found, applied by its table's writer in
// order.
type results struct {
	hits  []guardHit
	keys  []keyRange
	cells int64
}

func (r *results) reset() { r.hits, r.keys, r.cells = r.hits[:0], r.keys[:0], 0 }

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

// guardHit is one row's fingerprint on a guarded unique key.
type guardHit struct {
	g   *rules.Guard
	fp  [2]uint64 // of the masked key
	in  [2]uint64 // of the original key, for partial keys
	row int64
}

// keyRange is the range of masked values of one sequence-fed integer key,
// for the run to keep the sequence clear of them.
type keyRange struct {
	cp     *rules.ColumnPlan
	lo, hi int64
}

// TableWriter takes one data entry's COPY text and writes it masked. It is
// not safe for concurrent use; Close must be called.
type TableWriter struct {
	eng   *Engine
	ctx   context.Context
	entry *dump.Entry
	b     *blockPlan
	w     io.Writer
	src   uint64 // the engine's number for its guard hits

	cur     *unit
	carry   []byte       // the start of a row cut by the end of a Write
	row     int64        // rows seen
	shown   atomic.Int64 // row, published for progress
	ordered chan *unit
	wdone   chan struct{}
	own     *rowMasker // for rows too large for a unit
	// pass gathers a table's rows passing through unmasked: a live source
	// hands over one row per Write, and each Write to a live sink is a
	// message and a system call of its own.
	pass []byte

	mu  sync.Mutex
	err error // first error, from either side
	// broken is set with err: failed runs for every Write (every row, from
	// a live source) and for every unit, on two goroutines, and a mutex
	// there was a contended lock per row.
	broken atomic.Bool
}

// Table returns a writer for e's COPY text that writes it masked to w.
func (eng *Engine) Table(ctx context.Context, e *dump.Entry, w io.Writer) *TableWriter {
	t := &TableWriter{eng: eng, ctx: ctx, entry: e, w: w,
		b: blockFor(eng.plan, eng.cat, e.Table, e.Columns, false)}
	if len(t.b.guards) > 0 {
		t.src = eng.addSource(e.Table, t.pos)
	}
	if t.b.masks() {
		t.ordered = make(chan *unit, cap(eng.free))
		t.wdone = make(chan struct{})
		go t.writeUnits()
	}
	return t
}

func (t *TableWriter) fail(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = err
		t.broken.Store(true)
	}
	return t.err
}

func (t *TableWriter) failed() error {
	if !t.broken.Load() {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Write takes COPY text: any number of rows, a row possibly cut anywhere.
// Unlike most writers, it may overwrite the bytes of a huge masked value
// in p (decoding it in place, since they are not written out): callers
// must not use p's contents again.
func (t *TableWriter) Write(p []byte) (int, error) {
	if err := t.failed(); err != nil {
		return 0, err
	}
	t.eng.bytesIn.Add(int64(len(p)))
	switch {
	case t.b.table != nil && t.b.table.Skip:
		n := int64(bytes.Count(p, nl))
		t.row += n
		t.shown.Store(t.row)
		t.eng.skipped.Add(n)
		return len(p), nil
	case !t.b.masks():
		n := int64(bytes.Count(p, nl))
		t.row += n
		t.shown.Store(t.row)
		t.eng.rows.Add(n)
		if err := t.passOn(p); err != nil {
			return 0, t.fail(err)
		}
		return len(p), nil
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.carry = append(t.carry, p...)
			break
		}
		line := p[:i+1]
		if len(t.carry) > 0 {
			t.carry = append(t.carry, line...)
			line = t.carry
		}
		if err := t.addRow(line); err != nil {
			return 0, t.fail(err)
		}
		t.carry = t.carry[:0]
		p = p[i+1:]
	}
	return n, nil
}

var nl = []byte{'\n'}

// passBuffer is the size of the writes of unmasked rows: what the live
// sink's COPY sends in one message.
const passBuffer = 64 << 10

// passOn writes unmasked COPY text, gathered into writes of about
// passBuffer bytes; large pieces go on as they are.
func (t *TableWriter) passOn(p []byte) error {
	// Whatever is gathered goes first: a large piece must not overtake it.
	if len(t.pass)+len(p) > passBuffer || len(p) >= passBuffer/2 {
		if err := t.flushPass(); err != nil {
			return err
		}
	}
	if len(p) >= passBuffer/2 {
		_, err := t.w.Write(p)
		return err
	}
	if t.pass == nil {
		t.pass = make([]byte, 0, passBuffer)
	}
	t.pass = append(t.pass, p...)
	return nil
}

func (t *TableWriter) flushPass() error {
	if len(t.pass) == 0 {
		return nil
	}
	_, err := t.w.Write(t.pass)
	t.pass = t.pass[:0]
	return err
}

// addRow queues one row (with its line end) for masking.
func (t *TableWriter) addRow(line []byte) error {
	t.row++
	if len(line) >= bigItem {
		return t.largeRow(line)
	}
	if u := t.cur; u != nil && (len(u.in)+len(line) > unitBytes || len(u.rows) >= unitRows) {
		t.flush()
	}
	if t.cur == nil {
		select {
		case u := <-t.eng.free:
			u.t, u.err = t, nil
			u.in, u.out, u.rows = u.in[:0], u.out[:0], u.rows[:0]
			u.res.reset()
			t.cur = u
		case <-t.ctx.Done():
			return context.Cause(t.ctx)
		}
	}
	u := t.cur
	ref := rowRef{start: len(u.in), row: t.row}
	u.in = append(u.in, line...)
	ref.eol = len(u.in)
	ref.end = ref.eol - 1
	if ref.end > ref.start && u.in[ref.end-1] == '\r' {
		ref.end--
	}
	u.rows = append(u.rows, ref)
	return nil
}

// flush hands the current unit to the workers and, in order, to the
// table's writer.
func (t *TableWriter) flush() {
	if u := t.cur; u != nil {
		t.cur = nil
		t.shown.Store(t.row)
		t.eng.work <- u
		t.ordered <- u
	}
}

// largeRow masks a row too large for a unit here, once the rows before it
// are written: it is neither copied into a unit nor held twice.
func (t *TableWriter) largeRow(line []byte) error {
	t.flush()
	if err := t.drain(); err != nil {
		return err
	}
	if t.own == nil {
		t.own = newRowMasker()
	}
	u := &unit{t: t, in: line, rows: []rowRef{{start: 0, eol: len(line), row: t.row}}, direct: t.w}
	u.rows[0].end = len(line) - 1
	if u.rows[0].end > 0 && line[u.rows[0].end-1] == '\r' {
		u.rows[0].end--
	}
	err := t.own.safeMaskUnit(u)
	t.own.release()
	if err == nil {
		err = t.apply(u)
	}
	if len(line) >= collectAfter {
		// Its masked copy is garbage now: collect it before the next huge
		// row is read, rather than let the pacer double the heap first.
		u = nil
		runtime.GC()
	}
	return err
}

// collectAfter is the size of a row after which the garbage collector runs.
const collectAfter = 32 << 20

// drain waits until every unit handed on is written.
func (t *TableWriter) drain() error {
	close(t.ordered)
	<-t.wdone
	if err := t.failed(); err != nil {
		t.ordered = nil // closed, and its writer done: Close must not close it again
		return err
	}
	t.ordered = make(chan *unit, cap(t.eng.free))
	t.wdone = make(chan struct{})
	go t.writeUnits()
	return nil
}

// writeUnits is the table's writer goroutine.
func (t *TableWriter) writeUnits() {
	defer close(t.wdone)
	for u := range t.ordered {
		<-u.done
		if t.failed() == nil {
			if err := u.err; err != nil {
				t.fail(err)
			} else if err := t.apply(u); err != nil {
				t.fail(err)
			}
		}
		u.t = nil
		t.eng.free <- u
	}
}

// apply checks a masked unit's unique keys, records its key ranges and
// writes it.
func (t *TableWriter) apply(u *unit) error {
	if err := t.eng.record(&u.res, t.entry.Table, t.src); err != nil {
		return err
	}
	t.eng.rows.Add(int64(len(u.rows)))
	_, err := t.w.Write(u.out)
	if cap(u.out) > keepBuffer {
		u.out = nil // a huge row's output: let it go
	}
	return err
}

// keepBuffer bounds the buffers kept from one unit or row to the next; a
// huge row's are dropped once it is written.
const keepBuffer = 2 << 20

// record checks masked rows' unique keys against every row masked before
// (in any table sharing the key) and widens the sequence-fed key ranges.
// src is the number addSource gave the rows' writer.
func (eng *Engine) record(res *results, table schema.QName, src uint64) error {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	for i := range res.hits {
		h := &res.hits[i]
		at, err := eng.add(h, src<<rowBits|uint64(h.row)&(1<<rowBits-1), table)
		if err != nil {
			return err
		}
		if at != 0 {
			return eng.collision(h.g, at)
		}
	}
	for _, k := range res.keys {
		if cur, ok := eng.keys[k.cp]; ok {
			k.lo, k.hi = min(k.lo, cur.lo), max(k.hi, cur.hi)
		}
		eng.keys[k.cp] = k
	}
	eng.cells.Add(res.cells)
	return nil
}

// pos locates row n of the table's entry.
func (t *TableWriter) pos(n int64) dump.Pos {
	p := t.entry.Pos
	if p.Line > 0 {
		p.Line += int(n) // a COPY header's rows follow it, one a line
		return p
	}
	if p.Entry == 0 {
		p.Table = t.entry.Table
	}
	p.Row = n
	return p
}

// Close masks and writes what is left, and returns the first error.
func (t *TableWriter) Close() error {
	if len(t.carry) > 0 && t.failed() == nil {
		if err := t.addRow(t.carry); err != nil { // a last row without a line end
			t.fail(err)
		}
		t.carry = t.carry[:0]
	}
	if t.failed() == nil {
		if err := t.flushPass(); err != nil {
			t.fail(err)
		}
	}
	if t.ordered != nil {
		if t.failed() == nil {
			t.flush()
		} else if t.cur != nil {
			t.eng.free <- t.cur
			t.cur = nil
		}
		close(t.ordered)
		<-t.wdone
	}
	return t.failed()
}

// Rows is about how many rows the writer has taken; safe to call from
// another goroutine.
func (t *TableWriter) Rows() int64 { return t.shown.Load() }

// RowError is a row that cannot be masked, located in the dump. It never
// holds the value.
type RowError struct {
	Pos    dump.Pos
	Table  schema.QName
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s: %s: %v", e.Pos, e.Table, e.Err)
	}
	return fmt.Sprintf("%s: %s.%s: %v", e.Pos, e.Table, schema.QuoteIdent(e.Column), e.Err)
}

func (e *RowError) Unwrap() error      { return e.Err }
func (e *RowError) Position() dump.Pos { return e.Pos }

// CollisionError is two rows whose masked values collide on a unique key:
// loading them would fail, so the run stops instead.
type CollisionError struct {
	Pos     dump.Pos
	Table   schema.QName
	Key     string
	Columns []string
}

func (e *CollisionError) Error() string {
	return fmt.Sprintf("%s: %s: masked values collide on unique key %s (%s); use hash_id for keys, or a masker with more entropy",
		e.Pos, e.Table, e.Key, joinCols(e.Columns))
}

func (e *CollisionError) Position() dump.Pos { return e.Pos }

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
