// Package outfile writes a run's output so that a failed run cannot pass for
// a good one.
//
// A regular file is written all-or-nothing: the data goes to a temporary
// file beside the destination and is renamed into place by Commit, so a
// failed run leaves the destination as it was. Standard output, FIFOs,
// devices and files reached through /proc or /dev (such as /dev/stdout
// after a shell's > or >>) are written in place; what went there cannot be
// taken back, so a failed run ends them with a marker the consumer rejects
// (see File.Fail).
//
// Write errors are returned, never raised. Every descriptor this package
// opens reports EPIPE, from a reader that went away, as an error. For "-",
// when standard output is a pipe, Create reopens the pipe as a descriptor of
// its own for the same reason; otherwise the bytes go to the caller's
// writer, and if that is os.Stdout (fd 1) the Go runtime kills the process
// with SIGPIPE on EPIPE unless the program has called signal.Notify for
// syscall.SIGPIPE, which a command using "-" should do in main.
package outfile

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	fileBuffer   = 1 << 20 // few, large writes to a disk file
	streamBuffer = 1 << 16 // a pipe holds 64 KiB; buffering more only starves the reader
	fifoPoll     = 50 * time.Millisecond
)

// markerTimeout bounds how long Fail waits for a stream's reader to take
// the marker: a reader that stopped reading must not keep the process
// alive. A variable so that tests need not wait as long.
var markerTimeout = 5 * time.Second

// A ConflictError reports that the output names the same file as an
// input, or lies inside an input directory.
type ConflictError struct {
	Out    string // the output path
	Other  string // the input path that names the same file, or holds it
	Inside bool   // Other is a directory (a directory-format archive) out is in
}

func (e *ConflictError) Error() string {
	if e.Inside {
		return fmt.Sprintf("output %s is inside %s, an input directory", e.Out, e.Other)
	}
	return fmt.Sprintf("output %s is the same file as %s", e.Out, e.Other)
}

// Conflicts returns a *ConflictError if out names the same regular file as
// one of others (the run's inputs), following symbolic and hard links, or
// lies inside one that is a directory (a directory-format archive, whose
// toc.dat it would replace): writing it would replace or, in place,
// corrupt an input. "-", and otherwise a path that does not exist or a
// non-regular out (a terminal is both stdin and stdout), never conflict;
// "-" in others is skipped, so to check standard input pass "/dev/stdin".
func Conflicts(out string, others ...string) error {
	if out == "-" {
		return nil
	}
	for _, o := range others {
		if o != "" && o != "-" && inside(o, out) {
			return &ConflictError{Out: out, Other: o, Inside: true}
		}
	}
	ost, err := os.Stat(out)
	if err != nil || !ost.Mode().IsRegular() {
		return nil // Create reports any real problem with out
	}
	for _, o := range others {
		if o == "" || o == "-" {
			continue
		}
		if st, err := os.Stat(o); err == nil && os.SameFile(ost, st) {
			return &ConflictError{Out: out, Other: o}
		}
	}
	return nil
}

// inside reports whether path lies inside dir, an existing directory.
func inside(dir, path string) bool {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return false
	}
	d, err1 := filepath.EvalSymlinks(dir)
	p, err2 := filepath.EvalSymlinks(filepath.Dir(path))
	if err1 != nil || err2 != nil {
		return false
	}
	d, err1 = filepath.Abs(d)
	p, err2 = filepath.Abs(p)
	rel, err := filepath.Rel(d, p)
	return err1 == nil && err2 == nil && err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// File is an output being written. It must end with Commit or Fail; Fail
// after Commit does nothing, so `defer f.Fail(marker)` is the way to use it.
// Write, Commit and Fail may be called from different goroutines.
type File struct {
	path      string
	ctx       context.Context
	streaming bool

	// An atomic output: tmp is renamed over dst, which is path or, if path
	// is a symbolic link to a regular file, the file it names (the link
	// stays).
	tmp *os.File
	dst string

	// A stream's bytes go to out: fd, a descriptor this package opened and
	// closes, or the caller's standard output writer (fd nil).
	fd  *os.File
	out io.Writer

	bw *bufio.Writer
	gz *gzip.Writer // nil unless path ends in ".gz"
	w  io.Writer    // gz or bw

	stop func() bool // unregisters the ctx watcher; nil without one

	mu     sync.Mutex // serializes Write, Commit and Fail
	err    error      // why no more data may be written
	broken bool       // a write to out failed: the writer chain holds an error
	done   bool       // committed or failed

	dmu       sync.Mutex // orders interrupt against Fail's own deadline
	finishing bool       // Fail owns fd's write deadline
}

// Create starts writing path; "-" means stdout. A path ending in ".gz" is
// gzip-compressed. A regular file, a name that does not exist yet, or a
// symbolic link to either outside /proc and /dev is written atomically (the
// link is kept); anything else is written in place and is Streaming.
//
// ctx bounds everything that can block: waiting for a FIFO's reader, and
// writes to a stream whose reader stopped reading. Once ctx is done, Write
// and Commit fail with its cause, and only Fail remains.
func Create(ctx context.Context, path string, stdout io.Writer) (*File, error) {
	if ctx.Err() != nil {
		return nil, &os.PathError{Op: "create", Path: path, Err: context.Cause(ctx)}
	}
	var f *File
	var err error
	switch {
	case path == "":
		return nil, &os.PathError{Op: "create", Path: path, Err: fs.ErrInvalid}
	case path == "-":
		f, err = openStdout(stdout)
	default:
		if dst, inPlace := destination(path); inPlace {
			f, err = openInPlace(ctx, path)
		} else {
			f, err = createTemp(dst)
		}
	}
	if err != nil {
		return nil, err
	}
	f.path, f.ctx = path, ctx
	size := fileBuffer
	if f.streaming {
		size = streamBuffer
	}
	f.bw = bufio.NewWriterSize(f.out, size)
	f.w = f.bw
	if path != "-" && strings.HasSuffix(path, ".gz") {
		f.gz = gzip.NewWriter(f.bw)
		f.w = f.gz
	}
	if f.fd != nil {
		f.stop = context.AfterFunc(ctx, f.interrupt)
	}
	return f, nil
}

// destination decides how path is written: atomically to dst, or in place.
// Only a regular file, or a name for one that does not exist yet, may be
// replaced by rename; anything else would be destroyed by it (renaming over
// /dev/stdout replaces the link and leaves the shell's file empty).
func destination(path string) (dst string, inPlace bool) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, false
	case err != nil:
		return "", true // let the open report it
	case fi.Mode().IsRegular():
		return path, false
	case fi.Mode()&fs.ModeSymlink != 0:
		if dst, ok := followLinks(path); ok {
			return dst, false
		}
	}
	return "", true
}

// followLinks follows the symbolic link path to the regular file it names,
// which may not exist yet. It fails for a link that passes through /proc or
// /dev, whose "targets" (/proc/self/fd/1 -> /tmp/out.sql, or pipe:[1234])
// name a descriptor's file rather than a place to create one, and for any
// link it cannot resolve or that does not end at a regular file.
func followLinks(path string) (string, bool) {
	for range 40 { // Linux's own limit on links in a path
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return "", false
		}
		p := filepath.Join(dir, filepath.Base(path))
		if !filepath.IsAbs(p) {
			if p, err = filepath.Abs(p); err != nil {
				return "", false
			}
		}
		if under(p, "/proc") || under(p, "/dev") {
			return "", false
		}
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return p, true // a dangling link: create what it names
		case err != nil:
			return "", false
		case fi.Mode().IsRegular():
			return p, true
		case fi.Mode()&fs.ModeSymlink == 0:
			return "", false
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", false
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		path = target
	}
	return "", false
}

func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// createTemp starts an atomic output to dst.
func createTemp(dst string) (*File, error) {
	dir, base := filepath.Split(dst)
	var tmp *os.File
	var err error
	for range 100 {
		// Mode 0666 lets the kernel apply the umask, as for any new file;
		// O_EXCL refuses a name someone planted, even as a symbolic link.
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		tmp, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = &os.PathError{Op: "create", Path: dst, Err: pe.Err} // not the temporary name
		}
		return nil, err
	}
	// Replacing a file must not expose it more widely than its owner chose:
	// keep only the permissions both the old file and the umask allow.
	if old, err := os.Stat(dst); err == nil {
		if cur, err := tmp.Stat(); err == nil {
			if keep := cur.Mode().Perm() & old.Mode().Perm(); keep != cur.Mode().Perm() {
				if err := tmp.Chmod(keep); err != nil {
					tmp.Close()
					os.Remove(tmp.Name())
					return nil, err
				}
			}
		}
	}
	return &File{tmp: tmp, dst: dst, out: tmp}, nil
}

// openStdout starts a stream to stdout. A pipe is reopened through /proc as
// a descriptor of our own: fd 1 is in blocking mode, deaf to ctx, and dies
// by SIGPIPE on EPIPE, while the new descriptor is in Go's poller, honours
// deadlines and returns EPIPE as an error. Reopening makes a new open file
// description, so its O_NONBLOCK does not leak to other processes sharing
// the pipe. Anything else, or a failed reopen, is written through stdout.
func openStdout(stdout io.Writer) (*File, error) {
	f := &File{streaming: true, out: stdout}
	sf, ok := stdout.(*os.File)
	if !ok {
		return f, nil
	}
	st, err := sf.Stat()
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		return f, nil
	}
	rc, err := sf.SyscallConn()
	if err != nil {
		return f, nil
	}
	fdNum := -1
	rc.Control(func(fd uintptr) { fdNum = int(fd) }) // Fd() would force blocking mode
	fd, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fdNum), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ENXIO) {
		// The pipe has no reader: every write would fail with EPIPE.
		return nil, &os.PathError{Op: "open", Path: "-", Err: syscall.EPIPE}
	}
	if err != nil {
		return f, nil
	}
	if fst, err := fd.Stat(); err != nil || !os.SameFile(st, fst) {
		fd.Close()
		return f, nil
	}
	f.fd, f.out = fd, fd
	return f, nil
}

var errSocket = errors.New("a socket cannot be opened by name (use - for standard output)")

// openInPlace starts a stream to path, which may not be replaced.
func openInPlace(ctx context.Context, path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var fd *os.File
	switch m := st.Mode(); {
	case m.IsRegular():
		// A file a shell opened for us, reached as /proc/self/fd/1: O_APPEND
		// is right after both > (it is empty) and >> (keep what is there).
		fd, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	case m&fs.ModeNamedPipe != 0:
		fd, err = openFIFO(ctx, path)
	case m&fs.ModeSocket != 0:
		err = &os.PathError{Op: "open", Path: path, Err: errSocket}
	default:
		fd, err = os.OpenFile(path, os.O_WRONLY, 0)
	}
	if err != nil {
		return nil, err
	}
	return &File{streaming: true, fd: fd, out: fd}, nil
}

// openFIFO opens a FIFO for writing. A blocking open would wait in the
// kernel for a reader, where neither ctx nor a signal reaches it; with
// O_NONBLOCK it fails with ENXIO until there is one, so poll. The file stays
// non-blocking in Go's poller, where writes block interruptibly.
func openFIFO(ctx context.Context, path string) (*os.File, error) {
	t := time.NewTicker(fifoPoll)
	defer t.Stop()
	for {
		fd, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.ENXIO) {
			return fd, err
		}
		select {
		case <-ctx.Done():
			return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("waiting for a reader: %w", context.Cause(ctx))}
		case <-t.C:
		}
	}
}

// interrupt makes a Write blocked on a stream return: a reader that stopped
// reading would otherwise hold it forever, and the mutex with it.
func (f *File) interrupt() {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	if !f.finishing {
		f.fd.SetWriteDeadline(time.Unix(1, 0)) // fails harmlessly on files outside the poller
	}
}

// Streaming reports whether written data cannot be taken back: stdout, a
// FIFO, a device, or a file written in place. A failed run must end such an
// output with a marker; Fail does.
func (f *File) Streaming() bool { return f.streaming }

// Write writes p to the output. After a write error, once ctx is done, and
// after Commit or Fail, it returns an error.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.usable(); err != nil {
		return 0, err
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.broken = true
		f.err = f.wrap("write", err)
		return n, f.err
	}
	return n, nil
}

// usable reports why nothing more may be written.
func (f *File) usable() error {
	if f.done {
		return &os.PathError{Op: "write", Path: f.path, Err: os.ErrClosed}
	}
	if f.err == nil && f.ctx.Err() != nil {
		f.err = &os.PathError{Op: "write", Path: f.path, Err: context.Cause(f.ctx)}
	}
	return f.err
}

// wrap names the path in err and, when a deadline cut the write short, the
// reason it was set instead.
func (f *File) wrap(op string, err error) error {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err // the descriptor's name; f.path is the one the user gave
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if f.ctx.Err() != nil {
			err = context.Cause(f.ctx)
		} else {
			err = os.ErrClosed // Fail interrupted the write
		}
	}
	return &os.PathError{Op: op, Path: f.path, Err: err}
}

// Commit finishes the output: it moves an atomic output into place, or
// flushes and closes a stream. If it fails, an atomic output is removed, but
// a stream stays open for Fail to end it with the marker.
func (f *File) Commit() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return &os.PathError{Op: "commit", Path: f.path, Err: os.ErrClosed}
	}
	if err := f.usable(); err != nil {
		return f.abandon(err)
	}
	if err := f.flush(); err != nil {
		f.broken = true
		return f.abandon(f.wrap("write", err))
	}
	if f.streaming {
		f.done = true
		f.stopWatching()
		if f.fd != nil {
			if err := f.fd.Close(); err != nil {
				return f.wrap("close", err)
			}
		}
		return nil
	}
	// Sync before rename: after a crash the destination must hold either
	// the old file or all of the new one, never a renamed empty file.
	if err := f.tmp.Sync(); err != nil {
		return f.abandon(f.wrap("write", err))
	}
	if err := f.tmp.Close(); err != nil {
		return f.abandon(f.wrap("write", err))
	}
	if err := os.Rename(f.tmp.Name(), f.dst); err != nil {
		return f.abandon(err)
	}
	f.done = true
	return nil
}

// flush pushes everything written so far through the writer chain.
func (f *File) flush() error {
	if f.gz != nil {
		if err := f.gz.Close(); err != nil {
			return err
		}
	}
	return f.bw.Flush()
}

// abandon records a failed Commit. An atomic output is finished: its
// temporary file goes. A stream waits for Fail, which can still end it.
func (f *File) abandon(err error) error {
	if f.err == nil {
		f.err = err
	}
	if !f.streaming {
		f.done = true
		f.removeTemp()
	}
	return err
}

func (f *File) removeTemp() error {
	f.tmp.Close() // fails if Commit closed it already; the file still goes
	if err := os.Remove(f.tmp.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (f *File) stopWatching() {
	if f.stop != nil {
		f.stop()
	}
}

// Fail ends a failed run. An atomic output's temporary file is removed and
// marker ignored. A stream gets marker, flushed, and is closed, so a
// consumer rejects it even if the run failed before its first byte; a nil
// marker writes none, and leaves a gzip stream unfinished. Writing the
// marker waits at most a few seconds for a reader that stopped reading,
// except through a caller's stdout that is not an os.File pipe.
//
// Fail may be called from another goroutine while Write blocks: it
// interrupts the write. After Commit, or a second time, it does nothing.
func (f *File) Fail(marker []byte) error {
	if f.fd != nil {
		f.interrupt() // a Write blocked on a stuck reader holds f.mu
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return nil
	}
	f.done = true
	f.stopWatching()
	if !f.streaming {
		return f.removeTemp()
	}
	if f.fd != nil {
		f.dmu.Lock()
		f.finishing = true
		f.dmu.Unlock()
		f.fd.SetWriteDeadline(time.Now().Add(markerTimeout))
	}
	err := f.writeMarker(marker)
	if f.fd != nil {
		if cerr := f.fd.Close(); err == nil && cerr != nil {
			return f.wrap("close", cerr)
		}
	}
	if err != nil {
		// Not wrap: here a deadline means the reader did not take the
		// marker in time, and saying so is the useful report.
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return &os.PathError{Op: "write", Path: f.path, Err: err}
	}
	return nil
}

// writeMarker appends marker to a stream, behind whatever is buffered.
func (f *File) writeMarker(marker []byte) error {
	if f.broken {
		if f.gz != nil {
			// The compressed stream is already truncated, which any gunzip
			// reports; bytes after it would only be read as more garbage.
			return nil
		}
		f.bw.Reset(f.out) // drop what the failed write left; the marker must get through
	}
	if f.gz != nil {
		if len(marker) == 0 {
			// Without a marker, leave the compressed stream unfinished:
			// a complete one would pass for a good run.
			return f.bw.Flush()
		}
		if _, err := f.gz.Write(marker); err != nil {
			return err
		}
		return f.flush()
	}
	if _, err := f.bw.Write(marker); err != nil {
		return err
	}
	return f.bw.Flush()
}
