package pipeline

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
)

// The fingerprints of a guard's masked keys are kept in memory up to a
// budget shared by every guard, then spilled to sorted runs on disk; a
// guard that spilled is merge-checked once every row is masked, before the
// sink commits. A collision is reported at the row a check of every row in
// memory would have stopped at: the lowest (source, row) that repeats an
// earlier key. So peak memory does not grow with the rows, and the error is
// the same whatever the budget.

// DefaultKeyMemory is the memory the unique-key checks hold before they
// spill to disk: with the rest of a run, peak RSS stays near 100 MB.
const DefaultKeyMemory = 32 << 20

const (
	slotBytes     = 24 // fp and loc
	partialBytes  = 16 // in, for partial keys
	minSlots      = 1 << 10
	rowBits       = 40 // of a loc: the row (or line); the rest is the source
	runBufferSize = 64 << 10
)

// maxFanIn is how many runs are merged at once; a variable so that tests
// can force merges in several passes.
var maxFanIn = 64

// keySlot is one fingerprint and where it comes from: loc is a source's
// number (from 1) above rowBits, and the row; 0 marks an empty slot.
type keySlot struct {
	fp  [2]uint64
	loc uint64
}

// keySet is one guard's fingerprints: an open-addressing table, the
// originals' fingerprints beside it for partial keys, and the runs
// spilled so far.
type keySet struct {
	g     *rules.Guard
	slots []keySlot
	ins   [][2]uint64 // partial keys only, by slot
	n     int
	runs  []string
	// merged is set once merge has read the table (which breaks it): hit
	// is what it found, returned to any later add.
	merged bool
	hit    uint64
}

func (s *keySet) bytes() int64 {
	per := int64(slotBytes)
	if s.g.Partial {
		per += partialBytes
	}
	return per * int64(len(s.slots))
}

// guardSource is a table writer or a value masker whose rows hit guards.
type guardSource struct {
	table schema.QName
	pos   func(int64) dump.Pos
}

// addSource numbers a source of guard hits.
func (eng *Engine) addSource(table schema.QName, pos func(int64) dump.Pos) uint64 {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	eng.sources = append(eng.sources, guardSource{table: table, pos: pos})
	return uint64(len(eng.sources))
}

func (eng *Engine) collision(g *rules.Guard, loc uint64) error {
	src := eng.sources[loc>>rowBits-1]
	return &CollisionError{Pos: src.pos(int64(loc & (1<<rowBits - 1))), Table: src.table, Key: g.Name, Columns: g.Columns}
}

// keySetFor returns g's set, made for about the rows of table (the first
// to hit it), within the budget.
func (eng *Engine) keySetFor(g *rules.Guard, table schema.QName) *keySet {
	s := eng.sets[g]
	if s != nil {
		return s
	}
	s = &keySet{g: g}
	want := minSlots
	for int64(want)*3/4 < eng.expect[table] && eng.fits(s, 2*want) {
		want *= 2
	}
	eng.resize(s, want)
	eng.sets[g] = s
	return s
}

// fits reports whether s can grow to n slots within the budget.
func (eng *Engine) fits(s *keySet, n int) bool {
	per := int64(slotBytes)
	if s.g.Partial {
		per += partialBytes
	}
	return eng.used-s.bytes()+per*int64(n) <= eng.budget()
}

func (eng *Engine) budget() int64 {
	if eng.keyMemory > 0 {
		return eng.keyMemory
	}
	return DefaultKeyMemory
}

// resize rehashes s into n slots.
func (eng *Engine) resize(s *keySet, n int) {
	old, oldIns := s.slots, s.ins
	eng.used -= s.bytes()
	s.slots, s.n = make([]keySlot, n), 0
	s.ins = nil
	if s.g.Partial {
		s.ins = make([][2]uint64, n)
	}
	eng.used += s.bytes()
	for i, sl := range old {
		if sl.loc != 0 {
			var in [2]uint64
			if oldIns != nil {
				in = oldIns[i]
			}
			j, _ := s.find(sl.fp)
			s.slots[j], s.n = sl, s.n+1
			if s.ins != nil {
				s.ins[j] = in
			}
		}
	}
}

// find returns the slot holding fp, or the empty one where it goes.
func (s *keySet) find(fp [2]uint64) (int, bool) {
	mask := len(s.slots) - 1
	for i := int(fp[0]) & mask; ; i = (i + 1) & mask {
		switch sl := &s.slots[i]; {
		case sl.loc == 0:
			return i, false
		case sl.fp == fp:
			return i, true
		}
	}
}

// add records one hit; it returns the loc to report when the key repeats
// an earlier one (0 if not).
func (eng *Engine) add(h *guardHit, loc uint64, table schema.QName) (uint64, error) {
	s := eng.keySetFor(h.g, table)
	if s.merged { // another table sharing the key found a collision
		return s.hit, nil
	}
	i, found := s.find(h.fp)
	if found {
		if h.g.Partial && s.ins[i] == h.in {
			return 0, nil // the same original again
		}
		if len(s.runs) == 0 {
			return loc, nil
		}
		// An earlier collision may hide in the runs: report the first.
		return eng.merge(s, &keyRec{fp: h.fp, in: h.in, loc: loc})
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		switch {
		case eng.fits(s, 2*len(s.slots)):
			eng.resize(s, 2*len(s.slots))
		default:
			if err := eng.spill(s); err != nil {
				return 0, err
			}
		}
		i, _ = s.find(h.fp)
	}
	s.slots[i], s.n = keySlot{fp: h.fp, loc: loc}, s.n+1
	if s.ins != nil {
		s.ins[i] = h.in
	}
	return 0, nil
}

// keyRec is a fingerprint as runs hold it.
type keyRec struct {
	fp, in [2]uint64
	loc    uint64
}

func (a *keyRec) less(b *keyRec) bool {
	if a.fp != b.fp {
		return a.fp[0] < b.fp[0] || a.fp[0] == b.fp[0] && a.fp[1] < b.fp[1]
	}
	return a.loc < b.loc
}

// sortedSlots sorts a partial key's slots and originals together.
type sortedSlots struct{ s *keySet }

func (x sortedSlots) Len() int { return x.s.n }
func (x sortedSlots) Less(i, j int) bool {
	a, b := &x.s.slots[i], &x.s.slots[j]
	if a.fp != b.fp {
		return a.fp[0] < b.fp[0] || a.fp[0] == b.fp[0] && a.fp[1] < b.fp[1]
	}
	return a.loc < b.loc
}
func (x sortedSlots) Swap(i, j int) {
	x.s.slots[i], x.s.slots[j] = x.s.slots[j], x.s.slots[i]
	if x.s.ins != nil {
		x.s.ins[i], x.s.ins[j] = x.s.ins[j], x.s.ins[i]
	}
}

// sortInPlace moves s's fingerprints to the front of its slots, sorted;
// the table is unusable until cleared.
func (s *keySet) sortInPlace() {
	j := 0
	for i := range s.slots {
		if s.slots[i].loc != 0 {
			s.slots[j] = s.slots[i]
			if s.ins != nil {
				s.ins[j] = s.ins[i]
			}
			j++
		}
	}
	if s.ins == nil {
		slices.SortFunc(s.slots[:s.n], func(a, b keySlot) int {
			if c := cmp.Compare(a.fp[0], b.fp[0]); c != 0 {
				return c
			}
			if c := cmp.Compare(a.fp[1], b.fp[1]); c != 0 {
				return c
			}
			return cmp.Compare(a.loc, b.loc)
		})
		return
	}
	sort.Sort(sortedSlots{s})
}

func (s *keySet) clear() {
	clear(s.slots)
	clear(s.ins)
	s.n = 0
}

// spill writes s's fingerprints to a sorted run and empties the table.
func (eng *Engine) spill(s *keySet) error {
	s.sortInPlace()
	n := s.n
	path, err := eng.writeRun(func(w *bufio.Writer) error {
		for i := range s.n {
			rec := keyRec{fp: s.slots[i].fp, loc: s.slots[i].loc}
			if s.ins != nil {
				rec.in = s.ins[i]
			}
			if err := writeRec(w, &rec, s.g.Partial); err != nil {
				return err
			}
		}
		return nil
	})
	s.clear()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, path)
	eng.spilled += int64(n)
	return nil
}

// writeRun writes a run to a new file in the engine's temporary directory.
func (eng *Engine) writeRun(fill func(w *bufio.Writer) error) (string, error) {
	if eng.tmp == "" {
		dir, err := os.MkdirTemp(eng.tmpParent, "understudy-keys-")
		if err != nil {
			return "", &SpillError{Err: err}
		}
		eng.tmp = dir
	}
	f, err := os.CreateTemp(eng.tmp, "run-")
	if err != nil {
		return "", &SpillError{Err: err}
	}
	w := bufio.NewWriterSize(f, runBufferSize)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", &SpillError{Err: err}
	}
	return f.Name(), nil
}

// SpillError is a failure to keep unique-key fingerprints on disk.
type SpillError struct{ Err error }

func (e *SpillError) Error() string {
	return fmt.Sprintf("checking unique keys: cannot spill fingerprints to a temporary file (set TMPDIR to a disk with room): %v", e.Err)
}

func (e *SpillError) Unwrap() error { return e.Err }

func writeRec(w *bufio.Writer, r *keyRec, partial bool) error {
	var b [40]byte
	binary.LittleEndian.PutUint64(b[0:], r.fp[0])
	binary.LittleEndian.PutUint64(b[8:], r.fp[1])
	binary.LittleEndian.PutUint64(b[16:], r.loc)
	n := 24
	if partial {
		binary.LittleEndian.PutUint64(b[24:], r.in[0])
		binary.LittleEndian.PutUint64(b[32:], r.in[1])
		n = 40
	}
	_, err := w.Write(b[:n])
	return err
}

// recReader reads one sorted source of records: a run, or the table.
type recReader struct {
	cur  keyRec
	next func(*keyRec) (bool, error)
	f    *os.File
}

func runReader(path string, partial bool) (*recReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &SpillError{Err: err}
	}
	br := bufio.NewReaderSize(f, runBufferSize)
	size := 24
	if partial {
		size = 40
	}
	var b [40]byte
	return &recReader{f: f, next: func(r *keyRec) (bool, error) {
		if _, err := io.ReadFull(br, b[:size]); err != nil {
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, &SpillError{Err: err}
		}
		r.fp = [2]uint64{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])}
		r.loc = binary.LittleEndian.Uint64(b[16:])
		if partial {
			r.in = [2]uint64{binary.LittleEndian.Uint64(b[24:]), binary.LittleEndian.Uint64(b[32:])}
		}
		return true, nil
	}}, nil
}

type recHeap []*recReader

func (h recHeap) Len() int           { return len(h) }
func (h recHeap) Less(i, j int) bool { return h[i].cur.less(&h[j].cur) }
func (h recHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *recHeap) Push(x any)        { *h = append(*h, x.(*recReader)) }
func (h *recHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeReaders calls emit with the records of rs in order.
func mergeReaders(rs []*recReader, emit func(*keyRec) error) error {
	h := make(recHeap, 0, len(rs))
	for _, r := range rs {
		ok, err := r.next(&r.cur)
		if err != nil {
			return err
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		r := h[0]
		if err := emit(&r.cur); err != nil {
			return err
		}
		ok, err := r.next(&r.cur)
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

func closeReaders(rs []*recReader) {
	for _, r := range rs {
		if r.f != nil {
			r.f.Close()
		}
	}
}

// compact merges runs, maxFanIn at a time, until at most maxFanIn remain.
func (eng *Engine) compact(s *keySet) error {
	for len(s.runs) > maxFanIn {
		batch := s.runs[:maxFanIn]
		var rs []*recReader
		for _, p := range batch {
			r, err := runReader(p, s.g.Partial)
			if err != nil {
				closeReaders(rs)
				return err
			}
			rs = append(rs, r)
		}
		path, err := eng.writeRun(func(w *bufio.Writer) error {
			return mergeReaders(rs, func(r *keyRec) error { return writeRec(w, r, s.g.Partial) })
		})
		closeReaders(rs)
		if err != nil {
			return err
		}
		for _, p := range batch {
			os.Remove(p)
		}
		s.runs = append(append([]string{}, s.runs[maxFanIn:]...), path)
	}
	return nil
}

// merge checks every fingerprint of s — its runs, its table and extra —
// and returns the loc of the first row (in (source, row) order) whose key
// repeats an earlier row's, or 0. The table is left unusable: merge runs
// when masking is over or has failed.
func (eng *Engine) merge(s *keySet, extra *keyRec) (uint64, error) {
	if err := eng.compact(s); err != nil {
		return 0, err
	}
	var rs []*recReader
	defer func() { closeReaders(rs) }()
	for _, p := range s.runs {
		r, err := runReader(p, s.g.Partial)
		if err != nil {
			return 0, err
		}
		rs = append(rs, r)
	}
	s.sortInPlace()
	s.merged = true
	i := 0
	rs = append(rs, &recReader{next: func(r *keyRec) (bool, error) {
		if i == s.n {
			return false, nil
		}
		*r = keyRec{fp: s.slots[i].fp, loc: s.slots[i].loc}
		if s.ins != nil {
			r.in = s.ins[i]
		}
		i++
		return true, nil
	}})
	if extra != nil {
		done := false
		rs = append(rs, &recReader{next: func(r *keyRec) (bool, error) {
			if done {
				return false, nil
			}
			*r, done = *extra, true
			return true, nil
		}})
	}
	var first keyRec
	flagged, best := false, uint64(0)
	err := mergeReaders(rs, func(r *keyRec) error {
		if r.fp != first.fp || first.loc == 0 {
			first, flagged = *r, false
			return nil
		}
		// Records of one key come in row order: the first repeat is where
		// a check of every row in memory would stop.
		if !flagged && (!s.g.Partial || r.in != first.in) {
			flagged = true
			if best == 0 || r.loc < best {
				best = r.loc
			}
		}
		return nil
	})
	s.hit = best
	return best, err
}

// verify merge-checks every guard that spilled; it runs once every table
// is written, before the sink commits.
func (eng *Engine) verify() error {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	sets := make([]*keySet, 0, len(eng.sets))
	for _, s := range eng.sets {
		if len(s.runs) > 0 {
			sets = append(sets, s)
		}
	}
	// In a fixed order, so that of two guards with collisions the same
	// one is reported.
	sort.Slice(sets, func(i, j int) bool {
		a, b := sets[i].g, sets[j].g
		if a.Scope != b.Scope {
			return a.Scope.String() < b.Scope.String()
		}
		return a.Name < b.Name
	})
	for _, s := range sets {
		loc, err := eng.merge(s, nil)
		if err != nil {
			return err
		}
		if loc != 0 {
			return eng.collision(s.g, loc)
		}
	}
	return nil
}

// removeSpill deletes the runs, on every way out of a run.
func (eng *Engine) removeSpill() {
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if eng.tmp != "" {
		os.RemoveAll(eng.tmp)
		eng.tmp = ""
	}
	for _, s := range eng.sets {
		s.runs = nil
	}
}
