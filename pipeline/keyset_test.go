package pipeline

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/rules"
)

// runSpilling runs script with a key budget so small that every 768
// fingerprints spill to a run, in a temporary directory of the test's that
// must be empty again afterwards.
func runSpilling(t *testing.T, script, rulesYAML string, budget int64, workers int) (*memSink, *Stats, error) {
	t.Helper()
	src, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, rulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	sink := newMemSink(1)
	var st *Stats
	within(t, func() {
		st, err = Run(context.Background(), src, inv, sink, plan, Options{Workers: workers, KeyMemory: budget, TempDir: tmp})
	})
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the run left %d spill files behind", len(left))
	}
	return sink, st, err
}

// With fingerprints spilled to disk (and merged in several passes) a run
// without a collision writes what a run in memory writes; a collision is
// found whether both rows were in memory, one was spilled, or only the
// merge before the commit sees them, and it is reported at the same row
// whatever the budget: the first row that repeats an earlier key. Nothing
// is committed then.
func TestCollisionWhenSpilled(t *testing.T) {
	defer func(n int) { maxFanIn = n }(maxFanIn)
	maxFanIn = 3
	const n = 6000
	script := func(pairs map[int]int) string {
		return codeDump(rowsOf(n, func(i int) string {
			if first, ok := pairs[i]; ok {
				return fmt.Sprintf("%d\tdup-k%05d\tn", i, first)
			}
			return fmt.Sprintf("%d\tk%05d\tn", i, i)
		}))
	}
	clean := script(nil)
	var want string
	for _, budget := range []int64{0, 1} {
		sink, st, err := runSpilling(t, clean, dropDup, budget, 2)
		if err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		if spilled := st.SpilledKeys > 0; spilled != (budget == 1) {
			t.Fatalf("budget %d: %d keys spilled", budget, st.SpilledKeys)
		}
		got := sink.table("t")
		if want == "" {
			want = got
		} else if got != want {
			t.Fatal("spilling changed the output")
		}
		if sink.committed != 1 {
			t.Fatalf("budget %d: committed %d times", budget, sink.committed)
		}
	}
	for _, tc := range []struct {
		name  string
		pairs map[int]int // row: the earlier row it repeats
		at    int         // the row reported
	}{
		{"both rows in memory", map[int]int{5990: 5980}, 5990},
		{"the earlier row spilled", map[int]int{5000: 3}, 5000},
		{"the later row spilled too: found at the merge", map[int]int{2000: 10}, 2000},
		{"a collision in memory after one in the runs", map[int]int{1000: 5, 5995: 5990}, 1000},
		{"two in the runs", map[int]int{4000: 7, 3000: 2999}, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := script(tc.pairs)
			header := lineOf(t, s, "COPY public.t")
			for _, budget := range []int64{0, 1} {
				sink, _, err := runSpilling(t, s, dropDup, budget, 2)
				ce := asCollision(t, err)
				if ce.Pos.Line != header+tc.at || ce.Key != "t_code_key" || ce.Table.String() != "public.t" {
					t.Errorf("budget %d: %v, want line %d", budget, ce, header+tc.at)
				}
				if sink.committed != 0 || sink.aborted != 1 {
					t.Errorf("budget %d: committed %d, aborted %d", budget, sink.committed, sink.aborted)
				}
			}
		})
	}
}

// A partial key's repeats of one original are no collision, in memory or
// across runs; two originals masked alike are, wherever they are.
func TestPartialKeySpilled(t *testing.T) {
	g := &rules.Guard{Name: "pg", Columns: []string{"b"}, Partial: true}
	for _, budget := range []int64{0, 1} {
		eng := &Engine{sets: map[*rules.Guard]*keySet{}, keys: map[*rules.ColumnPlan]keyRange{}, keyMemory: budget, tmpParent: t.TempDir()}
		q := qn("t")
		src := eng.addSource(q, func(n int64) dump.Pos { return dump.Pos{Row: n} })
		row := int64(0)
		hit := func(fp, in uint64) error {
			row++
			return eng.record(&results{hits: []guardHit{{g: g, fp: [2]uint64{fp, 1}, in: [2]uint64{in, 2}, row: row}}}, q, src)
		}
		for i := range uint64(3000) {
			if err := hit(i, i); err != nil {
				t.Fatal(err)
			}
		}
		for i := range uint64(3000) {
			if err := hit(i, i); err != nil { // the same originals again
				t.Fatal(err)
			}
		}
		err := hit(17, 18)
		if budget == 0 { // found at once
			if ce := asCollision(t, err); ce.Pos.Row != 6001 {
				t.Fatalf("%+v", ce)
			}
		} else if err != nil || budget == 1 && len(eng.sets[g].runs) == 0 {
			t.Fatalf("budget %d: %v, %d runs", budget, err, len(eng.sets[g].runs))
		} else if ce := asCollision(t, eng.verify()); ce.Pos.Row != 6001 || ce.Key != "pg" {
			t.Fatalf("%+v", ce)
		}
		eng.removeSpill()
	}
}

// An INSERT dump's collision found at the merge is located at its line.
func TestCollisionSpilledInserts(t *testing.T) {
	const n = 3000
	s := `CREATE TABLE public.t (
    id integer NOT NULL,
    code text NOT NULL,
    note text
);

` + rowsOf(n, func(i int) string {
		code := fmt.Sprintf("k%05d", i)
		if i == 2500 {
			code = "dup-k00004"
		}
		return fmt.Sprintf("INSERT INTO public.t VALUES (%d, '%s', 'n');", i, code)
	}) + `
ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_code_key UNIQUE (code);
`
	line := lineOf(t, s, "VALUES (2500,")
	for _, budget := range []int64{0, 1} {
		_, _, err := runSpilling(t, s, dropDup, budget, 1)
		if ce := asCollision(t, err); ce.Pos.Line != line {
			t.Errorf("budget %d: %v, want line %d", budget, ce, line)
		}
	}
}

// Without a collision the partial key's runs merge clean.
func TestPartialKeySpilledClean(t *testing.T) {
	g := &rules.Guard{Name: "pg", Columns: []string{"b"}, Partial: true}
	eng := &Engine{sets: map[*rules.Guard]*keySet{}, keys: map[*rules.ColumnPlan]keyRange{}, keyMemory: 1, tmpParent: t.TempDir()}
	defer eng.removeSpill()
	q := qn("t")
	src := eng.addSource(q, func(n int64) dump.Pos { return dump.Pos{Row: n} })
	for row := range int64(6000) {
		i := uint64(row % 3000)
		if err := eng.record(&results{hits: []guardHit{{g: g, fp: [2]uint64{i, 1}, in: [2]uint64{i, 2}, row: row + 1}}}, q, src); err != nil {
			t.Fatal(err)
		}
	}
	if len(eng.sets[g].runs) < 2 {
		t.Fatalf("%d runs", len(eng.sets[g].runs))
	}
	if err := eng.verify(); err != nil {
		t.Fatal(err)
	}
}

// Once a collision has been merge-checked (which breaks the table), a
// later hit on the same key — another partition's writer — gets the same
// collision back instead of probing the broken table.
func TestKeySetAfterMerge(t *testing.T) {
	g := &rules.Guard{Name: "g", Columns: []string{"a"}}
	eng := &Engine{sets: map[*rules.Guard]*keySet{}, keys: map[*rules.ColumnPlan]keyRange{}, keyMemory: 1, tmpParent: t.TempDir()}
	defer eng.removeSpill()
	q := qn("t")
	src := eng.addSource(q, func(n int64) dump.Pos { return dump.Pos{Row: n} })
	hit := func(fp uint64, row int64) error {
		return eng.record(&results{hits: []guardHit{{g: g, fp: [2]uint64{fp, 9}, row: row}}}, q, src)
	}
	for row := range int64(2000) {
		if err := hit(uint64(row), row+1); err != nil {
			t.Fatal(err)
		}
	}
	if ce := asCollision(t, hit(1999, 2001)); ce.Pos.Row != 2001 {
		t.Fatalf("%+v", ce)
	}
	for _, fp := range []uint64{5000, 3} {
		if ce := asCollision(t, hit(fp, 2002)); ce.Pos.Row != 2001 {
			t.Fatalf("%+v", ce)
		}
	}
}

// Runs and sorted slots order by fingerprint, both words, then by row:
// the merge finds a repeat only where equal fingerprints are adjacent.
func TestKeyOrder(t *testing.T) {
	recs := []keyRec{ // ascending
		{fp: [2]uint64{1, 9}, loc: 5},
		{fp: [2]uint64{2, 1}, loc: 9},
		{fp: [2]uint64{2, 3}, loc: 1},
		{fp: [2]uint64{2, 3}, loc: 2},
		{fp: [2]uint64{3, 0}, loc: 0},
	}
	s := &keySet{g: &rules.Guard{Partial: true}, n: len(recs)}
	for _, r := range recs {
		s.slots = append(s.slots, keySlot{fp: r.fp, loc: r.loc})
		s.ins = append(s.ins, [2]uint64{r.loc, 0})
	}
	x := sortedSlots{s}
	for i := range recs {
		for j := range recs {
			if got := recs[i].less(&recs[j]); got != (i < j) {
				t.Errorf("keyRec %d < %d: %v", i, j, got)
			}
			if got := x.Less(i, j); got != (i < j) {
				t.Errorf("slot %d < %d: %v", i, j, got)
			}
		}
	}
	x.Swap(0, 4)
	if s.slots[0].loc != 0 || s.slots[4].loc != 5 || s.ins[0][0] != 0 || s.ins[4][0] != 5 || x.Len() != 5 {
		t.Errorf("swap: %+v %+v", s.slots, s.ins)
	}
}
