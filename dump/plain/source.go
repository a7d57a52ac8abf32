// Package plain reads and writes pg_dump's plain format (SQL scripts) as a
// dump: the Source turns a script into entries — statements, each COPY
// block or run of INSERTs as one table's data, setval statements as
// sequence values — and the Sink writes entries back out byte for byte.
package plain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unsafe"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// Source reads a plain pg_dump script: once (Inventory) to learn its
// schema — whose keys and constraints come after the data — and the
// entries, once more (Open, in order) for the data. The second pass hands
// on only bytes it has checked against the first.
type Source struct {
	in      *plaindump.Input
	maxItem int
	inv     *dump.Inventory
	index   map[*dump.Entry]int
	items   []int // per entry, the reader items it spans

	r    *plaindump.Reader // the second pass
	next int               // first entry the second pass has not consumed
}

// Open opens a plain dump for reading: path, or stdin for "-" (spooled to
// a private temporary file). maxItem bounds one row or statement (0: the
// default).
func Open(ctx context.Context, path string, stdin io.Reader, maxItem int) (*Source, error) {
	in, err := plaindump.OpenInput(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	if maxItem <= 0 {
		maxItem = plaindump.DefaultMaxItem
	}
	return &Source{in: in, maxItem: maxItem}, nil
}

// Name is the dump's name for messages.
func (s *Source) Name() string { return s.in.Name() }

// Parallel is 1: a script is read in order.
func (s *Source) Parallel() int { return 1 }

// Close releases the input.
func (s *Source) Close() error {
	if s.r != nil {
		s.r.Close()
	}
	return s.in.Close()
}

// Rewind starts the second pass over, for a caller that reads the data
// more than once (subsetting): entries may then be opened from the first
// again. Every pass is checked against the first, as the second is.
func (s *Source) Rewind() error {
	if s.r != nil {
		s.r.Close()
		s.r = nil
	}
	s.next = 0
	return nil
}

// foreignKey is a statement adding a foreign key. Its entry type comes
// from the statement, not the comment: a database target builds keys in
// parallel and foreign keys after them, so a foreign key filed as a
// "CONSTRAINT" (or glued to the key before it) could run before the key it
// references exists.
var foreignKey = regexp.MustCompile(`(?is)^ALTER\s+TABLE\b.*\bFOREIGN\s+KEY\b`)

// postData are the pg_dump entry types built after the data.
var postData = map[string]bool{
	"INDEX": true, "INDEX ATTACH": true, "CONSTRAINT": true, "FK CONSTRAINT": true, "CHECK CONSTRAINT": true,
	"TRIGGER": true, "EVENT TRIGGER": true, "RULE": true, "POLICY": true, "ROW SECURITY": true,
	"MATERIALIZED VIEW DATA": true, "PUBLICATION TABLE": true, "PUBLICATION TABLES IN SCHEMA": true,
	"STATISTICS": true, "EXTENDED STATISTICS": true,
}

// Inventory reads the whole script once: it builds the schema model from
// the DDL, follows every statement the way PostgreSQL would, counts rows
// without decoding them, and notes every statement that writes data other
// than as COPY rows or literal INSERT values.
func (s *Source) Inventory(ctx context.Context) (*dump.Inventory, error) {
	if s.inv != nil {
		return s.inv, nil
	}
	r, err := s.in.First()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	r.SetMaxItem(s.maxItem)
	b := &builder{
		r:   r,
		inv: &dump.Inventory{Name: s.in.Name(), Rows: map[schema.QName]int64{}, Writes: map[schema.QName]dump.Refusal{}},
		sc:  newScript(s.in.Name()),
		src: s,
	}
	for n := 0; ; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, context.Cause(ctx)
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			if err := b.sc.end(r.Line()); err != nil {
				return nil, err
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if err := b.item(it); err != nil {
			return nil, err
		}
	}
	if b.statements == 0 {
		return nil, &EmptyError{Name: s.in.Name(), Size: r.Offset()}
	}
	b.inv.Catalog = b.sc.b.Catalog()
	s.inv = b.inv
	s.index = map[*dump.Entry]int{}
	for i, e := range b.inv.Entries {
		s.index[e] = i
	}
	return s.inv, nil
}

// builder groups a script's items into entries during the first pass.
type builder struct {
	r          *plaindump.Reader
	inv        *dump.Inventory
	sc         *script
	src        *Source
	cur        *dump.Entry // the entry the last item went into
	insertAs   schema.QName
	seenData   bool
	statements int // SQL statements and meta-commands, COPY and INSERT included
}

// EmptyError is an input without a single SQL statement: an empty file —
// what a pipeline passes on when the pg_dump writing it failed — or one of
// only comments.
type EmptyError struct {
	Name string
	Size int64
}

func (e *EmptyError) Error() string {
	if e.Size == 0 {
		return e.Name + " is empty: there is no dump to mask (did the pg_dump writing it fail?)"
	}
	return e.Name + " holds no SQL statement, only comments and blank lines: it is not pg_dump output"
}

// add starts a new entry.
func (b *builder) add(e *dump.Entry, line int) {
	e.ID = len(b.inv.Entries) + 1
	e.Pos = dump.Pos{File: b.inv.Name, Line: line}
	switch {
	case e.IsData() || e.Desc == dump.SequenceSet || e.Desc == dump.Statistics:
		e.Section = dump.Data
		b.seenData = true
	case b.seenData || postData[e.Desc]:
		e.Section = dump.PostData
	default:
		e.Section = dump.PreData
	}
	b.inv.Entries = append(b.inv.Entries, e)
	b.src.items = append(b.src.items, 0)
	b.cur = e
}

func (b *builder) item(it *plaindump.Item) error {
	if it.Kind != plaindump.CopyRow && it.Kind != plaindump.CopyEnd && it.Kind != plaindump.Tail {
		b.statements++
	}
	switch it.Kind {
	case plaindump.CopyHeader:
		q, err := b.sc.table(it)
		if err != nil {
			return err
		}
		// Row n of the block is on the header's last line + n.
		b.add(&dump.Entry{Desc: dump.TableData, Table: q, Columns: cloneStrings(it.Columns), Format: dump.CopyText,
			Defn: bytes.Clone(it.Raw)}, it.Line+bytes.Count(it.Raw, nl)-1)
		b.inv.Rows[q] += 0
	case plaindump.CopyRow:
		b.cur.Rows++
		b.cur.Bytes += int64(len(it.Raw) + len(it.EOL))
		b.inv.Rows[b.cur.Table]++
	case plaindump.CopyEnd:
		b.cur = nil // the next item starts an entry of its own
	case plaindump.Insert:
		q, err := b.sc.table(it)
		if err != nil {
			return err
		}
		if e := b.cur; e == nil || e.Desc != dump.TableData || e.Format != dump.SQL || b.insertAs != it.Table || !equalStrings(e.Columns, it.Columns) {
			b.add(&dump.Entry{Desc: dump.TableData, Table: q, Columns: cloneStrings(it.Columns), Format: dump.SQL}, textLine(it))
			b.insertAs = it.Table
		}
		n := int64(len(it.Insert.Tuples))
		b.cur.Rows += n
		b.cur.Bytes += int64(len(it.Raw))
		b.inv.Rows[q] += n
		b.src.items[len(b.src.items)-1]++
		b.noteInsert(it, q)
	case plaindump.Meta:
		if err := b.sc.meta(it); err != nil {
			return err
		}
		b.add(&dump.Entry{Desc: dump.Meta, Defn: bytes.Clone(it.Raw)}, textLine(it))
		b.src.items[len(b.src.items)-1]++
		b.cur = nil
	case plaindump.Statement, plaindump.Tail:
		// A huge statement (a function's body) is taken over from the
		// reader rather than copied, and its text read in place.
		raw, owned := it.Raw, len(it.Raw) >= bigStatement && b.r.Keep()
		var eff schema.Effect
		if it.Kind == plaindump.Statement {
			if b.inv.DumpedBy == "" {
				b.noteVersions(raw)
			}
			text := string(it.Text)
			if owned {
				text = unsafe.String(unsafe.SliceData(it.Text), len(it.Text)) // never written again
			}
			var err error
			if eff, err = b.sc.statement(it, text); err != nil {
				return err
			}
		}
		if !owned {
			raw = nil // copied where kept
		}
		if err := b.statement(it, eff, raw); err != nil {
			return err
		}
		b.src.items[len(b.src.items)-1]++
	}
	return nil
}

// statement files a statement (or the tail of the script) into an entry;
// owned, when set, is its raw bytes, taken over from the reader.
func (b *builder) statement(it *plaindump.Item, eff schema.Effect, owned []byte) error {
	defn := func() []byte {
		if owned != nil {
			return owned
		}
		return bytes.Clone(it.Raw)
	}
	line := textLine(it)
	pos := dump.Pos{File: b.inv.Name, Line: textLine(it)}
	desc := ""
	if m := dump.TOCComment.FindSubmatch(it.Raw[:len(it.Raw)-len(it.Text)]); m != nil {
		desc = strings.ToUpper(string(m[2]))
	}
	if foreignKey.Match(it.Text) {
		desc = "FK CONSTRAINT"
	}
	switch desc {
	case dump.TableData, dump.SequenceSet, dump.Blobs, dump.Statistics:
		// Entry types the statement's effect decides, not its comment: the
		// BEGIN under pg_dump's "Type: BLOBS" comment is no data.
		desc = ""
	}
	b.note(eff, pos)
	switch {
	case eff.Kind == schema.LargeObject:
		if b.cur == nil || b.cur.Desc != dump.Blobs {
			b.add(&dump.Entry{Desc: dump.Blobs, Format: dump.SQL}, line)
		}
		b.cur.Bytes += int64(len(it.Raw))
		return nil
	case eff.Kind == schema.Statistics:
		b.add(&dump.Entry{Desc: dump.Statistics, Defn: defn()}, line)
		return nil
	case eff.Kind == schema.NoEffect && len(it.Text) >= 6 && bytes.EqualFold(it.Text[:6], []byte("SELECT")) && dump.IsSetval(it.Text):
		lit, _, _ := dump.ParseSetval(it.Text)
		q, err := b.sc.sequence(it, []byte(lit))
		if err != nil {
			return err
		}
		b.add(&dump.Entry{Desc: dump.SequenceSet, Table: q, Defn: defn()}, line)
		return nil
	}
	// A statement without a table-of-contents comment of its own belongs
	// to the entry before it, as the statements of one pg_dump entry do.
	if e := b.cur; desc == "" && owned == nil && e != nil && !e.IsData() && e.Desc != dump.SequenceSet && e.Desc != dump.Meta && e.Desc != dump.Statistics {
		e.Defn = append(e.Defn, it.Raw...)
		return nil
	}
	b.add(&dump.Entry{Desc: desc, Defn: defn()}, line)
	return nil
}

// bigStatement is the size past which a statement is taken over from the
// reader instead of copied.
const bigStatement = 1 << 20

// note records what a statement does to data.
func (b *builder) note(eff schema.Effect, pos dump.Pos) {
	inv := b.inv
	w := dump.Refusal{What: eff.What, Pos: pos}
	switch eff.Kind {
	case schema.WritesRows:
		for _, q := range eff.Tables {
			if _, ok := inv.Writes[q]; !ok {
				inv.Writes[q] = w
			}
		}
		if len(eff.Tables) == 0 && inv.Opaque == nil {
			inv.Opaque = &w
		}
	case schema.Opaque:
		if inv.Opaque == nil {
			inv.Opaque = &w
		}
	case schema.LargeObject:
		if inv.LargeObjects == 0 {
			inv.LargeObjectsAt = pos
		}
		inv.LargeObjects++
	case schema.Statistics:
		inv.Statistics++
	}
}

// noteInsert records an INSERT that writes values it does not spell out as
// literals: rows from a query, an ON CONFLICT update, an expression.
func (b *builder) noteInsert(it *plaindump.Item, q schema.QName) {
	if _, ok := b.inv.Writes[q]; ok {
		return
	}
	what := it.Insert.Opaque
	for _, tuple := range it.Insert.Tuples {
		if what != "" {
			break
		}
		for _, v := range tuple {
			if v.Kind == plaindump.ValExpr {
				what = "INSERT with a value that is an expression, not a literal"
				break
			}
		}
	}
	if what != "" {
		b.inv.Writes[q] = dump.Refusal{What: what, Pos: dump.Pos{File: b.inv.Name, Line: textLine(it)}}
	}
}

// noteVersions picks pg_dump's version comments out of the dump header.
func (b *builder) noteVersions(raw []byte) {
	for _, line := range bytes.Split(raw, nl) {
		line = bytes.TrimRight(line, "\r")
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped from database version ")); ok {
			b.inv.DumpedFrom = string(v)
		}
		if v, ok := bytes.CutPrefix(line, []byte("-- Dumped by pg_dump version ")); ok {
			b.inv.DumpedBy = string(v)
		}
	}
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errOrder is a caller opening entries out of order.
var errOrder = errors.New("plain: entries of a script must be opened in order")

// seek moves the second pass to the start of entry e, skipping (after
// verifying, by the Input) the entries before it.
func (s *Source) seek(e *dump.Entry) (int, error) {
	i, ok := s.index[e]
	if !ok || i < s.next {
		return 0, errOrder
	}
	if s.r == nil {
		r, err := s.in.Second()
		if err != nil {
			return 0, err
		}
		r.SetMaxItem(s.maxItem)
		s.r = r
	}
	for ; s.next < i; s.next++ {
		if err := s.skip(s.next); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// skip reads past entry i.
func (s *Source) skip(i int) error {
	e := s.inv.Entries[i]
	if e.Desc == dump.TableData && e.Format == dump.CopyText {
		for {
			it, err := s.r.Next()
			if err != nil {
				return s.unexpected(err)
			}
			if it.Kind == plaindump.CopyEnd {
				return nil
			}
		}
	}
	for range s.items[i] {
		if _, err := s.r.Next(); err != nil {
			return s.unexpected(err)
		}
	}
	return nil
}

// unexpected turns an early end of the second pass into an error: the
// first pass read further.
func (s *Source) unexpected(err error) error {
	if err == io.EOF {
		return &plaindump.ChangedError{File: s.in.Name(), Offset: s.r.Offset()}
	}
	return err
}

// Open returns the bytes of entry e. Entries are opened in order; a data
// entry's reader must be read to its end or closed before the next Open.
func (s *Source) Open(ctx context.Context, e *dump.Entry) (io.ReadCloser, error) {
	if !e.IsData() {
		return io.NopCloser(bytes.NewReader(e.Defn)), nil
	}
	i, err := s.seek(e)
	if err != nil {
		return nil, err
	}
	s.next = i + 1
	if e.Format == dump.CopyText {
		if _, err := s.r.Next(); err != nil { // the COPY header
			return nil, s.unexpected(err)
		}
		return &copyReader{s: s, ctx: ctx}, nil
	}
	return &sqlReader{s: s, ctx: ctx, left: s.items[i]}, nil
}

// copyReader yields the rows of a COPY block, each with its line end.
type copyReader struct {
	s    *Source
	ctx  context.Context
	rest []byte // of the current row not yet read
	done bool
	err  error
	n    int
}

func (c *copyReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(c.rest) == 0 {
			if err := c.nextRow(); err != nil {
				if n > 0 && err == io.EOF {
					return n, nil
				}
				return n, err
			}
		}
		k := copy(p[n:], c.rest)
		c.rest = c.rest[k:]
		n += k
	}
	return n, nil
}

// WriteTo hands rows to w without copying them.
func (c *copyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(c.rest) == 0 {
			if err := c.nextRow(); err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
		}
		n, err := w.Write(c.rest)
		total += int64(n)
		c.rest = nil
		if err != nil {
			return total, err
		}
	}
}

// nextRow loads the next row with its line end into c.rest.
func (c *copyReader) nextRow() error {
	if c.done || c.err != nil {
		if c.err != nil {
			return c.err
		}
		return io.EOF
	}
	if c.n++; c.n&0xfff == 0 {
		if err := c.ctx.Err(); err != nil {
			c.err = context.Cause(c.ctx)
			return c.err
		}
	}
	it, err := c.s.r.Next()
	if err != nil {
		c.err = c.s.unexpected(err)
		return c.err
	}
	if it.Kind == plaindump.CopyEnd {
		c.done = true
		return io.EOF
	}
	c.rest = it.Row()
	return nil
}

// Close reads past whatever of the block is left.
func (c *copyReader) Close() error {
	for c.err == nil && !c.done {
		c.nextRow()
	}
	if c.err != nil && c.err != io.EOF {
		return c.err
	}
	return nil
}

// sqlReader yields the statements of a SQL data entry (large objects).
type sqlReader struct {
	s    *Source
	ctx  context.Context
	left int
	rest []byte
	err  error
}

func (q *sqlReader) Read(p []byte) (int, error) {
	for len(q.rest) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		if q.left == 0 {
			return 0, io.EOF
		}
		if err := q.ctx.Err(); err != nil {
			q.err = context.Cause(q.ctx)
			return 0, q.err
		}
		it, err := q.s.r.Next()
		if err != nil {
			q.err = q.s.unexpected(err)
			return 0, q.err
		}
		q.left--
		q.rest = it.Raw
	}
	n := copy(p, q.rest)
	q.rest = q.rest[n:]
	return n, nil
}

func (q *sqlReader) Close() error {
	for q.err == nil && q.left > 0 {
		if _, err := q.s.r.Next(); err != nil {
			q.err = q.s.unexpected(err)
		}
		q.left--
	}
	return q.err
}

// MaskValues copies the INSERT statements of e to w, each row's values
// passed through m: masked values are replaced by new literals, everything
// else (casts, layout, comments) stays as it was. A table m skips keeps
// only the comments before its statements.
func (s *Source) MaskValues(ctx context.Context, e *dump.Entry, m dump.RowMasker, w io.Writer) error {
	i, err := s.seek(e)
	if err != nil {
		return err
	}
	s.next = i + 1
	var iw insertWriter
	for k := range s.items[i] {
		if k&0x3ff == 0 {
			if err := ctx.Err(); err != nil {
				return context.Cause(ctx)
			}
		}
		it, err := s.r.Next()
		if err != nil {
			return s.unexpected(err)
		}
		if it.Kind != plaindump.Insert {
			return fmt.Errorf("%s:%d: plain: expected an INSERT statement", s.in.Name(), it.Line)
		}
		if err := iw.mask(it, m, dump.Pos{File: s.in.Name(), Line: textLine(it)}, w); err != nil {
			return err
		}
		if len(it.Raw) >= bigStatement {
			iw.release()
		}
	}
	return nil
}
