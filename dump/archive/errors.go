package archive

import (
	"fmt"

	"github.com/understudy-db/understudy/dump"
)

// Kind classifies why an archive cannot be read.
type Kind uint8

const (
	// Truncated: the file ends before the structure it started.
	Truncated Kind = iota + 1
	// Corrupt: bytes that cannot be what pg_dump wrote (a bad length, flag,
	// block type, compressed stream or end-of-data marker).
	Corrupt
	// Unsupported: a well-formed archive of a version or kind this package
	// does not read.
	Unsupported
)

func (k Kind) String() string {
	switch k {
	case Truncated:
		return "truncated"
	case Corrupt:
		return "corrupt"
	case Unsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is an archive that cannot be read, located by file, TOC entry (the
// dump id, when one is known), row of a data entry, and byte offset. It
// never quotes the archive's contents.
type Error struct {
	Pos dump.Pos
	// Offset is where reading failed: in the archive file (custom, tar), in
	// toc.dat or the entry's data file (directory), or in the decompressed
	// data of an entry when Pos.Row is set. -1 when unknown.
	Offset int64
	Kind   Kind
	Msg    string
	Err    error // the underlying error (I/O, decompressor), if any
}

func (e *Error) Error() string {
	s := e.Pos.String()
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	s += ": " + e.Kind.String() + " archive: " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error      { return e.Err }
func (e *Error) Position() dump.Pos { return e.Pos }

// StatementError is an entry's SQL that the schema model rejects, or
// refuses (a role's password), located by its TOC entry.
type StatementError struct {
	Pos dump.Pos
	Err error
}

func (e *StatementError) Error() string      { return fmt.Sprintf("%s: %v", e.Pos, e.Err) }
func (e *StatementError) Unwrap() error      { return e.Err }
func (e *StatementError) Position() dump.Pos { return e.Pos }
