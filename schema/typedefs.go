package schema

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// newType claims a type name, which must be free.
func (b *Builder) newType(names []string) (QName, error) {
	q, err := b.createTypeName(names)
	if err != nil {
		return q, err
	}
	if b.typeExists(q) {
		return q, &ExistsError{Kind: "type", Name: q.String()}
	}
	b.touch()
	return q, nil
}

func (b *Builder) createEnum(s *pg_query.CreateEnumStmt) error {
	q, err := b.newType(strs(s.TypeName))
	if err != nil {
		return err
	}
	b.cat.Enums[q] = &Enum{Name: q, Labels: strs(s.Vals)}
	return nil
}

// createRange claims a range type's name and its multirange's.
func (b *Builder) createRange(s *pg_query.CreateRangeStmt) error {
	q, err := b.newType(strs(s.TypeName))
	if err != nil {
		return err
	}
	b.types[q] = true
	multi := QName{q.Schema, multirangeName(q.Name)}
	for _, p := range s.Params {
		if d := p.GetDefElem(); d.GetDefname() == "multirange_type_name" {
			names := strs(d.Arg.GetTypeName().GetNames())
			if len(names) == 0 {
				names = strs(d.Arg.GetList().GetItems())
			}
			if len(names) > 0 {
				multi = QName{q.Schema, names[len(names)-1]}
				if len(names) > 1 {
					multi.Schema = names[len(names)-2]
				}
			}
		}
	}
	if b.typeExists(multi) {
		return &ExistsError{Kind: "type", Name: multi.String()}
	}
	b.types[multi] = true
	return nil
}

// multirangeName is PostgreSQL's default name for a range's multirange:
// the first "range" in the name becomes "multirange", else _multirange is
// appended.
func multirangeName(name string) string {
	if i := strings.Index(name, "range"); i >= 0 {
		return name[:i] + "multi" + name[i:]
	}
	return objectName(name, "", "multirange")
}

// createBaseType claims the name of CREATE TYPE name (…) or of a shell
// type; defining a shell type's I/O later is no new type.
func (b *Builder) createBaseType(s *pg_query.DefineStmt) error {
	names := strs(s.Defnames)
	q, err := b.createTypeName(names)
	if err != nil {
		return err
	}
	if b.types[q] && len(s.Definition) > 0 {
		return nil
	}
	if _, err := b.newType(names); err != nil {
		return err
	}
	b.types[q] = true
	return nil
}

// enumOf resolves the enum an ALTER TYPE names.
func (b *Builder) enumOf(names []string) (*Enum, error) {
	q, err := b.findType(names)
	if err != nil {
		return nil, err
	}
	e := b.cat.Enums[q]
	if e == nil {
		return nil, &ResolveError{Name: q.String(), Reason: "not an enum type; ALTER TYPE fails"}
	}
	return e, nil
}

func (b *Builder) alterEnum(s *pg_query.AlterEnumStmt) error {
	const stmt = "ALTER TYPE"
	e, err := b.enumOf(strs(s.TypeName))
	if err != nil {
		return err
	}
	has := func(l string) int {
		for i, x := range e.Labels {
			if x == l {
				return i
			}
		}
		return -1
	}
	if s.OldVal != "" { // RENAME VALUE
		i := has(s.OldVal)
		switch {
		case i < 0:
			return &UnsupportedError{Statement: stmt + " … RENAME VALUE", Reason: "the enum has no such label"}
		case has(s.NewVal) >= 0:
			return &UnsupportedError{Statement: stmt + " … RENAME VALUE", Reason: "the new label is already in the enum"}
		}
		e.Labels[i] = s.NewVal
		b.touch()
		return nil
	}
	if has(s.NewVal) >= 0 {
		if s.SkipIfNewValExists {
			return nil
		}
		return &UnsupportedError{Statement: stmt + " … ADD VALUE", Reason: "the label is already in the enum"}
	}
	at := len(e.Labels)
	if s.NewValNeighbor != "" {
		if at = has(s.NewValNeighbor); at < 0 {
			return &UnsupportedError{Statement: stmt + " … ADD VALUE", Reason: "the neighbouring label is not in the enum"}
		}
		if s.NewValIsAfter {
			at++
		}
	}
	e.Labels = append(e.Labels[:at], append([]string{s.NewVal}, e.Labels[at:]...)...)
	b.touch()
	return nil
}

func (b *Builder) createDomain(s *pg_query.CreateDomainStmt) error {
	q, err := b.newType(strs(s.Domainname))
	if err != nil {
		return err
	}
	d := &Domain{Name: q}
	var serial bool
	if d.Base, serial, err = b.typeOf(s.TypeName); err != nil {
		return err
	}
	if serial {
		return &UnsupportedError{Statement: "CREATE DOMAIN", Reason: "serial is not a type a domain can be over"}
	}
	for _, n := range s.Constraints {
		if err := b.domainConstraint(d, n.GetConstraint()); err != nil {
			return err
		}
	}
	b.cat.Domains[d.Name] = d
	return nil
}

func (b *Builder) alterDomain(s *pg_query.AlterDomainStmt) error {
	q, err := b.findType(strs(s.TypeName))
	if err != nil {
		return err
	}
	d := b.cat.Domains[q]
	if d == nil {
		return &ResolveError{Name: q.String(), Reason: "not a domain; ALTER DOMAIN fails"}
	}
	switch s.Subtype {
	case "C": // ADD CONSTRAINT
		return b.domainConstraint(d, s.Def.GetConstraint())
	case "X": // DROP CONSTRAINT
		n := len(d.Checks)
		d.Checks = deleteChecks(d.Checks, s.Name)
		if n == len(d.Checks) && !s.MissingOk {
			return &UnsupportedError{Statement: "ALTER DOMAIN … DROP CONSTRAINT", Reason: "constraint " + QuoteIdent(s.Name) + " of domain " + q.String() + " does not exist"}
		}
	case "O": // SET NOT NULL
		d.NotNull = true
	case "N": // DROP NOT NULL
		d.NotNull = false
	}
	b.touch()
	return nil
}

func deleteChecks(checks []*Check, name string) []*Check {
	out := checks[:0]
	for _, c := range checks {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

func (b *Builder) domainConstraint(d *Domain, c *pg_query.Constraint) error {
	switch c.GetContype() {
	case pg_query.ConstrType_CONSTR_NOTNULL:
		d.NotNull = true
	case pg_query.ConstrType_CONSTR_CHECK:
		chk, err := b.check(c, true)
		if err != nil {
			return err
		}
		if chk.Name == "" {
			var own []string
			for _, o := range d.Checks {
				own = append(own, o.Name)
			}
			chk.Name = freeName(b.constraintTaken(d.Name.Schema, own), d.Name.Name, "", "check")
		}
		d.Checks = append(d.Checks, chk)
	}
	b.touch()
	return nil
}

// createSequence follows CREATE SEQUENCE.
func (b *Builder) createSequence(s *pg_query.CreateSeqStmt) error {
	q, err := b.createName(s.Sequence)
	if err != nil {
		return err
	}
	if s.IfNotExists && b.rels[q] != 0 {
		return nil
	}
	if q.Schema == "pg_temp" {
		return b.addRel(q, relSequence)
	}
	_, err = b.defineSequence(q, Type{Schema: "pg_catalog", Name: "int8"}, s.Options)
	return err
}

// alterSequence follows ALTER SEQUENCE.
func (b *Builder) alterSequence(s *pg_query.AlterSeqStmt) error {
	q, kind, err := b.findRV(s.Sequence)
	switch {
	case err != nil:
		return err
	case kind == 0 && s.MissingOk:
		return nil
	case kind != relSequence:
		return &ResolveError{Name: q.String(), Reason: "not a sequence; ALTER SEQUENCE fails"}
	}
	if seq := b.cat.Sequences[q]; seq != nil {
		return b.applySeqOptions(seq, parseSeqOptions(s.Options))
	}
	return nil // a temporary sequence
}

// setIdentity follows ALTER COLUMN … SET GENERATED / SET sequence options.
func (b *Builder) setIdentity(col *Column, opts []*pg_query.Node) error {
	if col.Identity == 0 {
		return &UnsupportedError{Statement: "ALTER COLUMN … SET", Reason: "column " + QuoteIdent(col.Name) + " is not an identity column"}
	}
	for _, o := range opts {
		if d := o.GetDefElem(); d.GetDefname() == "generated" {
			if v := d.Arg.GetInteger(); v != nil && v.Ival != 0 {
				col.Identity = byte(v.Ival)
			}
		}
	}
	if seq := b.cat.Sequences[*col.Sequence]; seq != nil {
		return b.applySeqOptions(seq, parseSeqOptions(opts))
	}
	return nil
}

// seqOptions are the options a CREATE/ALTER SEQUENCE (or identity) states;
// nil means not given.
type seqOptions struct {
	as                         *Type
	start, inc, minVal, maxVal *int64
	ownedBy                    []string
}

func parseSeqOptions(opts []*pg_query.Node) seqOptions {
	var o seqOptions
	for _, n := range opts {
		d := n.GetDefElem()
		switch d.GetDefname() {
		case "as":
			if names := strs(d.Arg.GetTypeName().GetNames()); len(names) > 0 {
				o.as = &Type{Schema: "pg_catalog", Name: names[len(names)-1]}
			}
		case "start":
			o.start = intValue(d.Arg)
		case "increment":
			o.inc = intValue(d.Arg)
		case "minvalue":
			o.minVal = intValue(d.Arg)
		case "maxvalue":
			o.maxVal = intValue(d.Arg)
		case "owned_by":
			o.ownedBy = strs(d.Arg.GetList().GetItems())
		}
	}
	return o
}

// intValue reads a numeric option: Integer for 32-bit values, Float (as
// text) for larger ones; nil for NO MINVALUE and the like.
func intValue(n *pg_query.Node) *int64 {
	switch {
	case n.GetInteger() != nil:
		v := int64(n.GetInteger().Ival)
		return &v
	case n.GetFloat() != nil:
		if v, err := strconv.ParseInt(n.GetFloat().Fval, 10, 64); err == nil {
			return &v
		}
	}
	return nil
}

// defineSequence creates a sequence with PostgreSQL's defaults for what the
// options leave out: bigint, increment 1, bounds from the type and the
// direction, start at the bound the sequence counts away from.
func (b *Builder) defineSequence(name QName, typ Type, opts []*pg_query.Node) (*Sequence, error) {
	if err := b.addRel(name, relSequence); err != nil {
		return nil, err
	}
	o := parseSeqOptions(opts)
	if o.as != nil {
		typ = *o.as
	}
	s := &Sequence{Name: name, Type: typ, Increment: 1}
	if o.inc != nil && *o.inc != 0 {
		s.Increment = *o.inc
	}
	lo, hi := intRange(typ)
	if s.Increment > 0 {
		s.Min, s.Max = 1, hi
	} else {
		s.Min, s.Max = lo, -1
	}
	s.Min = deref(o.minVal, s.Min)
	s.Max = deref(o.maxVal, s.Max)
	if s.Increment > 0 {
		s.Start = deref(o.start, s.Min)
	} else {
		s.Start = deref(o.start, s.Max)
	}
	b.cat.Sequences[name] = s
	return s, b.setOwner(s, o.ownedBy)
}

func deref(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// applySeqOptions applies what an ALTER SEQUENCE states.
func (b *Builder) applySeqOptions(s *Sequence, o seqOptions) error {
	if o.as != nil {
		s.Type = *o.as
	}
	s.Start = deref(o.start, s.Start)
	if o.inc != nil && *o.inc != 0 {
		s.Increment = *o.inc
	}
	s.Min = deref(o.minVal, s.Min)
	s.Max = deref(o.maxVal, s.Max)
	b.touch()
	return b.setOwner(s, o.ownedBy)
}

// setOwner applies OWNED BY table.column (or NONE); nil leaves it alone.
// The table must be in the sequence's schema.
func (b *Builder) setOwner(s *Sequence, ownedBy []string) error {
	switch {
	case len(ownedBy) == 1: // OWNED BY NONE
		s.OwnedBy, s.ownerInferred = nil, false
	case len(ownedBy) >= 2:
		tn := ownedBy[:len(ownedBy)-1]
		tq, _, err := b.findRel(QName{qualifier(tn), tn[len(tn)-1]})
		if err != nil {
			return err
		}
		t := b.cat.byName[tq]
		switch {
		case t == nil:
			return &ResolveError{Name: tq.String(), Reason: "not a table of the model; OWNED BY fails"}
		case t.Column(ownedBy[len(ownedBy)-1]) == nil:
			return &UnsupportedError{Statement: "OWNED BY", Reason: "column " + QuoteIdent(ownedBy[len(ownedBy)-1]) + " of table " + tq.String() + " does not exist"}
		case tq.Schema != s.Name.Schema:
			return &UnsupportedError{Statement: "OWNED BY", Reason: "sequence must be in same schema as table it is linked to"}
		}
		s.OwnedBy, s.ownerInferred = &ColumnRef{Table: tq, Column: ownedBy[len(ownedBy)-1]}, false
	}
	return nil
}
