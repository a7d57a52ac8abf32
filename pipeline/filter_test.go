package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/understudy-db/understudy/dump"
)

func TestRowFilterChunks(t *testing.T) {
	var in, want bytes.Buffer
	keep := func(r int64) bool { return r%3 == 1 || r%7 == 0 }
	var dropped int64
	for r := int64(0); r < 500; r++ {
		line := fmt.Sprintf("%d\t%s\n", r, bytes.Repeat([]byte("x"), int(r%37)))
		in.WriteString(line)
		if keep(r) {
			want.WriteString(line)
		} else {
			dropped++
		}
	}
	for seed := uint64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		var got bytes.Buffer
		f := &rowFilter{w: &got, keep: keep}
		p := in.Bytes()
		for len(p) > 0 {
			n := min(len(p), 1+rng.IntN(80))
			if k, err := f.Write(p[:n]); k != n || err != nil {
				t.Fatal(k, err)
			}
			p = p[n:]
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("seed %d: filtered output differs", seed)
		}
		if f.dropped != dropped || f.row != 500 {
			t.Fatalf("seed %d: %d rows, %d dropped; want 500, %d", seed, f.row, f.dropped, dropped)
		}
	}
}

// Unmasked rows written in pieces of every size, large ones included,
// come out in order (a large piece once overtook the small ones gathered
// before it).
func TestPassOnKeepsOrder(t *testing.T) {
	src, inv, err := openScript(t, "CREATE TABLE public.t (id int, note text);\nCOPY public.t (id, note) FROM stdin;\n1\ta\n\\.\n")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	plan, err := planFor(t, inv, "version: 1\nstrict: false\ntables: {}\n")
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for r := 0; r < 20000; r++ {
		fmt.Fprintf(&in, "%d\t%s\n", r, bytes.Repeat([]byte("y"), r%50))
	}
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		var out bytes.Buffer
		eng := NewEngine(plan, inv.Catalog, 1)
		var e *dump.Entry
		for _, x := range inv.Entries {
			if x.Desc == dump.TableData {
				e = x
			}
		}
		tw := eng.Table(context.Background(), e, &out)
		for p := in.Bytes(); len(p) > 0; {
			n := min(len(p), 1+rng.IntN(3*passBuffer/2))
			if rng.IntN(2) == 0 {
				n = min(len(p), 1+rng.IntN(100))
			}
			if _, err := tw.Write(append([]byte(nil), p[:n]...)); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		eng.Close()
		if !bytes.Equal(out.Bytes(), in.Bytes()) {
			t.Fatalf("seed %d: unmasked rows changed on the way", seed)
		}
	}
}
