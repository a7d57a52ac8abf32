package schema

import "slices"

// Catalog finishes the model and returns it: partitions get the foreign keys
// declared on their partitioned parents, and sequences and the columns they
// feed are linked both ways. It may be called again after more statements;
// it returns the same, updated Catalog.
func (b *Builder) Catalog() *Catalog {
	inheritForeignKeys(b.cat)
	linkSequences(b.cat)
	return b.cat
}

// inheritForeignKeys copies the foreign keys of partitioned tables onto their
// partitions, as PostgreSQL does: pg_dump declares such a key once, on the
// parent, while the rows are dumped (and masked) per partition. The copies
// are made afresh each time, so that constraints dropped since are not
// copied; repeating until nothing changes reaches sub-partitions whatever
// the table order.
func inheritForeignKeys(c *Catalog) {
	for _, t := range c.Tables {
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *ForeignKey) bool { return fk.cloned })
	}
	for changed := true; changed; {
		changed = false
		for _, t := range c.Tables {
			if t.Parent == nil {
				continue
			}
			p := c.byName[*t.Parent]
			if p == nil || !p.Partitioned {
				continue
			}
			for _, fk := range p.ForeignKeys {
				if slices.ContainsFunc(t.ForeignKeys, func(o *ForeignKey) bool { return sameFK(o, fk) }) {
					continue
				}
				cp := *fk
				cp.Columns, cp.RefColumns, cp.cloned = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns), true
				t.ForeignKeys = append(t.ForeignKeys, &cp)
				changed = true
			}
		}
	}
}

func sameFK(a, b *ForeignKey) bool {
	return a.RefTable == b.RefTable && slices.Equal(a.Columns, b.Columns) && slices.Equal(a.RefColumns, b.RefColumns)
}

// linkSequences makes Column.Sequence and Sequence.OwnedBy agree. OWNED BY
// (explicit, serial or identity) names the column; a sequence nobody owns is
// attributed to the first column, in definition order, whose DEFAULT calls
// nextval on it (pagila's sequences are not OWNED BY anything). Inferred
// links are redone each time, as later statements may have changed them.
func linkSequences(c *Catalog) {
	for _, s := range c.Sequences {
		if s.ownerInferred {
			s.OwnedBy, s.ownerInferred = nil, false
		}
	}
	for _, t := range c.Tables {
		for _, col := range t.Columns {
			if col.seqInferred {
				col.Sequence, col.seqInferred = nil, false
			}
		}
	}
	for _, s := range c.Sequences {
		if s.OwnedBy == nil {
			continue
		}
		if t := c.byName[s.OwnedBy.Table]; t != nil {
			if col := t.Column(s.OwnedBy.Column); col != nil && col.Sequence == nil {
				name := s.Name
				col.Sequence, col.seqInferred = &name, true
			}
		}
	}
	for _, t := range c.Tables {
		for _, col := range t.Columns {
			if col.Sequence == nil {
				continue
			}
			if s := c.Sequences[*col.Sequence]; s != nil && s.OwnedBy == nil {
				s.OwnedBy, s.ownerInferred = &ColumnRef{Table: t.Name, Column: col.Name}, true
			}
		}
	}
}
