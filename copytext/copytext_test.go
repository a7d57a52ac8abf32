package copytext

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		row  string
		want []string
	}{
		{"", []string{""}},
		{"a", []string{"a"}},
		{"a\tb\t\\N", []string{"a", "b", `\N`}},
		{"\t\t", []string{"", "", ""}},
		{"a\\\tb\tc", []string{"a\\\tb", "c"}},       // escaped tab is data
		{"a\\\\\tb", []string{`a\\`, "b"}},           // escaped backslash, then a separator
		{"a\\\\\\\tb", []string{"a\\\\\\\tb"}},       // \\ then \<tab>
		{"x\t\\\tb\tc", []string{"x", "\\\tb", "c"}}, // escape at field start
	}
	for _, c := range cases {
		got := Split(nil, []byte(c.row))
		if len(got) != len(c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.row, got, c.want)
			continue
		}
		for i := range got {
			if string(got[i]) != c.want[i] {
				t.Errorf("Split(%q)[%d] = %q, want %q", c.row, i, got[i], c.want[i])
			}
		}
		if n := Count([]byte(c.row)); n != len(c.want) {
			t.Errorf("Count(%q) = %d, want %d", c.row, n, len(c.want))
		}
	}
}

func TestDecode(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`plain`, "plain"},
		{`a\tb\nc\\d`, "a\tb\nc\\d"},
		{`\b\f\r\v`, "\b\f\r\v"},
		{`\101\1012`, "AA2"},
		{`\7`, "\a"},
		{`\x41\x4a\x4`, "AJ\x04"},
		{`\xg`, "xg"},
		{`\N-in-text`, "N-in-text"},
		{`\.`, "."},
		{`\q`, "q"},
		{`caf\303\251`, "café"},
		{`\xe2\x9c\x93`, "✓"},
		{"crème 🎉", "crème 🎉"},
	}
	for _, c := range cases {
		got, err := Decode(nil, []byte(c.raw))
		if err != nil {
			t.Errorf("Decode(%q): %v", c.raw, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("Decode(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, raw := range []string{`abc\`, `\0`, `\000`, `\x00`, `a\x0`, `\303`, `\xff\xfe`} {
		_, err := Decode(nil, []byte(raw))
		var ee *EscapeError
		if !errors.As(err, &ee) {
			t.Errorf("Decode(%q) error = %v, want *EscapeError", raw, err)
		}
	}
}

func TestEncode(t *testing.T) {
	cases := []struct{ value, want string }{
		{"plain", "plain"},
		{"tab\there", `tab\there`},
		{"line\nbreak\r\n", `line\nbreak\r\n`},
		{`back\slash`, `back\\slash`},
		{`\N`, `\\N`},
		{"\b\f\v", `\b\f\v`},
		{"emoji 🎉 ü", "emoji 🎉 ü"},
	}
	for _, c := range cases {
		if got := Encode(nil, []byte(c.value)); string(got) != c.want {
			t.Errorf("Encode(%q) = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestEndsInBackslash(t *testing.T) {
	for row, want := range map[string]bool{`a\`: true, `a\\`: false, `a\\\`: true, `a`: false, ``: false} {
		if got := EndsInBackslash([]byte(row)); got != want {
			t.Errorf("EndsInBackslash(%q) = %v, want %v", row, got, want)
		}
	}
}

func FuzzDecodeEncode(f *testing.F) {
	for _, s := range []string{"", "plain", `a\tb`, `\N`, `\x41\101`, "tab\there", `\\`, `\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Whatever the input, decoding never panics; a decoded value encodes
		// to text that decodes back to the same value.
		v, err := Decode(nil, raw)
		if err != nil {
			return
		}
		enc := Encode(nil, v)
		back, err := Decode(nil, enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)) failed: %v", v, err)
		}
		if !bytes.Equal(back, v) {
			t.Fatalf("round trip of %q gave %q", v, back)
		}
		if bytes.IndexByte(enc, '\t') >= 0 || bytes.IndexByte(enc, '\n') >= 0 {
			t.Fatalf("Encode(%q) = %q holds a raw tab or newline", v, enc)
		}
	})
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", "a\tb", "a\\\tb\tc", "\\\\\t\\N", "\t\t\t"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, row []byte) {
		fields := Split(nil, row)
		if len(fields) != Count(row) {
			t.Fatalf("Split gives %d fields, Count %d, for %q", len(fields), Count(row), row)
		}
		if joined := bytes.Join(fields, []byte{'\t'}); !bytes.Equal(joined, row) {
			t.Fatalf("fields of %q do not join back: %q", row, joined)
		}
		// Encoding values and joining them gives a row that splits back.
		enc := make([][]byte, len(fields))
		for i, f := range fields {
			enc[i] = Encode(nil, f)
		}
		again := Split(nil, bytes.Join(enc, []byte{'\t'}))
		if len(again) != len(fields) {
			t.Fatalf("encoded fields of %q split into %d, want %d", row, len(again), len(fields))
		}
	})
}

func BenchmarkSplit(b *testing.B) {
	row := []byte("12345\tJohn\tSmith\tjohn.smith@example.com\t+44 20 7946 0958\t2021-03-04 05:06:07+00\t\\N\tsome longer free text field with words")
	var dst [][]byte
	b.SetBytes(int64(len(row)))
	for b.Loop() {
		dst = Split(dst[:0], row)
	}
}

func TestSplitN(t *testing.T) {
	row := []byte("a\tb\\\tc\td\te")
	for n, want := range map[int][]string{
		1: {"a\tb\\\tc\td\te"},
		2: {"a", "b\\\tc\td\te"},
		3: {"a", "b\\\tc", "d\te"},
		4: {"a", "b\\\tc", "d", "e"},
		9: {"a", "b\\\tc", "d", "e"},
	} {
		got := SplitN(nil, row, n)
		if len(got) != len(want) {
			t.Fatalf("SplitN(%d) = %q, want %q", n, got, want)
		}
		for i := range got {
			if string(got[i]) != want[i] {
				t.Fatalf("SplitN(%d) = %q, want %q", n, got, want)
			}
		}
	}
}

func TestEscapeErrorOffset(t *testing.T) {
	_, err := Decode(nil, []byte(`ab\tcd\000`))
	var ee *EscapeError
	if !errors.As(err, &ee) || ee.Offset != 6 {
		t.Fatalf("error %v, want an EscapeError at byte 6", err)
	}
}

func TestIsNull(t *testing.T) {
	for field, want := range map[string]bool{
		`\N`: true, ``: false, `N`: false, `\`: false, `\n`: false, `xN`: false, `\\`: false,
		`\NN`: false, `\\N`: false, `N\`: false, "\\N\t": false,
	} {
		if got := IsNull([]byte(field)); got != want {
			t.Errorf("IsNull(%q) = %v, want %v", field, got, want)
		}
	}
}

// TestDecodeEscapeLengths pins where octal and hex escapes end: at most
// three octal digits (any of 0-7, including a later 7) and at most two hex
// digits, stopping early at the end of the field or a non-digit.
func TestDecodeEscapeLengths(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`\17`, "\x0f"},
		{`\077`, "?"},
		{`\1777`, "\x7f7"},
		{`\778`, "?8"},
		{`\7a`, "\aa"},
		{`\x`, "x"},
		{`a\x`, "ax"},
		{`\x7`, "\x07"},
		{`\x7f`, "\x7f"},
		{`\x7fA`, "\x7fA"},
		{`\x4z`, "\x04z"},
		{`\xA`, "\n"},
		{`\\x41`, `\x41`},
		{`\a`, "a"},
	}
	for _, c := range cases {
		got, err := Decode([]byte("pre:"), []byte(c.raw))
		if err != nil {
			t.Errorf("Decode(%q): %v", c.raw, err)
			continue
		}
		if string(got) != "pre:"+c.want {
			t.Errorf("Decode(%q) = %q, want %q", c.raw, got[4:], c.want)
		}
	}
}

func TestDecodeErrorDetails(t *testing.T) {
	cases := []struct {
		raw    string
		offset int
		reason string
	}{
		{`abc\`, 3, "backslash at end of field"},
		{`\`, 0, "backslash at end of field"},
		{`ab\0`, 2, "escape produces a NUL byte"},
		{`a\400`, 1, "escape produces a NUL byte"}, // 0o400 & 0xff == 0
		{`xy\x0`, 2, "escape produces a NUL byte"},
		{`x\x00`, 1, "escape produces a NUL byte"},
		{`ok\303`, 0, "escapes produce invalid UTF-8"},
		{`\xc3`, 0, "escapes produce invalid UTF-8"},
	}
	for _, c := range cases {
		// A non-empty dst: only the field's own bytes are checked for UTF-8.
		_, err := Decode([]byte("\xff"), []byte(c.raw))
		var ee *EscapeError
		if !errors.As(err, &ee) || ee.Offset != c.offset || ee.Reason != c.reason {
			t.Errorf("Decode(%q) error = %v, want offset %d: %s", c.raw, err, c.offset, c.reason)
			continue
		}
		if want := fmt.Sprintf("invalid escape at byte %d of the field: %s", c.offset, c.reason); err.Error() != want {
			t.Errorf("Decode(%q) error text %q, want %q", c.raw, err.Error(), want)
		}
	}
	// Invalid UTF-8 already in dst, or raw bytes in the field that no
	// escape produced, are not the decoder's concern.
	if got, err := Decode([]byte("\xff"), []byte(`a\x41`)); err != nil || string(got) != "\xffaA" {
		t.Errorf("Decode after invalid dst = %q, %v", got, err)
	}
	if got, err := Decode(nil, []byte("\xff\\t")); err != nil || string(got) != "\xff\t" {
		t.Errorf("Decode of raw invalid bytes = %q, %v", got, err)
	}
}
