package archive

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// The TOC reader takes any bytes without panicking or allocating more
// than the input could hold, and what it reads renders and re-encodes to
// the same bytes.
func FuzzTOC(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newDecoder(bytes.NewReader(b), "fuzz", int64(len(b)))
		h, err := d.readHeader()
		if err != nil {
			return
		}
		toc, err := d.readTOC(h)
		if err != nil {
			return
		}
		r := newRenderer(h, toc)
		for _, te := range restoreOrder(toc) {
			r.entry(te)
		}
		e := &encoder{intSize: h.intSize, offSize: h.offSize}
		e.header(h)
		e.toc(h, toc)
		d2 := newDecoder(bytes.NewReader(e.buf), "again", int64(len(e.buf)))
		h2, err := d2.readHeader()
		if err != nil {
			t.Fatalf("re-encoded header: %v", err)
		}
		toc2, err := d2.readTOC(h2)
		if err != nil || len(toc2) != len(toc) {
			t.Fatalf("re-encoded TOC: %d entries of %d, %v", len(toc2), len(toc), err)
		}
	})
}

// A custom archive's data block — chunk framing, then each decompressor —
// takes any bytes without panicking: it yields data or a located error.
func FuzzData(f *testing.F) {
	f.Fuzz(func(t *testing.T, alg byte, b []byte) {
		a := Algorithm(alg % 4)
		c := &chunkReader{br: bufio.NewReader(bytes.NewReader(b)), name: "fuzz", entry: 1, intSize: 4}
		rc, err := decompressed(a, true, c, "fuzz", 1)
		if err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(rc, 64<<20))
			rc.Close()
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%s: an error without a location: %v", a, err)
			}
		}
	})
}

// A directory archive's data file (gzip, lz4 or zstd frames, or none)
// likewise.
func FuzzFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, alg byte, b []byte) {
		a := Algorithm(alg % 4)
		rc, err := decompressed(a, false, &offsetReader{r: bytes.NewReader(b)}, "fuzz", 1)
		if err == nil {
			_, err = io.Copy(io.Discard, io.LimitReader(rc, 64<<20))
			rc.Close()
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%s: an error without a location: %v", a, err)
			}
		}
	})
}

// The end of a table's COPY text is found, or its absence reported, for
// any bytes read in any pieces.
func FuzzCopyEnd(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, piece uint8) {
		c := &copyReader{r: io.NopCloser(&pieces{b: b, n: int(piece%32) + 1}), ctx: t.Context()}
		out, err := io.ReadAll(c)
		if err == nil && !bytes.HasPrefix(b, out) {
			t.Fatalf("%q: rows %q are not a prefix of the data", b, out)
		}
	})
}

// pieces reads b n bytes at a time.
type pieces struct {
	b []byte
	n int
}

func (p *pieces) Read(q []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	k := copy(q[:min(len(q), p.n)], p.b)
	p.b = p.b[k:]
	return k, nil
}
