//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Writing to a pipe or device must not replace it with a regular file
// (renaming a temporary file over /dev/null would).
func TestOutToFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	read := make(chan int64)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			read <- -1
			return
		}
		defer f.Close()
		n, _ := io.Copy(io.Discard, f)
		read <- n
	}()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--out", fifo, "-q"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if n := <-read; n <= 0 {
		t.Fatalf("read %d bytes from the FIFO", n)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a FIFO (%v)", fifo, err)
	}
}
