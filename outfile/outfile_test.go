package outfile

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sql")

	f, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("abort left %d files", len(entries))
	}

	f, err = Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("whole"))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("output visible before commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after commit
	if b, _ := os.ReadFile(path); string(b) != "whole" {
		t.Fatalf("content %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files after commit, want 1", len(entries))
	}
}

func TestGzipAndStdout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.sql.gz")
	f, _ := Create(path, nil)
	f.Write([]byte("compressed"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.Open(path)
	defer raw.Close()
	zr, err := gzip.NewReader(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != "compressed" {
		t.Fatalf("content %q", b)
	}

	var stdout bytes.Buffer
	f, _ = Create("-", &stdout)
	f.Write([]byte("to stdout"))
	if err := f.Commit(); err != nil || stdout.String() != "to stdout" {
		t.Fatalf("stdout %q, %v", stdout.String(), err)
	}
}

func TestDeviceIsWrittenInPlace(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	f, err := Create(fifo, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("through the pipe"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "through the pipe" {
		t.Fatalf("read %q", b)
	}
	if st, err := os.Stat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatal("the FIFO was replaced")
	}
}
