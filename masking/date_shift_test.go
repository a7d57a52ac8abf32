package masking

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() {
	maxDays := func(n int64) map[string]any { return map[string]any{"max_days": n} }
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "date_shift"}, col: col(CatDate, "date"), values: []string{"2021-03-04", "2020-02-29", "1999-12-31", "1970-01-01"}},
		conformanceCase{spec: Spec{Name: "date_shift", Params: maxDays(3)}, col: col(CatDate, "date"), values: []string{"2021-03-01", "2000-03-01", "2021-12-31", "2024-01-01"}},
		conformanceCase{spec: Spec{Name: "date_shift", Params: maxDays(180)}, col: col(CatTimestamp, "timestamp"), values: []string{"2021-03-04 05:06:07", "2021-03-04 05:06:07.123456", "2020-02-29 00:00:00"}},
		conformanceCase{spec: Spec{Name: "date_shift"}, col: col(CatTimestampTZ, "timestamptz"), values: []string{"2021-03-04 05:06:07+00", "2021-03-04 05:06:07.5+05:30", "1969-12-31 23:59:59-08"}},
		conformanceCase{spec: Spec{Name: "date_shift"}, col: col(CatText, "text"), values: []string{"2021-03-04", "2021-03-04T05:06:07Z", "1984-07-01 birthday"}},
		conformanceCase{spec: Spec{Name: "date_shift"}, col: &Column{Table: "public.t", Name: "ds", Category: CatDate, Array: true}, values: []string{"{2021-03-04,NULL,2020-02-29}", "{}"}, exempt: []string{"echo", "secret"}},
	)
}

// astro parses PostgreSQL's ISO date output (years of 4+ digits, " BC")
// into an astronomical date with the time package, independently of the
// masker's own calendar code.
func astro(t *testing.T, s string) time.Time {
	t.Helper()
	bc := strings.HasSuffix(s, " BC")
	s = strings.TrimSuffix(s, " BC")
	dash := strings.IndexByte(s, '-')
	var y, m, d int
	if _, err := fmt.Sscanf(s[:dash+6], "%d-%02d-%02d", &y, &m, &d); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	if bc {
		y = 1 - y
	}
	tm := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if tm.Day() != d {
		t.Fatalf("%q is not a calendar date", s)
	}
	return tm
}

func shiftOf(t *testing.T, in, out string) int {
	t.Helper()
	return int(astro(t, out).Sub(astro(t, in)).Hours() / 24)
}

func TestDateShiftRangeAndRest(t *testing.T) {
	c := col(CatTimestampTZ, "timestamptz")
	m := mustBuild(t, &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(7)}}, c, testOptions("s"))
	seen := map[int]int{}
	start := time.Date(2019, 12, 20, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		day := start.AddDate(0, 0, i%800).Format("2006-01-02")
		rest := []string{" 05:06:07+00", " 23:59:59.999999+05:30", " 00:00:00-08", " 12:00:00+00 BC"}[i%4]
		if i%4 == 3 {
			day = fmt.Sprintf("%04d", 2000-i%300) + day[4:]
			if day[5:] == "02-29" {
				continue
			}
		}
		in := day + rest
		out, _ := maskString(t, m, c, in)
		if !strings.HasSuffix(out, rest) || len(out) != len(in) {
			t.Fatalf("%q -> %q: the part after the date changed", in, out)
		}
		d := shiftOf(t, in, out)
		if d == 0 || d < -7 || d > 7 {
			t.Fatalf("%q -> %q: shift of %d days", in, out, d)
		}
		seen[d]++
	}
	if len(seen) != 14 {
		t.Errorf("shifts used: %v, want all of ±1..7", seen)
	}
}

func TestDateShiftCalendar(t *testing.T) {
	// The day numbering agrees with the time package's proleptic Gregorian
	// calendar over BC, leap and far-future years.
	for _, y := range []int64{-4713, -401, -100, -1, 0, 1, 4, 100, 1582, 1900, 2000, 2024, 9999, 10000, 294276} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			want := time.Date(int(y), time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC)
			if want.Day() != md[1] {
				continue // Feb 29 of a common year
			}
			day := daysFromCivil(y, md[0], md[1])
			if got := want.Unix() / 86400; day != got {
				t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, md[0], md[1], day, got)
			}
			if gy, gm, gd := civilFromDays(day); gy != y || gm != md[0] || gd != md[1] {
				t.Fatalf("civilFromDays(%d) = %d-%d-%d", day, gy, gm, gd)
			}
		}
	}
}

func TestDateShiftEdges(t *testing.T) {
	opts := testOptions("s")
	big := &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(400)}}
	cases := []struct {
		col *Column
		in  string
		// check validates out beyond the shift being within ±400 days.
		check func(out string, shift int) bool
	}{
		// Leap day and BC/AD crossings are read back by astro.
		{col(CatDate, "date"), "2020-02-29", nil},
		{col(CatDate, "date"), "0001-03-01", nil},
		{col(CatDate, "date"), "0001-01-01 BC", func(o string, d int) bool { return strings.HasSuffix(o, " BC") == (d < 366) }},
		{col(CatTimestamp, "timestamp"), "0001-02-03 04:05:06 BC", func(o string, _ int) bool { return strings.Contains(o, " 04:05:06") }},
		// Five-digit years stay five digits; 9999 may grow to 10000.
		{col(CatDate, "date"), "12345-06-07", func(o string, _ int) bool { return len(o) == 11 }},
		{col(CatTimestamp, "timestamp"), "9999-12-31 23:59:59", nil},
		// At the ends of the types' ranges the shift goes inwards.
		{col(CatDate, "date"), "4714-11-24 BC", func(_ string, d int) bool { return d > 0 }},
		{col(CatTimestamp, "timestamp"), "294276-12-30 23:59:59", func(_ string, d int) bool { return d < 0 }},
		{col(CatDate, "date"), "5874897-12-31", func(_ string, d int) bool { return d < 0 }},
	}
	for _, c := range cases {
		m := mustBuild(t, big, c.col, opts)
		out, _ := maskString(t, m, c.col, c.in)
		d := shiftOf(t, c.in, out)
		if d == 0 || d < -400 || d > 400 || (c.check != nil && !c.check(out, d)) {
			t.Errorf("%q -> %q (shift %d)", c.in, out, d)
		}
	}
	// Values near 1 AD cross into BC in one direction or the other.
	m := mustBuild(t, big, col(CatDate, "date"), opts)
	crossed := 0
	for day := 1; day <= 28; day++ {
		in := fmt.Sprintf("0001-02-%02d", day)
		out, _ := maskString(t, m, col(CatDate, "date"), in)
		if strings.HasSuffix(out, " BC") {
			crossed++
		}
		shiftOf(t, in, out)
	}
	if crossed == 0 {
		t.Error("no date near 1 AD moved into BC")
	}
}

func TestDateShiftOneDay(t *testing.T) {
	c := col(CatDate, "date")
	m := mustBuild(t, &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(1)}}, c, testOptions("s"))
	seen := map[int]bool{}
	for i := range 50 {
		in := time.Date(2024, 2, 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		out, _ := maskString(t, m, c, in)
		d := shiftOf(t, in, out)
		if d != 1 && d != -1 {
			t.Fatalf("%s -> %s", in, out)
		}
		seen[d] = true
	}
	if len(seen) != 2 {
		t.Error("max_days 1 always shifts the same way")
	}
}

// Infinity has no date to shift and is documented as kept.
func TestDateShiftInfinityKept(t *testing.T) {
	c := col(CatTimestamp, "timestamp")
	m := mustBuild(t, &Spec{Name: "date_shift"}, c, testOptions("s"))
	for _, v := range []string{"infinity", "-infinity"} {
		if out, _ := maskString(t, m, c, v); out != v {
			t.Errorf("%s became %q", v, out)
		}
	}
}

func TestDateShiftRejectsWhatIsNoDate(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "date_shift"}, c, testOptions("s"))
	for _, v := range []string{"", "secret-value", "2021-02-29", "2021-13-01", "2021-00-10", "2021-04-31", "21-03-04",
		"2021-3-4", "0000-01-01", "2021-03-045", "20210304", "2021/03/04", "１２３４-01-01", "1234567890-01-01"} {
		_, _, err := Wrap(m, c).Apply(NewScratch(), nil, []byte(v), false)
		if err == nil {
			t.Errorf("%q was accepted", v)
			continue
		}
		if v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("error quotes the value: %v", err)
		}
	}
}

func TestDateShiftParams(t *testing.T) {
	for _, n := range []int64{0, -3, maxShiftDays + 1} {
		if _, err := Build(&Spec{Name: "date_shift", Params: map[string]any{"max_days": n}}, col(CatDate, "date"), testOptions("s")); err == nil {
			t.Errorf("max_days %d accepted", n)
		}
	}
	if _, err := Build(&Spec{Name: "date_shift"}, col(CatInt, "int4"), testOptions("s")); err == nil {
		t.Error("date_shift accepted an integer column")
	}
}

func BenchmarkDateShift(b *testing.B) {
	c := col(CatTimestampTZ, "timestamptz")
	m := mustBuild(b, &Spec{Name: "date_shift"}, c, testOptions("s"))
	s, in := NewScratch(), []byte("2021-03-04 05:06:07.123456+00")
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = m.Mask(s, dst[:0], in)
	}
}

// astroString formats an astronomical date as PostgreSQL does: four or
// more year digits, " BC" for years before 1.
func astroString(tm time.Time) string {
	y, bc := tm.Year(), ""
	if y <= 0 {
		y, bc = 1-y, " BC"
	}
	return fmt.Sprintf("%04d-%02d-%02d%s", y, int(tm.Month()), tm.Day(), bc)
}

// TestDateShiftAtTheEnds checks every date within max_days of both ends of
// each type's range against the documented rule: the keyed shift, or its
// opposite when the shift would leave the range (dates from 4714-11-24 BC
// to 5874897-12-31; timestamps a day inside 4714-11-24 BC to 294276-12-31).
func TestDateShiftAtTheEnds(t *testing.T) {
	opts := testOptions("s")
	first := time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		col    *Column
		lo, hi time.Time
	}{
		{col(CatDate, "date"), first, time.Date(5874897, 12, 31, 0, 0, 0, 0, time.UTC)},
		{col(CatTimestamp, "timestamp"), first.AddDate(0, 0, 1), time.Date(294276, 12, 30, 0, 0, 0, 0, time.UTC)},
		{col(CatTimestampTZ, "timestamptz"), first.AddDate(0, 0, 1), time.Date(294276, 12, 30, 0, 0, 0, 0, time.UTC)},
	} {
		for _, maxDays := range []int{1, 2, 3, 7} {
			spec := &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(maxDays)}}
			m := mustBuild(t, spec, tc.col, opts)
			k := opts.Secret.Key(spec.Label())
			rest := ""
			if tc.col.Category != CatDate {
				rest = " 12:00:00"
			}
			var days []time.Time
			for d := -2; d <= maxDays+1; d++ {
				days = append(days, tc.lo.AddDate(0, 0, d), tc.hi.AddDate(0, 0, -d))
			}
			for _, day := range days {
				in := astroString(day) + rest
				if tc.col.Category != CatDate && day.Year() <= 0 {
					in = strings.TrimSuffix(astroString(day), " BC") + rest + " BC"
				}
				sum := k.Sum([]byte(in))
				off := int(binary.LittleEndian.Uint64(sum[:8])%uint64(2*maxDays)) - maxDays
				if off >= 0 {
					off++
				}
				inRange := func(t time.Time) bool { return !t.Before(tc.lo) && !t.After(tc.hi) }
				want := day.AddDate(0, 0, off)
				if !inRange(want) {
					want = day.AddDate(0, 0, -off)
				}
				out, _, err := apply(m, tc.col, NewScratch(), in)
				if !inRange(want) {
					if !errors.Is(err, errDateRange) {
						t.Errorf("%s on %s: %q, %v; want errDateRange", in, tc.col.TypeName(), out, err)
					}
					continue
				}
				wantS := astroString(want)
				if rest != "" {
					wantS = strings.TrimSuffix(wantS, " BC") + rest
					if want.Year() <= 0 {
						wantS += " BC"
					}
				}
				if err != nil || out != wantS {
					t.Errorf("%s on %s (max_days %d): %q, %v; want %q", in, tc.col.TypeName(), maxDays, out, err, wantS)
				}
			}
		}
	}
	if _, err := Build(&Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(maxShiftDays)}}, col(CatDate, "date"), opts); err != nil {
		t.Errorf("max_days %d: %v", maxShiftDays, err)
	}
}

func TestDaysInAndFloorDiv(t *testing.T) {
	for y := int64(-2001); y <= 2401; y++ {
		for mo := 1; mo <= 12; mo++ {
			want := time.Date(int(y), time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(y, mo); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", y, mo, got, want)
			}
		}
	}
	for a := int64(-1300); a <= 1300; a++ {
		for _, b := range []int64{1, 2, 3, 7, 400, 146097, -3, -400} {
			if got, want := floorDiv(a, b), int64(math.Floor(float64(a)/float64(b))); got != want {
				t.Fatalf("floorDiv(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	for _, a := range []int64{-146097, -2 * 146097, -146097 - 1, 146097} {
		if got, want := floorDiv(a, 146097), int64(math.Floor(float64(a)/146097)); got != want {
			t.Errorf("floorDiv(%d, 146097) = %d, want %d", a, got, want)
		}
	}
}

// TestDateShiftCalendarEveryDay: daysFromCivil and civilFromDays agree with
// the time package on every day from 1000 BC to 3000 AD and around the
// 400-year cycles of the far past.
func TestDateShiftCalendarEveryDay(t *testing.T) {
	check := func(tm time.Time) {
		day := tm.Unix() / 86400
		if got := daysFromCivil(int64(tm.Year()), int(tm.Month()), tm.Day()); got != day {
			t.Fatalf("daysFromCivil(%v) = %d, want %d", tm, got, day)
		}
		if y, mo, d := civilFromDays(day); y != int64(tm.Year()) || mo != int(tm.Month()) || d != tm.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %v", day, y, mo, d, tm)
		}
	}
	step := 1
	if testing.Short() {
		step = 13
	}
	for tm := time.Date(-999, 1, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 3000; tm = tm.AddDate(0, 0, step) {
		check(tm)
	}
	for _, y := range []int{-4800, -4400, -4000, -1600, -1200, -800, -400, 0, 400} {
		for d := -3; d <= 3; d++ {
			check(time.Date(y, 3, 1+d, 0, 0, 0, 0, time.UTC))
			check(time.Date(y, 1, 1+d, 0, 0, 0, 0, time.UTC))
		}
	}
}

func TestParseISODateEdges(t *testing.T) {
	for in, ok := range map[string]bool{
		"2021-03-04":       true,
		"2021-03-04 12:00": true,
		"2021-03-040":      false,
		"2021-03-049":      false,
		"2021-03-04a":      true,
		"0005-02-29 BC":    true, // astronomical year -4: a leap year
		"0001-02-29 BC":    true, // year 0
		"0004-02-29 BC":    false,
		"0004-02-29":       true,
		"1900-02-29":       false,
		"2000-02-29":       true,
		"12345678-01-01":   true,
		"123456789-01-01":  true,
		"1234567890-01-01": false,
		"2021-12-31":       true,
		"2021-11-31":       false,
		"2021-01-00":       false,
		"2021-00-01":       false,
		"2021-13-01":       false,
		"2021-0a-01":       false,
		"2021-01-0a":       false,
		"2021-01-/1":       false,
		"2021-01-:1":       false,
	} {
		_, _, _, _, got := parseISODate([]byte(in))
		if got != ok {
			t.Errorf("parseISODate(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

// date_shift by: moves every date of one owner by one offset, whichever
// column or table names the owner, and keeps NULL-free intervals exact.
func TestDateShiftBy(t *testing.T) {
	opts := testOptions("by secret")
	build := func(colName, by string, cat Category, typ string) RowMasker {
		c := col(cat, typ)
		c.Name = colName
		m := mustBuild(t, &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(400), "by": by}}, c, opts)
		rm, ok := m.(OriginalReader)
		if !ok || rm.Self() != colName || !slices.Equal(rm.Inputs(), []string{by}) {
			t.Fatalf("date_shift by: is %T", m)
		}
		return rm
	}
	created := build("created_at", "id", CatTimestampTZ, "timestamptz")
	shipped := build("shipped_on", "user_id", CatDate, "date")
	row := func(vals map[string]string) func(string) ([]byte, bool) {
		return func(c string) ([]byte, bool) {
			v, ok := vals[c]
			return []byte(v), !ok
		}
	}
	days := func(a, b string) int64 {
		ya, ma, da, _, _ := parseISODate([]byte(a))
		yb, mb, db, _, _ := parseISODate([]byte(b))
		return daysFromCivil(yb, mb, db) - daysFromCivil(ya, ma, da)
	}
	offsets := map[int64]bool{}
	for i := range 200 {
		owner := strconv.Itoa(i % 20)
		a, err := created.MaskRow(NewScratch(), nil, row(map[string]string{"id": owner, "created_at": "2020-03-01 10:11:12+01"}))
		if err != nil {
			t.Fatal(err)
		}
		b, err := shipped.MaskRow(NewScratch(), nil, row(map[string]string{"user_id": owner, "shipped_on": "2021-07-15"}))
		if err != nil {
			t.Fatal(err)
		}
		da, db := days("2020-03-01", string(a)), days("2021-07-15", string(b))
		if da != db || da == 0 || !strings.HasSuffix(string(a), " 10:11:12+01") {
			t.Fatalf("owner %s: %q moved %d days, %q moved %d", owner, a, da, b, db)
		}
		offsets[da] = true
	}
	if len(offsets) < 15 {
		t.Errorf("20 owners got only %d offsets", len(offsets))
	}
	if _, err := created.(Masker).Mask(NewScratch(), nil, []byte("2020-01-01")); err == nil {
		t.Error("Mask without a row succeeded")
	}
	if _, err := Build(&Spec{Name: "date_shift", Params: map[string]any{"by": ""}}, col(CatDate, "date"), opts); err == nil {
		t.Error("by: \"\" accepted")
	}
}

// In text, json and xml a date is ISO 8601: the sentinels 0001-01-01 and
// 9999-12-31 move inward instead of gaining a BC suffix or a fifth digit.
func TestDateShiftTextStaysISO(t *testing.T) {
	tc := col(CatText, "text")
	xc := col(CatXML, "xml")
	for i := range 50 {
		opts := testOptions(fmt.Sprint("secret-", i))
		m := mustBuild(t, &Spec{Name: "date_shift", Params: map[string]any{"max_days": int64(400)}}, tc, opts)
		x := mustBuild(t, &Spec{Name: "xml", Params: map[string]any{"paths": map[string]*Spec{"//D": {Name: "date_shift"}}}}, xc, opts)
		for _, v := range []string{"0001-01-01", "0001-01-01T00:00:00", "9999-12-31", "9999-12-31T23:59:59Z"} {
			out, _ := maskString(t, m, tc, v)
			xout, _ := maskString(t, x, xc, "<D>"+v+"</D>")
			for _, o := range []string{out, strings.TrimSuffix(strings.TrimPrefix(xout, "<D>"), "</D>")} {
				if len(o) != len(v) || strings.Contains(o, "BC") || o == v {
					t.Fatalf("secret %d: %q became %q", i, v, o)
				}
			}
		}
	}
	// A date column keeps PostgreSQL's range: 0001-01-01 may become BC.
	dc := col(CatDate, "date")
	if _, err := mustBuild(t, &Spec{Name: "date_shift"}, dc, testOptions("s")).Mask(NewScratch(), nil, []byte("0001-01-01 BC")); err != nil {
		t.Errorf("date column refused a BC date: %v", err)
	}
}
