package dump

import "testing"

func TestParseSetval(t *testing.T) {
	for _, c := range []struct {
		defn string
		name string
		v    SequenceValue
		ok   bool
	}{
		{"--\n-- Name: s; Type: SEQUENCE SET\n--\n\nSELECT pg_catalog.setval('public.s', 42, true);\n", "public.s", SequenceValue{42, true}, true},
		{"SELECT pg_catalog.setval('public.\"Odd''s\"', 1, false);", `public."Odd's"`, SequenceValue{1, false}, true},
		{"select setval('s', -7);", "s", SequenceValue{-7, true}, true},
		{"SELECT 1;", "", SequenceValue{}, false},
	} {
		name, v, ok := ParseSetval([]byte(c.defn))
		if name != c.name || v != c.v || ok != c.ok {
			t.Errorf("%q: %q %+v %v", c.defn, name, v, ok)
		}
	}
}

func TestAppendSetval(t *testing.T) {
	v := SequenceValue{Value: -3, Called: false}
	for _, tc := range []struct{ defn, want string }{
		{"\nSELECT pg_catalog.setval('public.s', 42, true);\n\n", "\nSELECT pg_catalog.setval('public.s', -3, false);\n\n"},
		{"SELECT setval('public.s', 42 );", "SELECT setval('public.s', -3, false );"},
		{"SELECT setval('a', 1, true);\nSELECT SETVAL('b', 2, TRUE ) ;", "SELECT setval('a', 1, true);\nSELECT SETVAL('b', -3, false ) ;"},
	} {
		got, ok := AppendSetval([]byte("x"), []byte(tc.defn), v)
		if !ok || string(got) != "x"+tc.want {
			t.Errorf("AppendSetval(%q) = %q, %v; want %q", tc.defn, got, ok, "x"+tc.want)
		}
	}
	if got, ok := AppendSetval([]byte("x"), []byte("SELECT 1;"), v); ok || string(got) != "x" {
		t.Errorf("no setval: %q, %v", got, ok)
	}
}
