package masking

import (
	"fmt"
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
