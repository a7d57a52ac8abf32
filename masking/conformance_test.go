package masking

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/understudy-db/understudy/schema"
)

// conformanceCase is one masker configuration and sample inputs for the
// conformance suite. Each masker's own _test.go adds its cases in init, so
// the suite knows every masker without a central list to keep in sync.
type conformanceCase struct {
	spec   Spec
	col    *Column
	values []string
	// echoes lists properties this masker is exempt from, with the reason
	// documented on the masker: "echo" (may return its input), "zero" (keeps
	// a zero), "secret" (does not depend on the secret).
	exempt []string
}

var conformanceCases []conformanceCase

// sampleSize is n, or n/100 under -short. The exhaustive bijection and
// collision tests (postcode, ip, credit_card, username, iban, email) take
// most of the suite's time; with -short they check a sample, which is what
// scripts/mutate.sh runs for the files they do not guard.
func sampleSize(n int) int {
	if testing.Short() {
		return n / 100
	}
	return n
}

// col builds a test column.
func col(cat Category, typ string, mods ...int32) *Column {
	c := &Column{Table: "public.t", Name: "c", Category: cat, Type: schema.Type{Schema: "pg_catalog", Name: typ, Mods: mods}}
	c.Base = c.Type
	switch typ {
	case "varchar", "bpchar":
		if len(mods) > 0 {
			c.MaxChars = int(mods[0])
		}
	case "int2":
		c.IntMin, c.IntMax = -1<<15, 1<<15-1
	case "int4":
		c.IntMin, c.IntMax = -1<<31, 1<<31-1
	case "int8":
		c.IntMin, c.IntMax = -1<<63, 1<<63-1
	case "numeric":
		if len(mods) > 0 {
			c.Precision = int(mods[0])
		}
		if len(mods) > 1 {
			c.Scale = int(mods[1])
		}
	}
	return c
}

func testOptions(secret string) *Options {
	return &Options{Secret: NewSecret([]byte(secret)), EmailDomain: "example.com"}
}

func mustBuild(t testing.TB, spec *Spec, c *Column, opts *Options) Masker {
	t.Helper()
	m, err := Build(spec, c, opts)
	if err != nil {
		t.Fatalf("build %s on %s: %v", spec.Label(), c.TypeName(), err)
	}
	return m
}

func maskString(t testing.TB, m Masker, c *Column, v string) (string, bool) {
	t.Helper()
	out, null, err := apply(m, c, NewScratch(), v)
	if err != nil {
		t.Fatalf("mask %q: %v", v, err)
	}
	return out, null
}

// apply masks v as the pipeline would: through Wrap, or for a row masker
// with a row whose every other column holds "column:v".
func apply(m Masker, c *Column, s *Scratch, v string) (string, bool, error) {
	if rm, ok := m.(RowMasker); ok {
		out, err := rm.MaskRow(s, nil, func(column string) ([]byte, bool) { return []byte(column + ":" + v), false })
		return string(out), false, err
	}
	out, null, err := Wrap(m, c).Apply(s, nil, []byte(v), false)
	return string(out), null, err
}

func TestEveryMaskerHasConformanceCases(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range conformanceCases {
		covered[c.spec.Name] = true
	}
	for _, name := range Names() {
		if !covered[name] {
			t.Errorf("masker %s has no conformance case", name)
		}
	}
}

func TestConformance(t *testing.T) {
	for _, cc := range conformanceCases {
		name := fmt.Sprintf("%s/%s", cc.spec.Label(), cc.col.TypeName())
		t.Run(name, func(t *testing.T) {
			spec := cc.spec
			m := mustBuild(t, &spec, cc.col, testOptions("secret-A"))
			other := mustBuild(t, &spec, cc.col, testOptions("secret-B"))
			changedBySecret := 0
			for _, v := range cc.values {
				out, null := maskString(t, m, cc.col, v)

				// Deterministic: same output with fresh and with used scratch,
				// and from concurrent goroutines.
				s := NewScratch()
				for _, w := range cc.values {
					apply(m, cc.col, s, w)
				}
				again, null2, err := apply(m, cc.col, s, v)
				if err != nil || again != out || null2 != null {
					t.Fatalf("not deterministic for %q: %q then %q (%v)", v, out, again, err)
				}
				var wg sync.WaitGroup
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if o, _, _ := apply(m, cc.col, NewScratch(), v); o != out {
							t.Errorf("concurrent output differs for %q", v)
						}
					}()
				}
				wg.Wait()

				// Mask appends to dst: what dst holds stays, the output follows.
				if err := appendsToDst(m, cc.col, v, out, null); err != nil {
					t.Errorf("%q: %v", v, err)
				}

				if !null {
					if err := fits(cc.col, out); err != nil {
						t.Errorf("output %q for %q does not fit %s: %v", out, v, cc.col.TypeName(), err)
					}
				}
				zeroKept := slices.Contains(cc.exempt, "zero") && isZero([]byte(v))
				if !slices.Contains(cc.exempt, "echo") && !zeroKept && !null && out == v {
					t.Errorf("output echoes the input %q", v)
				}
				if o, _ := maskString(t, other, cc.col, v); o != out {
					changedBySecret++
				}
			}
			if !slices.Contains(cc.exempt, "secret") && changedBySecret < (len(cc.values)+1)/2 {
				t.Errorf("a different secret changed only %d of %d outputs", changedBySecret, len(cc.values))
			}

			// NULL stays NULL unless the masker fills NULLs (row maskers are
			// only called for rows, so NULL inputs do not reach them).
			if _, ok := m.(RowMasker); ok {
				return
			}
			out, null, err := Wrap(m, cc.col).Apply(NewScratch(), nil, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			_, fills := m.(NullFiller)
			if !fills && (!null || len(out) != 0) {
				t.Errorf("NULL became %q", out)
			}
		})
	}
}

// appendsToDst masks v after a prefix in a buffer with spare capacity and
// checks that the result is the prefix followed by out.
func appendsToDst(m Masker, c *Column, v, out string, null bool) error {
	dst := append(make([]byte, 0, 1024), "dst:"...)
	var got []byte
	var err error
	switch {
	case func() bool { _, ok := m.(RowMasker); return ok }():
		got, err = m.(RowMasker).MaskRow(NewScratch(), dst, func(column string) ([]byte, bool) { return []byte(column + ":" + v), false })
	case c.Array:
		got, _, err = Wrap(m, c).Apply(NewScratch(), dst, []byte(v), false)
	default:
		got, err = m.Mask(NewScratch(), dst, []byte(v))
	}
	if err != nil {
		return err
	}
	if null {
		out = ""
	}
	if string(got) != "dst:"+out {
		return fmt.Errorf("after a prefix: %q, want %q", got, "dst:"+out)
	}
	return nil
}

// fits checks a masked value against its column the way PostgreSQL would
// on load.
func fits(c *Column, v string) error {
	if c.Array {
		var err error
		walkArray(nil, []byte(v), func(dst, elem []byte) ([]byte, error) {
			if e := fitsScalar(c, string(elem)); e != nil && err == nil {
				err = e
			}
			return append(dst, elem...), nil
		})
		return err
	}
	return fitsScalar(c, v)
}

func fitsScalar(c *Column, v string) error {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("not valid UTF-8 text")
	}
	if c.MaxChars > 0 && utf8.RuneCountInString(v) > c.MaxChars {
		return fmt.Errorf("%d characters, limit %d", utf8.RuneCountInString(v), c.MaxChars)
	}
	for _, ch := range c.Checks {
		if !ch.Re.MatchString(v) {
			return fmt.Errorf("violates CHECK %s", ch.Name)
		}
	}
	if c.Range != nil && !c.Range.containsText([]byte(v)) {
		return fmt.Errorf("violates CHECK %s", c.Range.Checks)
	}
	switch c.Category {
	case CatDate, CatTimestamp, CatTimestampTZ:
		// time.Parse knows four-digit years AD only; PostgreSQL takes any
		// year from 4713 BC on: the calendar date is checked here, the
		// rest on year 2000 (a leap year, as any valid 29 February's is).
		if _, _, _, n, ok := parseISODate([]byte(v)); ok {
			v = "2000" + strings.TrimSuffix(v[n-6:], " BC")
		}
	}
	switch c.Category {
	case CatInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < c.IntMin || n > c.IntMax {
			return fmt.Errorf("not an integer in range")
		}
	case CatNumeric, CatFloat:
		if c.Category == CatFloat {
			bits := 64
			if c.Base.Name == "float4" {
				bits = 32
			}
			if _, err := strconv.ParseFloat(v, bits); err != nil {
				return fmt.Errorf("not a %d-bit float: %v", bits, err)
			}
		}
		r, ok := new(big.Rat).SetString(v)
		if !ok {
			return fmt.Errorf("not a number")
		}
		if c.Precision > 0 {
			limit := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.Precision-c.Scale)), nil))
			if new(big.Rat).Abs(r).Cmp(limit) >= 0 {
				return fmt.Errorf("exceeds numeric(%d,%d)", c.Precision, c.Scale)
			}
			if dot := strings.IndexByte(v, '.'); dot >= 0 && len(v)-dot-1 > c.Scale {
				return fmt.Errorf("more than %d decimals", c.Scale)
			}
		}
	case CatDate:
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return err
		}
	case CatTimestamp:
		if _, err := time.Parse("2006-01-02 15:04:05.999999", v); err != nil {
			return err
		}
	case CatTimestampTZ:
		if _, err := time.Parse("2006-01-02 15:04:05.999999-07", v); err != nil {
			if _, err2 := time.Parse("2006-01-02 15:04:05.999999-07:00", v); err2 != nil {
				return err
			}
		}
	case CatUUID:
		if _, ok := parseUUID([]byte(v)); !ok || len(v) != 36 {
			return fmt.Errorf("not a canonical UUID")
		}
	case CatInet:
		if _, err := netip.ParsePrefix(v); err != nil {
			if _, err := netip.ParseAddr(v); err != nil {
				return err
			}
		}
	case CatCidr:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return err
		}
		if p.Masked() != p {
			return fmt.Errorf("cidr has host bits set")
		}
	case CatJSON:
		if !json.Valid([]byte(v)) {
			return fmt.Errorf("not valid JSON")
		}
	case CatEnum:
		if !slices.Contains(c.Labels, v) {
			return fmt.Errorf("not an enum label")
		}
	case CatBytea:
		if !strings.HasPrefix(v, `\x`) {
			return fmt.Errorf("bytea not in hex form")
		}
	}
	return nil
}

// The shared value sets.
var (
	sampleNames  = []string{"Alice", "Bob", "Zoë", "Jean-Pierre", "O'Brien", "X"}
	sampleEmails = []string{"alice@gmail.com", "bob.smith@company.co.uk", "zoë+tag@例え.jp", "x@y.z"}
)

func TestBuildErrors(t *testing.T) {
	opts := testOptions("s")
	cases := []struct {
		spec Spec
		col  *Column
		want string
	}{
		{Spec{Name: "nope"}, col(CatText, "text"), "unknown masker"},
		{Spec{Name: "email"}, col(CatInt, "int4"), "cannot fill a column of type integer"},
		{Spec{Name: "email", Params: map[string]any{"domian": "example.com"}}, col(CatText, "text"), `no parameter "domian"`},
		{Spec{Name: "email", Params: map[string]any{"domain": "gmail.com"}}, col(CatText, "text"), "not reserved"},
		{Spec{Name: "email"}, col(CatText, "varchar", 12), "too short"},
		{Spec{Name: "const"}, col(CatText, "text"), "needs parameter value"},
		{Spec{Name: "const", Params: map[string]any{"value": "abc"}}, col(CatInt, "int4"), "not an integer"},
		{Spec{Name: "const", Params: map[string]any{"value": int64(3)}}, col(CatText, "text"), "must be a string"},
		{Spec{Name: "hash", Params: map[string]any{"length": int64(8)}}, func() *Column { c := col(CatText, "text"); c.Unique = true; return c }(), "could collide"},
		{Spec{Name: "null"}, func() *Column { c := col(CatText, "text"); c.NotNull = true; return c }(), "NOT NULL"},
	}
	for _, c := range cases {
		_, err := Build(&c.spec, c.col, opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%s on %s) = %v, want error containing %q", c.spec.Label(), c.col.TypeName(), err, c.want)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret([]byte("hunter2-very-secret"))
	for _, f := range []string{"%v", "%s", "%+v", "%#v", "%q"} {
		if out := fmt.Sprintf(f, s); strings.Contains(out, "hunter2") {
			t.Errorf("%s prints the secret: %s", f, out)
		}
	}
	if out := fmt.Sprintf("%v", &Options{Secret: s}); strings.Contains(out, "hunter2") {
		t.Errorf("options print the secret: %s", out)
	}
}
