package subset

import (
	"slices"
	"testing"
)

func TestKeySet(t *testing.T) {
	var s keySet
	s.compact() // nothing added: stays empty
	if s.len() != 0 || s.bytes() != 0 || s.sorted != nil {
		t.Fatalf("empty set: len %d, %d bytes", s.len(), s.bytes())
	}
	for _, k := range []uint64{9, 3, 7} {
		if !s.add(k) {
			t.Errorf("%d not new", k)
		}
	}
	if s.add(3) || s.len() != 3 || s.bytes() != 3*48 {
		t.Errorf("before compact: len %d, %d bytes", s.len(), s.bytes())
	}
	s.compact()
	if s.added != nil || !slices.Equal(s.sorted, []uint64{3, 7, 9}) || s.bytes() != int64(cap(s.sorted))*8 {
		t.Errorf("after compact: %v %v, %d bytes", s.sorted, s.added, s.bytes())
	}
	s.add(1)
	s.add(8)
	if !s.has(1) || !s.has(9) || s.has(2) || s.len() != 5 || s.bytes() != int64(cap(s.sorted))*8+2*48 {
		t.Errorf("sorted and added: len %d, %d bytes", s.len(), s.bytes())
	}
	var all []uint64
	s.each(func(k uint64) { all = append(all, k) })
	slices.Sort(all)
	if !slices.Equal(all, []uint64{1, 3, 7, 8, 9}) {
		t.Errorf("each: %v", all)
	}
	s.compact()
	if !slices.Equal(s.sorted, []uint64{1, 3, 7, 8, 9}) {
		t.Errorf("second compact: %v", s.sorted)
	}
}

func TestBitset(t *testing.T) {
	var b bitset
	b.clear(1000) // beyond the words: nothing to clear
	if b.has(0) || b.has(1000) || b.bytes() != 0 {
		t.Fatal("empty bitset")
	}
	for _, i := range []int64{0, 63, 64, 200} {
		b.set(i)
	}
	if len(b.w) != 4 || b.bytes() != int64(cap(b.w))*8 {
		t.Errorf("%d words, %d bytes", len(b.w), b.bytes())
	}
	for i := int64(0); i < 300; i++ {
		if want := i == 0 || i == 63 || i == 64 || i == 200; b.has(i) != want {
			t.Errorf("bit %d: %v", i, !want)
		}
	}
	b.clear(63)
	b.clear(256)
	if b.has(63) || !b.has(64) || !b.has(0) || len(b.w) != 4 {
		t.Errorf("after clear: %x", b.w)
	}
}
