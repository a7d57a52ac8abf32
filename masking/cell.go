package masking

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"sync/atomic"
)

// Cell applies a masker to one column: NULL handling, arrays element by
// element, and verification of the column's regular-expression CHECKs.
type Cell struct {
	m      Masker
	col    *Column
	filler NullFiller
	null   bool
	way    uint8 // where a Scratch caches the cell's memo
}

// cellWays numbers cells as they are made, so that up to 256 cells made
// one after the other (a run's) never share a way.
var cellWays atomic.Uint32

// Wrap returns the Cell for m on col.
func Wrap(m Masker, col *Column) *Cell {
	c := &Cell{m: m, col: col, way: uint8(cellWays.Add(1))}
	c.filler, _ = m.(NullFiller)
	_, c.null = m.(Nuller)
	return c
}

// Masker returns the wrapped masker.
func (c *Cell) Masker() Masker { return c.m }

// Column returns the column the cell was built for.
func (c *Cell) Column() *Column { return c.col }

// Apply masks one value. null says the input is NULL; outNull says the
// output is.
func (c *Cell) Apply(s *Scratch, dst, value []byte, null bool) (out []byte, outNull bool, err error) {
	if c.null {
		return dst, true, nil
	}
	if null {
		if c.filler == nil {
			return dst, true, nil
		}
		out, outNull = c.filler.MaskNull(s, dst)
		return out, outNull, nil
	}
	var slot *memoSlot
	if len(value) <= memoMaxValue {
		if m := s.memo(c); m.use() {
			slot = &m.slots[maphash.Bytes(s.seed, value)&(memoSlots-1)]
			hit := slot.used && bytes.Equal(slot.in, value)
			m.count(hit)
			if hit {
				return append(dst, slot.out...), false, nil
			}
		}
	}
	start := len(dst)
	if c.col.Array {
		out, err = c.maskArray(s, dst, value)
	} else {
		out, err = c.m.Mask(s, dst, value)
	}
	if err != nil {
		return dst, false, err
	}
	if len(out)-start > OutputLimit(len(value)) {
		return dst, false, errTooLarge
	}
	if !c.col.Array {
		if err := c.Verify(out[start:]); err != nil {
			return dst, false, err
		}
	}
	if slot != nil {
		slot.used = true
		slot.in = append(slot.in[:0], value...)
		slot.out = append(slot.out[:0], out[start:]...)
	}
	return out, false, nil
}

// Verify checks a masked (non-array) value against the column's regular
// expression CHECKs; row maskers' outputs go through it too.
func (c *Cell) Verify(value []byte) error {
	for _, ch := range c.col.Checks {
		if !ch.Re.Match(value) {
			return &CheckError{Check: ch.Name}
		}
	}
	if r := c.col.Range; r != nil && !r.containsText(value) {
		return &CheckError{Check: r.Checks}
	}
	return nil
}

// CheckError is a masked value that would violate a CHECK of its column.
type CheckError struct{ Check string }

func (e *CheckError) Error() string {
	return fmt.Sprintf("the masked value would violate CHECK constraint %s; choose a masker that keeps the format", e.Check)
}

// OutputLimit bounds the masked value of an n-byte input: no masker needs
// more, and a rule that would (a regex_replace matching the empty string
// everywhere) must not turn a row into gigabytes.
func OutputLimit(n int) int { return 16*n + 4096 }

var errTooLarge = errors.New("the masked value would be more than 16 times the size of the original; check the rule (a regex_replace pattern that matches the empty string?)")

// errNotArray is returned for an array column value that is not an array literal.
var errNotArray = errors.New("value is not an array literal")

// maskArray masks each element of an array literal ({a,"b c",NULL}).
func (c *Cell) maskArray(s *Scratch, dst, value []byte) ([]byte, error) {
	return walkArray(dst, value, func(dst, elem []byte) ([]byte, error) {
		start := len(dst)
		out, err := c.m.Mask(s, dst, elem)
		if err != nil {
			return dst, err
		}
		return out, c.Verify(out[start:])
	})
}
