package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/archive"
	"github.com/understudy-db/understudy/dump/live"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

const inspectUsage = `Usage: anonymize inspect (--in FILE | --source URL) [--json]

Prints what a dump or a live database holds: every table with its row count
(estimated from statistics for a database), keys and columns, and the
foreign-key graph. Nothing is written anywhere.

Flags:
  --in FILE     pg_dump output: plain (optionally gzip-compressed), custom,
                directory or tar archive; - for stdin
  --source URL  a live database, read in one read-only snapshot
  --json        machine-readable output (format: docs/inspect-json.md)

Examples:
  anonymize inspect --in prod.sql
  anonymize inspect --in prod.sql.gz --json | jq '.tables[] | {name, rows}'
  anonymize inspect --source postgres://readonly@prod-replica/shop
`

func (e *env) inspect(args []string) int {
	fs := e.newFlags("inspect", inspectUsage)
	var f anonymizeFlags
	fs.StringVar(&f.in, "in", "", "")
	fs.StringVar(&f.source, "source", "", "")
	asJSON := fs.Bool("json", false, "")
	if done, code := e.parse(fs, inspectUsage, args); done {
		return code
	}
	if err := f.ends(true); err != nil {
		return e.fail(err)
	}
	f.maxRowSize, f.jobs = plaindump.DefaultMaxItem>>20, 1
	src, err := e.openSource(&f)
	if err != nil {
		return e.fail(err)
	}
	defer src.Close()
	inv, err := src.Inventory(e.ctx)
	if err != nil {
		return e.fail(err)
	}
	// An archive's table of contents does not count rows: its data does.
	if c, ok := src.(interface{ CountRows(context.Context) error }); ok {
		if err := c.CountRows(e.ctx); err != nil {
			return e.fail(err)
		}
	}
	rep := newInspectReport(inv.Name, inv)
	switch src := src.(type) {
	case *archive.Source:
		rep.Format = src.Format().String()
	case *live.Source:
		rep.Format = "database"
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return e.fail(err)
		}
		return ExitOK
	}
	rep.writeText(e.stdout)
	return ExitOK
}

// inspectReport is the --json output; docs/inspect-json.md documents it.
// Field order and sorting are part of the format: keep them stable.
type inspectReport struct {
	File          string         `json:"file"`
	Format        string         `json:"format"`
	PgDumpVersion string         `json:"pg_dump_version,omitempty"`
	ServerVersion string         `json:"server_version,omitempty"`
	TotalRows     int64          `json:"total_rows"`
	Tables        []inspectTable `json:"tables"`
	ForeignKeys   []inspectFK    `json:"foreign_keys"`
	Enums         []inspectEnum  `json:"enums"`
	Sequences     []inspectSeq   `json:"sequences"`
}

type inspectTable struct {
	Name        string          `json:"name"`
	Schema      string          `json:"schema"`
	Table       string          `json:"table"`
	Rows        int64           `json:"rows"`
	Defined     bool            `json:"defined"`
	Partitioned bool            `json:"partitioned,omitempty"`
	PartitionOf string          `json:"partition_of,omitempty"`
	PrimaryKey  []string        `json:"primary_key"`
	Unique      [][]string      `json:"unique"`
	Columns     []inspectColumn `json:"columns"`
}

type inspectColumn struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	NotNull   bool   `json:"not_null"`
	Generated bool   `json:"generated,omitempty"`
	Sequence  string `json:"sequence,omitempty"`
}

type inspectFK struct {
	Name       string   `json:"name"`
	Table      string   `json:"table"`
	Columns    []string `json:"columns"`
	References string   `json:"references"`
	RefColumns []string `json:"ref_columns"`
}

type inspectEnum struct {
	Name   string   `json:"name"`
	Labels []string `json:"labels"`
}

type inspectSeq struct {
	Name    string `json:"name"`
	OwnedBy string `json:"owned_by,omitempty"`
}

func lessQName(a, b schema.QName) bool {
	if a.Schema != b.Schema {
		return a.Schema < b.Schema
	}
	return a.Name < b.Name
}

func newInspectReport(file string, inv *dump.Inventory) *inspectReport {
	rep := &inspectReport{File: file, Format: "plain", PgDumpVersion: inv.DumpedBy, ServerVersion: inv.DumpedFrom,
		Tables: []inspectTable{}, ForeignKeys: []inspectFK{}, Enums: []inspectEnum{}, Sequences: []inspectSeq{}}
	names := map[schema.QName]bool{}
	for _, t := range inv.Catalog.Tables {
		names[t.Name] = true
	}
	for q := range inv.Rows {
		names[q] = true
	}
	sorted := make([]schema.QName, 0, len(names))
	for q := range names {
		sorted = append(sorted, q)
	}
	sort.Slice(sorted, func(i, j int) bool { return lessQName(sorted[i], sorted[j]) })
	for _, q := range sorted {
		it := inspectTable{Name: q.String(), Schema: q.Schema, Table: q.Name, Rows: inv.Rows[q], Unique: [][]string{}, Columns: []inspectColumn{}}
		rep.TotalRows += it.Rows
		if t := inv.Catalog.Table(q); t != nil {
			it.Defined = true
			it.Partitioned = t.Partitioned
			if t.Parent != nil {
				it.PartitionOf = t.Parent.String()
			}
			// A key is listed once: a unique index on the primary key's
			// columns, or a constraint and an index on the same ones, add
			// nothing to read.
			listed := map[string]bool{}
			if t.PrimaryKey != nil {
				it.PrimaryKey = t.PrimaryKey.Columns
				listed[strings.Join(t.PrimaryKey.Columns, "\x00")] = true
			}
			for _, u := range t.Uniques {
				if k := strings.Join(u.Columns, "\x00"); !listed[k] {
					listed[k] = true
					it.Unique = append(it.Unique, u.Columns)
				}
			}
			for _, c := range t.Columns {
				ic := inspectColumn{Name: c.Name, Type: c.Type.String(), NotNull: c.NotNull, Generated: c.Generated}
				if c.Sequence != nil {
					ic.Sequence = c.Sequence.String()
				}
				it.Columns = append(it.Columns, ic)
			}
			fks := append([]*schema.ForeignKey(nil), t.ForeignKeys...)
			sort.SliceStable(fks, func(i, j int) bool { return fks[i].Name < fks[j].Name })
			for _, fk := range fks {
				rep.ForeignKeys = append(rep.ForeignKeys, inspectFK{Name: fk.Name, Table: q.String(), Columns: fk.Columns,
					References: fk.RefTable.String(), RefColumns: fk.RefColumns})
			}
		}
		rep.Tables = append(rep.Tables, it)
	}
	enums := make([]*schema.Enum, 0, len(inv.Catalog.Enums))
	for _, en := range inv.Catalog.Enums {
		enums = append(enums, en)
	}
	sort.Slice(enums, func(i, j int) bool { return lessQName(enums[i].Name, enums[j].Name) })
	for _, en := range enums {
		rep.Enums = append(rep.Enums, inspectEnum{Name: en.Name.String(), Labels: en.Labels})
	}
	seqs := make([]*schema.Sequence, 0, len(inv.Catalog.Sequences))
	for _, s := range inv.Catalog.Sequences {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return lessQName(seqs[i].Name, seqs[j].Name) })
	for _, s := range seqs {
		is := inspectSeq{Name: s.Name.String()}
		if s.OwnedBy != nil {
			is.OwnedBy = s.OwnedBy.Table.String() + "." + schema.QuoteIdent(s.OwnedBy.Column)
		}
		rep.Sequences = append(rep.Sequences, is)
	}
	return rep
}

func (rep *inspectReport) writeText(w io.Writer) {
	switch rep.Format {
	case "plain":
		fmt.Fprintf(w, "%s: plain dump", rep.File)
	case "database":
		fmt.Fprintf(w, "%s: database", rep.File)
	default:
		fmt.Fprintf(w, "%s: %s archive", rep.File, rep.Format)
	}
	if rep.PgDumpVersion != "" {
		fmt.Fprintf(w, " by pg_dump %s", rep.PgDumpVersion)
	}
	if rep.ServerVersion != "" {
		fmt.Fprintf(w, " of PostgreSQL %s", rep.ServerVersion)
	}
	fmt.Fprintf(w, "\n%d tables, %s rows, %d foreign keys\n\n", len(rep.Tables), thousands(rep.TotalRows), len(rep.ForeignKeys))
	// Every row has every cell, so that tabwriter aligns each column over
	// all rows; the padding this leaves at line ends is trimmed.
	var tb strings.Builder
	tw := tabwriter.NewWriter(&tb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tPRIMARY KEY\tUNIQUE\tNOTES")
	for _, t := range rep.Tables {
		var notes []string
		if t.Partitioned {
			notes = append(notes, "partitioned")
		}
		if t.PartitionOf != "" {
			notes = append(notes, "partition of "+t.PartitionOf)
		}
		if !t.Defined {
			notes = append(notes, "no CREATE TABLE in this dump")
		}
		uniq := []string{"-"}
		if len(t.Unique) > 0 {
			uniq = uniq[:0]
		}
		for _, u := range t.Unique {
			uniq = append(uniq, "("+strings.Join(u, ", ")+")")
		}
		pk := "-"
		if t.PrimaryKey != nil {
			pk = "(" + strings.Join(t.PrimaryKey, ", ") + ")"
		}
		fmt.Fprintln(tw, strings.Join([]string{t.Name, thousands(t.Rows), pk, strings.Join(uniq, " "), strings.Join(notes, "; ")}, "\t"))
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(tb.String(), "\n") {
		if line != "" {
			fmt.Fprintln(w, strings.TrimRight(line, " \n"))
		}
	}
	if len(rep.ForeignKeys) > 0 {
		fmt.Fprintln(w, "\nFOREIGN KEYS")
		for _, fk := range rep.ForeignKeys {
			fmt.Fprintf(w, "%s (%s) -> %s (%s)\n", fk.Table, strings.Join(fk.Columns, ", "), fk.References, strings.Join(fk.RefColumns, ", "))
		}
	}
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
