//go:build unix

package refresher

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A hook that leaves a child behind ("./server &", a migration tool that
// forks): the hook's exit status decides, its leftovers are killed with
// it (they would hold sessions on the copy), and the run does not wait for
// them, whether the output is a pipe (a buffer) or a file (stderr).
func TestHookLeavesAChild(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"buffer", "file"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var out interface {
				Write([]byte) (int, error)
			}
			var buf bytes.Buffer
			out = &buf
			if name == "file" {
				f, err := os.Create(filepath.Join(dir, "out"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				out = f
			}
			j := &Job{Name: "shop", Dir: dir, Target: Target{Database: "shop"},
				AfterLoad: []string{"sleep 30 & echo $! > child.pid; echo started"}}
			rep := &Report{}
			start := time.Now()
			if err := runHooks(context.Background(), j, "postgres://x/shop__next", out, rep); err != nil {
				t.Fatalf("the hook exited 0, yet: %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the run waited %s for the hook's child", d)
			}
			b, err := os.ReadFile(filepath.Join(dir, "child.pid"))
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			deadline := time.Now().Add(2 * time.Second)
			for alive(pid) {
				if time.Now().After(deadline) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Fatalf("the hook's child %d outlived it", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if name == "buffer" && !strings.Contains(buf.String(), "started") {
				t.Errorf("the hook's output is lost: %q", buf.String())
			}
		})
	}
}

// alive reports whether pid runs (a zombie, which a container's init may
// not reap, does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}
