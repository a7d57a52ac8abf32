package masking

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestHashDigits: the output is the hex of Sum2(0, v), then Sum2(1, v), ...
// cut to the length, and bytea gets the \x prefix with two digits a byte.
func TestHashDigits(t *testing.T) {
	opts := testOptions("s")
	v := []byte("someone@example.org")
	for _, tc := range []struct {
		length int64
		col    *Column
	}{
		{1, col(CatText, "text")},
		{15, col(CatText, "text")},
		{16, col(CatText, "text")},
		{63, col(CatText, "text")},
		{64, col(CatText, "text")},
		{65, col(CatText, "text")},
		{200, col(CatText, "text")},
		{1024, col(CatText, "text")},
		{40, col(CatBytea, "bytea")},
	} {
		spec := &Spec{Name: "hash", Params: map[string]any{"length": tc.length}}
		m := mustBuild(t, spec, tc.col, opts)
		k := opts.Secret.Key(spec.Label())
		var want strings.Builder
		for block := 0; want.Len() < 2048; block++ {
			sum := k.Sum2(byte(block), v)
			want.WriteString(hex.EncodeToString(sum[:]))
		}
		n := int(tc.length)
		prefix := ""
		if tc.col.Category == CatBytea {
			n, prefix = 2*n, `\x`
		}
		got, _ := maskString(t, m, tc.col, string(v))
		if got != prefix+want.String()[:n] {
			t.Errorf("hash length %d on %s = %q, want %q", tc.length, tc.col.TypeName(), got, prefix+want.String()[:n])
		}
	}
}

func TestHashLengths(t *testing.T) {
	opts := testOptions("s")
	unique := func(c *Column) *Column { c.Unique = true; return c }
	for _, tc := range []struct {
		params map[string]any
		col    *Column
		n      int    // output length, or 0 when Build fails
		err    string // what the error says
	}{
		{nil, col(CatText, "text"), 16, ""},
		{map[string]any{"length": int64(1)}, col(CatText, "text"), 1, ""},
		{map[string]any{"length": int64(0)}, col(CatText, "text"), 0, "between 1 and 1024"},
		{map[string]any{"length": int64(-3)}, col(CatText, "text"), 0, "between 1 and 1024"},
		{map[string]any{"length": int64(1024)}, col(CatText, "text"), 1024, ""},
		{map[string]any{"length": int64(1025)}, col(CatText, "text"), 0, "between 1 and 1024"},
		// The column's length caps the default, but not an explicit length.
		{nil, col(CatText, "varchar", 10), 10, ""},
		{nil, col(CatText, "varchar", 16), 16, ""},
		{nil, col(CatText, "varchar", 17), 16, ""},
		{map[string]any{"length": int64(10)}, col(CatText, "varchar", 10), 10, ""},
		{map[string]any{"length": int64(11)}, col(CatText, "varchar", 10), 0, "does not fit character varying(10)"},
		// bytea counts bytes.
		{nil, col(CatBytea, "bytea"), 2 + 32, ""},
		{map[string]any{"length": int64(1024)}, col(CatBytea, "bytea"), 2 + 2048, ""},
		// Unique columns need 16 hex digits.
		{nil, unique(col(CatText, "text")), 16, ""},
		{map[string]any{"length": int64(15)}, unique(col(CatText, "text")), 0, "could collide; use at least 16"},
		{nil, unique(col(CatText, "varchar", 15)), 0, "could collide"},
		{nil, unique(col(CatText, "varchar", 16)), 16, ""},
		{map[string]any{"length": int64(8)}, unique(col(CatBytea, "bytea")), 2 + 16, ""},
		{map[string]any{"length": int64(7)}, unique(col(CatBytea, "bytea")), 0, "14 hex digits could collide"},
	} {
		spec := &Spec{Name: "hash", Params: tc.params}
		m, err := Build(spec, tc.col, opts)
		if tc.n == 0 {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s on %s: error %v, want one saying %q", spec.Label(), tc.col.TypeName(), err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s on %s: %v", spec.Label(), tc.col.TypeName(), err)
			continue
		}
		if out, _ := maskString(t, m, tc.col, "value"); len(out) != tc.n {
			t.Errorf("%s on %s: %d characters (%q), want %d", spec.Label(), tc.col.TypeName(), len(out), out, tc.n)
		}
	}
	for _, c := range []*Column{col(CatInt, "int4"), col(CatUUID, "uuid"), col(CatJSON, "jsonb")} {
		if _, err := Build(&Spec{Name: "hash"}, c, opts); err == nil || !strings.Contains(err.Error(), "hex text or bytea") {
			t.Errorf("hash on %s: %v", c.TypeName(), err)
		}
	}
}
