package live

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// PgDumpError is a pg_dump that cannot dump the server: none found, or
// every one found older than the server (pg_dump refuses newer servers).
type PgDumpError struct {
	Server string   // the server's version
	Need   int      // the major version pg_dump must have at least
	Found  []string // every program looked at: "path (version)" or "path: why not"
}

func (e *PgDumpError) Error() string {
	found := "none found"
	if len(e.Found) > 0 {
		found = "found " + strings.Join(e.Found, ", ")
	}
	return fmt.Sprintf("pg_dump %d or later is needed for PostgreSQL %s; %s (looked on PATH and under /usr/lib/postgresql/*/bin): install that version's client programs or name one with its path",
		e.Need, e.Server, found)
}

// pgDump is a pg_dump program and its version.
type pgDump struct {
	path    string
	major   int
	version string // "15.18 (Debian 15.18-0+deb12u1)"
}

// findPgDump returns the first pg_dump able to dump a server of major
// version need: explicit if given, else the one on PATH, then the newest
// under /usr/lib/postgresql/*/bin.
func findPgDump(ctx context.Context, explicit string, need int, server string) (*pgDump, error) {
	var candidates []string
	if explicit != "" {
		candidates = []string{explicit}
	} else {
		if p, err := exec.LookPath("pg_dump"); err == nil {
			candidates = append(candidates, p)
		}
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
		major := func(p string) int {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
			return n
		}
		slices.SortFunc(dirs, func(a, b string) int { return major(b) - major(a) })
		candidates = append(candidates, dirs...)
	}
	e := &PgDumpError{Server: server, Need: need}
	for _, p := range candidates {
		d, err := pgDumpVersion(ctx, p)
		if err != nil {
			e.Found = append(e.Found, p+": "+err.Error())
			continue
		}
		if d.major >= need {
			return d, nil
		}
		e.Found = append(e.Found, fmt.Sprintf("%s (%s)", p, d.version))
	}
	return nil, e
}

// pgDumpVersion runs pg_dump --version: "pg_dump (PostgreSQL) 15.18 (Debian …)".
func pgDumpVersion(ctx context.Context, path string) (*pgDump, error) {
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return nil, err
	}
	line := strings.TrimSpace(string(out))
	_, v, ok := strings.Cut(line, "(PostgreSQL) ")
	if !ok {
		return nil, fmt.Errorf("unexpected --version output %q", line)
	}
	digits := strings.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if len(digits) == 0 {
		return nil, fmt.Errorf("unexpected --version output %q", line)
	}
	major, _ := strconv.Atoi(digits[0])
	return &pgDump{path: path, major: major, version: v}, nil
}

// run runs pg_dump with args into the file out. The connection string goes
// on the command line without its password, which goes in the child's
// environment (readable only by the same OS user), never in argv.
func (d *pgDump) run(ctx context.Context, ci *conninfo, out string, args ...string) error {
	conn, err := stripPassword(ci.raw)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	if conn != "" {
		args = append(args, "--dbname="+conn)
	}
	cmd := exec.CommandContext(ctx, d.path, append([]string{"--no-password"}, args...)...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		// The encoding is given explicitly; the password comes from the
		// parsed connection string (which already followed PGPASSWORD and
		// .pgpass), so both programs use the same one.
		return strings.HasPrefix(kv, "PGPASSWORD=") || strings.HasPrefix(kv, "PGCLIENTENCODING=")
	})
	if ci.secret != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+ci.secret)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = f, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 4096 {
			msg = msg[:4096] + "…"
		}
		return fmt.Errorf("%s: %w: %s", d.path, err, msg)
	}
	return f.Close()
}
