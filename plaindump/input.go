package plaindump

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
)

// Input is a plain dump read twice: once to learn the schema (whose keys
// and constraints come after the data), once to mask. The second pass
// hands on only bytes it has checked against the first, so a file changed
// in between — a table appended, a row edited — stops the run instead of
// reaching the output unchecked.
type Input struct {
	f    *os.File
	name string
	seed maphash.Seed
	sums []uint64 // maphash of each chunk, from the first pass
	size int64
	rec  *recorder
}

// chunkSize is the unit of verification: the second pass holds one chunk
// in memory before handing it on.
const chunkSize = 1 << 20

// OpenInput opens a dump for two passes. A regular file is read in place;
// stdin ("-"), pipes and devices are first copied to a temporary file,
// unlinked at once so that the copy — production data — cannot outlive the
// process whatever happens to it.
func OpenInput(ctx context.Context, path string, stdin io.Reader) (*Input, error) {
	src, name := stdin, "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if st.IsDir() {
			f.Close()
			return nil, fmt.Errorf("%s is a directory: directory-format archives are not supported yet; use a plain dump (pg_dump -Fp)", path)
		}
		if st.Mode().IsRegular() {
			return &Input{f: f, name: path, seed: maphash.MakeSeed()}, nil
		}
		defer f.Close()
		src, name = f, path
	}
	tmp, err := os.CreateTemp("", "anonymize-input-*")
	if err != nil {
		return nil, err
	}
	os.Remove(tmp.Name())
	if err := CopyContext(ctx, tmp, src); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &Input{f: tmp, name: name, seed: maphash.MakeSeed()}, nil
}

// CopyContext copies src to dst, checking ctx between reads: spooling a
// stream to a temporary file stops on a signal.
func CopyContext(ctx context.Context, dst io.Writer, src io.Reader) error {
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Name is the input's name for messages: the path, or "stdin".
func (in *Input) Name() string { return in.name }

// Close releases the file.
func (in *Input) Close() error { return in.f.Close() }

// First returns a Reader for the first pass, which records what it reads.
func (in *Input) First() (*Reader, error) {
	if _, err := in.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	in.rec = &recorder{in: in, r: in.f}
	in.sums, in.size = in.sums[:0], 0
	return NewReader(in.rec, in.name)
}

// Second returns a Reader for the second pass, which fails with a
// *ChangedError at the first chunk that differs from the first pass.
func (in *Input) Second() (*Reader, error) {
	if in.rec == nil {
		return nil, errors.New("plaindump: Second before First")
	}
	// What the first pass did not read, it did not check: draining the rest
	// now would take in whatever was appended since.
	if !in.rec.eof {
		return nil, fmt.Errorf("%s: the first pass stopped before the end of the input", in.name)
	}
	in.rec.flush()
	if _, err := in.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	return NewReader(&verifier{in: in, buf: make([]byte, 0, chunkSize)}, in.name)
}

// ChangedError is an input whose bytes differ between the two passes.
type ChangedError struct {
	File   string
	Offset int64 // start of the first chunk that differs
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s: the input changed while it was being read (at byte %d or later): nothing was written; run again on a file nothing writes to", e.File, e.Offset)
}

// recorder hashes what the first pass reads, chunk by chunk.
type recorder struct {
	in    *Input
	r     io.Reader
	h     maphash.Hash
	inSum int // bytes of the current chunk hashed so far
	init  bool
	eof   bool
}

func (rc *recorder) Read(p []byte) (int, error) {
	if !rc.init {
		rc.h.SetSeed(rc.in.seed)
		rc.init = true
	}
	n, err := rc.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		k := min(len(b), chunkSize-rc.inSum)
		rc.h.Write(b[:k])
		rc.inSum += k
		b = b[k:]
		if rc.inSum == chunkSize {
			rc.flush()
		}
	}
	rc.in.size += int64(n)
	if err == io.EOF {
		rc.eof = true
	}
	return n, err
}

// flush closes the current chunk.
func (rc *recorder) flush() {
	if rc.inSum == 0 {
		return
	}
	rc.in.sums = append(rc.in.sums, rc.h.Sum64())
	rc.h.Reset()
	rc.inSum = 0
}

// verifier reads the second pass a chunk at a time and hands a chunk on
// only once it matches the first pass.
type verifier struct {
	in    *Input
	buf   []byte
	off   int   // next byte of buf to hand on
	chunk int   // index of the next chunk to read
	pos   int64 // input offset of buf[0]
	err   error
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.off == len(v.buf) {
		if v.err != nil {
			return 0, v.err
		}
		if err := v.next(); err != nil {
			v.err = err
			return 0, err
		}
	}
	n := copy(p, v.buf[v.off:])
	v.off += n
	return n, nil
}

func (v *verifier) next() error {
	v.pos += int64(len(v.buf))
	n, err := io.ReadFull(v.in.f, v.buf[:chunkSize])
	v.buf, v.off = v.buf[:n], 0
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("%s: %w", v.in.name, err)
	}
	if n == 0 {
		if v.pos != v.in.size {
			return &ChangedError{File: v.in.name, Offset: v.pos}
		}
		return io.EOF
	}
	if v.chunk >= len(v.in.sums) || maphash.Bytes(v.in.seed, v.buf) != v.in.sums[v.chunk] {
		return &ChangedError{File: v.in.name, Offset: v.pos}
	}
	v.chunk++
	return nil
}
