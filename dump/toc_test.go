package dump

import (
	"slices"
	"testing"
)

func TestTOCComment(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string // name, type, schema, owner; nil: no match
	}{
		{"-- Name: users_pkey; Type: CONSTRAINT; Schema: public; Owner: app", []string{"users_pkey", "CONSTRAINT", "public", "app"}},
		{"-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -", []string{"users", "TABLE DATA", "public", "-"}},
		{"-- Name: t; Type: TABLE; Schema: s; Owner: o; Tablespace: fast", []string{"t", "TABLE", "s", "o"}},
		{"-- Name: x; Type: Constraint; Schema: public", []string{"x", "Constraint", "public", ""}},
		{"-- Name: a; b; Type: FUNCTION; Schema: -; Owner: -", []string{"a; b", "FUNCTION", "-", "-"}},
		{"-- Type: TABLE; Schema: s", nil},
		{"--  Name: t; Type: TABLE; Schema: s", nil},
	} {
		m := TOCComment.FindStringSubmatch("\n" + tc.line + "\nCREATE x;\n")
		var got []string
		if m != nil {
			got = m[1:]
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}
