package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/understudy-db/understudy/dump"
)

// Block types of a custom archive's data area.
const (
	blockData  = 1
	blockBlobs = 3
)

// customStore reads the data blocks of a custom archive. Every reader has
// its own view of the file (ReadAt), so entries can be read in parallel.
type customStore struct {
	f       *os.File
	name    string
	size    int64
	hdr     *header
	offsets map[int]int64 // dump id → offset of its block
	ends    map[int]int64 // dump id → offset after its block, when known
}

// openCustom reads the header and TOC of the custom archive f and locates
// every data block: from the TOC when pg_dump could seek back to record
// the offsets, else by walking the blocks after the TOC (an archive written
// to a pipe), as pg_restore does.
func openCustom(ctx context.Context, f *os.File, name string, size int64) (*header, []*tocEntry, store, error) {
	d := newDecoder(io.NewSectionReader(f, 0, size), name, size)
	h, err := d.readHeader()
	if err != nil {
		return nil, nil, nil, err
	}
	if h.format != codeCustom {
		return nil, nil, nil, d.fail(Corrupt, 13, "format code %d in a custom archive", h.format)
	}
	toc, err := d.readTOC(h)
	if err != nil {
		return nil, nil, nil, err
	}
	s := &customStore{f: f, name: name, size: size, hdr: h, offsets: map[int]int64{}, ends: map[int]int64{}}
	walk := false
	for _, te := range toc {
		switch te.dataState {
		case offsetSet:
			if te.dataPos < d.off || te.dataPos >= size {
				return nil, nil, nil, &Error{Pos: dump.Pos{File: name, Entry: te.dumpID}, Offset: te.at, Kind: Corrupt,
					Msg: fmt.Sprintf("data offset %d lies outside the data area", te.dataPos)}
			}
			s.offsets[te.dumpID] = te.dataPos
		case offsetNotSet:
			if te.hadDumper != 0 {
				walk = true
			}
		}
	}
	if walk {
		if err := s.walk(ctx, d.off); err != nil {
			return nil, nil, nil, err
		}
	} else {
		s.estimateEnds()
	}
	return h, toc, s, nil
}

// estimateEnds takes each block to end where the next one starts, for
// size estimates.
func (s *customStore) estimateEnds() {
	starts := make([]int64, 0, len(s.offsets))
	for _, off := range s.offsets {
		starts = append(starts, off)
	}
	for id, off := range s.offsets {
		end := s.size
		for _, o := range starts {
			if o > off && o < end {
				end = o
			}
		}
		s.ends[id] = end
	}
}

// walk records where each block starts by reading the block headers and
// chunk lengths after the TOC, skipping the chunks themselves.
func (s *customStore) walk(ctx context.Context, from int64) error {
	r := &intReader{ra: s.f, off: from, size: s.size, name: s.name, intSize: s.hdr.intSize}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		start := r.off
		if start >= s.size {
			return nil
		}
		typ, err := r.byte()
		if err != nil {
			return err
		}
		id, err := r.int()
		if err != nil {
			return err
		}
		r.entry = int(id)
		if _, dup := s.offsets[int(id)]; dup {
			return r.fail(Corrupt, start, "a second data block for dump id %d", id)
		}
		s.offsets[int(id)] = start
		switch typ {
		case blockData:
			err = r.skipChunks()
		case blockBlobs:
			for {
				oid, err2 := r.int()
				if err2 != nil || oid == 0 {
					err = err2
					break
				}
				if err = r.skipChunks(); err != nil {
					break
				}
			}
		default:
			return r.fail(Corrupt, start, "unknown data block type %d", typ)
		}
		if err != nil {
			return err
		}
		s.ends[int(id)] = r.off
		r.entry = 0
	}
}

// intReader reads pg_dump integers at an offset of a file, for walking
// blocks without reading their contents.
type intReader struct {
	ra      io.ReaderAt
	off     int64
	size    int64
	name    string
	entry   int
	intSize int
	buf     [16]byte
}

func (r *intReader) fail(kind Kind, at int64, format string, args ...any) *Error {
	return &Error{Pos: dump.Pos{File: r.name, Entry: r.entry}, Offset: at, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func (r *intReader) read(n int) ([]byte, error) {
	if r.off+int64(n) > r.size {
		return nil, r.fail(Truncated, r.off, "the file ends inside a data block")
	}
	b := r.buf[:n]
	if _, err := r.ra.ReadAt(b, r.off); err != nil {
		return nil, &Error{Pos: dump.Pos{File: r.name, Entry: r.entry}, Offset: r.off, Kind: Truncated, Msg: "reading a data block", Err: err}
	}
	r.off += int64(n)
	return b, nil
}

func (r *intReader) byte() (byte, error) {
	b, err := r.read(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *intReader) int() (int64, error) {
	at := r.off
	b, err := r.read(1 + r.intSize)
	if err != nil {
		return 0, err
	}
	v, ok := decodeInt(b)
	if !ok {
		return 0, r.fail(Corrupt, at, "a malformed integer in a data block")
	}
	return v, nil
}

func (r *intReader) skipChunks() error {
	for {
		at := r.off
		n, err := r.int()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n < 0 || n > r.size-r.off {
			return r.fail(Corrupt, at, "a data chunk of %d bytes runs past the end of the file", n)
		}
		r.off += n
	}
}

// decodeInt decodes one of pg_dump's integers: a sign byte, then the value
// least significant byte first.
func decodeInt(b []byte) (int64, bool) {
	if b[0] > 1 {
		return 0, false
	}
	var v uint64
	for i, c := range b[1:] {
		if i >= 8 {
			if c != 0 {
				return 0, false
			}
			continue
		}
		v |= uint64(c) << (8 * i)
	}
	if v > 1<<62 {
		return 0, false
	}
	if b[0] == 1 {
		return -int64(v), true
	}
	return int64(v), true
}

// block opens the block of te and checks its header.
func (s *customStore) block(te *tocEntry, want byte) (*chunkReader, error) {
	off, ok := s.offsets[te.dumpID]
	if !ok {
		return nil, &Error{Pos: dump.Pos{File: s.name, Entry: te.dumpID}, Offset: te.at, Kind: Corrupt, Msg: "the entry has no data block"}
	}
	sr := io.NewSectionReader(s.f, off, s.size-off)
	c := &chunkReader{br: bufio.NewReaderSize(sr, 64<<10), off: off, name: s.name, entry: te.dumpID, intSize: s.hdr.intSize}
	typ, err := c.byte()
	if err != nil {
		return nil, err
	}
	id, err := c.int()
	if err != nil {
		return nil, err
	}
	if typ != want || int(id) != te.dumpID {
		return nil, c.fail(Corrupt, off, "expected a block of type %d for dump id %d, found type %d for dump id %d", want, te.dumpID, typ, id)
	}
	return c, nil
}

func (s *customStore) table(te *tocEntry) (io.ReadCloser, error) {
	c, err := s.block(te, blockData)
	if err != nil {
		return nil, err
	}
	return decompressed(s.hdr.algorithm, true, c, c.name, te.dumpID)
}

func (s *customStore) blobs(te *tocEntry) (blobReader, error) {
	c, err := s.block(te, blockBlobs)
	if err != nil {
		return nil, err
	}
	return &customBlobs{s: s, c: c, te: te}, nil
}

func (s *customStore) dataSize(te *tocEntry) int64 {
	if end, ok := s.ends[te.dumpID]; ok {
		return end - s.offsets[te.dumpID]
	}
	return 0
}

func (s *customStore) Close() error { return s.f.Close() }

// customBlobs reads the large objects of a BLOBS block: each an OID and a
// run of chunks, until OID 0.
type customBlobs struct {
	s    *customStore
	c    *chunkReader
	te   *tocEntry
	cur  io.ReadCloser
	done bool
}

func (b *customBlobs) next() (uint32, io.Reader, error) {
	if b.cur != nil {
		if _, err := io.Copy(io.Discard, b.cur); err != nil {
			return 0, nil, err
		}
		b.cur.Close()
		b.cur = nil
	}
	if b.done {
		return 0, nil, io.EOF
	}
	at := b.c.off
	oid, err := b.c.int()
	if err != nil {
		return 0, nil, err
	}
	if oid == 0 {
		b.done = true
		return 0, nil, io.EOF
	}
	if oid < 0 || oid > 1<<32-1 {
		return 0, nil, b.c.fail(Corrupt, at, "large object OID %d", oid)
	}
	b.c.reset()
	rc, err := decompressed(b.s.hdr.algorithm, true, b.c, b.c.name, b.te.dumpID)
	if err != nil {
		return 0, nil, err
	}
	b.cur = rc
	return uint32(oid), rc, nil
}

func (b *customBlobs) Close() error {
	if b.cur != nil {
		b.cur.Close()
	}
	return nil
}

// chunkReader yields the bytes of a run of chunks (a length, then that
// many bytes; length 0 ends the run) as one stream, and tracks the file
// offset for errors.
type chunkReader struct {
	br      *bufio.Reader
	off     int64
	name    string
	entry   int
	intSize int
	left    int64 // of the current chunk
	ended   bool
	buf     [16]byte
}

func (c *chunkReader) fail(kind Kind, at int64, format string, args ...any) *Error {
	return &Error{Pos: dump.Pos{File: c.name, Entry: c.entry}, Offset: at, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func (c *chunkReader) ioError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return c.fail(Truncated, c.off, "the file ends inside the entry's data")
	}
	return &Error{Pos: dump.Pos{File: c.name, Entry: c.entry}, Offset: c.off, Kind: Corrupt, Msg: "reading the entry's data", Err: err}
}

func (c *chunkReader) byte() (byte, error) {
	b, err := c.br.ReadByte()
	if err != nil {
		return 0, c.ioError(err)
	}
	c.off++
	return b, nil
}

func (c *chunkReader) int() (int64, error) {
	at := c.off
	b := c.buf[:1+c.intSize]
	if _, err := io.ReadFull(c.br, b); err != nil {
		return 0, c.ioError(err)
	}
	c.off += int64(len(b))
	v, ok := decodeInt(b)
	if !ok {
		return 0, c.fail(Corrupt, at, "a malformed chunk length")
	}
	return v, nil
}

// reset starts a new run of chunks (the next large object).
func (c *chunkReader) reset() { c.ended, c.left = false, 0 }

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.ended {
			return 0, io.EOF
		}
		at := c.off
		n, err := c.int()
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, c.fail(Corrupt, at, "a negative chunk length")
		}
		if n == 0 {
			c.ended = true
			return 0, io.EOF
		}
		c.left = n
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.off += int64(n)
	c.left -= int64(n)
	if err != nil && n == 0 {
		return 0, c.ioError(err)
	}
	return n, nil
}

// Offset is where the next compressed byte comes from, for errors.
func (c *chunkReader) Offset() int64 { return c.off }
