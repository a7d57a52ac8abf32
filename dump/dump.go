// Package dump is the model every end of the pipeline speaks: a dump is a
// list of entries shaped like pg_dump's table of contents — DDL, one
// table's data, a sequence's value — whose table data is COPY text.
// Sources (a plain script, a pg_dump archive, a live database in one
// snapshot) produce it; sinks (a plain script, an archive, an empty
// database) consume it. The package does no I/O of its own.
package dump

import (
	"context"
	"fmt"
	"io"

	"github.com/understudy-db/understudy/schema"
)

// Section is the part of a dump an entry belongs to, as in pg_dump: schema
// before the data, the data, and what is built after it (indexes,
// constraints, triggers).
type Section uint8

const (
	PreData Section = iota + 1
	Data
	PostData
)

func (s Section) String() string {
	switch s {
	case PreData:
		return "pre-data"
	case Data:
		return "data"
	case PostData:
		return "post-data"
	}
	return fmt.Sprintf("Section(%d)", s)
}

// Descriptions of entries the pipeline treats specially; others are
// pg_dump's ("TABLE", "INDEX", "FK CONSTRAINT", …) or "" when unknown.
const (
	TableData   = "TABLE DATA"
	SequenceSet = "SEQUENCE SET"
	Blobs       = "BLOBS" // large objects' contents
)

// Format says what bytes a data entry carries.
type Format uint8

const (
	// CopyText is PostgreSQL's COPY text format, one row per line.
	CopyText Format = iota
	// SQL is statements: a plain dump's INSERTs (masked through a
	// ValueSource) or large-object statements.
	SQL
)

// Entry is one item of a dump: a DDL statement (or several), one table's
// data, a sequence's value.
type Entry struct {
	ID      int     // archive dump id; an ordinal for plain and live
	Section Section // PreData, Data or PostData
	Desc    string  // TableData, SequenceSet, Blobs, pg_dump's "INDEX", …
	Table   schema.QName
	// Columns is the column list of a TableData entry (nil: every column
	// that holds data, in table order).
	Columns []string
	Format  Format // of a data entry's bytes
	// Defn is a non-data entry's SQL text: run by a live sink, written as it
	// is by a plain one. Nil for entries read with Source.Open.
	Defn []byte
	Deps []int // dump ids this entry depends on (archives, live)
	Pos  Pos
	// Rows and Bytes estimate a TableData entry's size: largest first, and
	// progress. Zero when unknown.
	Rows, Bytes int64
	// Set, on a SequenceSet entry, is the value the run decided the
	// sequence must have (permuted keys move sequences ahead); nil keeps the
	// dump's own.
	Set *SequenceValue
	// Native is the source's own record of the entry (an archive's TOC
	// entry), for a sink of the same kind to copy byte for byte; nil for
	// sources without one.
	Native any
}

// IsData reports whether the entry's bytes come from Source.Open and go to
// Sink.Data.
func (e *Entry) IsData() bool { return e.Desc == TableData || e.Desc == Blobs }

// SequenceValue is a sequence's state: setval(seq, Value, Called).
type SequenceValue struct {
	Value  int64
	Called bool
}

// Pos locates a statement or a row: file:line in a plain script,
// file#entry:row in an archive, table:row in a live database.
type Pos struct {
	File  string // the dump file, or the database (never with a password)
	Line  int    // plain: 1-based line
	Entry int    // archive: dump id
	Table schema.QName
	Row   int64 // 1-based row of a data entry
}

func (p Pos) String() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	case p.Entry > 0 && p.Row > 0:
		return fmt.Sprintf("%s#%d:%d", p.File, p.Entry, p.Row)
	case p.Entry > 0:
		return fmt.Sprintf("%s#%d", p.File, p.Entry)
	case p.Table.Name != "" && p.Row > 0:
		return fmt.Sprintf("%s:%s:row %d", p.File, p.Table, p.Row)
	case p.Table.Name != "":
		return fmt.Sprintf("%s:%s", p.File, p.Table)
	}
	return p.File
}

// Positioned is implemented by every error located in a dump, so that a
// caller prints locations with one errors.As.
type Positioned interface {
	error
	Position() Pos
}

// Inventory is what a dump holds before its data is read.
type Inventory struct {
	Catalog *schema.Catalog
	// Entries in dump order.
	Entries []*Entry
	// Rows counts (or estimates) the rows of each table with data.
	Rows map[schema.QName]int64
	// DumpedFrom and DumpedBy are the server and pg_dump versions, when known.
	DumpedFrom, DumpedBy string
	// Name names the dump in messages (a path, "stdin", a database).
	Name string
	// Writes are statements that write rows other than as COPY data or
	// literal INSERT values, first one per table; Opaque the first that may
	// write data without saying where. A run refuses them (fail closed).
	Writes map[schema.QName]Refusal
	Opaque *Refusal
	// LargeObjects counts statements that create, fill or alter large
	// objects; LargeObjectsAt is the first.
	LargeObjects   int
	LargeObjectsAt Pos
	// Statistics counts statements holding planner statistics (PostgreSQL
	// 18), which carry real values: never copied.
	Statistics int
}

// Refusal is a statement the masking cannot see through.
type Refusal struct {
	What string
	Pos  Pos
}

// Source is a dump to read: a plain script, a pg_dump archive, or a live
// database in one snapshot.
type Source interface {
	// Inventory reads the schema and the list of entries, not the data.
	Inventory(ctx context.Context) (*Inventory, error)
	// Open returns the bytes of an entry: COPY text (or SQL, per e.Format)
	// for a data entry; for other entries, the SQL text when e.Defn is nil.
	Open(ctx context.Context, e *Entry) (io.ReadCloser, error)
	// Parallel is how many entries may be open at once; 1 means entries
	// must be opened one at a time, in order.
	Parallel() int
	Close() error
}

// Sink is where a dump goes: a plain script, an archive, or an empty
// database.
type Sink interface {
	// Entry writes or runs a non-data entry; entries arrive in dump order.
	Entry(ctx context.Context, e *Entry) error
	// Data returns the writer for a data entry's bytes; closing it finishes
	// the entry. After a failure the pipeline calls CloseWithError(err)
	// instead, when the writer has it, so that the entry is not finished.
	Data(ctx context.Context, e *Entry) (io.WriteCloser, error)
	// Parallel is how many data entries may be written at once.
	Parallel() int
	// Commit finishes the dump: renames the file, writes the final table of
	// contents, or builds indexes and constraints and runs ANALYZE.
	Commit(ctx context.Context) error
	// Abort removes everything this run created.
	Abort(ctx context.Context) error
}

// ValueSource is implemented by sources whose data may come as SQL with
// literal values (a plain dump's INSERT statements) rather than COPY text.
type ValueSource interface {
	// MaskValues copies the SQL data of e to w with every row's values
	// passed through m, keeping everything else byte for byte.
	MaskValues(ctx context.Context, e *Entry, m RowMasker, w io.Writer) error
}

// RowMasker masks rows given as values, in the order of the entry's
// column list; the pipeline implements it.
type RowMasker interface {
	// Skip reports that the table's rows are left out (a skip rule).
	Skip() bool
	// Masks reports whether rows need MaskRow at all.
	Masks() bool
	// Reads reports whether MaskRow reads column i's value; the others
	// need not be decoded (they pass through).
	Reads(i int) bool
	// MaskRow masks row, whose Values[i] is column i's text (nil for NULL,
	// and unreadable when Opaque[i]: an expression). It replaces the values
	// it masks; pos locates the row for errors.
	MaskRow(row *Row, pos Pos) error
}

// RowCounter is implemented by RowMaskers that count what a ValueSource
// reads: it calls Read once per statement with its size and the rows it
// passed on or left out without MaskRow (Masks or Skip said so).
type RowCounter interface {
	Read(bytes, rowsUnmasked int)
}

// Row is one row of values for a RowMasker.
type Row struct {
	Values [][]byte
	Null   []bool
	// Opaque marks values that are not literals (an expression), which
	// cannot be read or masked; Default marks DEFAULT.
	Opaque, Default []bool
	// Changed marks the values MaskRow replaced.
	Changed []bool
	// Lines, when set, holds each value's line (a plain INSERT spanning
	// lines), for errors to name it.
	Lines []int
}

// Statistics is pg_dump 18's entry type for planner statistics, which hold
// real column values (most common values, histograms): never copied.
const Statistics = "STATISTICS DATA"

// Meta is the type of an entry holding a psql meta-command (\restrict,
// \connect, …), which a database sink does not run.
const Meta = "META"
