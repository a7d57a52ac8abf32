package pipeline

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"

	"github.com/understudy-db/understudy/schema"
)

// setvalRe matches pg_dump's sequence-setting statement.
var setvalRe = regexp.MustCompile(`(?is)SELECT\s+(?:pg_catalog\.)?setval\(\s*'((?:[^']|'')+)'\s*,\s*(-?[0-9]+)\s*(,\s*(?:true|false)\s*)?\)\s*;`)

// isSetval reports whether a statement sets a sequence.
func isSetval(text []byte) bool {
	return len(text) >= 6 && bytes.EqualFold(text[:6], []byte("SELECT")) && setvalRe.Match(text)
}

// SequenceError is a sequence that cannot be kept clear of the masked keys
// it feeds: loading the dump would fail, or the first insert collide.
type SequenceError struct {
	File     string
	Line     int
	Sequence schema.QName
	Msg      string
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("%s:%d: sequence %s: %s", e.File, e.Line, e.Sequence, e.Msg)
}

// setval rewrites a sequence's value so that it hands out values clear of
// the masked keys it feeds: hash_id may move a key past the original
// maximum (or, for a descending sequence, below the minimum). Other
// statements, and sequences already clear, pass through unchanged.
func (wr *writer) setval(u *unit) ([]byte, error) {
	raw := u.in
	all := setvalRe.FindAllSubmatchIndex(raw, -1)
	if all == nil || u.seq == nil {
		return raw, nil
	}
	sub := all[len(all)-1] // the statement itself follows any comments
	seq := u.seq
	cps := wr.plan.Sequences[seq.Name]
	var lo, hi int64
	seen := false
	for _, cp := range cps {
		if k, ok := wr.keys[cp]; ok {
			if !seen {
				lo, hi, seen = k.lo, k.hi, true
			}
			lo, hi = min(lo, k.lo), max(hi, k.hi)
		}
	}
	cur, err := strconv.ParseInt(string(raw[sub[4]:sub[5]]), 10, 64)
	if err != nil || !seen {
		return raw, nil
	}
	fail := func(format string, a ...any) ([]byte, error) {
		return nil, &SequenceError{File: wr.file, Line: u.line, Sequence: seq.Name, Msg: fmt.Sprintf(format, a...)}
	}
	want := hi
	if seq.Increment < 0 {
		want = lo
	}
	called := sub[6] < 0 || bytes.Contains(bytes.ToLower(raw[sub[6]:sub[7]]), []byte("true"))
	// The next value the original hands out, and the one it must hand out.
	next := cur
	if called {
		next = cur + seq.Increment
	}
	if seq.Increment > 0 && next > want || seq.Increment < 0 && next < want {
		return raw, nil
	}
	if want < seq.Min || want > seq.Max {
		return fail("masked keys reach %d, outside its range %d..%d: widen the sequence (ALTER SEQUENCE … MAXVALUE/MINVALUE) or keep the key", want, seq.Min, seq.Max)
	}
	for _, cp := range cps {
		if c := cp.Cell.Column(); want+seq.Increment > c.IntMax || want+seq.Increment < c.IntMin {
			return fail("masked keys reach %d, so its next value would not fit %s.%s (%s)", want, cp.Table, schema.QuoteIdent(cp.Name), c.Type)
		}
	}
	wr.stmt = append(wr.stmt[:0], raw[:sub[4]]...)
	wr.stmt = strconv.AppendInt(wr.stmt, want, 10)
	if sub[6] >= 0 {
		// is_called must be true: the value itself is taken.
		wr.stmt = append(wr.stmt, ", true"...)
		wr.stmt = append(wr.stmt, raw[sub[7]:]...)
	} else {
		wr.stmt = append(wr.stmt, raw[sub[5]:]...)
	}
	return wr.stmt, nil
}
