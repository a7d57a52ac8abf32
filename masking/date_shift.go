package masking

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// dateShift moves a date, or the date part of a timestamp, by a keyed
// number of days in [-max_days, +max_days] other than 0, derived from the
// whole value. Everything after the date (time of day, fraction, zone) is
// kept byte for byte; only the calendar date changes, in the proleptic
// Gregorian calendar PostgreSQL uses (leap years, years beyond 9999, BC
// dates, crossing from 1 AD into 1 BC).
//
// Exemption: 'infinity' and '-infinity' are kept as they are (echo); they
// carry no personal information and have no date to shift.
type dateShift struct {
	key            *Key
	maxDays        int64
	minDay, maxDay int64 // the column type's range, as day numbers
	iso            bool  // text: a date in years 1-9999 stays in them
}

// The days of 0001-01-01 and 9999-12-31: the years ISO 8601 writes in
// four digits without a sign.
var isoFirstDay, isoLastDay = daysFromCivil(1, 1, 1), daysFromCivil(9999, 12, 31)

// DefaultMaxDays is date_shift's max_days when a rule gives none.
const DefaultMaxDays = 30

var (
	errNotISODate = errors.New("value is not a date in ISO form (YYYY-MM-DD…)")
	errDateRange  = errors.New("date is outside the range of the column's type")
)

const maxShiftDays = 365000

func (m dateShift) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	return m.shift(dst, value, value)
}

// shift moves value by the offset drawn from the keyed hash of from.
func (m dateShift) shift(dst, value, from []byte) ([]byte, error) {
	if string(value) == "infinity" || string(value) == "-infinity" {
		return append(dst, value...), nil
	}
	y, mo, d, n, ok := parseISODate(value)
	if !ok {
		return dst, errNotISODate
	}
	rest := value[n:]
	if bytes.HasSuffix(rest, []byte(" BC")) {
		rest = rest[:len(rest)-3]
		y = 1 - y // astronomical numbering: 1 BC is year 0
	}
	day := daysFromCivil(y, mo, d)
	lo, hi := m.minDay, m.maxDay
	if m.iso && len(rest) == len(value[n:]) && day >= isoFirstDay && day <= isoLastDay {
		// Text (and dates inside json and xml) is read as ISO 8601, which
		// has no BC suffix nor 5-digit years: 0001-01-01 and 9999-12-31,
		// common sentinels, must stay YYYY-MM-DD.
		lo, hi = isoFirstDay, isoLastDay
	}
	sum := m.key.Sum(from)
	off := int64(binary.LittleEndian.Uint64(sum[:8])%uint64(2*m.maxDays)) - m.maxDays
	if off >= 0 {
		off++ // [-max, -1] ∪ [1, max]: the date always moves
	}
	if day+off < lo || day+off > hi {
		off = -off // near the type's ends, move the other way
		if day+off < lo || day+off > hi {
			return dst, errDateRange
		}
	}
	y, mo, d = civilFromDays(day + off)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(mo), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, int64(d), 2)
	dst = append(dst, rest...)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst, nil
}

// dateShiftBy is date_shift with by: the offset is drawn from the original
// value of another column of the row (the row's key, or an owner such as
// user_id), so every date of one entity moves by the same number of days:
// intervals between them are kept exactly, and so are CHECKs ordering them.
// The key depends on the secret and max_days only, not on the column's or
// the owner column's name, so tables that name the same owner shift its
// dates alike. A NULL owner shifts by the offset of the empty string.
type dateShiftBy struct {
	dateShift
	by, self string
}

var errDateShiftNeedsRow = errors.New("date_shift with by: reads another column of the row; it cannot mask a value on its own")

func (m *dateShiftBy) Inputs() []string { return []string{m.by} }
func (m *dateShiftBy) Self() string     { return m.self }

func (m *dateShiftBy) Mask(*Scratch, []byte, []byte) ([]byte, error) {
	return nil, errDateShiftNeedsRow
}

func (m *dateShiftBy) MaskRow(_ *Scratch, dst []byte, row func(column string) ([]byte, bool)) ([]byte, error) {
	value, _ := row(m.self)
	owner, _ := row(m.by)
	return m.shift(dst, value, owner)
}

// parseISODate reads YYYY-MM-DD (four or more year digits) at the start of
// b and returns the year as written, the month, the day and the number of
// bytes read. A digit right after the day makes it no date.
func parseISODate(b []byte) (y int64, mo, d, n int, ok bool) {
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		if n == 9 {
			return 0, 0, 0, 0, false
		}
		y = y*10 + int64(b[n]-'0')
		n++
	}
	if n < 4 || y == 0 || len(b) < n+6 || b[n] != '-' || b[n+3] != '-' {
		return 0, 0, 0, 0, false
	}
	mo, ok1 := twoDigits(b[n+1:])
	d, ok2 := twoDigits(b[n+4:])
	n += 6
	if !ok1 || !ok2 || mo < 1 || mo > 12 || d < 1 || (n < len(b) && b[n] >= '0' && b[n] <= '9') {
		return 0, 0, 0, 0, false
	}
	// Year y BC is astronomical year 1-y, which decides whether it leaps.
	leapYear := y
	if bytes.HasSuffix(b[n:], []byte(" BC")) {
		leapYear = 1 - y
	}
	if d > daysIn(leapYear, mo) {
		return 0, 0, 0, 0, false
	}
	return y, mo, d, n, true
}

func twoDigits(b []byte) (int, bool) {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func daysIn(y int64, mo int) int {
	switch mo {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil numbers days from 1970-01-01 in the proleptic Gregorian
// calendar with astronomical years (Howard Hinnant's algorithm).
func daysFromCivil(y int64, mo, d int) int64 {
	if mo <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	m := int64(mo)
	if m > 2 {
		m -= 3
	} else {
		m += 9
	}
	doy := (153*m+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays inverts daysFromCivil.
func civilFromDays(z int64) (y int64, mo, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		mo = int(mp + 3)
	} else {
		mo = int(mp - 9)
	}
	y = yoe + era*400
	if mo <= 2 {
		y++
	}
	return y, mo, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendPadded appends a non-negative v with at least width digits.
func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || len(buf)-i < width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[i:]...)
}

// The ranges PostgreSQL accepts: dates from 4714-11-24 BC to 5874897-12-31,
// timestamps to 294276-12-31. Timestamps keep a day of margin at both ends
// because a zone offset can move the instant across midnight.
var (
	firstDay      = daysFromCivil(-4713, 11, 24)
	lastDate      = daysFromCivil(5874897, 12, 31)
	lastTimestamp = daysFromCivil(294276, 12, 31)
)

func init() {
	register(&Def{
		Name: "date_shift",
		Doc:  "moves dates and timestamps by a keyed number of days, keeping the time of day",
		Params: []Param{{Name: "max_days", Kind: ParamInt, Doc: fmt.Sprintf("largest shift in days, either way (default %d)", DefaultMaxDays)},
			{Name: "by", Kind: ParamString, Doc: "a column of the table whose original value (the row's key, or an owner such as user_id) draws the shift, so all dates of one entity move alike"}},
		Accepts: func(c *Column) (bool, string) {
			switch c.Category {
			case CatDate, CatTimestamp, CatTimestampTZ, CatText:
				return true, ""
			}
			return false, "it shifts date, timestamp, timestamptz, or text holding ISO dates"
		},
		New: func(cfg *Config) (Masker, error) {
			n := cfg.Int("max_days", DefaultMaxDays)
			if n < 1 || n > maxShiftDays {
				return nil, fmt.Errorf("max_days must be between 1 and %d", maxShiftDays)
			}
			m := dateShift{key: cfg.Key, maxDays: n, minDay: firstDay, maxDay: lastDate}
			switch cfg.Column.Category {
			case CatTimestamp, CatTimestampTZ:
				m.minDay, m.maxDay = firstDay+1, lastTimestamp-1
			case CatText:
				m.iso = true
			}
			by := cfg.String("by", "")
			if by == "" {
				if _, set := cfg.Spec.Params["by"]; set {
					return nil, errors.New("by must name a column")
				}
				return m, nil
			}
			if cfg.Column.Array {
				return nil, errors.New("by: shifts single dates, not arrays")
			}
			m.key = cfg.Derive(fmt.Sprintf("date_shift/by{max_days=%d}", n))
			return &dateShiftBy{dateShift: m, by: by, self: cfg.Column.Name}, nil
		},
	})
}
