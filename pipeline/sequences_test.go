package pipeline

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/masking"
)

// seqDump is a table whose id of type colType is fed by a sequence with
// the given options, holding ids, and the sequence's setval arguments.
func seqDump(colType, seqOpts string, ids []int64, setval string) string {
	var rows strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&rows, "%d\n", id)
	}
	return fmt.Sprintf(`CREATE TABLE public.t (
    id %s NOT NULL
);

CREATE SEQUENCE public.t_id_seq
    AS %s
    %s
    CACHE 1;

ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;

ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);

COPY public.t (id) FROM stdin;
%s\.

SELECT pg_catalog.setval('public.t_id_seq', %s);
`, colType, colType, seqOpts, rows.String(), setval)
}

const hashIDRules = "version: 1\ntables:\n  t:\n    id: hash_id\n"

// idMasker returns hash_id as the plan applies it to public.t.id of a dump.
func idMasker(t *testing.T, script string) func(int64) int64 {
	t.Helper()
	_, inv, err := openScript(t, script)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFor(t, inv, hashIDRules)
	if err != nil {
		t.Fatal(err)
	}
	cp := plan.Tables[qn("t")].Columns["id"]
	if !cp.TrackMax || len(plan.Sequences[qn("t_id_seq")]) != 1 {
		t.Fatalf("id does not feed the sequence: %+v", cp)
	}
	s := masking.NewScratch()
	return func(x int64) int64 {
		out, _, err := cp.Cell.Apply(s, nil, []byte(strconv.FormatInt(x, 10)), false)
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseInt(string(out), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// preimage finds the id in [lo, hi] that mask maps to want.
func preimage(t *testing.T, mask func(int64) int64, lo, hi, want int64) int64 {
	t.Helper()
	for x := lo; x <= hi; x++ {
		if mask(x) == want {
			return x
		}
	}
	t.Fatalf("no id in %d..%d masks to %d", lo, hi, want)
	return 0
}

// setvalOf returns the arguments of the output's setval.
func setvalOf(t *testing.T, out string) string {
	t.Helper()
	const p = "SELECT pg_catalog.setval('public.t_id_seq', "
	i := strings.Index(out, p)
	if i < 0 {
		t.Fatalf("no setval in:\n%s", out)
	}
	rest := out[i+len(p):]
	return rest[:strings.Index(rest, ");")]
}

// The sequence is moved past the masked keys only when the value it would
// hand out next is among them: ascending to the largest, descending to the
// smallest, within its own bounds.
func TestSequenceValueBounds(t *testing.T) {
	asc := []int64{100, 101, 102, 103, 104, 105, 3000, 40000}
	desc := []int64{-100, -101, -102, -103, -3000, -40000}
	mask := idMasker(t, seqDump("integer", "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", asc, "1, true"))
	hi, lo := int64(-1<<62), int64(1<<62)
	for _, id := range asc {
		hi = max(hi, mask(id))
	}
	for _, id := range desc {
		lo = min(lo, mask(id))
	}
	if hi <= 40000/2 || lo >= -40000/2 {
		t.Fatalf("masked keys reach %d and %d", lo, hi)
	}
	const ascOpts = "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE"
	const descOpts = "START WITH -1 INCREMENT BY -1 NO MINVALUE MAXVALUE -1"
	cases := []struct {
		name, opts string
		ids        []int64
		setval     string
		want       string // the setval arguments after the run; "" for a SequenceError
	}{
		{"asc behind", ascOpts, asc, "105, true", fmt.Sprintf("%d, true", hi)},
		{"asc next is the largest", ascOpts, asc, fmt.Sprintf("%d, true", hi-1), fmt.Sprintf("%d, true", hi)},
		{"asc not called, next is the largest", ascOpts, asc, fmt.Sprintf("%d, false", hi), fmt.Sprintf("%d, true", hi)},
		{"asc not called, behind", ascOpts, asc, fmt.Sprintf("%d, false", hi-1), fmt.Sprintf("%d, true", hi)},
		{"asc ahead", ascOpts, asc, fmt.Sprintf("%d, true", hi), fmt.Sprintf("%d, true", hi)},
		{"asc not called, ahead", ascOpts, asc, fmt.Sprintf("%d, false", hi+1), fmt.Sprintf("%d, false", hi+1)},
		{"asc far ahead", ascOpts, asc, "2000000000, true", "2000000000, true"},
		{"asc max is the largest", fmt.Sprintf("START WITH 1 INCREMENT BY 1 NO MINVALUE MAXVALUE %d", hi), asc, "1, false", fmt.Sprintf("%d, true", hi)},
		{"asc max below", fmt.Sprintf("START WITH 1 INCREMENT BY 1 NO MINVALUE MAXVALUE %d", hi-1), asc, "1, false", ""},
		{"asc step", "START WITH 1 INCREMENT BY 7 NO MINVALUE NO MAXVALUE", asc, fmt.Sprintf("%d, true", hi-7), fmt.Sprintf("%d, true", hi)},
		{"asc step, ahead", "START WITH 1 INCREMENT BY 7 NO MINVALUE NO MAXVALUE", asc, fmt.Sprintf("%d, true", hi-6), fmt.Sprintf("%d, true", hi-6)},
		{"desc behind", descOpts, desc, "-1, true", fmt.Sprintf("%d, true", lo)},
		{"desc next is the smallest", descOpts, desc, fmt.Sprintf("%d, true", lo+1), fmt.Sprintf("%d, true", lo)},
		{"desc not called, next is the smallest", descOpts, desc, fmt.Sprintf("%d, false", lo), fmt.Sprintf("%d, true", lo)},
		{"desc ahead", descOpts, desc, fmt.Sprintf("%d, true", lo), fmt.Sprintf("%d, true", lo)},
		{"desc not called, ahead", descOpts, desc, fmt.Sprintf("%d, false", lo-1), fmt.Sprintf("%d, false", lo-1)},
		{"desc min is the smallest", fmt.Sprintf("START WITH -1 INCREMENT BY -1 MINVALUE %d MAXVALUE -1", lo), desc, "-1, true", fmt.Sprintf("%d, true", lo)},
		{"desc min above", fmt.Sprintf("START WITH -1 INCREMENT BY -1 MINVALUE %d MAXVALUE -1", lo+1), desc, "-1, true", ""},
		// Ascending sequences follow the largest key, descending ones the
		// smallest, whatever else the table holds.
		{"asc with negative keys", ascOpts, append(append([]int64{}, desc...), asc...), "1, true", fmt.Sprintf("%d, true", hi)},
		{"desc with positive keys", descOpts, append(append([]int64{}, asc...), desc...), "-1, true", fmt.Sprintf("%d, true", lo)},
		// No masked key: the dump's own value.
		{"no rows", ascOpts, nil, "1, false", "1, false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := seqDump("integer", c.opts, c.ids, c.setval)
			out, _, err := runScript(t, script, hashIDRules, Options{})
			if c.want == "" {
				var se *SequenceError
				if !errors.As(err, &se) || se.Sequence.String() != "public.t_id_seq" || se.Pos.Line != lineOf(t, script, "SELECT pg_catalog.setval") ||
					!strings.Contains(err.Error(), "outside its range") {
					t.Fatalf("error %v, want a SequenceError on its range", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := setvalOf(t, out); got != c.want {
				t.Fatalf("setval(%s), want setval(%s)", got, c.want)
			}
		})
	}
}

// The sequence's next value must fit every column it feeds.
func TestSequenceValueColumnType(t *testing.T) {
	mask := idMasker(t, seqDump("smallint", "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", []int64{1}, "1, true"))
	top := preimage(t, mask, 1<<14, 1<<15-1, 1<<15-1)      // masks to 32767
	below := preimage(t, mask, 1<<14, 1<<15-1, 1<<15-2)    // masks to 32766
	bottom := preimage(t, mask, -1<<15, -1<<14-1, -1<<15)  // masks to -32768
	above := preimage(t, mask, -1<<15, -1<<14-1, -1<<15+1) // masks to -32767
	cases := []struct {
		name, opts string
		id         int64
		want       string
	}{
		{"asc fits", "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", below, "32766, true"},
		{"asc does not fit", "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", top, ""},
		{"desc fits", "START WITH -1 INCREMENT BY -1 NO MINVALUE MAXVALUE -1", above, "-32767, true"},
		{"desc does not fit", "START WITH -1 INCREMENT BY -1 NO MINVALUE MAXVALUE -1", bottom, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := seqDump("smallint", c.opts, []int64{c.id}, "1, false")
			if c.id < 0 {
				script = seqDump("smallint", c.opts, []int64{c.id}, "-1, false")
			}
			out, _, err := runScript(t, script, hashIDRules, Options{})
			if c.want == "" {
				var se *SequenceError
				if !errors.As(err, &se) || se.Pos.Line != lineOf(t, script, "SELECT pg_catalog.setval") ||
					!strings.Contains(err.Error(), "so its next value would not fit public.t.id (smallint)") {
					t.Fatalf("error %v, want a SequenceError on the column type", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := setvalOf(t, out); got != c.want {
				t.Fatalf("setval(%s), want setval(%s)", got, c.want)
			}
		})
	}
}

// A sequence that feeds no masked key keeps its value.
func TestSequenceWithoutMaskedKeys(t *testing.T) {
	script := seqDump("integer", "START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE", []int64{5, 6}, "6, true")
	out, _, err := runScript(t, script, "version: 1\ntables:\n  t:\n    id: keep\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := setvalOf(t, out); got != "6, true" {
		t.Fatalf("setval(%s)", got)
	}
	if rows := copyRows(t, out, "public.t"); strings.Join(rows, ",") != "5,6" {
		t.Fatalf("rows %q", rows)
	}
}
