package schema

import (
	"errors"
	"fmt"
	"strings"
)

// QName is a schema-qualified name, each part exactly as stored in the
// catalog (unquoted, case kept).
type QName struct{ Schema, Name string }

// String gives the SQL form, quoting a part only when PostgreSQL would need
// it, the way pg_dump writes names: public.users, public."PatientNotes".
func (q QName) String() string {
	if q.Schema == "" {
		return QuoteIdent(q.Name)
	}
	return QuoteIdent(q.Schema) + "." + QuoteIdent(q.Name)
}

// ParseQName parses `schema.table` or `table` (schema "public"); either part
// may be double-quoted ("" is a quote inside quotes, and a dot inside quotes
// belongs to the name). Unquoted parts are taken as written, without case
// folding: rules files name objects exactly as the catalog does.
func ParseQName(s string) (QName, error) {
	parts, err := splitQualified(s, false)
	if err != nil {
		return QName{}, fmt.Errorf("invalid name %q: %w", s, err)
	}
	switch len(parts) {
	case 1:
		return QName{Schema: "public", Name: parts[0]}, nil
	case 2:
		return QName{Schema: parts[0], Name: parts[1]}, nil
	}
	return QName{}, fmt.Errorf("invalid name %q: more than two dot-separated parts", s)
}

// ParseColumnRef parses a column named with its table, "schema.table.column"
// or "table.column" (schema public), each part quoted or not as in
// ParseQName.
func ParseColumnRef(s string) (QName, string, error) {
	parts, err := splitQualified(s, false)
	if err != nil {
		return QName{}, "", fmt.Errorf("invalid column %q: %w", s, err)
	}
	switch len(parts) {
	case 2:
		return QName{Schema: "public", Name: parts[0]}, parts[1], nil
	case 3:
		return QName{Schema: parts[0], Name: parts[1]}, parts[2], nil
	}
	return QName{}, "", fmt.Errorf("invalid column %q: expected schema.table.column", s)
}

var (
	errEmptyPart  = errors.New("empty name part")
	errUnbalanced = errors.New("unbalanced double quote")
	errAfterQuote = errors.New("unexpected character after closing quote")
)

// splitQualified splits a dotted name into its parts. fold lower-cases
// unquoted ASCII letters, as PostgreSQL does for names inside string literals
// such as nextval('Foo.bar') and search_path values.
func splitQualified(s string, fold bool) ([]string, error) {
	var parts []string
	for i := 0; ; {
		part, next, err := scanPart(s, i, fold)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		if next == len(s) {
			return parts, nil
		}
		i = next + 1 // skip the dot
	}
}

// scanPart reads one name part starting at s[i] and returns it with the index
// of the dot that ends it (or len(s)).
func scanPart(s string, i int, fold bool) (string, int, error) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		for j := i + 1; j < len(s); j++ {
			if s[j] != '"' {
				b.WriteByte(s[j])
				continue
			}
			if j+1 < len(s) && s[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			if b.Len() == 0 {
				return "", 0, errEmptyPart
			}
			if j+1 < len(s) && s[j+1] != '.' {
				return "", 0, errAfterQuote
			}
			return b.String(), j + 1, nil
		}
		return "", 0, errUnbalanced
	}
	end := strings.IndexByte(s[i:], '.')
	if end < 0 {
		end = len(s)
	} else {
		end += i
	}
	part := s[i:end]
	if part == "" {
		return "", 0, errEmptyPart
	}
	if strings.IndexByte(part, '"') >= 0 {
		return "", 0, errUnbalanced
	}
	if fold {
		part = foldASCII(part)
	}
	return part, end, nil
}

// foldASCII lower-cases ASCII letters only, like PostgreSQL's identifier
// down-casing in UTF-8 databases.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// QuoteLiteral quotes s as an SQL string literal (standard conforming
// strings: only the quote is doubled).
func QuoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// QuoteIdent quotes an identifier unless it is made of lower-case identifier
// characters and is not a keyword that PostgreSQL would require quoting for.
func QuoteIdent(s string) string {
	if isBareIdent(s) && !quotedKeywords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func isBareIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '$'):
		default:
			return false
		}
	}
	return true
}

// quotedKeywords are PostgreSQL 16's keywords that are not UNRESERVED: as
// names they must be quoted (pg_dump's quote_identifier rule).
var quotedKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc
		asymmetric authorization between bigint binary bit boolean both case cast
		char character check coalesce collate collation column concurrently
		constraint create cross current_catalog current_date current_role
		current_schema current_time current_timestamp current_user dec decimal
		default deferrable desc distinct do else end except exists extract false
		fetch float for foreign freeze from full grant greatest group grouping
		having ilike in initially inner inout int integer intersect interval into
		is isnull join json_array json_arrayagg json_object json_objectagg lateral
		leading least left like limit localtime localtimestamp national natural
		nchar none normalize not notnull null nullif numeric offset on only or
		order out outer overlaps overlay placing position precision primary real
		references returning right row select session_user setof similar smallint
		some substring symmetric system_user table tablesample then time timestamp
		to trailing treat trim true union unique user using values varchar
		variadic verbose when where window with xmlattributes xmlconcat xmlelement
		xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize
		xmltable`) {
		m[w] = true
	}
	return m
}()
