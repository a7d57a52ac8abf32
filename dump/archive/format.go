package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"

	"github.com/understudy-db/understudy/dump"
)

// Format is the format of a dump, as its bytes tell it.
type Format uint8

const (
	Unknown   Format = iota
	Plain            // an SQL script, possibly gzip-compressed: package plain reads it
	Custom           // pg_dump -Fc
	Directory        // pg_dump -Fd
	Tar              // pg_dump -Ft
)

func (f Format) String() string {
	switch f {
	case Plain:
		return "plain"
	case Custom:
		return "custom"
	case Directory:
		return "directory"
	case Tar:
		return "tar"
	}
	return "unknown"
}

// Detect tells the format of the dump at path from its bytes, never its
// name: a directory holding toc.dat, the PGDMP magic, a tar header, or a
// script (plain text, or gzip whose content is a script). It reads at most
// the first 512 bytes, so a stream (a FIFO) should be spooled first. An
// archive inside gzip is not read: it is reported as an *Error.
func Detect(path string) (Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Unknown, err
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "toc.dat")); err != nil {
			return Unknown, &Error{Pos: dump.Pos{File: path}, Offset: -1, Kind: Unsupported, Msg: "a directory without toc.dat is not a directory-format archive"}
		}
		return Directory, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return Unknown, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Unknown, err
	}
	head = head[:n]
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		// pg_dump -Fp | gzip is a script; pg_dump -Ft | gzip is not.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Unknown, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return Plain, nil // the plain reader reports the broken gzip
		}
		inner := make([]byte, 512)
		m, _ := io.ReadFull(zr, inner)
		if in := Sniff(inner[:m]); in == Custom || in == Tar {
			return Unknown, &Error{Pos: dump.Pos{File: path}, Offset: 0, Kind: Unsupported,
				Msg: fmt.Sprintf("a gzip-compressed %s archive: decompress it first (its data is compressed inside the archive)", in)}
		}
		return Plain, nil
	}
	return Sniff(head), nil
}

// Sniff tells a format from a file's first 512 bytes (or fewer, for a
// shorter file): what Detect does for a stream, which cannot tell a
// directory and does not look inside gzip.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("PGDMP")):
		return Custom
	case isTarHeader(head):
		return Tar
	}
	return Plain
}

// isTarHeader reports a ustar header block, checksum included, as
// pg_restore's isValidTarHeader checks it.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	var sum int64
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	field := bytes.TrimRight(bytes.Trim(b[148:156], " \x00"), " \x00")
	var stored int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		stored = stored*8 + int64(c-'0')
	}
	return len(field) > 0 && stored == sum && (bytes.Equal(b[257:262], []byte("ustar")))
}
