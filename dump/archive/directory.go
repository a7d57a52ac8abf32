package archive

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/understudy-db/understudy/dump"
)

// readTOCFile reads the header and TOC of a directory or tar archive, whose
// toc.dat carries the tar format code and names each entry's data file.
func readTOCFile(r io.Reader, name string, size int64) (*header, []*tocEntry, error) {
	d := newDecoder(r, name, size)
	h, err := d.readHeader()
	if err != nil {
		return nil, nil, err
	}
	if h.format != codeTar {
		return nil, nil, d.fail(Corrupt, 13, "format code %d in the toc.dat of a directory or tar archive", h.format)
	}
	toc, err := d.readTOC(h)
	if err != nil {
		return nil, nil, err
	}
	return h, toc, nil
}

// dirStore reads the data files of a directory archive: one per table, and
// a list file plus one file per object for large objects, each compressed
// as the header says (with the algorithm's file suffix).
type dirStore struct {
	dir string
	hdr *header
}

func openDirectory(dir string) (*header, []*tocEntry, store, error) {
	path := filepath.Join(dir, "toc.dat")
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, nil, err
	}
	h, toc, err := readTOCFile(f, path, st.Size())
	if err != nil {
		return nil, nil, nil, err
	}
	return h, toc, &dirStore{dir: dir, hdr: h}, nil
}

// open opens the file name of te's data, compressed (name plus the
// algorithm's suffix) or not.
func (s *dirStore) open(te *tocEntry, name string) (io.ReadCloser, error) {
	if name != filepath.Base(name) || name == "." || name == ".." || name == "" {
		return nil, &Error{Pos: dump.Pos{File: s.dir, Entry: te.dumpID}, Offset: -1, Kind: Corrupt, Msg: "a data file name that is not a file name"}
	}
	// As pg_restore looks for it: the name as it is, uncompressed, or with
	// the suffix of the archive's compression.
	path := filepath.Join(s.dir, name)
	alg := None
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && s.hdr.algorithm != None {
		alg = s.hdr.algorithm
		f, err = os.Open(path + alg.suffix())
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Pos: dump.Pos{File: s.dir, Entry: te.dumpID}, Offset: -1, Kind: Truncated, Msg: "the data file " + name + " is missing"}
		}
		return nil, err
	}
	rc, err := decompressed(alg, false, &offsetReader{r: bufio.NewReaderSize(f, 64<<10)}, f.Name(), te.dumpID)
	if err != nil {
		f.Close()
		return nil, err
	}
	return closers{rc, f}, nil
}

func (s *dirStore) table(te *tocEntry) (io.ReadCloser, error) {
	name, err := dataName(te, s.dir)
	if err != nil {
		return nil, err
	}
	return s.open(te, name)
}

func (s *dirStore) blobs(te *tocEntry) (blobReader, error) {
	name, err := dataName(te, s.dir)
	if err != nil {
		return nil, err
	}
	list, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, err
	}
	items, err := parseBlobList(list, filepath.Join(s.dir, name), te.dumpID)
	if err != nil {
		return nil, err
	}
	return &listBlobs{items: items, open: func(name string) (io.ReadCloser, error) { return s.open(te, name) }}, nil
}

func (s *dirStore) dataSize(te *tocEntry) int64 {
	if !te.filename.valid {
		return 0
	}
	st, err := os.Stat(filepath.Join(s.dir, te.filename.s+s.hdr.algorithm.suffix()))
	if err != nil {
		return 0
	}
	return st.Size()
}

func (s *dirStore) Close() error { return nil }

// blobItem is a line of a large objects' list file: "OID file".
type blobItem struct {
	oid  uint32
	file string
}

func parseBlobList(list []byte, file string, entry int) ([]blobItem, error) {
	var items []blobItem
	for i, line := range strings.Split(strings.TrimSuffix(string(list), "\n"), "\n") {
		if line == "" {
			continue
		}
		oid, name, ok := strings.Cut(line, " ")
		n, err := strconv.ParseUint(oid, 10, 32)
		if !ok || err != nil || n == 0 || name == "" {
			return nil, &Error{Pos: dump.Pos{File: file, Entry: entry}, Offset: -1, Kind: Corrupt,
				Msg: fmt.Sprintf("line %d of the large objects' list is not \"OID file\"", i+1)}
		}
		items = append(items, blobItem{uint32(n), name})
	}
	return items, nil
}

// listBlobs reads large objects from a list of files.
type listBlobs struct {
	items []blobItem
	open  func(name string) (io.ReadCloser, error)
	cur   io.ReadCloser
}

func (b *listBlobs) next() (uint32, io.Reader, error) {
	if b.cur != nil {
		b.cur.Close()
		b.cur = nil
	}
	if len(b.items) == 0 {
		return 0, nil, io.EOF
	}
	it := b.items[0]
	b.items = b.items[1:]
	rc, err := b.open(it.file)
	if err != nil {
		return 0, nil, err
	}
	b.cur = rc
	return it.oid, rc, nil
}

func (b *listBlobs) Close() error {
	if b.cur != nil {
		return b.cur.Close()
	}
	return nil
}

// offsetReader counts the bytes read from off on, for errors to say where.
type offsetReader struct {
	r   io.Reader
	off int64
}

func (o *offsetReader) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

func (o *offsetReader) Offset() int64 { return o.off }

// closers closes a reader and the file under it.
type closers struct {
	io.ReadCloser
	f io.Closer
}

func (c closers) Close() error {
	c.ReadCloser.Close()
	return c.f.Close()
}

// tarStore reads the members of a tar archive at their offsets.
type tarStore struct {
	f       *os.File
	name    string
	hdr     *header
	members map[string]tarMember
}

type tarMember struct{ off, size int64 }

func openTar(f *os.File, name string, size int64) (*header, []*tocEntry, store, error) {
	sr := io.NewSectionReader(f, 0, size)
	tr := tar.NewReader(sr)
	s := &tarStore{f: f, name: name, members: map[string]tarMember{}}
	for {
		th, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			at, _ := sr.Seek(0, io.SeekCurrent)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, nil, nil, &Error{Pos: dump.Pos{File: name}, Offset: at, Kind: Truncated, Msg: "the file ends inside a tar member"}
			}
			return nil, nil, nil, &Error{Pos: dump.Pos{File: name}, Offset: at, Kind: Corrupt, Msg: "a malformed tar header", Err: err}
		}
		off, _ := sr.Seek(0, io.SeekCurrent)
		if off+th.Size > size {
			return nil, nil, nil, &Error{Pos: dump.Pos{File: name}, Offset: off, Kind: Truncated, Msg: "the file ends inside the member " + strconv.Quote(th.Name)}
		}
		s.members[th.Name] = tarMember{off, th.Size}
	}
	m, ok := s.members["toc.dat"]
	if !ok {
		return nil, nil, nil, &Error{Pos: dump.Pos{File: name}, Offset: -1, Kind: Corrupt, Msg: "a tar file without toc.dat is not a pg_dump archive"}
	}
	h, toc, err := readTOCFile(io.NewSectionReader(f, m.off, m.size), name+"#toc.dat", m.size)
	if err != nil {
		return nil, nil, nil, err
	}
	s.hdr = h
	return h, toc, s, nil
}

// member opens a member's data, gzip-compressed when it is stored with
// the suffix (pg_dump -Ft of old releases).
func (s *tarStore) member(te *tocEntry, name string) (io.ReadCloser, error) {
	alg := None
	m, ok := s.members[name]
	if !ok {
		if m, ok = s.members[name+Gzip.suffix()]; ok {
			alg = Gzip
		}
	}
	if !ok {
		return nil, &Error{Pos: dump.Pos{File: s.name, Entry: te.dumpID}, Offset: -1, Kind: Truncated, Msg: "the member " + strconv.Quote(name) + " is missing"}
	}
	r := &offsetReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, m.off, m.size), 64<<10), off: m.off}
	return decompressed(alg, false, r, s.name, te.dumpID)
}

func (s *tarStore) table(te *tocEntry) (io.ReadCloser, error) {
	name, err := dataName(te, s.name)
	if err != nil {
		return nil, err
	}
	return s.member(te, name)
}

func (s *tarStore) blobs(te *tocEntry) (blobReader, error) {
	name, err := dataName(te, s.name)
	if err != nil {
		return nil, err
	}
	rc, err := s.member(te, name)
	if err != nil {
		return nil, err
	}
	list, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	items, err := parseBlobList(list, s.name, te.dumpID)
	if err != nil {
		return nil, err
	}
	return &listBlobs{items: items, open: func(name string) (io.ReadCloser, error) { return s.member(te, name) }}, nil
}

func (s *tarStore) dataSize(te *tocEntry) int64 { return s.members[te.filename.s].size }

func (s *tarStore) Close() error { return s.f.Close() }
