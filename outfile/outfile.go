// Package outfile writes an output file all-or-nothing: the data goes to a
// temporary file beside the destination, renamed into place only when the
// run succeeds, so a failed run never leaves a half-written dump behind.
package outfile

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File is an output being written. Exactly one of Commit or Abort must be
// called; Abort after Commit is a no-op, so `defer f.Abort()` is safe.
type File struct {
	path string
	tmp  *os.File
	dev  *os.File // a device or pipe written in place
	gz   *gzip.Writer
	bw   *bufio.Writer
	w    io.Writer
	done bool
}

// Create starts writing path. "-" means stdout, which cannot be made atomic
// and is written through. A path ending in ".gz" is gzip-compressed.
func Create(path string, stdout io.Writer) (*File, error) {
	if path == "-" {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		return &File{path: path, bw: bw, w: bw}, nil
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A device or pipe (/dev/null, a FIFO) is written through: renaming
		// a temporary file over it would replace it.
		dev, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("open output: %w", err)
		}
		f := &File{path: path, dev: dev}
		f.bw = bufio.NewWriterSize(dev, 1<<20)
		f.w = f.bw
		return f, nil
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	f := &File{path: path, tmp: tmp}
	f.bw = bufio.NewWriterSize(tmp, 1<<20)
	f.w = f.bw
	if strings.HasSuffix(path, ".gz") {
		f.gz = gzip.NewWriter(f.bw)
		f.w = f.gz
	}
	return f, nil
}

// Write writes to the output.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Commit finishes the output and moves it into place.
func (f *File) Commit() error {
	if f.done {
		return errors.New("outfile: already finished")
	}
	f.done = true
	if f.gz != nil {
		if err := f.gz.Close(); err != nil {
			f.remove()
			return fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	if err := f.bw.Flush(); err != nil {
		f.remove()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if f.dev != nil {
		return f.dev.Close()
	}
	if f.tmp == nil {
		return nil
	}
	// CreateTemp makes the file private; the result is an ordinary output.
	if err := f.tmp.Chmod(0o644); err != nil {
		f.remove()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.tmp.Sync(); err != nil {
		f.remove()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.tmp.Close(); err != nil {
		os.Remove(f.tmp.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(f.tmp.Name(), f.path); err != nil {
		os.Remove(f.tmp.Name())
		return fmt.Errorf("move output into place: %w", err)
	}
	return nil
}

// Abort discards the output.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.remove()
}

func (f *File) remove() {
	if f.dev != nil {
		f.dev.Close()
	}
	if f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	}
}
