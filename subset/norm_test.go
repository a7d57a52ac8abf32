package subset

import (
	"strings"
	"testing"
)

func TestNormNumber(t *testing.T) {
	for in, want := range map[string]string{
		"42": "42", "-42": "-42", "0": "0", "-0": "0", "+7": "7", "0042": "42", " 42 ": "42",
		"1.0": "1", "1.00": "1", "1.50": "1.5", "0.10": "0.1", ".5": "0.5", "5.": "5", "-0.000": "0",
		"1e+20": "100000000000000000000", "1.5e-07": "0.00000015", "1.25E2": "125", "0.001e3": "1",
		"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "abc": "abc", "": "", "1e99999": "1e99999",
		"12.5e-1": "1.25", "100": "100", "100.0": "100", "-00.0100": "-0.01",
		"1e1001": "1e1001", "1e-1001": "1e-1001", "e5": "e5", ".e5": ".e5",
	} {
		if got := string(normNumber([]byte(in))); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	// The exponent's bounds are inclusive: ±1000 is still written out.
	if got := string(normNumber([]byte("1e1000"))); got != "1"+strings.Repeat("0", 1000) {
		t.Errorf("1e1000: %d bytes", len(got))
	}
	if got := string(normNumber([]byte("1e-1000"))); got != "0."+strings.Repeat("0", 999)+"1" {
		t.Errorf("1e-1000: %d bytes", len(got))
	}
}

func TestNormInterval(t *testing.T) {
	same := [][]string{
		{"1 day", "24:00:00", "1 day 00:00:00"},
		{"1 mon", "30 days", "720:00:00"},
		{"1 year", "12 mons", "360 days"},
		{"-1 days +24:00:00", "00:00:00"},
		{"00:00:00.5", "00:00:00.500000"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if a, b := string(normInterval([]byte(group[0]))), string(normInterval([]byte(s))); a != b {
				t.Errorf("%q → %q, %q → %q", group[0], a, s, b)
			}
		}
	}
	if a, b := string(normInterval([]byte("1 day"))), string(normInterval([]byte("1 day 00:00:01"))); a == b {
		t.Errorf("different intervals alike: %q", a)
	}
	if got := string(normInterval([]byte("P1D"))); got != "P1D" {
		t.Errorf("P1D → %q", got)
	}
}

func TestNormUUID(t *testing.T) {
	want := "a0eebc999c0b4ef8bb6d6bb9bd380a11"
	for _, in := range []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11"} {
		if got := string(normUUID([]byte(in))); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
	if got := string(normUUID([]byte("not-a-uuid"))); got != "not-a-uuid" {
		t.Errorf("%q", got)
	}
}

func TestNormTimestamptz(t *testing.T) {
	want := "2024-01-01 00:44:31.936228Z"
	for _, in := range []string{"2024-01-01 00:44:31.936228+00", "2024-01-01 09:44:31.936228+09", "2023-12-31 19:14:31.936228-05:30", "2024-01-01 00:44:31.936228+00:00:00", "2024-01-01 06:15:46.936228+05:31:15", "2023-12-31 18:13:16.936228-06:31:15"} {
		if got := string(normTimestamptz([]byte(in))); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
	for _, in := range []string{"infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "294276-12-31 23:59:59+00", "2024-01-01"} {
		if got := string(normTimestamptz([]byte(in))); got != in {
			t.Errorf("%q changed to %q", in, got)
		}
	}
}
