package masking

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/brianvoe/gofakeit/v7"
)

// Scratch is per-goroutine working state: a fake-data generator that is
// reseeded for every value (so a fake depends only on its value, never on
// what was masked before) and reusable buffers.
type Scratch struct {
	pcg   *rand.PCG
	faker *gofakeit.Faker
	buf   []byte
	elems [][]byte
	nulls []bool
}

// NewScratch returns scratch state for one goroutine.
func NewScratch() *Scratch {
	pcg := rand.NewPCG(0, 0)
	return &Scratch{pcg: pcg, faker: gofakeit.NewFaker(pcg, false)}
}

// Faker returns the fake-data generator seeded from the keyed hash of value:
// the same (key, value) always draws the same fakes.
func (s *Scratch) Faker(k *Key, value []byte) *gofakeit.Faker {
	sum := k.Sum(value)
	s.pcg.Seed(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16]))
	return s.faker
}
