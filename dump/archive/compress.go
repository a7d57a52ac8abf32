package archive

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/understudy-db/understudy/dump"
)

// Algorithm is a compression algorithm of archive data, numbered as
// pg_dump's header byte numbers it.
type Algorithm uint8

const (
	None Algorithm = iota
	Gzip           // zlib streams in a custom archive, gzip files in a directory
	LZ4            // LZ4 frames
	Zstd           // Zstandard frames
)

func (a Algorithm) String() string {
	switch a {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case LZ4:
		return "lz4"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Algorithm(%d)", a)
}

// suffix is a directory archive's file name suffix for data compressed
// with a.
func (a Algorithm) suffix() string {
	switch a {
	case Gzip:
		return ".gz"
	case LZ4:
		return ".lz4"
	case Zstd:
		return ".zst"
	}
	return ""
}

// Compression is how a writer compresses data: an algorithm and a level
// (0: the algorithm's default).
type Compression struct {
	Algorithm Algorithm
	Level     int
}

func (c Compression) String() string {
	if c.Level == 0 || c.Algorithm == None {
		return c.Algorithm.String()
	}
	return fmt.Sprintf("%s:%d", c.Algorithm, c.Level)
}

// ParseCompression reads a compression as pg_dump's --compress takes it:
// "none", a gzip level "0"–"9", or "gzip", "lz4", "zstd", each optionally
// followed by ":N" or ":level=N".
func ParseCompression(s string) (Compression, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 9 {
			return Compression{}, fmt.Errorf("compression level %d: want 0 to 9", n)
		}
		if n == 0 {
			return Compression{}, nil
		}
		return Compression{Gzip, n}, nil
	}
	name, detail, _ := strings.Cut(s, ":")
	var c Compression
	switch strings.ToLower(name) {
	case "none":
		return c, nil
	case "gzip":
		c.Algorithm = Gzip
	case "lz4":
		c.Algorithm = LZ4
	case "zstd":
		c.Algorithm = Zstd
	default:
		return c, fmt.Errorf("unknown compression %q: want none, gzip, lz4 or zstd", name)
	}
	if detail != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(detail, "level="))
		if err != nil {
			return c, fmt.Errorf("compression %q: bad level", s)
		}
		lo, hi := 1, 9
		switch c.Algorithm {
		case LZ4:
			lo, hi = 1, 12
		case Zstd:
			lo, hi = 1, 22
		}
		if n < lo || n > hi {
			return c, fmt.Errorf("compression %q: level %d out of range %d..%d", s, n, lo, hi)
		}
		c.Level = n
	}
	return c, nil
}

// decompress returns a reader of what r holds compressed with a. zlib says
// which gzip flavour: a custom archive's blocks are zlib streams, a
// directory's files gzip files.
func decompress(a Algorithm, zlibFraming bool, r io.Reader) (io.ReadCloser, error) {
	switch a {
	case None:
		return io.NopCloser(r), nil
	case Gzip:
		if zlibFraming {
			return zlib.NewReader(r)
		}
		return gzip.NewReader(r)
	case LZ4:
		return io.NopCloser(lz4.NewReader(r)), nil
	case Zstd:
		// One goroutine per stream, windows as large as pg_dump's "long"
		// mode makes them and no larger.
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<27), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return zstdReader{d}, nil
	}
	return nil, fmt.Errorf("compression algorithm %d", a)
}

type zstdReader struct{ *zstd.Decoder }

func (z zstdReader) Close() error { z.Decoder.Close(); return nil }

// compress returns a writer that compresses into w with c; Close flushes
// the end of the stream (it does not close w).
func compress(c Compression, zlibFraming bool, w io.Writer) (io.WriteCloser, error) {
	switch c.Algorithm {
	case None:
		return nopWriteCloser{w}, nil
	case Gzip:
		level := c.Level
		if level == 0 {
			level = zlib.DefaultCompression
		}
		if zlibFraming {
			return zlib.NewWriterLevel(w, level)
		}
		return gzip.NewWriterLevel(w, level)
	case LZ4:
		lw := lz4.NewWriter(w)
		opts := []lz4.Option{lz4.ConcurrencyOption(1)}
		if c.Level > 0 {
			opts = append(opts, lz4.CompressionLevelOption(lz4.CompressionLevel(1<<(8+min(c.Level, 9)))))
		}
		if err := lw.Apply(opts...); err != nil {
			return nil, err
		}
		return lw, nil
	case Zstd:
		level := zstd.SpeedDefault
		if c.Level > 0 {
			level = zstd.EncoderLevelFromZstd(c.Level)
		}
		return zstd.NewWriter(w, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
	}
	return nil, fmt.Errorf("compression algorithm %d", c.Algorithm)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// offsetter is a reader that knows where in the archive its next byte
// comes from.
type offsetter interface{ Offset() int64 }

// decompressed returns the decompressed bytes of r, whose errors — the
// decompressor's included — name the entry and the archive offset reached.
func decompressed(a Algorithm, zlibFraming bool, r io.Reader, file string, entry int) (io.ReadCloser, error) {
	fail := func(err error) error {
		var ae *Error
		if errors.As(err, &ae) {
			return err
		}
		off := int64(-1)
		if o, ok := r.(offsetter); ok {
			off = o.Offset()
		}
		return &Error{Pos: dump.Pos{File: file, Entry: entry}, Offset: off, Kind: Corrupt, Msg: a.String() + " data does not decompress", Err: err}
	}
	d, err := decompress(a, zlibFraming, r)
	if err != nil {
		return nil, fail(err)
	}
	return &checked{r: d, fail: fail}, nil
}

// checked turns a decompressor's errors into located ones.
type checked struct {
	r    io.ReadCloser
	fail func(error) error
}

func (c *checked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = c.fail(err)
	}
	return n, err
}

func (c *checked) Close() error { return c.r.Close() }
