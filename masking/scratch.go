package masking

import (
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"

	"github.com/brianvoe/gofakeit/v7"
)

// Scratch is per-goroutine working state: a fake-data generator that is
// reseeded for every value (so a fake depends only on its value, never on
// what was masked before) and reusable buffers.
type Scratch struct {
	pcg   *rand.PCG
	faker *gofakeit.Faker
	memos map[*Cell]*memo
	// ways caches memos by Cell.way: a map lookup per value was 3% of a
	// live run's CPU.
	ways [256]struct {
		c *Cell
		m *memo
	}
	seed maphash.Seed
}

// NewScratch returns scratch state for one goroutine.
func NewScratch() *Scratch {
	pcg := rand.NewPCG(0, 0)
	return &Scratch{pcg: pcg, faker: gofakeit.NewFaker(pcg, false), memos: map[*Cell]*memo{}, seed: maphash.MakeSeed()}
}

// memo remembers a cell's most recent outputs. Masking is a pure function
// and columns repeat values — foreign keys above all, but also IPs of one
// session, a customer's city — so a repeat costs a hash and a compare
// instead of the keyed crypto and fake generation. A column whose values
// rarely repeat (emails, card numbers) gains nothing and pays for every
// miss (a hash, a cache miss, two copies), so it bypasses the memo after a
// window with few hits, for memoBypass values, then tries again.
type memo struct {
	seen, hits int // in the current window
	bypass     int // values left to mask without the memo
	slots      [memoSlots]memoSlot
}

type memoSlot struct {
	used    bool
	in, out []byte
}

const (
	memoSlots    = 1 << 10
	memoMaxValue = 128 // longer values (free text) rarely repeat
	memoWindow   = 1024
	memoMinHits  = memoWindow / 8
	memoBypass   = 64 * memoWindow
)

// use reports whether the next value goes through the memo.
func (m *memo) use() bool {
	if m.bypass > 0 {
		m.bypass--
		return false
	}
	return true
}

// count records one lookup.
func (m *memo) count(hit bool) {
	m.seen++
	if hit {
		m.hits++
	}
	if m.seen == memoWindow {
		if m.hits < memoMinHits {
			m.bypass = memoBypass
		}
		m.seen, m.hits = 0, 0
	}
}

func (s *Scratch) memo(c *Cell) *memo {
	w := &s.ways[c.way]
	if w.c == c {
		return w.m
	}
	m := s.memos[c]
	if m == nil {
		m = new(memo)
		s.memos[c] = m
	}
	w.c, w.m = c, m
	return m
}

// Faker returns the fake-data generator seeded from the keyed hash of value:
// the same (key, value) always draws the same fakes.
func (s *Scratch) Faker(k *Key, value []byte) *gofakeit.Faker {
	sum := k.Sum(value)
	s.pcg.Seed(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16]))
	return s.faker
}
