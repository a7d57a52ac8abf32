// Package dumptest is the conformance suite of the dump model: every Source
// must read a database exactly as its own plain pg_dump does, and every
// Sink must take a dump in and give the same database back.
package dumptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/schema"
)

// Copy sends every entry of src to sink unchanged and commits, the way the
// pipeline does when nothing is masked. INSERT data (SQL) goes through
// unmasked.
func Copy(t testing.TB, src dump.Source, sink dump.Sink) *dump.Inventory {
	t.Helper()
	ctx := context.Background()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	for _, e := range inv.Entries {
		if err := copyEntry(ctx, src, sink, e); err != nil {
			sink.Abort(ctx)
			t.Fatalf("%s (%s %s): %v", e.Pos, e.Desc, e.Table, err)
		}
	}
	if err := sink.Commit(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return inv
}

func copyEntry(ctx context.Context, src dump.Source, sink dump.Sink, e *dump.Entry) error {
	if e.Desc == dump.Statistics {
		return nil
	}
	if !e.IsData() {
		return sink.Entry(ctx, e)
	}
	w, err := sink.Data(ctx, e)
	if err != nil {
		return err
	}
	if vs, ok := src.(dump.ValueSource); ok && e.Format == dump.SQL && e.Desc == dump.TableData {
		err = vs.MaskValues(ctx, e, keep{}, w)
	} else {
		var r io.ReadCloser
		if r, err = src.Open(ctx, e); err == nil {
			_, err = io.Copy(w, r)
			if cerr := r.Close(); err == nil {
				err = cerr
			}
		}
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// keep is a RowMasker that changes nothing.
type keep struct{}

func (keep) Skip() bool                        { return false }
func (keep) Masks() bool                       { return false }
func (keep) Reads(int) bool                    { return false }
func (keep) MaskRow(*dump.Row, dump.Pos) error { return nil }

// Tables reads every table's data from src: the COPY text of all its data
// entries, in order.
func Tables(t testing.TB, src dump.Source) map[schema.QName][]byte {
	t.Helper()
	ctx := context.Background()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	out := map[schema.QName][]byte{}
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		if e.Format != dump.CopyText {
			t.Fatalf("%s: %s holds INSERT statements; compare COPY dumps", e.Pos, e.Table)
		}
		r, err := src.Open(ctx, e)
		if err != nil {
			t.Fatalf("%s: %v", e.Pos, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Pos, err)
		}
		out[e.Table] = append(out[e.Table], b...)
	}
	return out
}

// SourceEqualsPlain checks src against the plain pg_dump file of the same
// database: the same tables with the same columns, keys and foreign keys,
// the same rows byte for byte, the same sequence values.
func SourceEqualsPlain(t testing.TB, src dump.Source, plainPath string) {
	t.Helper()
	ref := OpenPlain(t, plainPath)
	defer ref.Close()
	Equal(t, src, ref)
}

// SinkRoundTrip copies the plain dump at plainPath into sink, then checks
// that what readBack reads of the result equals the plain dump.
func SinkRoundTrip(t testing.TB, plainPath string, sink dump.Sink, readBack func(testing.TB) dump.Source) {
	t.Helper()
	src := OpenPlain(t, plainPath)
	defer src.Close()
	Copy(t, src, sink)
	back := readBack(t)
	defer back.Close()
	ref := OpenPlain(t, plainPath)
	defer ref.Close()
	Equal(t, back, ref)
}

// OpenPlain opens a plain dump as a Source.
func OpenPlain(t testing.TB, path string) *plain.Source {
	t.Helper()
	src, err := plain.Open(context.Background(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// Equal checks that two sources hold the same database: tables with the
// same columns, keys and foreign keys, the same rows byte for byte, the
// same sequence values.
func Equal(t testing.TB, src, ref dump.Source) {
	t.Helper()
	want, err := ref.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := describe(got.Catalog), describe(want.Catalog); a != b {
		t.Errorf("schema differs from the plain dump's:\n--- source\n%s\n--- plain\n%s", a, b)
	}
	if a, b := sequences(t, got), sequences(t, want); a != b {
		t.Errorf("sequence values differ:\n--- source\n%s\n--- plain\n%s", a, b)
	}
	gotData, wantData := Tables(t, src), Tables(t, ref)
	for q, w := range wantData {
		if g, ok := gotData[q]; !ok {
			t.Errorf("table %s: no data from the source", q)
		} else if !bytes.Equal(g, w) {
			t.Errorf("table %s: data differs (%d bytes, plain dump %d) from byte %d", q, len(g), len(w), firstDiff(g, w))
		}
	}
	for q := range gotData {
		if _, ok := wantData[q]; !ok {
			t.Errorf("table %s: data the plain dump does not have", q)
		}
	}
}

// describe renders what a catalog says about tables, for comparison.
func describe(c *schema.Catalog) string {
	var lines []string
	for _, tb := range c.Tables {
		var b strings.Builder
		fmt.Fprintf(&b, "%s(", tb.Name)
		for i, col := range tb.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", schema.QuoteIdent(col.Name), col.Type)
			if col.NotNull {
				b.WriteString(" not null")
			}
			if col.Generated {
				b.WriteString(" generated")
			}
		}
		b.WriteString(")")
		if tb.PrimaryKey != nil {
			fmt.Fprintf(&b, " pk%v", tb.PrimaryKey.Columns)
		}
		var uniq []string
		for _, u := range tb.Uniques {
			uniq = append(uniq, fmt.Sprint(u.Columns))
		}
		sort.Strings(uniq)
		var fks []string
		for _, fk := range tb.ForeignKeys {
			fks = append(fks, fmt.Sprintf("%v→%s%v", fk.Columns, fk.RefTable, fk.RefColumns))
		}
		sort.Strings(fks)
		fmt.Fprintf(&b, " unique%v fk%v", uniq, fks)
		lines = append(lines, b.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// sequences renders the sequence values a dump sets.
func sequences(t testing.TB, inv *dump.Inventory) string {
	var lines []string
	for _, e := range inv.Entries {
		if e.Desc != dump.SequenceSet {
			continue
		}
		_, v, ok := dump.ParseSetval(e.Defn)
		if e.Set != nil {
			v, ok = *e.Set, true
		}
		if !ok {
			t.Errorf("%s: sequence entry %s sets no value", e.Pos, e.Table)
		}
		lines = append(lines, fmt.Sprintf("%s=%d,%v", e.Table, v.Value, v.Called))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
