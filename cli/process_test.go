//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/understudy-db/understudy/dump/plain"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/understudy-db/understudy/internal/pgtest"
)

// The tests in this file run anonymize as a process of its own: signals,
// standard output, FIFOs and the umask are the process's.

// mainEnv switches the test binary into the anonymize command (see
// TestMain), so these tests run exactly what cmd/anonymize does.
const mainEnv = "UNDERSTUDY_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		// cmd/anonymize/main.go, line for line.
		ctx, stop := WithSignals(context.Background())
		code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// anonymizeCommand returns the anonymize command with args, run by this
// test binary, with the canary secret in its environment and its stderr
// collected in the returned buffer (read it once the command has exited).
func anonymizeCommand(args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANONYMIZE_SECRET=") && !strings.HasPrefix(kv, mainEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// Under -race a process sleeps a second at exit unless told not to.
	cmd.Env = append(cmd.Env, mainEnv+"=1", "ANONYMIZE_SECRET="+canarySecret, "GORACE=atexit_sleep_ms=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// exitCode returns the exit status Wait or Run reported, -1 for a process
// killed by a signal.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// proc is a started command.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited
	err  error         // Wait's result, once done
}

// startProc starts cmd; the test kills it if it is still running at the end.
func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitUntil polls cond until it holds. It fails the test if the process
// exits first, or after a minute.
func (p *proc) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("the process exited (%v) before %s", p.err, what)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// wait waits for the process to exit and returns its exit status; it fails
// the test after a minute.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return exitCode(t, p.err)
	case <-time.After(time.Minute):
		t.Fatal("the process is still running after a minute")
	}
	return -1
}

// listening reports whether process pid has called WithSignals: it then
// ignores SIGPIPE, right after subscribing to SIGINT and SIGTERM, and Linux
// lists the signals a process ignores in /proc/PID/status. (The Go runtime
// installs its own SIGPIPE handler at start, so an ignored SIGPIPE
// inherited from this test process does not count.)
func listening(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(syscall.SIGPIPE-1)) != 0
		}
	}
	return false
}

// tempFiles returns the temporary files of atomic outputs in dir.
func tempFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	return m
}

// tempFileWritten reports whether an atomic output in dir has had its
// first bytes written: the masking pass has started.
func tempFileWritten(dir string) bool {
	for _, f := range tempFiles(dir) {
		if fi, err := os.Stat(f); err == nil && fi.Size() > 0 {
			return true
		}
	}
	return false
}

// spooling reports whether process pid has created the temporary file it
// copies standard input to, in dir (its $TMPDIR): it reads stdin next.
func spooling(pid int, dir string) bool {
	fds, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && strings.HasPrefix(target, filepath.Join(dir, "anonymize-input-")) {
			return true
		}
	}
	return false
}

// writeBigDump writes a plain dump of one table with n rows, all masked.
func writeBigDump(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.people (\n    id integer NOT NULL,\n    email text,\n    name text\n);\n\n")
	w.WriteString("COPY public.people (id, email, name) FROM stdin;\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "%d\tcanary.%d@leakcheck.org\tCanaryname Number%d\n", i, i, i)
	}
	w.WriteString("\\.\n" + dumpTrailer)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

const bigRules = "version: 1\ntables:\n  public.people:\n    id: hash_id\n    email: email\n    name: full_name\n"

// slowRows writes a COPY block of public.people (canaryDump's table) to w,
// a row every interval, until stop is closed or a write fails; it never
// ends the block. first is closed once the table and the first row are out.
func slowRows(w io.Writer, interval time.Duration, first, stop chan struct{}) {
	head := canaryDump[:strings.Index(canaryDump, "1\t")]
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 1; ; i++ {
		row := fmt.Sprintf("%d\tcanary.alpha@leakcheck.org\tCanaryname Alphason\t1980-01-02\tC4N4RY-77-%04d\tcanary-street 12\tnote\n", i, i)
		if _, err := io.WriteString(w, row); err != nil {
			return
		}
		if i == 1 {
			close(first)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// SIGTERM and SIGINT stop a run, whatever it waits on, with exit status 1
// and a message naming the signal, and leave no output behind. The README
// promises "within a second"; the test allows five, for loaded machines,
// and logs what it measured.
func TestSignalsStopARun(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 50 MB dump")
	}
	shared := t.TempDir()
	rules := writeFile(t, shared, "rules.yaml", canaryRules)
	big := filepath.Join(shared, "big.sql")
	writeBigDump(t, big, 1_000_000)
	bigRulesPath := writeFile(t, shared, "big.yaml", bigRules)

	type setup struct {
		args  []string
		env   []string
		stdin *os.File
		ready func(pid int) bool // the run is where the case wants it
		keep  []string           // what the output directory holds afterwards
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, inDir, outDir string) setup
	}{
		{"waiting on an --in FIFO nobody writes", func(t *testing.T, inDir, outDir string) setup {
			fifo := filepath.Join(inDir, "in.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			// The output is created first, then the FIFO opened.
			return setup{args: []string{"--rules", rules, "--in", fifo, "--out", filepath.Join(outDir, "out.sql")},
				ready: func(int) bool { return len(tempFiles(outDir)) > 0 }}
		}},
		{"reading a slow stdin", func(t *testing.T, inDir, outDir string) setup {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			first, stop := make(chan struct{}), make(chan struct{})
			go slowRows(pw, 100*time.Millisecond, first, stop)
			t.Cleanup(func() { close(stop); pw.Close() })
			return setup{args: []string{"--rules", rules, "--in", "-", "--out", filepath.Join(outDir, "out.sql")}, stdin: pr,
				env: []string{"TMPDIR=" + inDir}, ready: func(pid int) bool {
					select {
					case <-first:
						return spooling(pid, inDir)
					default:
						return false
					}
				}}
		}},
		{"reading a stdin nobody writes or closes", func(t *testing.T, inDir, outDir string) setup {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pw.Close() })
			return setup{args: []string{"--rules", rules, "--in", "-", "--out", filepath.Join(outDir, "out.sql")}, stdin: pr,
				env: []string{"TMPDIR=" + inDir}, ready: func(pid int) bool { return spooling(pid, inDir) }}
		}},
		{"waiting on an --out FIFO nobody reads", func(t *testing.T, inDir, outDir string) setup {
			fifo := filepath.Join(outDir, "out.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			in := writeFile(t, inDir, "in.sql", canaryDump)
			// Opening the output is the first thing the run does.
			return setup{args: []string{"--rules", rules, "--in", in, "--out", fifo},
				ready: func(int) bool { return true }, keep: []string{"out.fifo"}}
		}},
		{"masking a large COPY block", func(t *testing.T, inDir, outDir string) setup {
			return setup{args: []string{"--rules", bigRulesPath, "--in", big, "--out", filepath.Join(outDir, "out.sql")},
				ready: func(int) bool { return tempFileWritten(outDir) }}
		}},
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, c := range cases {
			t.Run(signalName(sig)+"/"+c.name, func(t *testing.T) {
				inDir, outDir := t.TempDir(), t.TempDir()
				s := c.setup(t, inDir, outDir)
				cmd, stderr := anonymizeCommand(s.args...)
				cmd.Env = append(cmd.Env, s.env...)
				if s.stdin != nil {
					cmd.Stdin = s.stdin
				}
				p := startProc(t, cmd)
				if s.stdin != nil {
					s.stdin.Close() // the child has its own copy
				}
				p.waitUntil(t, "it listens for signals", func() bool { return listening(cmd.Process.Pid) })
				p.waitUntil(t, "it is where the case wants it", func() bool { return s.ready(cmd.Process.Pid) })

				start := time.Now()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatalf("the run ended before the signal: %v", err)
				}
				code := p.wait(t)
				took := time.Since(start)
				t.Logf("%s: exit %d %v after the signal", signalName(sig), code, took.Round(time.Millisecond))

				if code != ExitFailure {
					t.Errorf("exit %d, want %d:\n%s", code, ExitFailure, stderr)
				}
				if want := "anonymize: interrupted by " + signalName(sig) + "\n"; !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
				if took > 5*time.Second {
					t.Errorf("the run took %v to stop", took)
				}
				assertNoLeak(t, "stderr", stderr.String())
				assertDirHolds(t, outDir, s.keep...)
				for _, k := range s.keep {
					if fi, err := os.Lstat(filepath.Join(outDir, k)); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
						t.Errorf("%s is no longer a FIFO (%v)", k, err)
					}
				}
			})
		}
	}
}

// `--out /dev/stdout > file`, with a symbolic link to /proc/self/fd/1 in a
// temporary directory standing in for /dev/stdout: the shell's file gets
// the dump (after what >> kept), or, for a failed run, ends with the
// failure marker; the link stays a link.
func TestOutDevStdoutStandIn(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", canaryDump)
	bad := writeFile(t, dir, "bad.sql", strings.Replace(canaryDump, "1980-01-02", "not-a-date-CANARY", 1))
	rules := writeFile(t, dir, "rules.yaml", canaryRules)
	ref := filepath.Join(dir, "ref.sql")
	if r := run(t, canaryEnv, "", "--rules", rules, "--in", in, "--out", ref, "--quiet"); r.code != ExitOK {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	want, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, in, before string
		flag             int // how the shell opened the file
		code             int
	}{
		{"> file", in, "stale\n", os.O_TRUNC, ExitOK},
		{">> file", in, "-- kept\n", os.O_APPEND, ExitOK},
		{"> file, run failing", bad, "", os.O_TRUNC, ExitFailure},
	} {
		t.Run(c.name, func(t *testing.T) {
			outDir := t.TempDir()
			link := filepath.Join(outDir, "stdout")
			if err := os.Symlink("/proc/self/fd/1", link); err != nil {
				t.Fatal(err)
			}
			file := writeFile(t, outDir, "shell.out", c.before)
			f, err := os.OpenFile(file, os.O_WRONLY|c.flag, 0)
			if err != nil {
				t.Fatal(err)
			}
			cmd, stderr := anonymizeCommand("--rules", rules, "--in", c.in, "--out", link, "--quiet")
			cmd.Stdout = f
			err = cmd.Run()
			f.Close()
			if code := exitCode(t, err); code != c.code {
				t.Fatalf("exit %d, want %d:\n%s", code, c.code, stderr)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if c.code == ExitOK {
				before := c.before
				if c.flag == os.O_TRUNC {
					before = ""
				}
				if string(got) != before+string(want) {
					t.Errorf("the file holds:\n%s\nwant:\n%s%s", got, before, want)
				}
			} else if !bytes.HasSuffix(got, plain.FailureMarker[1:]) {
				t.Errorf("the file does not end with the failure marker:\n%s", got)
			}
			assertNoLeak(t, "the output", string(got))
			assertNoLeak(t, "stderr", stderr.String())
			if target, err := os.Readlink(link); err != nil || target != "/proc/self/fd/1" {
				t.Errorf("the link now points to %q (%v)", target, err)
			}
			assertDirHolds(t, outDir, "shell.out", "stdout")
		})
	}
}

// A run that fails before its first byte (wrong rules, an uncovered
// column) or mid-COPY (a bad value), streamed into `psql -1 -v
// ON_ERROR_STOP=1` through a pipe or a FIFO, makes psql fail and commits
// nothing.
func TestStreamedFailureCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	// The bad value comes after about 1.3 MB of rows: psql is well into
	// the COPY block by then.
	dump := writeFile(t, dir, "dump.sql", peopleDump(20000, 19990)+dumpTrailer)
	rules := writeFile(t, dir, "rules.yaml", exactRules)
	wrong := writeFile(t, dir, "wrong.yaml", strings.Replace(exactRules, "email: email", "email: emial", 1))
	uncovered := writeFile(t, dir, "uncovered.yaml", strings.Replace(exactRules, "    name: full_name\n", "", 1))
	psqlBin := pgtest.Bin(t, "psql")
	for _, c := range []struct {
		name, rules string
		code        int
		psqlSays    string
	}{
		{"before streaming: wrong rules", wrong, ExitUsage, ""},
		{"before streaming: an uncovered column", uncovered, ExitUsage, ""},
		{"mid-COPY: a bad value", rules, ExitFailure, "anonymize failed: this dump is incomplete"},
	} {
		for _, via := range []string{"pipe", "FIFO"} {
			t.Run(c.name+"/"+via, func(t *testing.T) {
				db := pgtest.NewDatabase(t)
				psql := exec.Command(psqlBin, "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", db)
				var psqlOut bytes.Buffer
				psql.Stdout, psql.Stderr = &psqlOut, &psqlOut
				var anon *exec.Cmd
				var stderr *bytes.Buffer
				var closeAfterStart []*os.File
				if via == "pipe" {
					pr, pw, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					anon, stderr = anonymizeCommand("--rules", c.rules, "--in", dump, "--out", "-")
					anon.Stdout, psql.Stdin = pw, pr
					closeAfterStart = []*os.File{pr, pw}
				} else {
					fifo := filepath.Join(t.TempDir(), "load.fifo")
					if err := syscall.Mkfifo(fifo, 0o600); err != nil {
						t.Fatal(err)
					}
					anon, stderr = anonymizeCommand("--rules", c.rules, "--in", dump, "--out", fifo)
					psql.Args = append(psql.Args, "-f", fifo)
				}
				pp, ap := startProc(t, psql), startProc(t, anon)
				for _, f := range closeAfterStart {
					f.Close()
				}
				code, psqlCode := ap.wait(t), pp.wait(t)
				if code != c.code {
					t.Errorf("anonymize exit %d, want %d:\n%s", code, c.code, stderr)
				}
				if psqlCode == 0 {
					t.Errorf("psql exit 0:\n%s", psqlOut.String())
				}
				if !strings.Contains(psqlOut.String(), c.psqlSays) {
					t.Errorf("psql does not say %q:\n%s", c.psqlSays, psqlOut.String())
				}
				if tables := userTables(t, db); len(tables) != 0 {
					t.Errorf("the database holds %v after the failed load", tables)
				}
				assertNoLeak(t, "stderr", stderr.String())
				assertNoLeak(t, "psql's output", psqlOut.String())
			})
		}
	}
}

// An output file gets the permissions the umask allows, as any new file
// does, and replacing a file never widens its permissions.
func TestOutputRespectsUmask(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.sql", canaryDump)
	rules := writeFile(t, dir, "rules.yaml", canaryRules)
	for _, c := range []struct {
		umask, existing, want os.FileMode
		name                  string
	}{
		{0o022, 0, 0o644, "out.sql"},
		{0o077, 0, 0o600, "out.sql"},
		{0o027, 0, 0o640, "out.sql.gz"},
		{0o002, 0, 0o664, "out.sql"},
		{0o022, 0o600, 0o600, "out.sql"},
		{0o077, 0o644, 0o600, "out.sql"},
	} {
		t.Run(fmt.Sprintf("umask %03o, %s, existing %03o", c.umask, c.name, c.existing), func(t *testing.T) {
			outDir := t.TempDir()
			out := filepath.Join(outDir, c.name)
			if c.existing != 0 {
				writeFile(t, outDir, c.name, "old")
				if err := os.Chmod(out, c.existing); err != nil {
					t.Fatal(err)
				}
			}
			cmd, stderr := anonymizeCommand("--rules", rules, "--in", in, "--out", out)
			// The umask is per process: set it in a shell that then runs the command.
			cmd.Args = append([]string{"sh", "-c", fmt.Sprintf(`umask %03o && exec "$0" "$@"`, c.umask), cmd.Path}, cmd.Args[1:]...)
			cmd.Path = "/bin/sh"
			if code := exitCode(t, cmd.Run()); code != ExitOK {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			fi, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != c.want {
				t.Errorf("mode %03o, want %03o", fi.Mode().Perm(), c.want)
			}
			assertDirHolds(t, outDir, c.name)
		})
	}
}

// The process prints --help once, on stdout, and exits 0.
func TestProcessHelp(t *testing.T) {
	cmd, stderr := anonymizeCommand("--help")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if code := exitCode(t, cmd.Run()); code != ExitOK || strings.Count(stdout.String(), "Usage") != 1 || stderr.Len() != 0 {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr)
	}
}
