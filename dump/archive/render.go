package archive

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"

	"github.com/understudy-db/understudy/schema"
)

// This file renders a TOC as the SQL script pg_restore -f prints for it
// with default options: the plain text of each entry is what a plain or
// live sink needs, and what the schema model reads.

// What of an entry pg_restore restores (its REQ_ bits).
const (
	reqSchema = 1 << iota
	reqData
)

// reqs is _tocEntryRequired with default options: the special entries
// (ENCODING, STDSTRINGS, SEARCHPATH) and those restored only with --create
// give 0.
func reqs(te *tocEntry) int {
	desc, tag := te.desc.s, te.tag.s
	switch desc {
	case "ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE", "DATABASE PROPERTIES":
		return 0
	case "ACL", "COMMENT", "SECURITY LABEL":
		if strings.HasPrefix(tag, "DATABASE ") {
			return 0
		}
	case "<Init>":
		if tag == "Max OID" {
			return 0
		}
	}
	r := reqSchema | reqData
	if te.hadDumper == 0 {
		if desc == "SEQUENCE SET" || isLargeObject(te) {
			r &= reqData
		} else {
			r &^= reqData
		}
	}
	if te.defn.s == "" || strings.HasPrefix(te.defn.s, "-- load via partition root ") {
		r &^= reqSchema
	}
	return r
}

// isLargeObject reports an entry about large objects: their metadata, their
// data, or an ACL, comment or label on one.
func isLargeObject(te *tocEntry) bool {
	switch te.desc.s {
	case "BLOB", "BLOB METADATA", "BLOBS", "BLOB COMMENTS":
		return true
	case "ACL", "COMMENT", "SECURITY LABEL":
		return strings.HasPrefix(te.tag.s, "LARGE OBJECT")
	}
	return false
}

// Restore passes: ACLs after everything else, then event triggers and
// materialized view refreshes (_tocEntryRestorePass).
func restorePass(te *tocEntry) int {
	switch te.desc.s {
	case "ACL", "ACL LANGUAGE", "DEFAULT ACL":
		return 1
	case "EVENT TRIGGER", "MATERIALIZED VIEW DATA":
		return 2
	case "COMMENT":
		if strings.HasPrefix(te.tag.s, "EVENT TRIGGER ") {
			return 2
		}
	}
	return 0
}

// restoreOrder lists the entries pg_restore restores, in its order.
func restoreOrder(toc []*tocEntry) []*tocEntry {
	var out []*tocEntry
	for pass := range 3 {
		for _, te := range toc {
			if reqs(te) != 0 && restorePass(te) == pass {
				out = append(out, te)
			}
		}
	}
	return out
}

// renderer keeps the session state pg_restore tracks to avoid redundant
// SET commands.
type renderer struct {
	hdr        *header
	byID       map[int]*tocEntry
	searchPath string // the SEARCHPATH entry's command, "" for old archives
	encoding   string
	stdStrings bool
	// Unknown until set: nil.
	schema, tablespace, tableAM *string
}

func newRenderer(h *header, toc []*tocEntry) *renderer {
	r := &renderer{hdr: h, byID: map[int]*tocEntry{}, encoding: "SQL_ASCII"}
	for _, te := range toc {
		r.byID[te.dumpID] = te
		switch te.desc.s {
		case "ENCODING":
			if _, rest, ok := strings.Cut(te.defn.s, "'"); ok {
				if enc, _, ok := strings.Cut(rest, "'"); ok {
					r.encoding = enc
				}
			}
		case "STDSTRINGS":
			r.stdStrings = strings.Contains(te.defn.s, "'on'")
		case "SEARCHPATH":
			r.searchPath = te.defn.s
		}
	}
	return r
}

// restrictKey makes the key of psql's \restrict, which keeps a script's
// data from running meta-commands: random, as pg_dump makes it.
func restrictKey() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 64)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// majorOf reads the major version of a version string ("17.11 (Debian …)").
func majorOf(v string) int {
	end := strings.IndexAny(v, ". ")
	if end < 0 {
		end = len(v)
	}
	n, _ := strconv.Atoi(v[:end])
	return n
}

// preamble is what pg_restore prints before the first entry, after the
// \restrict line: the versions and the fixed session settings. The
// transaction_timeout setting is printed as the pg_restore of the pg_dump
// that made the archive (17 and later) prints it.
func (r *renderer) preamble() string {
	var b strings.Builder
	if r.hdr.server.valid {
		fmt.Fprintf(&b, "-- Dumped from database version %s\n", r.hdr.server.s)
	}
	if r.hdr.pgdump.valid {
		fmt.Fprintf(&b, "-- Dumped by pg_dump version %s\n", r.hdr.pgdump.s)
	}
	b.WriteString("\nSET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n")
	if majorOf(r.hdr.pgdump.s) >= 17 {
		b.WriteString("SET transaction_timeout = 0;\n")
	}
	fmt.Fprintf(&b, "SET client_encoding = '%s';\n", r.encoding)
	if r.stdStrings {
		b.WriteString("SET standard_conforming_strings = on;\n")
	} else {
		b.WriteString("SET standard_conforming_strings = off;\n")
	}
	b.WriteString(r.searchPath)
	b.WriteString("SET check_function_bodies = false;\nSET xmloption = content;\nSET client_min_messages = warning;\n")
	if !r.stdStrings {
		b.WriteString("SET escape_string_warning = off;\n")
	}
	b.WriteString("SET row_security = off;\n\n")
	return b.String()
}

// fmtID quotes an identifier as pg_dump's fmtId does.
func fmtID(s string) string {
	if strings.ContainsRune(s, '$') {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return schema.QuoteIdent(s)
}

func sanitize(s str, hyphen bool) string {
	if !s.valid {
		if hyphen {
			return "-"
		}
		return ""
	}
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s.s)
}

func (r *renderer) setSchema(b *strings.Builder, ns str) {
	if r.searchPath != "" || ns.s == "" || r.schema != nil && *r.schema == ns.s {
		return
	}
	fmt.Fprintf(b, "SET search_path = %s", fmtID(ns.s))
	if ns.s != "pg_catalog" {
		b.WriteString(", pg_catalog")
	}
	b.WriteString(";\n\n")
	s := ns.s
	r.schema = &s
}

// entry renders what pg_restore prints for te, data aside: for a data entry
// with a dumper, the text before its data (the COPY statement included).
func (r *renderer) entry(te *tocEntry) string {
	var b strings.Builder
	q := reqs(te)
	dumped := false
	if q&reqSchema != 0 {
		r.printEntry(&b, te, false)
		dumped = true
	}
	if q&reqData != 0 {
		switch {
		case te.hadDumper != 0:
			r.printEntry(&b, te, true)
			if te.desc.s == "BLOBS" || te.desc.s == "BLOB COMMENTS" {
				r.setSchema(&b, some("pg_catalog"))
			} else {
				r.setSchema(&b, te.namespace)
				b.WriteString(te.copyStmt.s)
			}
		case !dumped:
			r.printEntry(&b, te, false)
		}
	}
	return b.String()
}

// printEntry is _printTocEntry.
func (r *renderer) printEntry(b *strings.Builder, te *tocEntry, isData bool) {
	r.setSchema(b, te.namespace)
	if ts := te.tablespace; ts.valid && (r.tablespace == nil || *r.tablespace != ts.s) {
		if ts.s == "" {
			b.WriteString("SET default_tablespace = '';\n\n")
		} else {
			fmt.Fprintf(b, "SET default_tablespace = %s;\n\n", fmtID(ts.s))
		}
		s := ts.s
		r.tablespace = &s
	}
	partitioned := te.relkind == 'p'
	if am := te.tableam; !partitioned && am.valid && (r.tableAM == nil || *r.tableAM != am.s) {
		fmt.Fprintf(b, "SET default_table_access_method = %s;\n\n", fmtID(am.s))
		s := am.s
		r.tableAM = &s
	}
	prefix := ""
	if isData {
		prefix = "Data for "
	}
	fmt.Fprintf(b, "--\n-- %sName: %s; Type: %s; Schema: %s; Owner: %s", prefix, sanitize(te.tag, false), te.desc.s,
		sanitize(te.namespace, true), sanitize(te.owner, true))
	if te.tablespace.s != "" {
		fmt.Fprintf(b, "; Tablespace: %s", sanitize(te.tablespace, false))
	}
	b.WriteString("\n--\n\n")
	switch {
	case te.desc.s == "BLOB METADATA":
		perBlob(b, te, "SELECT pg_catalog.lo_create('", "')")
	case te.desc.s == "ACL" && strings.HasPrefix(te.tag.s, "LARGE OBJECTS"):
		r.aclPerBlob(b, te)
	case te.defn.s != "":
		b.WriteString(te.defn.s)
		b.WriteString("\n\n")
	}
	if te.owner.s != "" && te.dropStmt.s != "" {
		if te.desc.s == "BLOB METADATA" {
			perBlob(b, te, "ALTER LARGE OBJECT ", " OWNER TO "+fmtID(te.owner.s))
		} else if obj := r.objectDescription(te); obj != "" {
			fmt.Fprintf(b, "ALTER %s OWNER TO %s;\n\n", obj, fmtID(te.owner.s))
		}
	}
	if partitioned && te.tableam.valid {
		fmt.Fprintf(b, "ALTER TABLE %s SET ACCESS METHOD %s;\n\n", qualified(te), fmtID(te.tableam.s))
	}
}

func qualified(te *tocEntry) string {
	if te.namespace.s == "" {
		return fmtID(te.tag.s)
	}
	return fmtID(te.namespace.s) + "." + fmtID(te.tag.s)
}

// perBlob is IssueCommandPerBlob: one command per large object OID of a
// BLOB METADATA entry's definition (one OID a line).
func perBlob(b *strings.Builder, te *tocEntry, begin, end string) {
	rest := te.defn.s
	for {
		line, after, ok := strings.Cut(rest, "\n")
		if !ok {
			break
		}
		fmt.Fprintf(b, "%s%s%s;\n", begin, line, end)
		rest = after
	}
	b.WriteString("\n")
}

// aclPerBlob is IssueACLPerBlob: the GRANT/REVOKE commands of a LARGE
// OBJECTS ACL entry name the group's first object; each is split around
// that object's OID and applied to every object of the BLOB METADATA entry
// the ACL depends on. Double-quoted role names are skipped over.
func (r *renderer) aclPerBlob(b *strings.Builder, te *tocEntry) {
	deps := te.depIDs()
	if len(deps) == 0 {
		return
	}
	blobs := r.byID[deps[0]]
	if blobs == nil {
		return
	}
	s := te.defn.s
	inQuotes := false
	start, second := 0, -1
	var first string
	for i := 0; i < len(s); {
		switch {
		case s[i] == '"':
			inQuotes = !inQuotes
			i++
		case inQuotes:
			i++
		case strings.HasPrefix(s[i:], "LARGE OBJECT "):
			i += len("LARGE OBJECT ")
			first = s[start:i]
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			second = i
		case s[i] == ';':
			if second >= 0 {
				perBlob(b, blobs, first, s[second:i])
			}
			i++
			for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
				i++
			}
			start, second = i, -1
		default:
			i++
		}
	}
}

// objectDescription is _getObjectDescription: the object an ALTER … OWNER
// TO names, or "" for types without an owner of their own. Before 17,
// pg_restore altered views, sequences and foreign tables as tables.
func (r *renderer) objectDescription(te *tocEntry) string {
	t := te.desc.s
	switch t {
	case "VIEW", "SEQUENCE", "FOREIGN TABLE", "MATERIALIZED VIEW":
		if majorOf(r.hdr.pgdump.s) < 17 {
			t = "TABLE"
		}
	}
	switch t {
	case "COLLATION", "CONVERSION", "DOMAIN", "FOREIGN TABLE", "MATERIALIZED VIEW", "SEQUENCE", "STATISTICS", "TABLE",
		"TEXT SEARCH DICTIONARY", "TEXT SEARCH CONFIGURATION", "TYPE", "VIEW",
		"DATABASE", "PROCEDURAL LANGUAGE", "SCHEMA", "EVENT TRIGGER", "FOREIGN DATA WRAPPER", "SERVER", "PUBLICATION", "SUBSCRIPTION":
		s := t + " "
		if te.namespace.s != "" {
			s += fmtID(te.namespace.s) + "."
		}
		return s + fmtID(te.tag.s)
	case "BLOB":
		return "LARGE OBJECT " + te.tag.s
	case "AGGREGATE", "FUNCTION", "OPERATOR", "OPERATOR CLASS", "OPERATOR FAMILY", "PROCEDURE":
		// The DROP statement names it with its arguments.
		s := strings.TrimPrefix(te.dropStmt.s, "DROP ")
		return strings.TrimRight(s, ";\n")
	}
	return ""
}
