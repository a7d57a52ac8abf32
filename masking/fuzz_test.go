package masking

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// FuzzMaskers drives every conformance case's masker (every registered
// masker, on each column type its cases cover) over arbitrary input and
// checks the contract of masker.go: no panic; an error never quotes the
// value; a result is deterministic, fits the column (type, typmod, regular
// expression and range CHECKs) and, for the maskers that promise it, differs
// from the input. The seeds are every conformance value, so `go test` runs
// them all as unit tests; the inputs it found are committed under
// testdata/fuzz/FuzzMaskers and run likewise (a timestamptz given as a
// bare date, a date past year 9999, a float beyond float8's range: each
// showed the contract check, fits, stricter than PostgreSQL). Longer runs:
// make fuzz.
func FuzzMaskers(f *testing.F) {
	for i, cc := range conformanceCases {
		for _, v := range cc.values {
			f.Add(uint16(i), v)
		}
	}
	f.Fuzz(func(t *testing.T, which uint16, v string) {
		cc := &conformanceCases[int(which)%len(conformanceCases)]
		m, err := fuzzMasker(int(which) % len(conformanceCases))
		if err != nil {
			t.Fatalf("build %s: %v", cc.spec.Label(), err)
		}
		out, null, err := apply(m, cc.col, NewScratch(), v)
		if err != nil {
			if len(v) >= 6 && strings.Contains(err.Error(), v) {
				t.Fatalf("%s: the error quotes the value: %v", cc.spec.Label(), err)
			}
			return
		}
		again, null2, err := apply(m, cc.col, NewScratch(), v)
		if err != nil || again != out || null2 != null {
			t.Fatalf("%s: not deterministic for %q: %q then %q (%v)", cc.spec.Label(), v, out, again, err)
		}
		if null {
			return
		}
		// A value the column could not have held (invalid UTF-8, NUL, out
		// of its type or CHECKs) need only not crash the masker.
		if !utf8.ValidString(v) || fits(cc.col, v) != nil {
			return
		}
		if err := fits(cc.col, out); err != nil {
			t.Fatalf("%s on %s: %q became %q, which does not fit: %v", cc.spec.Label(), cc.col.TypeName(), v, out, err)
		}
		if out == v && promisesChange(cc, v) {
			t.Fatalf("%s on %s: %q echoed", cc.spec.Label(), cc.col.TypeName(), v)
		}
	})
}

var fuzzMaskers sync.Map // case index → Masker

func fuzzMasker(i int) (Masker, error) {
	if m, ok := fuzzMaskers.Load(i); ok {
		return m.(Masker), nil
	}
	cc := &conformanceCases[i]
	spec := cc.spec
	m, err := Build(&spec, cc.col, testOptions("fuzz"))
	if err != nil {
		return nil, err
	}
	fuzzMaskers.Store(i, m)
	return m, nil
}

// promisesChange reports whether a masker documents that it never returns
// v itself (the others list their exemptions on the masker).
func promisesChange(cc *conformanceCase, v string) bool {
	if cc.col.Array || slices.Contains(cc.exempt, "echo") {
		return false
	}
	switch cc.spec.Name {
	case "postcode", "iban":
		return strings.IndexFunc(v, func(r rune) bool { c, _ := charClass(byte(r)); return r < 128 && c != 0 }) >= 0
	case "number_noise":
		if isZero([]byte(v)) || cc.col.Range != nil {
			return false // zero is kept; a range may allow only v
		}
		switch v {
		case "NaN", "Infinity", "-Infinity", "inf", "-inf", "infinity", "-infinity", "+inf", "+infinity":
			return false
		}
		return true
	case "date_shift":
		return v != "infinity" && v != "-infinity"
	}
	return false
}
