// Package pgtest gives integration tests a real PostgreSQL database.
//
// The server comes from UNDERSTUDY_TEST_DATABASE_URL, which `make test`
// (scripts/with-postgres.sh) sets after starting a throwaway cluster. Without
// it, tests that need a server fail when CI is set and skip otherwise: a
// missing PostgreSQL must never pass silently in CI.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the admin URL of the test server.
const EnvURL = "UNDERSTUDY_TEST_DATABASE_URL"

// AdminURL returns the admin connection URL of the test server, or skips
// (fails under CI) when there is none.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: integration tests need PostgreSQL (run `make test`)", EnvURL)
		}
		t.Skipf("no PostgreSQL: %s is not set (run `make test` to start a throwaway server)", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database for this test and returns its URL.
// The database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer conn.Close(ctx)

	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "understudy_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("connect to drop test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Connect opens a connection to url that is closed when the test ends.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Bin returns the path of a PostgreSQL client program (psql, pg_dump,
// pg_restore): from PATH first, then the newest /usr/lib/postgresql/*/bin.
// It fails the test when the program cannot be found.
func Bin(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) }) // newest first
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found on PATH or under /usr/lib/postgresql/*/bin", name)
	return ""
}

// Psql runs a SQL file into the database at url with ON_ERROR_STOP, failing
// the test with psql's output when it does not load cleanly.
func Psql(t testing.TB, url, file string) {
	t.Helper()
	cmd := exec.Command(Bin(t, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("psql -f %s: %v\n%s", file, err, out)
	}
}
