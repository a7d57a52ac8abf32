package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/understudy-db/understudy/dump"
)

// Version is an archive format version, major.minor.rev packed as pg_dump's
// MAKE_ARCHIVE_VERSION does.
type Version uint32

// The archive versions this package reads and writes.
const (
	V1_12 Version = 1<<16 | 12<<8 // PostgreSQL 9.5–10: separate BLOB entries
	V1_13 Version = 1<<16 | 13<<8 // 11: a SEARCHPATH entry instead of per-entry search_path
	V1_14 Version = 1<<16 | 14<<8 // 12–15: table access methods
	V1_15 Version = 1<<16 | 15<<8 // 16: the compression algorithm as one header byte
	V1_16 Version = 1<<16 | 16<<8 // 17: BLOB METADATA entries, several BLOBS, relkind
)

// needsV116 names what in toc only archive version 1.16 expresses, or
// returns "": large objects, which pg_dump 17 groups in BLOB METADATA
// entries with a BLOBS entry (and ACLs) per group, and a partitioned table's
// access method, which pg_restore 17 sets by ALTER TABLE when the entry's
// relkind says the table is partitioned — older pg_restore would set it as
// the default for the CREATE instead, which leaves the table without it.
// The relkind of any other entry changes nothing pg_restore does.
func needsV116(toc []*tocEntry) string {
	for _, te := range toc {
		switch {
		case te.desc.s == "BLOB METADATA" || te.desc.s == "BLOBS":
			return fmt.Sprintf("large objects grouped as pg_dump 17 groups them (%s entry #%d)", te.desc.s, te.dumpID)
		case te.relkind == 'p' && te.tableam.valid:
			return fmt.Sprintf("the access method %s of partitioned table %s (entry #%d)", te.tableam.s, qualified(te), te.dumpID)
		}
	}
	return ""
}

// writeVersion is the version an archive read at in is written at, holding
// toc with data compressed by a: pg_restore refuses archives newer than its
// own, so a 1.16 archive (pg_dump 17) holding nothing needsV116 finds is
// written at 1.14, which pg_restore 12 and later read, or at 1.15 (pg_restore
// 16) when lz4 or zstd need the algorithm byte. Older inputs keep their
// version, raised to 1.15 for lz4 and zstd. why says why 1.16 is kept.
func writeVersion(in Version, a Algorithm, toc []*tocEntry) (v Version, why string) {
	v = in
	if in >= V1_16 {
		if why = needsV116(toc); why == "" {
			v = V1_14
		}
	}
	if v < V1_15 && a != None && a != Gzip {
		v = V1_15 // the first to name other algorithms
	}
	return v, why
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d", v>>16, v>>8&0xff)
	if rev := v & 0xff; rev != 0 {
		s += fmt.Sprintf("-%d", rev)
	}
	return s
}

// pg_dump's archive format codes, as stored in the header. The directory
// format's toc.dat carries the tar code: its TOC is the tar one.
const (
	codeCustom = 1
	codeTar    = 3
)

// Sections as pg_dump numbers them.
const (
	sectionNone = iota + 1
	sectionPreData
	sectionData
	sectionPostData
)

// Offset states of a custom archive's data pointer.
const (
	offsetNotSet = 1
	offsetSet    = 2
	offsetNoData = 3
)

// str is an archive string: pg_dump tells NULL (length -1) from empty,
// and a rewritten TOC must too.
type str struct {
	s     string
	valid bool
}

func some(s string) str { return str{s, true} }

// header is an archive's header, kept whole so that a rewritten archive
// can carry the same fields.
type header struct {
	version          Version
	intSize, offSize int
	format           byte
	// algorithm is the compression of data blocks; level is the stored
	// gzip level of archives before 1.15 (-1: zlib's default, 0: none).
	algorithm Algorithm
	level     int64
	created   [7]int64 // struct tm as stored: sec, min, hour, mday, mon, year, isdst
	dbname    str
	server    str // version of the server dumped
	pgdump    str // version of pg_dump
}

// tocEntry is one TOC entry as stored.
type tocEntry struct {
	dumpID     int
	hadDumper  int64
	tableoid   str
	oid        str
	tag        str
	desc       str
	section    int64
	defn       str
	dropStmt   str
	copyStmt   str
	namespace  str
	tablespace str
	tableam    str
	relkind    int64
	owner      str
	withOids   str
	deps       []str // dump ids as decimal strings
	// The format's part: a custom archive's data offset, or the data file
	// of a tar or directory archive.
	dataState byte
	dataPos   int64
	filename  str

	at int64 // offset of the entry in the TOC, for errors
}

// depIDs parses the dependencies as pg_restore does (sscanf %d).
func (te *tocEntry) depIDs() []int {
	var ids []int
	for _, d := range te.deps {
		if n, err := strconv.Atoi(d.s); err == nil {
			ids = append(ids, n)
		}
	}
	return ids
}

// decoder reads the header and TOC: pg_dump's integers (a sign byte and
// intSize little-endian bytes), strings (a length, -1 for NULL) and
// offsets (a state byte and offSize bytes).
type decoder struct {
	r       *bufio.Reader
	off     int64
	size    int64 // of the input, or -1: bounds string lengths
	file    string
	entry   int // dump id of the entry being read, for errors
	intSize int
	offSize int
}

func newDecoder(r io.Reader, file string, size int64) *decoder {
	return &decoder{r: bufio.NewReaderSize(r, 64<<10), size: size, file: file, intSize: 4, offSize: 8}
}

func (d *decoder) fail(kind Kind, at int64, format string, args ...any) *Error {
	return &Error{Pos: dump.Pos{File: d.file, Entry: d.entry}, Offset: at, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) ioError(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.fail(Truncated, d.off, "the file ends inside %s", what)
	}
	e := d.fail(Corrupt, d.off, "reading %s", what)
	e.Err = err
	return e
}

func (d *decoder) byte(what string) (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		return 0, d.ioError(err, what)
	}
	d.off++
	return b, nil
}

func (d *decoder) bytes(n int, what string) ([]byte, error) {
	// A corrupt length must not allocate more than the file can hold.
	if d.size >= 0 && int64(n) > d.size-d.off {
		return nil, d.fail(Truncated, d.off, "%s of %d bytes runs past the end of the file", what, n)
	}
	var b []byte
	if n <= 1<<20 {
		b = make([]byte, n)
		if _, err := io.ReadFull(d.r, b); err != nil {
			return nil, d.ioError(err, what)
		}
	} else {
		var buf = make([]byte, 0, 1<<20)
		for len(buf) < n {
			chunk := min(n-len(buf), 1<<20)
			buf = append(buf, make([]byte, chunk)...)
			if _, err := io.ReadFull(d.r, buf[len(buf)-chunk:]); err != nil {
				return nil, d.ioError(err, what)
			}
		}
		b = buf
	}
	d.off += int64(n)
	return b, nil
}

// int reads one of pg_dump's integers.
func (d *decoder) int(what string) (int64, error) {
	at := d.off
	sign, err := d.byte(what)
	if err != nil {
		return 0, err
	}
	if sign > 1 {
		return 0, d.fail(Corrupt, at, "%s: sign byte %d", what, sign)
	}
	var v uint64
	for i := range d.intSize {
		b, err := d.byte(what)
		if err != nil {
			return 0, err
		}
		if i < 8 {
			v |= uint64(b) << (8 * i)
		} else if b != 0 {
			return 0, d.fail(Corrupt, at, "%s does not fit in 64 bits", what)
		}
	}
	if v > 1<<62 {
		return 0, d.fail(Corrupt, at, "%s is out of range", what)
	}
	if sign == 1 {
		return -int64(v), nil
	}
	return int64(v), nil
}

// length reads an integer that must lie in [lo, hi].
func (d *decoder) bounded(what string, lo, hi int64) (int64, error) {
	at := d.off
	v, err := d.int(what)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, d.fail(Corrupt, at, "%s %d is out of range", what, v)
	}
	return v, nil
}

func (d *decoder) str(what string) (str, error) {
	at := d.off
	n, err := d.int(what)
	if err != nil {
		return str{}, err
	}
	if n == -1 {
		return str{}, nil
	}
	if n < 0 || n > 1<<31 {
		return str{}, d.fail(Corrupt, at, "%s: length %d", what, n)
	}
	b, err := d.bytes(int(n), what)
	if err != nil {
		return str{}, err
	}
	return some(string(b)), nil
}

func (d *decoder) offset(what string) (byte, int64, error) {
	at := d.off
	state, err := d.byte(what)
	if err != nil {
		return 0, 0, err
	}
	if state < offsetNotSet || state > offsetNoData {
		return 0, 0, d.fail(Corrupt, at, "%s: unknown data offset state %d", what, state)
	}
	var v uint64
	for i := range d.offSize {
		b, err := d.byte(what)
		if err != nil {
			return 0, 0, err
		}
		if i < 8 {
			v |= uint64(b) << (8 * i)
		} else if b != 0 {
			return 0, 0, d.fail(Corrupt, at, "%s: offset too large", what)
		}
	}
	if v > 1<<62 {
		return 0, 0, d.fail(Corrupt, at, "%s: offset too large", what)
	}
	return state, int64(v), nil
}

// readHeader reads the header that starts every custom archive and toc.dat.
func (d *decoder) readHeader() (*header, error) {
	magic, err := d.bytes(5, "the header")
	if err != nil {
		return nil, err
	}
	if string(magic) != "PGDMP" {
		return nil, d.fail(Corrupt, 0, "no PGDMP magic: not a pg_dump archive")
	}
	var v [3]byte
	for i := range v {
		if v[i], err = d.byte("the header"); err != nil {
			return nil, err
		}
	}
	h := &header{version: Version(v[0])<<16 | Version(v[1])<<8 | Version(v[2])}
	if h.version < V1_12 || h.version > V1_16|0xff {
		return nil, d.fail(Unsupported, 5, "archive version %s: this reader takes versions 1.12 to 1.16 (pg_dump of PostgreSQL 9.5 to 17)", h.version)
	}
	isz, err := d.byte("the header")
	if err != nil {
		return nil, err
	}
	osz, err := d.byte("the header")
	if err != nil {
		return nil, err
	}
	if isz < 2 || isz > 8 || osz < 4 || osz > 16 {
		return nil, d.fail(Corrupt, 8, "integer size %d, offset size %d", isz, osz)
	}
	h.intSize, h.offSize = int(isz), int(osz)
	d.intSize, d.offSize = h.intSize, h.offSize
	if h.format, err = d.byte("the header"); err != nil {
		return nil, err
	}
	if h.version >= V1_15 {
		at := d.off
		a, err := d.byte("the header")
		if err != nil {
			return nil, err
		}
		if a > byte(Zstd) {
			return nil, d.fail(Unsupported, at, "compression algorithm %d", a)
		}
		h.algorithm = Algorithm(a)
	} else {
		if h.level, err = d.bounded("compression level", -1, 9); err != nil {
			return nil, err
		}
		if h.level != 0 {
			h.algorithm = Gzip
		}
	}
	for i := range h.created {
		if h.created[i], err = d.int("the creation time"); err != nil {
			return nil, err
		}
	}
	if h.dbname, err = d.str("the database name"); err != nil {
		return nil, err
	}
	if h.server, err = d.str("the server version"); err != nil {
		return nil, err
	}
	if h.pgdump, err = d.str("the pg_dump version"); err != nil {
		return nil, err
	}
	return h, nil
}

// readTOC reads the entries that follow the header.
func (d *decoder) readTOC(h *header) ([]*tocEntry, error) {
	n, err := d.bounded("the number of TOC entries", 0, 1<<30)
	if err != nil {
		return nil, err
	}
	toc := make([]*tocEntry, 0, min(n, 1<<16))
	seen := map[int]bool{}
	for range n {
		te, err := d.readEntry(h)
		if err != nil {
			return nil, err
		}
		if seen[te.dumpID] {
			return nil, d.fail(Corrupt, te.at, "dump id %d appears twice in the TOC", te.dumpID)
		}
		seen[te.dumpID] = true
		toc = append(toc, te)
	}
	d.entry = 0
	return toc, nil
}

// field is a string of a TOC entry and its name for errors.
type field struct {
	dst  *str
	what string
}

func (d *decoder) readEntry(h *header) (*tocEntry, error) {
	te := &tocEntry{at: d.off}
	d.entry = 0
	id, err := d.bounded("a dump id", 1, 1<<31-1)
	if err != nil {
		return nil, err
	}
	te.dumpID, d.entry = int(id), int(id)
	if te.hadDumper, err = d.bounded("the entry's data flag", 0, 1); err != nil {
		return nil, err
	}
	for _, f := range []field{{&te.tableoid, "the catalog oid"}, {&te.oid, "the oid"}, {&te.tag, "the tag"}, {&te.desc, "the type"}} {
		if *f.dst, err = d.str(f.what); err != nil {
			return nil, err
		}
	}
	if te.section, err = d.bounded("the section", sectionNone, sectionPostData); err != nil {
		return nil, err
	}
	fields := []field{{&te.defn, "the definition"}, {&te.dropStmt, "the drop statement"}, {&te.copyStmt, "the COPY statement"},
		{&te.namespace, "the schema"}, {&te.tablespace, "the tablespace"}}
	if h.version >= V1_14 {
		fields = append(fields, field{&te.tableam, "the table access method"})
	}
	for _, f := range fields {
		if *f.dst, err = d.str(f.what); err != nil {
			return nil, err
		}
	}
	if h.version >= V1_16 {
		if te.relkind, err = d.bounded("the relkind", 0, 255); err != nil {
			return nil, err
		}
	}
	if te.owner, err = d.str("the owner"); err != nil {
		return nil, err
	}
	if te.withOids, err = d.str("the WITH OIDS flag"); err != nil {
		return nil, err
	}
	for {
		dep, err := d.str("a dependency")
		if err != nil {
			return nil, err
		}
		if !dep.valid {
			break
		}
		te.deps = append(te.deps, dep)
	}
	if h.format == codeCustom {
		te.dataState, te.dataPos, err = d.offset("the data offset")
	} else {
		te.filename, err = d.str("the data file name")
	}
	if err != nil {
		return nil, err
	}
	return te, nil
}

// encoder writes the header and TOC the way pg_dump does.
type encoder struct {
	buf              []byte
	intSize, offSize int
}

func (e *encoder) int(v int64) {
	sign := byte(0)
	if v < 0 {
		sign, v = 1, -v
	}
	e.buf = append(e.buf, sign)
	for i := range e.intSize {
		if i < 8 {
			e.buf = append(e.buf, byte(v>>(8*i)))
		} else {
			e.buf = append(e.buf, 0)
		}
	}
}

func (e *encoder) str(s str) {
	if !s.valid {
		e.int(-1)
		return
	}
	e.int(int64(len(s.s)))
	e.buf = append(e.buf, s.s...)
}

func (e *encoder) offset(state byte, pos int64) {
	e.buf = append(e.buf, state)
	for i := range e.offSize {
		if i < 8 {
			e.buf = append(e.buf, byte(pos>>(8*i)))
		} else {
			e.buf = append(e.buf, 0)
		}
	}
}

func (e *encoder) header(h *header) {
	e.buf = append(e.buf, "PGDMP"...)
	e.buf = append(e.buf, byte(h.version>>16), byte(h.version>>8), byte(h.version), byte(h.intSize), byte(h.offSize), h.format)
	if h.version >= V1_15 {
		e.buf = append(e.buf, byte(h.algorithm))
	} else {
		e.int(h.level)
	}
	for _, v := range h.created {
		e.int(v)
	}
	e.str(h.dbname)
	e.str(h.server)
	e.str(h.pgdump)
}

func (e *encoder) entry(h *header, te *tocEntry) {
	e.int(int64(te.dumpID))
	e.int(te.hadDumper)
	for _, s := range []str{te.tableoid, te.oid, te.tag, te.desc} {
		e.str(s)
	}
	e.int(te.section)
	for _, s := range []str{te.defn, te.dropStmt, te.copyStmt, te.namespace, te.tablespace} {
		e.str(s)
	}
	if h.version >= V1_14 {
		e.str(te.tableam)
	}
	if h.version >= V1_16 {
		e.int(te.relkind)
	}
	e.str(te.owner)
	e.str(te.withOids)
	for _, d := range te.deps {
		e.str(d)
	}
	e.str(str{})
	if h.format == codeCustom {
		e.offset(te.dataState, te.dataPos)
	} else {
		e.str(te.filename)
	}
}

// toc encodes the entry count and entries.
func (e *encoder) toc(h *header, toc []*tocEntry) {
	e.int(int64(len(toc)))
	for _, te := range toc {
		e.entry(h, te)
	}
}
