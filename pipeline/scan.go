// Package pipeline runs Understudy's jobs on a dump: read the source, build
// the plan, mask the rows, write the sink.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// Inventory is what a dump holds: its schema and how many rows each table
// has in it.
type Inventory struct {
	Catalog *schema.Catalog
	// Rows counts data rows per table (COPY rows and INSERT tuples).
	Rows map[schema.QName]int64
	// DataOrder lists the tables with data, in the order the dump holds them.
	DataOrder []schema.QName
	// Columns holds each data table's column list as the dump gives it
	// (nil for INSERTs without one).
	Columns map[schema.QName][]string
	// DumpedFrom and DumpedBy are the versions in pg_dump's header comments.
	DumpedFrom, DumpedBy string
}

// Scan reads a whole plain dump once, building the schema model from its
// DDL and counting rows without decoding them.
func Scan(ctx context.Context, r *plaindump.Reader) (*Inventory, error) {
	inv := &Inventory{Rows: map[schema.QName]int64{}, Columns: map[schema.QName][]string{}}
	b := schema.NewBuilder()
	seen := map[schema.QName]bool{}
	for n := 0; ; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch it.Kind {
		case plaindump.CopyRow:
			inv.Rows[it.Table]++
		case plaindump.CopyHeader, plaindump.Insert:
			if !seen[it.Table] {
				seen[it.Table] = true
				inv.DataOrder = append(inv.DataOrder, it.Table)
				inv.Rows[it.Table] += 0
				inv.Columns[it.Table] = append([]string(nil), it.Columns...)
			}
			if it.Kind == plaindump.Insert {
				inv.Rows[it.Table] += int64(len(it.Insert.Tuples))
			}
		case plaindump.Statement:
			if inv.DumpedBy == "" {
				inv.noteVersions(it.Raw)
			}
			if err := b.Add(string(it.Text)); err != nil {
				return nil, statementError(r, it, err)
			}
		}
	}
	inv.Catalog = b.Catalog()
	return inv, nil
}

// noteVersions picks pg_dump's version comments out of the dump header.
func (inv *Inventory) noteVersions(raw []byte) {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped from database version ")); ok {
			inv.DumpedFrom = string(v)
		}
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped by pg_dump version ")); ok {
			inv.DumpedBy = string(v)
		}
	}
}

// StatementError is DDL the schema parser rejects, located in the dump.
type StatementError struct {
	File string
	Line int
	Err  error
}

func (e *StatementError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *StatementError) Unwrap() error { return e.Err }

func statementError(r *plaindump.Reader, it *plaindump.Item, err error) error {
	line := it.Line + bytes.Count(it.Raw[:len(it.Raw)-len(it.Text)], []byte("\n"))
	var pe *schema.ParseError
	if errors.As(err, &pe) && pe.Offset >= 0 && pe.Offset <= len(it.Text) {
		line += bytes.Count(it.Text[:pe.Offset], []byte("\n"))
	}
	return &StatementError{File: r.Name(), Line: line, Err: err}
}
