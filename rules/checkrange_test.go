package rules

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// A numeric CHECK that is not a range is named in a warning for the masked
// column; ranges (on the column or its domain) are kept silently.
func TestPlanWarnsOfUnclearNumericChecks(t *testing.T) {
	cat := catalogOf(t,
		"CREATE DOMAIN public.pct AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100)",
		"CREATE TABLE public.pay (id integer PRIMARY KEY, bonus numeric(8,2) CONSTRAINT bonus_pos CHECK (bonus >= 0), steps integer CONSTRAINT steps_5 CHECK (steps % 5 = 0), rate public.pct, kept integer CONSTRAINT kept_nz CHECK (kept <> 0))",
	)
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  pay:", "    id: keep", "    bonus: number_noise", "    steps: number_noise", "    rate: number_noise", "    kept: keep")
	want := []string{`column public.pay.steps: CHECK constraint steps_5 is not a range Understudy can keep (comparisons with constants joined by AND, BETWEEN): masked values may violate it`}
	if !reflect.DeepEqual(p.Warnings, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", p.Warnings, want)
	}
	if r := col(t, p, "pay", "rate").Cell.Column().Range; r == nil || r.Lo.Sign() != 0 || r.Hi.FloatString(0) != "100" {
		t.Errorf("rate range %+v, want the domain's [0, 100]", r)
	}
}

// On other types only pattern CHECKs are verified: any other CHECK that
// reads a masked column's value is named in a warning; patterns, NULL tests
// and kept columns are silent.
func TestPlanWarnsOfUnverifiedChecks(t *testing.T) {
	cat := catalogOf(t,
		"CREATE DOMAIN public.upper_code AS text CHECK (VALUE = upper(VALUE))",
		"CREATE TABLE public.acct (id integer PRIMARY KEY, code text CONSTRAINT code_upper CHECK (code = upper(code)), zip text CONSTRAINT zip_digits CHECK (zip ~ '^[0-9]{5}$'), "+
			"email text CONSTRAINT email_set CHECK (email IS NOT NULL), born date CONSTRAINT born_after CHECK (born > '1900-01-01'), ref public.upper_code, kept text CONSTRAINT kept_nz CHECK (kept <> ''))",
	)
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  acct:", "    id: keep", "    code: lorem", "    zip: postcode", "    email: email", "    born: date_shift", "    ref: lorem", "    kept: keep")
	pattern := "a pattern Understudy verifies (column ~ 'regex')"
	want := []string{
		"column public.acct.born: CHECK constraint born_after is not " + pattern + ": masked values may violate it",
		"column public.acct.code: CHECK constraint code_upper is not " + pattern + ": masked values may violate it",
		"column public.acct.ref: CHECK constraint upper_code_check is not " + pattern + ": masked values may violate it",
	}
	got := slices.Sorted(slices.Values(p.Warnings))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", got, want)
	}
}

// date_shift by: a column the table lacks is a located rules error; one it
// has plans a row masker.
func TestPlanDateShiftBy(t *testing.T) {
	cat := catalogOf(t, "CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer, created_at timestamptz)")
	msg := planError(t, cat, nil, "version: 1", "tables:", "  orders:", "    id: keep", "    user_id: keep", "    created_at: {use: date_shift, by: owner_id}")
	if want := "r.yaml:6: column public.orders.created_at: the date_shift rule reads column owner_id, which public.orders does not have"; msg != want {
		t.Errorf("got  %s\nwant %s", msg, want)
	}
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  orders:", "    id: keep", "    user_id: keep", "    created_at: {use: date_shift, by: user_id}")
	if cp := col(t, p, "orders", "created_at"); cp.Row == nil {
		t.Error("no row masker for date_shift by:")
	}
}

// Dates of one entity shifted by: one owner but with different max_days
// draw different offsets: a warning names them; one max_days is silent.
func TestPlanDateShiftByMaxDaysDiffer(t *testing.T) {
	cat := catalogOf(t, "CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer, created_at timestamptz, updated_at timestamptz, shipped_at date, CONSTRAINT orders_check CHECK (created_at <= updated_at))")
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  orders:", "    id: keep", "    user_id: hash_id",
		"    created_at: {use: date_shift, by: user_id}", "    updated_at: {use: date_shift, by: user_id, max_days: 365}", "    shipped_at: {use: date_shift, by: user_id, max_days: 30}")
	want := []string{"table public.orders: date_shift by: user_id with different max_days on created_at, shipped_at (max_days 30) and updated_at (max_days 365): each max_days draws its own offset, so these dates do not move alike (intervals and CHECKs ordering them break); give them one max_days",
		"table public.orders: CHECK constraint orders_check relates columns created_at, updated_at, which are not masked alike (masked: created_at, updated_at): masked rows may violate it (dates of one entity keep their order when all shift by: one owner column with one max_days)"}
	if !reflect.DeepEqual(p.Warnings, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", p.Warnings, want)
	}
	p = mustPlan(t, cat, nil, "version: 1", "tables:", "  orders:", "    id: keep", "    user_id: hash_id",
		"    created_at: {use: date_shift, by: user_id, max_days: 30}", "    updated_at: {use: date_shift, by: user_id}", "    shipped_at: {use: date_shift, by: id, max_days: 9}")
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %q", p.Warnings)
	}
}

// A CHECK relating masked columns that are not numeric is named in a
// warning unless they all shift by: one owner with one max_days; numeric
// columns are warned about through their ranges, and a CHECK that only
// tests NULLs holds under any masking (NULL stays NULL).
func TestPlanWarnsOfCheckRelatingMaskedColumns(t *testing.T) {
	cat := catalogOf(t, "CREATE TABLE public.orders (id integer PRIMARY KEY, user_id integer, created_at timestamptz, updated_at timestamptz, lo integer, hi integer, CONSTRAINT ordered CHECK (created_at <= updated_at), CONSTRAINT span CHECK (lo <= hi), CONSTRAINT dated CHECK (created_at IS NOT NULL OR num_nonnulls(updated_at, lo) > 0))")
	const w = "table public.orders: CHECK constraint ordered relates columns created_at, updated_at, which are not masked alike (masked: %s): masked rows may violate it (dates of one entity keep their order when all shift by: one owner column with one max_days)"
	for _, tc := range []struct {
		created, updated string
		want             []string
	}{
		{"date_shift", "date_shift", []string{fmt.Sprintf(w, "created_at, updated_at")}},
		{"{use: date_shift, by: user_id}", "keep", []string{fmt.Sprintf(w, "created_at")}},
		{"{use: date_shift, by: user_id}", "{use: date_shift, by: id}", []string{fmt.Sprintf(w, "created_at, updated_at")}},
		{"{use: date_shift, by: user_id}", "{use: date_shift, by: user_id, max_days: 30}", nil},
		{"keep", "null", nil},
	} {
		p := mustPlan(t, cat, nil, "version: 1", "tables:", "  orders:", "    id: keep", "    user_id: keep", "    lo: keep", "    hi: keep",
			"    created_at: "+tc.created, "    updated_at: "+tc.updated)
		if !slices.Equal(p.Warnings, tc.want) {
			t.Errorf("%s, %s: warnings:\n%q\nwant\n%q", tc.created, tc.updated, p.Warnings, tc.want)
		}
	}
}

// The xml masker's text: takes one rule (keep included); paths a map.
func TestPlanXMLRule(t *testing.T) {
	cat := catalogOf(t, "CREATE TABLE public.docs (id integer PRIMARY KEY, body xml, note xml)")
	p := mustPlan(t, cat, nil, "version: 1", "tables:", "  docs:", "    id: keep",
		`    body: {use: xml, paths: {"//Name.First": first_name, "//EMail": email}, text: lorem}`,
		"    note: {use: xml, paths: {//Secret: {use: const, value: x}}, text: keep}")
	if got := apply(t, col(t, p, "docs", "body"), "<a><Name.First>Jane</Name.First> hello</a>"); got == "<a><Name.First>Jane</Name.First> hello</a>" {
		t.Errorf("body kept: %s", got)
	}
	if got := apply(t, col(t, p, "docs", "note"), "<a><Secret>s</Secret>hello</a>"); got != "<a><Secret>x</Secret>hello</a>" {
		t.Errorf("note: %s", got)
	}
	_, err := Parse("r.yaml", []byte(yamlOf("version: 1", "tables:", "  docs:", "    id: keep", "    body: {use: xml, text: {a: lorem}}", "    note: scrub")))
	if err == nil || !strings.Contains(err.Error(), "r.yaml:5: column public.docs.body text: a rule written as a mapping needs `use: MASKER`") {
		t.Errorf("got %v", err)
	}
}
