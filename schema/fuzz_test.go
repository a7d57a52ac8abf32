package schema

import (
	"errors"
	"testing"
)

// The seed corpora are committed under testdata/fuzz/<FuzzName>/.

// FuzzParseQName: parsing never panics, and whatever parses prints back to
// text that parses to the same name.
func FuzzParseQName(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQName(s)
		if err != nil {
			return
		}
		if q.Schema == "" || q.Name == "" {
			t.Fatalf("ParseQName(%q) = %#v with an empty part", s, q)
		}
		back, err := ParseQName(q.String())
		if err != nil || back != q {
			t.Fatalf("ParseQName(%q) = %#v; its String %s parses to %#v, %v", s, q, q, back, err)
		}
	})
}

// FuzzQNameString: every name with non-empty parts survives String and
// ParseQName.
func FuzzQNameString(f *testing.F) {
	f.Fuzz(func(t *testing.T, schema, name string) {
		if schema == "" || name == "" {
			return
		}
		q := QName{schema, name}
		back, err := ParseQName(q.String())
		if err != nil || back != q {
			t.Fatalf("%#v prints as %s, which parses to %#v, %v", q, q, back, err)
		}
	})
}

// FuzzBuilderAdd: any input either applies or gives one of the package's
// typed errors (a *ParseError's offset within the statement); the effect is
// consistent and the model stays whole.
func FuzzBuilderAdd(f *testing.F) {
	f.Fuzz(func(t *testing.T, sql string) {
		b := NewBuilder()
		eff, err := b.Statement(sql)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				if pe.Offset < -1 || pe.Offset > len(sql) {
					t.Fatalf("Statement(%q): offset %d outside the statement", sql, pe.Offset)
				}
			} else if !isModelError(err) {
				t.Fatalf("Statement(%q) = %T %v, want a typed error", sql, err, err)
			}
		}
		if eff.Kind > RolePassword || len(eff.Tables) > 0 && eff.Kind != WritesRows || eff.Kind != NoEffect && eff.What == "" {
			t.Fatalf("Statement(%q) = %+v", sql, eff)
		}
		if err == nil {
			checkModel(t, b)
		}
		c := b.Catalog()
		for _, tb := range c.Tables {
			_ = tb.Name.String()
			for _, col := range tb.Columns {
				_ = col.Type.String()
				c.ResolveType(col.Type)
			}
			c.Partitions(tb.Name)
			c.Referencing(tb.Name)
		}
	})
}

// isModelError reports the errors the Builder returns besides *ParseError.
func isModelError(err error) bool {
	var (
		re *ResolveError
		ee *ExistsError
		rb *RollbackError
		ue *UnsupportedError
	)
	return errors.As(err, &re) || errors.As(err, &ee) || errors.As(err, &rb) || errors.As(err, &ue)
}
