package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/understudy-db/understudy/copytext"
	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// Output is where a custom archive goes: an outfile.File, which appears
// under its name only once committed.
type Output interface {
	io.Writer
	Commit() error
	Fail(marker []byte) error
}

// SinkOptions configure a Sink.
type SinkOptions struct {
	Format      Format // Custom or Directory
	Compression Compression
	// Jobs is how many data entries a directory archive writes at once.
	Jobs int
	// Warn, if set, is told when the archive cannot be written at a version
	// older pg_restore reads (see writeVersion).
	Warn func(string)
}

// Sink writes a custom or directory archive. Entries from an archive
// Source keep their TOC entries byte for byte (a SEQUENCE SET is rewritten
// when the run moved the sequence), including those no sink sees; entries
// from other sources get TOC entries made from their text. The table of
// contents is written last, with the data offsets, so that pg_restore -j
// can read the data in any order.
type Sink struct {
	opts SinkOptions
	out  Output // custom
	dir  string // directory: the final path
	tmp  string // directory: where it is built

	data    *os.File // custom: the data blocks, until Commit
	dataOff int64

	mu      sync.Mutex
	meta    *archiveMeta
	written map[*tocEntry]*tocEntry // an archive source's entries, as written
	made    []madeEntry             // other sources' entries
	places  map[int]int64           // custom: dump id → block offset in data
	aborted bool
}

// madeEntry is a TOC entry made from another source's entry, with that
// entry's order.
type madeEntry struct {
	te    *tocEntry
	order int
}

// NewSink returns a sink writing a custom archive to out, or a directory
// archive at dir (out nil), which must not exist yet.
func NewSink(out Output, dir string, opts SinkOptions) (*Sink, error) {
	s := &Sink{opts: opts, out: out, dir: dir, written: map[*tocEntry]*tocEntry{}, places: map[int]int64{}}
	switch opts.Format {
	case Custom:
		f, err := os.CreateTemp("", "understudy-data-*")
		if err != nil {
			return nil, err
		}
		os.Remove(f.Name()) // masked data, but never left behind
		s.data = f
	case Directory:
		if _, err := os.Lstat(dir); err == nil {
			return nil, fmt.Errorf("%s already exists: a directory archive is written to a new directory", dir)
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
		if err != nil {
			return nil, err
		}
		s.tmp = tmp
	default:
		return nil, fmt.Errorf("archive sink: format %s is not written", opts.Format)
	}
	return s, nil
}

// Parallel is how many data entries may be written at once: one file per
// entry in a directory archive, one stream in a custom archive.
func (s *Sink) Parallel() int {
	if s.opts.Format == Directory {
		return max(s.opts.Jobs, 1)
	}
	return 1
}

// tocEntryOf returns the entry to write for e: a copy of its archive TOC
// entry, or one made from its text; nil for the text an archive source
// renders around its entries (pg_restore's preamble, \restrict), which an
// archive does not hold.
func (s *Sink) tocEntryOf(e *dump.Entry) (*tocEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := e.Native.(*native); ok {
		if s.meta == nil {
			s.meta = n.meta
		}
		if n.meta != s.meta {
			return nil, errors.New("archive sink: entries from two archives")
		}
		cp := *n.te
		s.written[n.te] = &cp
		return &cp, nil
	}
	if s.meta != nil || e.Desc == dump.Meta || e.Desc == dump.Statistics {
		return nil, nil
	}
	te := madeTOCEntry(e, len(s.made)+1)
	s.made = append(s.made, madeEntry{te, e.ID})
	return te, nil
}

// Entry records a non-data entry.
func (s *Sink) Entry(ctx context.Context, e *dump.Entry) error {
	te, err := s.tocEntryOf(e)
	if err != nil || te == nil {
		return err
	}
	if e.Desc == dump.SequenceSet && e.Set != nil {
		defn, err := setSequence(te.defn.s, *e.Set)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Pos, err)
		}
		te.defn = some(defn)
	}
	return nil
}

// setSequence rewrites a SEQUENCE SET entry's setval to v.
func setSequence(defn string, v dump.SequenceValue) (string, error) {
	out, ok := dump.AppendSetval(nil, []byte(defn), v)
	if !ok {
		return "", errors.New("archive sink: no setval statement in a SEQUENCE SET entry")
	}
	return string(out), nil
}

// Data returns the writer for a data entry's bytes: a table's COPY rows
// (the terminator is added), or an archive source's large objects, which
// are copied from the archive as they are stored.
func (s *Sink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	te, err := s.tocEntryOf(e)
	if err != nil {
		return nil, err
	}
	if te == nil {
		return discard{}, nil
	}
	if e.Desc == dump.Blobs {
		if _, ok := e.Native.(*native); !ok {
			return nil, fmt.Errorf("%s: large objects from a plain dump or a database cannot be written to an archive yet: write --format plain, or add `large_objects: drop` to the rules", e.Pos)
		}
		if te.hadDumper == 0 {
			return discard{}, nil // metadata: its TOC entry is all there is
		}
	}
	if e.Desc == dump.TableData && te.copyStmt.s == "" {
		te.copyStmt = some(copyStatement(e))
	}
	te.hadDumper = 1
	w, err := s.start(te, e.Desc == dump.Blobs)
	if err != nil {
		return nil, err
	}
	if e.Desc == dump.Blobs {
		return &blobsWriter{w: w}, nil
	}
	if e.Desc == dump.TableData && e.Format == dump.SQL {
		return newInsertWriter(w, e.Pos), nil
	}
	return &tableWriter{w: w}, nil
}

// discard takes bytes the archive does not store.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// tableWriter is a table's data: the rows, then pg_dump's terminator.
type tableWriter struct{ w *member }

func (t *tableWriter) Write(p []byte) (int, error) { return t.w.Write(p) }

func (t *tableWriter) Close() error {
	if _, err := io.WriteString(t.w, copyEnd+afterData); err != nil {
		return err
	}
	return t.w.Close()
}

// CloseWithError abandons the entry.
func (t *tableWriter) CloseWithError(err error) error { return t.w.abandon() }

// insertWriter turns a table's data given as INSERT statements (a plain
// dump's, masked) into COPY rows, so that the archive holds what pg_dump
// writes by default and this tool reads back.
type insertWriter struct {
	w    *member
	pw   *io.PipeWriter
	done chan error
}

func newInsertWriter(w *member, pos dump.Pos) *insertWriter {
	pr, pw := io.Pipe()
	iw := &insertWriter{w: w, pw: pw, done: make(chan error, 1)}
	go func() {
		err := insertsToCopy(w, pr, pos)
		pr.CloseWithError(err) // unblocks a writer after a failure
		iw.done <- err
	}()
	return iw
}

// insertsToCopy writes the rows of the INSERT statements read from r to w
// as COPY text, then the terminator. Errors never quote a value.
func insertsToCopy(w io.Writer, r io.Reader, pos dump.Pos) error {
	rd, err := dump.ReadFragment(r, pos.File)
	if err != nil {
		return err
	}
	var row, text []byte
	for {
		it, err := rd.Next()
		if err == io.EOF {
			_, err = io.WriteString(w, copyEnd+afterData)
			return err
		}
		if err != nil {
			return err
		}
		if it.Kind == plaindump.Tail {
			continue // comments
		}
		at := pos
		at.Line += it.Line - 1
		if it.Kind != plaindump.Insert || it.Insert.Opaque != "" {
			return fmt.Errorf("%s: archive sink: only INSERT … VALUES statements can be written as a table's data", at)
		}
		iv := it.Insert
		for _, tuple := range iv.Tuples {
			row = row[:0]
			for i, v := range tuple {
				if i > 0 {
					row = append(row, '\t')
				}
				if v.Kind == plaindump.ValNull {
					row = append(row, `\N`...)
					continue
				}
				if v.Kind == plaindump.ValWord && bytes.EqualFold(it.Raw[v.Start:v.End], []byte("DEFAULT")) {
					return fmt.Errorf("%s: archive sink: value %d of a row is DEFAULT, which COPY cannot write: give the value", at, i+1)
				}
				text, err = iv.AppendText(text[:0], it.Raw, v)
				if err != nil {
					return fmt.Errorf("%s: archive sink: value %d of a row: %w", at, i+1, err)
				}
				row = copytext.Encode(row, text)
			}
			if _, err := w.Write(append(row, '\n')); err != nil {
				return err
			}
		}
	}
}

func (iw *insertWriter) Write(p []byte) (int, error) { return iw.pw.Write(p) }

func (iw *insertWriter) Close() error {
	iw.pw.Close()
	if err := <-iw.done; err != nil {
		return err
	}
	return iw.w.Close()
}

// CloseWithError abandons the entry.
func (iw *insertWriter) CloseWithError(err error) error {
	iw.pw.CloseWithError(err)
	<-iw.done
	return iw.w.abandon()
}

// blobsWriter copies large objects from an archive source's reader.
type blobsWriter struct{ w *member }

func (b *blobsWriter) Write(p []byte) (int, error) {
	return 0, errors.New("archive sink: large objects are copied from an archive only")
}

// ReadFrom takes the large objects from the archive reader r, stored as
// they are (not as the SQL r renders).
func (b *blobsWriter) ReadFrom(r io.Reader) (int64, error) {
	bs, ok := r.(*blobSQL)
	if !ok {
		return 0, errors.New("archive sink: large objects are copied from an archive only")
	}
	var total int64
	for {
		oid, lo, err := bs.br.next()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		n, err := b.w.blob(oid, lo)
		total += n
		if err != nil {
			return total, err
		}
	}
}

func (b *blobsWriter) Close() error                   { return b.w.Close() }
func (b *blobsWriter) CloseWithError(err error) error { return b.w.abandon() }

// copyStatement is pg_dump's COPY statement for a table's data.
func copyStatement(e *dump.Entry) string {
	var b bytes.Buffer
	b.WriteString("COPY " + fmtQName(e.Table))
	if e.Columns != nil {
		b.WriteString(" (")
		for i, c := range e.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(fmtID(c))
		}
		b.WriteString(")")
	}
	b.WriteString(" FROM stdin;\n")
	return b.String()
}

// madeTOCEntry makes a TOC entry for an entry of a source other than an
// archive: its name, type, schema and owner from pg_dump's comment, its
// statements as they are.
func madeTOCEntry(e *dump.Entry, id int) *tocEntry {
	te := &tocEntry{dumpID: id, tableoid: some("0"), oid: some("0"), desc: some(e.Desc), tag: some(""), defn: some(string(e.Defn)),
		dropStmt: some(""), copyStmt: some(""), namespace: str{}, tablespace: str{}, owner: str{}, withOids: some("false")}
	if m := dump.TOCComment.FindStringSubmatch(string(e.Defn)); m != nil {
		te.tag = some(m[1])
		if te.desc.s == "" {
			te.desc = some(strings.ToUpper(m[2]))
		}
		if m[3] != "-" {
			te.namespace = some(m[3])
		}
		if m[4] != "" && m[4] != "-" {
			te.owner = some(m[4])
		}
	}
	if e.Table.Name != "" {
		te.tag, te.namespace = some(e.Table.Name), some(e.Table.Schema)
	}
	if te.desc.s == "" {
		te.desc = some("SQL")
	}
	switch e.Section {
	case dump.Data:
		te.section = sectionData
	case dump.PostData:
		te.section = sectionPostData
	default:
		te.section = sectionPreData
	}
	if e.IsData() {
		te.defn = some("")
	}
	return te
}

// member is one data entry being written: a block of the custom archive's
// data stream, or a file of the directory archive.
type member struct {
	s     *Sink
	te    *tocEntry
	z     io.WriteCloser // the compressor, for the current stream
	f     *os.File       // directory: the file
	cw    *chunkWriter   // custom
	blobs []blobItem     // directory: large objects written
	done  bool
}

// start begins te's data.
func (s *Sink) start(te *tocEntry, blobs bool) (*member, error) {
	m := &member{s: s, te: te}
	if s.opts.Format == Custom {
		s.mu.Lock() // one block at a time: Parallel is 1
		s.places[te.dumpID] = s.dataOff
		s.mu.Unlock()
		m.cw = &chunkWriter{w: &countWriter{w: s.data, n: &s.dataOff}, intSize: 4}
		typ := byte(blockData)
		if blobs {
			typ = blockBlobs
		}
		head := append([]byte{typ}, encodeInt(int64(te.dumpID), 4)...)
		if _, err := m.cw.w.Write(head); err != nil {
			return nil, err
		}
		if !blobs {
			z, err := compress(s.opts.Compression, true, m.cw)
			if err != nil {
				return nil, err
			}
			m.z = z
		}
		return m, nil
	}
	name := fmt.Sprintf("%d.dat", te.dumpID)
	if blobs {
		name = fmt.Sprintf("blobs_%d.toc", te.dumpID)
		if s.meta != nil && s.meta.hdr.version < V1_16 {
			// The one list file older pg_restore reads; a 1.16 archive
			// holding large objects is written at 1.16 (needsV116).
			name = "blobs.toc"
		}
	}
	te.filename = some(name)
	if blobs {
		f, err := os.OpenFile(filepath.Join(s.tmp, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		m.f = f
		return m, nil
	}
	f, err := os.OpenFile(filepath.Join(s.tmp, name+s.opts.Compression.Algorithm.suffix()), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	m.f = f
	z, err := compress(s.opts.Compression, false, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	m.z = z
	return m, nil
}

func (m *member) Write(p []byte) (int, error) { return m.z.Write(p) }

// blob writes one large object: in a custom archive its OID and a run of
// chunks, in a directory archive a file of its own.
func (m *member) blob(oid uint32, r io.Reader) (int64, error) {
	if m.s.opts.Format == Custom {
		if _, err := m.cw.w.Write(encodeInt(int64(oid), 4)); err != nil {
			return 0, err
		}
		z, err := compress(m.s.opts.Compression, true, m.cw)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(z, r)
		if err == nil {
			err = z.Close()
		}
		if err == nil {
			err = m.cw.end()
		}
		return n, err
	}
	name := fmt.Sprintf("blob_%d.dat", oid)
	f, err := os.OpenFile(filepath.Join(m.s.tmp, name+m.s.opts.Compression.Algorithm.suffix()), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	z, err := compress(m.s.opts.Compression, false, f)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(z, r)
	if err == nil {
		err = z.Close()
	}
	if err == nil {
		err = f.Close()
	}
	m.blobs = append(m.blobs, blobItem{oid, name})
	return n, err
}

// Close ends the entry's data.
func (m *member) Close() error {
	if m.done {
		return nil
	}
	m.done = true
	if m.z != nil {
		if err := m.z.Close(); err != nil {
			return err
		}
	}
	if m.s.opts.Format == Custom {
		if m.z == nil { // large objects: the zero OID ends them
			if _, err := m.cw.w.Write(encodeInt(0, 4)); err != nil {
				return err
			}
			return nil
		}
		return m.cw.end()
	}
	if m.z == nil {
		var b bytes.Buffer
		for _, it := range m.blobs {
			fmt.Fprintf(&b, "%d %s\n", it.oid, it.file)
		}
		if _, err := m.f.Write(b.Bytes()); err != nil {
			m.f.Close()
			return err
		}
	}
	return m.f.Close()
}

// abandon ends a failed entry; Abort removes what it wrote.
func (m *member) abandon() error {
	m.done = true
	if m.f != nil {
		return m.f.Close()
	}
	return nil
}

// chunkWriter frames a compressed stream as a custom archive stores it:
// chunks, each its length then its bytes, ended by a zero length.
type chunkWriter struct {
	w       io.Writer
	intSize int
	buf     []byte
}

const chunkMax = 64 << 10

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), chunkMax-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == chunkMax {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	if _, err := c.w.Write(encodeInt(int64(len(c.buf)), c.intSize)); err != nil {
		return err
	}
	_, err := c.w.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// end flushes the last chunk and writes the zero length.
func (c *chunkWriter) end() error {
	if err := c.flush(); err != nil {
		return err
	}
	_, err := c.w.Write(encodeInt(0, c.intSize))
	return err
}

// countWriter counts what it writes into n.
type countWriter struct {
	w io.Writer
	n *int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// encodeInt is one of pg_dump's integers.
func encodeInt(v int64, size int) []byte {
	e := encoder{intSize: size}
	e.int(v)
	return e.buf
}

// Commit writes the header and the table of contents — with the data
// offsets of a custom archive — and moves the archive into place.
func (s *Sink) Commit(ctx context.Context) error {
	h, toc, err := s.finalTOC()
	if err != nil {
		return err
	}
	e := &encoder{intSize: h.intSize, offSize: h.offSize}
	if s.opts.Format == Directory {
		e.header(h)
		e.toc(h, toc)
		if err := os.WriteFile(filepath.Join(s.tmp, "toc.dat"), e.buf, 0o600); err != nil {
			return err
		}
		return os.Rename(s.tmp, s.dir)
	}
	// The offsets have a fixed width: the TOC's size does not depend on them.
	e.header(h)
	e.toc(h, toc)
	base := int64(len(e.buf))
	for _, te := range toc {
		if off, ok := s.places[te.dumpID]; ok && te.hadDumper != 0 {
			te.dataState, te.dataPos = offsetSet, base+off
		} else {
			te.dataState, te.dataPos = offsetNoData, 0
		}
	}
	e.buf = e.buf[:0]
	e.header(h)
	e.toc(h, toc)
	if _, err := s.out.Write(e.buf); err != nil {
		return err
	}
	if _, err := s.data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(s.out, s.data); err != nil {
		return err
	}
	s.data.Close()
	return s.out.Commit()
}

// finalTOC is the header and the entries to write, in TOC order.
func (s *Sink) finalTOC() (*header, []*tocEntry, error) {
	var h header
	var toc []*tocEntry
	if s.meta != nil {
		h = *s.meta.hdr
		for _, te := range s.meta.toc {
			switch w, ok := s.written[te]; {
			case ok:
				toc = append(toc, w)
			case !s.meta.sent[te]:
				cp := *te // ENCODING, SEARCHPATH, …: no sink sees them
				cp.hadDumper = 0
				toc = append(toc, &cp)
			}
		}
	} else {
		h = header{version: V1_14, intSize: 4, offSize: 8}
		now := time.Now()
		h.created = [7]int64{int64(now.Second()), int64(now.Minute()), int64(now.Hour()), int64(now.Day()), int64(now.Month()) - 1, int64(now.Year()) - 1900, 0}
		var err error
		if toc, err = s.madeTOC(); err != nil {
			return nil, nil, err
		}
	}
	h.format = codeCustom
	if s.opts.Format == Directory {
		h.format = codeTar
	}
	h.algorithm = s.opts.Compression.Algorithm
	var why string
	h.version, why = writeVersion(h.version, h.algorithm, toc)
	if why != "" && s.opts.Warn != nil {
		s.opts.Warn(fmt.Sprintf("the archive is written at version 1.16, which only pg_restore 17 or later reads: it holds %s, which older versions cannot express", why))
	}
	h.level = 0
	if h.algorithm == Gzip {
		h.level = int64(s.opts.Compression.Level)
		if h.level == 0 {
			h.level = -1 // zlib's default
		}
	}
	for _, te := range toc {
		if s.opts.Format == Directory && te.hadDumper == 0 {
			te.filename = some("") // pg_dump's "no data file"
		}
	}
	return &h, toc, nil
}

// madeTOC orders the entries made from another source as that source did,
// and adds what pg_restore needs: the session settings pg_dump records, and
// a dependency of every post-data entry on all the data, since these
// entries carry no dependencies of their own.
func (s *Sink) madeTOC() ([]*tocEntry, error) {
	slices.SortStableFunc(s.made, func(a, b madeEntry) int { return a.order - b.order })
	next := len(s.made) + 1
	special := func(desc, defn string) *tocEntry {
		te := &tocEntry{dumpID: next, tableoid: some("0"), oid: some("0"), tag: some(desc), desc: some(desc), section: sectionPreData,
			defn: some(defn), dropStmt: some(""), copyStmt: some(""), withOids: some("false")}
		next++
		return te
	}
	toc := []*tocEntry{
		special("ENCODING", "SET client_encoding = 'UTF8';\n"),
		special("STDSTRINGS", "SET standard_conforming_strings = 'on';\n"),
	}
	path, err := s.searchPaths()
	if err != nil {
		return nil, err
	}
	if path != "" {
		toc = append(toc, special("SEARCHPATH", path+"\n"))
	}
	barrier := special("DATA LOADED", "")
	barrier.section = sectionData
	var data []str
	for _, m := range s.made {
		if m.te.section == sectionData {
			data = append(data, some(strconv.Itoa(m.te.dumpID)))
		}
	}
	barrier.deps = data
	loaded := some(strconv.Itoa(barrier.dumpID))
	// Foreign keys wait for every key and index before them: pg_restore -j
	// would otherwise build one before the key it references.
	keys := special("KEYS BUILT", "")
	keys.section = sectionPostData
	for _, m := range s.made {
		if m.te.section != sectionPostData {
			continue
		}
		m.te.deps = append(m.te.deps, loaded)
		switch m.te.desc.s {
		case "INDEX", "CONSTRAINT":
			keys.deps = append(keys.deps, some(strconv.Itoa(m.te.dumpID)))
		case "FK CONSTRAINT":
			m.te.deps = append(m.te.deps, some(strconv.Itoa(keys.dumpID)))
		}
	}
	for _, m := range s.made {
		if m.te.section == sectionPostData && barrier != nil {
			toc = append(toc, barrier)
			barrier = nil
		}
		if m.te.desc.s == "FK CONSTRAINT" && keys != nil {
			toc = append(toc, keys)
			keys = nil
		}
		toc = append(toc, m.te)
	}
	if barrier != nil {
		toc = append(toc, barrier)
	}
	return toc, nil
}

// searchPaths follows the search_path the source's statements set, as
// psql running them in one session would. pg_restore starts every session
// with the SEARCHPATH entry's and runs data and post-data entries on
// sessions of their own (-j), so the search_path in force when the schema
// is done becomes the SEARCHPATH entry ("" when the source never sets one:
// the database's default stays), and an entry under another one starts by
// setting it.
func (s *Sink) searchPaths() (string, error) {
	st := dump.NoSettings
	before := make([]string, len(s.made))
	base, done := "", false
	for i, m := range s.made {
		before[i] = st.Statement("search_path")
		if m.te.section != sectionPreData && !done {
			base, done = before[i], true
		}
		var err error
		if st, err = st.After([]byte(m.te.defn.s)); err != nil {
			return "", fmt.Errorf("archive sink: entry %d: %w", m.order, err)
		}
	}
	if !done {
		base = st.Statement("search_path")
	}
	for i, m := range s.made {
		switch {
		case before[i] == base || m.te.defn.s == "": // a COPY names its table in full
		case before[i] == "":
			m.te.defn = some("RESET search_path;\n\n" + m.te.defn.s)
		default:
			m.te.defn = some(before[i] + "\n\n" + m.te.defn.s)
		}
	}
	return base, nil
}

// Abort removes what the sink wrote.
func (s *Sink) Abort(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		return nil
	}
	s.aborted = true
	if s.opts.Format == Directory {
		return os.RemoveAll(s.tmp)
	}
	s.data.Close()
	return s.out.Fail(nil)
}

// fmtQName quotes a table name as pg_dump does.
func fmtQName(q schema.QName) string { return fmtID(q.Schema) + "." + fmtID(q.Name) }
