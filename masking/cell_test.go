package masking

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// upperElems is a walkArray callback that upper-cases each element and
// records what it was given.
func upperElems(seen *[]string) func(dst, elem []byte) ([]byte, error) {
	return func(dst, elem []byte) ([]byte, error) {
		*seen = append(*seen, string(elem))
		if string(elem) == "fail" {
			return append(dst, "partial output"...), errors.New("element failed")
		}
		return append(dst, bytes.ToUpper(elem)...), nil
	}
}

func TestWalkArray(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		elems   []string
	}{
		{`{}`, `{}`, nil},
		{`{a,b}`, `{A,B}`, []string{"a", "b"}},
		{`{{a,b},{c}}`, `{{A,B},{C}}`, []string{"a", "b", "c"}},
		{`[1:2]={a,b}`, `[1:2]={A,B}`, []string{"a", "b"}},
		{`[0:1][1:1]={{x},{y}}`, `[0:1][1:1]={{X},{Y}}`, []string{"x", "y"}},
		{`{ a , b }`, `{ A, B}`, []string{"a", "b"}},
		{`{NULL,null,"NULL",nullx}`, `{NULL,NULL,"NULL",NULLX}`, []string{"NULL", "nullx"}},
		{`{"a b","c\"d","e\\f",""}`, `{"A B","C\"D","E\\F",""}`, []string{"a b", `c"d`, `e\f`, ""}},
		{`{a\,b,c\"d,e\\f}`, `{"A,B","C\"D","E\\F"}`, []string{"a,b", `c"d`, `e\f`}},
		{`{"a\\"}`, `{"A\\"}`, []string{`a\`}},
		// Unterminated literals (never in a dump) end with the value; a
		// backslash with nothing after it is data.
		{`{a\}`, `{"A}"`, []string{"a}"}},
		{`{ab\`, `{"AB\\"`, []string{`ab\`}},
		{`{"{x}"}`, `{"{X}"}`, []string{"{x}"}},
	} {
		var seen []string
		got, err := walkArray([]byte("pre:"), []byte(tc.in), upperElems(&seen))
		if err != nil || string(got) != "pre:"+tc.out || fmt.Sprint(seen) != fmt.Sprint(tc.elems) {
			t.Errorf("walkArray(%q) = %q, %v with elements %q; want %q with %q", tc.in, got, err, seen, "pre:"+tc.out, tc.elems)
		}
	}
}

func TestWalkArrayErrors(t *testing.T) {
	for _, in := range []string{``, `a`, `"a"`, `[1:2]`, `[1:2]{a}`, `[1:2]=`, `[1:2]=a`, `{"a`, `{"a\"}`, `{a,"b`, `{"ab\`} {
		var seen []string
		got, err := walkArray([]byte("pre:"), []byte(in), upperElems(&seen))
		if !errors.Is(err, errNotArray) {
			t.Errorf("walkArray(%q) = %q, %v; want errNotArray", in, got, err)
		}
		if !bytes.HasPrefix(got, []byte("pre:")) {
			t.Errorf("walkArray(%q) lost dst: %q", in, got)
		}
	}
	// An element's error ends the walk with what was written before it.
	var seen []string
	got, err := walkArray([]byte("pre:"), []byte(`{a,fail,c}`), upperElems(&seen))
	if err == nil || err.Error() != "element failed" || string(got) != "pre:{A," || len(seen) != 2 {
		t.Errorf("failing element: %q, %v after %q", got, err, seen)
	}
}

func TestQuoteElem(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"abc", "abc"},
		{"", `""`},
		{"NULL", `"NULL"`},
		{"Null", `"Null"`},
		{"NULLS", "NULLS"},
		{"a{b", `"a{b"`},
		{"a}b", `"a}b"`},
		{"a,b", `"a,b"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a b", `"a b"`},
		{"a\tb", "\"a\tb\""},
		{"a\nb", "\"a\nb\""},
		{"a\rb", "\"a\rb\""},
		{"a\vb", "\"a\vb\""},
		{"a\fb", "\"a\fb\""},
		{"é-ü_1.2", "é-ü_1.2"},
	} {
		dst := []byte("{x,")
		got := quoteElem(append(dst, tc.in...), len(dst))
		if string(got) != "{x,"+tc.out {
			t.Errorf("quoteElem(%q) = %q, want %q", tc.in, got[3:], tc.out)
		}
	}
}

// countingMasker echoes "m:" and its input, counting calls.
type countingMasker struct {
	calls *int
	out   func(value []byte) []byte
}

func (m countingMasker) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	*m.calls++
	if m.out != nil {
		return append(dst, m.out(value)...), nil
	}
	return append(append(dst, "m:"...), value...), nil
}

// TestCellMemo: values up to 128 bytes are remembered per cell, longer
// ones are masked every time, and a slot shared by two values never gives
// one the other's output.
func TestCellMemo(t *testing.T) {
	calls := 0
	c := col(CatText, "text")
	cell := Wrap(&countingMasker{calls: &calls}, c)
	s := NewScratch()
	for _, n := range []int{0, 1, 127, 128, 129, 1000} {
		v := strings.Repeat("v", n)
		calls = 0
		for range 3 {
			out, null, err := cell.Apply(s, []byte("dst:"), []byte(v), false)
			if err != nil || null || string(out) != "dst:m:"+v {
				t.Fatalf("%d bytes: %q, %v, %v", n, out, null, err)
			}
		}
		want := 1
		if n > memoMaxValue {
			want = 3
		}
		if calls != want {
			t.Errorf("%d-byte value masked %d times in 3 calls, want %d", n, calls, want)
		}
	}
	// Many values: slots are shared, outputs stay right.
	for round := range 2 {
		for i := range 4 * memoSlots {
			v := fmt.Sprint(i)
			out, _, err := cell.Apply(s, nil, []byte(v), false)
			if err != nil || string(out) != "m:"+v {
				t.Fatalf("round %d: %q gave %q, %v", round, v, out, err)
			}
		}
	}
	// Another cell on the same scratch has its own memo.
	other := Wrap(&countingMasker{calls: &calls, out: func(v []byte) []byte { return append([]byte("o:"), v...) }}, c)
	if out, _, _ := other.Apply(s, nil, []byte("1"), false); string(out) != "o:1" {
		t.Errorf("second cell gave %q", out)
	}
	if out, _, _ := cell.Apply(s, nil, []byte("1"), false); string(out) != "m:1" {
		t.Errorf("first cell then gave %q", out)
	}
}

// Two cells in one way of a Scratch's cache keep their own memos.
func TestCellMemoWays(t *testing.T) {
	calls := 0
	a := Wrap(&countingMasker{calls: &calls}, col(CatText, "text"))
	b := Wrap(&countingMasker{calls: &calls, out: func(v []byte) []byte { return append([]byte("b:"), v...) }}, col(CatText, "text"))
	b.way = a.way
	s := NewScratch()
	for range 3 {
		for _, c := range []struct {
			cell *Cell
			want string
		}{{a, "m:1"}, {b, "b:1"}} {
			if out, _, _ := c.cell.Apply(s, nil, []byte("1"), false); string(out) != c.want {
				t.Fatalf("%q, want %q", out, c.want)
			}
		}
	}
	if calls != 2 {
		t.Errorf("%d calls for one value in two cells, want 2", calls)
	}
}

// A cell whose values rarely repeat masks without the memo for a while
// after a window of misses, then tries it again; outputs never change.
func TestCellMemoBypass(t *testing.T) {
	calls := 0
	cell := Wrap(&countingMasker{calls: &calls}, col(CatText, "text"))
	s := NewScratch()
	apply := func(v string) {
		t.Helper()
		if out, _, err := cell.Apply(s, nil, []byte(v), false); err != nil || string(out) != "m:"+v {
			t.Fatalf("%q gave %q, %v", v, out, err)
		}
	}
	for i := range memoWindow {
		apply(fmt.Sprint("u", i))
	}
	calls = 0
	for range memoBypass {
		apply("same")
	}
	if calls != memoBypass {
		t.Fatalf("bypassing: %d calls for %d values, want one each", calls, memoBypass)
	}
	// Back on the memo: a window of repeats keeps it there.
	calls = 0
	for range 2 * memoWindow {
		apply("same")
	}
	if calls != 1 {
		t.Fatalf("after the bypass: %d calls for one repeated value, want 1", calls)
	}
}

func TestOutputLimit(t *testing.T) {
	for n, want := range map[int]int{0: 4096, 1: 4112, 10: 4256, 1000: 20096} {
		if got := OutputLimit(n); got != want {
			t.Errorf("OutputLimit(%d) = %d, want %d", n, got, want)
		}
	}
	calls := 0
	for _, tc := range []struct {
		in    string
		extra int // output bytes beyond the limit
		array bool
	}{
		{"abc", 0, false},
		{"abc", 1, false},
		{"", 0, false},
		{"", 1, false},
		{"{abc}", 0, true},
		{"{abc}", 1, true},
	} {
		c := col(CatText, "text")
		c.Array = tc.array
		limit := OutputLimit(len(tc.in))
		if tc.array {
			limit -= 2 // the braces
		}
		m := &countingMasker{calls: &calls, out: func([]byte) []byte { return bytes.Repeat([]byte("x"), limit+tc.extra) }}
		out, _, err := Wrap(m, c).Apply(NewScratch(), []byte("prefix"), []byte(tc.in), false)
		if tc.extra == 0 {
			if err != nil || len(out) != len("prefix")+OutputLimit(len(tc.in)) {
				t.Errorf("%q: output of exactly the limit: %d bytes, %v", tc.in, len(out), err)
			}
		} else if !errors.Is(err, errTooLarge) || string(out) != "prefix" {
			t.Errorf("%q: output one byte over the limit: %q..., %v", tc.in, out[:min(len(out), 10)], err)
		}
	}
}

func TestCellApply(t *testing.T) {
	s := NewScratch()
	c := col(CatText, "text")
	// NULL passes through, is filled by a NullFiller, or every value
	// becomes NULL for a Nuller.
	calls := 0
	for _, tc := range []struct {
		m       Masker
		in      string
		null    bool
		out     string
		outNull bool
	}{
		{&countingMasker{calls: &calls}, "", true, "dst", true},
		{&countingMasker{calls: &calls}, "", false, "dstm:", false},
		{&countingMasker{calls: &calls}, "v", false, "dstm:v", false},
		{constMasker{value: []byte("K")}, "", true, "dstK", false},
		{constMasker{value: []byte("K")}, "v", false, "dstK", false},
		{nullMasker{}, "v", false, "dst", true},
		{nullMasker{}, "", true, "dst", true},
	} {
		cell := Wrap(tc.m, c)
		var in []byte
		if !tc.null {
			in = []byte(tc.in)
		}
		out, null, err := cell.Apply(s, []byte("dst"), in, tc.null)
		if err != nil || string(out) != tc.out || null != tc.outNull {
			t.Errorf("%T(%q, null=%v) = %q, %v, %v; want %q, %v", tc.m, tc.in, tc.null, out, null, err, tc.out, tc.outNull)
		}
	}

	cm := &countingMasker{calls: &calls}
	if cell := Wrap(cm, c); cell.Masker() != Masker(cm) || cell.Column() != c {
		t.Error("Wrap does not keep its masker and column")
	}

	// A masker's error leaves dst as it was.
	hid, _ := Build(&Spec{Name: "hash_id"}, col(CatInt, "int4"), testOptions("s"))
	out, null, err := Wrap(hid, col(CatInt, "int4")).Apply(s, []byte("dst"), []byte("x1"), false)
	if !errors.Is(err, errNotInteger) || string(out) != "dst" || null {
		t.Errorf("failing masker: %q, %v, %v", out, null, err)
	}

	// CHECKs are verified on scalars and on every array element.
	checked := col(CatText, "text")
	checked.Checks = []Check{{Name: "starts_with_m", Re: regexp.MustCompile("^m:")}}
	cell := Wrap(&countingMasker{calls: &calls}, checked)
	if out, _, err := cell.Apply(s, []byte("dst"), []byte("a"), false); err != nil || string(out) != "dstm:a" {
		t.Errorf("passing CHECK: %q, %v", out, err)
	}
	upper := Wrap(&countingMasker{calls: &calls, out: bytes.ToUpper}, checked)
	out, _, err = upper.Apply(s, []byte("dst"), []byte("a"), false)
	var ce *CheckError
	if !errors.As(err, &ce) || ce.Check != "starts_with_m" || string(out) != "dst" {
		t.Errorf("failing CHECK: %q, %v", out, err)
	}
	if want := "the masked value would violate CHECK constraint starts_with_m; choose a masker that keeps the format"; err == nil || err.Error() != want {
		t.Errorf("CHECK error text %v", err)
	}
	checked.Array = true
	if out, _, err := cell.Apply(s, nil, []byte("{a,NULL,b}"), false); err != nil || string(out) != "{m:a,NULL,m:b}" {
		t.Errorf("array passing CHECK: %q, %v", out, err)
	}
	if _, _, err := upper.Apply(s, nil, []byte("{a,b}"), false); !errors.As(err, &ce) {
		t.Errorf("array element failing CHECK: %v", err)
	}
	if _, _, err := cell.Apply(s, nil, []byte("a,b"), false); !errors.Is(err, errNotArray) {
		t.Errorf("array column, scalar value: %v", err)
	}
	// The whole array is not checked against the element's CHECK.
	arr := col(CatText, "text")
	arr.Array = true
	arr.Checks = []Check{{Name: "no_braces", Re: regexp.MustCompile("^[^{]*$")}}
	if out, _, err := Wrap(&countingMasker{calls: &calls}, arr).Apply(s, nil, []byte("{a}"), false); err != nil || string(out) != "{m:a}" {
		t.Errorf("array CHECK applied to the literal: %q, %v", out, err)
	}
}
