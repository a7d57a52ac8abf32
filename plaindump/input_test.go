package plaindump

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAll reads every item of r and returns the bytes they reproduce.
func readAll(r *Reader) ([]byte, error) {
	var out bytes.Buffer
	w := NewWriter(&out)
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		w.WriteItem(it)
	}
	w.Flush()
	return out.Bytes(), nil
}

func TestInputSecondPassSeesTheFirst(t *testing.T) {
	// Over a chunk, so that a change in the middle is caught in its own chunk.
	dump := "COPY public.t (a) FROM stdin;\n" + strings.Repeat("row\n", chunkSize/2) + "\\.\n"
	cases := []struct {
		name   string
		change func(path string)
		offset int64 // -1: unchanged
	}{
		{"unchanged", func(string) {}, -1},
		{"table appended", func(p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("COPY public.users (email) FROM stdin;\nreal@person.example\n\\.\n")
			f.Close()
		}, int64(len(dump)) / chunkSize * chunkSize},
		{"row edited in place", func(p string) {
			f, _ := os.OpenFile(p, os.O_WRONLY, 0)
			f.WriteAt([]byte("ROW"), chunkSize+10)
			f.Close()
		}, chunkSize},
		{"truncated", func(p string) { os.Truncate(p, chunkSize) }, chunkSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.sql")
			os.WriteFile(path, []byte(dump), 0o644)
			in, err := OpenInput(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			r1, _ := in.First()
			if _, err := readAll(r1); err != nil {
				t.Fatal(err)
			}
			c.change(path)
			r2, err := in.Second()
			if err != nil {
				t.Fatal(err)
			}
			out, err := readAll(r2)
			var ce *ChangedError
			if c.offset < 0 {
				if err != nil || string(out) != dump {
					t.Fatalf("unchanged input: %v", err)
				}
				return
			}
			if !errors.As(err, &ce) || ce.Offset != c.offset {
				t.Fatalf("error %v, want a ChangedError at %d", err, c.offset)
			}
		})
	}
}

func TestInputSpoolsStdin(t *testing.T) {
	in, err := OpenInput(context.Background(), "-", strings.NewReader("SELECT 1;\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for range 2 {
		r, _ := in.First()
		if out, err := readAll(r); err != nil || string(out) != "SELECT 1;\n" {
			t.Fatalf("%q %v", out, err)
		}
		r, _ = in.Second()
		if out, err := readAll(r); err != nil || string(out) != "SELECT 1;\n" {
			t.Fatalf("%q %v", out, err)
		}
	}
	if in.Name() != "stdin" {
		t.Fatal(in.Name())
	}
}

func TestInputSpoolStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupted by SIGTERM"))
	_, err := OpenInput(ctx, "-", strings.NewReader("SELECT 1;\n"))
	if err == nil || !strings.Contains(err.Error(), "SIGTERM") {
		t.Fatalf("error %v", err)
	}
}
