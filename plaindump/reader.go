// Package plaindump streams pg_dump's plain (SQL script) format.
//
// A Reader splits a dump into items — SQL statements, psql meta-commands,
// COPY blocks as one item per row, and INSERT statements with their value
// tuples located — keeping every byte, so that writing the items back
// reproduces the input exactly. Memory is bounded by the longest statement
// or row — twice its size while it is read, its size after — never by the
// size of the dump.
package plaindump

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/schema"
)

// Kind says what an Item is.
type Kind uint8

const (
	// Statement is any SQL statement other than COPY FROM stdin and INSERT.
	Statement Kind = iota + 1
	// Meta is a psql meta-command line such as \connect or \restrict.
	Meta
	// CopyHeader is a `COPY table (columns) FROM stdin;` statement. The
	// block's rows follow as CopyRow items, then one CopyEnd.
	CopyHeader
	// CopyRow is one data row of the current COPY block.
	CopyRow
	// CopyEnd is the `\.` line that ends a COPY block.
	CopyEnd
	// Insert is an INSERT … VALUES statement; Item.Insert locates its values.
	Insert
	// Tail is what follows the last statement: whitespace and comments.
	Tail
)

var kindNames = [...]string{Statement: "statement", Meta: "meta-command", CopyHeader: "COPY header", CopyRow: "COPY row", CopyEnd: "COPY end", Insert: "INSERT", Tail: "tail"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Item is one piece of a dump. Its slices stay valid only until the next
// call to Reader.Next.
type Item struct {
	Kind Kind
	// Line is the 1-based line on which the item's first byte lies (for
	// statements that is the first line of the comments before them).
	Line int
	// Raw holds the item's exact bytes: for statements and meta-commands the
	// comments and blank lines before them, the text, and the line end after
	// it; for a CopyRow the row without its line end.
	Raw []byte
	// EOL is a CopyRow's line end: "\n", "\r\n", or empty at EOF.
	EOL []byte
	// Text is the statement without the comments and whitespace before it
	// (a subslice of Raw); for a meta-command, the command line.
	Text []byte
	// Table and Columns are set for CopyHeader, CopyRow, CopyEnd and Insert.
	// Table is the name as written: its Schema is empty when the script
	// leaves it unqualified, for the schema model to resolve. Columns is nil
	// for an INSERT or COPY without a column list.
	Table   schema.QName
	Columns []string
	// Insert locates the values of an Insert item.
	Insert *InsertValues
	// Meta is a meta-command's name without the backslash (connect, c,
	// restrict, …) and MetaArgs the rest of its line, trimmed.
	Meta, MetaArgs string
}

// Reader reads a plain dump. Use Next until it returns io.EOF.
type Reader struct {
	name   string
	br     *bufio.Reader
	gz     *gzip.Reader
	line   int   // lines consumed so far
	offset int64 // bytes consumed so far (after decompression)
	item   Item
	lex    lexer
	buf    []byte // the statement being assembled
	rest   []byte // bytes after a statement's semicolon on the same line
	long   gather // a line longer than the read buffer (readLong)
	more   gather // the lines of a long statement after buf (nextStatement)
	ownRow bool   // the current row is in a buffer of its own (see Keep)
	// release is the size of the buffer of its own the current item is in
	// (a long row, a statement handed over or too large to reuse): the
	// reader lets go of it before reading on.
	release int
	err     error
	done    bool
	ins     InsertValues
	names   names

	inCopy    bool
	copyCols  int
	copyStart int
	copyTable schema.QName
	copyNames []string

	maxItem     int
	openDump    int    // line of a "PostgreSQL database dump" header whose trailer has not come yet
	restrictKey string // key of a \restrict without its \unrestrict yet
	restrictAt  int
}

// DefaultMaxItem is the default limit on one row or statement: items are
// held whole in memory, so an input with a larger one is refused instead of
// exhausting it.
const DefaultMaxItem = 512 << 20

// SetMaxItem changes the limit on the size of one row or statement.
func (r *Reader) SetMaxItem(n int) { r.maxItem = n }

// ItemTooLargeError is a row or statement over the size limit.
type ItemTooLargeError struct {
	File  string
	Line  int
	Limit int
}

func (e *ItemTooLargeError) Error() string {
	return fmt.Sprintf("%s:%d: a row or statement longer than %d MiB: raise --max-row-size if the machine has the memory for it", e.File, e.Line, e.Limit>>20)
}

// ReadBufferSize is the size of the read buffer; rows shorter than it are
// handed out without copying.
const ReadBufferSize = 1 << 20

// NewReader returns a Reader for a plain dump. gzip-compressed input is
// detected by its magic bytes. name is used in error messages (a file name,
// or "stdin").
func NewReader(r io.Reader, name string) (*Reader, error) {
	br := bufio.NewReaderSize(r, ReadBufferSize)
	rd := &Reader{name: name, br: br, maxItem: DefaultMaxItem}
	rd.lex.reset()
	rd.names = names{standardStrings: true}
	magic, _ := br.Peek(512)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, &SyntaxError{File: name, Line: 1, Msg: "gzip header: " + err.Error()}
		}
		rd.gz = gz
		rd.br = bufio.NewReaderSize(gz, ReadBufferSize)
		magic, _ = rd.br.Peek(512)
	}
	if err := sniffBinary(magic); err != "" {
		return nil, &SyntaxError{File: name, Line: 1, Msg: err}
	}
	return rd, nil
}

// sniffBinary recognises inputs that are not plain SQL, to say what they are
// rather than fail somewhere in the middle.
func sniffBinary(magic []byte) string {
	switch {
	case bytes.HasPrefix(magic, []byte("PGDMP")):
		return "this is a pg_dump custom-format archive (-Fc), not a plain SQL dump; convert it with pg_restore -f dump.sql"
	case len(magic) >= 262 && bytes.Equal(magic[257:262], []byte("ustar")):
		return "this is a tar archive (pg_dump -Ft?), not a plain SQL dump; convert it with pg_restore -f dump.sql"
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "this is zstd-compressed; decompress it first"
	case bytes.HasPrefix(magic, []byte{0x04, 0x22, 0x4d, 0x18}):
		return "this is lz4-compressed; decompress it first"
	case bytes.IndexByte(magic[:min(len(magic), 8)], 0) >= 0:
		return "binary data where a plain SQL dump was expected"
	}
	return ""
}

// Name returns the name given to NewReader.
func (r *Reader) Name() string { return r.name }

// Offset returns the number of (decompressed) bytes read so far.
func (r *Reader) Offset() int64 { return r.offset }

// Line returns the number of lines read so far.
func (r *Reader) Line() int { return r.line }

// Next returns the next item, or io.EOF after the last one.
func (r *Reader) Next() (*Item, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.release > 0 {
		r.dropItem()
	}
	var it *Item
	var err error
	if r.inCopy {
		it, err = r.nextRow()
	} else {
		it, err = r.nextStatement()
	}
	if err != nil {
		r.err = err
		return nil, err
	}
	return it, nil
}

// readLine returns the next line including its '\n' (the last line may lack
// one) or io.EOF. The slice is valid until the next call. A line longer than
// the read buffer comes back joined to prefix, in a new buffer that holds
// exactly both (joined); prefix itself is left as it was. base is the size
// of the item so far without prefix, for the limit on its size.
func (r *Reader) readLine(prefix []byte, base int) (line []byte, joined bool, err error) {
	if len(r.rest) > 0 {
		// The remainder of a line already counted; do not count it again.
		line := r.rest
		r.rest = nil
		r.line--
		return line, false, nil
	}
	line, err = r.br.ReadSlice('\n')
	n := len(line)
	if err == bufio.ErrBufferFull {
		line, err = r.readLong(prefix, base, line)
		if line == nil {
			return nil, false, err
		}
		joined, n = true, len(line)-len(prefix)
	}
	if err != nil && err != io.EOF {
		return nil, false, r.readError(err)
	}
	if n == 0 {
		return nil, false, io.EOF
	}
	r.offset += int64(n)
	return line, joined, nil
}

// readLong reads the rest of a line longer than the read buffer, whose first
// ReadBufferSize bytes are first, and returns prefix followed by the line in
// a buffer of exactly their size (see gather).
func (r *Reader) readLong(prefix []byte, base int, first []byte) ([]byte, error) {
	g := &r.long
	piece, err := first, bufio.ErrBufferFull
	for {
		if base+len(prefix)+g.n+len(piece) > r.maxItem {
			g.reset()
			return nil, &ItemTooLargeError{File: r.name, Line: r.line + 1, Limit: r.maxItem}
		}
		g.add(piece)
		if err != bufio.ErrBufferFull {
			break
		}
		piece, err = r.br.ReadSlice('\n')
	}
	return g.join(prefix), err
}

// gather collects a line or statement too long for the read buffer, in
// blocks of a fixed size, until it is complete; join then copies it into
// one buffer of exactly its size. Growing a buffer instead would copy the
// bytes again at every step and leave a trail of ever larger garbage behind:
// for a 100 MB row, the heap grew to four times the row. This way an item
// takes at most twice its size while it is read, and its size after.
type gather struct {
	parts [][]byte
	n     int
}

// gatherBlock is the size of the blocks a gather copies bytes into.
const gatherBlock = 4 << 20

// add copies p.
func (g *gather) add(p []byte) {
	g.n += len(p)
	for len(p) > 0 {
		last := len(g.parts) - 1
		if last < 0 || len(g.parts[last]) == cap(g.parts[last]) {
			g.parts = append(g.parts, make([]byte, 0, gatherBlock))
			last++
		}
		k := min(len(p), cap(g.parts[last])-len(g.parts[last]))
		g.parts[last] = append(g.parts[last], p[:k]...)
		p = p[k:]
	}
}

// own adds p, which the gather may keep, without copying it.
func (g *gather) own(p []byte) {
	g.parts = append(g.parts, p[:len(p):len(p)])
	g.n += len(p)
}

// join returns prefix followed by the gathered bytes, in a new buffer of
// exactly their size, and empties g.
func (g *gather) join(prefix []byte) []byte {
	if g.n == 0 {
		return prefix
	}
	b := make([]byte, len(prefix)+g.n)
	n := copy(b, prefix)
	for _, p := range g.parts {
		n += copy(b[n:], p)
	}
	g.reset()
	if len(b) >= collectAfter {
		// The pacer sets the next collection at twice the heap it last
		// saw, which may well have been the blocks and the item both: the
		// heap could grow to four times the item before the blocks are
		// reclaimed. Collecting now (a small live heap: milliseconds, for
		// an item that takes a second to mask) and returning their memory
		// keeps the footprint at the item and what is made of it.
		debug.FreeOSMemory()
	}
	return b
}

func (g *gather) reset() {
	clear(g.parts)
	g.parts, g.n = g.parts[:0], 0
}

// collectAfter is the size from which an item is huge: join and dropItem
// collect garbage after one.
const collectAfter = 32 << 20

// gatherStatementAfter is the size past which a statement's further lines
// are gathered rather than appended to the statement buffer. A variable so
// that tests can send every line down that path.
var gatherStatementAfter = ReadBufferSize

// Keep hands the current item's bytes over to the caller: Raw, EOL and Text
// stay valid, and unchanged, after the next call to Next, which reads on
// into a buffer of its own. It reports false, and hands nothing over, for a
// row that lies in the read buffer (rows up to ReadBufferSize long): copy
// those. Item.Insert is never handed over.
//
// Keeping a large row or statement saves copying it; one that is not kept
// is released by the next item (or the next statement) all the same.
func (r *Reader) Keep() bool {
	switch r.item.Kind {
	case 0:
		return false
	case CopyRow, CopyEnd:
		return r.ownRow
	}
	r.release = max(r.release, len(r.buf))
	r.buf = nil // the next statement starts a new buffer
	return true
}

// dropItem lets go of the current item, which is in a buffer of its own,
// before the next is read. After a huge one the garbage collector runs: the
// next item can then reuse its memory (and that of what the caller made of
// it, if it is done with it), where the pacer would let the heap grow to
// twice the largest it has seen first.
func (r *Reader) dropItem() {
	huge := r.release >= collectAfter
	r.item, r.release = Item{}, 0
	if cap(r.buf) > keepStatementBuffer {
		r.buf = nil
	}
	if huge {
		runtime.GC()
	}
}

// keepStatementBuffer bounds the statement buffer kept from one statement
// to the next: a larger one, left by a huge statement, is released.
const keepStatementBuffer = 4 * ReadBufferSize

func (r *Reader) readError(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &SyntaxError{File: r.name, Line: r.line + 1, Msg: "corrupt or truncated gzip data: " + err.Error()}
	}
	return fmt.Errorf("%s: read: %w", r.name, err)
}

func (r *Reader) nextRow() (*Item, error) {
	line, joined, err := r.readLine(nil, 0)
	if err == io.EOF {
		return nil, &SyntaxError{File: r.name, Line: r.line, Table: r.copyTable.String(),
			Msg: fmt.Sprintf("COPY block started at line %d has no terminating \\. line", r.copyStart)}
	}
	if err != nil {
		return nil, err
	}
	r.ownRow = joined
	if joined {
		r.release = len(line)
	}
	r.line++
	it := &r.item
	*it = Item{Line: r.line, Table: r.copyTable, Columns: r.copyNames}
	row, eol := splitEOL(line)
	if len(row) == 2 && row[0] == '\\' && row[1] == '.' {
		it.Kind = CopyEnd
		it.Raw = line
		r.inCopy = false
		return it, nil
	}
	it.Kind = CopyRow
	it.Raw, it.EOL = row, eol
	n := copytext.Count(row)
	if r.copyCols < 0 {
		r.copyCols = n
	}
	if n != r.copyCols {
		return nil, r.rowError(fmt.Sprintf("row has %d fields, the COPY column list has %d", n, r.copyCols))
	}
	if copytext.EndsInBackslash(row) {
		return nil, r.rowError("invalid escape: row ends with a lone backslash")
	}
	if bytes.IndexByte(row, 0) >= 0 {
		return nil, r.rowError("binary data (a NUL byte) in a COPY row")
	}
	return it, nil
}

func (r *Reader) rowError(msg string) error {
	return &SyntaxError{File: r.name, Line: r.line, Table: r.copyTable.String(), Msg: msg}
}

func splitEOL(line []byte) (row, eol []byte) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		if n > 1 && line[n-2] == '\r' {
			return line[:n-2], line[n-2:]
		}
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

func (r *Reader) nextStatement() (*Item, error) {
	if r.done {
		return nil, r.complete()
	}
	if cap(r.buf) > keepStatementBuffer {
		r.buf = nil
	}
	r.buf = r.buf[:0]
	r.lex.reset()
	// Once a statement outgrows the read buffer, its further lines are
	// gathered (see gather) and joined to buf when it ends.
	more := &r.more
	defer more.reset()
	startLine := 0
	for {
		size := len(r.buf) + more.n
		gathering := more.n > 0 || len(r.buf) > gatherStatementAfter
		prefix := r.buf
		if gathering {
			prefix = nil // a long line is not joined to buf again
		}
		line, joined, err := r.readLine(prefix, size-len(prefix))
		if err == io.EOF {
			if startLine == 0 {
				startLine = r.line + 1
			}
			r.buf = more.join(r.buf)
			return r.finish(startLine)
		}
		if err != nil {
			return nil, err
		}
		if !joined && size+len(line) > r.maxItem {
			return nil, &ItemTooLargeError{File: r.name, Line: r.line + 1, Limit: r.maxItem}
		}
		r.line++
		if startLine == 0 {
			startLine = r.line
		}
		lineNo := r.line
		var end int
		var meta bool
		if !gathering && (joined || len(r.buf)+len(line) <= gatherStatementAfter) {
			from := len(r.buf)
			if joined {
				r.buf = line
			} else {
				r.buf = append(r.buf, line...)
			}
			end, meta = r.lex.scan(r.buf, from, lineNo)
		} else {
			// The line is lexed alone: it follows a line end, which is all
			// the lexer looks back for. Its offsets are made the
			// statement's.
			started := r.lex.start >= 0
			end, meta = r.lex.scan(line, 0, lineNo)
			if !started && r.lex.start >= 0 {
				r.lex.start += size
			}
			if end >= 0 {
				end += size
			}
			if joined {
				more.own(line)
			} else {
				more.add(line)
			}
		}
		if r.lex.stray > 0 {
			return nil, &SyntaxError{File: r.name, Line: r.lex.stray,
				Msg: "a psql meta-command (backslash) inside an SQL statement: Understudy cannot tell what it runs"}
		}
		if meta {
			r.buf = more.join(r.buf)
			return r.meta(startLine)
		}
		if end >= 0 {
			r.buf = more.join(r.buf)
			return r.endStatement(startLine, end)
		}
	}
}

// endStatement cuts the statement after its semicolon: trailing blanks and
// the line end stay with it, anything else on the line starts the next item.
func (r *Reader) endStatement(startLine, end int) (*Item, error) {
	i := end
	for i < len(r.buf) && (r.buf[i] == ' ' || r.buf[i] == '\t') {
		i++
	}
	switch {
	case i < len(r.buf) && r.buf[i] == '\n':
		end = i + 1
	case i+1 < len(r.buf) && r.buf[i] == '\r' && r.buf[i+1] == '\n':
		end = i + 2
	case i == len(r.buf):
		end = i
	}
	if end < len(r.buf) {
		r.rest = append([]byte(nil), r.buf[end:]...)
	}
	text := r.buf[r.lex.start:end]
	if bytes.IndexByte(text, 0) >= 0 {
		return nil, &SyntaxError{File: r.name, Line: startLine, Msg: "binary data (a NUL byte) in an SQL statement"}
	}
	if isKeyword(text, "COPY") {
		return r.copyHeader(startLine, end)
	}
	if isKeyword(text, "INSERT") {
		return r.insert(startLine, end)
	}
	r.names.observe(text)
	r.lex.backslashy = !r.names.standardStrings
	return r.emit(Statement, startLine, end)
}

func (r *Reader) emit(k Kind, startLine, end int) (*Item, error) {
	if cap(r.buf) > keepStatementBuffer {
		r.release = cap(r.buf)
	}
	it := &r.item
	*it = Item{Kind: k, Line: startLine, Raw: r.buf[:end]}
	gap := it.Raw
	if r.lex.start >= 0 && r.lex.start <= end {
		it.Text = r.buf[r.lex.start:end]
		gap = r.buf[:r.lex.start]
	}
	if err := r.noteComments(gap, startLine); err != nil {
		return nil, err
	}
	return it, nil
}

// meta emits a psql meta-command, the rest of the current line.
func (r *Reader) meta(startLine int) (*Item, error) {
	it, err := r.emit(Meta, startLine, len(r.buf))
	if err != nil {
		return nil, err
	}
	cmd := bytes.TrimRight(it.Text[1:], " \t\r\n")
	name, args, _ := bytes.Cut(cmd, []byte(" "))
	it.Meta, it.MetaArgs = string(name), string(bytes.TrimSpace(args))
	switch it.Meta {
	case "restrict":
		r.restrictKey, r.restrictAt = it.MetaArgs, r.line
	case "unrestrict":
		if it.MetaArgs == r.restrictKey {
			r.restrictKey = ""
		}
	}
	return it, nil
}

// The comment lines pg_dump and pg_dumpall open and close their output with.
var (
	dumpHeader    = []byte("-- PostgreSQL database dump")
	dumpTrailer   = []byte("-- PostgreSQL database dump complete")
	clusterHeader = []byte("-- PostgreSQL database cluster dump")
	commentMarker = []byte("PostgreSQL database")
)

// noteComments looks for pg_dump's header and trailer among the comment
// lines before an item, so that a dump cut short is recognised, and refuses
// pg_dumpall output.
func (r *Reader) noteComments(gap []byte, line int) error {
	if !bytes.Contains(gap, commentMarker) {
		return nil
	}
	for _, l := range bytes.Split(gap, nl) {
		switch string(bytes.TrimRight(l, " \r")) {
		case string(dumpHeader):
			r.openDump = line
		case string(dumpTrailer):
			r.openDump = 0
		case string(clusterHeader):
			return &SyntaxError{File: r.name, Line: line, Msg: "this is pg_dumpall output (a whole cluster: roles and several databases); " +
				"Understudy masks one database at a time and never copies role passwords: dump each database with pg_dump"}
		}
		line++
	}
	return nil
}

// complete checks, at the end of the input, that a dump pg_dump started
// was also finished: a script cut short loads without its constraints.
func (r *Reader) complete() error {
	switch {
	case r.restrictKey != "":
		return &SyntaxError{File: r.name, Line: r.line, Msg: fmt.Sprintf("the dump is truncated: \\restrict on line %d has no \\unrestrict", r.restrictAt)}
	case r.openDump > 0:
		return &SyntaxError{File: r.name, Line: r.line, Msg: fmt.Sprintf("the dump is truncated: pg_dump's header on line %d has no \"PostgreSQL database dump complete\" trailer", r.openDump)}
	}
	return io.EOF
}

// finish handles EOF between statements: an open quote is an error, a
// statement without a semicolon is still one (psql runs it), and anything
// else left over is the tail.
func (r *Reader) finish(startLine int) (*Item, error) {
	r.done = true
	if what := r.lex.unterminated(); what != "" {
		return nil, &SyntaxError{File: r.name, Line: r.lex.quoteLine,
			Msg: fmt.Sprintf("%s opened on line %d is never closed (end of file at line %d)", what, r.lex.quoteLine, r.line)}
	}
	if len(r.buf) == 0 {
		return nil, r.complete()
	}
	if r.lex.state == lexCode {
		return r.endStatement(startLine, len(r.buf))
	}
	it, err := r.emit(Tail, startLine, len(r.buf))
	if err != nil {
		return nil, err
	}
	it.Text = nil
	return it, nil
}

func (r *Reader) copyHeader(startLine, end int) (*Item, error) {
	it, err := r.emit(CopyHeader, startLine, end)
	if err != nil {
		return nil, err
	}
	h, err := parseCopy(it.Text)
	if err != nil {
		return nil, &SyntaxError{File: r.name, Line: startLine + bytes.Count(r.buf[:r.lex.start], nl), Msg: err.Error()}
	}
	if !h.fromStdin {
		// COPY to or from a file is an ordinary statement with no data here.
		it.Kind = Statement
		return it, nil
	}
	it.Table, it.Columns = h.table, h.columns
	r.inCopy = true
	r.copyTable, r.copyNames = h.table, nil
	if h.columns != nil {
		r.copyNames = append(r.copyNames[:0:0], h.columns...)
	}
	it.Columns = r.copyNames
	r.copyCols = len(h.columns)
	r.copyStart = startLine
	if r.copyCols == 0 {
		// COPY without a column list: the row width is only known from the
		// table definition, so the first row decides it.
		r.copyCols = -1
	}
	return it, nil
}

func (r *Reader) insert(startLine, end int) (*Item, error) {
	it, err := r.emit(Insert, startLine, end)
	if err != nil {
		return nil, err
	}
	base := r.lex.start
	if err := parseInsert(&r.ins, r.buf[:end], base, r.lex.backslashy); err != nil {
		return nil, &SyntaxError{File: r.name, Line: startLine + bytes.Count(r.buf[:err.offset], nl), Msg: err.msg}
	}
	it.Table, it.Columns, it.Insert = r.ins.Table, r.ins.Columns, &r.ins
	return it, nil
}

// SyntaxError is malformed input, located by file and line.
type SyntaxError struct {
	File  string
	Line  int
	Table string // the table whose data was being read, if any
	Msg   string
}

func (e *SyntaxError) Error() string {
	if e.Table != "" {
		return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Table, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Close releases the gzip decoder, if any. It does not close the underlying reader.
func (r *Reader) Close() error {
	if r.gz != nil {
		return r.gz.Close()
	}
	return nil
}
