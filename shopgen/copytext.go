package shopgen

import (
	"io"
	"strconv"

	"github.com/understudy-db/understudy/copytext"
)

// flushAt is the buffered size at which rows are handed to the underlying
// writer; large enough to amortise write calls, small enough to keep memory
// flat whatever the scale.
const flushAt = 256 << 10

// copyWriter renders rows in PostgreSQL's COPY text format: fields separated
// by tabs, rows ended by newlines, \N for NULL, and backslash escapes for
// backslash and control characters exactly as COPY TO writes them, so the
// output is byte-for-byte what the server itself would produce.
type copyWriter struct {
	w    io.Writer
	buf  []byte
	col  int
	rows int64
	n    int64
	err  error
}

func newCopyWriter(w io.Writer) *copyWriter {
	return &copyWriter{w: w, buf: make([]byte, 0, flushAt+64<<10)}
}

func (c *copyWriter) sep() {
	if c.col > 0 {
		c.buf = append(c.buf, '\t')
	}
	c.col++
}

func (c *copyWriter) null() {
	c.sep()
	c.buf = append(c.buf, '\\', 'N')
}

func (c *copyWriter) text(s string) {
	c.sep()
	c.buf = copytext.Encode(c.buf, s)
}

func (c *copyWriter) textBytes(b []byte) {
	c.sep()
	c.buf = copytext.Encode(c.buf, b)
}

// textOrNull writes NULL for an empty value: our nullable columns never
// hold empty strings.
func (c *copyWriter) textOrNull(b []byte) {
	if len(b) == 0 {
		c.null()
		return
	}
	c.textBytes(b)
}

// raw writes a value known to need no escaping (numbers, dates, enum labels).
func (c *copyWriter) raw(s string) {
	c.sep()
	c.buf = append(c.buf, s...)
}

func (c *copyWriter) rawBytes(b []byte) {
	c.sep()
	c.buf = append(c.buf, b...)
}

func (c *copyWriter) int(v int64) {
	c.sep()
	c.buf = strconv.AppendInt(c.buf, v, 10)
}

func (c *copyWriter) bool(v bool) {
	c.sep()
	if v {
		c.buf = append(c.buf, 't')
	} else {
		c.buf = append(c.buf, 'f')
	}
}

// money writes a numeric(p,2) value given in cents.
func (c *copyWriter) money(cents int64) {
	c.sep()
	c.buf = appendMoney(c.buf, cents)
}

func (c *copyWriter) timestamp(micros int64) {
	c.sep()
	c.buf = appendTimestamptz(c.buf, micros)
}

func (c *copyWriter) date(days int64) {
	c.sep()
	c.buf = appendDate(c.buf, days)
}

func (c *copyWriter) uuid(u [16]byte) {
	c.sep()
	c.buf = appendUUID(c.buf, u)
}

// bytea writes a value in the server's hex output format; its backslash is
// doubled by the COPY escaping.
func (c *copyWriter) bytea(b []byte) {
	c.sep()
	c.buf = append(c.buf, '\\', '\\', 'x')
	const hex = "0123456789abcdef"
	for _, x := range b {
		c.buf = append(c.buf, hex[x>>4], hex[x&15])
	}
}

// writeString appends text outside COPY data (SQL, comments) verbatim.
func (c *copyWriter) writeString(s string) {
	c.buf = append(c.buf, s...)
	if len(c.buf) >= flushAt {
		c.flush()
	}
}

func (c *copyWriter) endRow() {
	c.buf = append(c.buf, '\n')
	c.col = 0
	c.rows++
	if len(c.buf) >= flushAt {
		c.flush()
	}
}

func (c *copyWriter) flush() {
	if c.err == nil && len(c.buf) > 0 {
		var n int
		n, c.err = c.w.Write(c.buf)
		c.n += int64(n)
	}
	c.buf = c.buf[:0]
}

func appendMoney(dst []byte, cents int64) []byte {
	if cents < 0 {
		dst = append(dst, '-')
		cents = -cents
	}
	dst = strconv.AppendInt(dst, cents/100, 10)
	return append(dst, '.', byte('0'+cents%100/10), byte('0'+cents%10))
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse), avoiding time.Time on the hot
// path.
func civil(days int64) (y, m, d int64) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func append2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

func appendDate(dst []byte, days int64) []byte {
	y, m, d := civil(days)
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d)
}

const (
	microsPerSecond = 1_000_000
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// appendTimestamptz writes a UTC timestamp as the server prints it with
// DateStyle ISO and TimeZone UTC: fractional seconds without trailing zeros.
func appendTimestamptz(dst []byte, micros int64) []byte {
	days := micros / microsPerDay
	rem := micros % microsPerDay
	dst = appendDate(dst, days)
	dst = append(dst, ' ')
	dst = append2(dst, rem/microsPerHour)
	dst = append(dst, ':')
	dst = append2(dst, rem/microsPerMinute%60)
	dst = append(dst, ':')
	dst = append2(dst, rem/microsPerSecond%60)
	if frac := rem % microsPerSecond; frac != 0 {
		var digits [6]byte
		for i := 5; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 6
		for digits[n-1] == '0' {
			n--
		}
		dst = append(dst, '.')
		dst = append(dst, digits[:n]...)
	}
	return append(dst, '+', '0', '0')
}

func appendUUID(dst []byte, u [16]byte) []byte {
	const hex = "0123456789abcdef"
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[b>>4], hex[b&15])
	}
	return dst
}
