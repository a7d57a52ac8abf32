package schema

import (
	"slices"
	"testing"
)

// checkModel verifies that every reference in the model leads somewhere:
// whatever the script did, names, keys, foreign keys, parents and sequences
// must agree.
func checkModel(t *testing.T, b *Builder) {
	t.Helper()
	c := b.cat
	if len(c.byName) != len(c.Tables) {
		t.Errorf("%d tables, %d by name", len(c.Tables), len(c.byName))
	}
	for q, k := range b.rels {
		if k == relTable && q.Schema != "pg_temp" && c.byName[q] == nil {
			t.Errorf("relation %s is a table missing from the catalog", q)
		}
		if q.Schema != "pg_temp" && !b.schemaExists(q.Schema) {
			t.Errorf("relation %s is in a schema that does not exist", q)
		}
	}
	for _, tb := range c.Tables {
		if c.byName[tb.Name] != tb || b.rels[tb.Name] != relTable {
			t.Errorf("table %s not registered", tb.Name)
		}
		for _, p := range tb.inherits {
			if c.byName[p] == nil {
				t.Errorf("%s inherits from missing %s", tb.Name, p)
			}
		}
		if tb.Parent != nil && (len(tb.inherits) == 0 || *tb.Parent != tb.inherits[0]) {
			t.Errorf("%s: Parent %v, inherits %v", tb.Name, tb.Parent, tb.inherits)
		}
		cols := func(what string, names []string) {
			for _, n := range names {
				if tb.Column(n) == nil {
					t.Errorf("%s: %s names missing column %s", tb.Name, what, n)
				}
			}
		}
		keys := slices.Clone(tb.Uniques)
		if tb.PrimaryKey != nil {
			keys = append(keys, tb.PrimaryKey)
		}
		for _, k := range keys {
			cols("key "+k.Name, k.Columns)
			if idx := b.indexes[QName{tb.Name.Schema, k.Name}]; idx == nil || idx.key != k || idx.table != tb.Name {
				t.Errorf("%s: key %s has no index", tb.Name, k.Name)
			}
		}
		for _, e := range tb.Exclusions {
			cols("exclusion "+e.Name, e.Columns)
		}
		for _, fk := range tb.ForeignKeys {
			cols("foreign key "+fk.Name, fk.Columns)
			rt := c.byName[fk.RefTable]
			if rt == nil {
				t.Errorf("%s: foreign key %s references missing %s", tb.Name, fk.Name, fk.RefTable)
				continue
			}
			for _, n := range fk.RefColumns {
				if rt.Column(n) == nil {
					t.Errorf("%s: foreign key %s references missing column %s.%s", tb.Name, fk.Name, fk.RefTable, n)
				}
			}
			if idx := b.indexes[QName{fk.RefTable.Schema, fk.key}]; !fk.cloned && (idx == nil || idx.table != fk.RefTable) {
				t.Errorf("%s: foreign key %s bound to missing key %s", tb.Name, fk.Name, fk.key)
			}
		}
		for _, chk := range tb.Checks {
			cols("check "+chk.Name, chk.refs)
		}
		for _, col := range tb.Columns {
			if col.Sequence != nil && c.Sequences[*col.Sequence] == nil {
				t.Errorf("%s.%s fed by missing sequence %s", tb.Name, col.Name, col.Sequence)
			}
		}
	}
	for q, s := range c.Sequences {
		if s.Name != q || b.rels[q] != relSequence {
			t.Errorf("sequence %s not registered", q)
		}
		if o := s.OwnedBy; o != nil && (c.byName[o.Table] == nil || c.byName[o.Table].Column(o.Column) == nil) {
			t.Errorf("sequence %s owned by missing %s.%s", q, o.Table, o.Column)
		}
	}
	for q, idx := range b.indexes {
		if b.rels[q] != relIndex || b.rels[idx.table] == 0 {
			t.Errorf("index %s on %s not registered", q, idx.table)
		}
	}
	for q, e := range c.Enums {
		if e.Name != q {
			t.Errorf("enum %s named %s", q, e.Name)
		}
	}
	for q, d := range c.Domains {
		if d.Name != q {
			t.Errorf("domain %s named %s", q, d.Name)
		}
	}
}
