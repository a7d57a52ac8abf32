package pipeline

import (
	"fmt"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/schema"
)

// SequenceError is a sequence that cannot be kept clear of the masked keys
// it feeds: loading the dump would fail, or the first insert collide.
type SequenceError struct {
	Pos      dump.Pos
	Sequence schema.QName
	Msg      string
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("%s: sequence %s: %s", e.Pos, e.Sequence, e.Msg)
}

func (e *SequenceError) Position() dump.Pos { return e.Pos }

// sequenceValue decides the value a sequence must have after the data, so
// that it hands out values clear of the masked keys it feeds: hash_id may
// move a key past the original maximum (or, for a descending sequence,
// below the minimum). Nil keeps the dump's own value.
func (r *run) sequenceValue(e *dump.Entry) (*dump.SequenceValue, error) {
	cps := r.eng.plan.Sequences[e.Table]
	seq := r.inv.Catalog.Sequences[e.Table]
	if len(cps) == 0 || seq == nil {
		return nil, nil
	}
	_, cur, ok := dump.ParseSetval(e.Defn)
	if !ok {
		return nil, nil
	}
	var lo, hi int64
	seen := false
	r.eng.mu.Lock()
	for _, cp := range cps {
		if k, ok := r.eng.keys[cp]; ok {
			if !seen {
				lo, hi, seen = k.lo, k.hi, true
			}
			lo, hi = min(lo, k.lo), max(hi, k.hi)
		}
	}
	r.eng.mu.Unlock()
	if !seen {
		return nil, nil
	}
	fail := func(format string, a ...any) (*dump.SequenceValue, error) {
		return nil, &SequenceError{Pos: e.Pos, Sequence: e.Table, Msg: fmt.Sprintf(format, a...)}
	}
	want := hi
	if seq.Increment < 0 {
		want = lo
	}
	// The next value the dump's sequence hands out, and the one it must.
	next := cur.Value
	if cur.Called {
		next += seq.Increment
	}
	if seq.Increment > 0 && next > want || seq.Increment < 0 && next < want {
		return nil, nil
	}
	if want < seq.Min || want > seq.Max {
		return fail("masked keys reach %d, outside its range %d..%d: widen the sequence (ALTER SEQUENCE … MAXVALUE/MINVALUE) or keep the key", want, seq.Min, seq.Max)
	}
	for _, cp := range cps {
		if c := cp.Cell.Column(); want+seq.Increment > c.IntMax || want+seq.Increment < c.IntMin {
			return fail("masked keys reach %d, so its next value would not fit %s.%s (%s)", want, cp.Table, schema.QuoteIdent(cp.Name), c.Type)
		}
	}
	return &dump.SequenceValue{Value: want, Called: true}, nil
}
