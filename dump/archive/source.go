// Package archive reads and writes pg_dump's archive formats — custom
// (-Fc), directory (-Fd) and tar (-Ft) — as a dump: the table of contents
// gives the entries and, rendered as pg_restore prints it, the schema; the
// data members, decompressed, are COPY text.
package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// store reads the data members of one archive format. Readers it returns
// are independent of each other, so entries can be read in parallel.
type store interface {
	// table returns the decompressed data of a TABLE DATA entry.
	table(te *tocEntry) (io.ReadCloser, error)
	// blobs returns the large objects of a BLOBS entry.
	blobs(te *tocEntry) (blobReader, error)
	// dataSize is the stored (compressed) size of te's data, 0 if unknown.
	dataSize(te *tocEntry) int64
	Close() error
}

// blobReader iterates over the large objects of a BLOBS entry.
type blobReader interface {
	// next returns the next object's OID and contents (valid until the next
	// call), or io.EOF.
	next() (uint32, io.Reader, error)
	Close() error
}

// Options configure Open.
type Options struct {
	// Jobs is how many entries may be read at once (1 when 0).
	Jobs int
}

// Source reads an archive. The table of contents is read once by Open;
// Inventory renders it, and data entries are read on demand, in any order
// and in parallel.
type Source struct {
	name   string
	format Format
	jobs   int
	hdr    *header
	toc    []*tocEntry
	st     store
	inv    *dump.Inventory
	meta   *archiveMeta
}

// Open opens the archive at path (a custom or tar file, or a directory)
// and reads its table of contents.
func Open(ctx context.Context, path string, opts Options) (*Source, error) {
	format, err := Detect(path)
	if err != nil {
		return nil, err
	}
	if format == Directory {
		h, toc, st, err := openDirectory(path)
		if err != nil {
			return nil, err
		}
		return &Source{name: path, format: format, jobs: max(opts.Jobs, 1), hdr: h, toc: toc, st: st}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return openFile(ctx, f, path, format, opts)
}

// OpenStream reads a custom or tar archive from r (stdin), copied first to
// spool — a new temporary file, already unlinked so that the copy cannot
// outlive the process — since its data is read at offsets. The Source owns
// spool.
func OpenStream(ctx context.Context, r io.Reader, spool *os.File, name string, opts Options) (*Source, error) {
	if err := plaindump.CopyContext(ctx, spool, r); err != nil {
		spool.Close()
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	head := make([]byte, 512)
	n, _ := spool.ReadAt(head, 0)
	return openFile(ctx, spool, name, Sniff(head[:n]), opts)
}

// openFile opens the custom or tar archive f; the Source owns f.
func openFile(ctx context.Context, f *os.File, name string, format Format, opts Options) (*Source, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &Source{name: name, format: format, jobs: max(opts.Jobs, 1)}
	switch format {
	case Custom:
		s.hdr, s.toc, s.st, err = openCustom(ctx, f, name, st.Size())
	case Tar:
		s.hdr, s.toc, s.st, err = openTar(f, name, st.Size())
	default:
		err = &Error{Pos: dump.Pos{File: name}, Offset: 0, Kind: Unsupported, Msg: "not a pg_dump archive"}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// Format is the archive's format.
func (s *Source) Format() Format { return s.format }

// Compression is the compression of the archive's data.
func (s *Source) Compression() Algorithm { return s.hdr.algorithm }

// Parallel is how many entries may be read at once.
func (s *Source) Parallel() int { return s.jobs }

// Close releases the archive.
func (s *Source) Close() error { return s.st.Close() }

// archiveMeta is what a sink of the same kind needs to copy an archive's
// entries byte for byte: the header and every TOC entry, in TOC order,
// including those no sink sees (ENCODING, SEARCHPATH, DATABASE, …).
type archiveMeta struct {
	hdr *header
	toc []*tocEntry
	// sent marks the TOC entries that have an inventory entry: a sink that
	// does not receive one drops it (large objects dropped, statistics).
	sent map[*tocEntry]bool
	src  *Source
}

// native is an inventory entry's Native: the TOC entry it came from.
type native struct {
	meta *archiveMeta
	te   *tocEntry
	text string // of a large objects' entry read with Open
}

// Data entries' COPY text ends with pg_dump's terminator, and the next
// entry pg_restore prints starts after the blank lines that follow it.
const (
	copyEnd   = "\\.\n"
	afterData = "\n\n"
)

// Inventory renders the table of contents as pg_restore prints it and
// reads that script — data left out — with the plain reader, so that the
// schema model, the refusals and the large-object count are those of a
// plain dump of the same database; its entries are the TOC's, in
// pg_restore's order, each located by dump id.
func (s *Source) Inventory(ctx context.Context) (*dump.Inventory, error) {
	if s.inv != nil {
		return s.inv, nil
	}
	r := newRenderer(s.hdr, s.toc)
	key := restrictKey()
	inv := &dump.Inventory{Name: s.name, Rows: map[schema.QName]int64{}, Writes: map[schema.QName]dump.Refusal{}}
	if s.hdr.server.valid {
		inv.DumpedFrom = s.hdr.server.s
	}
	if s.hdr.pgdump.valid {
		inv.DumpedBy = s.hdr.pgdump.s
	}
	s.meta = &archiveMeta{hdr: s.hdr, toc: s.toc, sent: map[*tocEntry]bool{}, src: s}

	// The script the plain reader reads: every entry's text, data entries
	// as empty COPY blocks. lines[i] is the first line of entries[i].
	var script bytes.Buffer
	var lines []int
	line := 1
	add := func(e *dump.Entry, text string) {
		lines = append(lines, line)
		inv.Entries = append(inv.Entries, e)
		script.WriteString(text)
		line += strings.Count(text, "\n")
	}
	head := "--\n-- PostgreSQL database dump\n--\n\n\\restrict " + key + "\n"
	add(&dump.Entry{Desc: dump.Meta, Section: dump.PreData, Pos: dump.Pos{File: s.name}, Defn: []byte(head)}, head)
	pre := "\n" + r.preamble()
	add(&dump.Entry{Section: dump.PreData, Pos: dump.Pos{File: s.name}, Defn: []byte(pre)}, pre)

	section := sectionPreData
	prefix := "" // the blank lines after a table's data
	for _, te := range restoreOrder(s.toc) {
		if te.section != sectionNone {
			section = int(te.section)
		}
		e, text, err := s.entry(r, te, section)
		if err != nil {
			return nil, err
		}
		s.meta.sent[te] = true
		text = prefix + text
		prefix = ""
		switch {
		case e.Desc == dump.TableData:
			e.Defn = []byte(text)
			add(e, text+copyEnd)
			prefix = afterData
		case e.Desc == dump.Blobs && te.hadDumper != 0:
			// As in a plain dump, the transaction around the large
			// objects is not part of their data.
			begin := text + "BEGIN;\n\n"
			add(&dump.Entry{Section: e.Section, Pos: e.Pos, Defn: []byte(begin)}, begin)
			add(e, "")
			add(&dump.Entry{Section: e.Section, Pos: e.Pos, Defn: []byte("COMMIT;\n\n")}, "COMMIT;\n\n")
		case e.Desc == dump.Blobs:
			e.Native.(*native).text = text
			add(e, text)
		default:
			e.Defn = []byte(text)
			add(e, text)
		}
	}
	tail := prefix + "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict " + key + "\n\n"
	add(&dump.Entry{Desc: dump.Meta, Section: dump.PostData, Pos: dump.Pos{File: s.name}, Defn: []byte(tail)}, tail)

	if err := s.readSchema(ctx, inv, script.Bytes(), lines); err != nil {
		return nil, err
	}
	s.inv = inv
	return inv, nil
}

// entry makes the inventory entry of te and returns what pg_restore
// prints for it (for a data entry, what it prints before the data).
func (s *Source) entry(r *renderer, te *tocEntry, section int) (*dump.Entry, string, error) {
	e := &dump.Entry{ID: te.dumpID, Desc: te.desc.s, Deps: te.depIDs(), Pos: dump.Pos{File: s.name, Entry: te.dumpID},
		Native: &native{meta: s.meta, te: te}}
	switch section {
	case sectionData:
		e.Section = dump.Data
	case sectionPostData:
		e.Section = dump.PostData
	default:
		e.Section = dump.PreData
	}
	if restorePass(te) > 0 {
		// Privileges and what follows them come after everything else.
		e.Section = dump.PostData
	}
	text := r.entry(te)
	switch {
	case te.desc.s == dump.TableData && te.hadDumper != 0:
		if te.copyStmt.s == "" {
			return nil, "", &Error{Pos: e.Pos, Offset: te.at, Kind: Unsupported,
				Msg: "table data as INSERT statements (pg_dump --inserts): dump the table with COPY, the default"}
		}
		e.Format = dump.CopyText
		e.Bytes = s.st.dataSize(te)
	case isLargeObject(te):
		// Large objects' data, metadata, privileges and comments are kept
		// or dropped together.
		e.Desc, e.Format = dump.Blobs, dump.SQL
		e.Bytes = s.st.dataSize(te)
	case te.desc.s == dump.Statistics:
		e.Section = dump.Data
	}
	return e, text, nil
}

// readSchema runs the plain reader over the rendered script and carries
// what it learns back to the entries: the schema model, each data entry's
// table and columns, each sequence's name, and every refusal, relocated
// from the script's lines to dump ids.
func (s *Source) readSchema(ctx context.Context, inv *dump.Inventory, script []byte, lines []int) error {
	f, err := os.CreateTemp("", "understudy-archive-*.sql")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	src, err := plain.Open(ctx, f.Name(), nil, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	at := func(line int) *dump.Entry {
		i, found := slices.BinarySearch(lines, line)
		if !found {
			i--
		}
		return inv.Entries[max(i, 0)]
	}
	relocate := func(p dump.Pos) dump.Pos {
		e := at(p.Line)
		return dump.Pos{File: s.name, Entry: e.ID, Row: p.Row}
	}
	p, err := src.Inventory(ctx)
	if err != nil {
		return s.relocateError(err, relocate)
	}
	inv.Catalog = p.Catalog
	for _, pe := range p.Entries {
		e := at(pe.Pos.Line)
		switch {
		case pe.Desc == dump.TableData && e.Desc == dump.TableData:
			e.Table, e.Columns = pe.Table, pe.Columns
			inv.Rows[e.Table] += 0
		case pe.Desc == dump.SequenceSet && e.Desc == dump.SequenceSet:
			e.Table = pe.Table
		}
	}
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData && e.Table.Name == "" {
			return &Error{Pos: e.Pos, Offset: -1, Kind: Corrupt, Msg: "a TABLE DATA entry without a COPY statement"}
		}
	}
	for q, w := range p.Writes {
		inv.Writes[q] = dump.Refusal{What: w.What, Pos: relocate(w.Pos)}
	}
	if p.Opaque != nil {
		inv.Opaque = &dump.Refusal{What: p.Opaque.What, Pos: relocate(p.Opaque.Pos)}
	}
	inv.LargeObjects, inv.Statistics = p.LargeObjects, p.Statistics
	if p.LargeObjects > 0 {
		inv.LargeObjectsAt = relocate(p.LargeObjectsAt)
	}
	return nil
}

// relocateError moves the location of an error the plain reader found in
// the rendered script to the TOC entry it came from.
func (s *Source) relocateError(err error, relocate func(dump.Pos) dump.Pos) error {
	var se *plain.StatementError
	var re *plain.RefusedError
	var sy *plaindump.SyntaxError
	switch {
	case errors.As(err, &se):
		return &StatementError{Pos: relocate(se.Pos), Err: se.Err}
	case errors.As(err, &re):
		return &StatementError{Pos: relocate(re.Pos), Err: errors.New(re.Msg)}
	case errors.As(err, &sy):
		return &StatementError{Pos: relocate(dump.Pos{Line: sy.Line}), Err: errors.New(sy.Msg)}
	}
	return err
}

// tocOf returns the TOC entry of an inventory entry of this source.
func (s *Source) tocOf(e *dump.Entry) (*tocEntry, bool) {
	n, ok := e.Native.(*native)
	if !ok || n.meta != s.meta {
		return nil, false
	}
	return n.te, true
}

// Open returns a data entry's bytes: a table's COPY rows (without the
// terminating \.), or the SQL with which pg_restore restores large
// objects; for other entries, their text.
func (s *Source) Open(ctx context.Context, e *dump.Entry) (io.ReadCloser, error) {
	te, ok := s.tocOf(e)
	if !ok || !e.IsData() {
		return io.NopCloser(bytes.NewReader(e.Defn)), nil
	}
	switch {
	case e.Desc == dump.TableData:
		rc, err := s.st.table(te)
		if err != nil {
			return nil, err
		}
		return &copyReader{ctx: ctx, r: rc, pos: e.Pos}, nil
	case te.hadDumper != 0:
		br, err := s.st.blobs(te)
		if err != nil {
			return nil, err
		}
		return &blobSQL{ctx: ctx, br: br, stdStrings: newRenderer(s.hdr, s.toc).stdStrings}, nil
	}
	return io.NopCloser(strings.NewReader(e.Native.(*native).text)), nil
}

// copyReader passes a table's COPY text on without pg_dump's terminator:
// the \. line and the blank lines after it, which are checked, so that a
// cut-off member is an error, not a shorter table.
type copyReader struct {
	ctx  context.Context
	r    io.ReadCloser
	pos  dump.Pos
	hold []byte // the last bytes read, which may be the terminator
	buf  []byte
	out  []byte // ready to hand out
	eof  bool
	n    int
	last byte // the last byte handed out, 0 before the first
}

// holdBack is more than the terminator and the blank lines after it.
const holdBack = 16

func (c *copyReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		if c.n++; c.n&0xff == 0 && c.ctx.Err() != nil {
			return 0, context.Cause(c.ctx)
		}
		if c.buf == nil {
			c.buf = make([]byte, 64<<10)
		}
		h := copy(c.buf, c.hold)
		n, err := c.r.Read(c.buf[h:])
		data := c.buf[:h+n]
		if err == io.EOF {
			end, ok := terminator(data, c.last)
			if !ok {
				return 0, &Error{Pos: c.pos, Offset: -1, Kind: Truncated, Msg: "the table's data does not end with COPY's \\. line"}
			}
			c.out, c.eof = data[:end], true
			continue
		}
		if err != nil {
			return 0, err
		}
		keep := min(len(data), holdBack)
		c.out = data[:len(data)-keep]
		c.hold = append(c.hold[:0], data[len(data)-keep:]...)
	}
	n := copy(p, c.out)
	c.last = c.out[n-1]
	c.out = c.out[n:]
	return n, nil
}

// terminator finds pg_dump's end of COPY data at the end of data: a \.
// line at a line start followed only by blank lines. last is the byte
// before data.
func terminator(data []byte, last byte) (int, bool) {
	end := len(data)
	for end > 0 && data[end-1] == '\n' {
		end--
	}
	if end < 2 || data[end-2] != '\\' || data[end-1] != '.' || end == len(data) {
		return 0, false
	}
	start := end - 2
	if start > 0 && data[start-1] != '\n' || start == 0 && last != 0 && last != '\n' {
		return 0, false
	}
	return start, true
}

// Close ends the read; an unread rest is not checked.
func (c *copyReader) Close() error { return c.r.Close() }

// blobSQL renders a BLOBS entry's large objects as pg_restore prints them
// in a script: each opened by OID, written in chunks of bytea literals,
// and closed.
type blobSQL struct {
	ctx        context.Context
	br         blobReader
	stdStrings bool
	out        bytes.Buffer
	cur        io.Reader
	done       bool
	chunk      []byte
}

// loChunk is pg_restore's large object buffer (LOBBUFSIZE): one lowrite
// per chunk.
const loChunk = 16384

func (b *blobSQL) Read(p []byte) (int, error) {
	for b.out.Len() == 0 {
		if b.done {
			return 0, io.EOF
		}
		if err := b.ctx.Err(); err != nil {
			return 0, context.Cause(b.ctx)
		}
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	return b.out.Read(p)
}

// fill renders the next piece: an object's opening, or one chunk and,
// after the last, its closing.
func (b *blobSQL) fill() error {
	if b.cur == nil {
		oid, r, err := b.br.next()
		if err == io.EOF {
			b.done = true
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(&b.out, "SELECT pg_catalog.lo_open('%d', 131072);\n", oid)
		b.cur = r
	}
	if b.chunk == nil {
		b.chunk = make([]byte, loChunk)
	}
	n, err := io.ReadFull(b.cur, b.chunk)
	if n > 0 {
		b.out.WriteString("SELECT pg_catalog.lowrite(0, ")
		if !b.stdStrings {
			b.out.WriteString("E'\\\\x")
		} else {
			b.out.WriteString("'\\x")
		}
		const hex = "0123456789abcdef"
		for _, c := range b.chunk[:n] {
			b.out.WriteByte(hex[c>>4])
			b.out.WriteByte(hex[c&15])
		}
		b.out.WriteString("');\n")
	}
	switch err {
	case nil:
	case io.EOF, io.ErrUnexpectedEOF:
		b.out.WriteString("SELECT pg_catalog.lo_close(0);\n\n")
		b.cur = nil
	default:
		return err
	}
	return nil
}

func (b *blobSQL) Close() error { return b.br.Close() }

// CountRows reads every table's data to count its rows (a COPY row is one
// line): an archive's table of contents does not say. inspect uses it.
func (s *Source) CountRows(ctx context.Context) error {
	inv, err := s.Inventory(ctx)
	if err != nil {
		return err
	}
	for _, e := range inv.Entries {
		if e.Desc != dump.TableData {
			continue
		}
		rc, err := s.Open(ctx, e)
		if err != nil {
			return err
		}
		br := bufio.NewReaderSize(rc, 64<<10)
		var rows int64
		for {
			chunk, err := br.ReadSlice('\n')
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				rows++
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return err
			}
		}
		rc.Close()
		e.Rows = rows
		inv.Rows[e.Table] += rows
	}
	return nil
}

// dataName is the file name a directory or tar archive gives te's data,
// as its TOC records it; a bare name, never a path.
func dataName(te *tocEntry, file string) (string, error) {
	name := te.filename.s
	if !te.filename.valid || name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return "", &Error{Pos: dump.Pos{File: file, Entry: te.dumpID}, Offset: te.at, Kind: Corrupt, Msg: "the entry's data file name is not a file name"}
	}
	return name, nil
}
