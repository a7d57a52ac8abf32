package subset

import "slices"

// keySet is a set of 64-bit key hashes: a sorted array, 8 bytes a key,
// plus the keys added since the last compact in a map (a pass adds keys
// while it looks them up).
type keySet struct {
	sorted []uint64
	added  map[uint64]struct{}
}

func (s *keySet) has(k uint64) bool {
	if _, ok := s.added[k]; ok {
		return true
	}
	_, ok := slices.BinarySearch(s.sorted, k)
	return ok
}

// add reports whether k is new.
func (s *keySet) add(k uint64) bool {
	if s.has(k) {
		return false
	}
	if s.added == nil {
		s.added = map[uint64]struct{}{}
	}
	s.added[k] = struct{}{}
	return true
}

// compact moves the added keys into the sorted array.
func (s *keySet) compact() {
	if len(s.added) == 0 {
		return
	}
	for k := range s.added {
		s.sorted = append(s.sorted, k)
	}
	slices.Sort(s.sorted)
	s.added = nil
}

// each calls f with every key.
func (s *keySet) each(f func(uint64)) {
	for _, k := range s.sorted {
		f(k)
	}
	for k := range s.added {
		f(k)
	}
}

func (s *keySet) len() int { return len(s.sorted) + len(s.added) }

// bytes is the set's size in memory, for the summary (compacted).
func (s *keySet) bytes() int64 { return int64(cap(s.sorted))*8 + int64(len(s.added))*48 }

// bitset is one bit per row of a data entry.
type bitset struct{ w []uint64 }

func (b *bitset) has(i int64) bool {
	j := int(i >> 6)
	return j < len(b.w) && b.w[j]&(1<<(i&63)) != 0
}

func (b *bitset) set(i int64) {
	j := int(i >> 6)
	if j >= len(b.w) {
		b.w = append(b.w, make([]uint64, j+1-len(b.w))...)
	}
	b.w[j] |= 1 << (i & 63)
}

func (b *bitset) clear(i int64) {
	if j := int(i >> 6); j < len(b.w) {
		b.w[j] &^= 1 << (i & 63)
	}
}

func (b *bitset) bytes() int64 { return int64(cap(b.w)) * 8 }
