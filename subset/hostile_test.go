package subset

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/schema"
)

var users = schema.QName{Schema: "public", Name: "users"}

// TestPercentOutOfRange: NaN compared false with both bounds and kept
// every row.
func TestPercentOutOfRange(t *testing.T) {
	src, inv := open(t, shopScript(10))
	for _, p := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, -1, 100.5} {
		_, err := Compute(context.Background(), src, inv, &Spec{Root: users, Percent: p}, secret)
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("percent %v: %v", p, err)
		}
	}
}

// TestPinsByValue: pins are matched by value (a UUID in upper case, an
// integer with leading zeros); a pin matching no row is an error naming
// it; pins given for a partitioned table and for one of its partitions
// add up.
func TestPinsByValue(t *testing.T) {
	src, inv := open(t, `
CREATE TABLE public.accounts (id uuid PRIMARY KEY, n int);
CREATE TABLE public.ev (id int, at int, PRIMARY KEY (id)) PARTITION BY RANGE (id);
CREATE TABLE public.ev_1 PARTITION OF public.ev FOR VALUES FROM (0) TO (100);
CREATE TABLE public.ev_2 PARTITION OF public.ev FOR VALUES FROM (100) TO (200);
COPY public.accounts (id, n) FROM stdin;
a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11	1
b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12	2
\.
COPY public.ev_1 (id, at) FROM stdin;
5	1
\.
COPY public.ev_2 (id, at) FROM stdin;
105	1
\.
`)
	acc := schema.QName{Schema: "public", Name: "accounts"}
	ev, ev2 := schema.QName{Schema: "public", Name: "ev"}, schema.QName{Schema: "public", Name: "ev_2"}
	spec := &Spec{Root: acc, Percent: 1e-9, Include: map[schema.QName][]string{
		acc: {"{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"}, ev: {"005"}, ev2: {"105"}}}
	r, err := Compute(context.Background(), src, inv, spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	got := kept(t, src, inv, r)
	if len(got["accounts"]) != 1 || len(got["ev_1"]) != 1 || len(got["ev_2"]) != 1 {
		t.Errorf("kept %v", got)
	}
	spec.Include[acc] = append(spec.Include[acc], "c0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13")
	if err := src.Rewind(); err != nil {
		t.Fatal(err)
	}
	_, err = Compute(context.Background(), src, inv, spec, secret)
	var pe *PlanError
	if !errors.As(err, &pe) || pe.Part != "include" || pe.Table != acc || !strings.Contains(err.Error(), `"c0eebc999c0b4ef8bb6d6bb9bd380a13"`) {
		t.Errorf("a pin matching no row: %v", err)
	}
}

func TestHeapOrder(t *testing.T) {
	h := &heapOrder{block: -1}
	for _, c := range []string{"(0,1)", "(0,2)", "(0,10)", "(1,1)", "(12,3)"} {
		if !h.next([]byte(c)) {
			t.Fatalf("%s refused", c)
		}
	}
	for _, c := range []string{"(12,3)", "(12,2)", "(11,9)", "", "12,x", "(x,1)"} {
		if h.next([]byte(c)) {
			t.Errorf("%s accepted after (12,3)", c)
		}
	}
}
