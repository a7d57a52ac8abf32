package outfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var marker = []byte("\n\\.\nFAILED\n")

// helperEnv switches the test binary into a helper process (see TestMain),
// for tests that need their own standard output or umask.
const helperEnv = "OUTFILE_TEST_HELPER"

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		if err := helper(name); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper(name string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	switch name {
	case "write-path":
		// Writes "masked\n" to $OUTFILE_TEST_PATH.
		f, err := Create(ctx, os.Getenv("OUTFILE_TEST_PATH"), nil)
		if err != nil {
			return err
		}
		if _, err := f.Write([]byte("masked\n")); err != nil {
			return err
		}
		return f.Commit()

	case "stdout-stuck":
		// Standard output is a pipe nobody reads: a write blocks until
		// ctx is cancelled, and Fail gives up on the marker.
		markerTimeout = 100 * time.Millisecond
		f, err := Create(ctx, "-", os.Stdout)
		if err != nil {
			return err
		}
		took, blocked := blockedWrite(f, cancel)
		if !errors.Is(blocked, context.Canceled) {
			return fmt.Errorf("write returned %v, want context.Canceled", blocked)
		}
		if took > time.Second {
			return fmt.Errorf("write returned %v after cancel", took)
		}
		start := time.Now()
		if err := f.Fail(marker); err == nil || time.Since(start) > time.Second {
			return fmt.Errorf("Fail with a stuck reader: %v after %v", err, time.Since(start))
		}
		return nil

	case "stdout-epipe":
		// Standard output is a pipe whose reader leaves once we say
		// "ready" on stderr: EPIPE must be an error, not SIGPIPE.
		f, err := Create(ctx, "-", os.Stdout)
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "ready")
		chunk := bytes.Repeat([]byte("x"), 1<<16)
		for {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.EPIPE) {
					return fmt.Errorf("write: %v, want EPIPE", err)
				}
				f.Fail(marker)
				return nil
			}
		}
	}
	return fmt.Errorf("unknown helper %q", name)
}

// runHelper runs helper name with stdout connected to stdout.
func runHelper(t *testing.T, name string, stdout *os.File, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	// Under -race a process sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), append(env, helperEnv+"="+name, "GORACE=atexit_sleep_ms=0")...)
	cmd.Stdout = stdout
	return cmd
}

// blockedWrite writes to f until it blocks, calls cancel, and returns the
// error of the blocked write and how long it took to return after cancel.
func blockedWrite(f *File, cancel func()) (time.Duration, error) {
	chunk := bytes.Repeat([]byte("y"), 1<<16)
	errc := make(chan error, 1)
	progress := make(chan struct{}, 1)
	go func() {
		for {
			if _, err := f.Write(chunk); err != nil {
				errc <- err
				return
			}
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}()
	// Blocked: no progress for 200 ms (a pipe buffers at most 1 MiB).
	for {
		select {
		case <-progress:
			continue
		case err := <-errc:
			return 0, fmt.Errorf("write failed before cancel: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
		break
	}
	last := time.Now()
	cancel()
	err := <-errc
	return time.Since(last), err
}

// tmpFiles lists dir's temporary files.
func tmpFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tmp []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".tmp") {
			tmp = append(tmp, e.Name())
		}
	}
	return tmp
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
}

// openReader opens fifo for reading without waiting for a writer, so that
// Create finds a reader.
func openReader(t *testing.T, fifo string) *os.File {
	t.Helper()
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func readAll(r io.Reader) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	return got
}

var tmpName = regexp.MustCompile(`^\.out\.sql\.[0-9a-z]+\.tmp$`)

func TestCommitAndFail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sql")
	ctx := context.Background()

	f, err := Create(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Streaming() {
		t.Error("a new regular file is streaming")
	}
	f.Write([]byte("half"))
	tmp := tmpFiles(t, dir)
	if len(tmp) != 1 || !tmpName.MatchString(tmp[0]) {
		t.Fatalf("during the run: temporary files %q, want one .out.sql.<random>.tmp", tmp)
	}
	if err := f.Fail(marker); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Fail left %v", entries)
	}
	if _, err := f.Write([]byte("more")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Fail: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after Fail succeeded")
	}
	if err := f.Fail(marker); err != nil {
		t.Errorf("second Fail: %v", err)
	}

	f, err = Create(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("whole"))
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("output visible before commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Fail(marker); err != nil { // the deferred Fail after Commit
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "whole" {
		t.Fatalf("content %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%v after commit, want out.sql only", entries)
	}
}

func TestUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()

	path := filepath.Join(dir, "out.sql")
	f, err := Create(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, tmpFiles(t, dir)[0])); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("temporary file: %v, %v; want mode 0640", st.Mode(), err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("umask 027: mode %v, want 0640", st.Mode())
	}

	// Replacing a file keeps it as private as its owner made it.
	private := filepath.Join(dir, "private.sql")
	if err := os.WriteFile(private, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(private, 0o600)
	f, err = Create(context.Background(), private, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(private); st.Mode().Perm() != 0o600 {
		t.Errorf("replacing a 0600 file: mode %v", st.Mode())
	}
}

func TestGzip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sql.gz")
	ctx := context.Background()

	// Incompressible data larger than the buffer, so that the gzip and
	// buffered writers flush several times before Commit.
	var want bytes.Buffer
	rng := rand.NewChaCha8([32]byte{})
	io.CopyN(&want, rng, 3*fileBuffer+12345)
	f, err := Create(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for b := want.Bytes(); len(b) > 0; {
		n := min(len(b), 4096+len(b)%777)
		if _, err := f.Write(b[:n]); err != nil {
			t.Fatal(err)
		}
		b = b[n:]
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	zr, err := gzip.NewReader(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr) // checks the trailer's CRC and length, like gzip -t
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("decompressed %d bytes, want %d identical", len(got), want.Len())
	}

	// An aborted .gz leaves nothing, having existed as a temporary file.
	os.Remove(path)
	f, err = Create(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(want.Bytes())
	if tmp := tmpFiles(t, dir); len(tmp) != 1 {
		t.Fatalf("during the run: temporary files %q, want one", tmp)
	}
	if err := f.Fail(marker); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("aborted .gz left %v", entries)
	}
}

func TestStdout(t *testing.T) {
	ctx := context.Background()
	var stdout bytes.Buffer
	f, err := Create(ctx, "-", &stdout)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Streaming() {
		t.Error("stdout is not streaming")
	}
	f.Write([]byte("to stdout"))
	if err := f.Commit(); err != nil || stdout.String() != "to stdout" {
		t.Fatalf("stdout %q, %v", stdout.String(), err)
	}

	// A run failing before its first byte still ends the stream with the
	// marker; so does one failing midway.
	stdout.Reset()
	f, _ = Create(ctx, "-", &stdout)
	if err := f.Fail(marker); err != nil || stdout.String() != string(marker) {
		t.Fatalf("Fail before the first byte: %q, %v", stdout.String(), err)
	}
	stdout.Reset()
	f, _ = Create(ctx, "-", &stdout)
	f.Write([]byte("half"))
	if err := f.Fail(marker); err != nil || stdout.String() != "half"+string(marker) {
		t.Fatalf("Fail midway: %q, %v", stdout.String(), err)
	}
}

// TestProcLinkInPlace is `--out /dev/stdout > file` and `>> file` with a
// stand-in for /dev/stdout: a link to /proc/self/fd/1, whose "target" is
// the shell's file. It must be appended to through the link, not replaced,
// and the link must survive.
func TestProcLinkInPlace(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd/1"); err != nil {
		t.Skip("no /proc:", err)
	}
	for _, tc := range []struct {
		name   string
		flag   int
		before string
	}{
		{">", os.O_WRONLY | os.O_CREATE | os.O_TRUNC, ""},
		{">>", os.O_WRONLY | os.O_CREATE | os.O_APPEND, "kept\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "shell-opened.sql")
			os.WriteFile(file, []byte(tc.before), 0o644)
			stdout, err := os.OpenFile(file, tc.flag, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer stdout.Close()
			linkDir := filepath.Join(dir, "dev")
			os.Mkdir(linkDir, 0o755)
			link := filepath.Join(linkDir, "stdout")
			if err := os.Symlink("/proc/self/fd/1", link); err != nil {
				t.Fatal(err)
			}
			cmd := runHelper(t, "write-path", stdout, "OUTFILE_TEST_PATH="+link)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %s", err, stderr.Bytes())
			}
			if b, _ := os.ReadFile(file); string(b) != tc.before+"masked\n" {
				t.Errorf("file holds %q, want %q", b, tc.before+"masked\n")
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
			}
			if entries, _ := os.ReadDir(linkDir); len(entries) != 1 {
				t.Errorf("link directory holds %v", entries)
			}
		})
	}
}

func TestLinkToRegularFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	realDir := filepath.Join(dir, "real")
	os.Mkdir(realDir, 0o755)
	target := filepath.Join(realDir, "out.sql")
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.sql")
	os.Symlink("real/out.sql", link)

	f, err := Create(context.Background(), link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Streaming() {
		t.Error("a link to a regular file is streaming")
	}
	f.Write([]byte("new"))
	if tmp := tmpFiles(t, realDir); len(tmp) != 1 || !tmpName.MatchString(tmp[0]) {
		t.Fatalf("temporary files beside the target: %q", tmp)
	}
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Fatalf("target changed before commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(link); string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	if tmp := tmpFiles(t, realDir); len(tmp) != 0 {
		t.Fatalf("left %q", tmp)
	}

	// A dangling link names a file to create.
	dangling := filepath.Join(dir, "dangling.sql")
	os.Symlink("real/new.sql", dangling)
	f, err = Create(context.Background(), dangling, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("created"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(realDir, "new.sql")); string(b) != "created" {
		t.Fatalf("dangling link target holds %q", b)
	}
}

func TestFIFOInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	link := filepath.Join(dir, "link")
	os.Symlink("fifo", link)
	for _, path := range []string{fifo, link} {
		r := openReader(t, fifo)
		f, err := Create(context.Background(), path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Streaming() {
			t.Errorf("%s: not streaming", path)
		}
		got := readAll(r)
		f.Write([]byte("through the pipe"))
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
		if b := <-got; string(b) != "through the pipe" {
			t.Fatalf("%s: read %q", path, b)
		}
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
}

func TestFIFOWithoutReaderHonoursCancel(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	stop := errors.New("interrupted")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(stop) })
	start := time.Now()
	f, err := Create(ctx, fifo, nil)
	if took := time.Since(start); !errors.Is(err, stop) || took > time.Second {
		t.Fatalf("Create = %v, %v after %v; want the cause soon after 100ms", f, err, took)
	}
}

func TestFIFOBlockedWriteHonoursCancel(t *testing.T) {
	defer func(d time.Duration) { markerTimeout = d }(markerTimeout)
	markerTimeout = 100 * time.Millisecond
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	openReader(t, fifo) // and never read
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Create(ctx, fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	took, err := blockedWrite(f, cancel)
	if !errors.Is(err, context.Canceled) || took > 500*time.Millisecond {
		t.Fatalf("blocked Write returned %v after %v; want context.Canceled promptly", err, took)
	}
	start := time.Now()
	if err := f.Fail(marker); err == nil || time.Since(start) > time.Second {
		t.Fatalf("Fail to a stuck reader: %v after %v", err, time.Since(start))
	}
}

// TestCancelledStreamGetsMarker: cancellation stops the run, but a reader
// still reading must see the stream end with the marker.
func TestCancelledStreamGetsMarker(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	r := openReader(t, fifo)
	ctx, cancel := context.WithCancel(context.Background())
	f, err := Create(ctx, fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(r)
	f.Write([]byte("half"))
	cancel()
	time.Sleep(10 * time.Millisecond) // let the ctx watcher run
	if _, err := f.Write([]byte("more")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v", err)
	}
	if err := f.Commit(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit after cancel: %v", err)
	}
	if err := f.Fail(marker); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "half"+string(marker) {
		t.Fatalf("reader got %q", b)
	}
}

func TestFIFOFailBeforeFirstByte(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.sql.gz")
	mkfifo(t, fifo)
	r := openReader(t, fifo)
	f, err := Create(context.Background(), fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(r)
	if err := f.Fail(marker); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(<-got))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, marker) {
		t.Fatalf("compressed stream holds %q, %v; want the marker", b, err)
	}

	// Without a marker, the compressed stream is left unfinished.
	r = openReader(t, fifo)
	f, err = Create(context.Background(), fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	got = readAll(r)
	f.Write([]byte("half"))
	if err := f.Fail(nil); err != nil {
		t.Fatal(err)
	}
	zr, err = gzip.NewReader(bytes.NewReader(<-got))
	if err == nil {
		_, err = io.ReadAll(zr)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		t.Fatalf("unfinished gzip stream read with %v, want a truncation error", err)
	}
}

func TestFIFOReaderGoneIsAnError(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	r := openReader(t, fifo)
	f, err := Create(context.Background(), fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := f.Write(make([]byte, 1<<20)); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Write with the reader gone: %v, want EPIPE", err)
	}
	if err := f.Fail(marker); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Fail after a broken pipe: %v, want EPIPE", err)
	}
}

func TestCommitAfterCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := Create(ctx, filepath.Join(dir, "out.sql"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("all of it"))
	cancel()
	if err := f.Commit(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit after cancel: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
	if _, err := Create(ctx, filepath.Join(dir, "out.sql"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with a done ctx: %v", err)
	}
}

// TestFailWhileWriting is the signal path: Fail from another goroutine
// while the writer runs, or is blocked on a reader that stopped reading.
func TestFailWhileWriting(t *testing.T) {
	defer func(d time.Duration) { markerTimeout = d }(markerTimeout)
	markerTimeout = 100 * time.Millisecond

	dir := t.TempDir()
	f, err := Create(context.Background(), filepath.Join(dir, "out.sql"), nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error)
	go func() {
		for {
			if _, err := f.Write([]byte("row\n")); err != nil {
				errc <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if tmp := tmpFiles(t, dir); len(tmp) != 1 {
		t.Fatalf("during the run: temporary files %q", tmp)
	}
	done := make(chan error)
	go func() { done <- f.Fail(nil) }()
	if err := f.Fail(nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Fail: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}

	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	openReader(t, fifo) // never read
	f, err = Create(context.Background(), fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	// blockedWrite's cancel is Fail here.
	failed := make(chan error, 1)
	took, err := blockedWrite(f, func() { go func() { failed <- f.Fail(marker) }() })
	if !errors.Is(err, os.ErrClosed) || took > 500*time.Millisecond {
		t.Fatalf("blocked Write returned %v after %v; want os.ErrClosed promptly", err, took)
	}
	if err := <-failed; err == nil {
		t.Fatal("Fail wrote the marker to a reader that never reads")
	}
}

// TestStdoutPipe runs helpers whose standard output is a pipe: a reader
// that never reads must not make the process deaf to ctx, and a reader that
// leaves must give an EPIPE error, not a SIGPIPE death.
func TestStdoutPipe(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd/1"); err != nil {
		t.Skip("no /proc:", err)
	}
	t.Run("stuck", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cmd := runHelper(t, "stdout-stuck", w)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v: %s", err, stderr.Bytes())
		}
	})
	t.Run("reader-gone", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := runHelper(t, "stdout-epipe", w)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		sc := bufio.NewScanner(stderr)
		if !sc.Scan() || sc.Text() != "ready" {
			t.Fatalf("helper said %q", sc.Text())
		}
		r.Close()
		rest, _ := io.ReadAll(stderr)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v: %s", err, rest)
		}
	})
}

func TestConflicts(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.sql")
	os.WriteFile(in, []byte("x"), 0o644)
	rules := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rules, []byte("x"), 0o644)
	hard := filepath.Join(dir, "hard.sql")
	os.Link(in, hard)
	soft := filepath.Join(dir, "soft.sql")
	os.Symlink("rules.yaml", soft)
	other := filepath.Join(dir, "other.sql")
	os.WriteFile(other, []byte("x"), 0o644)

	for _, tc := range []struct {
		out   string
		other string // "" for no conflict
	}{
		{in, in},
		{hard, in},
		{soft, rules},
		{other, ""},
		{filepath.Join(dir, "new.sql"), ""},
		{"-", ""},
	} {
		err := Conflicts(tc.out, "-", in, rules)
		var ce *ConflictError
		switch {
		case tc.other == "" && err != nil:
			t.Errorf("Conflicts(%s) = %v", tc.out, err)
		case tc.other != "" && (!errors.As(err, &ce) || ce.Out != tc.out || ce.Other != tc.other):
			t.Errorf("Conflicts(%s) = %v, want a ConflictError with %s", tc.out, err, tc.other)
		}
	}
}

// An output inside an input directory (a directory-format archive), new or
// not, conflicts with it; one beside it does not.
func TestConflictsInsideDirectory(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "db.Fd")
	os.Mkdir(archive, 0o755)
	os.WriteFile(filepath.Join(archive, "toc.dat"), []byte("x"), 0o644)
	for out, inside := range map[string]bool{
		filepath.Join(archive, "toc.dat"):    true,
		filepath.Join(archive, "new.sql"):    true,
		filepath.Join(dir, "db.Fd.sql"):      false,
		filepath.Join(dir, "other", "x.sql"): false,
	} {
		var ce *ConflictError
		if got := errors.As(Conflicts(out, archive), &ce) && ce.Inside; got != inside {
			t.Errorf("Conflicts(%s, %s): inside %v, want %v", out, archive, got, inside)
		}
	}
}

// TestRelativeLinkIsAtomic: a link given by a relative path, in the
// working directory, is followed like an absolute one.
func TestRelativeLinkIsAtomic(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("real", 0o755)
	os.WriteFile(filepath.Join("real", "out.sql"), []byte("old"), 0o644)
	os.Symlink("real/out.sql", "link.sql")

	f, err := Create(context.Background(), "link.sql", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Streaming() {
		t.Fatal("a relative link to a regular file is streaming")
	}
	f.Write([]byte("new"))
	if b, _ := os.ReadFile(filepath.Join(dir, "real", "out.sql")); string(b) != "old" {
		t.Fatalf("target changed before commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real", "out.sql")); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "link.sql")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
}

// TestCommitRenameFails: when the rename into place fails, Commit reports
// it, the temporary file goes, and the File is finished.
func TestCommitRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sql")
	f, err := Create(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("data"))
	// A non-empty directory now stands where the file is to go.
	if err := os.MkdirAll(filepath.Join(path, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("Commit over a directory succeeded")
	}
	if tmp := tmpFiles(t, dir); len(tmp) != 0 {
		t.Fatalf("failed Commit left %q", tmp)
	}
	if _, err := f.Write([]byte("more")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after a failed Commit: %v, want os.ErrClosed", err)
	}
	if err := f.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Commit: %v, want os.ErrClosed", err)
	}
	if err := f.Fail(marker); err != nil {
		t.Errorf("Fail after a failed Commit: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("the directory was touched: %v", err)
	}
}

// TestFailTempAlreadyGone: Fail succeeds when the temporary file has
// already disappeared; other removal errors are reported.
func TestFailTempAlreadyGone(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(context.Background(), filepath.Join(dir, "out.sql"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp := tmpFiles(t, dir)
	if len(tmp) != 1 {
		t.Fatalf("temporary files %q", tmp)
	}
	os.Remove(filepath.Join(dir, tmp[0]))
	if err := f.Fail(marker); err != nil {
		t.Fatalf("Fail with the temporary file gone: %v", err)
	}

	// The temporary file replaced by a non-empty directory cannot be removed.
	f, err = Create(context.Background(), filepath.Join(dir, "out.sql"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp = tmpFiles(t, dir)
	os.Remove(filepath.Join(dir, tmp[0]))
	os.MkdirAll(filepath.Join(dir, tmp[0], "sub"), 0o755)
	if err := f.Fail(marker); err == nil {
		t.Fatal("Fail hid a failure to remove the temporary file")
	}
}

// failingWriter is a caller's stdout that fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestStreamCommitErrorSticks: after a stream's Commit failed, Write and
// Commit keep reporting that failure, even once ctx is done.
func TestStreamCommitErrorSticks(t *testing.T) {
	broken := errors.New("disk on fire")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Create(ctx, "-", failingWriter{broken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("buffered")); err != nil {
		t.Fatalf("buffered Write: %v", err)
	}
	err = f.Commit()
	var pe *os.PathError
	if !errors.Is(err, broken) || !errors.As(err, &pe) || pe.Op != "write" || pe.Path != "-" {
		t.Fatalf("Commit = %v, want a write error on - wrapping the writer's", err)
	}
	cancel()
	if _, err := f.Write([]byte("more")); !errors.Is(err, broken) || errors.Is(err, context.Canceled) {
		t.Errorf("Write after a failed Commit: %v, want the writer's error", err)
	}
	if err := f.Commit(); !errors.Is(err, broken) || errors.Is(err, context.Canceled) {
		t.Errorf("second Commit: %v, want the writer's error", err)
	}
	if err := f.Fail(marker); !errors.Is(err, broken) {
		t.Errorf("Fail: %v, want the writer's error", err)
	}
	if err := f.Fail(marker); err != nil {
		t.Errorf("second Fail: %v", err)
	}
}

// TestFailReportsTheMarkerWriteFirst: when both writing the marker and
// closing the stream fail, Fail reports the write.
func TestFailReportsTheMarkerWriteFirst(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	openReader(t, fifo)
	f, err := Create(context.Background(), fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.fd.Close() // every later write and close fails
	err = f.Fail(marker)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "write" || pe.Path != fifo || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Fail = %#v, want a write error on %s", err, fifo)
	}
}
