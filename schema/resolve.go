package schema

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Name resolution follows PostgreSQL's namespace.c: the search_path items
// that name existing schemas, in order and without repeats, with the
// session's temporary schema and then pg_catalog searched first unless the
// path lists them itself. The model assumes a superuser, for whom every
// schema is usable, and a fresh database: pg_catalog, information_schema
// and pg_toast besides the schemas the script has.

// pathEntry is one schema of the search path. anyUser marks "$user" while
// the role is unknown: any schema named like a role could stand there.
type pathEntry struct {
	schema  string
	anyUser bool
}

// tri answers "does this schema hold that name?"; maybe is for system
// schemas, whose contents the model does not know.
type tri uint8

const (
	no tri = iota
	yes
	maybe
)

// schemaExists reports whether s is a schema of the database.
func (b *Builder) schemaExists(s string) bool {
	switch s {
	case "pg_catalog", "information_schema", "pg_toast":
		return true
	case "pg_temp":
		return b.tempNS
	}
	return b.schemas[s]
}

// explicitPath is the search path as listed, reduced to existing schemas;
// it keeps a leading pg_temp even before the temporary schema exists, since
// PostgreSQL then creates objects there.
func (b *Builder) explicitPath(name string) ([]pathEntry, error) {
	if b.set.pathUnknown {
		return nil, &ResolveError{Name: name, Reason: "search_path is unknown: this session started after the script gave a role or database a search_path of its own; set search_path explicitly"}
	}
	var out []pathEntry
	seen := map[string]bool{}
	for _, item := range b.set.path {
		s := item
		if item == "$user" {
			s = b.set.currentRole()
			if s == "" {
				if !slices.Contains(out, pathEntry{anyUser: true}) {
					out = append(out, pathEntry{anyUser: true})
				}
				continue
			}
		}
		pendingTemp := s == "pg_temp" && !slices.ContainsFunc(out, func(e pathEntry) bool { return !e.anyUser })
		if seen[s] || !b.schemaExists(s) && !pendingTemp {
			continue
		}
		seen[s] = true
		out = append(out, pathEntry{schema: s})
	}
	return out, nil
}

// lookupPath is the search path for finding objects, implicit schemas
// included.
func (b *Builder) lookupPath(name string) ([]pathEntry, error) {
	exp, err := b.explicitPath(name)
	if err != nil {
		return nil, err
	}
	listed := func(s string) bool { return slices.Contains(exp, pathEntry{schema: s}) }
	var out []pathEntry
	if b.tempNS && !listed("pg_temp") {
		out = append(out, pathEntry{schema: "pg_temp"})
	}
	if !listed("pg_catalog") {
		out = append(out, pathEntry{schema: "pg_catalog"})
	}
	for _, e := range exp {
		if e.schema != "pg_temp" || b.tempNS {
			out = append(out, e)
		}
	}
	return out, nil
}

// lookup finds the schema of an unqualified name: the first on the search
// path for which has says yes; "" if none. It refuses when the answer
// depends on what the model cannot see: a system schema that may hold the
// name, or "$user" with the role unknown while another schema holds it.
func (b *Builder) lookup(name string, has func(schema string) tri) (string, error) {
	path, err := b.lookupPath(name)
	if err != nil {
		return "", err
	}
	found, userFirst := "", false
	for _, e := range path {
		if e.anyUser {
			userFirst = true
			continue
		}
		if r := has(e.schema); r == maybe {
			return "", &ResolveError{Name: QuoteIdent(name), Reason: fmt.Sprintf(
				"the search path puts %s first, which may hold an object of that name the model does not know; qualify the name", e.schema)}
		} else if r == yes {
			found = e.schema
			break
		}
	}
	if userFirst {
		for _, s := range b.roleSchemas() {
			if s != found && has(s) == yes {
				return "", userError(name, s)
			}
		}
	}
	return found, nil
}

// roleSchemas are the schemas "$user" could stand for, in name order: a role
// may be named like any of them except public, and none is named pg_….
func (b *Builder) roleSchemas() []string {
	var out []string
	for s := range b.schemas {
		if s != "public" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func userError(name, schema string) error {
	return &ResolveError{Name: QuoteIdent(name), Reason: fmt.Sprintf(
		`search_path starts with "$user" and the session's role is unknown: for a role named %s the name means %s; qualify the name or set search_path`,
		QuoteIdent(schema), QName{schema, name})}
}

// creationSchema is where an unqualified CREATE puts the object name: the
// first existing schema of the search path.
func (b *Builder) creationSchema(name string) (string, error) {
	exp, err := b.explicitPath(name)
	if err != nil {
		return "", err
	}
	if len(exp) > 0 && exp[0].anyUser {
		next := ""
		if len(exp) > 1 {
			next = exp[1].schema
		}
		for _, s := range b.roleSchemas() {
			if s != next {
				return "", userError(name, s)
			}
		}
		exp = exp[1:]
	}
	if len(exp) == 0 {
		return "", &ResolveError{Name: QuoteIdent(name), Reason: "no schema has been selected to create in: search_path names no existing schema"}
	}
	return b.createIn(name, exp[0].schema)
}

// createIn checks that objects may be created in schema s.
func (b *Builder) createIn(name, s string) (string, error) {
	switch {
	case s == "pg_catalog" || s == "pg_toast":
		return "", &ResolveError{Name: QName{s, name}.String(), Reason: "system catalog modifications are disallowed"}
	case s != "pg_temp" && !b.schemaExists(s):
		return "", &ResolveError{Name: QName{s, name}.String(), Reason: "schema " + QuoteIdent(s) + " does not exist"}
	}
	return s, nil
}

// hasRel says whether schema s holds a relation called name.
func (b *Builder) hasRel(name string) func(string) tri {
	return func(s string) tri {
		switch s {
		case "pg_catalog", "pg_toast":
			if strings.HasPrefix(name, "pg_") {
				return maybe // every relation there is called pg_…
			}
			return no
		case "information_schema":
			return maybe
		}
		if b.rels[QName{s, name}] != 0 {
			return yes
		}
		return no
	}
}

// findRel resolves a relation name; q.Schema "" means unqualified. The kind
// is 0 when no relation has the name.
func (b *Builder) findRel(q QName) (QName, relKind, error) {
	if q.Schema == "" {
		s, err := b.lookup(q.Name, b.hasRel(q.Name))
		if err != nil || s == "" {
			return q, 0, err
		}
		q.Schema = s
	}
	if isTempSchema(q.Schema) {
		q.Schema = "pg_temp"
	}
	return q, b.rels[q], nil
}

// isTempSchema recognises the names of the session's temporary schema.
func isTempSchema(s string) bool {
	return s == "pg_temp" || strings.HasPrefix(s, "pg_temp_")
}

// rvName is the name a RangeVar writes; Schema "" when unqualified.
func rvName(rv *pg_query.RangeVar) QName {
	return QName{rv.GetSchemaname(), rv.GetRelname()}
}

// findRV resolves a RangeVar naming an existing relation.
func (b *Builder) findRV(rv *pg_query.RangeVar) (QName, relKind, error) {
	return b.findRel(rvName(rv))
}

// ResolveTable resolves a table name the way PostgreSQL would at this point
// of the script: q.Schema "" means unqualified, found on the session's
// search path. It fails, with a *ResolveError, unless the name means a table
// of the model: for a view, a temporary table, a table made by CREATE TABLE
// … AS, or a name whose meaning depends on what the script does not show.
func (b *Builder) ResolveTable(q QName) (QName, error) {
	r, kind, err := b.findRel(q)
	if err != nil {
		return QName{}, err
	}
	switch {
	case kind == 0 && q.Schema == "":
		return QName{}, &ResolveError{Name: q.String(), Reason: "no table of that name on the search path"}
	case kind == 0:
		return QName{}, &ResolveError{Name: q.String(), Reason: "no such table"}
	case r.Schema == "pg_temp":
		return QName{}, &ResolveError{Name: q.String(), Reason: "it is a temporary table, which the model does not follow"}
	case kind != relTable:
		return QName{}, &ResolveError{Name: q.String(), Reason: "it is " + kind.String() + ", not a table the model describes"}
	}
	return r, nil
}

// typeIn says whether schema s holds a type called name.
func (b *Builder) hasType(name string) func(string) tri {
	return func(s string) tri {
		switch s {
		case "pg_catalog":
			if builtinTypes[name] {
				return yes
			}
			if strings.HasPrefix(name, "pg_") {
				return maybe
			}
			return no
		case "pg_toast":
			return no
		case "information_schema":
			return maybe
		}
		q := QName{s, name}
		if b.cat.Enums[q] != nil || b.cat.Domains[q] != nil || b.types[q] || b.rels[q].hasRowType() {
			return yes
		}
		return no
	}
}

// typeExists reports whether q names a type.
func (b *Builder) typeExists(q QName) bool { return b.hasType(q.Name)(q.Schema) == yes }

// findType resolves a type name written as name parts; q.Schema "" when no
// type of that name exists (an extension's type, say).
func (b *Builder) findType(names []string) (QName, error) {
	switch len(names) {
	case 0:
		return QName{}, nil
	case 1:
		s, err := b.lookup(names[0], b.hasType(names[0]))
		return QName{s, names[0]}, err
	}
	q := QName{names[len(names)-2], names[len(names)-1]}
	if isTempSchema(q.Schema) {
		q.Schema = "pg_temp"
	}
	return q, nil
}

// createName is where CREATE puts a relation named by rv: its schema, the
// temporary schema for TEMP, or the creation schema of the search path.
func (b *Builder) createName(rv *pg_query.RangeVar) (QName, error) {
	q := rvName(rv)
	temp := rv.GetRelpersistence() == "t"
	switch {
	case isTempSchema(q.Schema):
		q.Schema = "pg_temp"
	case q.Schema != "" && temp:
		return q, &UnsupportedError{Statement: "CREATE TEMPORARY", Reason: "cannot create temporary relation in non-temporary schema " + QuoteIdent(q.Schema)}
	case temp:
		q.Schema = "pg_temp"
	case q.Schema == "":
		s, err := b.creationSchema(q.Name)
		if err != nil {
			return q, err
		}
		q.Schema = s
	}
	s, err := b.createIn(q.Name, q.Schema)
	q.Schema = s
	return q, err
}

// createTypeName is where CREATE TYPE/DOMAIN puts the type named by names.
func (b *Builder) createTypeName(names []string) (QName, error) {
	if len(names) == 0 {
		return QName{}, &UnsupportedError{Statement: "CREATE TYPE", Reason: "no type name"}
	}
	return b.createName(&pg_query.RangeVar{Relname: names[len(names)-1], Schemaname: qualifier(names), Relpersistence: "p"})
}

// qualifier is the schema part of a dotted name, "" if none.
func qualifier(names []string) string {
	if len(names) < 2 {
		return ""
	}
	return names[len(names)-2]
}
